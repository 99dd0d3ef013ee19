package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/admin/internal/identityclient"
	"github.com/planta-dev/planta/services/admin/internal/standin"
)

func TestDisableUserKillsItsSessions(t *testing.T) {
	h := newHarness(t)
	victim := h.users[cliente]
	other := h.login(victim) // a second device
	rec := h.as(superadmin, http.MethodPost, "/api/v1/admin/users/"+victim.ID+"/disable", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("disable: %d %s", rec.Code, rec.Body)
	}
	if !slices.Contains(h.sessions.Calls(), "POST /internal/v1/users/"+victim.ID+"/sessions/revoke-all") {
		t.Fatalf("no revoke-all call; session calls %v", h.sessions.Calls())
	}
	for _, tok := range []string{h.tokens[cliente], other} {
		if _, ok := h.sessions.Principal(tok); ok {
			t.Fatal("a disabled user's session still validates")
		}
		// ...and the next request with it is refused.
		if rec := h.do(http.MethodGet, "/api/v1/admin/me", tok, ""); rec.Code != http.StatusUnauthorized {
			t.Fatalf("request with a disabled user's token: %d, want 401", rec.Code)
		}
	}
	if h.identity.User(victim.ID).Active {
		t.Fatal("identity was not told to disable")
	}
	if n := h.auditRows(`action = 'user.disable' AND subject_id = $1 AND status = 200
		AND before->>'active' = 'true' AND after->>'active' = 'false'`, victim.ID); n != 1 {
		t.Fatalf("disable audit rows: %d", n)
	}
}

func TestProtectedAccountsAreRefusedAndAudited(t *testing.T) {
	h := newHarness(t)
	boss2 := h.identity.Add(identityclient.User{Username: "boss2", Email: "boss2@example.com", Role: authn.RoleSuperadmin, Active: true})
	other := h.login(boss2)
	seeded := standin.SeededSuperadminID
	cases := []struct{ method, path, body, slug string }{
		{http.MethodPost, "/api/v1/admin/users/" + seeded + "/disable", "", "protected-account"},
		{http.MethodDelete, "/api/v1/admin/users/" + seeded, "", "protected-account"},
		{http.MethodPatch, "/api/v1/admin/users/" + seeded, `{"role":"admin"}`, "protected-account"},
		// Oneself: refused before identity is asked.
		{http.MethodPost, "/api/v1/admin/users/" + boss2.ID + "/disable", "", "self-action"},
		{http.MethodPatch, "/api/v1/admin/users/" + boss2.ID, `{"role":"cliente"}`, "self-demotion"},
	}
	for _, c := range cases {
		rec := h.do(c.method, c.path, other, c.body)
		var p struct{ Type string }
		decode(t, rec, &p)
		if rec.Code != http.StatusConflict || p.Type != "https://planta.dev/problems/"+c.slug {
			t.Errorf("%s %s: %d %s, want 409 %s", c.method, c.path, rec.Code, p.Type, c.slug)
		}
	}
	if !h.identity.User(seeded).Active || h.identity.User(seeded).Role != authn.RoleSuperadmin {
		t.Fatal("the seeded superadmin was changed")
	}
	if _, ok := h.sessions.Principal(h.tokens[superadmin]); !ok {
		t.Fatal("a refused action revoked the seeded superadmin's sessions")
	}
	if n := h.auditRows(`subject_id = $1 AND status = 409 AND after->>'refused' = 'https://planta.dev/problems/protected-account'`, seeded); n != 3 {
		t.Fatalf("refusal audit rows: %d, want 3", n)
	}
}

