package pages_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"

	"github.com/planta-dev/planta/services/web/internal/api/admin"
	"github.com/planta-dev/planta/services/web/internal/api/allocation"
	"github.com/planta-dev/planta/services/web/internal/api/identity"
	"github.com/planta-dev/planta/services/web/internal/api/inventory"
	"github.com/planta-dev/planta/services/web/internal/api/sessions"
	"github.com/planta-dev/planta/services/web/internal/i18n"
	"github.com/planta-dev/planta/services/web/internal/pages"
	"github.com/planta-dev/planta/services/web/internal/security"
	"github.com/planta-dev/planta/services/web/internal/static"
)

// xss is stored in every free-text field the stub APIs answer.
const xss = `<script>alert("x")</script><img src=x onerror=alert(1)>`

// stubAPI answers every API the web calls with canned objects whose free-text fields
// hold the XSS payload. It records the last request per path.
func stubAPI(t testing.TB) *httptest.Server {
	t.Helper()
	now := time.Date(2025, 3, 1, 15, 0, 0, 0, time.UTC)
	user := map[string]any{"id": "u1", "username": "ana" + xss, "email": "a@x.pe", "full_name": xss, "role": "cliente",
		"active": true, "created_at": now, "updated_at": now, "password_changed_at": now}
	list := func(items ...any) map[string]any { return map[string]any{"items": items} }
	routes := map[string]any{
		"GET /api/v1/me":                      user,
		"GET /api/v1/sessions":                list(map[string]any{"id": "s1", "created_at": now, "last_seen_at": now, "expires_at": now, "ip": "1.2.3.4", "user_agent": xss, "current": true}),
		"GET /api/v1/admin/users":             list(user),
		"GET /api/v1/admin/users/u1":          user,
		"GET /api/v1/admin/users/u1/sessions": list(map[string]any{"id": "s2", "user_id": "u1", "created_at": now, "last_seen_at": now, "user_agent": xss}),
		"GET /api/v1/admin/lockouts":          list(map[string]any{"user": user, "locked_until": now, "remaining_seconds": 600}),
		"GET /api/v1/admin/access-logs":       list(map[string]any{"id": 1, "at": now, "username": xss, "outcome": "bad_credentials", "user_agent": xss}),
		"GET /api/v1/admin/access-logs/kpis":  map[string]any{"attempts": 3, "failures": 2, "per_day": []any{map[string]any{"day": "2025-03-01", "attempts": 3, "failures": 2, "successes": 1}}},
		"GET /api/v1/admin/audit-events":      list(map[string]any{"id": "1", "time": now, "service": "admin", "action": "user.create", "actor_username": xss, "subject_username": xss, "reason": xss, "status": 201}),
		"GET /api/v1/inventory/dashboard": map[string]any{"stock_units": "10", "stock_value_pen": "1234.5", "stock_value_usd": "300", "pending_requirements": 2,
			"dispatches_per_day": []any{map[string]any{"day": "2025-03-01", "count": 1}}, "stock_per_warehouse": []any{map[string]any{"name": xss, "units": "10"}},
			"consumption_per_budget": []any{map[string]any{"name": xss, "amount_pen": "100", "dispatched_pen": "20"}},
			"low_stock":              []any{map[string]any{"material_name": xss, "on_hand": "1", "available": "1"}}},
		"GET /api/v1/inventory/warehouses":      list(map[string]any{"id": "w1", "name": xss, "type": "obra", "location": xss, "address": xss}),
		"GET /api/v1/inventory/materials":       list(map[string]any{"id": "m1", "code": "MAT-1", "name": xss, "unit": "kg", "description": xss, "price_pen": "12.5", "price_usd": 3}),
		"GET /api/v1/inventory/budgets":         list(map[string]any{"id": "b1", "name": xss, "status": "active"}),
		"GET /api/v1/inventory/stock-lines":     list(map[string]any{"id": "l1", "warehouse_name": xss, "material_name": xss, "unit": "kg", "budget_name": xss, "on_hand": "5", "reserved": "1", "available": "4", "value_pen": "60", "note": xss}),
		"GET /api/v1/inventory/stock-deletions": list(map[string]any{"id": "d1", "warehouse_name": xss, "material_name": xss, "qty": "2", "status": "pending", "deleted_at": now}),
		"GET /api/v1/inventory/requirements": list(map[string]any{"id": "r1", "warehouse_name": xss, "budget_name": xss, "status": "pending", "notes": xss, "created_at": now,
			"items": []any{map[string]any{"material_id": "m1", "material_name": xss, "unit": "kg", "requested_qty": "3", "reserved_qty": "3", "dispatched_qty": "0", "status": "reserved"}}}),
		"GET /api/v1/inventory/dispatches": list(map[string]any{"id": "d1", "number": "GR-20250301-00001", "to_warehouse_name": xss, "budget_name": xss, "status": "active", "notes": xss, "dispatched_at": now, "total_pen": "10",
			"items": []any{map[string]any{"material_id": "m1", "material_name": xss, "unit": "kg", "qty": "3"}}}),
		"GET /api/v1/inventory/receipts":      list(map[string]any{"id": "rc1", "dispatch_number": "GR-1", "warehouse_name": xss, "budget_name": xss, "status": "partial", "notes": xss, "received_at": now}),
		"GET /api/v1/inventory/movements":     list(map[string]any{"id": "mv1", "warehouse_name": xss, "material_name": xss, "kind": "IN", "qty": "3", "reference_type": "manual", "note": xss, "created_at": now}),
		"GET /api/v1/allocation/rooms":        list(map[string]any{"id": 1, "name": xss, "building": xss, "capacity": 40, "room_type": xss, "active": true, "characteristics": []string{xss}}),
		"GET /api/v1/allocation/semesters":    list(map[string]any{"id": 1, "name": "2025-2", "start_date": "2025-08-01", "end_date": "2025-12-15", "active": true}),
		"GET /api/v1/allocation/reservations": list(map[string]any{"id": 1, "room_id": 1, "title": xss, "requester": xss, "blocks": []string{"M1"}}),
		"GET /api/v1/allocation/solve-jobs/j1": map[string]any{"id": "j1", "semester_id": 1, "status": "succeeded", "result": map[string]any{"placed": 3, "section_days": 4,
			"unplaced": []any{map[string]any{"discipline_code": "FUP1", "section": "T1", "day": 2, "message": xss}}}},
		"GET /api/v1/public/buildings": list(map[string]any{"id": 1, "name": xss}),
		"GET /api/v1/public/rooms":     list(map[string]any{"id": 1, "name": xss, "building": xss, "capacity": 40}),
		"GET /api/v1/public/rooms/1/week": map[string]any{"semester": map[string]any{"name": xss}, "days": []int{2, 3}, "blocks": []any{map[string]any{"code": "M1", "start": "08:00", "end": "08:50"}},
			"rooms":   []any{map[string]any{"id": 1, "name": xss, "building": xss, "capacity": 40}},
			"entries": []any{map[string]any{"room_id": 1, "day": 2, "first_block": "M1", "last_block": "M1", "kind": "class", "title": xss, "discipline_code": "FUP1", "section": xss, "professors": []string{xss}}}},
		"GET /api/v1/public/rooms/search": list(map[string]any{"id": 1, "name": xss, "building": xss, "capacity": 40}),
	}
	routes["GET /api/v1/public/buildings/1/week"] = routes["GET /api/v1/public/rooms/1/week"]
	// MRP: every free-text field (material names, notes, references) carries the payload.
	mrpItem := map[string]any{"material_id": "m1", "material_code": "MAT-1", "material_name": xss, "source": "buy", "lead_time": 2, "safety_stock": "5",
		"policy": "lot_for_lot", "fixed_quantity": "0", "periods": 0, "annual_demand": "0", "ordering_cost": "0", "annual_holding_cost": "0", "holding_cost": "0",
		"minimum": "0", "multiple": "0", "maximum": "0", "scrap_pct": "0", "planning_time_fence": 0}
	run := map[string]any{"id": "run1", "kind": "regenerative", "status": "done", "bucket": "week", "horizon": 3, "start_date": "2025-03-03", "items": 2,
		"items_planned": 2, "planned_orders": 1, "exceptions": 1, "duration_ms": 12.5, "started_at": now, "error": xss}
	order := map[string]any{"id": "po1", "run_id": "run1", "material_id": "m1", "material_code": "MAT-1", "source": "buy", "firm": true,
		"release_date": "2025-03-03", "due_date": "2025-03-17", "quantity": "10", "requirement_id": nil}
	node := map[string]any{"material_id": "m1", "material_code": "MAT-1", "material_name": xss, "qty_per": "1", "scrap_pct": "0", "level": 0,
		"children": []any{map[string]any{"material_id": "m1", "material_code": "MAT-2", "material_name": xss, "qty_per": "2", "scrap_pct": "5", "level": 1}}}
	for k, v := range map[string]any{
		"GET /api/v1/mrp/settings":                   map[string]any{"bucket": "week", "horizon": 52},
		"GET /api/v1/mrp/runs":                       list(run),
		"GET /api/v1/mrp/runs/run1":                  run,
		"GET /api/v1/mrp/items":                      list(mrpItem),
		"GET /api/v1/mrp/items/m1":                   mrpItem,
		"GET /api/v1/mrp/items/m1/bom-tree":          map[string]any{"root": node},
		"GET /api/v1/mrp/items/m1/where-used":        map[string]any{"root": node},
		"GET /api/v1/mrp/bom-lines":                  list(map[string]any{"id": "bl1", "parent_id": "m1", "component_id": "m1", "qty_per": "2", "scrap_pct": "0"}),
		"GET /api/v1/mrp/demands":                    list(map[string]any{"id": "dm1", "material_id": "m1", "bucket_date": "2025-03-10", "quantity": "4", "source": "forecast", "note": xss}),
		"GET /api/v1/mrp/scheduled-receipts":         list(map[string]any{"id": "sr1", "material_id": "m1", "due_date": "2025-03-10", "quantity": "4", "reference": xss}),
		"GET /api/v1/mrp/runs/run1/planned-orders":   list(order),
		"GET /api/v1/mrp/runs/run1/exceptions":       list(map[string]any{"id": "ex1", "material_id": "m1", "material_code": xss, "kind": "expedite", "date": "2025-03-10", "to_date": "2025-03-03", "quantity": "1"}),
		"GET /api/v1/mrp/runs/run1/records/m1":       map[string]any{"run_id": "run1", "material_id": "m1", "on_hand": 3, "safety_stock": 5, "buckets": []any{map[string]any{"bucket": 0, "date": "2025-03-03", "gross": 4, "scheduled_receipts": 0, "projected_on_hand": 5, "net": 6, "planned_receipts": 6, "planned_releases": 10}}},
		"GET /api/v1/mrp/planned-orders/po1/pegging": map[string]any{"planned_order": order, "pegs": []any{map[string]any{"kind": "demand", "demand_type": "demand", "demand_id": "dm1", "material_id": "m1", "date": "2025-03-10", "quantity": 4}}},
		"POST /api/v1/mrp/simulations":               map[string]any{"items": 2, "items_replanned": 1, "planned_orders": 1, "affected_planned_orders": []any{map[string]any{"material_id": "m1", "source": "buy", "release_date": "2025-03-03", "due_date": "2025-03-10", "quantity": 14}}},
	} {
		routes[k] = v
	}
	// Allocation administration.
	alloc := map[string]any{"id": 7, "semester_id": 1, "demand_id": 3, "day": 2, "room_id": 1, "source": "solver", "discipline_code": "FUP1",
		"discipline_name": xss, "section": xss, "room": xss, "building": xss, "blocks": []string{"M1", "M2"}}
	other := map[string]any{"id": 8, "semester_id": 1, "demand_id": 4, "day": 2, "room_id": 2, "source": "solver", "discipline_code": "FUP2",
		"discipline_name": xss, "section": xss, "room": xss, "building": xss, "blocks": []string{"M1"}}
	use := map[string]any{"room_id": 1, "room": xss, "building_id": 1, "building": xss, "rooms": 2, "capacity": 80, "busy_blocks": 10, "available_blocks": 90, "percent": 11.1}
	for k, v := range map[string]any{
		"GET /api/v1/allocation/campuses":        list(map[string]any{"id": 1, "name": xss, "description": xss}),
		"GET /api/v1/allocation/buildings":       list(map[string]any{"id": 1, "campus_id": 1, "name": xss, "description": xss}),
		"GET /api/v1/allocation/room-types":      list(map[string]any{"id": 1, "name": xss}),
		"GET /api/v1/allocation/characteristics": list(map[string]any{"id": 1, "name": xss}),
		"GET /api/v1/allocation/rooms/1": map[string]any{"id": 1, "name": xss, "building": xss, "building_id": 1, "description": xss, "capacity": 40,
			"room_type_id": 1, "active": true, "characteristic_ids": []int{1}},
		"GET /api/v1/allocation/professors":   list(map[string]any{"id": 1, "name": xss, "low_mobility": true, "preferred_room_ids": []int{1}, "preferred_characteristic_ids": []int{1}}),
		"GET /api/v1/allocation/professors/1": map[string]any{"id": 1, "name": xss, "low_mobility": true, "preferred_room_ids": []int{1}, "preferred_characteristic_ids": []int{1}},
		"GET /api/v1/allocation/rules":        list(map[string]any{"id": 1, "kind": "needs_room_type", "discipline_code": xss, "room_type_id": 1, "priority": 5, "description": xss}),
		"GET /api/v1/allocation/rules/1":      map[string]any{"id": 1, "kind": "needs_room", "discipline_code": xss, "room_id": 1, "priority": 5, "description": xss},
		"GET /api/v1/allocation/demands": list(map[string]any{"id": 3, "semester_id": 1, "external_id": "9", "program_code": xss, "discipline_code": xss,
			"discipline_name": xss, "section": xss, "seats": 40, "schedule": xss, "professor_names": []string{xss}, "withdrawn": true}),
		"GET /api/v1/allocation/allocations":   list(alloc, other),
		"GET /api/v1/allocation/allocations/7": alloc,
		"GET /api/v1/allocation/semesters/1/reports/heatmap": map[string]any{"days": []int{2, 3}, "blocks": []string{"M1", "M2"}, "rooms": 2,
			"busy": [][]int{{1, 2}, {0, 1}}, "percent": [][]float64{{50, 100}, {0, 50}}},
		"GET /api/v1/allocation/semesters/1/reports/buildings":   list(use),
		"GET /api/v1/allocation/semesters/1/reports/under-used":  list(use),
		"GET /api/v1/allocation/semesters/1/reports/unallocated": list(map[string]any{"demand_id": 3, "discipline_code": xss, "section": xss, "day": 2, "reason_code": "no_room", "message": xss}),
		"GET /api/v1/inventory/additionals": list(map[string]any{"id": "a1", "budget_id": "b1", "budget_name": xss, "concept": xss, "request_date": "2025-03-01",
			"notes": xss, "confirmed": true, "confirmation_code": "AD-20250301-00001", "documents": []any{map[string]any{"name": xss, "url": "https://x.pe/a.pdf"}}}),
		"GET /api/v1/public/calendar": map[string]any{"from": "2025-09-01", "to": "2025-09-07", "items": []any{map[string]any{"room_id": 1, "day": 2, "date": "2025-09-01",
			"first_block": "M1", "last_block": "M2", "start": "08:00", "end": "09:40", "kind": "event", "title": xss, "discipline_code": xss, "section": xss, "professors": []string{xss}}}},
		"GET /api/v1/public/free-rooms": map[string]any{"now": "2025-09-01T08:10:00-03:00", "date": "2025-09-01", "day": 2,
			"block": map[string]any{"code": "M1", "start": "08:00", "end": "08:50"}, "items": []any{map[string]any{"id": 1, "name": xss, "building": xss, "capacity": 40, "characteristics": []string{xss}}}},
		"POST /api/v1/allocation/reservations/preview": map[string]any{"count": 2, "conflicting": 1, "occurrences": []any{
			map[string]any{"date": "2025-09-01", "day": 2, "block": "M1", "conflicts": []string{"class " + xss}},
			map[string]any{"date": "2025-09-08", "day": 2, "block": "M1", "conflicts": []string{}}}},
	} {
		routes[k] = v
	}
	for k, v := range screenRoutes {
		routes[k] = v
	}
	for k, v := range moreRoutes {
		routes[k] = v
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		if r.Method != http.MethodGet {
			body, _ := io.ReadAll(r.Body)
			recordRequest(key, r.URL.RawQuery, body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		if moreStub(w, r, key) {
			return
		}
		if refused, ok := screenRefusals[key]; ok {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(refused.status)
			_, _ = io.WriteString(w, refused.body)
			return
		}
		if refused, ok := mrpRefusals[key]; ok {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, refused)
			return
		}
		if key == "POST /api/v1/allocation/allocations/7/move" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusConflict)
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "https://planta.dev/problems/hard-constraint", "status": 409,
				"detail": "1 hard constraint violated", "conflicts": []any{map[string]any{"kind": "double_booking", "demand_id": "3", "day": 2,
					"room_id": "2", "block": "M1", "other": "FUP2-" + xss, "message": "room already taken by " + xss}}})
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/auth/login" {
			var in map[string]string
			_ = json.NewDecoder(r.Body).Decode(&in)
			if in["password"] != "right" {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"type":"https://planta.dev/problems/invalid-credentials","status":401,"detail":"invalid username or password"}`)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: authn.CookieName, Value: "tok", Path: "/", Secure: true, HttpOnly: true})
			_ = json.NewEncoder(w).Encode(map[string]any{"token": "tok", "user": user})
			return
		}
		v, ok := routes[key]
		if !ok {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"type":"https://planta.dev/problems/not-found","status":404,"detail":"no stub for `+key+`"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}))
}

type harness struct {
	srv    http.Handler
	tokens map[string]string
}

// Callers of the role matrix.
const (
	anonymous     = "anonymous"
	cliente       = "cliente"
	spaceAdmin    = "admin"
	superadmin    = "superadmin"
	impersonating = "impersonating"
)

func newHarness(t testing.TB) *harness {
	t.Helper()
	api := stubAPI(t)
	t.Cleanup(api.Close)
	sess := authntest.NewServer(t, nil)
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	hc := api.Client()
	lima, _ := time.LoadLocation("America/Lima")
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	site, err := pages.New(pages.Clients{
		Identity: identity.New(api.URL, hc), Sessions: sessions.New(api.URL, hc), Admin: admin.New(api.URL, hc),
		Inventory: inventory.New(api.URL, hc), Allocation: allocation.New(api.URL, hc),
	}, pages.Config{MRPZone: lima, AllocationZone: sp, Registration: true}, catalog, assets, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m := mux.NewRouter()
	rt := authn.NewRouter(m, authn.NewSessionClient(sess.URL, sess.Client()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	site.Register(rt, m)
	if err := rt.CheckGuarded(m); err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: m, tokens: map[string]string{}}
	h.tokens[cliente] = sess.Issue(authn.Principal{UserID: "c1", Username: "cli", Role: authn.RoleCliente})
	h.tokens[spaceAdmin] = sess.Issue(authn.Principal{UserID: "a1", Username: "adm", Role: authn.RoleAdmin})
	h.tokens[superadmin] = sess.Issue(authn.Principal{UserID: "s1", Username: "superadmin", Role: authn.RoleSuperadmin})
	h.tokens[impersonating] = sess.Issue(authn.Principal{UserID: "c1", Username: "cli", Role: authn.RoleCliente,
		Act: &authn.Actor{UserID: "s1", Username: "superadmin"}})
	return h
}

func (h *harness) do(t testing.TB, caller, method, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	r.Header.Set("Accept-Language", "es")
	if tok := h.tokens[caller]; tok != "" {
		r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: tok})
	}
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	return rec
}

// pagesByGuard lists every GET page with who may see it.
var pagesByGuard = map[string][]string{
	"/admin/users": {superadmin}, "/admin/users/new": {superadmin}, "/admin/users/u1": {superadmin},
	"/admin/lockouts": {superadmin}, "/admin/access-logs": {superadmin}, "/admin/audit": {superadmin},
	"/app": {cliente, impersonating}, "/app/warehouses": {cliente, impersonating}, "/app/materials": {cliente, impersonating},
	"/app/stock": {cliente, impersonating}, "/app/requirements": {cliente, impersonating}, "/app/dispatches?requirement_id=r1": {cliente, impersonating},
	"/app/receipts?dispatch_id=d1": {cliente, impersonating}, "/app/movements": {cliente, impersonating},
	"/allocation": {spaceAdmin, superadmin}, "/allocation/semesters": {spaceAdmin, superadmin}, "/allocation/grid?room_id=1": {spaceAdmin, superadmin},
	"/allocation/reservations": {spaceAdmin, superadmin}, "/allocation/jobs/j1": {spaceAdmin, superadmin},
	"/account/profile": {cliente, spaceAdmin, superadmin, impersonating}, "/account/sessions": {cliente, spaceAdmin, superadmin, impersonating},
	"/account/password": {cliente, spaceAdmin, superadmin, impersonating},
	"/public":           {anonymous, cliente, spaceAdmin, superadmin, impersonating}, "/public/rooms/1": {anonymous, cliente, spaceAdmin, superadmin, impersonating},
	"/public/buildings/1": {anonymous, cliente, spaceAdmin, superadmin, impersonating}, "/public/search?day=2&blocks=M1": {anonymous, cliente, spaceAdmin, superadmin, impersonating},
	"/login": {anonymous}, "/register": {anonymous},
	"/allocation/space": {spaceAdmin, superadmin}, "/allocation/rooms/1": {spaceAdmin, superadmin},
	"/allocation/professors": {spaceAdmin, superadmin}, "/allocation/professors/1": {spaceAdmin, superadmin},
	"/allocation/rules": {spaceAdmin, superadmin}, "/allocation/rules/1": {spaceAdmin, superadmin},
	"/allocation/demands": {spaceAdmin, superadmin}, "/allocation/allocations": {spaceAdmin, superadmin},
	"/allocation/allocations/7": {spaceAdmin, superadmin}, "/allocation/reports?semester_id=1": {spaceAdmin, superadmin},
	"/allocation/grid?building_id=1": {spaceAdmin, superadmin},
	"/public/calendar?view=week":     {anonymous, cliente, spaceAdmin, superadmin, impersonating},
	"/public/free-now":               {anonymous, cliente, spaceAdmin, superadmin, impersonating},
	"/app/mrp":                       {cliente, impersonating}, "/app/mrp/items": {cliente, impersonating}, "/app/mrp/items/m1": {cliente, impersonating},
	"/app/mrp/demands": {cliente, impersonating}, "/app/mrp/receipts": {cliente, impersonating}, "/app/mrp/runs/run1": {cliente, impersonating},
	"/app/mrp/runs/run1/record?material_id=m1": {cliente, impersonating}, "/app/mrp/orders/po1/pegging": {cliente, impersonating},
	"/app/mrp/simulate": {cliente, impersonating},
}

func TestRoleMatrix(t *testing.T) {
	h := newHarness(t)
	for page, allowed := range pagesByGuard {
		for _, caller := range []string{anonymous, cliente, spaceAdmin, superadmin, impersonating} {
			rec := h.do(t, caller, http.MethodGet, page, nil)
			ok := false
			for _, a := range allowed {
				ok = ok || a == caller
			}
			switch {
			case ok && rec.Code != http.StatusOK:
				t.Errorf("%s %s: %d, want 200\n%s", caller, page, rec.Code, rec.Body.String())
			case !ok && caller == anonymous && (rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=")):
				t.Errorf("%s %s: %d %q, want a redirect to login", caller, page, rec.Code, rec.Header().Get("Location"))
			case !ok && caller != anonymous && page != "/login" && page != "/register" && rec.Code != http.StatusForbidden:
				t.Errorf("%s %s: %d, want 403", caller, page, rec.Code)
			}
		}
	}
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	h := newHarness(t)
	for _, page := range []string{"/login", "/app", "/admin/users", "/public", "/no-such-page"} {
		rec := h.do(t, superadmin, http.MethodGet, page, nil)
		if got := rec.Header().Get("Content-Security-Policy"); got != security.DefaultCSP().String() {
			t.Errorf("%s: CSP %q", page, got)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", page, rec.Header())
		}
		if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), " style=") {
			t.Errorf("%s: inline script or style in the page", page)
		}
	}
}

// TestStoredXSSEscaped renders every page whose API answers carry the payload in each
// free-text field and checks it is never markup.
func TestStoredXSSEscaped(t *testing.T) {
	h := newHarness(t)
	for page, allowed := range pagesByGuard {
		rec := h.do(t, allowed[0], http.MethodGet, page, nil)
		body := rec.Body.String()
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: payload rendered as markup", page)
		}
		if page != "/login" && page != "/register" && page != "/account/password" && page != "/admin/users/new" && page != "/allocation/semesters" &&
			!strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") && !strings.Contains(body, "\\u003cscript\\u003e") &&
			!strings.Contains(body, "&#34;\\u003cscript") {
			t.Errorf("%s: escaped payload not found (is the field rendered?)", page)
		}
	}
}

func TestCSRFTokenRequiredOnSignedInWrites(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, cliente, http.MethodPost, "/app/warehouses", url.Values{"name": {"x"}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("no token: %d", rec.Code)
	}
	form := url.Values{"name": {"x"}, "_csrf": {security.CSRFToken(h.tokens[superadmin])}}
	if rec := h.do(t, cliente, http.MethodPost, "/app/warehouses", form); rec.Code != http.StatusForbidden {
		t.Fatalf("another session's token: %d", rec.Code)
	}
	form.Set("_csrf", security.CSRFToken(h.tokens[cliente]))
	// The stub has no POST route: the handler ran and reports the API's 404.
	if rec := h.do(t, cliente, http.MethodPost, "/app/warehouses", form); rec.Code == http.StatusForbidden {
		t.Fatalf("good token refused: %d", rec.Code)
	}
	// A cross-site post is refused by the Fetch-Metadata check before anything else.
	r := httptest.NewRequest(http.MethodPost, "/app/warehouses", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: h.tokens[cliente]})
	rec = httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", rec.Code)
	}
}

func TestLogin(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, anonymous, http.MethodPost, "/login", url.Values{"username": {"ana"}, "password": {"wrong"}})
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "Usuario o contraseña incorrectos") ||
		!strings.Contains(rec.Body.String(), "15 minutos") {
		t.Fatalf("wrong password: %d\n%s", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Set-Cookie") != "" {
		t.Fatal("cookie set on failure")
	}
	rec = h.do(t, anonymous, http.MethodPost, "/login", url.Values{"username": {"ana"}, "password": {"right"}, "next": {"//evil.example/"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/app" {
		t.Fatalf("login: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if c := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(c, authn.CookieName+"=tok") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "Secure") {
		t.Fatalf("cookie not relayed: %q", c)
	}
}

func TestImpersonationBanner(t *testing.T) {
	h := newHarness(t)
	body := h.do(t, impersonating, http.MethodGet, "/app", nil).Body.String()
	if !strings.Contains(body, `id="impersonation-banner"`) || !strings.Contains(body, "Viendo como cli (eres superadmin)") ||
		!strings.Contains(body, `action="/impersonation/stop"`) {
		t.Fatalf("banner missing:\n%s", body)
	}
	if strings.Contains(h.do(t, cliente, http.MethodGet, "/app", nil).Body.String(), "impersonation-banner") {
		t.Fatal("banner shown to a plain cliente")
	}
}

func TestLanguageAndTimeZone(t *testing.T) {
	h := newHarness(t)
	r := httptest.NewRequest(http.MethodGet, "/app/movements", nil)
	r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: h.tokens[cliente]})
	r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: "pt"})
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	body := rec.Body.String()
	// 15:00 UTC is 10:00 in Lima, the inventory product's zone.
	if !strings.Contains(body, `lang="pt"`) || !strings.Contains(body, "Movimentações") || !strings.Contains(body, "01/03/2025 10:00") {
		t.Fatalf("pt/Lima page:\n%s", body)
	}
	rec = h.do(t, cliente, http.MethodPost, "/lang", url.Values{"lang": {"en"}, "next": {"https://evil.example"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" || !strings.Contains(rec.Header().Get("Set-Cookie"), "planta_lang=en") {
		t.Fatalf("lang: %d %v", rec.Code, rec.Header())
	}
}

func TestStaticAssetsImmutable(t *testing.T) {
	h := newHarness(t)
	body := h.do(t, anonymous, http.MethodGet, "/login", nil).Body.String()
	i := strings.Index(body, `href="/static/app.`)
	if i < 0 {
		t.Fatal("no hashed stylesheet link")
	}
	href := body[i+6 : i+6+strings.Index(body[i+6:], `"`)]
	rec := h.do(t, cliente, http.MethodGet, href, nil)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("%s: %d %v", href, rec.Code, rec.Header())
	}
}

