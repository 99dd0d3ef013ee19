// Package allocation is the web service's client of the allocation service: the admin API
// (/api/v1/allocation, roles admin and superadmin) and the anonymous public API
// (/api/v1/public) behind the public schedule pages.
package allocation

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Base paths.
const (
	AdminBase  = "/api/v1/allocation"
	PublicBase = "/api/v1/public"
)

// Room is a classroom or lab.
type Room struct {
	ID              int64    `json:"id"`
	BuildingID      int64    `json:"building_id"`
	Building        string   `json:"building"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Floor           int      `json:"floor"`
	Capacity        int      `json:"capacity"`
	RoomTypeID      int64    `json:"room_type_id"`
	RoomType        string   `json:"room_type"`
	Active          bool     `json:"active"`
	Characteristics []string `json:"characteristics"`
}

// Building is a campus building.
type Building struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Semester is an academic term; exactly one is active.
type Semester struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Active    bool   `json:"active"`
}

// Block is one time block of the grid.
type Block struct {
	Code  string `json:"code"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Entry is one merged occupation of a room on a day (class, hold or event).
type Entry struct {
	RoomID         int64    `json:"room_id"`
	Day            int      `json:"day"`
	Date           string   `json:"date,omitempty"`
	FirstBlock     string   `json:"first_block"`
	LastBlock      string   `json:"last_block"`
	Start          string   `json:"start"`
	End            string   `json:"end"`
	Kind           string   `json:"kind"`
	Title          string   `json:"title"`
	DisciplineCode string   `json:"discipline_code,omitempty"`
	Section        string   `json:"section,omitempty"`
	Professors     []string `json:"professors,omitempty"`
}

// Week is the weekly grid of one or more rooms.
type Week struct {
	Semester Semester `json:"semester"`
	WeekFrom string   `json:"week_from,omitempty"`
	WeekTo   string   `json:"week_to,omitempty"`
	Days     []int    `json:"days"`
	Blocks   []Block  `json:"blocks"`
	Rooms    []Room   `json:"rooms"`
	Entries  []Entry  `json:"entries"`
}

// ImportReport is the outcome of a demand import.
type ImportReport struct {
	Source    string `json:"source"`
	Semester  string `json:"semester"`
	Received  int    `json:"received"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Skipped   []struct {
		Row     int    `json:"row"`
		OfferID string `json:"offer_id"`
		Reason  string `json:"reason"`
		Detail  string `json:"detail"`
	} `json:"skipped"`
	Withdrawn           []string `json:"withdrawn"`
	UnmatchedProfessors []string `json:"unmatched_professors"`
}

// SolveJob is a background solver run.
type SolveJob struct {
	ID         string `json:"id"`
	SemesterID int64  `json:"semester_id"`
	Status     string `json:"status"`
	Mode       string `json:"mode"`
	// CancelRequested is set by a cancel request until the running job stops.
	CancelRequested bool            `json:"cancel_requested"`
	Progress        json.RawMessage `json:"progress"`
	Result          *SolveResult    `json:"result,omitempty"`
	Error           string          `json:"error,omitempty"`
	CreatedAt       string          `json:"created_at"`
}

// SolveResult summarises a finished run.
type SolveResult struct {
	SectionDays      int   `json:"section_days"`
	Placed           int   `json:"placed"`
	PlacedUpperBound int   `json:"placed_upper_bound"`
	PlacedProven     bool  `json:"placed_proven_optimal"`
	SoftScore        int   `json:"soft_score"`
	SoftUpperBound   int   `json:"soft_upper_bound"`
	DurationMS       int64 `json:"duration_ms"`
	// PublishedSectionDays counts the latest publication's section-days that still
	// exist; PublishedMoved how many of them now have another room or none (Moves).
	PublishedSectionDays int      `json:"published_section_days"`
	PublishedMoved       int      `json:"published_moved"`
	Notes                []string `json:"notes"`
	Moves                []struct {
		DemandID       int64  `json:"demand_id"`
		DisciplineCode string `json:"discipline_code"`
		Section        string `json:"section"`
		Day            int    `json:"day"`
		FromRoomID     int64  `json:"from_room_id"`
		ToRoomID       int64  `json:"to_room_id"`
	} `json:"moves"`
	Unplaced []struct {
		DemandID       int64  `json:"demand_id"`
		DisciplineCode string `json:"discipline_code"`
		Section        string `json:"section"`
		Day            int    `json:"day"`
		Code           string `json:"reason_code"`
		Message        string `json:"message"`
	} `json:"unplaced"`
}

// Reservation is an event booking with its occurrences.
type Reservation struct {
	ID          int64           `json:"id"`
	RoomID      int64           `json:"room_id"`
	Title       string          `json:"title"`
	Requester   string          `json:"requester"`
	Responsible string          `json:"responsible"`
	Blocks      []string        `json:"blocks"`
	Recurrence  json.RawMessage `json:"recurrence"`
	Occurrences []struct {
		ID        int64  `json:"id"`
		Date      string `json:"date"`
		Block     string `json:"block"`
		Cancelled bool   `json:"cancelled"`
	} `json:"occurrences"`
}

// Client calls the allocation service.
type Client struct {
	c *apicall.Client // the admin API, with the caller's session
	// pub calls the anonymous public API: never with the caller's session, so its
	// answers can be revalidated against a shared cache (WithPublicCache).
	pub *apicall.Client
}

// Option configures a Client.
type Option func(*Client)

// WithPublicCache revalidates the public API's answers against cache with
// If-None-Match (the API answers 304 when the schedule has not changed), so an unchanged
// grid is not transferred and decoded from the wire again on every page view.
func WithPublicCache(cache *apicall.ETagCache) Option {
	return func(c *Client) { c.pub = c.pub.WithCache(cache) }
}

// New returns a client of the allocation service's public listener at base.
func New(base string, hc *http.Client, opts ...Option) *Client {
	c := &Client{c: apicall.New(base, hc)}
	c.pub = c.c
	for _, o := range opts {
		o(c)
	}
	return c
}

// public gets a public API path as an anonymous visitor.
func public[T any](ctx context.Context, c *Client, path string, q url.Values) (T, error) {
	return get[T](apicall.Anonymous(ctx), c.pub, path, q)
}

func get[T any](ctx context.Context, c *apicall.Client, path string, q url.Values) (T, error) {
	var v T
	err := c.Do(ctx, http.MethodGet, path, q, nil, &v)
	return v, err
}

// Rooms lists every room (admin).
func (c *Client) Rooms(ctx context.Context) ([]Room, error) {
	return list[Room](ctx, c.c, AdminBase+"/rooms", nil)
}

// Semesters lists the semesters (admin).
func (c *Client) Semesters(ctx context.Context) ([]Semester, error) {
	return list[Semester](ctx, c.c, AdminBase+"/semesters", nil)
}

// CreateSemester creates a semester.
func (c *Client) CreateSemester(ctx context.Context, name, start, end string) (Semester, error) {
	var s Semester
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters", nil,
		map[string]string{"name": name, "start_date": start, "end_date": end}, &s)
	return s, err
}

// ActivateSemester makes a semester the active one.
func (c *Client) ActivateSemester(ctx context.Context, id int64) error {
	return c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters/"+itoa(id)+"/activate", nil, nil, nil)
}

// ImportAcademic imports the semester's demands from the academic system's API.
func (c *Client) ImportAcademic(ctx context.Context, semesterID int64) (ImportReport, error) {
	var r ImportReport
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters/"+itoa(semesterID)+"/import", nil, map[string]any{}, &r)
	return r, err
}

// ImportCSV imports the semester's demands from an uploaded CSV.
func (c *Client) ImportCSV(ctx context.Context, semesterID int64, csv []byte) (ImportReport, error) {
	var r ImportReport
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters/"+itoa(semesterID)+"/import.csv", nil,
		apicall.RawBody{ContentType: "text/csv", Data: csv}, &r)
	return r, err
}

// Solve starts a solver run for a semester.
func (c *Client) Solve(ctx context.Context, semesterID int64) (SolveJob, error) {
	var j SolveJob
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/semesters/"+itoa(semesterID)+"/solve", nil, map[string]any{}, &j)
	return j, err
}

// SolveJob returns a solver run's state.
func (c *Client) SolveJob(ctx context.Context, id string) (SolveJob, error) {
	return get[SolveJob](ctx, c.c, AdminBase+"/solve-jobs/"+url.PathEscape(id), nil)
}

// Reservations lists reservations (filters room_id, from, to).
func (c *Client) Reservations(ctx context.Context, q url.Values) ([]Reservation, error) {
	p, err := get[apicall.Page[Reservation]](ctx, c.c, AdminBase+"/reservations", q)
	return p.Items, err
}

// CreateReservation books a room; a conflict is a 409 problem listing the taken cells.
func (c *Client) CreateReservation(ctx context.Context, in map[string]any) (Reservation, error) {
	var r Reservation
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/reservations", nil, in, &r)
	return r, err
}

// PublicBuildings lists buildings (anonymous).
func (c *Client) PublicBuildings(ctx context.Context) ([]Building, error) {
	p, err := public[apicall.Page[Building]](ctx, c, PublicBase+"/buildings", nil)
	return p.Items, err
}

// PublicRooms lists active rooms (anonymous; building_id optional).
func (c *Client) PublicRooms(ctx context.Context, q url.Values) ([]Room, error) {
	p, err := public[apicall.Page[Room]](ctx, c, PublicBase+"/rooms", q)
	return p.Items, err
}

// RoomWeek is a room's weekly grid (date optional: that week's events too).
func (c *Client) RoomWeek(ctx context.Context, roomID int64, q url.Values) (Week, error) {
	return public[Week](ctx, c, PublicBase+"/rooms/"+itoa(roomID)+"/week", q)
}

// BuildingWeek is the weekly grid of every active room of a building.
func (c *Client) BuildingWeek(ctx context.Context, buildingID int64, q url.Values) (Week, error) {
	return public[Week](ctx, c, PublicBase+"/buildings/"+itoa(buildingID)+"/week", q)
}

// Search finds rooms free at the given cells (day or date, blocks, capacity, characteristic...).
func (c *Client) Search(ctx context.Context, q url.Values) ([]Room, error) {
	p, err := public[apicall.Page[Room]](ctx, c, PublicBase+"/rooms/search", q)
	return p.Items, err
}

// FreeNow lists rooms free at the current block.
func (c *Client) FreeNow(ctx context.Context) (json.RawMessage, error) {
	return public[json.RawMessage](ctx, c, PublicBase+"/free-rooms", nil)
}

// Download fetches a file (CSV, PDF, iCal) from the admin or public API (the public one
// as an anonymous visitor).
func (c *Client) Download(ctx context.Context, path string, q url.Values, accept string) (*apicall.Response, error) {
	if strings.HasPrefix(path, PublicBase+"/") {
		return c.pub.Raw(apicall.Anonymous(ctx), http.MethodGet, path, q, nil, accept)
	}
	return c.c.Raw(ctx, http.MethodGet, path, q, nil, accept)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
