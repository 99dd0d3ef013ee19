package store

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Demand is one course section of a semester, keyed by the academic system's offer id.
type Demand struct {
	ID             int64    `json:"id"`
	SemesterID     int64    `json:"semester_id"`
	ExternalID     string   `json:"external_id"`
	ProgramCode    string   `json:"program_code"`
	DisciplineCode string   `json:"discipline_code"`
	DisciplineName string   `json:"discipline_name"`
	Section        string   `json:"section"`
	Seats          int      `json:"seats"`
	Schedule       string   `json:"schedule"`
	Cells          []string `json:"cells"`
	ProfessorNames []string `json:"professor_names"`
	ProfessorKeys  []string `json:"-"`
	ProfessorIDs   []int64  `json:"professor_ids"`
	Withdrawn      bool     `json:"withdrawn"`
}

const demandSelect = `SELECT d.id, d.semester_id, d.external_id, d.program_code, d.discipline_code, d.discipline_name, d.section, d.seats, d.schedule, d.cells,
	d.professor_names, d.professor_keys,
	coalesce((SELECT array_agg(professor_id ORDER BY professor_id) FROM allocation.demand_professors WHERE demand_id = d.id), '{}'), d.withdrawn
	FROM allocation.demands d `

// DemandFilter narrows a demand list.
type DemandFilter struct {
	SemesterID     int64
	DisciplineCode string
}

// ListDemands lists demands.
func (s *Store) ListDemands(ctx context.Context, f DemandFilter, p Page) ([]Demand, error) {
	rows, err := s.pool.Query(ctx, demandSelect+`WHERE d.id > $1 AND ($3 = 0 OR d.semester_id = $3) AND ($4 = '' OR d.discipline_code = $4) ORDER BY d.id LIMIT $2`,
		p.After, p.limit(), f.SemesterID, f.DisciplineCode)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Demand])
}

// GetDemand returns one demand.
func (s *Store) GetDemand(ctx context.Context, id int64) (Demand, error) {
	rows, _ := s.pool.Query(ctx, demandSelect+`WHERE d.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Demand])
	return x, mapErr(err)
}

// DeleteDemand deletes a demand without allocations.
func (s *Store) DeleteDemand(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "demands", "demand", id)
}

// UpsertOutcome is what happened to one demand of an import.
type UpsertOutcome struct {
	ExternalID         string `json:"external_id"`
	DemandID           int64  `json:"demand_id"`
	Outcome            string `json:"outcome"` // created, updated, unchanged
	AllocationsRemoved int    `json:"allocations_removed,omitempty"`
}

// UpsertDemands creates or updates demands of one semester keyed by external id, in one
// transaction. A demand whose schedule changed loses its allocations (they no longer fit);
// the outcome says how many. With markWithdrawn, demands of the semester absent from ds
// are flagged withdrawn (never deleted: their history stays) and their ids returned.
func (s *Store) UpsertDemands(ctx context.Context, actor string, semesterID int64, ds []Demand, markWithdrawn bool, logDetail any) (outs []UpsertOutcome, withdrawn []string, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM allocation.semesters WHERE id = $1 FOR UPDATE`, semesterID); err != nil {
			return err
		}
		outs = outs[:0]
		for _, d := range ds {
			o, err := upsertDemand(ctx, tx, semesterID, d)
			if err != nil {
				return err
			}
			outs = append(outs, o)
		}
		if markWithdrawn {
			ids := make([]string, len(ds))
			for i, d := range ds {
				ids[i] = d.ExternalID
			}
			rows, err := tx.Query(ctx, `UPDATE allocation.demands SET withdrawn = true, updated_at = now()
				WHERE semester_id = $1 AND NOT withdrawn AND NOT (external_id = ANY ($2)) RETURNING external_id`, semesterID, ids)
			if err != nil {
				return err
			}
			if withdrawn, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				return err
			}
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "import", Entity: "semester", EntityID: semesterID, Detail: logDetail})
	})
	return outs, withdrawn, err
}

