package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// tenantTables are the tables holding tenant data; snapshot reads them all.
var tenantTables = []string{
	"tenant_profiles", "warehouses", "materials", "budgets", "budget_events", "budget_additionals", "stock_lines",
	"stock_deletions", "requirements", "requirement_items", "reservations", "document_counters", "dispatches",
	"dispatch_items", "receipts", "receipt_items", "movements",
	"mrp_settings", "mrp_items", "mrp_bom_lines", "mrp_demands", "mrp_scheduled_receipts", "mrp_runs", "mrp_item_plans", "mrp_changes",
	"mrp_firm_orders",
}

// snapshot renders every row of a tenant, for before/after comparisons.
func snapshot(t testing.TB, tenant string) string {
	t.Helper()
	var b strings.Builder
	for _, tbl := range tenantTables {
		var s string
		if err := pool.QueryRow(context.Background(), `SELECT coalesce(json_agg(x ORDER BY x::text)::text, '') FROM inventory.`+tbl+` x WHERE tenant_id = $1`, tenant).Scan(&s); err != nil {
			t.Fatalf("snapshot %s: %v", tbl, err)
		}
		b.WriteString(tbl + ":" + s + "\n")
	}
	return b.String()
}

// world is one tenant with one object of every kind.
type world struct {
	fixture
	line, deletion, requirement, dispatch, openDispatch, receipt, additional string
	bomLine, demand, schedReceipt, run, plannedOrder                         string
}

func (c *client) world() world {
	c.e.t.Helper()
	w := world{fixture: c.setup(2)}
	m0, m1 := w.materials[0], w.materials[1]
	w.line = c.addStock(w.fixture, m0, "50", &w.budget)["line"].(obj)["id"].(string)
	dl := c.addStock(w.fixture, m1, "5", nil)["line"].(obj)["id"].(string)
	var del obj
	c.must(http.MethodDelete, "/stock-lines/"+dl, nil, 200, &del)
	w.deletion = del["id"].(string)
	w.requirement = c.create("/requirements", obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "20"}}})["id"].(string)
	w.dispatch = c.create("/dispatches", obj{"requirement_id": w.requirement, "items": []obj{{"material_id": m0, "qty": "5"}}})["id"].(string)
	w.receipt = c.create("/receipts", obj{"dispatch_id": w.dispatch})["id"].(string)
	w.openDispatch = c.create("/dispatches", obj{"requirement_id": w.requirement, "items": []obj{{"material_id": m0, "qty": "5"}}})["id"].(string)
	w.additional = c.create("/additionals", obj{"budget_id": w.budget, "concept": "Extra", "request_date": "2026-01-01"})["id"].(string)
	c.mrpWorld(&w)
	return w
}

// mrpWorld adds one MRP object of every kind: planning data for both materials, a BOM
// line, a demand entry, a scheduled receipt, a run and its planned orders.
func (c *client) mrpWorld(w *world) {
	c.e.t.Helper()
	m0, m1 := w.materials[0], w.materials[1]
	c.must(http.MethodPut, mrpPath("/items/"+m0), obj{"source": "make", "lead_time": 1}, 201, nil)
	c.must(http.MethodPut, mrpPath("/items/"+m1), obj{"source": "buy", "lead_time": 1}, 201, nil)
	w.bomLine = c.create(mrpPath("/bom-lines"), obj{"parent_id": m0, "component_id": m1, "qty_per": "2"})["id"].(string)
	w.demand = c.create(mrpPath("/demands"), obj{"material_id": m0, "bucket_date": weekDate(3), "quantity": "100"})["id"].(string)
	w.schedReceipt = c.create(mrpPath("/scheduled-receipts"), obj{"material_id": m1, "due_date": weekDate(1), "quantity": "5"})["id"].(string)
	w.run = c.create(mrpPath("/runs"), obj{"kind": "regenerative"})["id"].(string)
	var orders struct{ Items []obj }
	c.must(http.MethodGet, mrpPath("/runs/"+w.run+"/planned-orders"), nil, 200, &orders)
	if len(orders.Items) == 0 {
		c.e.t.Fatal("world run planned nothing")
	}
	w.plannedOrder = orders.Items[0]["id"].(string)
}

func (w world) ids() []string {
	return append([]string{w.principal, w.obra, w.budget, w.line, w.deletion, w.requirement, w.dispatch, w.openDispatch, w.receipt, w.additional,
		w.bomLine, w.demand, w.schedReceipt, w.run, w.plannedOrder}, w.materials...)
}

// sweepCase says how tenant A calls one route with tenant B's ids.
type sweepCase struct {
	// kind names B's object put in {id}; the answer must be 404.
	kind string
	// body is sent as JSON (built from B's world).
	body func(b world) any
	// query is appended (B's ids as filters).
	query func(b world) string
	// want is the status for routes without {id} (default 200).
	want int
}

func notFoundBody(body func(b world) any) sweepCase { return sweepCase{body: body, want: 404} }

