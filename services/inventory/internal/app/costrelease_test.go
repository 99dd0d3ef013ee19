package app_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnfreezeWithoutProjectReleasesCost: a line frozen by its project's deletion and
// released without a target project merges into the unassigned line, which must stay
// without project cost (locked cost 0, floating 0, cost mode none) — it used to receive
// the deleted project's locked cost (e.g. 200 PEN "locked" with budget_id null). The
// released cost is written on the TRANSFER movements. Reassigning an active project's
// line to no project releases its cost the same way, and the project's consumption drops.
func TestUnfreezeWithoutProjectReleasesCost(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	m := f.materials[0] // 12.50 PEN, 3.40 USD

	free := c.addStock(f, m, "3", nil)["line"].(obj)["id"].(string)
	gone := c.create("/budgets", obj{"name": "Obra borrada", "amount_pen": "5000"})["id"].(string)
	line := c.addStock(f, m, "16", &gone)["line"].(obj)["id"].(string) // 200 PEN, 54.4 USD locked
	c.must(http.MethodPost, "/budgets/"+gone+"/deactivate", obj{"reason": "pausa", "reactivation_date": "2999-01-01"}, 200, nil)
	c.addStock(f, m, "2", &gone) // floating
	var l obj
	c.must(http.MethodGet, "/stock-lines/"+line, nil, 200, &l)
	if l["locked_cost_pen"] != "200" || l["locked_cost_usd"] != "54.4" || l["floating_qty"] != "2" {
		t.Fatalf("project line before deletion: %v", l)
	}
	c.must(http.MethodDelete, "/budgets/"+gone, nil, 200, nil)

	c.must(http.MethodPost, "/stock-lines/"+line+"/unfreeze", obj{"budget_id": nil}, 200, &l)
	if l["id"] != free || l["budget_id"] != nil || l["frozen"] != false || l["on_hand"] != "21" {
		t.Fatalf("unfrozen into the unassigned line: %v", l)
	}
	if l["locked_cost_pen"] != "0" || l["locked_cost_usd"] != "0" || l["floating_qty"] != "0" || l["cost_mode"] != "none" {
		t.Fatalf("a line without a project carries project cost: %v", l)
	}
	var src obj
	c.must(http.MethodGet, "/stock-lines/"+line, nil, 200, &src)
	if src["on_hand"] != "0" || src["locked_cost_pen"] != "0" || src["locked_cost_usd"] != "0" || src["floating_qty"] != "0" || src["frozen"] != false {
		t.Fatalf("emptied source line: %v", src)
	}
	var mv struct{ Items []obj }
	c.must(http.MethodGet, "/movements?kind=TRANSFER&stock_line_id="+free, nil, 200, &mv)
	const released = "project cost released: locked PEN 200, locked USD 54.4, floating qty 2"
	if len(mv.Items) != 1 || mv.Items[0]["qty"] != "18" || mv.Items[0]["note"] != released {
		t.Fatalf("transfer into the unassigned line: %v", mv.Items)
	}
	invariants(t, c.tenant)

	// Reassigning an active project's line to no project releases its cost too.
	c.addStock(f, m, "4", &f.budget) // 50 PEN, 13.6 USD
	var cons obj
	c.must(http.MethodGet, "/budgets/"+f.budget+"/consumption", nil, 200, &cons)
	if cons["locked_pen"] != "50" || cons["consumed_pen"] != "50" {
		t.Fatalf("consumption before: %v", cons)
	}
	var lines struct{ Items []obj }
	c.must(http.MethodGet, "/stock-lines?budget_id="+f.budget, nil, 200, &lines)
	c.must(http.MethodPost, "/stock-lines/"+lines.Items[0]["id"].(string)+"/reassign", obj{"budget_id": nil}, 200, &l)
	if l["id"] != free || l["on_hand"] != "25" || l["locked_cost_pen"] != "0" || l["locked_cost_usd"] != "0" || l["cost_mode"] != "none" {
		t.Fatalf("reassigned to no project: %v", l)
	}
	c.must(http.MethodGet, "/budgets/"+f.budget+"/consumption", nil, 200, &cons)
	if cons["locked_pen"] != "0" || cons["consumed_pen"] != "0" || cons["locked_usd"] != "0" {
		t.Fatalf("consumption after the stock left the project: %v", cons)
	}

	// Whatever is unassigned, every line's cost agrees with its project.
	var all struct{ Items []obj }
	c.must(http.MethodGet, "/stock-lines?no_budget=true", nil, 200, &all)
	for _, x := range all.Items {
		if x["locked_cost_pen"] != "0" || x["locked_cost_usd"] != "0" || x["floating_qty"] != "0" || x["cost_mode"] != "none" {
			t.Fatalf("unassigned line with project cost: %v", x)
		}
	}
	invariants(t, c.tenant)
	c.reconcile()
}

