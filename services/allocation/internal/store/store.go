// Package store is the allocation service's Postgres persistence (schema allocation).
//
// Every write runs in one transaction together with its change_log row (who did it), and
// the database itself forbids double booking: allocations, room holds and reservation
// occurrences all write allocation.occupancies, whose exclusion constraint refuses two uses
// of one room at one weekday block over overlapping dates.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store reads and writes the allocation schema.
type Store struct {
	pool *pgxpool.Pool
	// writes counts this process's committed write transactions (see Writes).
	writes atomic.Uint64
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool exposes the pool (tests issue direct SQL to prove the constraints).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// ErrNotFound means the addressed row does not exist.
var ErrNotFound = errors.New("not found")

// ConflictError is a write refused because of other data (409): a duplicate name, a row
// still in use, or a room slot already taken.
type ConflictError struct {
	Slug      string   // problem type slug: duplicate, in-use, double-booking, ...
	Detail    string   // human sentence naming the conflict
	Field     string   `json:"-"` // the request field at fault, when one is ("" = none)
	Conflicts []string `json:"conflicts,omitempty"`
}

func (e *ConflictError) Error() string { return e.Detail }

// InvalidRefError is a write naming a row that does not exist (422 on Field).
type InvalidRefError struct {
	Field  string
	Detail string
}

func (e *InvalidRefError) Error() string { return e.Field + ": " + e.Detail }

// mapErr turns Postgres constraint errors into the store's typed errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case "23P01":
		if c, ok := constraintMessages[pg.ConstraintName]; ok {
			return &ConflictError{Slug: "double-booking", Field: c.field, Detail: c.detail}
		}
		return &ConflictError{Slug: "double-booking", Field: "room_id", Detail: "the room is already booked at that time"}
	case "23505":
		if c, ok := constraintMessages[pg.ConstraintName]; ok {
			return &ConflictError{Slug: "duplicate", Field: c.field, Detail: c.detail}
		}
		return &ConflictError{Slug: "duplicate", Detail: "an object with the same key already exists"}
	case "23503":
		if strings.Contains(pg.Detail, "is still referenced") {
			return &ConflictError{Slug: "in-use", Detail: "the object is still in use" + referencedBy(pg.Detail)}
		}
		return &InvalidRefError{Field: fkField(pg.ConstraintName, pg.TableName), Detail: "refers to an object that does not exist"}
	case "23514":
		if c, ok := constraintMessages[pg.ConstraintName]; ok {
			return &InvalidRefError{Field: c.field, Detail: c.detail}
		}
		return &InvalidRefError{Field: checkField(pg.ConstraintName, pg.TableName), Detail: "has a value the database does not accept"}
	}
	return err
}

// constraintMessages turns the schema's constraint names (never shown to callers) into a
// human sentence and the request field it concerns.
var constraintMessages = map[string]struct{ field, detail string }{
	"occupancies_no_double_booking":                         {"room_id", "the room is already booked at that time"},
	"campuses_name_key":                                     {"name", "a campus with this name already exists"},
	"buildings_campus_id_name_key":                          {"name", "a building with this name already exists on this campus"},
	"room_types_name_key":                                   {"name", "a room type with this name already exists"},
	"characteristics_name_key":                              {"name", "a characteristic with this name already exists"},
	"rooms_building_id_name_key":                            {"name", "a room with this name already exists in this building"},
	"semesters_name_key":                                    {"name", "a semester with this name already exists"},
	"semesters_one_active":                                  {"active", "another semester is already active"},
	"professors_name_key_key":                               {"name", "a professor with this name (ignoring accents, case and spacing) already exists"},
	"demands_semester_id_external_id_key":                   {"external_id", "a demand with this external id already exists in this semester"},
	"rules_unique":                                          {"", "an identical rule already exists"},
	"allocations_demand_id_day_key":                         {"day", "the demand is already allocated on that day"},
	"reservation_occurrences_reservation_id_date_block_key": {"blocks", "the reservation already has an occurrence at that date and block"},
	"solve_jobs_one_running":                                {"", "a solve of this semester is already running"},
	"semesters_check":                                       {"end_date", "must be after start_date"},
	"semesters_name_check":                                  {"name", "must be a semester name such as 2025-2"},
}

