package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func mrpPath(p string) string { return "/api/v1/mrp" + p }

// weekDate is the first day of weekly bucket n of a run started now.
func weekDate(n int) string {
	d := time.Now().UTC().Truncate(24 * time.Hour)
	d = d.AddDate(0, 0, -((int(d.Weekday())+6)%7)+7*n)
	return d.Format(time.DateOnly)
}

// mrpSweep lists every MRP route for TestTenantIsolationSweep ({material_id} is always
// tenant B's material).
func mrpSweep() map[string]sweepCase {
	id := func(kind string) sweepCase { return sweepCase{kind: kind} }
	idb := func(kind string, body func(b world) any) sweepCase { return sweepCase{kind: kind, body: body} }
	byMaterial := sweepCase{query: func(b world) string { return "?material_id=" + b.materials[0] }}
	item := func(world) any { return obj{"source": "buy"} }
	c := map[string]sweepCase{
		"GET /settings": {}, "PUT /settings": {body: func(world) any { return obj{"bucket": "week", "horizon": 52} }},
		"GET /items": {}, "GET /items.csv": {},
		"GET /items/{material_id}": {}, "PUT /items/{material_id}": {body: item}, "DELETE /items/{material_id}": {},
		"GET /items/{material_id}/bom-tree": {}, "GET /items/{material_id}/where-used": {},
		"GET /bom-lines":     {query: func(b world) string { return "?parent_id=" + b.materials[0] }},
		"GET /bom-lines.csv": {query: func(b world) string { return "?component_id=" + b.materials[1] }},
		"POST /bom-lines": notFoundBody(func(b world) any {
			return obj{"parent_id": b.materials[0], "component_id": b.materials[1], "qty_per": "1"}
		}),
		"PUT /bom-lines/{id}": idb("bomLine", func(b world) any {
			return obj{"parent_id": b.materials[0], "component_id": b.materials[1], "qty_per": "3"}
		}),
		"DELETE /bom-lines/{id}": id("bomLine"),
		"GET /demands":           byMaterial, "GET /demands.csv": byMaterial,
		"POST /demands": notFoundBody(func(b world) any {
			return obj{"material_id": b.materials[0], "bucket_date": weekDate(2), "quantity": "1"}
		}),
		"POST /demands/import": {body: func(b world) any {
			return "material_id,bucket_date,quantity\n" + b.materials[0] + "," + weekDate(2) + ",1\n"
		}, want: 422},
		"PUT /demands/{id}": idb("demand", func(b world) any {
			return obj{"material_id": b.materials[0], "bucket_date": weekDate(2), "quantity": "1"}
		}),
		"DELETE /demands/{id}":    id("demand"),
		"GET /scheduled-receipts": byMaterial, "GET /scheduled-receipts.csv": byMaterial,
		"POST /scheduled-receipts": notFoundBody(func(b world) any {
			return obj{"material_id": b.materials[1], "due_date": weekDate(2), "quantity": "1"}
		}),
		"PUT /scheduled-receipts/{id}": idb("schedReceipt", func(b world) any {
			return obj{"material_id": b.materials[1], "due_date": weekDate(2), "quantity": "1"}
		}),
		"DELETE /scheduled-receipts/{id}": id("schedReceipt"),
		"POST /runs":                      {body: func(world) any { return obj{"kind": "net_change"} }, want: 201},
		"GET /runs":                       {}, "GET /runs.csv": {},
		"GET /runs/{id}":                id("run"),
		"GET /runs/{id}/planned-orders": id("run"), "GET /runs/{id}/planned-orders.csv": id("run"),
		"GET /runs/{id}/exceptions": id("run"), "GET /runs/{id}/exceptions.csv": id("run"),
		"GET /runs/{id}/records/{material_id}": id("run"), "GET /runs/{id}/records/{material_id}.csv": id("run"),
		"GET /planned-orders/{id}/pegging": id("plannedOrder"),
		"POST /planned-orders/{id}/firm":   id("plannedOrder"),
		"POST /planned-orders/{id}/convert": idb("plannedOrder", func(b world) any {
			return obj{"warehouse_id": b.obra, "budget_id": b.budget}
		}),
		"POST /simulations": notFoundBody(func(b world) any {
			return obj{"overrides": obj{"extra_demand": []obj{{"material_id": b.materials[0], "date": weekDate(2), "quantity": "5"}}}}
		}),
	}
	out := map[string]sweepCase{}
	for k, v := range c {
		method, path, _ := strings.Cut(k, " ")
		out[method+" /api/v1/mrp"+path] = v
	}
	return out
}

