package pages_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The screens added last: edit a project, create / edit a demand, assign an unallocated
// section-day, one publication, and the readable change-log detail. Every free-text
// field of the stub's answers carries the payload.
var moreRoutes = func() map[string]any {
	demand := map[string]any{"id": 3, "semester_id": 1, "external_id": xss, "program_code": xss, "discipline_code": "FUP0001",
		"discipline_name": xss, "section": xss, "seats": 40, "schedule": "24M12", "professor_names": []string{xss, "Ana"}, "withdrawn": false}
	return map[string]any{
		"PUT /api/v1/inventory/budgets/b1": map[string]any{"id": "b1"},
		"GET /api/v1/allocation/demands/3": demand,
		"PUT /api/v1/allocation/demands/3": demand,
		"POST /api/v1/allocation/demands":  map[string]any{"id": 9, "semester_id": 1},
		"GET /api/v1/allocation/publications/4": map[string]any{"id": 4, "semester_id": 1, "note": xss, "published_at": "2025-08-01T12:00:00Z",
			"published_by": xss, "section_days": 1, "allocations": []any{map[string]any{"demand_id": 3, "day": 2, "room_id": 1,
				"discipline_code": xss, "section": xss, "room": xss}}},
	}
}()

// moreStub answers POST /allocations: room 2 is refused with the conflicts named
// (payload in them), any other room is placed as allocation 21.
func moreStub(w http.ResponseWriter, r *http.Request, key string) bool {
	if key != "POST /api/v1/allocation/allocations" {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	recordRequest(key, "", body)
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	if in["room_id"] == float64(2) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "https://planta.dev/problems/hard-constraint", "status": 409,
			"detail": "2 hard constraints violated", "conflicts": []any{
				map[string]any{"kind": "double_booking", "day": 2, "block": "M1", "other": "FUP2-" + xss, "message": "room taken by " + xss},
				map[string]any{"kind": "capacity", "day": 2, "message": "40 seats, room holds 30"}}})
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": 21, "semester_id": 1, "demand_id": 3, "day": 2, "room_id": in["room_id"]})
	return true
}

func init() {
	admins := []string{spaceAdmin, superadmin}
	for page, allowed := range map[string][]string{
		"/allocation/demands/3": admins, "/allocation/publications/4": admins,
	} {
		pagesByGuard[page] = allowed
	}
}

func TestMoreWritesRefusedByRole(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		target  string
		allowed []string
	}{
		{"/app/budgets/b1", []string{cliente, impersonating}},
		{"/allocation/demands", []string{spaceAdmin, superadmin}},
		{"/allocation/demands/3", []string{spaceAdmin, superadmin}},
		{"/allocation/allocations", []string{spaceAdmin, superadmin}},
	} {
		for _, caller := range []string{cliente, spaceAdmin, superadmin, impersonating} {
			ok := false
			for _, a := range c.allowed {
				ok = ok || a == caller
			}
			if res := h.post(t, caller, c.target, url.Values{}); !ok && res.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", caller, c.target, res.StatusCode)
			}
		}
	}
}

