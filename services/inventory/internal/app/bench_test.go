package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/requirement"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

const (
	benchMaterials = 10_000
	benchClients   = 100
	// benchConns is the pool size both sides share (max_connections is 100, shared with other test runs).
	benchConns = 40
)

type benchWorld struct {
	pool      *pgxpool.Pool
	st        *store.Store
	actor     store.Actor
	obra      string
	budget    string
	materials []string
}

var (
	benchOnce sync.Once
	bw        benchWorld
	benchErr  error
	rawResult atomic.Value // opsPerSec float64
)

// benchSetup bulk-loads one tenant with 10k materials, each with plenty of principal
// stock (and its IN movement, so the ledger still reconciles), plus the raw table.
func benchSetup(b *testing.B) benchWorld {
	benchOnce.Do(func() {
		ctx := context.Background()
		cfg := pool.Config().Copy()
		cfg.MaxConns = benchConns
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			benchErr = err
			return
		}
		t := uuid.NewString()
		w := benchWorld{pool: p, actor: store.Actor{TenantID: t, UserID: t}}
		w.st = store.New(p, noop.NewTracerProvider(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
		var principal string
		steps := []func() error{
			func() error {
				return p.QueryRow(ctx, `INSERT INTO inventory.warehouses (tenant_id, name, type) VALUES ($1, 'Central', 'principal') RETURNING id::text`, t).Scan(&principal)
			},
			func() error {
				return p.QueryRow(ctx, `INSERT INTO inventory.warehouses (tenant_id, name, type) VALUES ($1, 'Obra', 'obra') RETURNING id::text`, t).Scan(&w.obra)
			},
			func() error {
				return p.QueryRow(ctx, `INSERT INTO inventory.budgets (tenant_id, name) VALUES ($1, 'Bench') RETURNING id::text`, t).Scan(&w.budget)
			},
			func() error {
				_, err := p.Exec(ctx, `INSERT INTO inventory.materials (tenant_id, code, name, unit, price_pen)
					SELECT $1, 'B-' || g, 'Bench material ' || g, 'u', 1 + g % 50 FROM generate_series(1, $2) g`, t, benchMaterials)
				return err
			},
			func() error {
				_, err := p.Exec(ctx, `INSERT INTO inventory.stock_lines (tenant_id, warehouse_id, material_id, on_hand)
					SELECT $1, $2, id, 1000000000 FROM inventory.materials WHERE tenant_id = $1`, t, principal)
				return err
			},
			func() error {
				_, err := p.Exec(ctx, `INSERT INTO inventory.movements (tenant_id, stock_line_id, warehouse_id, material_id, kind, qty, reference_type)
					SELECT tenant_id, id, warehouse_id, material_id, 'IN', on_hand, 'manual' FROM inventory.stock_lines WHERE tenant_id = $1`, t)
				return err
			},
			func() error {
				rows, err := p.Query(ctx, `SELECT id::text FROM inventory.materials WHERE tenant_id = $1`, t)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						return err
					}
					w.materials = append(w.materials, id)
				}
				return rows.Err()
			},
			func() error {
				_, err := p.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS bench; DROP TABLE IF EXISTS bench.counters;
					CREATE TABLE bench.counters (id int PRIMARY KEY, v bigint NOT NULL CHECK (v >= 0));
					INSERT INTO bench.counters SELECT g, 1000000000 FROM generate_series(1, 10000) g; ANALYZE bench.counters; ANALYZE inventory.stock_lines`)
				return err
			},
		}
		for _, s := range steps {
			if benchErr = s(); benchErr != nil {
				return
			}
		}
		bw = w
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bw
}

// drive runs b.N operations over benchClients goroutines and reports ops/s and p99.
func drive(b *testing.B, op func(rng *rand.Rand) error) float64 {
	var next atomic.Int64
	lat := make([][]time.Duration, benchClients)
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < benchClients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 99))
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := op(rng); err != nil {
					failed.Store(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ops := float64(b.N) / elapsed.Seconds()
	p99 := all[min(len(all)-1, len(all)*99/100)]
	b.ReportMetric(ops, "ops/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	return ops
}

// BenchmarkReserveDispatch measures the full reserve+dispatch path (a requirement that
// auto-reserves one random material of 10k, then its dispatch with a GR number: two
// transactions) with 100 concurrent clients, against a raw single-row UPDATE ... RETURNING
// on the same Postgres in the same run.
func BenchmarkReserveDispatch(b *testing.B) {
	w := benchSetup(b)
	ctx := context.Background()
	b.Run("raw-update-returning", func(b *testing.B) {
		ops := drive(b, func(rng *rand.Rand) error {
			var v int64
			return w.pool.QueryRow(ctx, `UPDATE bench.counters SET v = v - 1 WHERE id = $1 RETURNING v`, 1+rng.IntN(10000)).Scan(&v)
		})
		rawResult.Store(ops)
	})
	b.Run("reserve-only", func(b *testing.B) {
		one := decimal.NewFromInt(1)
		drive(b, func(rng *rand.Rand) error {
			m := w.materials[rng.IntN(len(w.materials))]
			_, err := w.st.CreateRequirement(ctx, w.actor, requirement.NewInput{WarehouseID: w.obra, BudgetID: w.budget, Items: []requirement.NewItem{{MaterialID: m, Qty: one}}})
			return err
		})
	})
	b.Run("reserve+dispatch", func(b *testing.B) {
		one := decimal.NewFromInt(1)
		ops := drive(b, func(rng *rand.Rand) error {
			m := w.materials[rng.IntN(len(w.materials))]
			req, err := w.st.CreateRequirement(ctx, w.actor, requirement.NewInput{WarehouseID: w.obra, BudgetID: w.budget, Items: []requirement.NewItem{{MaterialID: m, Qty: one}}})
			if err != nil {
				return fmt.Errorf("reserve: %w", err)
			}
			if req.Items[0].Status != requirement.ItemReserved {
				return fmt.Errorf("not reserved: %+v", req.Items[0])
			}
			_, err = w.st.CreateDispatch(ctx, w.actor, dispatch.Input{RequirementID: req.ID})
			return err
		})
		if raw, ok := rawResult.Load().(float64); ok && raw > 0 {
			b.ReportMetric(raw/ops, "raw/ours")
		}
	})
}
