package inventory_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
	"github.com/planta-dev/planta/services/web/internal/api/inventory"
)

// All follows next_cursor to the end: the select boxes and the tables without a "next"
// link (materials, warehouses, projects, pending deletions, open requirements, dispatches
// in transit, MRP items and exceptions) show every row, not the first page of 50–500.
func TestAllFollowsEveryPage(t *testing.T) {
	const total = 1203
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		q := r.URL.Query()
		if r.URL.Path != "/api/v1/inventory/materials" || q.Get("active") != "true" {
			http.Error(w, "unexpected request "+r.URL.String(), http.StatusBadRequest)
			return
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit < 1 || limit > 500 {
			http.Error(w, "limit out of range", http.StatusUnprocessableEntity)
			return
		}
		from, _ := strconv.Atoi(q.Get("cursor"))
		to := min(from+limit, total)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, `{"items":[`)
		for id := from + 1; id <= to; id++ {
			if id > from+1 {
				_, _ = fmt.Fprint(w, ",")
			}
			_, _ = fmt.Fprintf(w, `{"id":"%d","code":"M%d"}`, id, id)
		}
		next := ""
		if to < total {
			next = strconv.Itoa(to)
		}
		_, _ = fmt.Fprintf(w, `],"next_cursor":%q}`, next)
	}))
	defer srv.Close()
	c := inventory.New(srv.URL, srv.Client())
	ctx := apicall.WithCaller(context.Background(), apicall.Caller{Token: "session-secret", ClientIP: "203.0.113.9", UserAgent: "test"})

	// The first page alone is what the pages used to show.
	first, err := c.Materials(ctx, url.Values{"active": {"true"}, "limit": {"500"}})
	if err != nil || len(first.Items) != 500 || first.NextCursor == "" {
		t.Fatalf("first page: %d items, next %q, %v", len(first.Items), first.NextCursor, err)
	}
	requests = 0
	all, err := inventory.All(ctx, c.Materials, url.Values{"active": {"true"}, "cursor": {"stale"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != total || requests != 3 {
		t.Fatalf("got %d materials in %d requests, want %d in 3", len(all), requests, total)
	}
	for i, m := range all {
		if m.ID != strconv.Itoa(i+1) {
			t.Fatalf("material %d has id %s: pages out of order or repeated", i, m.ID)
		}
	}
}