func TestEditBudget(t *testing.T) {
	h := newHarness(t)
	page := h.do(t, cliente, http.MethodGet, "/app/budgets/b1", nil).Body.String()
	if !strings.Contains(page, `id="budget-edit-form"`) || !strings.Contains(page, `value="1000"`) || strings.Contains(page, "<script>alert") {
		t.Fatalf("edit form:\n%s", page)
	}
	res := h.post(t, cliente, "/app/budgets/b1", url.Values{"name": {" Obra Norte "}, "amount_pen": {"1500,50"}, "notes": {"n"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/budgets/b1?ok=flash.saved" {
		t.Fatalf("update: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	got := lastRequest(t, "PUT /api/v1/inventory/budgets/b1")
	if got["name"] != "Obra Norte" || got["amount_pen"] != "1500.50" || got["notes"] != "n" || got["amount_usd"] != nil {
		t.Fatalf("PUT body %v", got)
	}
}

func TestDemandCreateEdit(t *testing.T) {
	h := newHarness(t)
	list := h.do(t, spaceAdmin, http.MethodGet, "/allocation/demands?semester_id=1", nil).Body.String()
	if !strings.Contains(list, `id="demand-form"`) || !strings.Contains(list, `href="/allocation/demands/3"`) {
		t.Fatalf("demands page:\n%s", list)
	}
	res := h.post(t, spaceAdmin, "/allocation/demands", url.Values{"semester_id": {"1"}, "discipline_code": {"fup0002"}, "section": {"T1"},
		"seats": {"30"}, "schedule": {"24M12"}, "professors": {"Ana\r\n Bruno \n"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/allocation/demands/9?ok=flash.saved" {
		t.Fatalf("create: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	got := lastRequest(t, "POST /api/v1/allocation/demands")
	if got["semester_id"] != float64(1) || got["discipline_code"] != "FUP0002" || got["seats"] != float64(30) ||
		len(got["professors"].([]any)) != 2 || got["professors"].([]any)[1] != "Bruno" {
		t.Fatalf("POST body %v", got)
	}
	page := h.do(t, spaceAdmin, http.MethodGet, "/allocation/demands/3", nil).Body.String()
	if !strings.Contains(page, `action="/allocation/demands/3"`) || !strings.Contains(page, `value="24M12"`) || strings.Contains(page, "<script>alert") {
		t.Fatalf("edit page:\n%s", page)
	}
	h.post(t, spaceAdmin, "/allocation/demands/3", url.Values{"semester_id": {"1"}, "discipline_code": {"FUP0001"}, "seats": {"45"}, "schedule": {"3N12"}})
	if got := lastRequest(t, "PUT /api/v1/allocation/demands/3"); got["seats"] != float64(45) || got["schedule"] != "3N12" {
		t.Fatalf("PUT body %v", got)
	}
}

func TestAssignFromUnallocated(t *testing.T) {
	h := newHarness(t)
	report := h.do(t, spaceAdmin, http.MethodGet, "/allocation/reports?semester_id=1", nil).Body.String()
	if !strings.Contains(report, `action="/allocation/allocations"`) || !strings.Contains(report, `name="demand_id" value="3"`) {
		t.Fatalf("no assign form in the unallocated report:\n%s", report)
	}
	form := url.Values{"semester_id": {"1"}, "demand_id": {"3"}, "day": {"2"}, "room_id": {"2"}}
	res := h.post(t, spaceAdmin, "/allocation/allocations", form)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), `id="conflicts"`) || !strings.Contains(string(body), "double_booking") ||
		!strings.Contains(string(body), "room taken by &lt;script&gt;") || !strings.Contains(string(body), "capacity") || strings.Contains(string(body), "<script>alert") {
		t.Fatalf("refusal: %d\n%s", res.StatusCode, body)
	}
	form.Set("room_id", "1")
	form.Set("pinned", "true")
	res = h.post(t, spaceAdmin, "/allocation/allocations", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/allocation/allocations/21?ok=flash.assigned" {
		t.Fatalf("assign: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := lastRequest(t, "POST /api/v1/allocation/allocations"); got["demand_id"] != float64(3) || got["day"] != float64(2) || got["room_id"] != float64(1) || got["pinned"] != true {
		t.Fatalf("POST body %v", got)
	}
}

func TestPublicationAndChangeLogDetail(t *testing.T) {
	h := newHarness(t)
	page := h.do(t, spaceAdmin, http.MethodGet, "/allocation/publications/4", nil).Body.String()
	if !strings.Contains(page, `id="publication-table"`) || !strings.Contains(page, "&lt;script&gt;") || strings.Contains(page, "<script>alert") {
		t.Fatalf("publication:\n%s", page)
	}
	log := h.do(t, spaceAdmin, http.MethodGet, "/allocation/change-log", nil).Body.String()
	if !strings.Contains(log, `<span class="muted">name:</span> &lt;script&gt;alert(&#34;x&#34;)`) || strings.Contains(log, `{&#34;name&#34;`) {
		t.Fatalf("change log detail not key: value:\n%s", log)
	}
}
