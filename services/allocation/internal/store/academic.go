package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Semester is an academic term with its dates; exactly one is active.
type Semester struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Active    bool   `json:"active"`
}

const semesterSelect = `SELECT id, name, to_char(start_date,'YYYY-MM-DD'), to_char(end_date,'YYYY-MM-DD'), active FROM allocation.semesters `

// ListSemesters lists semesters.
func (s *Store) ListSemesters(ctx context.Context, p Page) ([]Semester, error) {
	rows, err := s.pool.Query(ctx, semesterSelect+`WHERE id > $1 ORDER BY id LIMIT $2`, p.After, p.limit())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Semester])
}

// GetSemester returns one semester.
func (s *Store) GetSemester(ctx context.Context, id int64) (Semester, error) {
	rows, _ := s.pool.Query(ctx, semesterSelect+`WHERE id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Semester])
	return x, mapErr(err)
}

// ActiveSemester returns the active semester.
func (s *Store) ActiveSemester(ctx context.Context) (Semester, error) {
	rows, _ := s.pool.Query(ctx, semesterSelect+`WHERE active`)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Semester])
	return x, mapErr(err)
}

// SemesterByName finds a semester by name.
func (s *Store) SemesterByName(ctx context.Context, name string) (Semester, error) {
	rows, _ := s.pool.Query(ctx, semesterSelect+`WHERE name = $1`, name)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Semester])
	return x, mapErr(err)
}

// SaveSemester creates (ID 0) or updates a semester. Making one active deactivates the
// others in the same transaction; the first semester is always active. Changing the dates
// moves the semester's weekly occupancies, which fails if they would now collide.
func (s *Store) SaveSemester(ctx context.Context, actor string, x Semester) (Semester, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Serialise activations.
		if _, err := tx.Exec(ctx, `LOCK TABLE allocation.semesters IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM allocation.semesters WHERE active AND id <> $1`, x.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			x.Active = true // exactly one active
		}
		if x.Active {
			if _, err := tx.Exec(ctx, `UPDATE allocation.semesters SET active = false WHERE active AND id <> $1`, x.ID); err != nil {
				return err
			}
		}
		action := "create"
		var err error
		if x.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.semesters (name, start_date, end_date, active) VALUES ($1,$2::date,$3::date,$4) RETURNING id`,
				x.Name, x.StartDate, x.EndDate, x.Active).Scan(&x.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.semesters SET name=$2, start_date=$3::date, end_date=$4::date, active=$5 WHERE id=$1 RETURNING id`,
				x.ID, x.Name, x.StartDate, x.EndDate, x.Active).Scan(&x.ID)
			if err == nil {
				_, err = tx.Exec(ctx, `UPDATE allocation.occupancies SET during = daterange($2::date, $3::date, '[]') WHERE semester_id = $1`, x.ID, x.StartDate, x.EndDate)
			}
		}
		if err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "semester", EntityID: x.ID, Detail: x})
	})
	return x, err
}

// DeleteSemester deletes a semester without demands, holds or allocations.
func (s *Store) DeleteSemester(ctx context.Context, actor string, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM allocation.semesters WHERE id = $1 FOR UPDATE`, id).Scan(&active); err != nil {
			return mapErr(err)
		}
		if active {
			return &ConflictError{Slug: "active-semester", Detail: "the active semester cannot be deleted; activate another one first"}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.semesters WHERE id = $1`, id); err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "delete", Entity: "semester", EntityID: id})
	})
}

// --- professors

// Professor is a teacher (never a user). Restrictions and preferences are admin data.
type Professor struct {
	ID                         int64   `json:"id"`
	Name                       string  `json:"name"`
	NameKey                    string  `json:"name_key"`
	LowMobility                bool    `json:"low_mobility"`
	PreferredRoomIDs           []int64 `json:"preferred_room_ids"`
	PreferredCharacteristicIDs []int64 `json:"preferred_characteristic_ids"`
}

const professorSelect = `SELECT p.id, p.name, p.name_key, p.low_mobility,
	coalesce((SELECT array_agg(room_id ORDER BY room_id) FROM allocation.professor_preferred_rooms WHERE professor_id = p.id), '{}'),
	coalesce((SELECT array_agg(characteristic_id ORDER BY characteristic_id) FROM allocation.professor_preferred_characteristics WHERE professor_id = p.id), '{}')
	FROM allocation.professors p `

// ListProfessors lists professors; q filters by normalised name substring.
func (s *Store) ListProfessors(ctx context.Context, q string, p Page) ([]Professor, error) {
	rows, err := s.pool.Query(ctx, professorSelect+`WHERE p.id > $1 AND ($3 = '' OR strpos(p.name_key, $3) > 0) ORDER BY p.id LIMIT $2`, p.After, p.limit(), q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Professor])
}

// GetProfessor returns one professor.
func (s *Store) GetProfessor(ctx context.Context, id int64) (Professor, error) {
	rows, _ := s.pool.Query(ctx, professorSelect+`WHERE p.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Professor])
	return x, mapErr(err)
}

