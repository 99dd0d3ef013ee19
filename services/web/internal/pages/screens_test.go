package pages_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/planta-dev/planta/services/web/internal/security"
)

// The last screens: stock line actions and withdrawals, warehouse and material edits,
// project consumption and history; room holds, publish / re-solve / cancel, the change
// log, and one reservation's edit page. Every free-text field carries the payload.
var screenRoutes = func() map[string]any {
	list := func(items ...any) map[string]any { return map[string]any{"items": items} }
	frozen := map[string]any{"id": "l1", "warehouse_id": "w1", "warehouse_name": xss, "material_id": "m1", "material_code": "MAT-1", "material_name": xss,
		"unit": xss, "budget_name": xss, "on_hand": "5", "reserved": "1", "available": "4", "value_pen": "60", "note": xss, "frozen": true}
	line := map[string]any{}
	for k, v := range frozen {
		line[k] = v
	}
	line["id"], line["frozen"] = "l2", false
	hold := map[string]any{"id": 1, "semester_id": 1, "room_id": 1, "label": xss, "internal_note": xss, "schedule": "24M12"}
	res := map[string]any{"id": 1, "room_id": 1, "title": xss, "requester": xss, "responsible": xss, "blocks": []string{"M1", "M2"},
		"recurrence": map[string]any{"kind": "weekly", "start": "2025-09-01", "weekdays": []int{2, 4}, "count": 4},
		"occurrences": []any{map[string]any{"id": 11, "date": "2025-09-01", "block": "M1", "cancelled": false},
			map[string]any{"id": 12, "date": "2025-09-03", "block": "M1", "cancelled": true}}}
	running := map[string]any{"id": "j2", "semester_id": 1, "status": "running", "mode": "minimal_perturbation", "progress": map[string]any{"phase": "solve", "done": 1, "total": 3}}
	return map[string]any{
		"GET /api/v1/inventory/warehouses/w1":               map[string]any{"id": "w1", "name": xss, "type": "obra", "location": xss, "address": xss},
		"PUT /api/v1/inventory/warehouses/w1":               map[string]any{"id": "w1"},
		"GET /api/v1/inventory/materials/m1":                map[string]any{"id": "m1", "code": "MAT-1", "name": xss, "unit": xss, "description": xss, "price_pen": "12.5", "price_usd": "0", "active": false},
		"PUT /api/v1/inventory/materials/m1":                map[string]any{"id": "m1"},
		"GET /api/v1/inventory/stock-lines/l1":              frozen,
		"GET /api/v1/inventory/stock-lines/l2":              line,
		"POST /api/v1/inventory/stock-lines/l1/unfreeze":    line,
		"POST /api/v1/inventory/stock-lines/l2/adjustments": line,
		"POST /api/v1/inventory/stock-lines/l2/reassign":    line,
		"PATCH /api/v1/inventory/stock-lines/l2":            line,
		"DELETE /api/v1/inventory/stock-lines/l2":           map[string]any{"id": "d9"},
		"GET /api/v1/inventory/budgets/b1":                  map[string]any{"id": "b1", "name": xss, "notes": xss, "status": "inactive", "amount_pen": "1000", "amount_usd": "0"},
		"DELETE /api/v1/inventory/budgets/b1":               map[string]any{},
		"GET /api/v1/inventory/budgets/b1/consumption": map[string]any{"amount_pen": "1000", "locked_pen": "300", "floating_pen": "50", "pending_deleted_pen": "20",
			"lost_pen": "10", "consumed_pen": "380", "available_pen": "620", "utilisation_pct": "38", "dispatched_cost_pen": "200", "units_in": "40", "units_out": "12"},
		"GET /api/v1/inventory/budgets/b1/events": list(map[string]any{"id": "e1", "kind": "deactivated", "previous_date": nil, "new_date": "2025-04-01",
			"reason": xss, "actor_id": "c1", "at": "2025-03-01T15:00:00Z"}),
		"GET /api/v1/allocation/room-holds":      list(hold),
		"GET /api/v1/allocation/room-holds/1":    hold,
		"POST /api/v1/allocation/room-holds":     hold,
		"PUT /api/v1/allocation/room-holds/1":    hold,
		"DELETE /api/v1/allocation/room-holds/1": map[string]any{},
		"GET /api/v1/allocation/semesters/1/publications": list(map[string]any{"id": 4, "semester_id": 1, "note": xss, "published_at": "2025-08-01T12:00:00Z",
			"published_by": xss, "section_days": 120}),
		"POST /api/v1/allocation/semesters/1/publish":  map[string]any{"id": 5, "semester_id": 1},
		"POST /api/v1/allocation/semesters/1/solve":    running,
		"GET /api/v1/allocation/solve-jobs/j2":         running,
		"POST /api/v1/allocation/solve-jobs/j2/cancel": map[string]any{"id": "j2", "status": "cancelled"},
		"GET /api/v1/allocation/solve-jobs/j3": map[string]any{"id": "j3", "semester_id": 1, "status": "succeeded", "mode": "minimal_perturbation",
			"result": map[string]any{"placed": 3, "section_days": 4, "published_section_days": 4, "published_moved": 2, "notes": []string{xss},
				"moves": []any{map[string]any{"demand_id": 3, "discipline_code": xss, "section": xss, "day": 2, "from_room_id": 1, "to_room_id": 2},
					map[string]any{"demand_id": 4, "discipline_code": "FUP2", "section": "T1", "day": 3, "from_room_id": 1, "to_room_id": 0}}}},
		"GET /api/v1/allocation/change-log": map[string]any{"items": []any{map[string]any{"id": 1, "at": "2025-08-01T12:00:00Z", "username": xss, "action": "update",
			"entity": "room", "entity_id": "1", "detail": map[string]any{"name": xss}}}, "next_cursor": "1"},
		"GET /api/v1/allocation/reservations/1":                        res,
		"DELETE /api/v1/allocation/reservations/1":                     map[string]any{},
		"POST /api/v1/allocation/reservations/1/occurrences/11/cancel": res,
	}
}()

