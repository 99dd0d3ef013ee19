package pages_test

import (
	"net/http"
	"strings"
	"testing"
)

func init() {
	// The projects list with a project in it (each project's block uses the page's locale).
	pagesByGuard["/app/budgets"] = []string{cliente, impersonating}
}

func TestBudgetsListRendersProjects(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, cliente, http.MethodGet, "/app/budgets", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `href="/app/budgets/b1"`) || !strings.Contains(body, `action="/app/budgets/b1/deactivate"`) ||
		!strings.Contains(body, `href="/api/v1/inventory/budgets/b1/events.csv" download>Historial CSV</a>`) {
		t.Fatalf("projects list: %d\n%s", rec.Code, body)
	}
}
