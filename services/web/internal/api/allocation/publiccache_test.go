package allocation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// scheduleAPI is a stand-in allocation API that serves a room's week with an ETag that
// changes with its version, answers 304 to a matching If-None-Match (as the real public
// middleware does), and counts what it was asked.
type scheduleAPI struct {
	mu            sync.Mutex
	version       string
	full, notMod  int      // 200 and 304 answers of the public week
	conditions    []string // If-None-Match of each public request
	authorization []string // Authorization of each public request
	adminINM      []string // If-None-Match of each admin request
}

func (s *scheduleAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	etag := `"` + s.version + `"`
	w.Header().Set("ETag", etag)
	switch r.URL.Path {
	case "/api/v1/public/rooms/1/week":
		s.conditions = append(s.conditions, r.Header.Get("If-None-Match"))
		s.authorization = append(s.authorization, r.Header.Get("Authorization"))
		w.Header().Set("Cache-Control", "public, max-age=60")
		if r.Header.Get("If-None-Match") == etag {
			s.notMod++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		s.full++
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"semester":{"id":1,"name":%q},"days":[2],"blocks":[],"rooms":[],"entries":[]}`, s.version)
	case "/api/v1/allocation/rooms":
		s.adminINM = append(s.adminINM, r.Header.Get("If-None-Match"))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"items":[{"id":1,"name":%q}]}`, s.version)
	default:
		http.NotFound(w, r)
	}
}

func (s *scheduleAPI) setVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}

func (s *scheduleAPI) counts() (full, notMod int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full, s.notMod
}

func newScheduleAPI(t *testing.T) (*scheduleAPI, *httptest.Server) {
	api := &scheduleAPI{version: "2025-2 v1"}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}

// signedIn is a page request's context of a signed-in user.
func signedIn() context.Context {
	return apicall.WithCaller(context.Background(), apicall.Caller{Token: "session-secret", ClientIP: "203.0.113.9", UserAgent: "test"})
}

func TestPublicAnswersRevalidatedWithETag(t *testing.T) {
	api, srv := newScheduleAPI(t)
	cache := apicall.NewETagCache(8, 1<<20)
	c := allocation.New(srv.URL, srv.Client(), allocation.WithPublicCache(cache))
	ctx := context.Background()
	week := func(want string) {
		t.Helper()
		w, err := c.RoomWeek(ctx, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if w.Semester.Name != want {
			t.Fatalf("week of semester %q, want %q", w.Semester.Name, want)
		}
	}

	week("2025-2 v1")
	if full, notMod := api.counts(); full != 1 || notMod != 0 {
		t.Fatalf("first view: %d full answers, %d not modified", full, notMod)
	}
	// Unchanged: the API answers 304 without a body and the stored body is used.
	week("2025-2 v1")
	week("2025-2 v1")
	if full, notMod := api.counts(); full != 1 || notMod != 2 {
		t.Fatalf("unchanged schedule: %d full answers, %d not modified; want 1 and 2", full, notMod)
	}
	// The schedule changes: the stale ETag does not match, the new body is served and kept.
	api.setVersion("2025-2 v2")
	week("2025-2 v2")
	week("2025-2 v2")
	if full, notMod := api.counts(); full != 2 || notMod != 3 {
		t.Fatalf("after the change: %d full answers, %d not modified; want 2 and 3", full, notMod)
	}
	want := []string{"", `"2025-2 v1"`, `"2025-2 v1"`, `"2025-2 v1"`, `"2025-2 v2"`}
	if strings.Join(api.conditions, " ") != strings.Join(want, " ") {
		t.Fatalf("If-None-Match sent: %q, want %q", api.conditions, want)
	}
	if cache.Len() != 1 {
		t.Fatalf("%d answers cached, want 1", cache.Len())
	}
}

// TestPublicCacheNeverCarriesASession: a signed-in visitor's public page is fetched
// anonymously (the session token never reaches the public API, so the shared answer
// cannot be theirs), while admin calls keep the session and are never cached.
func TestPublicCacheNeverCarriesASession(t *testing.T) {
	api, srv := newScheduleAPI(t)
	c := allocation.New(srv.URL, srv.Client(), allocation.WithPublicCache(apicall.NewETagCache(8, 1<<20)))
	for range 2 {
		if _, err := c.RoomWeek(signedIn(), 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range api.authorization {
		if a != "" {
			t.Fatalf("the public API received the session: %q", a)
		}
	}
	if full, notMod := api.counts(); full != 1 || notMod != 1 {
		t.Fatalf("signed-in views: %d full, %d not modified; want 1 and 1", full, notMod)
	}
	for range 2 {
		rooms, err := c.Rooms(signedIn())
		if err != nil {
			t.Fatal(err)
		}
		if len(rooms) != 1 || rooms[0].Name != "2025-2 v1" {
			t.Fatalf("admin rooms %+v", rooms)
		}
	}
	if strings.Join(api.adminINM, "") != "" {
		t.Fatalf("an admin call was revalidated from the cache: %q", api.adminINM)
	}
}

// TestNoCacheWithoutOption: without a cache the client never sends a condition.
func TestNoCacheWithoutOption(t *testing.T) {
	api, srv := newScheduleAPI(t)
	c := allocation.New(srv.URL, srv.Client())
	for range 2 {
		if _, err := c.RoomWeek(context.Background(), 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	if full, notMod := api.counts(); full != 2 || notMod != 0 {
		t.Fatalf("%d full, %d not modified; want 2 and 0", full, notMod)
	}
}
