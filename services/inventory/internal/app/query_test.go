package app_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestListParametersOfKnownCallers: list endpoints refuse unknown query parameters, so
// every parameter a known caller sends must stay accepted — the web's list pages, its
// CSV links (csvLink and mrpCSV forward the page's filters) and pagination.
func TestListParametersOfKnownCallers(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	w := c.world()
	m0 := w.materials[0]
	day := "2026-01-01"
	cases := []struct {
		path string
		q    url.Values
	}{
		{"/warehouses", url.Values{"type": {"obra"}, "q": {"Obra"}, "cursor": {""}, "limit": {"200"}}},
		{"/materials", url.Values{"q": {"MAT"}, "active": {"true"}, "budget_id": {w.budget}, "no_budget": {"false"}, "limit": {"500"}}},
		{"/materials.csv", url.Values{"q": {"MAT"}}},
		{"/stock-lines", url.Values{"warehouse_id": {w.principal}, "warehouse_type": {"principal"}, "material_id": {m0}, "budget_id": {w.budget},
			"no_budget": {"false"}, "frozen": {"false"}, "low_stock": {"false"}, "q": {"MAT"}, "limit": {"10"}}},
		{"/stock-lines.csv", url.Values{"warehouse_id": {w.principal}, "budget_id": {w.budget}, "q": {"MAT"}}},
		{"/stock-deletions", url.Values{"status": {"pending"}, "warehouse_id": {w.principal}, "material_id": {m0}, "budget_id": {w.budget}}},
		{"/requirements", url.Values{"status": {"pending"}, "warehouse_id": {w.obra}, "budget_id": {w.budget}, "from": {day}, "to": {day}, "limit": {"100"}}},
		{"/requirements.csv", url.Values{"status": {"pending"}, "warehouse_id": {w.obra}, "from": {day}, "to": {day}}},
		{"/dispatches", url.Values{"status": {"active"}, "warehouse_id": {w.obra}, "requirement_id": {w.requirement}, "budget_id": {w.budget},
			"number": {"GR"}, "received": {"false"}, "from": {day}, "to": {day}, "limit": {"100"}}},
		{"/dispatches.csv", url.Values{"status": {"active"}, "number": {"GR"}, "from": {day}, "to": {day}}},
		{"/receipts", url.Values{"warehouse_id": {w.obra}, "budget_id": {w.budget}, "status": {"complete"}, "number": {"GR"}, "from": {day}, "to": {day}}},
		{"/receipts.csv", url.Values{"warehouse_id": {w.obra}, "status": {"partial"}}},
		{"/movements", url.Values{"stock_line_id": {w.line}, "warehouse_id": {w.principal}, "material_id": {m0}, "budget_id": {w.budget},
			"kind": {"IN"}, "reference_type": {"manual"}, "from": {day}, "to": {day}}},
		{"/movements.csv", url.Values{"warehouse_id": {w.principal}, "material_id": {m0}, "kind": {"OUT"}, "reference_type": {"dispatch"}}},
		{"/budgets", url.Values{"status": {"active"}, "q": {"Proyecto"}, "limit": {"200"}}},
		{"/budgets.csv", nil},
		{"/budgets/" + w.budget + "/events", url.Values{"cursor": {""}}},
		{"/budgets/" + w.budget + "/events.csv", nil},
		{"/budgets/" + w.budget + "/cost-history.csv", nil},
		{"/cost-history.csv", url.Values{"from": {day}, "to": {day}}},
		{"/additionals", url.Values{"budget_id": {w.budget}, "confirmed": {"false"}, "q": {"Extra"}, "limit": {"200"}}},
		{"/dashboard", url.Values{"from": {day}, "to": {day}}},
		{"/api/v1/mrp/items", url.Values{"cursor": {""}, "limit": {"500"}}},
		{"/api/v1/mrp/bom-lines", url.Values{"parent_id": {m0}, "component_id": {w.materials[1]}, "limit": {"500"}}},
		{"/api/v1/mrp/bom-lines.csv", url.Values{"parent_id": {m0}}},
		{"/api/v1/mrp/demands", url.Values{"material_id": {m0}, "from": {day}, "to": {"2999-01-01"}}},
		{"/api/v1/mrp/demands.csv", url.Values{"material_id": {m0}, "from": {day}}},
		{"/api/v1/mrp/scheduled-receipts.csv", url.Values{"material_id": {m0}, "to": {"2999-01-01"}}},
		{"/api/v1/mrp/runs", url.Values{"cursor": {""}}},
		{"/api/v1/mrp/runs/" + w.run + "/planned-orders", url.Values{"material_id": {m0}, "limit": {"500"}}},
		{"/api/v1/mrp/runs/" + w.run + "/planned-orders.csv", url.Values{"material_id": {m0}}},
		{"/api/v1/mrp/runs/" + w.run + "/exceptions.csv", url.Values{"material_id": {m0}, "kind": {"expedite"}}},
	}
	for _, tc := range cases {
		path := tc.path
		if len(tc.q) > 0 {
			path += "?" + tc.q.Encode()
		}
		if code, body, _ := c.do(http.MethodGet, path, nil); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
}
