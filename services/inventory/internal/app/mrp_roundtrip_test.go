package app_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
	"github.com/planta-dev/planta/services/inventory/internal/mrprun"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// TestMRPStoredOrdersRoundTrip: the orders and exceptions a run stores (one row per item,
// arrays) read back through the store's list API exactly as the engine planned them —
// every order's item, position, dates, float64 quantities, firm id and past-due flag,
// every exception's fields and its order/receipt links — for a regenerative run and for a
// net-change run (read through its base).
func TestMRPStoredOrdersRoundTrip(t *testing.T) {
	tn := mrpBenchSetup(t, 1500)
	ctx := context.Background()
	r := newBenchRunner()
	run, err := r.Run(ctx, tn.actor, mrprun.Regenerative)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, tn.st, tn.actor, run)

	if _, err := pool.Exec(ctx, `UPDATE inventory.mrp_demands SET quantity = quantity + 7 WHERE id = $1`, tn.demand); err != nil {
		t.Fatal(err)
	}
	net, err := r.Run(ctx, tn.actor, mrprun.NetChange)
	if err != nil {
		t.Fatal(err)
	}
	if net.Kind != mrprun.NetChange || net.ItemsPlanned == 0 || net.ItemsPlanned >= net.Items {
		t.Fatalf("net change run %+v", net)
	}
	checkRoundTrip(t, tn.st, tn.actor, net)
}

