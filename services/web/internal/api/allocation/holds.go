package allocation

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Hold keeps a room busy at weekly cells of a semester (another programme's class,
// maintenance): the label is public, the internal note admin-only.
type Hold struct {
	ID           int64    `json:"id,omitempty"`
	SemesterID   int64    `json:"semester_id"`
	RoomID       int64    `json:"room_id"`
	Label        string   `json:"label"`
	InternalNote string   `json:"internal_note"`
	Schedule     string   `json:"schedule"`
	Cells        []string `json:"cells,omitempty"`
}

// Holds lists room holds (semester_id).
func (c *Client) Holds(ctx context.Context, q url.Values) ([]Hold, error) {
	return list[Hold](ctx, c.c, AdminBase+"/room-holds", q)
}

// Hold returns one room hold.
func (c *Client) Hold(ctx context.Context, id int64) (Hold, error) {
	return get[Hold](ctx, c.c, AdminBase+"/room-holds/"+itoa(id), nil)
}

// SolveWithMode starts a solver run: "full" or "minimal_perturbation" (stay close to
// the latest publication; 409 no-publication without one).
func (c *Client) SolveWithMode(ctx context.Context, semesterID int64, mode string) (SolveJob, error) {
	var j SolveJob
	in := map[string]any{}
	if mode != "" {
		in["mode"] = mode
	}
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters/"+itoa(semesterID)+"/solve", nil, in, &j)
	return j, err
}

// CancelSolve stops a running job (409 not-running otherwise).
func (c *Client) CancelSolve(ctx context.Context, id string) (SolveJob, error) {
	var j SolveJob
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/solve-jobs/"+url.PathEscape(id)+"/cancel", nil, nil, &j)
	return j, err
}

// Publication is a snapshot of a semester's allocations.
type Publication struct {
	ID          int64  `json:"id"`
	SemesterID  int64  `json:"semester_id"`
	Note        string `json:"note"`
	PublishedAt string `json:"published_at"`
	PublishedBy string `json:"published_by"`
	SectionDays int    `json:"section_days"`
}

// Publish snapshots the semester's current allocations.
func (c *Client) Publish(ctx context.Context, semesterID int64, note string) (Publication, error) {
	var p Publication
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters/"+itoa(semesterID)+"/publish", nil, map[string]string{"note": note}, &p)
	return p, err
}

// Publications lists a semester's publications.
func (c *Client) Publications(ctx context.Context, semesterID int64) ([]Publication, error) {
	return list[Publication](ctx, c.c, AdminBase+"/semesters/"+itoa(semesterID)+"/publications", nil)
}

// Change is one entry of the change log (who changed what).
type Change struct {
	ID       int64           `json:"id"`
	At       string          `json:"at"`
	Username string          `json:"username"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Detail   json.RawMessage `json:"detail"`
}

// ChangeLog lists the change log, oldest first (entity, cursor, limit).
func (c *Client) ChangeLog(ctx context.Context, q url.Values) (apicall.Page[Change], error) {
	return get[apicall.Page[Change]](ctx, c.c, AdminBase+"/change-log", q)
}

// Reservation returns one reservation with its occurrences.
func (c *Client) Reservation(ctx context.Context, id int64) (Reservation, error) {
	return get[Reservation](ctx, c.c, AdminBase+"/reservations/"+itoa(id), nil)
}

// UpdateReservation changes a reservation (new blocks or recurrence re-schedule the
// occurrences from today; a conflict refuses everything with 409).
func (c *Client) UpdateReservation(ctx context.Context, id int64, in map[string]any) error {
	return c.c.Do(ctx, http.MethodPut, AdminBase+"/reservations/"+itoa(id), nil, in, nil)
}

// DeleteReservation deletes a reservation.
func (c *Client) DeleteReservation(ctx context.Context, id int64) error {
	return c.c.Do(ctx, http.MethodDelete, AdminBase+"/reservations/"+itoa(id), nil, nil, nil)
}

// CancelOccurrence cancels one occurrence of a reservation.
func (c *Client) CancelOccurrence(ctx context.Context, id, occurrence int64) error {
	return c.c.Do(ctx, http.MethodPost, AdminBase+"/reservations/"+itoa(id)+"/occurrences/"+itoa(occurrence)+"/cancel", nil, nil, nil)
}
