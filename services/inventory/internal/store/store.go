// Package store is the inventory service's Postgres persistence (pgx, schema
// "inventory"). Every query is scoped by the caller's tenant id. Multi-row state changes
// run in one transaction that locks rows in a fixed order — budgets, then requirements,
// then dispatches, then stock lines (by id), then document counters — so concurrent
// operations queue instead of deadlocking; a serialization failure or deadlock that still
// happens is retried. A state transition reads the state it checks from the locked row
// (or in a statement after the lock), never from an earlier read: under READ COMMITTED
// an earlier read, or a subquery of the locking statement, can predate a concurrent
// commit.
package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

// Actor is who calls: the tenant whose data is touched and the user acting (the
// superadmin's id while impersonating).
type Actor struct {
	TenantID string
	UserID   string
}

// Store is the inventory persistence.
type Store struct {
	pool   *pgxpool.Pool
	tracer trace.Tracer
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Store. now is the clock used for document numbers and lifecycle dates.
func New(pool *pgxpool.Pool, tp trace.TracerProvider, log *slog.Logger, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, tracer: tp.Tracer("planta/inventory/store"), log: log, now: now}
}

// Pool exposes the pool (benchmarks and tests compare with raw SQL).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const maxAttempts = 8

// tx runs fn in one transaction inside a span named inventory.<name>, retrying on
// serialization failures and deadlocks.
func (s *Store) tx(ctx context.Context, a Actor, name string, fn func(tx pgx.Tx) error) error {
	ctx, span := s.tracer.Start(ctx, "inventory."+name, trace.WithAttributes(attribute.String("planta.tenant_id", a.TenantID)))
	defer span.End()
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
		if !retryable(err) {
			break
		}
		span.AddEvent("retry", trace.WithAttributes(attribute.Int("attempt", attempt)))
		time.Sleep(time.Duration(attempt*attempt) * time.Millisecond)
	}
	if err != nil {
		err = translate(err)
		var nf *fault.NotFound
		var inv *fault.Invalid
		var cf *fault.Conflict
		if !errors.As(err, &nf) && !errors.As(err, &inv) && !errors.As(err, &cf) {
			span.RecordError(err)
			span.SetStatus(codes.Error, "transaction failed")
		}
	}
	return err
}

func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}

// translate turns constraint violations into domain conflicts (the CHECKs are the
// second line of defence: reaching them means a race the locks should have prevented,
// or input the domain did not reject).
func translate(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case "23505":
		switch pg.ConstraintName {
		case "warehouses_name_per_tenant":
			return fault.Conflictf("duplicate", "name", "a warehouse with this name already exists")
		case "warehouses_one_principal":
			return fault.Conflictf("principal-exists", "type", "the tenant already has a principal warehouse")
		case "materials_code_per_tenant":
			return fault.Conflictf("duplicate", "code", "a material with this code already exists")
		case "materials_name_per_tenant":
			return fault.Conflictf("duplicate", "name", "a material with this name already exists")
		case "budgets_name_per_tenant":
			return fault.Conflictf("duplicate", "name", "a budget with this name already exists")
		case "receipts_dispatch_id_key":
			return fault.Conflictf("already-received", "dispatch_id", "this dispatch was already received")
		}
		return fault.Conflictf("duplicate", "", "duplicate value (%s)", pg.ConstraintName)
	case "23514":
		return fault.Conflictf("constraint", "", "the change would break an invariant (%s)", pg.ConstraintName)
	case "23503":
		return fault.Conflictf("in-use", "", "the object is referenced by other records")
	}
	return err
}

// ValidID reports whether s is a uuid; anything else cannot name an object.
func ValidID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// Page asks for one page of a list.
type Page struct {
	Cursor string
	Limit  int
}

// DefaultLimit and MaxLimit bound list pages.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ParsePage validates a cursor and limit.
func ParsePage(cursor string, limit int) (Page, error) {
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return Page{}, fault.Field("limit", "must be between 1 and 500")
	}
	p := Page{Limit: limit}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || !ValidID(string(b)) {
			return Page{}, fault.Field("cursor", "is not a cursor returned by this API")
		}
		p.Cursor = string(b)
	}
	return p, nil
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// where builds a WHERE clause with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

func newWhere(tenantCol, tenant string) *where {
	return &where{conds: []string{tenantCol + " = $1"}, args: []any{tenant}}
}

// add appends a condition; each "?" in cond becomes the next placeholder for arg.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) page(idCol string, p Page) string {
	if p.Cursor != "" {
		w.add(idCol+" < ?", p.Cursor)
	}
	return " WHERE " + strings.Join(w.conds, " AND ") + fmt.Sprintf(" ORDER BY %s DESC LIMIT %d", idCol, p.Limit+1)
}

func (w *where) sql() string { return " WHERE " + strings.Join(w.conds, " AND ") }

// likeEscape escapes LIKE wildcards so user text matches literally (the old system's
// ilike injection).
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// trimPage cuts the extra row and returns the next cursor.
func trimPage[T any](items []T, p Page, id func(T) string) ([]T, string) {
	if len(items) > p.Limit {
		items = items[:p.Limit]
		return items, encodeCursor(id(items[len(items)-1]))
	}
	if items == nil {
		items = []T{}
	}
	return items, ""
}

func collect[T any](rows pgx.Rows, scan func(pgx.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func checkID(what, field, id string) error {
	if !ValidID(id) {
		return fault.Missing(what, field)
	}
	return nil
}

func notFound(err error, what, field string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.Missing(what, field)
	}
	return err
}

func optID(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// listWithItems runs a list query, trims the page, and loads each row's items.
func listWithItems[T any](ctx context.Context, s *Store, query string, args []any, p Page, scan func(pgx.Row) (T, error),
	id func(T) string, load func(context.Context, *T) error) ([]T, string, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (T, error) { return scan(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, id)
	for i := range items {
		if err := load(ctx, &items[i]); err != nil {
			return nil, "", err
		}
	}
	return items, next, nil
}

// getWithItems returns the tenant's row id (what names it in a not-found) with its
// items; query takes the tenant as $1 and the id as $2.
func getWithItems[T any](ctx context.Context, s *Store, what, query string, a Actor, id string, scan func(pgx.Row) (T, error),
	load func(context.Context, *T) error) (T, error) {
	var zero T
	if err := checkID(what, "id", id); err != nil {
		return zero, err
	}
	x, err := scan(s.pool.QueryRow(ctx, query, a.TenantID, id))
	if err != nil {
		return zero, notFound(err, what, "id")
	}
	return x, load(ctx, &x)
}