// TestCancelDispatchRecordsReason: the cancellation reason the web form sends is kept on
// the dispatch (detail and list, with who cancelled and when) and on its dispatch_cancel
// movements in the ledger; a missing, blank or too long reason is a 422 naming "reason"
// and cancels nothing.
func TestCancelDispatchRecordsReason(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(2)
	c.addStock(f, f.materials[0], "10", &f.budget)
	c.addStock(f, f.materials[1], "10", &f.budget)
	req := c.create("/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget,
		"items": []obj{{"material_id": f.materials[0], "qty": "4"}, {"material_id": f.materials[1], "qty": "2"}}})
	d := c.create("/dispatches", obj{"requirement_id": req["id"]})["id"].(string)
	path := "/dispatches/" + d + "/cancel"

	for _, body := range []any{nil, obj{}, obj{"reason": " \t "}, obj{"reason": strings.Repeat("x", 501)}} {
		code, res, _ := c.do(http.MethodPost, path, body)
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(res), `"field":"reason"`) {
			t.Fatalf("cancel with %v: %d %s", body, code, res)
		}
	}
	var got obj
	c.must(http.MethodGet, "/dispatches/"+d, nil, 200, &got)
	if got["status"] != "active" || got["cancel_reason"] != "" || got["cancelled_by"] != "" {
		t.Fatalf("refused cancellations changed the dispatch: %v", got)
	}

	const reason = "Camión averiado: se reprograma"
	c.must(http.MethodPost, path, obj{"reason": "  " + reason + " "}, 200, &got)
	if got["status"] != "cancelled" || got["cancel_reason"] != reason || got["cancelled_by"] != c.tenant || got["cancelled_at"] == nil {
		t.Fatalf("cancelled dispatch: %v", got)
	}
	c.must(http.MethodGet, "/dispatches/"+d, nil, 200, &got)
	if got["cancel_reason"] != reason {
		t.Fatalf("detail: %v", got)
	}
	var list struct{ Items []obj }
	c.must(http.MethodGet, "/dispatches?status=cancelled", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0]["cancel_reason"] != reason {
		t.Fatalf("list: %v", list.Items)
	}
	code, csv, _ := c.do(http.MethodGet, "/dispatches.csv?status=cancelled", nil)
	if code != 200 || !strings.Contains(string(csv), "cancel_reason") || !strings.Contains(string(csv), reason) {
		t.Fatalf("csv: %d %s", code, csv)
	}
	var mv struct{ Items []obj }
	c.must(http.MethodGet, "/movements?reference_type=dispatch_cancel", nil, 200, &mv)
	if len(mv.Items) != 2 {
		t.Fatalf("dispatch_cancel movements: %v", mv.Items)
	}
	for _, x := range mv.Items {
		if x["note"] != reason || x["reference_id"] != d || x["actor_id"] != c.tenant {
			t.Fatalf("ledger entry without the reason: %v", x)
		}
	}
	// A second cancellation is refused and keeps the first reason.
	code, res, _ := c.do(http.MethodPost, path, obj{"reason": "otra"})
	if code != http.StatusConflict || !strings.Contains(string(res), "dispatch-cancelled") {
		t.Fatalf("second cancel: %d %s", code, res)
	}
	c.must(http.MethodGet, "/dispatches/"+d, nil, 200, &got)
	if got["cancel_reason"] != reason {
		t.Fatalf("reason overwritten: %v", got)
	}
	invariants(t, c.tenant)
	c.reconcile()
}