// referencedBy phrases Postgres' "... is still referenced from table "rooms"." as
// " by rooms" (the table, in words; never a constraint name).
func referencedBy(detail string) string {
	const marker = `from table "`
	i := strings.Index(detail, marker)
	if i < 0 {
		return ""
	}
	rest := detail[i+len(marker):]
	j := strings.IndexByte(rest, '"')
	if j <= 0 {
		return ""
	}
	return " by " + strings.ReplaceAll(rest[:j], "_", " ")
}

// checkField derives the JSON field from a check constraint "<table>_<column>_check".
func checkField(constraint, table string) string {
	f := strings.TrimSuffix(strings.TrimPrefix(constraint, table+"_"), "_check")
	if f == "" || f == constraint || strings.Contains(f, "check") {
		return "body"
	}
	return f
}

// fkField derives the JSON field from a constraint name "<table>_<column>_fkey".
func fkField(constraint, table string) string {
	f := strings.TrimSuffix(strings.TrimPrefix(constraint, table+"_"), "_fkey")
	if f == "" {
		return "body"
	}
	return f
}

// tx runs fn in a transaction and records one change_log row for it.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.pool, fn)
	// Counted whatever the outcome: a failed commit's fate is not always known, and an
	// extra count only costs a reader one version check.
	s.writes.Add(1)
	return mapErr(err)
}

// Writes counts the write transactions this Store has finished (committed or not). A
// reader that caches by PublicVersion re-reads the version when this moved, so writes made
// through this process are seen by its next read whatever the reader's cache TTL.
func (s *Store) Writes() uint64 { return s.writes.Load() }

// PublicVersion is the counter every transaction changing publicly visible data bumps at
// commit (migration 004): equal versions mean equal public data.
func (s *Store) PublicVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM allocation.public_version`).Scan(&v)
	return v, err
}

// Change is one change_log entry.
type Change struct {
	Actor    string
	Action   string // create, update, delete, import, solve, move, swap, unassign, ...
	Entity   string // campus, room, allocation, ...
	EntityID any
	Detail   any
}

func logChange(ctx context.Context, tx pgx.Tx, c Change) error {
	detail := []byte("{}")
	if c.Detail != nil {
		b, err := json.Marshal(c.Detail)
		if err != nil {
			return fmt.Errorf("encode change detail: %w", err)
		}
		detail = b
	}
	id := ""
	if c.EntityID != nil {
		id = fmt.Sprint(c.EntityID)
	}
	_, err := tx.Exec(ctx, `INSERT INTO allocation.change_log (username, action, entity, entity_id, detail) VALUES ($1,$2,$3,$4,$5)`,
		c.Actor, c.Action, c.Entity, id, detail)
	return err
}

// Page is a keyset page request: rows with id > After, at most Limit.
type Page struct {
	After int64
	Limit int
}

func (p Page) limit() int {
	if p.Limit <= 0 || p.Limit > 500 {
		return 100
	}
	return p.Limit
}

// ChangeLogEntry is a row of the change log.
type ChangeLogEntry struct {
	ID       int64           `json:"id"`
	At       string          `json:"at"`
	Username string          `json:"username"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Detail   json.RawMessage `json:"detail"`
}

// ListChangeLog lists change log entries, newest last, optionally of one entity kind.
func (s *Store) ListChangeLog(ctx context.Context, entity string, p Page) ([]ChangeLogEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, to_char(at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS"Z"'), username, action, entity, entity_id, detail
		FROM allocation.change_log WHERE id > $1 AND ($2 = '' OR entity = $2) ORDER BY id LIMIT $3`, p.After, entity, p.limit())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChangeLogEntry, error) {
		var e ChangeLogEntry
		err := r.Scan(&e.ID, &e.At, &e.Username, &e.Action, &e.Entity, &e.EntityID, &e.Detail)
		return e, err
	})
}

// deleteRow deletes one row by id and logs it.
func (s *Store) deleteRow(ctx context.Context, actor, table, entity string, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM allocation.`+table+` WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "delete", Entity: entity, EntityID: id})
	})
}
