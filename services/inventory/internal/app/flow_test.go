package app_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"
)

// TestFullFlow walks the old system's main path: stock in, requirement auto-reserved,
// dispatch with a GR number and delivery notes, partial receipt with a discrepancy,
// ledger reconciling, CSV and dashboard.
func TestFullFlow(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(2)
	m0, m1 := f.materials[0], f.materials[1]

	add := c.addStock(f, m0, "40", &f.budget)
	if add["applied_cost_pen"] != "500" {
		t.Fatalf("applied cost = %v, want 500 (40 × 12.50 locked)", add["applied_cost_pen"])
	}
	c.addStock(f, m1, "5.5", nil)

	var req struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Items  []struct {
			MaterialID  string `json:"material_id"`
			ReservedQty string `json:"reserved_qty"`
			Status      string `json:"status"`
		} `json:"items"`
	}
	c.must(http.MethodPost, "/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{
		{"material_id": m0, "qty": "10"}, {"material_id": m1, "qty": "8"},
	}}, 201, &req)
	if req.Status != "pending" || req.Items[0].Status != "reserved" || req.Items[0].ReservedQty != "10" || req.Items[1].Status != "pending" {
		t.Fatalf("requirement after creation: %+v", req)
	}
	// More stock of m1 re-processes the waiting item.
	add = c.addStock(f, m1, "3", nil)
	if ready := add["ready_requirements"].([]any); len(ready) != 1 || ready[0] != req.ID {
		t.Fatalf("ready requirements = %v, want [%s]", ready, req.ID)
	}

	var d struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Items  []obj  `json:"items"`
	}
	c.must(http.MethodPost, "/dispatches", obj{"requirement_id": req.ID, "items": []obj{{"material_id": m0, "qty": "6"}}}, 201, &d)
	if !regexp.MustCompile(`^GR-\d{8}-\d{5}$`).MatchString(d.Number) {
		t.Fatalf("number %q", d.Number)
	}
	var got obj
	c.must(http.MethodGet, "/requirements/"+req.ID, nil, 200, &got)
	if got["status"] != "partial" {
		t.Fatalf("requirement status %v, want partial", got["status"])
	}

	code, pdf, hdr := c.do(http.MethodGet, "/dispatches/"+d.ID+"/delivery-note.pdf", nil)
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) || hdr.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %q", code, pdf[:min(len(pdf), 20)])
	}
	code, html, _ := c.do(http.MethodGet, "/dispatches/"+d.ID+"/delivery-note.html", nil)
	if code != 200 || !strings.Contains(string(html), "Constructora &lt;Prueba&gt; SAC") || !strings.Contains(string(html), d.Number) {
		t.Fatalf("html note (%d) lacks escaped company data or number", code)
	}

	var rc struct {
		Status string `json:"status"`
		Items  []obj  `json:"items"`
	}
	c.must(http.MethodPost, "/receipts", obj{"dispatch_id": d.ID, "items": []obj{{"material_id": m0, "received_qty": "5", "reason": "una bolsa rota"}}}, 201, &rc)
	if rc.Status != "partial" || rc.Items[0]["discrepancy_qty"] != "1" {
		t.Fatalf("receipt: %+v", rc)
	}
	code, body, _ := c.do(http.MethodPost, "/receipts", obj{"dispatch_id": d.ID})
	if code != http.StatusConflict || !strings.Contains(string(body), `"field":"dispatch_id"`) {
		t.Fatalf("double receipt: %d %s", code, body)
	}

	// The rest of the requirement, then fulfilled.
	c.must(http.MethodPost, "/dispatches", obj{"requirement_id": req.ID}, 201, nil)
	c.must(http.MethodGet, "/requirements/"+req.ID, nil, 200, &got)
	if got["status"] != "fulfilled" {
		t.Fatalf("requirement status %v, want fulfilled", got["status"])
	}

	var obraLines struct{ Items []obj }
	c.must(http.MethodGet, "/stock-lines?warehouse_id="+f.obra, nil, 200, &obraLines)
	if len(obraLines.Items) != 1 || obraLines.Items[0]["on_hand"] != "5" || obraLines.Items[0]["budget_id"] != f.budget {
		t.Fatalf("obra stock: %+v", obraLines.Items)
	}
	c.reconcile()

	// CSV: header of JSON names; formula cells defused.
	c.create("/materials", obj{"code": "EVIL-1", "name": "=HYPERLINK(\"x\")", "unit": "u", "price_pen": "1"})
	code, raw, hdr := c.do(http.MethodGet, "/materials.csv", nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", code, hdr.Get("Content-Type"))
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || rows[0][0] != "id" || rows[0][1] != "code" {
		t.Fatalf("csv header: %v %v", rows, err)
	}
	if !strings.Contains(string(raw), `'=HYPERLINK`) {
		t.Fatalf("formula not defused: %s", raw)
	}
	for _, p := range []string{"/warehouses", "/stock-lines", "/requirements", "/dispatches", "/receipts", "/movements", "/budgets", "/additionals", "/stock-deletions", "/cost-history", "/budgets/" + f.budget + "/events", "/budgets/" + f.budget + "/cost-history"} {
		code, _, hdr := c.do(http.MethodGet, p+".csv", nil)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s.csv: %d", p, code)
		}
	}

	var dash obj
	c.must(http.MethodGet, "/dashboard", nil, 200, &dash)
	if dash["dispatches"].(float64) != 2 || dash["dispatched_units"] != "18" {
		t.Fatalf("dashboard: %v", dash)
	}
}