// TestAdjustConflictNamed shows a refused move's 409 with every conflict named, escaped.
func TestAdjustConflictNamed(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"room_id": {"2"}, "_csrf": {security.CSRFToken(h.tokens[spaceAdmin])}}
	rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/allocations/7/move", form)
	body := rec.Body.String()
	if rec.Code != http.StatusConflict || !strings.Contains(body, `id="conflicts"`) || !strings.Contains(body, "double_booking") ||
		!strings.Contains(body, "room already taken by &lt;script&gt;") {
		t.Fatalf("move refused: %d\n%s", rec.Code, body)
	}
	if strings.Contains(body, "<script>alert") {
		t.Fatal("conflict rendered as markup")
	}
}

// TestReservationPreview shows the occurrences and their conflicts without creating anything.
func TestReservationPreview(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"room_id": {"1"}, "title": {"x"}, "kind": {"weekly"}, "start": {"2025-09-01"}, "count": {"2"}, "weekdays": {"2"},
		"blocks": {"M1"}, "preview": {"1"}, "_csrf": {security.CSRFToken(h.tokens[spaceAdmin])}}
	rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/reservations", form)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `id="reservation-preview"`) || !strings.Contains(body, "class &lt;script&gt;") ||
		!strings.Contains(body, `value="M1" checked`) || strings.Contains(body, "<script>alert") {
		t.Fatalf("preview: %d\n%s", rec.Code, body)
	}
}
