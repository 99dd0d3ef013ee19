package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

func TestImpersonationTargetMustBeActiveCliente(t *testing.T) {
	h := newHarness(t)
	disabled := h.identity.Add(identityclient.User{Username: "gone", Email: "gone@example.com", Role: authn.RoleCliente, Active: false})
	other := h.identity.Add(identityclient.User{Username: "boss2", Email: "boss2@example.com", Role: authn.RoleSuperadmin, Active: true})
	cases := map[string]string{
		"admin target":      h.users[admin].ID,
		"superadmin target": other.ID,
		"self":              h.users[superadmin].ID,
		"inactive cliente":  disabled.ID,
		"unknown user":      "u-9999",
	}
	for name, target := range cases {
		before := len(h.sessions.Calls())
		rec := h.as(superadmin, http.MethodPost, "/api/v1/admin/impersonation", `{"user_id":"`+target+`","reason":"looking around"}`)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422: %s", name, rec.Code, rec.Body)
			continue
		}
		if f := problemFields(t, rec); len(f) != 1 || f[0] != "user_id" {
			t.Errorf("%s: problem fields %v, want [user_id]", name, f)
		}
		for _, c := range h.sessions.Calls()[before:] {
			if strings.Contains(c, "impersonations") {
				t.Errorf("%s: session service was asked to impersonate", name)
			}
		}
		if n := h.auditRows(`action = 'impersonation.start' AND subject_id = $1 AND status = 422`, target); n != 1 {
			t.Errorf("%s: %d refusal audit rows, want 1", name, n)
		}
	}
}

func TestImpersonationStartAndStopAreAuditedWithBothIDs(t *testing.T) {
	h := newHarness(t)
	super, client := h.users[superadmin], h.users[cliente]
	// newHarness started one impersonation (h.tokens[impersonating]).
	if n := h.auditRows(`action = 'impersonation.start' AND actor_id = $1 AND actor_username = 'superadmin'
		AND subject_id = $2 AND subject_username = 'acme' AND reason = 'customer ticket 4711' AND status = 201
		AND after ? 'impersonation_session_id'`, super.ID, client.ID); n != 1 {
		t.Fatalf("start audit rows: %d", n)
	}
	p, ok := h.sessions.Principal(h.tokens[impersonating])
	if !ok || p.UserID != client.ID || p.Act == nil || p.Act.UserID != super.ID {
		t.Fatalf("impersonation principal %+v", p)
	}
	rec := h.as(impersonating, http.MethodDelete, "/api/v1/admin/impersonation", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("stop: %d %s", rec.Code, rec.Body)
	}
	var out struct{ Token string }
	decode(t, rec, &out)
	if fresh, ok := h.sessions.Principal(out.Token); !ok || fresh.UserID != super.ID || fresh.Impersonating() {
		t.Fatalf("stop must answer a fresh superadmin session, got %+v", fresh)
	}
	for _, who := range []string{impersonating, superadmin} {
		if _, ok := h.sessions.Principal(h.tokens[who]); ok {
			t.Errorf("%s token still valid after stop (must be rotated)", who)
		}
	}
	if n := h.auditRows(`action = 'impersonation.stop' AND actor_id = $1 AND subject_id = $2 AND status = 200`, super.ID, client.ID); n != 1 {
		t.Fatalf("stop audit rows: %d", n)
	}
}

func TestNoNestedImpersonation(t *testing.T) {
	h := newHarness(t)
	second := h.identity.Add(identityclient.User{Username: "beta", Email: "beta@example.com", Role: authn.RoleCliente, Active: true})
	before := len(h.sessions.Calls())
	rec := h.as(impersonating, http.MethodPost, "/api/v1/admin/impersonation", `{"user_id":"`+second.ID+`","reason":"nested"}`)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("nested start: %d, want 403", rec.Code)
	}
	for _, c := range h.sessions.Calls()[before:] {
		if strings.Contains(c, "impersonations") {
			t.Fatal("a nested start reached the session service")
		}
	}
	// Bypassing the admin API, the session service refuses nesting too (the stand-in
	// follows the contract), and the admin client maps that refusal.
	if _, ok := h.sessions.Principal(h.tokens[impersonating]); !ok {
		t.Fatal("impersonation session died")
	}
}

