package authn_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"
)

type fixture struct {
	router   *mux.Router
	sessions *authntest.Server
	tokens   map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	sessions := authntest.NewServer(t, nil)
	m := mux.NewRouter()
	rt := authn.NewRouter(m, authn.NewSessionClient(sessions.URL, sessions.Client()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ok := func(w http.ResponseWriter, r *http.Request) {
		p, _ := authn.FromContext(r.Context())
		_, _ = io.WriteString(w, p.Username)
	}
	rt.HandleFunc(http.MethodGet, "/public", authn.Public(), ok)
	rt.HandleFunc(http.MethodPost, "/public", authn.Public(), ok)
	rt.HandleFunc(http.MethodGet, "/me", authn.RequireAuthenticated(), ok)
	rt.HandleFunc(http.MethodPost, "/me/password", authn.RequireAuthenticated().AllowMustChangePassword().NotImpersonating(), ok)
	rt.HandleFunc(http.MethodGet, "/admin", authn.RequireRole(authn.RoleSuperadmin), ok)
	rt.HandleFunc(http.MethodPost, "/stock", authn.RequireTenant(), ok)
	if err := rt.CheckGuarded(m); err != nil {
		t.Fatal(err)
	}
	f := &fixture{router: m, sessions: sessions, tokens: map[string]string{}}
	f.tokens["cliente"] = sessions.Issue(authn.Principal{UserID: "c1", Username: "acme", Role: authn.RoleCliente})
	f.tokens["admin"] = sessions.Issue(authn.Principal{UserID: "a1", Username: "room-admin", Role: authn.RoleAdmin})
	f.tokens["superadmin"] = sessions.Issue(authn.Principal{UserID: "s1", Username: "superadmin", Role: authn.RoleSuperadmin})
	f.tokens["impersonating"] = sessions.Issue(authn.Principal{UserID: "c1", Username: "acme", Role: authn.RoleCliente,
		Act: &authn.Actor{UserID: "s1", Username: "superadmin"}})
	return f
}

func (f *fixture) do(method, path, who string, mutate func(*http.Request)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader("{}"))
	if tok := f.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if mutate != nil {
		mutate(req)
	}
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}

func TestGuardMatrix(t *testing.T) {
	f := newFixture(t)
	want := map[string]map[string]int{
		"GET /public":       {"": 200, "cliente": 200, "admin": 200, "superadmin": 200, "impersonating": 200},
		"GET /me":           {"": 401, "cliente": 200, "admin": 200, "superadmin": 200, "impersonating": 200},
		"POST /me/password": {"": 401, "cliente": 200, "admin": 200, "superadmin": 200, "impersonating": 403},
		"GET /admin":        {"": 401, "cliente": 403, "admin": 403, "superadmin": 200, "impersonating": 403},
		"POST /stock":       {"": 401, "cliente": 200, "admin": 403, "superadmin": 403, "impersonating": 200},
	}
	for route, byWho := range want {
		method, path, _ := strings.Cut(route, " ")
		for who, status := range byWho {
			if got := f.do(method, path, who, nil).Code; got != status {
				t.Errorf("%s as %q: status %d, want %d", route, who, got, status)
			}
		}
	}
}

func TestMustChangePasswordOnlyReachesPasswordChange(t *testing.T) {
	f := newFixture(t)
	f.tokens["must-change"] = f.sessions.Issue(authn.Principal{UserID: "s1", Username: "superadmin",
		Role: authn.RoleSuperadmin, MustChangePassword: true})
	if got := f.do("GET", "/admin", "must-change", nil).Code; got != 403 {
		t.Fatalf("must-change session reached /admin: %d", got)
	}
	if got := f.do("POST", "/me/password", "must-change", nil).Code; got != 200 {
		t.Fatalf("must-change session could not change its password: %d", got)
	}
}

func TestInvalidAndUnavailableSessions(t *testing.T) {
	f := newFixture(t)
	f.tokens["forged"] = "not-a-token"
	if got := f.do("GET", "/me", "forged", nil).Code; got != 401 {
		t.Fatalf("forged token: %d", got)
	}
	f.sessions.SetDown(true)
	rec := f.do("GET", "/me", "cliente", nil)
	if rec.Code != 503 {
		t.Fatalf("session store down must deny with 503, got %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}
}

func TestUserRequestsSlideIdleTimer(t *testing.T) {
	f := newFixture(t)
	f.do("GET", "/me", "cliente", nil)
	if f.sessions.Touches() != 1 {
		t.Fatalf("a user request must validate with touch=true, touches=%d", f.sessions.Touches())
	}
	f.do("GET", "/public", "cliente", nil)
	if f.sessions.Touches() != 1 {
		t.Fatal("a public route must not slide the idle timer")
	}
}

func TestCookieWritesNeedSameOrigin(t *testing.T) {
	f := newFixture(t)
	cookie := func(extra map[string]string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Del("Authorization")
			r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: f.tokens["cliente"]})
			for k, v := range extra {
				r.Header.Set(k, v)
			}
		}
	}
	cases := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"no origin information", nil, 403},
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-origin fetch metadata", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, 403},
		{"own origin", map[string]string{"Origin": "http://example.com"}, 200},
	}
	for _, tc := range cases {
		if got := f.do("POST", "/stock", "", cookie(tc.headers)).Code; got != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.status)
		}
	}
	// Bearer clients are not browsers: no ambient credential, no CSRF check.
	if got := f.do("POST", "/stock", "cliente", nil).Code; got != 200 {
		t.Errorf("bearer write: %d", got)
	}
	// Anonymous cross-site writes (login CSRF) are refused too.
	if got := f.do("POST", "/public", "", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }).Code; got != 403 {
		t.Errorf("cross-site anonymous write: %d", got)
	}
}

func TestUnguardedRouteIsDetected(t *testing.T) {
	m := mux.NewRouter()
	rt := authn.NewRouter(m, nil, slog.Default())
	rt.HandleFunc(http.MethodGet, "/ok", authn.Public(), func(http.ResponseWriter, *http.Request) {})
	m.HandleFunc("/sneaky", func(http.ResponseWriter, *http.Request) {})
	err := rt.CheckGuarded(m)
	if err == nil || !strings.Contains(err.Error(), "/sneaky") {
		t.Fatalf("CheckGuarded = %v, want it to name /sneaky", err)
	}
}

func TestZeroGuardPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering a route with the zero Guard must panic")
		}
	}()
	rt := authn.NewRouter(mux.NewRouter(), nil, slog.Default())
	rt.HandleFunc(http.MethodGet, "/x", authn.Guard{}, func(http.ResponseWriter, *http.Request) {})
}

func TestTokenNeverReadFromURL(t *testing.T) {
	f := newFixture(t)
	if got := f.do("GET", "/me?token="+f.tokens["cliente"], "", nil).Code; got != 401 {
		t.Fatalf("a token in the query string must not authenticate, got %d", got)
	}
}
