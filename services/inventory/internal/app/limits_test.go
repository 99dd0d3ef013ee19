package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
)

// huge overflows every numeric(p,s) column of the service.
const huge = "99999999999999999999999999"

// TestDecimalTooLarge: a decimal beyond its column's numeric(p,s) answers 422 naming the
// field ("is too large"), never a 500 from Postgres' numeric field overflow, and changes
// nothing.
func TestDecimalTooLarge(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	w := c.world()
	m0 := w.materials[0]
	k := newMRPCase(t, e)
	mc := k.c
	demand := mc.create(mrpPath("/demands"), obj{"material_id": k.end, "bucket_date": weekDate(2), "quantity": "1"})["id"].(string)
	receipt := mc.create(mrpPath("/scheduled-receipts"), obj{"material_id": k.comp, "due_date": weekDate(2), "quantity": "1"})["id"].(string)
	var bom []struct {
		ID string `json:"id"`
	}
	var page struct {
		Items json.RawMessage `json:"items"`
	}
	mc.must(http.MethodGet, mrpPath("/bom-lines"), nil, 200, &page)
	mustJSON(t, page.Items, &bom)
	if len(bom) == 0 {
		t.Fatal("no bom line")
	}
	item := func(field, v string) obj {
		return obj{"source": "buy", "lead_time": 1, field: v}
	}
	cases := []struct {
		name, method, path string
		client             *client
		body               any
		field              string
	}{
		{"adjustment counted", "POST", "/stock-lines/" + w.line + "/adjustments", c, obj{"counted": huge, "reason": "x"}, "counted"},
		{"adjustment counted, rounds to 10^14", "POST", "/stock-lines/" + w.line + "/adjustments", c, obj{"counted": "99999999999999.99999", "reason": "x"}, "counted"},
		{"addition qty", "POST", "/stock-additions", c, obj{"warehouse_id": w.principal, "material_id": m0, "qty": huge}, "qty"},
		{"withdrawal qty", "POST", "/stock-withdrawals", c, obj{"warehouse_id": w.principal, "material_id": m0, "qty": huge, "reason": "x"}, "qty"},
		{"material price_pen", "POST", "/materials", c, obj{"code": "N-1", "name": "Nuevo", "unit": "u", "price_pen": huge, "price_usd": "1"}, "price_pen"},
		{"material update price_usd", "PUT", "/materials/" + m0, c, obj{"code": "MAT-000", "name": "M", "unit": "kg", "price_pen": "1", "price_usd": huge}, "price_usd"},
		{"budget amount_pen", "POST", "/budgets", c, obj{"name": "B", "amount_pen": huge, "amount_usd": "1"}, "amount_pen"},
		{"budget update amount_usd", "PUT", "/budgets/" + w.budget, c, obj{"name": "B", "amount_pen": "1", "amount_usd": "100000000000000"}, "amount_usd"},
		{"requirement qty", "POST", "/requirements", c, obj{"warehouse_id": w.obra, "budget_id": w.budget, "items": []obj{{"material_id": m0, "qty": "1"}, {"material_id": w.materials[1], "qty": huge}}}, "items[1].qty"},
		{"dispatch qty", "POST", "/dispatches", c, obj{"requirement_id": w.requirement, "items": []obj{{"material_id": m0, "qty": huge}}}, "items[0].qty"},
		{"receipt received_qty", "POST", "/receipts", c, obj{"dispatch_id": w.openDispatch, "items": []obj{{"material_id": m0, "received_qty": huge, "reason": "x"}}}, "items[0].received_qty"},
		{"mrp item safety_stock", "PUT", mrpPath("/items/" + k.comp), mc, item("safety_stock", huge), "safety_stock"},
		{"mrp item fixed_quantity", "PUT", mrpPath("/items/" + k.comp), mc, obj{"source": "buy", "policy": "fixed_order_quantity", "fixed_quantity": huge}, "fixed_quantity"},
		{"mrp item annual_demand", "PUT", mrpPath("/items/" + k.comp), mc, item("annual_demand", huge), "annual_demand"},
		{"mrp item ordering_cost", "PUT", mrpPath("/items/" + k.comp), mc, item("ordering_cost", huge), "ordering_cost"},
		{"mrp item annual_holding_cost", "PUT", mrpPath("/items/" + k.comp), mc, item("annual_holding_cost", huge), "annual_holding_cost"},
		{"mrp item holding_cost", "PUT", mrpPath("/items/" + k.comp), mc, item("holding_cost", huge), "holding_cost"},
		{"mrp item minimum", "PUT", mrpPath("/items/" + k.comp), mc, item("minimum", huge), "minimum"},
		{"mrp item multiple", "PUT", mrpPath("/items/" + k.comp), mc, item("multiple", huge), "multiple"},
		{"mrp item maximum", "PUT", mrpPath("/items/" + k.comp), mc, item("maximum", huge), "maximum"},
		{"mrp item scrap_pct numeric(9,4)", "PUT", mrpPath("/items/" + k.comp), mc, item("scrap_pct", "100000"), "scrap_pct"},
		{"bom qty_per numeric(18,6)", "POST", mrpPath("/bom-lines"), mc, obj{"parent_id": k.comp, "component_id": k.f.materials[2], "qty_per": "1000000000000"}, "qty_per"},
		{"bom update qty_per", "PUT", mrpPath("/bom-lines/" + bom[0].ID), mc, obj{"parent_id": k.end, "component_id": k.comp, "qty_per": huge}, "qty_per"},
		{"bom scrap_pct", "POST", mrpPath("/bom-lines"), mc, obj{"parent_id": k.comp, "component_id": k.f.materials[2], "qty_per": "1", "scrap_pct": huge}, "scrap_pct"},
		{"demand quantity", "POST", mrpPath("/demands"), mc, obj{"material_id": k.end, "bucket_date": weekDate(1), "quantity": huge}, "quantity"},
		{"demand update quantity", "PUT", mrpPath("/demands/" + demand), mc, obj{"material_id": k.end, "bucket_date": weekDate(1), "quantity": huge}, "quantity"},
		{"scheduled receipt quantity", "POST", mrpPath("/scheduled-receipts"), mc, obj{"material_id": k.comp, "due_date": weekDate(1), "quantity": huge}, "quantity"},
		{"scheduled receipt update quantity", "PUT", mrpPath("/scheduled-receipts/" + receipt), mc, obj{"material_id": k.comp, "due_date": weekDate(1), "quantity": huge}, "quantity"},
		{"demand csv quantity", "POST", mrpPath("/demands/import"), mc, "material_code,bucket_date,quantity\nMAT-000," + weekDate(1) + "," + huge + "\n", "rows[0].quantity"},
		{"simulation quantity", "POST", mrpPath("/simulations"), mc, obj{"overrides": obj{"extra_demand": []obj{{"material_id": k.end, "date": weekDate(1), "quantity": huge}}}}, "overrides.extra_demand[0].quantity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, tc.client.tenant)
			code, body, _ := tc.client.do(tc.method, tc.path, tc.body)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", code, body)
			}
			var p struct {
				Errors []struct{ Field, Reason string } `json:"errors"`
			}
			mustJSON(t, body, &p)
			if len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Reason != "is too large" {
				t.Fatalf("problem does not say %s is too large: %s", tc.field, body)
			}
			if after := snapshot(t, tc.client.tenant); after != before {
				t.Fatal("the tenant's data changed")
			}
		})
	}
	c.reconcile()
}