type plannedOrder struct {
	ID            string `json:"id"`
	MaterialID    string `json:"material_id"`
	Source        string `json:"source"`
	Firm          bool   `json:"firm"`
	FirmOrderID   string `json:"firm_order_id"`
	PastDue       bool   `json:"past_due"`
	ReleaseBucket int    `json:"release_bucket"`
	DueBucket     int    `json:"due_bucket"`
	Quantity      string `json:"quantity"`
}

func (o plannedOrder) key() string {
	return fmt.Sprintf("%s %s rel=%d due=%d qty=%s firm=%v", o.MaterialID, o.Source, o.ReleaseBucket, o.DueBucket, o.Quantity, o.Firm)
}

func (c *client) runOrders(run string) []plannedOrder {
	c.e.t.Helper()
	var out []plannedOrder
	cursor := ""
	for {
		var page struct {
			Items      []plannedOrder `json:"items"`
			NextCursor string         `json:"next_cursor"`
		}
		c.must(http.MethodGet, mrpPath("/runs/"+run+"/planned-orders?limit=500&cursor="+cursor), nil, 200, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func (c *client) runExceptions(run string) []string {
	c.e.t.Helper()
	var page struct{ Items []obj }
	c.must(http.MethodGet, mrpPath("/runs/"+run+"/exceptions?limit=500"), nil, 200, &page)
	var out []string
	for _, e := range page.Items {
		out = append(out, fmt.Sprint(e["material_id"], e["kind"], e["bucket"], e["to_bucket"], e["quantity"]))
	}
	slices.Sort(out)
	return out
}

func orderKeys(os []plannedOrder) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.key())
	}
	slices.Sort(out)
	return out
}

// mrpCase is the hand-computed example: END (make, lead time 1, lot-for-lot) needs 2 ×
// COMP (buy, lead time 2, fixed order quantity 50, 30 on hand in the principal store).
// END demand: 10 in week 3, 20 in week 5.
//
//	END:  gross 3:10 5:20 → planned receipts 3:10 5:20 → releases 2:10 4:20
//	COMP: gross 2:20 4:40; on hand 30 → 10 left after week 2; week 4 short 30 →
//	      FOQ 50 due 4, released 2; projected on hand at the end of week 4: 20.
type mrpCase struct {
	c              *client
	f              fixture
	end, comp      string
	demand5        string
	run            string
	orders         []plannedOrder
	endCode, cCode string
}

func newMRPCase(t *testing.T, e *env) *mrpCase {
	c := e.cliente()
	k := &mrpCase{c: c, f: c.setup(3)}
	k.end, k.comp = k.f.materials[0], k.f.materials[1]
	c.must(http.MethodPut, mrpPath("/settings"), obj{"bucket": "week", "horizon": 8}, 200, nil)
	c.must(http.MethodPut, mrpPath("/items/"+k.end), obj{"source": "make", "lead_time": 1, "policy": "lot_for_lot"}, 201, nil)
	c.must(http.MethodPut, mrpPath("/items/"+k.comp), obj{"source": "buy", "lead_time": 2, "policy": "fixed_order_quantity", "fixed_quantity": "50"}, 201, nil)
	c.create(mrpPath("/bom-lines"), obj{"parent_id": k.end, "component_id": k.comp, "qty_per": "2"})
	c.create(mrpPath("/demands"), obj{"material_id": k.end, "bucket_date": weekDate(3), "quantity": "10", "source": "mps"})
	k.demand5 = c.create(mrpPath("/demands"), obj{"material_id": k.end, "bucket_date": weekDate(5), "quantity": "20"})["id"].(string)
	c.addStock(k.f, k.comp, "30", nil)
	k.run = c.create(mrpPath("/runs"), obj{"kind": "regenerative"})["id"].(string)
	k.orders = c.runOrders(k.run)
	return k
}

func (k *mrpCase) order(material string, due int) plannedOrder {
	for _, o := range k.orders {
		if o.MaterialID == material && o.DueBucket == due {
			return o
		}
	}
	k.c.e.t.Fatalf("no order of %s due %d in %v", material, due, k.orders)
	return plannedOrder{}
}