// SaveDemand creates or updates one demand (manual entry).
func (s *Store) SaveDemand(ctx context.Context, actor string, d Demand) (Demand, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if d.ID != 0 {
			var ext string
			var sem int64
			if err := tx.QueryRow(ctx, `SELECT external_id, semester_id FROM allocation.demands WHERE id = $1 FOR UPDATE`, d.ID).Scan(&ext, &sem); err != nil {
				return mapErr(err)
			}
			if ext != d.ExternalID || sem != d.SemesterID {
				return &InvalidRefError{Field: "external_id", Detail: "the semester and external id of a demand cannot change"}
			}
		}
		o, err := upsertDemand(ctx, tx, d.SemesterID, d)
		if err != nil {
			return err
		}
		d.ID = o.DemandID
		return logChange(ctx, tx, Change{Actor: actor, Action: o.Outcome, Entity: "demand", EntityID: d.ID, Detail: d})
	})
	if err != nil {
		return Demand{}, err
	}
	return s.GetDemand(ctx, d.ID)
}

func upsertDemand(ctx context.Context, tx pgx.Tx, semesterID int64, d Demand) (UpsertOutcome, error) {
	o := UpsertOutcome{ExternalID: d.ExternalID}
	var old struct {
		id    int64
		cells []string
		found bool
	}
	err := tx.QueryRow(ctx, `SELECT id, cells FROM allocation.demands WHERE semester_id = $1 AND external_id = $2 FOR UPDATE`, semesterID, d.ExternalID).Scan(&old.id, &old.cells)
	switch {
	case err == pgx.ErrNoRows:
	case err != nil:
		return o, err
	default:
		old.found = true
	}
	if d.ProfessorNames == nil {
		d.ProfessorNames = []string{}
	}
	if d.ProfessorKeys == nil {
		d.ProfessorKeys = []string{}
	}
	if !old.found {
		err := tx.QueryRow(ctx, `INSERT INTO allocation.demands (semester_id, external_id, program_code, discipline_code, discipline_name, section, seats, schedule, cells, professor_names, professor_keys)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`, semesterID, d.ExternalID, d.ProgramCode, d.DisciplineCode, d.DisciplineName, d.Section, d.Seats, d.Schedule, d.Cells, d.ProfessorNames, d.ProfessorKeys).Scan(&o.DemandID)
		if err != nil {
			return o, mapErr(err)
		}
		o.Outcome = "created"
	} else {
		o.DemandID = old.id
		tag, err := tx.Exec(ctx, `UPDATE allocation.demands SET program_code=$2, discipline_code=$3, discipline_name=$4, section=$5, seats=$6, schedule=$7, cells=$8,
			professor_names=$9, professor_keys=$10, withdrawn=false, updated_at=now()
			WHERE id=$1 AND (program_code, discipline_code, discipline_name, section, seats, schedule, cells, professor_names, professor_keys, withdrawn)
			IS DISTINCT FROM ($2, $3, $4, $5, $6, $7, $8, $9, $10, false)`,
			old.id, d.ProgramCode, d.DisciplineCode, d.DisciplineName, d.Section, d.Seats, d.Schedule, d.Cells, d.ProfessorNames, d.ProfessorKeys)
		if err != nil {
			return o, mapErr(err)
		}
		o.Outcome = "unchanged"
		if tag.RowsAffected() > 0 {
			o.Outcome = "updated"
		}
		if !slices.Equal(old.cells, d.Cells) {
			tag, err := tx.Exec(ctx, `DELETE FROM allocation.allocations WHERE demand_id = $1`, old.id)
			if err != nil {
				return o, err
			}
			o.AllocationsRemoved = int(tag.RowsAffected())
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM allocation.demand_professors WHERE demand_id = $1`, o.DemandID); err != nil {
		return o, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO allocation.demand_professors (demand_id, professor_id)
		SELECT $1, p.id FROM allocation.professors p WHERE p.name_key = ANY ($2) ON CONFLICT DO NOTHING`, o.DemandID, d.ProfessorKeys)
	return o, err
}

// ProfessorKeys returns the set of known normalised professor names.
func (s *Store) ProfessorKeys(ctx context.Context) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT name_key FROM allocation.professors`)
	if err != nil {
		return nil, err
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, err
}

// --- room holds

// RoomHold blocks a room for another programme at recurring weekly cells of a semester.
// InternalNote is admin-only.
type RoomHold struct {
	ID           int64    `json:"id"`
	SemesterID   int64    `json:"semester_id"`
	RoomID       int64    `json:"room_id"`
	Label        string   `json:"label"`
	InternalNote string   `json:"internal_note"`
	Schedule     string   `json:"schedule"`
	Cells        []string `json:"cells"`
}

const holdSelect = `SELECT id, semester_id, room_id, label, internal_note, schedule, cells FROM allocation.room_holds `

// ListHolds lists holds, optionally of one semester.
func (s *Store) ListHolds(ctx context.Context, semesterID int64, p Page) ([]RoomHold, error) {
	rows, err := s.pool.Query(ctx, holdSelect+`WHERE id > $1 AND ($3 = 0 OR semester_id = $3) ORDER BY id LIMIT $2`, p.After, p.limit(), semesterID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[RoomHold])
}

// GetHold returns one hold.
func (s *Store) GetHold(ctx context.Context, id int64) (RoomHold, error) {
	rows, _ := s.pool.Query(ctx, holdSelect+`WHERE id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[RoomHold])
	return x, mapErr(err)
}

