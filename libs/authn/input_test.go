package authn_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"
	"github.com/planta-dev/planta/libs/problem"
)

// inputFixture registers routes that echo what they received, so a test sees both
// the refusal and that accepted input reaches the handler unchanged.
func inputFixture(t *testing.T) (*mux.Router, string) {
	t.Helper()
	sessions := authntest.NewServer(t, nil)
	m := mux.NewRouter()
	rt := authn.NewRouter(m, authn.NewSessionClient(sessions.URL, sessions.Client()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	echo := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, mux.Vars(r)["name"]+"|"+r.URL.Query().Get("q")+"|"+string(body))
	}
	rt.HandleFunc(http.MethodGet, "/things/{name}", authn.Public(), echo)
	rt.HandleFunc(http.MethodPost, "/login", authn.Public(), echo)
	rt.HandleFunc(http.MethodGet, "/private", authn.RequireAuthenticated(), echo)
	rt.HandleFunc(http.MethodPost, "/private", authn.RequireAuthenticated(), echo)
	return m, sessions.Issue(authn.Principal{UserID: "u1", Username: "ana", Role: authn.RoleCliente})
}

func serve(m http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, req)
	return rec
}

func readProblem(t *testing.T, rec *httptest.ResponseRecorder) problem.Problem {
	t.Helper()
	var p problem.Problem
	if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("content type %q, body %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadTextInURLRefused(t *testing.T) {
	m, token := inputFixture(t)
	tests := []struct {
		name, target, field, reason string
		bearer                      bool
	}{
		{"NUL in query", "/things/a?q=%00", "q", "must not contain NUL characters", false},
		{"NUL mid-value", "/things/a?x=1&q=ab%00cd", "q", "must not contain NUL characters", false},
		{"invalid UTF-8 in query", "/things/a?q=%ff", "q", "must be valid UTF-8", false},
		{"truncated UTF-8 in query", "/things/a?q=%c3", "q", "must be valid UTF-8", false},
		{"raw invalid byte in query", "/things/a?q=a\xffb", "q", "must be valid UTF-8", false},
		{"bad parameter name", "/things/a?%00=1", "query", "parameter names must not contain NUL characters", false},
		{"NUL in path parameter", "/things/a%00b", "name", "must not contain NUL characters", false},
		{"invalid UTF-8 in path parameter", "/things/%ff", "name", "must be valid UTF-8", false},
		{"authenticated route", "/private?q=%ff", "q", "must be valid UTF-8", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := serve(m, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			p := readProblem(t, rec)
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Reason != tc.reason {
				t.Fatalf("errors %+v, want %s: %s", p.Errors, tc.field, tc.reason)
			}
		})
	}
}

func TestGoodTextInURLPasses(t *testing.T) {
	m, _ := inputFixture(t)
	rec := serve(m, httptest.NewRequest(http.MethodGet, "/things/a%C3%A7%C3%A3o?q="+url.QueryEscape("linha\n\t😀 %00"), nil))
	if rec.Code != 200 || rec.Body.String() != "ação|linha\n\t😀 %00|" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
}

// TestInputCheckedAfterGuard: an anonymous caller of a guarded route gets 401, not a
// description of its input.
func TestInputCheckedAfterGuard(t *testing.T) {
	m, _ := inputFixture(t)
	if rec := serve(m, httptest.NewRequest(http.MethodGet, "/private?q=%00", nil)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestBadTextInFormRefused(t *testing.T) {
	m, token := inputFixture(t)
	form := func(path, body string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	}
	for _, tc := range []struct{ path, body, field, reason string }{
		{"/login", "username=de%00mo&password=x", "username", "must not contain NUL characters"},
		{"/login", "username=demo&password=%ff%fe", "password", "must be valid UTF-8"},
		{"/login", "a%00=1", "form", "parameter names must not contain NUL characters"},
		{"/private", "note=%00", "note", "must not contain NUL characters"},
	} {
		rec := serve(m, form(tc.path, tc.body))
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s %s: status %d, body %s", tc.path, tc.body, rec.Code, rec.Body)
			continue
		}
		if p := readProblem(t, rec); len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Reason != tc.reason {
			t.Errorf("%s: errors %+v, want %s: %s", tc.body, p.Errors, tc.field, tc.reason)
		}
	}
	// A good form reaches the handler with its body intact.
	if rec := serve(m, form("/login", "username=d%C3%A9mo&password=a%0Ab")); rec.Code != 200 ||
		rec.Body.String() != "||username=d%C3%A9mo&password=a%0Ab" {
		t.Fatalf("good form: %d %q", rec.Code, rec.Body)
	}
	// Other body types are not forms: JSON is jsonbody's to check, uploads are binary.
	req := form("/login", "username=de%00mo")
	req.Header.Set("Content-Type", "application/octet-stream")
	if rec := serve(m, req); rec.Code != 200 {
		t.Fatalf("non-form body: %d", rec.Code)
	}
}

func TestGetRoutesAnswerHead(t *testing.T) {
	m, token := inputFixture(t)
	req := httptest.NewRequest(http.MethodHead, "/private", nil)
	if rec := serve(m, req); rec.Code != http.StatusUnauthorized {
		t.Fatalf("HEAD must pass the same guard: %d", rec.Code)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if rec := serve(m, req); rec.Code != http.StatusOK {
		t.Fatalf("HEAD of a GET route: %d", rec.Code)
	}
	if rec := serve(m, httptest.NewRequest(http.MethodHead, "/login", nil)); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("HEAD of a POST-only route: %d", rec.Code)
	}
}

func TestAuthenticatedAnswersAreNotStored(t *testing.T) {
	sessions := authntest.NewServer(t, nil)
	m := mux.NewRouter()
	rt := authn.NewRouter(m, authn.NewSessionClient(sessions.URL, sessions.Client()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ok := func(http.ResponseWriter, *http.Request) {}
	rt.HandleFunc(http.MethodGet, "/me", authn.RequireAuthenticated(), ok)
	rt.HandleFunc(http.MethodGet, "/tenant.pdf", authn.RequireTenant(), ok)
	rt.HandleFunc(http.MethodGet, "/own", authn.RequireAuthenticated(), func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=30")
	})
	rt.HandleFunc(http.MethodGet, "/public", authn.Public(), ok)
	rt.HandleFunc(http.MethodGet, "/etag", authn.Public(), func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=60")
	})
	token := sessions.Issue(authn.Principal{UserID: "c1", Username: "acme", Role: authn.RoleCliente})
	for path, want := range map[string]string{
		"/me": "no-store", "/tenant.pdf": "no-store", "/own": "private, max-age=30",
		"/public": "", "/etag": "public, max-age=60",
	} {
		for _, bearer := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := serve(m, req)
			got := rec.Header().Values("Cache-Control")
			if rec.Code == http.StatusUnauthorized {
				continue // problem answers are no-store already
			}
			if (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
				t.Errorf("%s (bearer %v): Cache-Control %q, want %q", path, bearer, got, want)
			}
		}
	}
}