func TestImpersonationNeverOutlivesSuperadminSession(t *testing.T) {
	h := newHarness(t)
	superToken := h.login(h.users[superadmin])
	parentExpiry := time.Now().Add(20 * time.Minute).UTC()
	h.sessions.SetExpiry(superToken, parentExpiry)
	rec := h.do(http.MethodPost, "/api/v1/admin/impersonation", superToken, `{"user_id":"`+h.users[cliente].ID+`","reason":"short look"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Token   string
		Session struct {
			ExpiresAt time.Time `json:"expires_at"`
		}
	}
	decode(t, rec, &out)
	if out.Session.ExpiresAt.After(parentExpiry) || h.sessions.Expiry(out.Token).After(parentExpiry) {
		t.Fatalf("impersonation expires %s, after its superadmin session %s", out.Session.ExpiresAt, parentExpiry)
	}
}

func TestKillingSuperadminSessionKillsImpersonation(t *testing.T) {
	h := newHarness(t)
	super := h.users[superadmin]
	// The superadmin's sessions list shows the impersonation session, flagged.
	rec := h.as(superadmin, http.MethodGet, "/api/v1/admin/users/"+super.ID+"/sessions", "")
	var list struct {
		Items []struct {
			ID            string
			Impersonation bool
		}
	}
	decode(t, rec, &list)
	flagged := 0
	for _, s := range list.Items {
		if s.Impersonation {
			flagged++
		}
	}
	if len(list.Items) != 2 || flagged != 1 {
		t.Fatalf("superadmin sessions %+v: want the login and one flagged impersonation", list.Items)
	}
	// Another superadmin ends the first one's sessions.
	boss2 := h.identity.Add(identityclient.User{Username: "boss2", Email: "boss2@example.com", Role: authn.RoleSuperadmin, Active: true})
	other := h.login(boss2)
	if rec := h.do(http.MethodDelete, "/api/v1/admin/users/"+super.ID+"/sessions", other, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("terminate all: %d %s", rec.Code, rec.Body)
	}
	if rec := h.as(impersonating, http.MethodDelete, "/api/v1/admin/impersonation", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("impersonation token after its superadmin session was killed: %d, want 401", rec.Code)
	}
	// Killing only the superadmin's login session (by id) kills the impersonation too.
	h2 := newHarness(t)
	p, _ := h2.sessions.Principal(h2.tokens[superadmin])
	boss := h2.identity.Add(identityclient.User{Username: "boss2", Email: "boss2@example.com", Role: authn.RoleSuperadmin, Active: true})
	if rec := h2.do(http.MethodDelete, "/api/v1/admin/users/"+p.UserID+"/sessions/"+p.SessionID, h2.login(boss), ""); rec.Code != http.StatusNoContent {
		t.Fatalf("terminate one: %d %s", rec.Code, rec.Body)
	}
	if _, ok := h2.sessions.Principal(h2.tokens[impersonating]); ok {
		t.Fatal("impersonation survived its superadmin session")
	}
}

func TestImpersonationWithCookieSetsCookieAndHidesToken(t *testing.T) {
	h := newHarness(t)
	cookieAuth := func(token string) func(*http.Request) {
		return func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: token})
			r.Header.Set("Sec-Fetch-Site", "same-origin")
		}
	}
	superToken := h.login(h.users[superadmin])
	rec := h.do(http.MethodPost, "/api/v1/admin/impersonation", "", `{"user_id":"`+h.users[cliente].ID+`","reason":"browser"}`, cookieAuth(superToken))
	if rec.Code != http.StatusCreated {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	c := sessionCookie(t, rec)
	if p, ok := h.sessions.Principal(c.Value); !ok || !p.Impersonating() {
		t.Fatal("cookie does not hold the impersonation session")
	}
	if strings.Contains(rec.Body.String(), c.Value) || strings.Contains(rec.Body.String(), `"token"`) {
		t.Fatal("a cookie caller's response body must not carry the token")
	}
	rec = h.do(http.MethodDelete, "/api/v1/admin/impersonation", "", "", cookieAuth(c.Value))
	if rec.Code != http.StatusOK {
		t.Fatalf("stop: %d %s", rec.Code, rec.Body)
	}
	back := sessionCookie(t, rec)
	if p, ok := h.sessions.Principal(back.Value); !ok || p.Impersonating() || p.Role != authn.RoleSuperadmin {
		t.Fatal("cookie after stop does not hold a fresh superadmin session")
	}
	// A cross-site form cannot start an impersonation riding the cookie.
	rec = h.do(http.MethodPost, "/api/v1/admin/impersonation", "", `{"user_id":"`+h.users[cliente].ID+`","reason":"csrf"}`,
		func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: back.Value})
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site start: %d, want 403", rec.Code)
	}
}

func sessionCookie(t *testing.T, rec interface{ Result() *http.Response }) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == authn.CookieName {
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Value == "" {
				t.Fatalf("session cookie attributes wrong: %+v", c)
			}
			return c
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

// TestImpersonationIsUndoneWhenItCannotBeAudited: no impersonation without its audit row.
func TestImpersonationIsUndoneWhenItCannotBeAudited(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.pool.Exec(ctx, `ALTER TABLE admin.audit_log RENAME TO audit_log_away`); err != nil {
		t.Fatal(err)
	}
	superToken := h.login(h.users[superadmin])
	rec := h.do(http.MethodPost, "/api/v1/admin/impersonation", superToken, `{"user_id":"`+h.users[cliente].ID+`","reason":"unaudited"}`)
	if _, err := h.pool.Exec(ctx, `ALTER TABLE admin.audit_log_away RENAME TO audit_log`); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("start without audit log: %d, want 503: %s", rec.Code, rec.Body)
	}
	rec = h.as(superadmin, http.MethodGet, "/api/v1/admin/users/"+h.users[superadmin].ID+"/sessions", "")
	var list struct {
		Items []struct{ Impersonation bool }
	}
	decode(t, rec, &list)
	flagged := 0
	for _, s := range list.Items {
		if s.Impersonation {
			flagged++
		}
	}
	if flagged != 1 { // the harness's own impersonation only
		t.Fatalf("%d impersonation sessions, want 1 (the unaudited one must be revoked)", flagged)
	}
}
