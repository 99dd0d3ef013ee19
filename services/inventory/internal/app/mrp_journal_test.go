package app_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestNetChangeJournalComplete makes every kind of write that can change MRP inputs and
// after each one runs a net change. The runner verifies each journal-driven net change
// (VerifyNetChange is on in these tests: the patched input must equal a full reload and
// the patched model mrp.Compile of it, else the run fails), and the test compares the
// stored result with a regenerative run's. A write whose trigger does not journal the
// materials it touches fails here.
func TestNetChangeJournalComplete(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(5)
	a, b, cc, d, e5 := f.materials[0], f.materials[1], f.materials[2], f.materials[3], f.materials[4]
	c.must(http.MethodPut, mrpPath("/settings"), obj{"bucket": "week", "horizon": 8}, 200, nil)
	c.must(http.MethodPut, mrpPath("/items/"+a), obj{"source": "make", "lead_time": 1, "policy": "lot_for_lot"}, 201, nil)
	c.must(http.MethodPut, mrpPath("/items/"+b), obj{"source": "buy", "lead_time": 2, "policy": "fixed_order_quantity", "fixed_quantity": "40"}, 201, nil)
	c.must(http.MethodPut, mrpPath("/items/"+cc), obj{"source": "buy", "lead_time": 1, "safety_stock": "3"}, 201, nil)
	c.create(mrpPath("/bom-lines"), obj{"parent_id": a, "component_id": b, "qty_per": "2"})
	c.create(mrpPath("/demands"), obj{"material_id": a, "bucket_date": weekDate(3), "quantity": "10"})
	c.create(mrpPath("/demands"), obj{"material_id": cc, "bucket_date": weekDate(4), "quantity": "6"})
	c.addStock(f, b, "30", nil)
	regen := c.create(mrpPath("/runs"), obj{"kind": "regenerative"})["id"].(string)

	// check runs a net change, which must be journal-driven unless the item list changed
	// (then the runner falls back to a regenerative run, also exact), and compares it with
	// a regenerative run, which becomes the next net change's base.
	check := func(write string, itemListChanged bool) {
		t.Helper()
		var net struct {
			ID           string `json:"id"`
			Kind         string `json:"kind"`
			ItemsPlanned int    `json:"items_planned"`
			Orders       int    `json:"planned_orders"`
		}
		code, body, _ := c.do(http.MethodPost, mrpPath("/runs"), obj{"kind": "net_change"})
		if code != http.StatusCreated {
			t.Fatalf("%s: net change: %d %s", write, code, body)
		}
		mustJSON(t, body, &net)
		if !itemListChanged && net.Kind != "net_change" {
			t.Fatalf("%s: run kind %s, want net_change", write, net.Kind)
		}
		regen = c.create(mrpPath("/runs"), obj{"kind": "regenerative"})["id"].(string)
		x, y := orderKeys(c.runOrders(net.ID)), orderKeys(c.runOrders(regen))
		if !slices.Equal(x, y) || len(x) != net.Orders {
			t.Fatalf("%s: net change orders\n%v\nregenerative\n%v", write, x, y)
		}
		if x, y := c.runExceptions(net.ID), c.runExceptions(regen); !slices.Equal(x, y) {
			t.Fatalf("%s: exceptions differ\n%v\n%v", write, x, y)
		}
	}
	check("nothing", false)

	// Item planning data.
	c.must(http.MethodPut, mrpPath("/items/"+d), obj{"source": "buy", "lead_time": 1}, 201, nil)
	check("item create", true)
	c.must(http.MethodPut, mrpPath("/items/"+b), obj{"source": "buy", "lead_time": 1, "policy": "fixed_order_quantity", "fixed_quantity": "25"}, 200, nil)
	check("item update", false)

	// BOM lines.
	line := c.create(mrpPath("/bom-lines"), obj{"parent_id": a, "component_id": cc, "qty_per": "1"})["id"].(string)
	check("bom line create", false)
	c.must(http.MethodPut, mrpPath("/bom-lines/"+line), obj{"parent_id": a, "component_id": cc, "qty_per": "3"}, 200, nil)
	check("bom line update (quantity per)", false)
	c.must(http.MethodPut, mrpPath("/bom-lines/"+line), obj{"parent_id": a, "component_id": cc, "qty_per": "3", "scrap_pct": "10"}, 200, nil)
	check("bom line update (scrap)", false)
	c.must(http.MethodDelete, mrpPath("/bom-lines/"+line), nil, 204, nil)
	check("bom line delete", false)

	// Demand.
	dem := c.create(mrpPath("/demands"), obj{"material_id": a, "bucket_date": weekDate(5), "quantity": "20"})["id"].(string)
	check("demand create", false)
	c.must(http.MethodPut, mrpPath("/demands/"+dem), obj{"material_id": a, "bucket_date": weekDate(5), "quantity": "33"}, 200, nil)
	check("demand update (quantity)", false)
	c.must(http.MethodPut, mrpPath("/demands/"+dem), obj{"material_id": cc, "bucket_date": weekDate(2), "quantity": "33"}, 200, nil)
	check("demand update (material, date)", false)
	c.must(http.MethodDelete, mrpPath("/demands/"+dem), nil, 204, nil)
	check("demand delete", false)
	c.must(http.MethodPost, mrpPath("/demands/import"), "material_code,bucket_date,quantity\nMAT-000,"+weekDate(6)+",7\nMAT-003,"+weekDate(2)+",4\n", 201, nil)
	check("demand import", false)

	// Scheduled receipts.
	rec := c.create(mrpPath("/scheduled-receipts"), obj{"material_id": b, "due_date": weekDate(2), "quantity": "15"})["id"].(string)
	check("scheduled receipt create", false)
	c.must(http.MethodPut, mrpPath("/scheduled-receipts/"+rec), obj{"material_id": b, "due_date": weekDate(3), "quantity": "12"}, 200, nil)
	check("scheduled receipt update", false)
	c.must(http.MethodDelete, mrpPath("/scheduled-receipts/"+rec), nil, 204, nil)
	check("scheduled receipt delete", false)

	// Firm a planned buy order, then convert it into a requirement.
	var buy plannedOrder
	for _, o := range c.runOrders(regen) {
		if o.MaterialID == b && !o.Firm {
			buy = o
			break
		}
	}
	if buy.ID == "" {
		t.Fatalf("no planned order of %s in %v", b, c.runOrders(regen))
	}
	c.must(http.MethodPost, mrpPath("/planned-orders/"+buy.ID+"/firm"), nil, 200, nil)
	check("firm planned order", false)
	for _, o := range c.runOrders(regen) {
		if o.Firm && o.MaterialID == b {
			buy = o
		}
	}
	c.must(http.MethodPost, mrpPath("/planned-orders/"+buy.ID+"/convert"), obj{"warehouse_id": f.obra, "budget_id": f.budget}, 201, nil)
	check("convert firmed order", false)

	// Stock in the principal warehouse.
	add := c.addStock(f, cc, "9", nil)
	check("stock addition", false)
	c.create("/stock-withdrawals", obj{"warehouse_id": f.principal, "material_id": cc, "qty": "2"})
	check("stock withdrawal", false)
	lineID := add["line"].(obj)["id"].(string)
	c.must(http.MethodPost, "/stock-lines/"+lineID+"/adjustments", obj{"counted": "4", "reason": "conteo"}, 200, nil)
	check("stock adjustment", false)

	// Requirements: create, cancel, create and dispatch, receive (the converted order's
	// requirement reserved b's stock: add some first).
	c.addStock(f, b, "20", &f.budget)
	check("stock addition (budget)", false)
	req := c.create("/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{{"material_id": b, "qty": "6"}}})["id"].(string)
	check("requirement create", false)
	c.must(http.MethodPost, "/requirements/"+req+"/cancel", obj{"reason": "ya no"}, 200, nil)
	check("requirement cancel", false)
	req = c.create("/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{{"material_id": b, "qty": "8"}}})["id"].(string)
	check("requirement create (2)", false)
	disp := c.create("/dispatches", obj{"requirement_id": req, "items": []obj{{"material_id": b, "qty": "5"}}})["id"].(string)
	check("requirement dispatch", false)
	c.create("/receipts", obj{"dispatch_id": disp})
	check("dispatch received", false)

	// Item planning data removed (the item list changes: regenerative fallback).
	c.must(http.MethodPut, mrpPath("/items/"+e5), obj{"source": "buy"}, 201, nil)
	check("item create (2)", true)
	c.must(http.MethodDelete, mrpPath("/items/"+e5), nil, 204, nil)
	check("item delete", true)
	c.reconcile()
}
