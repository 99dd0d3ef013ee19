package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/config"
	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/admin/internal/app"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
	"github.com/planta-dev/planta/services/admin/internal/standin"
	"github.com/planta-dev/planta/services/admin/migrations"
)

// harness is the admin service wired by app.Setup on a real Postgres database, with the
// identity and session stand-ins behind its clients.
type harness struct {
	t        *testing.T
	pool     *pgxpool.Pool
	identity *standin.Identity
	sessions *standin.Sessions
	public   *authn.Router
	internal *authn.Router
	pubMux   *mux.Router
	intMux   *mux.Router
	tokens   map[string]string
	users    map[string]identityclient.User
}

// Callers of the authorization matrix.
const (
	anonymous     = "anonymous"
	cliente       = "cliente"
	admin         = "admin"
	superadmin    = "superadmin"
	impersonating = "superadmin-impersonating"
)

var callers = []string{anonymous, cliente, admin, superadmin, impersonating}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, migratedPool(t))
}

// migratedPool is a fresh database with the admin schema.
func migratedPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool := pgxtest.NewPool(t)
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgxx.Migrate(context.Background(), pool, "admin", ms); err != nil {
		t.Fatal(err)
	}
	return pool
}

// newHarnessOn wires a service on an existing database (the audit log only grows, so
// tests that do not count rows can share one) with fresh stand-ins.
func newHarnessOn(t *testing.T, pool *pgxpool.Pool) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, pool: pool, identity: standin.NewIdentity(t), sessions: standin.NewSessions(t),
		tokens: map[string]string{}, users: map[string]identityclient.User{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := map[string]string{"PLANTA_IDENTITY_URL": h.identity.URL, "PLANTA_SESSION_URL": h.sessions.URL}
	h.pubMux, h.intMux = mux.NewRouter(), mux.NewRouter()
	validator := authn.NewSessionClient(h.sessions.URL, http.DefaultClient)
	h.public = authn.NewRouter(h.pubMux, validator, log)
	h.internal = authn.NewRouter(h.intMux, nil, log)
	d := &service.Deps{
		Name: "admin", Env: config.New(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil),
		Log: log, Public: h.public, Internal: h.internal, Pool: pool, Validator: validator,
		Sessions: validator, HTTPClient: http.DefaultClient,
	}
	if err := app.Setup(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := d.Env.Err(); err != nil {
		t.Fatal(err)
	}
	if err := h.public.CheckGuarded(h.pubMux); err != nil {
		t.Fatal(err)
	}
	if err := h.internal.CheckGuarded(h.intMux); err != nil {
		t.Fatal(err)
	}

	super := h.identity.User(standin.SeededSuperadminID)
	h.users[superadmin] = super
	h.users[cliente] = h.identity.Add(identityclient.User{Username: "acme", Email: "acme@example.com", FullName: "Acme SAC", Role: authn.RoleCliente, Active: true})
	h.users[admin] = h.identity.Add(identityclient.User{Username: "rooms", Email: "rooms@example.com", FullName: "Room Admin", Role: authn.RoleAdmin, Active: true})
	for _, who := range []string{cliente, admin, superadmin} {
		h.tokens[who] = h.login(h.users[who])
	}
	h.tokens[impersonating] = h.impersonate(h.tokens[superadmin], h.users[cliente].ID)
	return h
}

func (h *harness) login(u identityclient.User) string {
	return h.sessions.Login(authn.Principal{UserID: u.ID, Username: u.Username, Role: u.Role})
}

// impersonate starts an impersonation through the API and returns the new token.
func (h *harness) impersonate(superToken, targetID string) string {
	h.t.Helper()
	rec := h.do(http.MethodPost, "/api/v1/admin/impersonation", superToken,
		`{"user_id":"`+targetID+`","reason":"customer ticket 4711"}`)
	if rec.Code != http.StatusCreated {
		h.t.Fatalf("impersonation start: %d %s", rec.Code, rec.Body)
	}
	var out struct{ Token string }
	decode(h.t, rec, &out)
	return out.Token
}

// do calls the public API with a Bearer token (empty: anonymous).
func (h *harness) do(method, path, token, body string, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, m := range mutate {
		m(req)
	}
	rec := httptest.NewRecorder()
	h.pubMux.ServeHTTP(rec, req)
	return rec
}

// as calls as one of the matrix's callers.
func (h *harness) as(who, method, path, body string) *httptest.ResponseRecorder {
	return h.do(method, path, h.tokens[who], body)
}

func (h *harness) doInternal(method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.intMux.ServeHTTP(rec, req)
	return rec
}

// auditRows counts audit log rows matching a WHERE clause.
func (h *harness) auditRows(where string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM admin.audit_log WHERE `+where, args...).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// problemFields returns the field names a problem+json response names.
func problemFields(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want problem+json; body %s", ct, rec.Body)
	}
	var p struct {
		Errors []struct{ Field string }
	}
	decode(t, rec, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}