// TestMRPRunEndToEnd: items + BOM + demand + stock → the hand-computed planned orders and
// record; pegging; firming survives the next run; convert creates a requirement.
func TestMRPRunEndToEnd(t *testing.T) {
	e := newEnv(t)
	k := newMRPCase(t, e)
	c := k.c
	want := []string{
		plannedOrder{MaterialID: k.end, Source: "make", ReleaseBucket: 2, DueBucket: 3, Quantity: "10"}.key(),
		plannedOrder{MaterialID: k.end, Source: "make", ReleaseBucket: 4, DueBucket: 5, Quantity: "20"}.key(),
		plannedOrder{MaterialID: k.comp, Source: "buy", ReleaseBucket: 2, DueBucket: 4, Quantity: "50"}.key(),
	}
	slices.Sort(want)
	if got := orderKeys(k.orders); !slices.Equal(got, want) {
		t.Fatalf("planned orders\n got %v\nwant %v", got, want)
	}
	var run obj
	c.must(http.MethodGet, mrpPath("/runs/"+k.run), nil, 200, &run)
	if run["planned_orders"] != 3.0 || run["items"] != 2.0 || run["status"] != "completed" {
		t.Fatalf("run %v", run)
	}

	var rec struct {
		Buckets []struct {
			Gross             float64 `json:"gross"`
			ScheduledReceipts float64 `json:"scheduled_receipts"`
			ProjectedOnHand   float64 `json:"projected_on_hand"`
			Net               float64 `json:"net"`
			PlannedReceipts   float64 `json:"planned_receipts"`
			PlannedReleases   float64 `json:"planned_releases"`
		} `json:"buckets"`
	}
	c.must(http.MethodGet, mrpPath("/runs/"+k.run+"/records/"+k.comp), nil, 200, &rec)
	b := rec.Buckets
	if len(b) != 8 || b[2].Gross != 20 || b[4].Gross != 40 || b[2].ProjectedOnHand != 10 || b[4].Net != 30 ||
		b[4].PlannedReceipts != 50 || b[4].ProjectedOnHand != 20 || b[2].PlannedReleases != 50 {
		t.Fatalf("COMP record %+v", b)
	}
	code, csv, hdr := c.do(http.MethodGet, mrpPath("/runs/"+k.run+"/records/"+k.comp+".csv"), nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(csv), "bucket,date,gross,") {
		t.Fatalf("record csv %d %s", code, csv)
	}

	// Pegging: the COMP order serves END's week-5 demand (30 of its 50) plus lot excess.
	comp := k.order(k.comp, 4)
	var peg struct {
		Pegs []struct {
			Kind       string  `json:"kind"`
			DemandType string  `json:"demand_type"`
			DemandID   string  `json:"demand_id"`
			Quantity   float64 `json:"quantity"`
		} `json:"pegs"`
	}
	c.must(http.MethodGet, mrpPath("/planned-orders/"+comp.ID+"/pegging"), nil, 200, &peg)
	sum, served := 0.0, false
	for _, p := range peg.Pegs {
		sum += p.Quantity
		served = served || (p.Kind == "demand" && p.DemandID == k.demand5)
	}
	if math.Abs(sum-50) > 1e-6 || !served {
		t.Fatalf("pegs %+v", peg.Pegs)
	}

	// Firm the COMP order and run again: it is kept, firm, with the same quantity and dates.
	var firmed plannedOrder
	c.must(http.MethodPost, mrpPath("/planned-orders/"+comp.ID+"/firm"), nil, 200, &firmed)
	if !firmed.Firm || firmed.FirmOrderID != comp.ID {
		t.Fatalf("firmed %+v", firmed)
	}
	c.must(http.MethodPost, mrpPath("/planned-orders/"+comp.ID+"/firm"), nil, 409, nil)
	run2 := c.create(mrpPath("/runs"), obj{"kind": "regenerative"})["id"].(string)
	k.orders = c.runOrders(run2)
	kept := k.order(k.comp, 4)
	if !kept.Firm || kept.FirmOrderID != comp.ID || kept.Quantity != "50" || kept.ReleaseBucket != 2 || len(k.orders) != 3 {
		t.Fatalf("after re-run: %+v", k.orders)
	}

	// A make order cannot be converted; the firmed buy order becomes a requirement.
	c.must(http.MethodPost, mrpPath("/planned-orders/"+k.order(k.end, 3).ID+"/convert"), obj{"warehouse_id": k.f.obra, "budget_id": k.f.budget}, 409, nil)
	var req struct {
		ID    string
		Items []struct {
			MaterialID   string `json:"material_id"`
			RequestedQty string `json:"requested_qty"`
		}
	}
	c.must(http.MethodPost, mrpPath("/planned-orders/"+kept.ID+"/convert"), obj{"warehouse_id": k.f.obra, "budget_id": k.f.budget}, 201, &req)
	if len(req.Items) != 1 || req.Items[0].MaterialID != k.comp || req.Items[0].RequestedQty != "50" {
		t.Fatalf("requirement %+v", req)
	}
	c.must(http.MethodGet, "/requirements/"+req.ID, nil, 200, nil)
	c.must(http.MethodPost, mrpPath("/planned-orders/"+kept.ID+"/convert"), obj{"warehouse_id": k.f.obra, "budget_id": k.f.budget}, 409, nil)
	c.reconcile()
}

