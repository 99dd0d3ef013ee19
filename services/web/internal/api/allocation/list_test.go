package allocation_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
)

// The admin lists the pages choose from (rooms, semesters, demands, …) follow
// next_cursor to the end: a campus with more rooms than one page shows all of them.
func TestListsFollowEveryPage(t *testing.T) {
	const total = 1234
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		if r.URL.Path != "/api/v1/allocation/rooms" {
			http.NotFound(w, r)
			return
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, `{"items":[`)
		to := min(from+limit, total)
		for id := from + 1; id <= to; id++ {
			if id > from+1 {
				_, _ = fmt.Fprint(w, ",")
			}
			_, _ = fmt.Fprintf(w, `{"id":%d,"name":"R%d"}`, id, id)
		}
		next := ""
		if to < total {
			next = strconv.Itoa(to)
		}
		_, _ = fmt.Fprintf(w, `],"next_cursor":%q}`, next)
	}))
	defer srv.Close()
	rooms, err := allocation.New(srv.URL, srv.Client()).Rooms(signedIn())
	if err != nil {
		t.Fatal(err)
	}
	if len(rooms) != total || requests != 3 {
		t.Fatalf("got %d rooms in %d requests, want %d in 3", len(rooms), requests, total)
	}
	for i, r := range rooms {
		if r.ID != int64(i+1) {
			t.Fatalf("room %d has id %d: pages out of order or repeated", i, r.ID)
		}
	}
}