// sweep lists every route. A route missing here fails TestTenantIsolationSweep.
func sweep() map[string]sweepCase {
	id := func(kind string) sweepCase { return sweepCase{kind: kind} }
	idb := func(kind string, body func(b world) any) sweepCase { return sweepCase{kind: kind, body: body} }
	filter := func(q func(b world) string) sweepCase { return sweepCase{query: q} }
	byWarehouse := filter(func(b world) string { return "?warehouse_id=" + b.principal + "&material_id=" + b.materials[0] })
	byBudget := filter(func(b world) string { return "?budget_id=" + b.budget })
	whBody := func(world) any { return obj{"name": "X", "type": "obra", "location": "L", "address": "A"} }
	matBody := func(world) any { return obj{"code": "X-1", "name": "X", "unit": "u", "price_pen": "1"} }
	budBody := func(world) any { return obj{"name": "X", "amount_pen": "1"} }
	reason := func(world) any { return obj{"reason": "r", "reactivation_date": "2999-01-01"} }
	cases := map[string]sweepCase{
		"GET /tenant-profile": {},
		"PUT /tenant-profile": {body: func(world) any { return obj{"company_name": "A SAC"} }},

		"GET /warehouses": filter(func(b world) string { return "?q=Central" }), "GET /warehouses.csv": filter(func(world) string { return "" }),
		"POST /warehouses": {body: func(world) any {
			return obj{"name": "Obra A2", "type": "obra", "location": "L", "address": "A"}
		}, want: 201},
		"GET /warehouses/{id}":    id("principal"),
		"PUT /warehouses/{id}":    idb("obra", whBody),
		"DELETE /warehouses/{id}": id("obra"),

		"GET /materials": byBudget, "GET /materials.csv": byBudget,
		"POST /materials":        {body: func(world) any { return obj{"code": "A-1", "name": "A", "unit": "u", "price_pen": "1"} }, want: 201},
		"GET /materials/{id}":    id("material"),
		"PUT /materials/{id}":    idb("material", matBody),
		"DELETE /materials/{id}": id("material"),

		"GET /stock-lines": byWarehouse, "GET /stock-lines.csv": byWarehouse,
		"GET /stock-lines/{id}":              id("line"),
		"PATCH /stock-lines/{id}":            idb("line", func(world) any { return obj{"note": "x"} }),
		"DELETE /stock-lines/{id}":           id("line"),
		"POST /stock-lines/{id}/adjustments": idb("line", func(world) any { return obj{"counted": "1", "reason": "x"} }),
		"POST /stock-lines/{id}/reassign":    idb("line", func(world) any { return obj{"budget_id": nil} }),
		"POST /stock-lines/{id}/unfreeze":    idb("line", func(world) any { return obj{"budget_id": nil} }),
		"POST /stock-additions": notFoundBody(func(b world) any {
			return obj{"warehouse_id": b.principal, "material_id": b.materials[0], "qty": "1"}
		}),
		"POST /stock-withdrawals": notFoundBody(func(b world) any {
			return obj{"warehouse_id": b.principal, "material_id": b.materials[0], "qty": "1"}
		}),

		"GET /stock-deletions": byWarehouse, "GET /stock-deletions.csv": byWarehouse,
		"GET /stock-deletions/{id}":           id("deletion"),
		"POST /stock-deletions/{id}/lost":     id("deletion"),
		"POST /stock-deletions/{id}/returned": id("deletion"),
		"POST /stock-deletions/{id}/restore":  id("deletion"),

		"GET /requirements": byBudget, "GET /requirements.csv": byBudget,
		"POST /requirements": notFoundBody(func(b world) any {
			return obj{"warehouse_id": b.obra, "budget_id": b.budget, "items": []obj{{"material_id": b.materials[0], "qty": "1"}}}
		}),
		"GET /requirements/{id}":         id("requirement"),
		"POST /requirements/{id}/cancel": idb("requirement", func(world) any { return obj{"reason": "x"} }),

		"GET /dispatches": byBudget, "GET /dispatches.csv": byBudget,
		"POST /dispatches":                        notFoundBody(func(b world) any { return obj{"requirement_id": b.requirement} }),
		"GET /dispatches/{id}":                    id("openDispatch"),
		"POST /dispatches/{id}/cancel":            idb("openDispatch", func(world) any { return obj{"reason": "x"} }),
		"GET /dispatches/{id}/delivery-note.pdf":  id("dispatch"),
		"GET /dispatches/{id}/delivery-note.html": id("dispatch"),

		"GET /receipts": byBudget, "GET /receipts.csv": byBudget,
		"POST /receipts":     notFoundBody(func(b world) any { return obj{"dispatch_id": b.openDispatch} }),
		"GET /receipts/{id}": id("receipt"),

		"GET /movements": byWarehouse, "GET /movements.csv": byWarehouse,
		"GET /reconciliation": {},

		"GET /budgets": filter(func(world) string { return "?q=Proyecto" }), "GET /budgets.csv": filter(func(world) string { return "" }),
		"POST /budgets":                      {body: func(world) any { return obj{"name": "Proyecto A2"} }, want: 201},
		"GET /budgets/{id}":                  id("budget"),
		"PUT /budgets/{id}":                  idb("budget", budBody),
		"DELETE /budgets/{id}":               id("budget"),
		"POST /budgets/{id}/deactivate":      idb("budget", reason),
		"POST /budgets/{id}/reactivate":      idb("budget", reason),
		"POST /budgets/{id}/extend":          idb("budget", reason),
		"POST /budgets/{id}/finish":          idb("budget", reason),
		"POST /budgets/{id}/reopen":          idb("budget", reason),
		"GET /budgets/{id}/events":           id("budget"),
		"GET /budgets/{id}/events.csv":       id("budget"),
		"GET /budgets/{id}/consumption":      id("budget"),
		"GET /budgets/{id}/cost-history":     id("budget"),
		"GET /budgets/{id}/cost-history.csv": id("budget"),
		"GET /cost-history":                  filter(func(world) string { return "?from=2000-01-01" }), "GET /cost-history.csv": filter(func(world) string { return "" }),

		"GET /additionals": byBudget, "GET /additionals.csv": byBudget,
		"POST /additionals": notFoundBody(func(b world) any {
			return obj{"budget_id": b.budget, "concept": "x", "request_date": "2026-01-01"}
		}),
		"GET /additionals/{id}":          id("additional"),
		"PUT /additionals/{id}":          idb("additional", func(world) any { return obj{"concept": "x", "request_date": "2026-01-01"} }),
		"DELETE /additionals/{id}":       id("additional"),
		"POST /additionals/{id}/confirm": idb("additional", func(world) any { return obj{"documents": []obj{{"name": "a.pdf"}}} }),

		"GET /dashboard": {},
	}
	for k, v := range mrpSweep() {
		cases[k] = v
	}
	return cases
}

