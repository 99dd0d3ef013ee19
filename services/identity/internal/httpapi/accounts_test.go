package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/httpserver"

	"github.com/planta-dev/planta/services/identity/internal/app"
	"github.com/planta-dev/planta/services/identity/internal/identitytest"
)

func seededID(t *testing.T, e *E) string {
	t.Helper()
	var id string
	if err := e.Pool.QueryRow(context.Background(), `SELECT id::text FROM identity.users WHERE seeded`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSeededSuperadminIsProtected(t *testing.T) {
	e := newEnv(t, nil)
	id := seededID(t, e)
	e.MustLogin("superadmin", "Superadmin-Test-1")
	for _, c := range []R{
		{Method: "DELETE", Path: "/internal/v1/users/" + id},
		{Method: "POST", Path: "/internal/v1/users/" + id + "/disable"},
		{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]string{"role": "admin"}},
	} {
		rec := e.DoInternal(c)
		if rec.Code != 409 || !strings.Contains(rec.Body.String(), "protected-account") {
			t.Errorf("%s %s: %d %s", c.Method, c.Path, rec.Code, rec.Body)
		}
	}
	// Straight SQL, past the domain: the trigger refuses too.
	ctx := context.Background()
	for _, sql := range []string{
		`DELETE FROM identity.users WHERE seeded`,
		`UPDATE identity.users SET active = false WHERE seeded`,
		`UPDATE identity.users SET role = 'cliente' WHERE seeded`,
		`UPDATE identity.users SET deleted_at = now() WHERE seeded`,
		`UPDATE identity.users SET seeded = false WHERE seeded`,
		`TRUNCATE identity.users CASCADE`,
	} {
		if _, err := e.Pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "PL001") {
			t.Errorf("%s: err = %v, want the trigger's refusal", sql, err)
		}
	}
	var role string
	var active bool
	_ = e.Pool.QueryRow(ctx, `SELECT role, active FROM identity.users WHERE id=$1`, id).Scan(&role, &active)
	if role != "superadmin" || !active {
		t.Fatalf("seeded superadmin changed: %s %v", role, active)
	}
	// Other fields stay editable.
	if rec := e.DoInternal(R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]string{"full_name": "Root"}}); rec.Code != 200 {
		t.Fatalf("renaming full name: %d %s", rec.Code, rec.Body)
	}
}

func TestLastActiveSuperadminRule(t *testing.T) {
	e := newEnv(t, nil)
	other := e.CreateUser("second-root", "superadmin", "second-root-pw")
	// The seeded one stays, so the second can go.
	if rec := e.DoInternal(R{Method: "PATCH", Path: "/internal/v1/users/" + other, JSON: map[string]string{"role": "admin"}}); rec.Code != 200 {
		t.Fatalf("demote a non-last superadmin: %d %s", rec.Code, rec.Body)
	}
	if rec := e.DoInternal(R{Method: "DELETE", Path: "/internal/v1/users/" + other}); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
	if rec := e.DoInternal(R{Method: "GET", Path: "/internal/v1/users/" + other}); rec.Code != 404 {
		t.Fatalf("deleted user visible: %d", rec.Code)
	}
	if rec := e.Login("second-root", "second-root-pw"); rec.Code != 401 {
		t.Fatalf("deleted user logged in: %d", rec.Code)
	}
}

