package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestBadInputChangesNothing: each bad request answers 4xx with a problem naming the
// field, and the tenant's rows are byte-for-byte unchanged.
func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	c, other := e.cliente(), e.cliente()
	w := c.world()
	ow := other.world()
	m0 := w.materials[0]
	cancelled := c.create("/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}}})["id"].(string)
	c.must(http.MethodPost, "/requirements/"+cancelled+"/cancel", obj{"reason": "ya no"}, 200, nil)

	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"negative quantity", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "qty": "-5"}, 422, "qty"},
		{"zero quantity", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "qty": "0"}, 422, "qty"},
		{"too many decimals", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "qty": "1.23456"}, 422, "qty"},
		{"quantity not a number", "POST", "/stock-additions", `{"warehouse_id":"` + w.principal + `","material_id":"` + m0 + `","qty":"abc"}`, 422, "qty"},
		{"quantity as a JSON number", "POST", "/stock-additions", `{"warehouse_id":"` + w.principal + `","material_id":"` + m0 + `","qty":5}`, 422, "qty"},
		{"quantity with an exponent", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "qty": "1e9"}, 422, "qty"},
		{"quantity with spaces", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "qty": " 5"}, 422, "qty"},
		{"requirement qty as a JSON number", "POST", "/requirements", `{"warehouse_id":"` + w.obra + `","budget_id":"` + w.budget + `","items":[{"material_id":"` + m0 + `","qty":"1"},{"material_id":"` + w.materials[1] + `","qty":2}]}`, 422, "items[1].qty"},
		{"dispatch qty with an exponent", "POST", "/dispatches", obj{"requirement_id": w.requirement, "items": []obj{{"material_id": m0, "qty": "1E0"}}}, 422, "items[0].qty"},
		{"receipt qty as a JSON number", "POST", "/receipts", `{"dispatch_id":"` + w.openDispatch + `","items":[{"material_id":"` + m0 + `","received_qty":5}]}`, 422, "items[0].received_qty"},
		{"count as a JSON number", "POST", "/stock-lines/" + w.line + "/adjustments", `{"counted":60,"reason":"conteo"}`, 422, "counted"},
		{"price with an exponent", "POST", "/materials", obj{"code": "N-1", "name": "Nuevo", "unit": "u", "price_pen": "1e2"}, 422, "price_pen"},
		{"budget amount as a JSON number", "POST", "/budgets", `{"name":"Nuevo","amount_pen":100}`, 422, "amount_pen"},
		{"malformed requirement id", "POST", "/dispatches", obj{"requirement_id": "not-a-uuid"}, 422, "requirement_id"},
		{"malformed dispatch id", "POST", "/receipts", obj{"dispatch_id": "not-a-uuid"}, 422, "dispatch_id"},
		{"malformed receipt material id", "POST", "/receipts", obj{"dispatch_id": w.openDispatch, "items": []obj{{"material_id": "x", "received_qty": "5"}}}, 422, "items[0].material_id"},
		{"malformed requirement warehouse id", "POST", "/requirements", obj{"warehouse_id": "obra-1", "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}}}, 422, "warehouse_id"},
		{"malformed requirement budget id", "POST", "/requirements", obj{"warehouse_id": w.obra, "budget_id": "1", "items": []obj{{"material_id": m0, "qty": "1"}}}, 422, "budget_id"},
		{"malformed requirement material id", "POST", "/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}, {"material_id": "m1", "qty": "1"}}}, 422, "items[1].material_id"},
		{"malformed dispatch material id", "POST", "/dispatches", obj{"requirement_id": w.requirement, "items": []obj{{"material_id": "m0", "qty": "1"}}}, 422, "items[0].material_id"},
		{"malformed addition budget id", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "budget_id": "b", "qty": "1"}, 422, "budget_id"},
		{"malformed withdrawal warehouse id", "POST", "/stock-withdrawals", obj{"warehouse_id": "w", "material_id": m0, "qty": "1"}, 422, "warehouse_id"},
		{"malformed reassign budget id", "POST", "/stock-lines/" + w.line + "/reassign", obj{"budget_id": "b"}, 422, "budget_id"},
		{"malformed additional budget id", "POST", "/additionals", obj{"budget_id": "b", "concept": "Extra", "request_date": "2026-01-01"}, 422, "budget_id"},
		{"unknown material", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": "00000000-0000-7000-8000-000000000000", "qty": "1"}, 404, "material_id"},
		{"malformed material id", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": "nope", "qty": "1"}, 422, "material_id"},
		{"other tenant's warehouse", "POST", "/stock-additions", obj{"warehouse_id": ow.principal, "material_id": m0, "qty": "1"}, 404, "warehouse_id"},
		{"other tenant's budget", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "budget_id": ow.budget, "qty": "1"}, 404, "budget_id"},
		{"unknown field", "POST", "/stock-additions", obj{"warehouse_id": w.principal, "material_id": m0, "qty": "1", "tenant_id": other.tenant}, 400, "tenant_id"},
		{"withdraw more than available", "POST", "/stock-withdrawals", obj{"warehouse_id": w.principal, "material_id": m0, "qty": "1000"}, 409, "qty"},
		{"requirement from principal", "POST", "/requirements", obj{"warehouse_id": w.principal, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}}}, 422, "warehouse_id"},
		{"requirement other tenant's obra", "POST", "/requirements", obj{"warehouse_id": ow.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}}}, 404, "warehouse_id"},
		{"requirement unknown material", "POST", "/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": ow.materials[0], "qty": "1"}}}, 404, "items[0].material_id"},
		{"requirement duplicate material", "POST", "/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}, {"material_id": m0, "qty": "2"}}}, 422, "items[1].material_id"},
		{"requirement negative qty", "POST", "/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "-1"}}}, 422, "items[0].qty"},
		{"requirement no items", "POST", "/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{}}, 422, "items"},
		{"dispatch of cancelled requirement", "POST", "/dispatches", obj{"requirement_id": cancelled}, 409, "requirement_id"},
		{"dispatch more than reserved", "POST", "/dispatches", obj{"requirement_id": w.requirement, "items": []obj{{"material_id": m0, "qty": "999"}}}, 409, "items[0].qty"},
		{"dispatch material not on requirement", "POST", "/dispatches", obj{"requirement_id": w.requirement, "items": []obj{{"material_id": w.materials[1], "qty": "1"}}}, 422, "items[0].material_id"},
		{"dispatch other tenant's requirement", "POST", "/dispatches", obj{"requirement_id": ow.requirement}, 404, "requirement_id"},
		{"double receipt", "POST", "/receipts", obj{"dispatch_id": w.dispatch}, 409, "dispatch_id"},
		{"receipt over dispatched", "POST", "/receipts", obj{"dispatch_id": w.openDispatch, "items": []obj{{"material_id": m0, "received_qty": "99"}}}, 422, "items[0].received_qty"},
		{"short receipt without reason", "POST", "/receipts", obj{"dispatch_id": w.openDispatch, "items": []obj{{"material_id": m0, "received_qty": "1"}}}, 422, "items[0].reason"},
		{"cancel received dispatch", "POST", "/dispatches/" + w.dispatch + "/cancel", obj{"reason": "x"}, 409, "id"},
		{"cancel dispatch without a body", "POST", "/dispatches/" + w.openDispatch + "/cancel", nil, 422, "reason"},
		{"cancel dispatch without a reason", "POST", "/dispatches/" + w.openDispatch + "/cancel", obj{}, 422, "reason"},
		{"cancel dispatch with a blank reason", "POST", "/dispatches/" + w.openDispatch + "/cancel", obj{"reason": "  "}, 422, "reason"},
		{"cancel dispatch with a long reason", "POST", "/dispatches/" + w.openDispatch + "/cancel", obj{"reason": strings.Repeat("x", 501)}, 422, "reason"},
		{"cancel dispatch with a number as reason", "POST", "/dispatches/" + w.openDispatch + "/cancel", obj{"reason": 5}, 400, "reason"},
		{"cancel cancelled requirement", "POST", "/requirements/" + cancelled + "/cancel", obj{"reason": "x"}, 409, "requirement_id"},
		{"adjust below reserved", "POST", "/stock-lines/" + w.line + "/adjustments", obj{"counted": "1", "reason": "conteo"}, 409, "counted"},
		{"delete reserved line", "DELETE", "/stock-lines/" + w.line, nil, 409, "id"},
		{"second principal", "POST", "/warehouses", obj{"name": "Otra", "type": "principal", "location": "L", "address": "A"}, 409, "type"},
		{"bad warehouse type", "POST", "/warehouses", obj{"name": "Otra", "type": "central", "location": "L", "address": "A"}, 422, "type"},
		{"duplicate material code", "POST", "/materials", obj{"code": "mat-000", "name": "Nuevo", "unit": "u", "price_pen": "1"}, 409, "code"},
		{"material without price", "POST", "/materials", obj{"code": "N-1", "name": "Nuevo", "unit": "u"}, 422, "price_pen"},
		{"negative price", "POST", "/materials", obj{"code": "N-1", "name": "Nuevo", "unit": "u", "price_usd": "-1"}, 422, "price_usd"},
		{"deactivate without reason", "POST", "/budgets/" + w.budget + "/deactivate", obj{"reactivation_date": "2999-01-01"}, 422, "reason"},
		{"deactivate to the past", "POST", "/budgets/" + w.budget + "/deactivate", obj{"reason": "x", "reactivation_date": "2000-01-01"}, 422, "reactivation_date"},
		{"reopen active budget", "POST", "/budgets/" + w.budget + "/reopen", nil, 409, "status"},
		{"confirm without documents", "POST", "/additionals/" + w.additional + "/confirm", obj{"documents": []obj{}}, 422, "documents"},
		{"bad filter id", "GET", "/stock-lines?warehouse_id=xyz", nil, 422, "warehouse_id"},
		{"bad limit", "GET", "/movements?limit=100000", nil, 422, "limit"},
		{"bad date", "GET", "/requirements?from=yesterday", nil, 422, "from"},
		{"misspelt filter", "GET", "/requirements?stauts=pending", nil, 400, "stauts"},
		{"misspelt filter of a CSV export", "GET", "/requirements.csv?status=pending&stauts=pending", nil, 400, "stauts"},
		{"unknown parameter before a bad value", "GET", "/dispatches?status=nope&page=2", nil, 400, "page"},
		{"unknown parameter of a page-only list", "GET", "/budgets/" + w.budget + "/events?sort=at", nil, 400, "sort"},
		{"unknown parameter of a project's cost history", "GET", "/budgets/" + w.budget + "/cost-history.csv?from=2026-01-01", nil, 400, "from"},
		{"unknown parameter of the cost history", "GET", "/cost-history?budget_id=" + w.budget, nil, 400, "budget_id"},
		{"unknown parameter of the dashboard", "GET", "/dashboard?warehouse_id=" + w.principal, nil, 400, "warehouse_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, c.tenant)
			code, body, hdr := c.do(tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, body)
			}
			if hdr.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("content type %q", hdr.Get("Content-Type"))
			}
			if tc.field != "" {
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				if err := json.Unmarshal(body, &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
					t.Fatalf("problem does not name %q: %s", tc.field, body)
				}
			}
			if after := snapshot(t, c.tenant); after != before {
				t.Fatalf("bad input changed the tenant's data")
			}
		})
	}
	invariants(t, c.tenant)
}