func (w world) byKind(kind string) string {
	switch kind {
	case "principal":
		return w.principal
	case "obra":
		return w.obra
	case "material":
		return w.materials[0]
	case "budget":
		return w.budget
	case "line":
		return w.line
	case "deletion":
		return w.deletion
	case "requirement":
		return w.requirement
	case "dispatch":
		return w.dispatch
	case "openDispatch":
		return w.openDispatch
	case "receipt":
		return w.receipt
	case "additional":
		return w.additional
	case "bomLine":
		return w.bomLine
	case "demand":
		return w.demand
	case "schedReceipt":
		return w.schedReceipt
	case "run":
		return w.run
	case "plannedOrder":
		return w.plannedOrder
	}
	panic("unknown kind " + kind)
}

// TestTenantIsolationSweep: tenant A calls every route with tenant B's ids. Routes with
// an {id} answer 404; creations referencing B's objects answer 404 naming the field;
// lists filtered by B's ids come back without B's data; B's rows never change; and no
// answer to A ever contains one of B's ids.
func TestTenantIsolationSweep(t *testing.T) {
	e := newEnv(t)
	a, b := e.cliente(), e.cliente()
	bw := b.world()
	a.world() // A has data of its own too, so "empty" is not trivially true
	before := snapshot(t, b.tenant)
	cases := sweep()
	seen := map[string]bool{}
	for _, r := range e.router.Routes() {
		key := r.Method + " " + strings.TrimPrefix(r.Path, "/api/v1/inventory")
		seen[key] = true
		tc, ok := cases[key]
		if !ok {
			t.Errorf("route %s is not in the isolation sweep: add it to sweep()", key)
			continue
		}
		path := r.Path
		// {material_id} is always B's material: A must get 404 for it.
		byMaterial := strings.Contains(path, "{material_id}")
		path = strings.ReplaceAll(path, "{material_id}", bw.materials[0])
		if tc.kind != "" {
			path = strings.ReplaceAll(path, "{id}", bw.byKind(tc.kind))
		} else if strings.Contains(path, "{id}") {
			t.Errorf("%s has {id} but no kind", key)
			continue
		}
		if tc.query != nil {
			path += tc.query(bw)
		}
		var body any
		if tc.body != nil {
			body = tc.body(bw)
		}
		code, resp, _ := a.do(r.Method, path, body)
		want := tc.want
		if want == 0 {
			want = 200
			if tc.kind != "" || byMaterial {
				want = 404
			}
		}
		if code != want {
			t.Errorf("%s as another tenant: status %d, want %d: %s", key, code, want, resp)
		}
		visible := string(resp)
		if code >= 400 {
			// A problem echoes the caller's own request path in "instance"; nothing else.
			var p map[string]any
			_ = json.Unmarshal(resp, &p)
			delete(p, "instance")
			raw, _ := json.Marshal(p)
			visible = string(raw)
		}
		for _, id := range bw.ids() {
			if strings.Contains(visible, id) {
				t.Errorf("%s leaked tenant B's id %s: %s", key, id, resp)
			}
		}
		if want == 404 && tc.kind == "" && !byMaterial {
			var p struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			if err := json.Unmarshal(resp, &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Field == "" {
				t.Errorf("%s: 404 without the field named: %s", key, resp)
			}
		}
	}
	for key := range cases {
		if !seen[key] {
			t.Errorf("sweep lists %s, which is not a route", key)
		}
	}
	if after := snapshot(t, b.tenant); after != before {
		t.Errorf("tenant B's data changed during the sweep")
	}
	b.reconcile()
}
