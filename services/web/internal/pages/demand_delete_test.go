package pages_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func init() {
	moreRoutes["DELETE /api/v1/allocation/demands/3"] = map[string]any{}
	// Demand 4 still has allocations: the API refuses it as the real one does (FK restrict).
	screenRefusals["DELETE /api/v1/allocation/demands/4"] = refusal{http.StatusConflict,
		`{"type":"https://planta.dev/problems/in-use","status":409,"detail":"the object is still in use: Key (id)=(4) is still referenced from table \"allocations\"."}`}
}

func called(key string) bool {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	_, ok := requests[key]
	return ok
}

func TestDemandDelete(t *testing.T) {
	h := newHarness(t)
	list := h.do(t, spaceAdmin, http.MethodGet, "/allocation/demands?semester_id=1", nil).Body.String()
	if !strings.Contains(list, `action="/allocation/demands/3/delete"`) || !strings.Contains(list, `data-confirm="¿Eliminar la demanda &lt;script&gt;`) ||
		!strings.Contains(list, `name="semester_id" value="1"`) || strings.Contains(list, "<script>alert") {
		t.Fatalf("no delete form with a confirmation in the demands list:\n%s", list)
	}
	edit := h.do(t, spaceAdmin, http.MethodGet, "/allocation/demands/3", nil).Body.String()
	if !strings.Contains(edit, `id="demand-delete-form"`) || !strings.Contains(edit, `data-confirm="¿Eliminar la demanda FUP0001`) {
		t.Fatalf("no delete form on the demand's page:\n%s", edit)
	}

	// Without the session's CSRF token nothing is deleted.
	rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/demands/6/delete", url.Values{"semester_id": {"1"}})
	if rec.Code != http.StatusForbidden || called("DELETE /api/v1/allocation/demands/6") {
		t.Fatalf("delete without a CSRF token: %d, API called %v", rec.Code, called("DELETE /api/v1/allocation/demands/6"))
	}
	// Only space administrators may delete.
	for _, caller := range []string{cliente, impersonating} {
		if res := h.post(t, caller, "/allocation/demands/6/delete", url.Values{"semester_id": {"1"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", caller, res.StatusCode)
		}
	}
	if rec := h.do(t, anonymous, http.MethodPost, "/allocation/demands/6/delete", url.Values{}); rec.Code != http.StatusSeeOther ||
		!strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("anonymous: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if called("DELETE /api/v1/allocation/demands/6") {
		t.Fatal("a refused caller reached the API")
	}

	res := h.post(t, spaceAdmin, "/allocation/demands/3/delete", url.Values{"semester_id": {"1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/allocation/demands?semester_id=1&ok=flash.demand_deleted" {
		t.Fatalf("delete: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if !called("DELETE /api/v1/allocation/demands/3") {
		t.Fatal("the API's DELETE was not called")
	}
	if page := h.do(t, spaceAdmin, http.MethodGet, "/allocation/demands?semester_id=1&ok=flash.demand_deleted", nil).Body.String(); !strings.Contains(page, "Demanda eliminada.") {
		t.Fatalf("no flash after the delete:\n%s", page)
	}

	// A demand with allocations: the list again, saying why.
	res = h.post(t, superadmin, "/allocation/demands/4/delete", url.Values{"semester_id": {"1"}})
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "La demanda todavía tiene asignaciones") ||
		!strings.Contains(string(body), `id="demands-table"`) {
		t.Fatalf("refused delete: %d\n%s", res.StatusCode, body)
	}
}