// SaveHold creates (ID 0) or updates a hold with its occupancies. days/blocks are the
// parsed cells (parallel slices). A taken cell fails with a *ConflictError naming it.
func (s *Store) SaveHold(ctx context.Context, actor string, h RoomHold, days, blocks []int16) (RoomHold, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if h.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.room_holds (semester_id, room_id, label, internal_note, schedule, cells) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
				h.SemesterID, h.RoomID, h.Label, h.InternalNote, h.Schedule, h.Cells).Scan(&h.ID)
		} else {
			action = "update"
			if _, err = tx.Exec(ctx, `DELETE FROM allocation.occupancies WHERE hold_id = $1`, h.ID); err == nil {
				err = tx.QueryRow(ctx, `UPDATE allocation.room_holds SET semester_id=$2, room_id=$3, label=$4, internal_note=$5, schedule=$6, cells=$7 WHERE id=$1 RETURNING id`,
					h.ID, h.SemesterID, h.RoomID, h.Label, h.InternalNote, h.Schedule, h.Cells).Scan(&h.ID)
			}
		}
		if err != nil {
			return mapErr(err)
		}
		if err := insertWeekly(ctx, tx, h.SemesterID, h.RoomID, days, blocks, "hold_id", h.ID); err != nil {
			return err
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "room_hold", EntityID: h.ID, Detail: h})
	})
	return h, err
}

// DeleteHold deletes a hold (its occupancies go with it).
func (s *Store) DeleteHold(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "room_holds", "room_hold", id)
}

// insertWeekly writes the weekly occupancies of an allocation or hold for the semester's
// dates, first naming any conflict precisely; the exclusion constraint backs the check.
func insertWeekly(ctx context.Context, tx pgx.Tx, semesterID, roomID int64, days, blocks []int16, col string, id int64) error {
	conflicts, err := weeklyConflicts(ctx, tx, semesterID, roomID, days, blocks)
	if err != nil {
		return err
	}
	if len(conflicts) > 0 {
		return doubleBooking(conflicts)
	}
	_, err = tx.Exec(ctx, `INSERT INTO allocation.occupancies (room_id, day, block, during, semester_id, `+col+`)
		SELECT $1, c.day, c.block, daterange(s.start_date, s.end_date, '[]'), s.id, $5
		FROM allocation.semesters s, unnest($3::smallint[], $4::smallint[]) AS c(day, block) WHERE s.id = $2`,
		roomID, semesterID, days, blocks, id)
	return mapErr(err)
}