// TestMRPNetChangeEqualsRegenerative: after one end item's demand changes, a net-change
// run re-plans only what that reaches and stores the same result as a regenerative run.
func TestMRPNetChangeEqualsRegenerative(t *testing.T) {
	e := newEnv(t)
	k := newMRPCase(t, e)
	c := k.c
	// A third, unrelated item keeps its orders through the net change.
	other := k.f.materials[2]
	c.must(http.MethodPut, mrpPath("/items/"+other), obj{"source": "buy", "lead_time": 0}, 201, nil)
	c.create(mrpPath("/demands"), obj{"material_id": other, "bucket_date": weekDate(1), "quantity": "7"})
	c.create(mrpPath("/runs"), obj{"kind": "regenerative"})

	c.must(http.MethodPut, mrpPath("/demands/"+k.demand5), obj{"material_id": k.end, "bucket_date": weekDate(5), "quantity": "33"}, 200, nil)
	var net struct {
		ID           string `json:"id"`
		Kind         string `json:"kind"`
		ItemsPlanned int    `json:"items_planned"`
		Orders       int    `json:"planned_orders"`
	}
	c.must(http.MethodPost, mrpPath("/runs"), obj{"kind": "net_change"}, 201, &net)
	if net.Kind != "net_change" || net.ItemsPlanned != 2 {
		t.Fatalf("net change run %+v", net)
	}
	regen := c.create(mrpPath("/runs"), obj{"kind": "regenerative"})["id"].(string)
	a, b := orderKeys(c.runOrders(net.ID)), orderKeys(c.runOrders(regen))
	if !slices.Equal(a, b) || len(a) != net.Orders {
		t.Fatalf("net change orders\n%v\nregenerative\n%v", a, b)
	}
	if x, y := c.runExceptions(net.ID), c.runExceptions(regen); !slices.Equal(x, y) {
		t.Fatalf("exceptions differ\n%v\n%v", x, y)
	}
	// A second net change with nothing changed re-plans nothing and still reads the same.
	c.must(http.MethodPost, mrpPath("/runs"), obj{"kind": "net_change"}, 201, &net)
	if net.ItemsPlanned != 0 || !slices.Equal(orderKeys(c.runOrders(net.ID)), b) {
		t.Fatalf("idle net change %+v", net)
	}
}

// TestMRPSimulationSavesNothing: a what-if with extra demand and a changed lead time
// answers the affected orders and leaves every row as it was.
func TestMRPSimulationSavesNothing(t *testing.T) {
	e := newEnv(t)
	k := newMRPCase(t, e)
	c := k.c
	before := snapshot(t, c.tenant)
	var sim struct {
		ItemsReplanned int `json:"items_replanned"`
		Orders         []struct {
			MaterialID string  `json:"material_id"`
			DueBucket  int     `json:"due_bucket"`
			Quantity   float64 `json:"quantity"`
		} `json:"affected_planned_orders"`
	}
	c.must(http.MethodPost, mrpPath("/simulations"), obj{"overrides": obj{
		"extra_demand": []obj{{"material_id": k.end, "date": weekDate(6), "quantity": "5"}},
		"lead_times":   []obj{{"material_id": k.comp, "lead_time": 1}},
	}}, 200, &sim)
	found := false
	for _, o := range sim.Orders {
		found = found || (o.MaterialID == k.end && o.DueBucket == 6 && o.Quantity == 5)
	}
	if sim.ItemsReplanned != 2 || !found {
		t.Fatalf("simulation %+v", sim)
	}
	if after := snapshot(t, c.tenant); after != before {
		t.Fatalf("simulation changed the tenant's data")
	}
}

