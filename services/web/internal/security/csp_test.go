package security

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDefaultCSP(t *testing.T) {
	got := DefaultCSP().String()
	want := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
	if got != want {
		t.Fatalf("CSP\n got %s\nwant %s", got, want)
	}
	for _, forbidden := range []string{"unsafe-inline", "unsafe-eval", "*", "http:", "https:"} {
		if strings.Contains(got, forbidden) {
			t.Errorf("CSP contains %q", forbidden)
		}
	}
}

func TestCSPCustomDirectiveKept(t *testing.T) {
	c := DefaultCSP()
	c["worker-src"] = []string{"'self'"}
	if !strings.HasSuffix(c.String(), "; worker-src 'self'") {
		t.Fatalf("extra directive missing: %s", c.String())
	}
}

func TestHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	Headers(DefaultCSP(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	h := rec.Header()
	for name, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": DefaultCSP().String(),
	} {
		if h.Get(name) != want {
			t.Errorf("%s = %q, want %q", name, h.Get(name), want)
		}
	}
}

func TestCSRFToken(t *testing.T) {
	a, b := CSRFToken("session-a"), CSRFToken("session-b")
	if a == "" || a == b || a != CSRFToken("session-a") {
		t.Fatalf("tokens: %q %q", a, b)
	}
	if strings.Contains(a, "session") {
		t.Fatal("token reveals the session")
	}
	if CSRFToken("") != "" {
		t.Fatal("no session must give no token")
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("_csrf="+a))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !CheckCSRF(r, "session-a") {
		t.Fatal("good form token refused")
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("_csrf="+b))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if CheckCSRF(r, "session-a") {
		t.Fatal("other session's token accepted")
	}
	r = httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set(CSRFHeader, a)
	if !CheckCSRF(r, "session-a") {
		t.Fatal("good header token refused")
	}
}