func TestPasswordChangeRevokesOtherSessionsAndIssuesANewOne(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("changer", "cliente", "first-pass-word")
	a := e.MustLogin("changer", "first-pass-word")
	b := e.MustLogin("changer", "first-pass-word")
	rec := e.Do(R{Method: "POST", Path: "/api/v1/me/password", Token: a, JSON: map[string]string{
		"current_password": "wrong-current-pw", "new_password": "second-pass-word"}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"field":"current_password"`) {
		t.Fatalf("wrong current: %d %s", rec.Code, rec.Body)
	}
	rec = e.Do(R{Method: "POST", Path: "/api/v1/me/password", Token: a, JSON: map[string]string{
		"current_password": "first-pass-word", "new_password": "second-pass-word"}})
	if rec.Code != 200 {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Token string `json:"token"`
	}
	identitytest.Decode(t, rec, &out)
	for name, tok := range map[string]string{"other session": b, "old session": a} {
		if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: tok}); rec.Code != 401 {
			t.Errorf("%s survived the password change: %d", name, rec.Code)
		}
	}
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: out.Token}); rec.Code != 200 {
		t.Fatalf("new session: %d", rec.Code)
	}
	if e.Sessions.Live(id) != 1 {
		t.Fatalf("live sessions %d, want 1", e.Sessions.Live(id))
	}
	if rec := e.Login("changer", "first-pass-word"); rec.Code != 401 {
		t.Fatal("old password still works")
	}
	e.MustLogin("changer", "second-pass-word")
}

func TestMustChangePasswordFlow(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("newbie", "cliente", "initial-pass-word")
	rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/" + id + "/reset-password"})
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	var reset struct {
		TemporaryPassword string `json:"temporary_password"`
	}
	identitytest.Decode(t, rec, &reset)
	rec = e.Login("newbie", reset.TemporaryPassword)
	var login struct {
		Token              string `json:"token"`
		MustChangePassword bool   `json:"must_change_password"`
	}
	identitytest.Decode(t, rec, &login)
	if rec.Code != 200 || !login.MustChangePassword {
		t.Fatalf("login with temporary password: %d %s", rec.Code, rec.Body)
	}
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: login.Token}); rec.Code != 200 {
		t.Fatalf("GET /me during must-change: %d", rec.Code)
	}
	rec = e.Do(R{Method: "PATCH", Path: "/api/v1/me", Token: login.Token, JSON: map[string]string{"full_name": "X"}})
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "password-change-required") {
		t.Fatalf("PATCH /me during must-change: %d %s", rec.Code, rec.Body)
	}
	rec = e.Do(R{Method: "POST", Path: "/api/v1/me/password", Token: login.Token, JSON: map[string]string{
		"current_password": reset.TemporaryPassword, "new_password": "my-own-password"}})
	identitytest.Decode(t, rec, &login)
	if rec.Code != 200 || login.MustChangePassword {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if rec := e.Do(R{Method: "PATCH", Path: "/api/v1/me", Token: login.Token, JSON: map[string]string{"full_name": "New Bie"}}); rec.Code != 200 {
		t.Fatalf("PATCH /me after change: %d %s", rec.Code, rec.Body)
	}
}

func TestDevModeSeedsAdmin123WithMustChange(t *testing.T) {
	e := identitytest.New(t, identitytest.Options{DevMode: true, Vars: map[string]string{"PLANTA_SUPERADMIN_PASSWORD": ""}})
	rec := e.Login("superadmin", "Admin123!")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"must_change_password":true`) {
		t.Fatalf("dev-mode superadmin: %d %s", rec.Code, rec.Body)
	}
	// Seeding is idempotent: a second bootstrap changes nothing.
	before := usersSnapshot(t, e)
	if err := app.Bootstrap(context.Background(), e.Parts, e.Config, nil); err != nil {
		t.Fatal(err)
	}
	if usersSnapshot(t, e) != before {
		t.Fatal("second seeding changed the users table")
	}
}

func TestImpersonatorCannotChangePassword(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("client-a", "cliente", "client-a-password")
	tok := e.Sessions.Issue(authn.Principal{UserID: id, Username: "client-a", Role: authn.RoleCliente,
		Act: &authn.Actor{UserID: seededID(t, e), Username: "superadmin"}})
	rec := e.Do(R{Method: "POST", Path: "/api/v1/me/password", Token: tok, JSON: map[string]string{
		"current_password": "client-a-password", "new_password": "hijacked-password"}})
	if rec.Code != 403 {
		t.Fatalf("password change while impersonating: %d", rec.Code)
	}
	rec = e.Do(R{Method: "GET", Path: "/api/v1/me", Token: tok})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"impersonated_by"`) {
		t.Fatalf("me while impersonating: %d %s", rec.Code, rec.Body)
	}
}

func TestRegistration(t *testing.T) {
	e := newEnv(t, nil)
	body := map[string]string{"username": "self-made", "email": "self@example.com", "full_name": "Self Made", "password": "password123"}
	rec := e.Do(R{Method: "POST", Path: "/api/v1/auth/register", JSON: body})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"field":"password"`) || !strings.Contains(rec.Body.String(), "common") {
		t.Fatalf("common password: %d %s", rec.Code, rec.Body)
	}
	body["password"] = "Self-Made"
	rec = e.Do(R{Method: "POST", Path: "/api/v1/auth/register", JSON: body})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "username") {
		t.Fatalf("username as password: %d %s", rec.Code, rec.Body)
	}
	body["password"] = "a perfectly fine passphrase"
	rec = e.Do(R{Method: "POST", Path: "/api/v1/auth/register", JSON: body})
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"role":"cliente"`) {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	body["email"] = "other@example.com"
	body["username"] = "SELF-MADE"
	if rec := e.Do(R{Method: "POST", Path: "/api/v1/auth/register", JSON: body}); rec.Code != 409 {
		t.Fatalf("case-insensitive duplicate username: %d", rec.Code)
	}
	e.MustLogin("self-made", "a perfectly fine passphrase")

	off := newEnv(t, map[string]string{"PLANTA_REGISTRATION_ENABLED": "false"})
	rec = off.Do(R{Method: "POST", Path: "/api/v1/auth/register", JSON: body})
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "registration-closed") {
		t.Fatalf("registration off: %d %s", rec.Code, rec.Body)
	}
	var n int
	_ = off.Pool.QueryRow(context.Background(), `SELECT count(*) FROM identity.users`).Scan(&n)
	if n != 1 {
		t.Fatalf("users after refused registration: %d", n)
	}
}

func TestEveryRouteIsGuarded(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.Routers[0].CheckGuarded(e.Server.Public); err != nil {
		t.Fatal(err)
	}
	if err := e.Routers[1].CheckGuarded(e.Server.Internal, httpserver.OperationalPaths()...); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"POST /api/v1/auth/login":    "public",
		"POST /api/v1/auth/logout":   "public",
		"POST /api/v1/auth/register": "public",
		"GET /api/v1/me":             "authenticated,must-change-ok",
		"PATCH /api/v1/me":           "authenticated,not-impersonating",
		"POST /api/v1/me/password":   "authenticated,must-change-ok,not-impersonating",
	}
	got := map[string]string{}
	for _, r := range e.Routers[0].Routes() {
		got[r.Method+" "+r.Path] = r.Guard.Name()
	}
	for route, guard := range want {
		if got[route] != guard {
			t.Errorf("%s guard %q, want %q", route, got[route], guard)
		}
	}
	if len(got) != len(want) {
		t.Errorf("public routes %v: every new public route needs a row here", got)
	}
	for _, r := range e.Routers[1].Routes() {
		if r.Guard.Name() != "internal" || !strings.HasPrefix(r.Path, "/internal/v1/") {
			t.Errorf("internal route %s %s guard %s", r.Method, r.Path, r.Guard.Name())
		}
	}
	// Unauthenticated calls to authenticated routes are refused.
	for _, c := range []R{{Method: "GET", Path: "/api/v1/me"}, {Method: "PATCH", Path: "/api/v1/me", JSON: map[string]string{}},
		{Method: "POST", Path: "/api/v1/me/password", JSON: map[string]string{}}} {
		if rec := e.Do(c); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s anonymous: %d", c.Method, c.Path, rec.Code)
		}
	}
}

func usersSnapshot(t *testing.T, e *E) string {
	var s string
	_ = e.Pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(u::text, '|' ORDER BY id), '') FROM identity.users u`).Scan(&s)
	return s
}

func TestBadInputNamesTheFieldAndChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("steady", "cliente", "steady-pass-word")
	tok := e.MustLogin("steady", "steady-pass-word")
	before := usersSnapshot(t, e)
	cases := []struct {
		internal bool
		req      R
		status   int
		field    string
	}{
		{true, R{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{"username": "ok-name", "email": "not-an-email", "full_name": "x", "role": "cliente", "password": "fine-pass-word"}}, 422, "email"},
		{true, R{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{"username": "ok-name", "email": "a@example.com", "full_name": "x", "role": "root", "password": "fine-pass-word"}}, 422, "role"},
		{true, R{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{"username": "x", "email": "a@example.com", "full_name": "x", "role": "cliente", "password": "fine-pass-word"}}, 422, "username"},
		{true, R{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{"username": "ok-name", "email": "a@example.com", "full_name": "x", "role": "cliente", "password": "short"}}, 422, "password"},
		{true, R{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{"username": "ok-name", "is_admin": true}}, 400, "is_admin"},
		{true, R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]any{"role": "god", "full_name": "Changed"}}, 422, "role"},
		{true, R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]any{"email": "bad@", "full_name": "Changed"}}, 422, "email"},
		{true, R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]any{"full_name": 7}}, 400, "full_name"},
		{true, R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]any{"full_name": ""}}, 422, "full_name"},
		{true, R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]any{"full_name": "   "}}, 422, "full_name"},
		{true, R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]any{"full_name": strings.Repeat("n", 201)}}, 422, "full_name"},
		{true, R{Method: "GET", Path: "/internal/v1/users?active=maybe"}, 400, "active"},
		{true, R{Method: "GET", Path: "/internal/v1/users?limit=0"}, 400, "limit"},
		{true, R{Method: "GET", Path: "/internal/v1/users?cursor=garbage"}, 400, "cursor"},
		{true, R{Method: "GET", Path: "/internal/v1/access-log?outcome=maybe"}, 400, "outcome"},
		{true, R{Method: "GET", Path: "/internal/v1/access-log?ip=300.1.1.1"}, 400, "ip"},
		{true, R{Method: "GET", Path: "/internal/v1/access-log?from=yesterday"}, 400, "from"},
		{false, R{Method: "PATCH", Path: "/api/v1/me", Token: tok, JSON: map[string]any{"email": "nope", "full_name": "Changed"}}, 422, "email"},
		{false, R{Method: "PATCH", Path: "/api/v1/me", Token: tok, JSON: map[string]any{"full_name": ""}}, 422, "full_name"},
		{false, R{Method: "PATCH", Path: "/api/v1/me", Token: tok, JSON: map[string]any{"full_name": " \t "}}, 422, "full_name"},
		{false, R{Method: "POST", Path: "/api/v1/me/password", Token: tok, JSON: map[string]any{"current_password": "steady-pass-word", "new_password": "123456789"}}, 422, "new_password"},
		{false, R{Method: "POST", Path: "/api/v1/auth/login", JSON: map[string]any{"username": "steady"}}, 422, "password"},
		{false, R{Method: "POST", Path: "/api/v1/auth/register", JSON: map[string]any{"username": "newer", "email": "n@example.com", "full_name": "", "password": "fine-pass-word"}}, 422, "full_name"},
	}
	for _, c := range cases {
		var rec = e.Do(c.req)
		if c.internal {
			rec = e.DoInternal(c.req)
		}
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), `"field":"`+c.field+`"`) ||
			rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s, want %d naming %s", c.req.Method, c.req.Path, rec.Code, rec.Body, c.status, c.field)
		}
	}
	if after := usersSnapshot(t, e); after != before {
		t.Fatalf("bad input changed the users table:\n%s\n%s", before, after)
	}
	if e.Sessions.Live(id) != 1 {
		t.Fatal("bad input changed sessions")
	}
}

