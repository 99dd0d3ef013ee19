// Package store is the admin service's SQL: the append-only audit log in schema admin.
package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
)

// AuditLog implements auditlog.Store on Postgres. It has no update or delete method, and
// the table's trigger refuses them anyway.
type AuditLog struct {
	pool *pgxpool.Pool
}

// NewAuditLog returns the store on pool (whose search_path need not include admin: every
// statement names the schema).
func NewAuditLog(pool *pgxpool.Pool) *AuditLog { return &AuditLog{pool: pool} }

var _ auditlog.Store = (*AuditLog)(nil)

const columns = `id, time, recorded_at, service, action, actor_id, actor_username, subject_id,
	subject_username, target, reason, before, after, status, ip, trace_id`

// Append implements auditlog.Store.
func (s *AuditLog) Append(ctx context.Context, e auditlog.Entry) (auditlog.Entry, error) {
	row := s.pool.QueryRow(ctx, `INSERT INTO admin.audit_log
		(time, service, action, actor_id, actor_username, subject_id, subject_username, target,
		 reason, before, after, status, ip, trace_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING `+columns,
		e.Time.UTC(), e.Service, e.Action, e.ActorID, e.ActorUsername, e.SubjectID, e.SubjectUsername,
		e.Target, e.Reason, jsonArg(e.Before), jsonArg(e.After), e.Status, e.IP, e.TraceID)
	out, err := scan(row)
	if err != nil {
		return auditlog.Entry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return out, nil
}

// Query implements auditlog.Store: newest first, keyset-paginated by id.
func (s *AuditLog) Query(ctx context.Context, f auditlog.Filter) ([]auditlog.Entry, error) {
	where, args := conditions(f)
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, `SELECT `+columns+` FROM admin.audit_log`+where+
		fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("query audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditlog.Entry, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// Each implements auditlog.Store. Rows are streamed, never collected in memory.
func (s *AuditLog) Each(ctx context.Context, f auditlog.Filter, fn func(auditlog.Entry) error) error {
	where, args := conditions(f)
	rows, err := s.pool.Query(ctx, `SELECT `+columns+` FROM admin.audit_log`+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return fmt.Errorf("query audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	return nil
}

func conditions(f auditlog.Filter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Actor != "" {
		add(`(actor_id = ? OR actor_username = ?)`, f.Actor)
	}
	if f.Subject != "" {
		add(`(subject_id = ? OR subject_username = ?)`, f.Subject)
	}
	if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.Service != "" {
		add(`service = ?`, f.Service)
	}
	if !f.From.IsZero() {
		add(`time >= ?`, f.From.UTC())
	}
	if !f.To.IsZero() {
		add(`time < ?`, f.To.UTC())
	}
	if f.After > 0 {
		add(`id < ?`, f.After)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func jsonArg(raw []byte) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return string(raw)
}

func scan(row pgx.Row) (auditlog.Entry, error) {
	var (
		e             auditlog.Entry
		before, after []byte
		t, recorded   time.Time
	)
	err := row.Scan(&e.ID, &t, &recorded, &e.Service, &e.Action, &e.ActorID, &e.ActorUsername,
		&e.SubjectID, &e.SubjectUsername, &e.Target, &e.Reason, &before, &after, &e.Status, &e.IP, &e.TraceID)
	if err != nil {
		return auditlog.Entry{}, err
	}
	e.Time, e.RecordedAt = t.UTC(), recorded.UTC()
	if before != nil {
		e.Before = before
	}
	if after != nil {
		e.After = after
	}
	return e, nil
}
