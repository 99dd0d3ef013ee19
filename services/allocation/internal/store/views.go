package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Slot is one occupied room cell as shown on schedules: a weekly class or hold of a
// semester (Date empty), or a dated reservation occurrence. Holds carry only their public
// label; internal notes never leave the store through a Slot.
type Slot struct {
	RoomID         int64    `json:"room_id"`
	Day            int      `json:"day"`
	Block          int      `json:"block"`
	Date           string   `json:"date,omitempty"`
	Kind           string   `json:"kind"` // class, hold, event
	RefID          int64    `json:"ref_id"`
	Title          string   `json:"title"`
	DisciplineCode string   `json:"discipline_code,omitempty"`
	Section        string   `json:"section,omitempty"`
	Professors     []string `json:"professors,omitempty"`
}

// SlotFilter selects slots: the weekly ones of SemesterID (0 = none) and the reservation
// occurrences dated From..To (empty = none), of the given rooms (nil = all).
type SlotFilter struct {
	SemesterID int64
	RoomIDs    []int64
	From, To   string
}

// Slots lists occupied cells.
func (s *Store) Slots(ctx context.Context, f SlotFilter) ([]Slot, error) {
	var out []Slot
	if f.SemesterID != 0 {
		// Professors are aggregated once per demand (not once per occupied cell).
		rows, err := s.pool.Query(ctx, `
			WITH occ AS (
				SELECT o.room_id, o.day, o.block, o.allocation_id, o.hold_id FROM allocation.occupancies o
				WHERE o.semester_id = $1 AND ($2::bigint[] IS NULL OR o.room_id = ANY ($2))
			), profs AS (
				SELECT dp.demand_id, array_agg(p.name ORDER BY p.name) AS names
				FROM allocation.demand_professors dp JOIN allocation.professors p ON p.id = dp.professor_id
				WHERE dp.demand_id IN (SELECT a.demand_id FROM occ JOIN allocation.allocations a ON a.id = occ.allocation_id)
				GROUP BY dp.demand_id
			)
			SELECT o.room_id, o.day, o.block, 'class', a.id, d.discipline_name, d.discipline_code, d.section, coalesce(pr.names, d.professor_names)
			FROM occ o JOIN allocation.allocations a ON a.id = o.allocation_id JOIN allocation.demands d ON d.id = a.demand_id
			LEFT JOIN profs pr ON pr.demand_id = d.id
			UNION ALL
			SELECT o.room_id, o.day, o.block, 'hold', h.id, h.label, '', '', '{}'::text[]
			FROM occ o JOIN allocation.room_holds h ON h.id = o.hold_id
			ORDER BY 1, 2, 3`, f.SemesterID, f.RoomIDs)
		if err != nil {
			return nil, err
		}
		ws, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Slot, error) {
			var x Slot
			err := r.Scan(&x.RoomID, &x.Day, &x.Block, &x.Kind, &x.RefID, &x.Title, &x.DisciplineCode, &x.Section, &x.Professors)
			return x, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, ws...)
	}
	if f.From != "" && f.To != "" {
		rows, err := s.pool.Query(ctx, `
			SELECT rv.room_id, extract(dow FROM o.date)::int + 1, o.block, to_char(o.date, 'YYYY-MM-DD'), rv.id, rv.title
			FROM allocation.reservation_occurrences o JOIN allocation.reservations rv ON rv.id = o.reservation_id
			WHERE NOT o.cancelled AND o.date BETWEEN $1::date AND $2::date AND ($3::bigint[] IS NULL OR rv.room_id = ANY ($3))
			ORDER BY o.date, rv.room_id, o.block`, f.From, f.To, f.RoomIDs)
		if err != nil {
			return nil, err
		}
		ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Slot, error) {
			x := Slot{Kind: "event"}
			err := r.Scan(&x.RoomID, &x.Day, &x.Block, &x.Date, &x.RefID, &x.Title)
			return x, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// BusyRooms returns the rooms with any weekly class or hold of semesterID (0 = none) on day
// at one of blocks, or any reservation occurrence (not cancelled) dated date (empty =
// none) at one of blocks: the occupied cells Slots would list, reduced to their rooms.
func (s *Store) BusyRooms(ctx context.Context, semesterID int64, day int, date string, blocks []int) (map[int64]bool, error) {
	bs := make([]int16, len(blocks))
	for i, b := range blocks {
		bs[i] = int16(b)
	}
	var d *string
	if date != "" {
		d = &date
	}
	rows, err := s.pool.Query(ctx, `
		SELECT o.room_id FROM allocation.occupancies o
		WHERE $1 <> 0 AND o.semester_id = $1 AND o.day = $2 AND o.block = ANY ($3) AND (o.allocation_id IS NOT NULL OR o.hold_id IS NOT NULL)
		UNION
		SELECT rv.room_id FROM allocation.reservation_occurrences ro JOIN allocation.reservations rv ON rv.id = ro.reservation_id
		WHERE $4::date IS NOT NULL AND NOT ro.cancelled AND ro.date = $4::date AND extract(dow FROM ro.date)::int + 1 = $2 AND ro.block = ANY ($3)`,
		semesterID, day, bs, d)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SemesterOn returns the semester whose dates contain date (YYYY-MM-DD).
func (s *Store) SemesterOn(ctx context.Context, date string) (Semester, error) {
	rows, _ := s.pool.Query(ctx, semesterSelect+`WHERE $1::date BETWEEN start_date AND end_date ORDER BY active DESC, id DESC LIMIT 1`, date)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Semester])
	return x, mapErr(err)
}