// TestPagination pages through a list with the cursor.
func TestPagination(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	c.setup(7)
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var page struct {
			Items      []obj  `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		c.must(http.MethodGet, "/materials?limit=3&cursor="+cursor, nil, 200, &page)
		for _, m := range page.Items {
			seen[m["id"].(string)] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 7 {
		t.Fatalf("saw %d materials, want 7", len(seen))
	}
	code, _, _ := c.do(http.MethodGet, "/materials?cursor=garbage", nil)
	if code != 422 {
		t.Fatalf("bad cursor: %d", code)
	}
}

// TestStockLifecycle covers deletion tracking, restore, reassignment with cost, budget
// deactivation (floating cost) and reactivation (locked), freezing on project deletion.
func TestStockLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	m := f.materials[0]
	line := c.addStock(f, m, "10", &f.budget)["line"].(obj)["id"].(string)

	var del obj
	c.must(http.MethodDelete, "/stock-lines/"+line+"?reason=inventario", nil, 200, &del)
	if del["status"] != "pending" || del["qty"] != "10" || del["locked_cost_pen"] != "125" {
		t.Fatalf("deletion: %v", del)
	}
	var cons obj
	c.must(http.MethodGet, "/budgets/"+f.budget+"/consumption", nil, 200, &cons)
	if cons["consumed_pen"] != "125" || cons["pending_deleted_pen"] != "125" {
		t.Fatalf("consumption with pending deletion: %v", cons)
	}
	c.must(http.MethodPost, "/stock-deletions/"+del["id"].(string)+"/restore", nil, 200, &del)
	if del["status"] != "restored" {
		t.Fatalf("restore: %v", del)
	}
	code, _, _ := c.do(http.MethodPost, "/stock-deletions/"+del["id"].(string)+"/lost", nil)
	if code != http.StatusConflict {
		t.Fatalf("resolving twice: %d", code)
	}
	var l obj
	c.must(http.MethodGet, "/stock-lines/"+line, nil, 200, &l)
	if l["on_hand"] != "10" || l["locked_cost_pen"] != "125" {
		t.Fatalf("restored line: %v", l)
	}

	// Deactivated project: new stock floats; reactivation locks it at the current price.
	c.must(http.MethodPost, "/budgets/"+f.budget+"/deactivate", obj{"reason": "pausa", "reactivation_date": "2999-01-01"}, 200, nil)
	c.addStock(f, m, "4", &f.budget)
	c.must(http.MethodGet, "/stock-lines/"+line, nil, 200, &l)
	if l["floating_qty"] != "4" || l["cost_mode"] != "floating" {
		t.Fatalf("floating: %v", l)
	}
	c.must(http.MethodPost, "/budgets/"+f.budget+"/extend", obj{"reason": "lluvias", "reactivation_date": "2999-02-01"}, 200, nil)
	c.must(http.MethodPost, "/budgets/"+f.budget+"/reactivate", obj{"reason": "reinicio"}, 200, nil)
	c.must(http.MethodGet, "/stock-lines/"+line, nil, 200, &l)
	if l["floating_qty"] != "0" || l["locked_cost_pen"] != "175" {
		t.Fatalf("locked after reactivation: %v", l)
	}
	var ev struct{ Items []obj }
	c.must(http.MethodGet, "/budgets/"+f.budget+"/events", nil, 200, &ev)
	if len(ev.Items) != 4 || ev.Items[1]["kind"] != "extended" || ev.Items[1]["previous_date"] != "2999-01-01" {
		t.Fatalf("history: %v", ev.Items)
	}

	// Reassign to another project carries cost.
	b2 := c.create("/budgets", obj{"name": "Proyecto B", "amount_pen": "1000"})["id"].(string)
	c.must(http.MethodPost, "/stock-lines/"+line+"/reassign", obj{"budget_id": b2}, 200, &l)
	if l["budget_id"] != b2 || l["on_hand"] != "14" || l["locked_cost_pen"] != "175" {
		t.Fatalf("reassigned: %v", l)
	}
	// Project deleted: lines frozen; unfreeze without project.
	var res obj
	c.must(http.MethodDelete, "/budgets/"+b2, nil, 200, &res)
	if res["frozen_lines"].(float64) != 1 {
		t.Fatalf("frozen: %v", res)
	}
	c.must(http.MethodGet, "/stock-lines/"+l["id"].(string), nil, 200, &l)
	if l["frozen"] != true {
		t.Fatalf("line not frozen: %v", l)
	}
	c.must(http.MethodPost, "/stock-lines/"+l["id"].(string)+"/unfreeze", obj{"budget_id": nil}, 200, &l)
	if l["frozen"] != false || l["budget_id"] != nil || l["on_hand"] != "14" || l["locked_cost_pen"] != "0" || l["cost_mode"] != "none" {
		t.Fatalf("unfrozen (the deleted project's cost is released): %v", l)
	}
	// Additionals with AD codes.
	ad := c.create("/additionals", obj{"budget_id": f.budget, "concept": "Muro extra", "request_date": "2026-01-10"})
	var conf obj
	c.must(http.MethodPost, "/additionals/"+ad["id"].(string)+"/confirm", obj{"documents": []obj{{"name": "acta.pdf", "content_type": "application/pdf", "size_bytes": 1200}}}, 200, &conf)
	if !regexp.MustCompile(`^AD-\d{8}-\d{5}$`).MatchString(conf["confirmation_code"].(string)) {
		t.Fatalf("code: %v", conf["confirmation_code"])
	}
	c.must(http.MethodPost, "/budgets/"+f.budget+"/finish", obj{}, 200, nil)
	c.must(http.MethodPost, "/budgets/"+f.budget+"/reopen", obj{}, 200, nil)
	c.reconcile()
}

// TestImpersonatedWriteAudited: a superadmin acting as a cliente leaves an audit event
// with both identities; the cliente's own writes do not.
func TestImpersonatedWriteAudited(t *testing.T) {
	e := newEnv(t)
	own := e.cliente()
	own.create("/warehouses", obj{"name": "Central", "type": "principal", "location": "Lima", "address": "x"})
	if n := len(e.sink.all()); n != 0 {
		t.Fatalf("own write audited: %d events", n)
	}
	imp := e.as(authn.Principal{UserID: own.tenant, Username: "cliente1", Role: authn.RoleCliente,
		Act: &authn.Actor{UserID: "11111111-1111-1111-1111-111111111111", Username: "superadmin"}})
	w := imp.create("/warehouses", obj{"name": "Obra", "type": "obra", "location": "Lima", "address": "y"})
	imp.must(http.MethodGet, "/warehouses", nil, 200, nil)
	ev := e.sink.all()
	if len(ev) != 1 {
		t.Fatalf("events: %+v", ev)
	}
	if ev[0].ActorID != "11111111-1111-1111-1111-111111111111" || ev[0].SubjectID != own.tenant || ev[0].Action != "POST /api/v1/inventory/warehouses" || ev[0].Status != 201 {
		t.Fatalf("event: %+v", ev[0])
	}
	// The impersonated write lands in the cliente's tenant.
	own.must(http.MethodGet, "/warehouses/"+w["id"].(string), nil, 200, nil)
}

// TestGuards: every route is registered with a guard; anonymous callers get 401 and
// non-tenant roles 403.
func TestGuards(t *testing.T) {
	e := newEnv(t)
	if err := e.router.CheckGuarded(e.server.Public); err != nil {
		t.Fatal(err)
	}
	anon := &client{e: e}
	admin := e.as(authn.Principal{UserID: "22222222-2222-2222-2222-222222222222", Username: "admin", Role: authn.RoleAdmin})
	super := e.as(authn.Principal{UserID: "33333333-3333-3333-3333-333333333333", Username: "superadmin", Role: authn.RoleSuperadmin})
	for _, r := range e.router.Routes() {
		if r.Guard.Name() != "tenant" {
			t.Errorf("%s %s has guard %s, want tenant", r.Method, r.Path, r.Guard.Name())
		}
		path := strings.ReplaceAll(r.Path, "{id}", "00000000-0000-0000-0000-000000000000")
		if code, _, _ := anon.do(r.Method, path, nil); code != 401 {
			t.Errorf("anonymous %s %s: %d", r.Method, path, code)
		}
		for _, c := range []*client{admin, super} {
			if code, _, _ := c.do(r.Method, path, nil); code != 403 {
				t.Errorf("non-tenant %s %s: %d", r.Method, path, code)
			}
		}
	}
}