type refusal struct {
	status int
	body   string
}

// screenRefusals are the stub's refusals of the new screens' writes.
var screenRefusals = map[string]refusal{
	"POST /api/v1/inventory/stock-withdrawals": {http.StatusConflict, `{"type":"https://planta.dev/problems/insufficient-stock","status":409,` +
		`"detail":"only 4 available for <b>MAT-1</b>","errors":[{"field":"qty","reason":"exceeds the available 4"}]}`},
	"PUT /api/v1/allocation/reservations/1": {http.StatusConflict, `{"type":"https://planta.dev/problems/double-booking","status":409,"detail":"1 conflict",` +
		`"conflicts":["occurrence 2025-09-02 T2: room 1 at Tuesday T2 is taken by allocation <script>x</script>"]}`},
	"POST /api/v1/allocation/solve-jobs/j1/cancel": {http.StatusConflict, `{"type":"https://planta.dev/problems/not-running","status":409,"detail":"the job is not running"}`},
	"POST /api/v1/allocation/semesters/2/solve":    {http.StatusConflict, `{"type":"https://planta.dev/problems/no-publication","status":409,"detail":"the semester has no publication"}`},
}

var (
	requestsMu sync.Mutex
	requests   = map[string]string{}
)

// recordRequest keeps the last body (and query) the stub received per "METHOD path".
func recordRequest(key, query string, body []byte) {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	requests[key] = string(body)
	if query != "" {
		requests[key+"?"] = query
	}
}

func lastRequest(t *testing.T, key string) map[string]any {
	t.Helper()
	requestsMu.Lock()
	body, ok := requests[key]
	requestsMu.Unlock()
	if !ok {
		t.Fatalf("%s was not called", key)
	}
	var m map[string]any
	if body != "" {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%s: %v: %s", key, err, body)
		}
	}
	return m
}

func init() {
	tenantOnly := []string{cliente, impersonating}
	admins := []string{spaceAdmin, superadmin}
	for page, allowed := range map[string][]string{
		"/app/warehouses/w1": tenantOnly, "/app/materials/m1": tenantOnly,
		"/app/stock/lines/l1": tenantOnly, "/app/stock/lines/l2": tenantOnly, "/app/budgets/b1": tenantOnly,
		"/allocation/holds": admins, "/allocation/holds/1": admins, "/allocation/change-log": admins,
		"/allocation/reservations/1": admins, "/allocation/jobs/j3": admins,
	} {
		pagesByGuard[page] = allowed
	}
}

// post sends a signed-in form with the caller's CSRF token.
func (h *harness) post(t *testing.T, caller, target string, form url.Values) *http.Response {
	t.Helper()
	form.Set("_csrf", security.CSRFToken(h.tokens[caller]))
	return h.do(t, caller, http.MethodPost, target, form).Result()
}