const declaredYAML = `users:
  - username: room-admin
    email: rooms@example.edu
    full_name: Room Admin
    password_hash: "%s"
    role: admin
`

func TestDeclarativeUsersAreSyncedAndReadOnly(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("declared-pass-word"), 10)
	e := identitytest.New(t, identitytest.Options{DeclarativeYAML: strings.Replace(declaredYAML, "%s", string(hash), 1)})
	tok := e.MustLogin("room-admin", "declared-pass-word")
	var id string
	var declarative bool
	_ = e.Pool.QueryRow(context.Background(), `SELECT id::text, declarative FROM identity.users WHERE username='room-admin'`).Scan(&id, &declarative)
	if !declarative {
		t.Fatal("declared user not flagged declarative")
	}
	before := usersSnapshot(t, e)
	for _, c := range []R{
		{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]string{"full_name": "Other"}},
		{Method: "POST", Path: "/internal/v1/users/" + id + "/disable"},
		{Method: "POST", Path: "/internal/v1/users/" + id + "/reset-password"},
		{Method: "DELETE", Path: "/internal/v1/users/" + id},
	} {
		if rec := e.DoInternal(c); rec.Code != 409 || !strings.Contains(rec.Body.String(), "declarative-account") {
			t.Errorf("%s %s: %d %s", c.Method, c.Path, rec.Code, rec.Body)
		}
	}
	for _, c := range []R{
		{Method: "PATCH", Path: "/api/v1/me", Token: tok, JSON: map[string]string{"full_name": "Other"}},
		{Method: "POST", Path: "/api/v1/me/password", Token: tok, JSON: map[string]string{"current_password": "declared-pass-word", "new_password": "another-pass-word"}},
	} {
		if rec := e.Do(c); rec.Code != 409 {
			t.Errorf("%s %s: %d %s", c.Method, c.Path, rec.Code, rec.Body)
		}
	}
	if usersSnapshot(t, e) != before {
		t.Fatal("a read-only declarative account changed")
	}
	// A re-sync with the account removed from the file disables it.
	if err := e.Parts.Manager.SyncDeclarative(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if rec := e.Login("room-admin", "declared-pass-word"); rec.Code != 401 {
		t.Fatalf("undeclared account still logs in: %d", rec.Code)
	}
}