// TestMRPRunTooManyPlannedOrders: an item whose maximum splits its demand into more than
// mrp.MaxOrdersPerItem orders fails the run fast with a problem naming the material and
// the numbers, for both run kinds, and stores nothing.
func TestMRPRunTooManyPlannedOrders(t *testing.T) {
	e := newEnv(t)
	k := newMRPCase(t, e)
	c := k.c
	rod := k.f.materials[2] // MAT-002
	// Lot modifiers are > 0 when set (0 means none): a negative one is refused at save time.
	for _, f := range []string{"maximum", "multiple", "minimum"} {
		code, body, _ := c.do(http.MethodPut, mrpPath("/items/"+rod), obj{"source": "buy", f: "-0.25"})
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"`+f+`"`) {
			t.Fatalf("%s -0.25: %d %s", f, code, body)
		}
	}
	c.must(http.MethodPut, mrpPath("/items/"+rod), obj{"source": "buy", "lead_time": 1, "safety_stock": "0", "policy": "lot_for_lot", "maximum": "0.25"}, 201, nil)
	c.create(mrpPath("/demands"), obj{"material_id": rod, "bucket_date": weekDate(4), "quantity": "1000000"})
	for _, kind := range []string{"regenerative", "net_change"} {
		t.Run(kind, func(t *testing.T) {
			before := snapshot(t, c.tenant)
			start := time.Now()
			code, body, hdr := c.do(http.MethodPost, mrpPath("/runs"), obj{"kind": kind})
			if code != http.StatusUnprocessableEntity || hdr.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d: %s", code, body)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the run took %v to fail", d)
			}
			var p struct {
				Type, Detail string
			}
			mustJSON(t, body, &p)
			if !strings.HasSuffix(p.Type, "/too-many-planned-orders") {
				t.Fatalf("type %q", p.Type)
			}
			for _, want := range []string{"MAT-002", "4000000", "0.25", "1000000", fmt.Sprint(mrp.MaxOrdersPerItem), "maximum"} {
				if !strings.Contains(p.Detail, want) {
					t.Fatalf("detail does not say %q: %s", want, p.Detail)
				}
			}
			if after := snapshot(t, c.tenant); after != before {
				t.Fatal("a failed run stored something")
			}
			var runs struct {
				Items []obj `json:"items"`
			}
			c.must(http.MethodGet, mrpPath("/runs"), nil, 200, &runs)
			if len(runs.Items) != 1 || runs.Items[0]["id"] != k.run {
				t.Fatalf("runs %v", runs.Items)
			}
		})
	}
	// A sensible maximum plans: 1,000,000 / 250 = 4,000 orders.
	c.must(http.MethodPut, mrpPath("/items/"+rod), obj{"source": "buy", "lead_time": 1, "policy": "lot_for_lot", "maximum": "250"}, 200, nil)
	var run obj
	c.must(http.MethodPost, mrpPath("/runs"), obj{"kind": "net_change"}, 201, &run)
	if run["planned_orders"] != 3.0+4000 {
		t.Fatalf("run %v", run)
	}
}

// TestMRPRunFinishedAt: a run records when it finished, at or after it started, in the
// response and in storage.
func TestMRPRunFinishedAt(t *testing.T) {
	e := newEnv(t)
	k := newMRPCase(t, e)
	before := time.Now().Add(-time.Second)
	var created, stored struct {
		StartedAt  time.Time `json:"started_at"`
		FinishedAt time.Time `json:"finished_at"`
	}
	id := k.c.create(mrpPath("/runs"), obj{"kind": "regenerative"})
	raw, _ := json.Marshal(id)
	mustJSON(t, raw, &created)
	k.c.must(http.MethodGet, mrpPath("/runs/"+id["id"].(string)), nil, 200, &stored)
	after := time.Now().Add(time.Second)
	for _, r := range []struct {
		StartedAt  time.Time `json:"started_at"`
		FinishedAt time.Time `json:"finished_at"`
	}{created, stored} {
		if r.FinishedAt.Before(r.StartedAt) || r.FinishedAt.Before(before) || r.FinishedAt.After(after) {
			t.Fatalf("started %v finished %v (test ran %v..%v)", r.StartedAt, r.FinishedAt, before, after)
		}
	}
	if !created.FinishedAt.Equal(stored.FinishedAt) {
		t.Fatalf("response says finished %v, storage %v", created.FinishedAt, stored.FinishedAt)
	}
}