// TestNewWritesRefusedByRole: every new form is refused to the wrong role on the server.
func TestNewWritesRefusedByRole(t *testing.T) {
	h := newHarness(t)
	tenantWrites := []string{"/app/warehouses/w1", "/app/materials/m1", "/app/stock/withdraw", "/app/stock/lines/l2/adjust",
		"/app/stock/lines/l2/reassign", "/app/stock/lines/l1/unfreeze", "/app/stock/lines/l2/note", "/app/stock/lines/l2/delete", "/app/budgets/b1/delete"}
	adminWrites := []string{"/allocation/holds", "/allocation/holds/1", "/allocation/holds/1/delete", "/allocation/semesters/1/publish",
		"/allocation/jobs/j2/cancel", "/allocation/reservations/1", "/allocation/reservations/1/delete", "/allocation/reservations/1/occurrences/11/cancel"}
	check := func(paths []string, refused ...string) {
		for _, p := range paths {
			for _, caller := range refused {
				if res := h.post(t, caller, p, url.Values{}); res.StatusCode != http.StatusForbidden {
					t.Errorf("%s POST %s: %d, want 403", caller, p, res.StatusCode)
				}
			}
			if res := h.do(t, anonymous, http.MethodPost, p, url.Values{}); res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Header().Get("Location"), "/login") {
				t.Errorf("anonymous POST %s: %d", p, res.Code)
			}
		}
	}
	check(tenantWrites, spaceAdmin, superadmin)
	check(adminWrites, cliente, impersonating)
}

