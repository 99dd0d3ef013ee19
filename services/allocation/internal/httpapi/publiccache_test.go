package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/allocation/internal/httpapi"
	"github.com/planta-dev/planta/services/allocation/internal/store"
)

// publicReplica serves the public API of another API instance (a replica) on st.
func publicReplica(t *testing.T, st *store.Store, cache httpapi.PublicCacheConfig) *httptest.Server {
	t.Helper()
	api := httpapi.New(httpapi.Config{Store: st, Now: func() time.Time { return now }, PublicRate: 10000, PublicBurst: 100000, PublicCache: cache})
	m := mux.NewRouter()
	api.Register(authn.NewRouter(m, authn.NewSessionClient("http://127.0.0.1:1", http.DefaultClient), slog.New(slog.NewTextHandler(io.Discard, nil))))
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, hdr ...string) resp {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+httpapi.PublicBase+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, b, res.Header}
}

// publicData gives the fixture a class, a hold and a reservation; it returns the class's
// allocation.
func (e *env) publicData() int64 {
	e.fixture()
	d := e.demand("FUP0100", "T1", "2M1234", 40, "Professor 030")
	alloc := e.must(201, e.admin("POST", base+"/allocations", map[string]any{"semester_id": e.sem, "demand_id": d, "day": 2, "room_id": e.ground})).id(e.t)
	e.must(201, e.admin("POST", base+"/room-holds", map[string]any{"semester_id": e.sem, "room_id": e.upper, "label": "Ledoc", "schedule": "3M34"}))
	e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Defesa", "requester": "Ana Lima", "blocks": []string{"N1", "N2"},
		"recurrence": map[string]any{"kind": "weekly", "start": "2025-09-03", "count": 3}}))
	return alloc
}

