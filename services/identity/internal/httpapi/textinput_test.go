package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHostileTextRefusedBeforeTheDatabase: the audit's inputs through identity's real
// routes (libs/jsonbody and libs/authn refuse them) get 4xx problems naming the field,
// not a Postgres error turned into 503, and leave no access-log row behind.
func TestHostileTextRefusedBeforeTheDatabase(t *testing.T) {
	e := newEnv(t, nil)
	send := func(h http.Handler, method, target, ctype, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	const jsonType, formType = "application/json", "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		internal                    bool
		method, target, ctype, body string
		status                      int
		want                        string
	}{
		{false, "POST", "/api/v1/auth/login", jsonType, `{"username":"de\u0000mo","password":"x"}`, 422, `"field":"username","reason":"must not contain NUL characters"`},
		{false, "POST", "/api/v1/auth/login", jsonType, "{\"username\":\"\xff\xfe bad\",\"password\":\"x\"}", 422, `"field":"username","reason":"must be valid UTF-8"`},
		{false, "POST", "/api/v1/auth/login", formType, "username=de%00mo&password=x", 422, `"field":"username","reason":"must not contain NUL characters"`},
		{false, "POST", "/api/v1/auth/login", jsonType, `[1]`, 400, `"detail":"body: must be an object"`},
		{false, "POST", "/api/v1/auth/login", jsonType, `{"username":["a"]}`, 400, `"detail":"username: must be a string"`},
		{true, "GET", "/internal/v1/users/by-username/de%00mo", "", "", 400, `"field":"username","reason":"must not contain NUL characters"`},
		{true, "GET", "/internal/v1/users?q=%ff", "", "", 400, `"field":"q","reason":"must be valid UTF-8"`},
	} {
		h := e.Public
		if tc.internal {
			h = e.Internal
		}
		rec := send(h, tc.method, tc.target, tc.ctype, tc.body)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s %s %q: %d %s", tc.method, tc.target, tc.body, rec.Code, rec.Body)
		}
	}
	var rows int
	if err := e.Pool.QueryRow(context.Background(), `SELECT count(*) FROM identity.access_log`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("access log rows after refused input: %d (%v)", rows, err)
	}

	// The session's own answers are private, GET routes answer HEAD, and 405 says Allow.
	token := e.MustLogin("superadmin", "Superadmin-Test-1")
	for _, method := range []string{"GET", "HEAD"} {
		rec := e.Do(R{Method: method, Path: "/api/v1/me", Token: token})
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s /api/v1/me: %d Cache-Control %q", method, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := e.Do(R{Method: "DELETE", Path: "/api/v1/me", Token: token}); rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD, PATCH" {
		t.Errorf("DELETE /api/v1/me: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}