func TestStockLineActions(t *testing.T) {
	h := newHarness(t)
	frozen := h.do(t, cliente, http.MethodGet, "/app/stock/lines/l1", nil).Body.String()
	if !strings.Contains(frozen, `id="unfreeze-form"`) || strings.Contains(frozen, `id="reassign-form"`) {
		t.Fatalf("frozen line: unfreeze form expected\n%s", frozen)
	}
	if res := h.post(t, cliente, "/app/stock/lines/l1/unfreeze", url.Values{"budget_id": {""}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/app/stock/lines/l2?ok=flash.saved" { // the answer names the line the stock now sits on
		t.Fatalf("unfreeze: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := lastRequest(t, "POST /api/v1/inventory/stock-lines/l1/unfreeze"); got["budget_id"] != nil {
		t.Fatalf("release: %v", got)
	}
	h.post(t, cliente, "/app/stock/lines/l2/reassign", url.Values{"budget_id": {"b1"}})
	if got := lastRequest(t, "POST /api/v1/inventory/stock-lines/l2/reassign"); got["budget_id"] != "b1" {
		t.Fatalf("reassign: %v", got)
	}
	h.post(t, cliente, "/app/stock/lines/l2/adjust", url.Values{"counted": {"7,5"}, "reason": {"count"}})
	if got := lastRequest(t, "POST /api/v1/inventory/stock-lines/l2/adjustments"); got["counted"] != "7.5" || got["reason"] != "count" {
		t.Fatalf("adjust: %v", got)
	}
	if rec := h.do(t, cliente, http.MethodPost, "/app/stock/lines/l2/adjust", url.Values{"reason": {"x"}, "_csrf": {security.CSRFToken(h.tokens[cliente])}}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("adjust without a count: %d", rec.Code)
	}
	h.post(t, cliente, "/app/stock/lines/l2/note", url.Values{"note": {" hi "}})
	if got := lastRequest(t, "PATCH /api/v1/inventory/stock-lines/l2"); got["note"] != "hi" {
		t.Fatalf("note: %v", got)
	}
	if res := h.post(t, cliente, "/app/stock/lines/l2/delete", url.Values{"reason": {"broken"}}); res.Header.Get("Location") != "/app/stock?ok=flash.saved" {
		t.Fatalf("delete: %s", res.Header.Get("Location"))
	}
	requestsMu.Lock()
	q := requests["DELETE /api/v1/inventory/stock-lines/l2?"]
	requestsMu.Unlock()
	if q != "reason=broken" {
		t.Fatalf("delete reason: %q", q)
	}
}

// TestWithdrawRefusalShown: a refused withdrawal shows the API's reason on the stock page, escaped.
func TestWithdrawRefusalShown(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"warehouse_id": {"w1"}, "material_id": {"m1"}, "scope": {"none"}, "qty": {"9"}, "reason": {"obra"},
		"_csrf": {security.CSRFToken(h.tokens[cliente])}}
	rec := h.do(t, cliente, http.MethodPost, "/app/stock/withdraw", form)
	body := rec.Body.String()
	if rec.Code != http.StatusConflict || !strings.Contains(body, "exceeds the available 4") || !strings.Contains(body, "&lt;b&gt;MAT-1") ||
		!strings.Contains(body, `id="withdraw-form"`) {
		t.Fatalf("withdraw refused: %d\n%s", rec.Code, body)
	}
	if got := lastRequest(t, "POST /api/v1/inventory/stock-withdrawals"); got["no_budget"] != true || got["budget_id"] != nil || got["qty"] != "9" {
		t.Fatalf("withdraw body: %v", got)
	}
	form.Set("scope", "b1")
	h.do(t, cliente, http.MethodPost, "/app/stock/withdraw", form)
	if got := lastRequest(t, "POST /api/v1/inventory/stock-withdrawals"); got["no_budget"] != nil || got["budget_id"] != "b1" {
		t.Fatalf("withdraw from a project: %v", got)
	}
}

func TestEditWarehouseAndMaterial(t *testing.T) {
	h := newHarness(t)
	if res := h.post(t, cliente, "/app/warehouses/w1", url.Values{"name": {" Obra 2 "}, "type": {"obra"}, "location": {"Lima"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("warehouse: %d", res.StatusCode)
	}
	if got := lastRequest(t, "PUT /api/v1/inventory/warehouses/w1"); got["name"] != "Obra 2" || got["type"] != "obra" || got["location"] != "Lima" {
		t.Fatalf("warehouse body: %v", got)
	}
	h.post(t, cliente, "/app/materials/m1", url.Values{"code": {"MAT-1"}, "name": {"Cemento"}, "unit": {"kg"}, "price_pen": {"12,5"}})
	if got := lastRequest(t, "PUT /api/v1/inventory/materials/m1"); got["active"] != false || got["price_pen"] != "12.5" || got["name"] != "Cemento" {
		t.Fatalf("material body: %v", got)
	}
}

func TestBudgetConsumptionAndHistory(t *testing.T) {
	h := newHarness(t)
	body := h.do(t, cliente, http.MethodGet, "/app/budgets/b1", nil).Body.String()
	for _, want := range []string{`id="consumption-table"`, "S/ 620.00", `id="events-table"`, "Desactivado", "01/04/2025"} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if res := h.post(t, cliente, "/app/budgets/b1/delete", url.Values{}); res.Header.Get("Location") != "/app/budgets?ok=flash.budget_deleted" {
		t.Fatalf("delete: %s", res.Header.Get("Location"))
	}
}

func TestHoldsCRUD(t *testing.T) {
	h := newHarness(t)
	res := h.post(t, spaceAdmin, "/allocation/holds", url.Values{"semester_id": {"1"}, "room_id": {"1"}, "label": {"Reserved"}, "internal_note": {"n"}, "schedule": {"24M12"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/allocation/holds?semester_id=1&ok=flash.saved" {
		t.Fatalf("create: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := lastRequest(t, "POST /api/v1/allocation/room-holds"); got["semester_id"] != float64(1) || got["room_id"] != float64(1) || got["label"] != "Reserved" ||
		got["internal_note"] != "n" || got["schedule"] != "24M12" {
		t.Fatalf("create body: %v", got)
	}
	h.post(t, spaceAdmin, "/allocation/holds/1", url.Values{"semester_id": {"1"}, "room_id": {"1"}, "label": {"L"}, "schedule": {"3N12"}})
	if got := lastRequest(t, "PUT /api/v1/allocation/room-holds/1"); got["schedule"] != "3N12" {
		t.Fatalf("update body: %v", got)
	}
	if res := h.post(t, spaceAdmin, "/allocation/holds/1/delete", url.Values{}); res.Header.Get("Location") != "/allocation/holds?ok=flash.deleted" {
		t.Fatalf("delete: %s", res.Header.Get("Location"))
	}
}

func TestPublishResolveCancel(t *testing.T) {
	h := newHarness(t)
	if res := h.post(t, spaceAdmin, "/allocation/semesters/1/publish", url.Values{"note": {"v1"}}); res.Header.Get("Location") != "/allocation/semesters?ok=flash.published" {
		t.Fatalf("publish: %s", res.Header.Get("Location"))
	}
	if got := lastRequest(t, "POST /api/v1/allocation/semesters/1/publish"); got["note"] != "v1" {
		t.Fatalf("publish body: %v", got)
	}
	if res := h.post(t, spaceAdmin, "/allocation/semesters/1/solve", url.Values{"mode": {"minimal_perturbation"}}); res.Header.Get("Location") != "/allocation/jobs/j2" {
		t.Fatalf("solve: %s", res.Header.Get("Location"))
	}
	if got := lastRequest(t, "POST /api/v1/allocation/semesters/1/solve"); got["mode"] != "minimal_perturbation" {
		t.Fatalf("solve body: %v", got)
	}
	rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/semesters/2/solve", url.Values{"mode": {"minimal_perturbation"}, "_csrf": {security.CSRFToken(h.tokens[spaceAdmin])}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "the semester has no publication") {
		t.Fatalf("no publication: %d", rec.Code)
	}
	running := h.do(t, spaceAdmin, http.MethodGet, "/allocation/jobs/j2", nil).Body.String()
	if !strings.Contains(running, `id="cancel-job"`) {
		t.Fatal("running job without a cancel button")
	}
	if res := h.post(t, spaceAdmin, "/allocation/jobs/j2/cancel", url.Values{}); res.Header.Get("Location") != "/allocation/jobs/j2?ok=flash.solve_cancelled" {
		t.Fatalf("cancel: %s", res.Header.Get("Location"))
	}
	rec = h.do(t, spaceAdmin, http.MethodPost, "/allocation/jobs/j1/cancel", url.Values{"_csrf": {security.CSRFToken(h.tokens[spaceAdmin])}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "the job is not running") {
		t.Fatalf("cancel finished job: %d\n%s", rec.Code, rec.Body.String())
	}
	done := h.do(t, spaceAdmin, http.MethodGet, "/allocation/jobs/j3", nil).Body.String()
	if !strings.Contains(done, `id="published-moves"`) || !strings.Contains(done, "2 de 4") || !strings.Contains(done, "sin sala") {
		t.Fatalf("moves not shown:\n%s", done)
	}
}

func TestReservationEdit(t *testing.T) {
	h := newHarness(t)
	page := h.do(t, spaceAdmin, http.MethodGet, "/allocation/reservations/1", nil).Body.String()
	for _, want := range []string{`value="M2" checked`, `name="weekdays" value="4" checked`, `value="2025-09-01"`, `/occurrences/11/cancel`} {
		if !strings.Contains(page, want) {
			t.Errorf("reservation page: missing %q", want)
		}
	}
	if strings.Contains(page, "/occurrences/12/cancel") {
		t.Error("a cancelled occurrence offers cancel")
	}
	form := url.Values{"title": {"T"}, "requester": {"R"}, "reschedule": {"true"}, "blocks": {"T2"}, "kind": {"monthly_by_weekday"},
		"start": {"2025-09-01"}, "position": {"-1"}, "weekday": {"3"}, "count": {"3"}, "_csrf": {security.CSRFToken(h.tokens[spaceAdmin])}}
	rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/reservations/1", form)
	body := rec.Body.String()
	if rec.Code != http.StatusConflict || !strings.Contains(body, `id="conflicts"`) || !strings.Contains(body, "taken by allocation &lt;script&gt;") ||
		!strings.Contains(body, `value="T2" checked`) {
		t.Fatalf("refused update: %d\n%s", rec.Code, body)
	}
	got := lastRequest(t, "PUT /api/v1/allocation/reservations/1")
	rec2, _ := got["recurrence"].(map[string]any)
	if got["title"] != "T" || rec2["kind"] != "monthly_by_weekday" || rec2["position"] != float64(-1) || rec2["weekday"] != float64(3) {
		t.Fatalf("update body: %v", got)
	}
	delete(form, "reschedule")
	h.do(t, spaceAdmin, http.MethodPost, "/allocation/reservations/1", form)
	if got := lastRequest(t, "PUT /api/v1/allocation/reservations/1"); got["blocks"] != nil || got["recurrence"] != nil {
		t.Fatalf("descriptive-only update sent a schedule: %v", got)
	}
	if res := h.post(t, spaceAdmin, "/allocation/reservations/1/occurrences/11/cancel", url.Values{}); res.Header.Get("Location") != "/allocation/reservations/1?ok=flash.occurrence_cancelled" {
		t.Fatalf("cancel occurrence: %s", res.Header.Get("Location"))
	}
	if res := h.post(t, spaceAdmin, "/allocation/reservations/1/delete", url.Values{}); res.Header.Get("Location") != "/allocation/reservations?ok=flash.deleted" {
		t.Fatalf("delete: %s", res.Header.Get("Location"))
	}
}
