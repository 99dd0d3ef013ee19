package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/store"
	"github.com/planta-dev/planta/services/admin/migrations"
)

func newStore(t *testing.T) (*store.AuditLog, *pgxpool.Pool, string) {
	t.Helper()
	dbURL := pgxtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgxx.Migrate(context.Background(), pool, "admin", ms); err != nil {
		t.Fatal(err)
	}
	return store.NewAuditLog(pool), pool, dbURL
}

func entry(i int, actor, subject, action string, at time.Time) auditlog.Entry {
	return auditlog.Entry{Time: at, Service: "admin", Action: action, ActorID: actor, ActorUsername: "name-" + actor,
		SubjectID: subject, SubjectUsername: "name-" + subject, Target: fmt.Sprintf("POST /x/%d", i), Reason: "why",
		Before: json.RawMessage(`{"active":true}`), After: json.RawMessage(`{"active":false}`), Status: 200,
		IP: "192.0.2.1", TraceID: "0123456789abcdef0123456789abcdef"}
}

func TestAppendQueryAndPaginate(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 7 {
		actor := "a1"
		if i%2 == 1 {
			actor = "a2"
		}
		if _, err := s.Append(ctx, entry(i, actor, "s1", "user.disable", base.Add(time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Query(ctx, auditlog.Filter{Actor: "a1", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID <= got[1].ID || got[0].ActorID != "a1" || string(got[0].After) != `{"active": false}` || got[0].Time.Location() != time.UTC {
		t.Fatalf("first page %+v", got)
	}
	rest, err := s.Query(ctx, auditlog.Filter{Actor: "name-a1", After: got[1].ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2 {
		t.Fatalf("second page: %d entries, want 2 (4 by a1 in all)", len(rest))
	}
	window, _ := s.Query(ctx, auditlog.Filter{From: base.Add(2 * time.Hour), To: base.Add(4 * time.Hour), Limit: 10})
	if len(window) != 2 {
		t.Fatalf("time window: %d entries, want 2", len(window))
	}
	n := 0
	if err := s.Each(ctx, auditlog.Filter{Subject: "s1", Action: "user.disable"}, func(auditlog.Entry) error { n++; return nil }); err != nil || n != 7 {
		t.Fatalf("Each: %d, %v", n, err)
	}
}

// TestAuditLogIsAppendOnly: no role, not even the table owner or a superuser with
// replication triggers off, can change or remove a row with plain SQL.
func TestAuditLogIsAppendOnly(t *testing.T) {
	s, pool, dbURL := newStore(t)
	ctx := context.Background()
	stored, err := s.Append(ctx, entry(1, "a1", "s1", "impersonation.start", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	attempts := []string{
		`UPDATE admin.audit_log SET reason = 'nothing to see' WHERE id = ` + fmt.Sprint(stored.ID),
		`UPDATE admin.audit_log SET reason = 'x' WHERE false`,
		`DELETE FROM admin.audit_log WHERE id = ` + fmt.Sprint(stored.ID),
		`DELETE FROM admin.audit_log`,
		`TRUNCATE admin.audit_log`,
	}
	refused := func(who string, conn interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}) {
		for _, sql := range attempts {
			_, err := conn.Exec(ctx, sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
				t.Errorf("%s: %q was not refused (err %v)", who, sql, err)
			}
		}
	}
	// The pool connects as the test server's superuser, who owns the table.
	refused("owner", pool)

	// Replication mode switches ordinary triggers off; this one is ENABLE ALWAYS.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	refused("replica mode", conn)
	conn.Release()

	// A service role that is not the owner is refused by privileges and the trigger.
	role := fmt.Sprintf("planta_admin_app_%d", time.Now().UnixNano())
	for _, sql := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE ON SCHEMA admin TO ` + role,
		`GRANT SELECT, INSERT ON admin.audit_log TO ` + role,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DROP OWNED BY `+role)
		_, _ = pool.Exec(context.Background(), `DROP ROLE IF EXISTS `+role)
	})
	u, _ := url.Parse(dbURL)
	u.User = url.User(role)
	appConn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect as %s: %v", role, err)
	}
	defer func() { _ = appConn.Close(ctx) }()
	refused("service role", appConn)

	var reason string
	var count int
	if err := pool.QueryRow(ctx, `SELECT reason, (SELECT count(*) FROM admin.audit_log) FROM admin.audit_log WHERE id = $1`, stored.ID).Scan(&reason, &count); err != nil {
		t.Fatal(err)
	}
	if reason != "why" || count != 1 {
		t.Fatalf("row changed: reason %q, rows %d", reason, count)
	}
}