// --- solve jobs

// SolveJob is an asynchronous solver run.
type SolveJob struct {
	ID         string `json:"id"`
	SemesterID int64  `json:"semester_id"`
	Status     string `json:"status"` // running, succeeded, failed, cancelled
	Mode       string `json:"mode"`   // full, minimal_perturbation
	// CancelRequested is set by a cancel request until the running job stops.
	CancelRequested bool            `json:"cancel_requested"`
	Progress        json.RawMessage `json:"progress"`
	Result          json.RawMessage `json:"result,omitempty"`
	Error           string          `json:"error,omitempty"`
	StartedBy       string          `json:"started_by"`
	CreatedAt       string          `json:"created_at"`
	FinishedAt      *string         `json:"finished_at,omitempty"`
}

const jobSelect = `SELECT id::text, semester_id, status, mode, cancel_requested, progress, result, error, started_by,
	to_char(created_at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(finished_at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM allocation.solve_jobs `

// Solve modes.
const (
	ModeFull                = "full"
	ModeMinimalPerturbation = "minimal_perturbation"
)

// CreateJob records a running job; a semester has at most one running job.
func (s *Store) CreateJob(ctx context.Context, actor string, semesterID int64, mode string) (SolveJob, error) {
	if mode == "" {
		mode = ModeFull
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.solve_jobs (id, semester_id, status, started_by, mode) VALUES ($1,$2,'running',$3,$4)`, id, semesterID, actor, mode); err != nil {
			e := mapErr(err)
			if c, ok := e.(*ConflictError); ok && c.Slug == "duplicate" {
				return &ConflictError{Slug: "solve-running", Detail: "a solve of this semester is already running"}
			}
			return e
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "solve_start", Entity: "semester", EntityID: semesterID, Detail: map[string]string{"job_id": id, "mode": mode}})
	})
	if err != nil {
		return SolveJob{}, err
	}
	return s.GetJob(ctx, id)
}

// GetJob returns a job.
func (s *Store) GetJob(ctx context.Context, id string) (SolveJob, error) {
	rows, _ := s.pool.Query(ctx, jobSelect+`WHERE id::text = $1`, id)
	j, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[SolveJob])
	return j, mapErr(err)
}

// LatestJob returns the semester's most recent finished successful job.
func (s *Store) LatestJob(ctx context.Context, semesterID int64) (SolveJob, error) {
	rows, _ := s.pool.Query(ctx, jobSelect+`WHERE semester_id = $1 AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`, semesterID)
	j, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[SolveJob])
	return j, mapErr(err)
}

// UpdateJobProgress stores the running job's progress.
func (s *Store) UpdateJobProgress(ctx context.Context, id string, progress any) error {
	b, err := json.Marshal(progress)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `UPDATE allocation.solve_jobs SET progress = $2 WHERE id::text = $1 AND status = 'running'`, id, b)
	return err
}

// FinishJob records a job's outcome.
func (s *Store) FinishJob(ctx context.Context, id, status string, result any, errMsg string) error {
	var b []byte
	if result != nil {
		var err error
		if b, err = json.Marshal(result); err != nil {
			return err
		}
	}
	_, err := s.pool.Exec(ctx, `UPDATE allocation.solve_jobs SET status = $2, result = $3, error = $4, finished_at = now() WHERE id::text = $1`, id, status, b, errMsg)
	return err
}

// RequestCancel flags a running job for cancellation (the replica running it stops it).
// A job that is not running is a *ConflictError (not-running).
func (s *Store) RequestCancel(ctx context.Context, actor, id string) (SolveJob, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status string
		var sem int64
		if err := tx.QueryRow(ctx, `SELECT status, semester_id FROM allocation.solve_jobs WHERE id::text = $1 FOR UPDATE`, id).Scan(&status, &sem); err != nil {
			return mapErr(err)
		}
		if status != "running" {
			return &ConflictError{Slug: "not-running", Detail: "the solve job is " + status + ", not running"}
		}
		if _, err := tx.Exec(ctx, `UPDATE allocation.solve_jobs SET cancel_requested = true WHERE id::text = $1`, id); err != nil {
			return err
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "solve_cancel", Entity: "semester", EntityID: sem, Detail: map[string]string{"job_id": id}})
	})
	if err != nil {
		return SolveJob{}, err
	}
	return s.GetJob(ctx, id)
}

// CancelRequested reports whether a cancel was requested for the job.
func (s *Store) CancelRequested(ctx context.Context, id string) (bool, error) {
	var c bool
	err := s.pool.QueryRow(ctx, `SELECT cancel_requested FROM allocation.solve_jobs WHERE id::text = $1`, id).Scan(&c)
	return c, mapErr(err)
}

// FailRunningJobs marks jobs left running by a previous process as failed (at start).
func (s *Store) FailRunningJobs(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `UPDATE allocation.solve_jobs SET status = 'failed', error = 'interrupted by a restart', finished_at = now() WHERE status = 'running'`)
	return err
}
