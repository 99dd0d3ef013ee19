package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/allocation/migrations"
)

func migrated(t *testing.T) (*Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	pool := pgxtest.NewPool(t)
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgxx.Migrate(ctx, pool, "allocation", ms); err != nil {
		t.Fatal(err)
	}
	return New(pool), ctx
}

// Every unique and exclusion constraint of the schema has a human message, and every
// message names a constraint that exists (a renamed constraint fails here, not in
// production with a leaked name).
func TestEveryConstraintHasAMessage(t *testing.T) {
	s, ctx := migrated(t)
	rows, err := s.pool.Query(ctx, `
		SELECT conname FROM pg_constraint WHERE connamespace = 'allocation'::regnamespace AND contype IN ('u', 'x')
		UNION
		SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE i.relnamespace = 'allocation'::regnamespace AND x.indisunique AND NOT x.indisprimary
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, n := range names {
		exists[n] = true
		if _, ok := constraintMessages[n]; !ok {
			t.Errorf("constraint %s has no human message", n)
		}
	}
	var checks []string
	rows, err = s.pool.Query(ctx, `SELECT conname FROM pg_constraint WHERE connamespace = 'allocation'::regnamespace AND contype = 'c'`)
	if err != nil {
		t.Fatal(err)
	}
	if checks, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	for _, n := range checks {
		exists[n] = true
	}
	for n := range constraintMessages {
		if !exists[n] {
			t.Errorf("message for unknown constraint %s", n)
		}
	}
}

// The database's own refusals, whatever wrote them, come back as human sentences naming
// the field — never the constraint.
func TestConstraintErrorsAreHuman(t *testing.T) {
	s, ctx := migrated(t)
	c, err := s.SaveCampus(ctx, "ana", Campus{Name: "FUP"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.SaveBuilding(ctx, "ana", Building{CampusID: c.ID, Name: "UAC"})
	if err != nil {
		t.Fatal(err)
	}
	typ, err := s.SaveRoomType(ctx, "ana", RoomType{Name: "Sala"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := s.SaveRoom(ctx, "ana", Room{BuildingID: b.ID, Name: "AT-01", Capacity: 50, RoomTypeID: typ.ID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	sem, err := s.SaveSemester(ctx, "ana", Semester{Name: "2025-2", StartDate: "2025-08-18", EndDate: "2025-12-20"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveHold(ctx, "ana", RoomHold{SemesterID: sem.ID, RoomID: room.ID, Label: "Reserva", Schedule: "2M1", Cells: []string{"2M1"}}, []int16{2}, []int16{0}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sql, slug, field, detail string
	}{
		{"double booking", `INSERT INTO allocation.occupancies (room_id, day, block, during, semester_id, hold_id)
			SELECT room_id, day, block, during, semester_id, hold_id FROM allocation.occupancies LIMIT 1`,
			"double-booking", "room_id", "the room is already booked at that time"},
		{"semester name", `INSERT INTO allocation.semesters (name, start_date, end_date) VALUES ('2025-2', '2026-01-01', '2026-06-01')`,
			"duplicate", "name", "a semester with this name already exists"},
		{"campus name", `INSERT INTO allocation.campuses (name) VALUES ('FUP')`, "duplicate", "name", "a campus with this name already exists"},
	} {
		err := s.tx(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, tc.sql); return err })
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Slug != tc.slug || ce.Field != tc.field || ce.Detail != tc.detail {
			t.Errorf("%s: %#v", tc.name, err)
			continue
		}
		if strings.Contains(ce.Detail, "_key") || strings.Contains(ce.Detail, "occupancies") || strings.Contains(ce.Detail, "constraint") {
			t.Errorf("%s leaks the constraint: %s", tc.name, ce.Detail)
		}
	}
	// A check constraint names its column, not the constraint.
	err = s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO allocation.semesters (name, start_date, end_date) VALUES ('bad', '2026-01-01', '2026-06-01')`)
		return err
	})
	var ie *InvalidRefError
	if !errors.As(err, &ie) || ie.Field != "name" || strings.Contains(ie.Detail, "check") {
		t.Errorf("check constraint: %#v", err)
	}
	// A row still referenced names the table in words, not the constraint.
	err = s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM allocation.rooms WHERE id = $1`, room.ID)
		return err
	})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Slug != "in-use" || strings.Contains(ce.Detail, "fkey") || strings.Contains(ce.Detail, "Key (") {
		t.Errorf("in use: %#v", err)
	}
}
