package pages_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func init() {
	screenRoutes["POST /api/v1/admin/users/u1/unlock"] = map[string]any{}
}

// openRedirects are next/back values a browser would follow off-site (it drops tabs
// and newlines, reads a backslash as a slash) or that are not a plain path of this site.
var openRedirects = []string{
	"//evil.example", "/\\evil.example", "/\t/evil.example", "/%09/evil.example", "/%5c/evil.example",
	"\\evil.example", "https://evil.example", "javascript:alert(1)", "/%2f/evil.example", " /evil.example",
	"/evil.example\r\n", "/\n/evil.example", "/..//evil.example",
}

// TestLoginNextStaysOnSite: the login form carries no dangerous next, and a successful
// login never redirects off-site whatever next says; a same-site next is honoured.
func TestLoginNextStaysOnSite(t *testing.T) {
	h := newHarness(t)
	for _, next := range openRedirects {
		rec := h.do(t, anonymous, http.MethodGet, "/login?next="+url.QueryEscape(next), nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="next" value=""`) {
			t.Errorf("GET /login?next=%q: %d, the form keeps it:\n%s", next, rec.Code, rec.Body.String())
		}
		rec = h.do(t, anonymous, http.MethodPost, "/login", url.Values{"username": {"ana"}, "password": {"right"}, "next": {next}})
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/app" {
			t.Errorf("POST /login next=%q: %d Location %q, want /app", next, rec.Code, loc)
		}
	}
	rec := h.do(t, anonymous, http.MethodGet, "/login?next="+url.QueryEscape("/app/stock?warehouse_id=w1"), nil)
	if !strings.Contains(rec.Body.String(), `name="next" value="/app/stock?warehouse_id=w1"`) {
		t.Errorf("same-site next dropped from the form:\n%s", rec.Body.String())
	}
	rec = h.do(t, anonymous, http.MethodPost, "/login", url.Values{"username": {"ana"}, "password": {"right"}, "next": {"/app/stock?warehouse_id=w1"}})
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/app/stock?warehouse_id=w1" {
		t.Errorf("same-site next: %d %q", rec.Code, loc)
	}
}

// TestLanguageNextStaysOnSite: POST /lang goes back to the page it came from, never
// off-site.
func TestLanguageNextStaysOnSite(t *testing.T) {
	h := newHarness(t)
	for _, next := range openRedirects {
		rec := h.do(t, cliente, http.MethodPost, "/lang", url.Values{"lang": {"en"}, "next": {next}})
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/" {
			t.Errorf("POST /lang next=%q: %d Location %q, want /", next, rec.Code, loc)
		}
	}
	rec := h.do(t, cliente, http.MethodPost, "/lang", url.Values{"lang": {"en"}, "next": {"/app/stock"}})
	if loc := rec.Header().Get("Location"); loc != "/app/stock" {
		t.Errorf("same-site next: %q", loc)
	}
}

// TestUserActionBackStaysOnSite: the superadmin actions' back field goes through the
// same check.
func TestUserActionBackStaysOnSite(t *testing.T) {
	h := newHarness(t)
	for _, back := range openRedirects {
		res := h.post(t, superadmin, "/admin/users/u1/unlock", url.Values{"back": {back}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/admin/users/u1?ok=flash.user_unlock" {
			t.Errorf("back=%q: %d Location %q", back, res.StatusCode, loc)
		}
	}
	res := h.post(t, superadmin, "/admin/users/u1/unlock", url.Values{"back": {"/admin/lockouts"}})
	if loc := res.Header.Get("Location"); loc != "/admin/lockouts?ok=flash.user_unlock" {
		t.Errorf("same-site back: %q", loc)
	}
}
