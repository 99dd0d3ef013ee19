package apicall_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// etagServer answers every path with the body "<path> <version>" and a strong ETag of
// it, 304 to a matching If-None-Match, plus the extra headers of its path; it records
// the condition of every request per path.
type etagServer struct {
	mu         sync.Mutex
	version    int
	gone       map[string]bool
	extra      map[string]http.Header
	conditions map[string][]string
	// onConditional, when set, runs before answering a conditional request.
	onConditional func(path string)
}

func (s *etagServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	gone := s.gone[r.URL.Path]
	s.mu.Unlock()
	if gone {
		http.NotFound(w, r)
		return
	}
	inm := r.Header.Get("If-None-Match")
	if inm != "" && s.onConditional != nil {
		s.onConditional(r.URL.Path)
	}
	s.mu.Lock()
	s.conditions[r.URL.Path] = append(s.conditions[r.URL.Path], inm)
	body := fmt.Sprintf("%s %d", r.URL.Path, s.version)
	if r.URL.Path == "/big" {
		body = strings.Repeat("x", 4096)
	}
	for k, v := range s.extra[r.URL.Path] {
		w.Header()[k] = v
	}
	s.mu.Unlock()
	etag := fmt.Sprintf(`"%x"`, body)
	w.Header().Set("ETag", etag)
	if inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = fmt.Fprint(w, body)
}

func (s *etagServer) sent(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.conditions[path]...)
}

func newETagServer(t *testing.T) (*etagServer, *httptest.Server) {
	s := &etagServer{extra: map[string]http.Header{}, conditions: map[string][]string{}, gone: map[string]bool{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func get(t *testing.T, c *apicall.Client, ctx context.Context, path string) string {
	t.Helper()
	resp, err := c.Raw(ctx, http.MethodGet, path, nil, nil, "application/json")
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.Status)
	}
	return string(resp.Body)
}

// conditional reports whether each request of path carried If-None-Match.
func conditional(s *etagServer, path string) string {
	var b strings.Builder
	for _, c := range s.sent(path) {
		if c == "" {
			b.WriteByte('-')
		} else {
			b.WriteByte('c')
		}
	}
	return b.String()
}

func TestETagCacheStoresOnlyShareableAnswers(t *testing.T) {
	s, srv := newETagServer(t)
	s.extra["/cookie"] = http.Header{"Set-Cookie": {"sid=1; HttpOnly"}}
	s.extra["/private"] = http.Header{"Cache-Control": {"private, max-age=60"}}
	s.extra["/no-store"] = http.Header{"Cache-Control": {"No-Store"}}
	s.extra["/public"] = http.Header{"Cache-Control": {"public, max-age=60"}}
	cache := apicall.NewETagCache(16, 1024)
	c := apicall.New(srv.URL, srv.Client()).WithCache(cache)
	anon := context.Background()
	session := apicall.WithCaller(anon, apicall.Caller{Token: "tok"})
	for _, x := range []struct {
		path string
		ctx  context.Context
		want string // per request: c = sent with If-None-Match
	}{
		{"/public", anon, "-cc"},
		{"/cookie", anon, "---"},
		{"/private", anon, "---"},
		{"/no-store", anon, "---"},
		{"/big", anon, "---"}, // over the byte bound
		{"/with-session", session, "---"},
	} {
		for range 3 {
			if body := get(t, c, x.ctx, x.path); body == "" {
				t.Fatalf("%s: empty body", x.path)
			}
		}
		if got := conditional(s, x.path); got != x.want {
			t.Errorf("%s: requests %q, want %q (c = revalidated)", x.path, got, x.want)
		}
	}
	if cache.Len() != 1 {
		t.Fatalf("%d answers stored, want only /public", cache.Len())
	}
	// Sending Anonymous(ctx) drops the token: that call is revalidated.
	get(t, c, apicall.Anonymous(session), "/public")
	if got := conditional(s, "/public"); got != "-ccc" {
		t.Fatalf("anonymous call: %q", got)
	}
}

func TestETagCacheBoundedLRU(t *testing.T) {
	s, srv := newETagServer(t)
	cache := apicall.NewETagCache(2, 1<<20)
	c := apicall.New(srv.URL, srv.Client()).WithCache(cache)
	ctx := context.Background()
	get(t, c, ctx, "/a")
	get(t, c, ctx, "/b")
	get(t, c, ctx, "/a") // a is now the most recently used
	get(t, c, ctx, "/c") // evicts b
	if cache.Len() != 2 {
		t.Fatalf("%d entries, want 2", cache.Len())
	}
	get(t, c, ctx, "/a")
	get(t, c, ctx, "/b")
	if a, b := conditional(s, "/a"), conditional(s, "/b"); a != "-cc" || b != "--" {
		t.Fatalf("a %q (want -cc), b %q (want --: evicted)", a, b)
	}
}

func TestETagCacheForgetsErrorsAndReplacedAnswers(t *testing.T) {
	s, srv := newETagServer(t)
	cache := apicall.NewETagCache(1, 1<<20)
	c := apicall.New(srv.URL, srv.Client()).WithCache(cache)
	ctx := context.Background()
	// While /a is being revalidated, another request replaces it in the one-entry cache:
	// the 304 cannot be served from the cache, so the client asks again unconditionally.
	s.onConditional = func(path string) {
		if path == "/a" { // runs on the server's goroutine: no t.Fatal here
			if _, err := c.Raw(ctx, http.MethodGet, "/b", nil, nil, "application/json"); err != nil {
				t.Error(err)
			}
		}
	}
	get(t, c, ctx, "/a")
	if body := get(t, c, ctx, "/a"); body != "/a 0" {
		t.Fatalf("body after a lost entry: %q", body)
	}
	if got := conditional(s, "/a"); got != "-c-" {
		t.Fatalf("/a requests %q, want -c- (conditional, then again without)", got)
	}
	s.onConditional = nil
	// A stored answer whose resource is gone is forgotten.
	get(t, c, ctx, "/a")
	if cache.Len() != 1 {
		t.Fatalf("%d entries before the 404", cache.Len())
	}
	s.mu.Lock()
	s.gone["/a"] = true
	s.mu.Unlock()
	if _, err := c.Raw(ctx, http.MethodGet, "/a", nil, nil, "application/json"); !apicall.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("gone: %v", err)
	}
	if cache.Len() != 0 {
		t.Fatalf("%d entries after the 404, want 0", cache.Len())
	}
}

func TestETagCacheConcurrentUse(t *testing.T) {
	s, srv := newETagServer(t)
	cache := apicall.NewETagCache(3, 1<<20)
	c := apicall.New(srv.URL, srv.Client()).WithCache(cache)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 8 {
				path := fmt.Sprintf("/p%d", (i+j)%5)
				resp, err := c.Raw(context.Background(), http.MethodGet, path, nil, nil, "")
				if err != nil {
					errs <- err
					return
				}
				if want := path + " 0"; string(resp.Body) != want {
					errs <- fmt.Errorf("%s: body %q, want %q", path, resp.Body, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if cache.Len() > 3 {
		t.Fatalf("%d entries over the bound of 3", cache.Len())
	}
	revalidated := 0
	for i := range 5 {
		revalidated += strings.Count(conditional(s, fmt.Sprintf("/p%d", i)), "c")
	}
	if revalidated == 0 {
		t.Fatal("no request was revalidated")
	}
}
