package store

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/planta-dev/planta/services/identity/internal/accesslog"
)

// AccessLog stores the access log.
type AccessLog struct{ pool *pgxpool.Pool }

// NewAccessLog returns the access log store.
func NewAccessLog(pool *pgxpool.Pool) *AccessLog { return &AccessLog{pool: pool} }

var _ accesslog.Recorder = (*AccessLog)(nil)

// Record implements accesslog.Recorder.
func (s *AccessLog) Record(ctx context.Context, e accesslog.Entry) error {
	var ip, uid any
	if a, err := netip.ParseAddr(e.IP); err == nil {
		ip = a.Unmap().String()
	}
	if validUUID(e.UserID) {
		uid = e.UserID
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO identity.access_log (at, username, user_id, outcome, ip, user_agent, trace_id)
		VALUES ($1, $2, $3, $4, $5::inet, $6, $7)`, at.UTC(), e.Username, uid, string(e.Outcome), ip, e.UserAgent, e.TraceID)
	if err != nil {
		return fmt.Errorf("insert access log: %w", err)
	}
	return nil
}

// Query returns one page of entries, newest first, and the cursor of the next page.
func (s *AccessLog) Query(ctx context.Context, f accesslog.Filter) ([]accesslog.Entry, int64, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.UserID != "" {
		if !validUUID(f.UserID) {
			return []accesslog.Entry{}, 0, nil
		}
		where = append(where, "user_id = "+arg(f.UserID)+"::uuid")
	}
	if f.Username != "" {
		where = append(where, "lower(username) = lower("+arg(f.Username)+")")
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(string(f.Outcome)))
	}
	if f.IP != "" {
		where = append(where, "ip = "+arg(f.IP)+"::inet")
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, username, coalesce(user_id::text, ''), outcome,
		coalesce(host(ip), ''), user_agent, trace_id FROM identity.access_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("query access log: %w", err)
	}
	defer rows.Close()
	out := []accesslog.Entry{}
	for rows.Next() {
		var e accesslog.Entry
		var outcome string
		if err := rows.Scan(&e.ID, &e.At, &e.Username, &e.UserID, &outcome, &e.IP, &e.UserAgent, &e.TraceID); err != nil {
			return nil, 0, err
		}
		e.Outcome, e.At = accesslog.Outcome(outcome), e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

const loginOutcomes = `('success', 'bad_credentials', 'locked', 'disabled', 'rate_limited')`

// KPIs summarises login attempts in [from, to) (LockedNow is filled by the caller).
func (s *AccessLog) KPIs(ctx context.Context, from, to time.Time) (accesslog.KPIs, error) {
	k := accesslog.KPIs{From: from.UTC(), To: to.UTC(), PerDay: []accesslog.DayStats{}}
	err := s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE outcome = 'success'),
		count(DISTINCT user_id) FILTER (WHERE outcome = 'success')
		FROM identity.access_log WHERE at >= $1 AND at < $2 AND outcome IN `+loginOutcomes, from, to).
		Scan(&k.Attempts, &k.Successes, &k.DistinctUsers)
	if err != nil {
		return k, fmt.Errorf("access log kpis: %w", err)
	}
	k.Failures = k.Attempts - k.Successes
	if k.Attempts > 0 {
		k.SuccessRate = float64(k.Successes) / float64(k.Attempts)
	}
	rows, err := s.pool.Query(ctx, `SELECT to_char(date_trunc('day', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
		count(*), count(*) FILTER (WHERE outcome = 'success')
		FROM identity.access_log WHERE at >= $1 AND at < $2 AND outcome IN `+loginOutcomes+`
		GROUP BY day ORDER BY day`, from, to)
	if err != nil {
		return k, fmt.Errorf("access log series: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d accesslog.DayStats
		if err := rows.Scan(&d.Day, &d.Attempts, &d.Successes); err != nil {
			return k, err
		}
		d.Failures = d.Attempts - d.Successes
		k.PerDay = append(k.PerDay, d)
	}
	return k, rows.Err()
}
