package pages_test

import (
	"net/http"
	"testing"
)

// BenchmarkPages renders each main page through the router (guard, session check against a
// stand-in session service, API calls to the stand-in API over loopback, template render).
func BenchmarkPages(b *testing.B) {
	h := newHarness(b)
	for _, pg := range []struct{ name, caller, path string }{
		{"login", anonymous, "/login"},
		{"public-room-week", anonymous, "/public/rooms/1"},
		{"public-search", anonymous, "/public/search?day=2&blocks=M1"},
		{"cliente-dashboard", cliente, "/app"},
		{"cliente-stock", cliente, "/app/stock"},
		{"cliente-dispatches", cliente, "/app/dispatches?requirement_id=r1"},
		{"admin-users", superadmin, "/admin/users"},
		{"allocation-allocations", spaceAdmin, "/allocation/allocations"},
		{"allocation-reports", spaceAdmin, "/allocation/reports?semester_id=1"},
	} {
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				if rec := h.do(b, pg.caller, http.MethodGet, pg.path, nil); rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", pg.path, rec.Code)
				}
			}
		})
	}
}
