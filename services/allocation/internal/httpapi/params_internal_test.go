package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/planta-dev/planta/libs/problem"
)

// TestUndeclaredReadIsAnError: a handler asking for a parameter its route does not declare
// gets no value but a logged 500 (and the observer hears of it), so that such a read cannot
// go unnoticed by the route tests; declared reads see the validated values.
func TestUndeclaredReadIsAnError(t *testing.T) {
	a := New(Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var seen []string
	f := func(route, name string, declared bool) {
		if !declared {
			seen = append(seen, route+" "+name)
		}
	}
	a.observeQuery.Store(&f)
	var got []any
	rt := Route{Method: "GET", Path: "/x", Query: with(paged, pID("room_id", ""), Param{Name: "c", kind: kindText(5), Repeated: true}),
		h: func(w http.ResponseWriter, r *http.Request) error {
			q := params(r)
			got = []any{q.id("room_id"), q.page().Limit, q.all("c")}
			if r.URL.Query().Has("undeclared") {
				_ = q.get("semester_id")
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}}
	serve := func(query string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		a.wrap(rt).ServeHTTP(rec, httptest.NewRequest("GET", "/x?"+query, nil))
		return rec
	}
	if rec := serve("room_id=7&c=a&c=&c=b"); rec.Code != http.StatusNoContent {
		t.Fatalf("declared reads: %d %s", rec.Code, rec.Body)
	}
	if want := []any{int64(7), defaultLimit, []string{"a", "b"}}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || !slices.Equal(got[2].([]string), want[2].([]string)) {
		t.Errorf("values %v, want %v", got, want)
	}
	if len(seen) != 0 {
		t.Errorf("observer: %v", seen)
	}
	// The test route itself reads ?undeclared raw to branch; declare it so only the
	// semester_id read is undeclared.
	rt.Query = append(rt.Query, Param{Name: "undeclared", kind: kindText(5)})
	rec := serve("undeclared=1")
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != problem.ContentType {
		t.Errorf("undeclared read: %d %s", rec.Code, rec.Body)
	}
	if !slices.Equal(seen, []string{"GET /x semester_id"}) {
		t.Errorf("observer: %v", seen)
	}
	// Unknown parameters never reach the handler.
	got = nil
	rec = serve("room_id=1&rooom_id=2")
	var p problem.Problem
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusBadRequest || got != nil || len(p.Errors) != 1 || p.Errors[0].Field != "rooom_id" {
		t.Errorf("unknown: %d %s (handler ran: %v)", rec.Code, rec.Body, got != nil)
	}
}
