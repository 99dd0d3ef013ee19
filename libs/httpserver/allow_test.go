package httpserver_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/httpserver"
)

func do(t *testing.T, method, url, ctype, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestMethodsThroughTheRouter: routes registered through authn on a real server answer
// HEAD for GET, and a 405 says in Allow which methods the URL has.
func TestMethodsThroughTheRouter(t *testing.T) {
	r := start(t, testConfig(), func(s *httpserver.Server) {
		rt := authn.NewRouter(s.Public, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		list := func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "the list") }
		ok := func(http.ResponseWriter, *http.Request) {}
		rt.HandleFunc(http.MethodGet, "/items", authn.Public(), list)
		rt.HandleFunc(http.MethodPost, "/items", authn.Public(), ok)
		rt.HandleFunc(http.MethodGet, "/items/{id:[0-9]+}", authn.Public(), ok)
		rt.HandleFunc(http.MethodDelete, "/items/{id}", authn.Public(), ok)
		rt.HandleFunc(http.MethodPut, "/other/{id}", authn.Public(), ok)
		if err := rt.CheckGuarded(s.Public); err != nil {
			t.Fatal(err)
		}
	})

	resp, body := do(t, http.MethodHead, r.public+"/items", "", "")
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len("the list")) {
		t.Fatalf("HEAD /items: %d %q length %d", resp.StatusCode, body, resp.ContentLength)
	}

	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPut, "/items", "GET, HEAD, POST"},
		{http.MethodPatch, "/items/7", "DELETE, GET, HEAD"},
		{http.MethodGet, "/items/abc", "DELETE"}, // the GET route's pattern wants digits
		{http.MethodHead, "/other/1", "PUT"},
	} {
		resp, body := do(t, tc.method, r.public+tc.path, "", "")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
		}
		if tc.method != http.MethodHead && !strings.Contains(body, "method-not-allowed") {
			t.Errorf("%s %s: body %s", tc.method, tc.path, body)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if resp, _ := do(t, http.MethodHead, r.internal+path, "", ""); resp.StatusCode != 200 {
			t.Errorf("HEAD %s: %d", path, resp.StatusCode)
		}
		if resp, _ := do(t, http.MethodPost, r.internal+path, "", ""); resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// TestBadTextOverTheWire: NUL and invalid UTF-8 in the query, path and a form body are
// refused as problems on a real listener, and good input passes.
func TestBadTextOverTheWire(t *testing.T) {
	r := start(t, testConfig(), func(s *httpserver.Server) {
		rt := authn.NewRouter(s.Public, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		echo := func(w http.ResponseWriter, req *http.Request) {
			_ = req.ParseForm()
			_, _ = io.WriteString(w, req.Form.Get("q"))
		}
		rt.HandleFunc(http.MethodGet, "/search/{term}", authn.Public(), echo)
		rt.HandleFunc(http.MethodPost, "/search/{term}", authn.Public(), echo)
	})
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		method, target, ctype, body string
		status                      int
		want                        string
	}{
		{"GET", "/search/x?q=%00", "", "", 400, `"field":"q","reason":"must not contain NUL characters"`},
		{"GET", "/search/x?q=%ff", "", "", 400, `"field":"q","reason":"must be valid UTF-8"`},
		{"GET", "/search/%00", "", "", 400, `"field":"term","reason":"must not contain NUL characters"`},
		{"POST", "/search/x", form, "q=de%00mo", 422, `"field":"q","reason":"must not contain NUL characters"`},
		{"GET", "/search/x?q=ok%0A", "", "", 200, "ok\n"},
		{"POST", "/search/x", form, "q=fine", 200, "fine"},
	} {
		resp, body := do(t, tc.method, r.public+tc.target, tc.ctype, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %q: %d %s", tc.method, tc.target, tc.body, resp.StatusCode, body)
		}
	}
}