func (e *env) publicPaths() []string {
	return []string{
		"/rooms", "/rooms?building_id=" + itoa(e.building), "/buildings", "/semesters",
		fmt.Sprintf("/rooms/%d/week", e.ground), fmt.Sprintf("/rooms/%d/week?date=2025-09-03", e.ground),
		fmt.Sprintf("/rooms/%d/week?date=2026-03-04", e.ground), fmt.Sprintf("/buildings/%d/week", e.building),
		"/rooms/search?day=2&blocks=M1,M2&capacity=30", "/rooms/search?date=2025-09-10&blocks=N1", "/rooms/search?day=3&characteristic=Projetor",
		"/rooms/search", "/calendar", "/calendar?date=2025-09-01&view=week", "/free-rooms", fmt.Sprintf("/rooms/%d/calendar.ics", e.ground),
		// errors are never cached but must stay the same
		"/rooms/999999/week", "/rooms/search?day=9", "/calendar?view=month", "/rooms/search?capacity=x",
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }

func sameAnswer(t *testing.T, what string, got, want resp) {
	t.Helper()
	if got.status != want.status || string(got.body) != string(want.body) {
		t.Errorf("%s: cached %d %q\nuncached %d %q", what, got.status, got.body, want.status, want.body)
	}
	for _, h := range []string{"ETag", "Content-Type", "Content-Disposition", "Cache-Control"} {
		if got.header.Get(h) != want.header.Get(h) {
			t.Errorf("%s: %s cached %q, uncached %q", what, h, got.header.Get(h), want.header.Get(h))
		}
	}
}

func TestPublicCacheAnswersEqualUncached(t *testing.T) {
	e := newEnv(t)
	e.publicData()
	cached := publicReplica(t, e.st, httpapi.PublicCacheConfig{TTL: time.Hour})
	uncached := publicReplica(t, e.st, httpapi.PublicCacheConfig{MaxBytes: -1})
	for _, p := range e.publicPaths() {
		want := get(t, uncached, p)
		miss := get(t, cached, p)
		hit := get(t, cached, p)
		sameAnswer(t, p+" (miss)", miss, want)
		sameAnswer(t, p+" (hit)", hit, want)
		if want.status == http.StatusOK {
			if c := get(t, cached, p, "If-None-Match", want.header.Get("ETag")); c.status != http.StatusNotModified || len(c.body) != 0 {
				t.Errorf("%s: If-None-Match on a cached answer gave %d", p, c.status)
			}
		}
	}
}

func TestPublicCacheWriteVisibleOnNextRead(t *testing.T) {
	e := newEnv(t)
	alloc := e.publicData()
	// A TTL far longer than the test: correctness must not depend on it for writes made
	// through this process (e.srv is another API on the same Store).
	cached := publicReplica(t, e.st, httpapi.PublicCacheConfig{TTL: time.Hour})
	// Another replica (its own Store) that checks the version on every request, and one
	// that trusts it for 100 ms.
	other := publicReplica(t, store.New(e.st.Pool()), httpapi.PublicCacheConfig{})
	lazy := publicReplica(t, store.New(e.st.Pool()), httpapi.PublicCacheConfig{TTL: 100 * time.Millisecond})
	week := func(srv *httptest.Server, room int64) string {
		return string(e.must(200, get(t, srv, fmt.Sprintf("/rooms/%d/week", room))).body)
	}
	for _, srv := range []*httptest.Server{cached, other, lazy} {
		if !strings.Contains(week(srv, e.ground), "FUP0100") || strings.Contains(week(srv, e.labRoom), "FUP0100") {
			t.Fatal("fixture grid")
		}
	}
	etag := get(t, cached, fmt.Sprintf("/rooms/%d/week", e.ground)).header.Get("ETag")
	e.must(200, e.admin("POST", fmt.Sprintf("%s/allocations/%d/move", base, alloc), map[string]any{"room_id": e.labRoom}))
	for name, srv := range map[string]*httptest.Server{"same process": cached, "other replica, TTL 0": other} {
		if strings.Contains(week(srv, e.ground), "FUP0100") || !strings.Contains(week(srv, e.labRoom), "FUP0100") {
			t.Errorf("%s: the move is not visible on the next read", name)
		}
	}
	if c := get(t, cached, fmt.Sprintf("/rooms/%d/week", e.ground), "If-None-Match", etag); c.status != http.StatusOK {
		t.Errorf("old ETag after the move: %d, want 200", c.status)
	}
	time.Sleep(150 * time.Millisecond)
	if strings.Contains(week(lazy, e.ground), "FUP0100") {
		t.Error("other replica with a 100 ms TTL: the move is not visible after the TTL")
	}
	// A room renamed: search, lists and building grids change too.
	e.must(200, e.admin("PUT", fmt.Sprintf("%s/rooms/%d", base, e.small), map[string]any{"building_id": e.building, "name": "AT-02-RENAMED", "floor": 0, "capacity": 10, "room_type_id": e.classroom}))
	if !strings.Contains(string(get(t, cached, "/rooms/search").body), "AT-02-RENAMED") {
		t.Error("rename not visible in search")
	}
}

func TestPublicVersionBumpedByAnyWrite(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	ctx := context.Background()
	v0, err := e.st.PublicVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Plain SQL (not through the store) in one transaction of several statements: one bump.
	tx, err := e.st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE allocation.rooms SET capacity = capacity + 1`, `UPDATE allocation.buildings SET description = 'x'`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	v1, _ := e.st.PublicVersion(ctx)
	if v1 != v0+1 {
		t.Errorf("version %d after one transaction from %d", v1, v0)
	}
	// Rolled back: no bump. Non-public tables (change log): no bump.
	tx, _ = e.st.Pool().Begin(ctx)
	_, _ = tx.Exec(ctx, `UPDATE allocation.rooms SET capacity = capacity + 1`)
	_ = tx.Rollback(ctx)
	if _, err := e.st.Pool().Exec(ctx, `INSERT INTO allocation.change_log (username, action, entity) VALUES ('t', 'note', 'x')`); err != nil {
		t.Fatal(err)
	}
	if v2, _ := e.st.PublicVersion(ctx); v2 != v1 {
		t.Errorf("version moved to %d without a public change", v2)
	}
}

func TestPublicCacheConcurrentReadersAndWriter(t *testing.T) {
	e := newEnv(t)
	alloc := e.publicData()
	cached := publicReplica(t, e.st, httpapi.PublicCacheConfig{TTL: time.Hour, MaxEntries: 5})
	uncached := publicReplica(t, e.st, httpapi.PublicCacheConfig{MaxBytes: -1})
	paths := e.publicPaths()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := paths[(g+i)%len(paths)]
				res, err := http.Get(cached.URL + httpapi.PublicBase + p)
				if err != nil {
					errs <- err.Error()
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
					errs <- fmt.Sprintf("%s: %d", p, res.StatusCode)
				}
			}
		}()
	}
	rooms := []int64{e.labRoom, e.ground}
	for i := range 6 {
		alloc = e.must(200, e.admin("POST", fmt.Sprintf("%s/allocations/%d/move", base, alloc), map[string]any{"room_id": rooms[i%2]})).id(t)
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, p := range paths {
		sameAnswer(t, p+" after the writes", get(t, cached, p), get(t, uncached, p))
	}
}