// TestMRPBadInputChangesNothing: cycles, negative quantities, unknown items and
// nonsense lot parameters answer a problem naming the field (or the cycle) and change
// nothing.
func TestMRPBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	k := newMRPCase(t, e)
	c := k.c
	unplanned := k.f.materials[2]
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		field  string
		detail string
	}{
		{"cycle", "POST", "/bom-lines", obj{"parent_id": k.comp, "component_id": k.end, "qty_per": "1"}, 422, "component_id", "MAT-001 -> MAT-000 -> MAT-001"},
		{"self cycle", "POST", "/bom-lines", obj{"parent_id": k.end, "component_id": k.end, "qty_per": "1"}, 422, "component_id", "cycle MAT-000 -> MAT-000"},
		{"duplicate line", "POST", "/bom-lines", obj{"parent_id": k.end, "component_id": k.comp, "qty_per": "1"}, 409, "component_id", ""},
		{"negative qty per", "POST", "/bom-lines", obj{"parent_id": k.end, "component_id": k.comp, "qty_per": "-2"}, 422, "qty_per", ""},
		{"bom unknown item", "POST", "/bom-lines", obj{"parent_id": k.end, "component_id": unplanned, "qty_per": "1"}, 404, "component_id", ""},
		{"negative demand", "POST", "/demands", obj{"material_id": k.end, "bucket_date": weekDate(1), "quantity": "-1"}, 422, "quantity", ""},
		{"demand unknown item", "POST", "/demands", obj{"material_id": unplanned, "bucket_date": weekDate(1), "quantity": "1"}, 404, "material_id", ""},
		{"demand bad date", "POST", "/demands", obj{"material_id": k.end, "bucket_date": "next week", "quantity": "1"}, 422, "bucket_date", ""},
		{"receipt negative", "POST", "/scheduled-receipts", obj{"material_id": k.comp, "due_date": weekDate(1), "quantity": "-3"}, 422, "quantity", ""},
		{"foq without quantity", "PUT", "/items/" + k.comp, obj{"source": "buy", "policy": "fixed_order_quantity"}, 422, "fixed_quantity", ""},
		{"eoq without costs", "PUT", "/items/" + k.comp, obj{"source": "buy", "policy": "eoq", "annual_demand": "100"}, 422, "ordering_cost", ""},
		{"maximum below minimum", "PUT", "/items/" + k.comp, obj{"source": "buy", "minimum": "100", "maximum": "50"}, 422, "maximum", ""},
		{"poq zero periods", "PUT", "/items/" + k.comp, obj{"source": "buy", "policy": "period_order_quantity"}, 422, "periods", ""},
		{"negative lead time", "PUT", "/items/" + k.comp, obj{"source": "buy", "lead_time": -1}, 422, "lead_time", ""},
		{"negative safety stock", "PUT", "/items/" + k.comp, obj{"source": "buy", "safety_stock": "-5"}, 422, "safety_stock", ""},
		{"unknown policy", "PUT", "/items/" + k.comp, obj{"source": "buy", "policy": "magic"}, 422, "policy", ""},
		{"bad source", "PUT", "/items/" + k.comp, obj{"source": "steal"}, 422, "source", ""},
		{"item in use", "DELETE", "/items/" + k.comp, nil, 409, "", ""},
		{"bad horizon", "PUT", "/settings", obj{"bucket": "week", "horizon": 0}, 422, "horizon", ""},
		{"bad bucket", "PUT", "/settings", obj{"bucket": "month", "horizon": 12}, 422, "bucket", ""},
		{"bad run kind", "POST", "/runs", obj{"kind": "fast"}, 422, "kind", ""},
		{"csv bad rows", "POST", "/demands/import", "material_code,bucket_date,quantity\nMAT-000," + weekDate(1) + ",5\nMAT-000,tomorrow,5\nMAT-000," + weekDate(1) + ",-2\nNOPE," + weekDate(1) + ",1\n", 422, "rows[1].bucket_date", ""},
		{"csv no header", "POST", "/demands/import", "", 400, "body", ""},
		{"simulation unknown item", "POST", "/simulations", obj{"overrides": obj{"extra_demand": []obj{{"material_id": unplanned, "date": weekDate(1), "quantity": "1"}}}}, 404, "overrides.extra_demand[0].material_id", ""},
		{"simulation quantity not a number", "POST", "/simulations", obj{"overrides": obj{"extra_demand": []obj{{"material_id": k.end, "date": weekDate(1), "quantity": "1"}, {"material_id": k.end, "date": weekDate(1), "quantity": "abc"}}}}, 422, "overrides.extra_demand[1].quantity", ""},
		{"simulation quantity with an exponent", "POST", "/simulations", obj{"overrides": obj{"extra_demand": []obj{{"material_id": k.end, "date": weekDate(1), "quantity": "1e3"}}}}, 422, "overrides.extra_demand[0].quantity", ""},
		{"simulation zero quantity", "POST", "/simulations", obj{"overrides": obj{"extra_demand": []obj{{"material_id": k.end, "date": weekDate(1), "quantity": "0"}}}}, 422, "overrides.extra_demand[0].quantity", ""},
		{"simulation malformed item", "POST", "/simulations", obj{"overrides": obj{"extra_demand": []obj{{"material_id": "end", "date": weekDate(1), "quantity": "1"}}}}, 422, "overrides.extra_demand[0].material_id", ""},
		{"demand quantity as a JSON number", "POST", "/demands", `{"material_id":"` + k.end + `","bucket_date":"` + weekDate(1) + `","quantity":5}`, 422, "quantity", ""},
		{"receipt quantity with an exponent", "POST", "/scheduled-receipts", obj{"material_id": k.comp, "due_date": weekDate(1), "quantity": "2e1"}, 422, "quantity", ""},
		{"bom malformed parent", "POST", "/bom-lines", obj{"parent_id": "end", "component_id": k.comp, "qty_per": "1"}, 422, "parent_id", ""},
		{"misspelt filter", "GET", "/demands?materal_id=" + k.end, nil, 400, "materal_id", ""},
		{"unknown parameter of a page-only list", "GET", "/runs?status=done", nil, 400, "status", ""},
		{"csv quantity with an exponent", "POST", "/demands/import", "material_code,bucket_date,quantity\nMAT-000," + weekDate(1) + ",1e3\n", 422, "rows[0].quantity", ""},
		{"simulation negative lead time", "POST", "/simulations", obj{"overrides": obj{"lead_times": []obj{{"material_id": k.end, "lead_time": -1}}}}, 422, "overrides.lead_times[0].lead_time", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, c.tenant)
			code, body, hdr := c.do(tc.method, mrpPath(tc.path), tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, body)
			}
			if hdr.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("content type %q", hdr.Get("Content-Type"))
			}
			var p struct {
				Errors []struct{ Field, Reason string } `json:"errors"`
			}
			_ = json.Unmarshal(body, &p)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Fatalf("problem does not name %q: %s", tc.field, body)
			}
			if tc.detail != "" && (len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Reason, tc.detail)) {
				t.Fatalf("problem does not say %q: %s", tc.detail, body)
			}
			if after := snapshot(t, c.tenant); after != before {
				t.Fatalf("bad input changed the tenant's data")
			}
		})
	}
	// The CSV import lists every bad row.
	var badRows any
	for _, tc := range cases {
		if tc.name == "csv bad rows" {
			badRows = tc.body
		}
	}
	_, body, _ := c.do("POST", mrpPath("/demands/import"), badRows)
	// Unknown material codes are reported with the other rows' field errors, in one
	// answer, under their own row numbers.
	for _, f := range []string{"rows[1].bucket_date", "rows[2].quantity", "rows[3].material_code"} {
		if !strings.Contains(string(body), f) {
			t.Errorf("import errors miss %s: %s", f, body)
		}
	}
	// A row's every problem is listed: field errors and an unknown code together, in
	// row order.
	_, body, _ = c.do("POST", mrpPath("/demands/import"), "material_code,bucket_date,quantity,source\nNOPE,tomorrow,abc,x\nMAT-000,"+weekDate(1)+",5,\nALSO-NOPE,"+weekDate(1)+",1,\n")
	var p struct {
		Errors []struct{ Field, Reason string } `json:"errors"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Field)
	}
	want := []string{"rows[0].quantity", "rows[0].bucket_date", "rows[0].source", "rows[0].material_code", "rows[2].material_code"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("import errors %v, want %v: %s", got, want, body)
	}
	// A good file imports every row, by code.
	var imp struct{ Imported int }
	c.must(http.MethodPost, mrpPath("/demands/import"), "material_code,bucket_date,quantity,source\nmat-000,"+weekDate(1)+",5,mps\nMAT-001,"+weekDate(2)+",2.5,\n", 201, &imp)
	if imp.Imported != 2 {
		t.Fatalf("imported %d", imp.Imported)
	}
}