// checkRoundTrip plans the stored inputs afresh and compares with what the run stored.
func checkRoundTrip(t *testing.T, st *store.Store, a store.Actor, run store.MRPRun) {
	t.Helper()
	ctx := context.Background()
	ld, err := st.LoadMRPSources(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	in, ver := planning.Build(ld.Sources, run.Calendar())
	if ver != run.InputVersion {
		t.Fatalf("input version %s, run stored %s", ver, run.InputVersion)
	}
	m, err := mrp.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.Plan()
	if err != nil {
		t.Fatal(err)
	}
	var orders []store.PlannedOrder
	for p := (store.Page{Limit: 500}); ; {
		page, next, err := st.ListPlannedOrders(ctx, a, run, store.OrderFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, page...)
		if next == "" {
			break
		}
		if p, err = store.ParsePage(next, 500); err != nil {
			t.Fatal(err)
		}
	}
	var excs []store.MRPException
	for p := (store.Page{Limit: 500}); ; {
		page, next, err := st.ListMRPExceptions(ctx, a, run, store.OrderFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		excs = append(excs, page...)
		if next == "" {
			break
		}
		if p, err = store.ParsePage(next, 500); err != nil {
			t.Fatal(err)
		}
	}
	if len(orders) != plan.NumOrders() || len(orders) != run.PlannedOrders || len(excs) != plan.NumExceptions() {
		t.Fatalf("stored %d orders, %d exceptions; engine %d, %d; run %d", len(orders), len(excs), plan.NumOrders(), plan.NumExceptions(), run.PlannedOrders)
	}
	byItem := map[string][]store.PlannedOrder{}
	orderByID := map[string]store.PlannedOrder{}
	for _, o := range orders {
		if _, dup := orderByID[o.ID]; dup {
			t.Fatalf("duplicate order id %s", o.ID)
		}
		orderByID[o.ID] = o
		byItem[o.MaterialID] = append(byItem[o.MaterialID], o)
	}
	excByItem := map[string][]store.MRPException{}
	for _, x := range excs {
		excByItem[x.MaterialID] = append(excByItem[x.MaterialID], x)
	}
	firms := 0
	for i := range m.NumItems() {
		id := string(m.ID(i))
		want, got := plan.OrdersOf(i), byItem[id]
		if len(want) != len(got) {
			t.Fatalf("item %s: %d orders stored, engine %d", id, len(got), len(want))
		}
		for k, w := range want {
			g := got[k]
			firm := ""
			if w.IsFirm() {
				firm = in.Firm[w.Firm].Ref
				firms++
			}
			gf := ""
			if g.FirmOrderID != nil {
				gf = *g.FirmOrderID
			}
			if g.Pos != k || g.ReleaseBucket != int(w.Release) || g.DueBucket != int(w.Due) || g.QuantityF != w.Quantity || g.ReceiptF != w.Receipt ||
				g.PastDue != w.PastDue || (g.Source == "buy") != w.Buy || gf != firm || g.Firm != w.IsFirm() {
				t.Fatalf("item %s order %d: stored %+v, engine %+v (firm %q)", id, k, g, w, firm)
			}
			if k == 0 && i%50 == 0 {
				one, _, err := st.GetPlannedOrder(ctx, a, g.ID)
				if err != nil || one.ID != g.ID || one.QuantityF != g.QuantityF || one.Pos != g.Pos {
					t.Fatalf("get %s: %+v %v", g.ID, one, err)
				}
			}
		}
		wantX, gotX := plan.ExceptionsOf(i), excByItem[id]
		if len(wantX) != len(gotX) {
			t.Fatalf("item %s: %d exceptions stored, engine %d", id, len(gotX), len(wantX))
		}
		from, _ := plan.OrderRange(i)
		for k, w := range wantX {
			g := gotX[k]
			desc := fmt.Sprintf("item %s exception %d: stored %+v, engine %+v", id, k, g, w)
			if g.Kind != w.Kind.String() || g.Bucket != int(w.Bucket) || g.QuantityF != w.Quantity {
				t.Fatal(desc)
			}
			hasTo := w.ToBucket >= 0 && (w.Kind == mrp.ExceptionExpedite || w.Kind == mrp.ExceptionDefer)
			if (g.ToBucket != nil) != hasTo || (hasTo && *g.ToBucket != int(w.ToBucket)) {
				t.Fatal(desc)
			}
			if (g.PlannedOrderID != nil) != (w.Order >= 0) {
				t.Fatal(desc)
			}
			if w.Order >= 0 {
				o, ok := orderByID[*g.PlannedOrderID]
				if !ok || o.MaterialID != id || o.Pos != int(w.Order)-from {
					t.Fatalf("%s: linked order %+v", desc, o)
				}
			}
			if (g.ReceiptID != nil) != (w.Receipt >= 0) || (w.Receipt >= 0 && *g.ReceiptID != in.Receipts[w.Receipt].Ref) {
				t.Fatal(desc)
			}
		}
	}
	if firms == 0 || len(excs) == 0 {
		t.Fatalf("the generated tenant should have firmed orders (%d) and exceptions (%d)", firms, len(excs))
	}
}

// TestMRPLoadReadsEveryRow: a run's load holds every item, BOM line, demand entry,
// scheduled receipt, firmed order and unit of principal on-hand of the tenant (counted
// here in SQL), well past any list page (500), and the run plans every item.
func TestMRPLoadReadsEveryRow(t *testing.T) {
	tn := mrpBenchSetup(t, 1500)
	ctx := context.Background()
	var items, bom, demand, receipts, firm int
	var onHand float64
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM inventory.mrp_items WHERE tenant_id = $1),
		(SELECT count(*) FROM inventory.mrp_bom_lines WHERE tenant_id = $1),
		(SELECT count(*) FROM inventory.mrp_demands WHERE tenant_id = $1),
		(SELECT count(*) FROM inventory.mrp_scheduled_receipts WHERE tenant_id = $1),
		(SELECT count(*) FROM inventory.mrp_firm_orders WHERE tenant_id = $1 AND status = 'firm'),
		(SELECT coalesce(sum(on_hand), 0)::float8 FROM inventory.stock_lines WHERE tenant_id = $1)`, tn.actor.TenantID).
		Scan(&items, &bom, &demand, &receipts, &firm, &onHand); err != nil {
		t.Fatal(err)
	}
	if items <= store.MaxLimit || bom <= store.MaxLimit || demand <= store.MaxLimit || receipts == 0 || firm == 0 || onHand == 0 {
		t.Fatalf("fixture too small to catch a cut: %d items, %d BOM lines, %d demands, %d receipts, %d firm, on hand %v",
			items, bom, demand, receipts, firm, onHand)
	}
	ld, err := tn.st.LoadMRPSources(ctx, tn.actor)
	if err != nil {
		t.Fatal(err)
	}
	src := ld.Sources
	var loadedOnHand float64
	for _, it := range src.Items {
		loadedOnHand += it.Item.OnHand
	}
	if len(src.Items) != items || len(src.BOM) != bom || len(src.Demand) != demand || len(src.Receipts) != receipts || len(src.Firm) != firm ||
		math.Abs(loadedOnHand-onHand) > 1e-6*onHand {
		t.Fatalf("load: %d items, %d BOM lines, %d demands, %d receipts, %d firm, on hand %v; the tenant has %d, %d, %d, %d, %d, %v",
			len(src.Items), len(src.BOM), len(src.Demand), len(src.Receipts), len(src.Firm), loadedOnHand, items, bom, demand, receipts, firm, onHand)
	}
	run, err := newBenchRunner().Run(ctx, tn.actor, mrprun.Regenerative)
	if err != nil {
		t.Fatal(err)
	}
	if run.Items != items {
		t.Fatalf("run planned %d items of %d", run.Items, items)
	}
}
