package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
	"github.com/planta-dev/planta/services/inventory/internal/mrprun"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// mrpBenchSeed makes the benchmark tenant reproducible (mrp.Generate is deterministic).
const mrpBenchSeed = 20260101

type mrpBenchTenant struct {
	actor   store.Actor
	st      *store.Store
	demand  string // one end item's demand entry, changed by the net-change benchmark
	gen     time.Duration
	rows    int
	engine  time.Duration // pure Compile+Plan on the generated input
	items   int
	bomRows int
}

var (
	mrpBenchMu      sync.Mutex
	mrpBenchTenants = map[int]*mrpBenchTenant{}
)

// mrpBenchSetup writes a generated tenant of n items with COPY: materials, principal stock,
// planning data, BOM, demand entries (weekly dates from this week's Monday), scheduled
// receipts and firmed orders.
func mrpBenchSetup(b testing.TB, n int) *mrpBenchTenant {
	mrpBenchMu.Lock()
	defer mrpBenchMu.Unlock()
	if t := mrpBenchTenants[n]; t != nil {
		return t
	}
	ctx := context.Background()
	start := time.Now()
	in := mrp.Generate(mrp.GenConfig{Items: n, Seed: mrpBenchSeed})
	tenant := uuid.NewString()
	t := &mrpBenchTenant{actor: store.Actor{TenantID: tenant, UserID: tenant}, items: n, bomRows: len(in.BOM)}
	t.st = store.New(pool, noop.NewTracerProvider(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	cal := planning.CalendarAt(time.Now(), planning.DefaultSettings())
	ids := make(map[mrp.ItemID]uuid.UUID, n)
	for _, it := range in.Items {
		ids[it.ID] = uuid.Must(uuid.NewV7())
	}
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var principal string
		if err := tx.QueryRow(ctx, `INSERT INTO inventory.warehouses (tenant_id, name, type) VALUES ($1, 'Central', 'principal') RETURNING id::text`, tenant).Scan(&principal); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inventory.mrp_settings (tenant_id, bucket, horizon) VALUES ($1, 'week', $2)`, tenant, in.Buckets); err != nil {
			return err
		}
		copyRows := func(table string, cols []string, rows [][]any) error {
			t.rows += len(rows)
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"inventory", table}, cols, pgx.CopyFromRows(rows))
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			return nil
		}
		var mats, stock, items [][]any
		for _, it := range in.Items {
			id := ids[it.ID]
			mats = append(mats, []any{id, tenant, string(it.ID), "Item " + string(it.ID), "u", 1.0})
			if it.OnHand > 0 {
				stock = append(stock, []any{tenant, principal, id, it.OnHand})
			}
			src := map[mrp.Source]string{mrp.Make: "make", mrp.Buy: "buy"}[it.Source]
			l := it.Lot
			items = append(items, []any{tenant, id, src, int32(it.LeadTime), it.SafetyStock, l.Policy.String(), l.FixedQuantity, int32(l.Periods),
				l.AnnualDemand, l.OrderingCost, l.AnnualHoldingCost, l.HoldingCost, l.Minimum, l.Multiple, l.Maximum, it.Scrap * 100, int32(it.PlanningTimeFence)})
		}
		if err := copyRows("materials", []string{"id", "tenant_id", "code", "name", "unit", "price_pen"}, mats); err != nil {
			return err
		}
		if err := copyRows("stock_lines", []string{"tenant_id", "warehouse_id", "material_id", "on_hand"}, stock); err != nil {
			return err
		}
		if err := copyRows("mrp_items", []string{"tenant_id", "material_id", "source", "lead_time", "safety_stock", "policy", "fixed_quantity", "periods",
			"annual_demand", "ordering_cost", "annual_holding_cost", "holding_cost", "minimum", "multiple", "maximum", "scrap_pct", "planning_time_fence"}, items); err != nil {
			return err
		}
		bom := make([][]any, len(in.BOM))
		for i, l := range in.BOM {
			bom[i] = []any{tenant, ids[l.Parent], ids[l.Component], l.QuantityPer, l.Scrap * 100}
		}
		if err := copyRows("mrp_bom_lines", []string{"tenant_id", "parent_id", "component_id", "qty_per", "scrap_pct"}, bom); err != nil {
			return err
		}
		dem := make([][]any, len(in.Demand))
		for i, d := range in.Demand {
			dem[i] = []any{tenant, ids[d.Item], cal.Date(d.Bucket), d.Quantity}
		}
		if err := copyRows("mrp_demands", []string{"tenant_id", "material_id", "bucket_date", "quantity"}, dem); err != nil {
			return err
		}
		rec := make([][]any, len(in.Receipts))
		for i, r := range in.Receipts {
			rec[i] = []any{tenant, ids[r.Item], cal.Date(r.Bucket), r.Quantity}
		}
		if err := copyRows("mrp_scheduled_receipts", []string{"tenant_id", "material_id", "due_date", "quantity"}, rec); err != nil {
			return err
		}
		firm := make([][]any, len(in.Firm))
		for i, f := range in.Firm {
			firm[i] = []any{uuid.Must(uuid.NewV7()), tenant, ids[f.Item], cal.Date(f.Release), cal.Date(f.Due), f.Quantity}
		}
		if err := copyRows("mrp_firm_orders", []string{"id", "tenant_id", "material_id", "release_date", "due_date", "quantity"}, firm); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id::text FROM inventory.mrp_demands WHERE tenant_id = $1 AND material_id = $2 ORDER BY bucket_date DESC LIMIT 1`,
			tenant, ids[in.Demand[0].Item]).Scan(&t.demand)
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE inventory.mrp_items, inventory.mrp_bom_lines, inventory.mrp_demands, inventory.stock_lines, inventory.materials`); err != nil {
		b.Fatal(err)
	}
	t.gen = time.Since(start)
	e0 := time.Now()
	m, err := mrp.Compile(in)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Plan(); err != nil {
		b.Fatal(err)
	}
	t.engine = time.Since(e0)
	mrpBenchTenants[n] = t
	return t
}

// peakHeap samples the live heap every 10 ms until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

func newBenchRunner() *mrprun.Runner {
	return mrprun.New(store.New(pool, noop.NewTracerProvider(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now),
		prometheus.NewRegistry(), noop.NewTracerProvider(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
}

// BenchmarkMRPWholeRun: a regenerative run from Postgres (load) through the engine (plan)
// to saved planned orders and exceptions (binary COPY), per generated tenant size.
func BenchmarkMRPWholeRun(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			t := mrpBenchSetup(b, n)
			b.Logf("tenant: %d items, %d BOM lines, %d rows written by COPY in %v; pure engine Compile+Plan %v", t.items, t.bomRows, t.rows, t.gen.Round(time.Millisecond), t.engine.Round(time.Millisecond))
			r := newBenchRunner()
			ctx := context.Background()
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var run store.MRPRun
			stop := make(chan struct{})
			peak := peakHeap(stop)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if run, err = r.Run(ctx, t.actor, mrprun.Regenerative); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			p := <-peak
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/run")
			b.ReportMetric(float64(p)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(run.LoadMS, "load-ms")
			b.ReportMetric(run.PlanMS, "plan-ms")
			b.ReportMetric(run.WriteMS, "write-ms")
			b.ReportMetric(float64(run.PlannedOrders), "orders")
			b.ReportMetric(float64(run.Exceptions), "exceptions")
		})
	}
}

// BenchmarkMRPNetChange: after one end item's demand changes, a net-change run from the
// plan in memory (load, re-plan of what the change reaches, COPY of only that).
func BenchmarkMRPNetChange(b *testing.B) {
	n := 100_000
	t := mrpBenchSetup(b, n)
	b.Logf("tenant: %d items, %d BOM lines; pure engine Compile+Plan %v (same-run baseline)", t.items, t.bomRows, t.engine.Round(time.Millisecond))
	r := newBenchRunner()
	ctx := context.Background()
	if _, err := r.Run(ctx, t.actor, mrprun.Regenerative); err != nil {
		b.Fatal(err)
	}
	var run store.MRPRun
	var load, plan, write float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `UPDATE inventory.mrp_demands SET quantity = quantity + 1 WHERE id = $1`, t.demand); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var err error
		if run, err = r.Run(ctx, t.actor, mrprun.NetChange); err != nil {
			b.Fatal(err)
		}
		if run.Kind != mrprun.NetChange {
			b.Fatalf("run kind %s", run.Kind)
		}
		load, plan, write = load+run.LoadMS, plan+run.PlanMS, write+run.WriteMS
	}
	b.ReportMetric(load/float64(b.N), "load-ms")
	b.ReportMetric(plan/float64(b.N), "plan-ms")
	b.ReportMetric(write/float64(b.N), "write-ms")
	b.ReportMetric(float64(run.ItemsPlanned), "items-replanned")
}
