package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mrpJourney: planning data, a BOM line and a demand entry through the API (the
// cliente's demo catalog), then in the browser run MRP from the MRP page, see the
// planned orders and open an item's MRP record grid.
func mrpJourney(t *testing.T, p *platform, b *browser) {
	var tok struct{ Token string }
	if st := p.api(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "cliente1", "password": "Cliente-456!"}, &tok); st != 200 {
		t.Fatalf("cliente API login: %d", st)
	}
	var mats struct {
		Items []struct{ ID, Code string }
	}
	p.api(t, "GET", "/api/v1/inventory/materials?limit=2", tok.Token, nil, &mats)
	if len(mats.Items) < 2 {
		t.Fatalf("demo catalog too small: %+v", mats.Items)
	}
	parent, comp := mats.Items[0], mats.Items[1]
	item := func(source string, lead int) map[string]any {
		return map[string]any{"source": source, "lead_time": lead, "safety_stock": "0", "policy": "lot_for_lot", "scrap_pct": "0"}
	}
	for _, x := range []struct {
		id   string
		body map[string]any
	}{{parent.ID, item("make", 1)}, {comp.ID, item("buy", 2)}} {
		if st := p.api(t, "PUT", "/api/v1/mrp/items/"+x.id, tok.Token, x.body, nil); st != 200 && st != 201 {
			t.Fatalf("item %s: %d", x.id, st)
		}
	}
	if st := p.api(t, "POST", "/api/v1/mrp/bom-lines", tok.Token, map[string]any{"parent_id": parent.ID, "component_id": comp.ID, "qty_per": "2", "scrap_pct": "0"}, nil); st != 201 && st != 422 {
		t.Fatalf("bom line: %d", st)
	}
	due := time.Now().UTC().AddDate(0, 0, 35).Format(time.DateOnly)
	if st := p.api(t, "POST", "/api/v1/mrp/demands", tok.Token, map[string]any{"material_id": parent.ID, "bucket_date": due, "quantity": "500", "source": "mps", "note": "journey"}, nil); st != 201 {
		t.Fatalf("demand: %d", st)
	}

	b.login("cliente1", "Cliente-456!")
	b.visit("cliente-mrp", "/app/mrp")
	b.run(chromedp.SetValue("#kind", "regenerative", chromedp.ByQuery))
	b.submit("#mrp-run-form")
	if loc := b.location(); !strings.Contains(loc, "/app/mrp/runs/") || !strings.Contains(loc, "flash.mrp_run_done") {
		t.Fatalf("run not started: at %s: %s", loc, b.text("main"))
	}
	run := strings.TrimPrefix(b.location(), "/app/mrp/runs/")
	run = run[:strings.IndexByte(run, '?')]
	b.visit("cliente-mrp-run", "/app/mrp/runs/"+run+"?material_id="+comp.ID)
	if orders := b.text("#planned-orders-table tbody"); !strings.Contains(orders, comp.Code) {
		t.Fatalf("no planned order for the component %s: %s", comp.Code, orders)
	}
	b.visit("cliente-mrp-record", "/app/mrp/runs/"+run+"/record?material_id="+parent.ID)
	if grid := b.text("#mrp-record"); !strings.Contains(grid, "500") {
		t.Fatalf("record grid of %s lacks the demand: %s", parent.Code, grid)
	}
	b.visit("cliente-mrp-item", "/app/mrp/items/"+parent.ID)
	if tree := b.text("#bom-tree"); !strings.Contains(tree, comp.Code) {
		t.Errorf("BOM tree lacks %s: %s", comp.Code, tree)
	}
	b.logout()
}