func TestCreateUserGetsTemporaryPassword(t *testing.T) {
	h := newHarness(t)
	rec := h.as(superadmin, http.MethodPost, "/api/v1/admin/users", `{"username":"obra1","email":"obra1@example.com","full_name":"Obra Uno","role":"admin"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		ID                 string
		Role               string
		MustChangePassword bool   `json:"must_change_password"`
		TemporaryPassword  string `json:"temporary_password"`
	}
	decode(t, rec, &out)
	if out.Role != "admin" || !out.MustChangePassword || len(out.TemporaryPassword) < 16 || h.identity.Password(out.ID) != out.TemporaryPassword {
		t.Fatalf("created %+v", out)
	}
	if n := h.auditRows(`action = 'user.create' AND subject_id = $1 AND status = 201 AND after::text NOT LIKE '%' || $2 || '%'`, out.ID, out.TemporaryPassword); n != 1 {
		t.Fatal("create not audited, or the password reached the audit log")
	}
}

func TestRoleChangeAndResetKillSessions(t *testing.T) {
	h := newHarness(t)
	u := h.users[admin]
	if rec := h.as(superadmin, http.MethodPatch, "/api/v1/admin/users/"+u.ID, `{"role":"cliente"}`); rec.Code != http.StatusOK {
		t.Fatalf("role change: %d %s", rec.Code, rec.Body)
	}
	if _, ok := h.sessions.Principal(h.tokens[admin]); ok {
		t.Fatal("a role change must end the user's sessions")
	}
	tok := h.login(h.identity.User(u.ID))
	rec := h.as(superadmin, http.MethodPost, "/api/v1/admin/users/"+u.ID+"/reset-password", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	if _, ok := h.sessions.Principal(tok); ok {
		t.Fatal("a password reset must end the user's sessions")
	}
	if n := h.auditRows(`action = 'user.reset_password' AND subject_id = $1`, u.ID); n != 1 {
		t.Fatalf("reset audit rows %d", n)
	}
}

func TestLockoutsShowTimeRemainingAndUnlock(t *testing.T) {
	h := newHarness(t)
	u := h.users[cliente]
	h.identity.Lock(u.ID, time.Now().Add(10*time.Minute))
	rec := h.as(superadmin, http.MethodGet, "/api/v1/admin/lockouts", "")
	var out struct {
		Items []struct {
			User             struct{ ID string }
			RemainingSeconds int `json:"remaining_seconds"`
		}
	}
	decode(t, rec, &out)
	if len(out.Items) != 1 || out.Items[0].User.ID != u.ID || out.Items[0].RemainingSeconds < 590 || out.Items[0].RemainingSeconds > 600 {
		t.Fatalf("lockouts %+v", out)
	}
	if rec := h.as(superadmin, http.MethodPost, "/api/v1/admin/users/"+u.ID+"/unlock", ""); rec.Code != http.StatusOK {
		t.Fatalf("unlock: %d", rec.Code)
	}
	if h.identity.User(u.ID).Locked {
		t.Fatal("still locked")
	}
	if n := h.auditRows(`action = 'user.unlock' AND subject_id = $1 AND before->>'locked' = 'true'`, u.ID); n != 1 {
		t.Fatalf("unlock audit rows %d", n)
	}
}

// TestBadInputNamesTheFieldAndChangesNothing: every refusal names the field at fault,
// and nothing reaches identity's writes, the session service or the audit log.
func TestBadInputNamesTheFieldAndChangesNothing(t *testing.T) {
	h := newHarness(t)
	id := h.users[cliente].ID
	cases := []struct {
		method, path, body string
		status             int
		fields             []string
	}{
		{"POST", "/api/v1/admin/users", `{"username":"","email":"not-an-email","role":"boss"}`, 422, []string{"email", "role", "username"}},
		{"POST", "/api/v1/admin/users", `{"username":"x","email":"x@example.com","role":"cliente","is_superadmin":true}`, 400, []string{"is_superadmin"}},
		{"POST", "/api/v1/admin/users", `{"username":5}`, 400, []string{"username"}},
		{"POST", "/api/v1/admin/users", `{"username":"long","email":"l@example.com","role":"cliente","password":"` + strings.Repeat("a", 73) + `"}`, 422, []string{"password"}},
		{"PATCH", "/api/v1/admin/users/" + id, `{}`, 422, []string{"body"}},
		{"PATCH", "/api/v1/admin/users/" + id, `{"role":"root","email":"nope"}`, 422, []string{"email", "role"}},
		{"PATCH", "/api/v1/admin/users/" + id, `{"full_name":""}`, 422, []string{"full_name"}},
		{"PATCH", "/api/v1/admin/users/" + id, `{"full_name":"   "}`, 422, []string{"full_name"}},
		{"POST", "/api/v1/admin/impersonation", `{"user_id":"","reason":""}`, 422, []string{"reason", "user_id"}},
		{"POST", "/api/v1/admin/impersonation", `{"user_id":"../../x","reason":"because"}`, 422, []string{"user_id"}},
		{"POST", "/api/v1/admin/impersonation", `{"user_id":"` + id + `","reason":"  a "}`, 422, []string{"reason"}},
		{"GET", "/api/v1/admin/users?active=maybe&limit=0&role=root&colour=red", "", 400, []string{"active", "colour", "limit", "role"}},
		{"GET", "/api/v1/admin/access-logs?outcome=hacked&ip=1.2.3&from=yesterday", "", 400, []string{"from", "ip", "outcome"}},
		{"GET", "/api/v1/admin/access-logs/kpis?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "", 400, []string{"to"}},
		{"GET", "/api/v1/admin/audit-events?cursor=abc", "", 400, []string{"cursor"}},
		{"GET", "/api/v1/admin/audit-events.csv?limit=5", "", 400, []string{"limit"}},
	}
	auditBefore := h.auditRows("true")
	sessionCallsBefore := len(h.sessions.Calls())
	for _, c := range cases {
		rec := h.as(superadmin, c.method, c.path, c.body)
		if rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, rec.Code, c.status, rec.Body)
			continue
		}
		got := problemFields(t, rec)
		slices.Sort(got)
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s %s %s: fields %v, want %v", c.method, c.path, c.body, got, c.fields)
		}
	}
	if w := h.identity.Writes(); len(w) != 0 {
		t.Errorf("bad input reached identity's writes: %v", w)
	}
	for _, c := range h.sessions.Calls()[sessionCallsBefore:] {
		if c != "POST "+authn.ValidatePath {
			t.Errorf("bad input reached the session service: %s", c)
		}
	}
	// Refused writes are audited (the refusal and its fields); refused reads are not.
	writes := 0
	for _, c := range cases {
		if c.method != "GET" {
			writes++
		}
	}
	if n := h.auditRows("true"); n != auditBefore+writes {
		t.Errorf("bad input wrote %d audit rows, want %d (one per refused write)", n-auditBefore, writes)
	}
	if n := h.auditRows(`status >= 400 AND after ? 'refused'`); n != writes {
		t.Errorf("refused writes audited as refusals: %d, want %d", n, writes)
	}
}