// SaveProfessor creates (ID 0) or updates a professor and replaces the preferences.
// NameKey must be the normalised name (unique).
func (s *Store) SaveProfessor(ctx context.Context, actor string, x Professor) (Professor, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if x.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.professors (name, name_key, low_mobility) VALUES ($1,$2,$3) RETURNING id`, x.Name, x.NameKey, x.LowMobility).Scan(&x.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.professors SET name=$2, name_key=$3, low_mobility=$4, updated_at=now() WHERE id=$1 RETURNING id`, x.ID, x.Name, x.NameKey, x.LowMobility).Scan(&x.ID)
		}
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.professor_preferred_rooms WHERE professor_id = $1`, x.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.professor_preferred_characteristics WHERE professor_id = $1`, x.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.professor_preferred_rooms SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, x.ID, x.PreferredRoomIDs); err != nil {
			return withField(err, "preferred_room_ids")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.professor_preferred_characteristics SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, x.ID, x.PreferredCharacteristicIDs); err != nil {
			return withField(err, "preferred_characteristic_ids")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.demand_professors (demand_id, professor_id)
			SELECT d.id, $1 FROM allocation.demands d WHERE $2 = ANY (d.professor_keys) ON CONFLICT DO NOTHING`, x.ID, x.NameKey); err != nil {
			return err
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "professor", EntityID: x.ID, Detail: x})
	})
	if err != nil {
		return Professor{}, err
	}
	return s.GetProfessor(ctx, x.ID)
}

func withField(err error, field string) error {
	e := mapErr(err)
	if ref, ok := e.(*InvalidRefError); ok {
		ref.Field = field
	}
	return e
}

// DeleteProfessor deletes a professor.
func (s *Store) DeleteProfessor(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "professors", "professor", id)
}

// --- rules

// Rule kinds.
const (
	RuleNeedsRoomType         = "needs_room_type"
	RuleNeedsRoom             = "needs_room"
	RulePrefersCharacteristic = "prefers_characteristic"
)

// Rule is a discipline allocation rule: hard needs_room_type / needs_room, soft
// prefers_characteristic with priority 1–10.
type Rule struct {
	ID               int64  `json:"id"`
	Kind             string `json:"kind"`
	DisciplineCode   string `json:"discipline_code"`
	RoomTypeID       *int64 `json:"room_type_id,omitempty"`
	RoomID           *int64 `json:"room_id,omitempty"`
	CharacteristicID *int64 `json:"characteristic_id,omitempty"`
	Priority         int    `json:"priority"`
	Description      string `json:"description"`
}

const ruleSelect = `SELECT id, kind, discipline_code, room_type_id, room_id, characteristic_id, priority, description FROM allocation.rules `

// ListRules lists rules, optionally of one discipline.
func (s *Store) ListRules(ctx context.Context, discipline string, p Page) ([]Rule, error) {
	rows, err := s.pool.Query(ctx, ruleSelect+`WHERE id > $1 AND ($3 = '' OR discipline_code = $3) ORDER BY id LIMIT $2`, p.After, p.limit(), discipline)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Rule])
}

// GetRule returns one rule.
func (s *Store) GetRule(ctx context.Context, id int64) (Rule, error) {
	rows, _ := s.pool.Query(ctx, ruleSelect+`WHERE id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Rule])
	return x, mapErr(err)
}

// SaveRule creates (ID 0) or updates a rule.
func (s *Store) SaveRule(ctx context.Context, actor string, x Rule) (Rule, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if x.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.rules (kind, discipline_code, room_type_id, room_id, characteristic_id, priority, description)
				VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, x.Kind, x.DisciplineCode, x.RoomTypeID, x.RoomID, x.CharacteristicID, x.Priority, x.Description).Scan(&x.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.rules SET kind=$2, discipline_code=$3, room_type_id=$4, room_id=$5, characteristic_id=$6, priority=$7, description=$8
				WHERE id=$1 RETURNING id`, x.ID, x.Kind, x.DisciplineCode, x.RoomTypeID, x.RoomID, x.CharacteristicID, x.Priority, x.Description).Scan(&x.ID)
		}
		if err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "rule", EntityID: x.ID, Detail: x})
	})
	return x, err
}

// DeleteRule deletes a rule.
func (s *Store) DeleteRule(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "rules", "rule", id)
}
