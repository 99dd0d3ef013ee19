package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// invariants checks, straight from the database, what must always hold for a tenant.
func invariants(t testing.TB, tenant string) {
	t.Helper()
	ctx := context.Background()
	var bad int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.stock_lines l WHERE l.tenant_id = $1 AND (
		l.on_hand < 0 OR l.reserved < 0 OR l.reserved > l.on_hand
		OR l.on_hand <> coalesce((SELECT sum(qty) FROM inventory.movements m WHERE m.stock_line_id = l.id), 0)
		OR l.reserved <> coalesce((SELECT sum(qty) FROM inventory.reservations r WHERE r.stock_line_id = l.id), 0))`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d stock lines break the invariants", bad)
	}
	// A line without a project has no project cost: locked cost was charged to a project
	// and floating quantity is stock a project will be charged for, so on an unassigned
	// line either would be cost no project's consumption counts.
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.stock_lines l WHERE l.tenant_id = $1 AND l.budget_id IS NULL
		AND (l.locked_cost_pen <> 0 OR l.locked_cost_usd <> 0 OR l.floating_qty <> 0)`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d stock lines without a project carry project cost", bad)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.requirement_items i WHERE i.tenant_id = $1 AND (
		i.reserved_qty <> coalesce((SELECT sum(qty) FROM inventory.reservations r WHERE r.requirement_item_id = i.id), 0)
		OR i.dispatched_qty <> coalesce((SELECT sum(di.qty) FROM inventory.dispatch_items di JOIN inventory.dispatches d ON d.id = di.dispatch_id
			WHERE di.requirement_item_id = i.id AND d.status = 'active'), 0))`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d requirement items disagree with their reservations or dispatches", bad)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.dispatches d WHERE d.tenant_id = $1 AND d.status <> 'active'
		AND EXISTS (SELECT 1 FROM inventory.receipts rc WHERE rc.dispatch_id = d.id)`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d cancelled dispatches were also received", bad)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.dispatches d WHERE d.tenant_id = $1 AND d.status = 'cancelled'
		AND (d.cancel_reason = '' OR d.cancelled_by = '' OR d.cancelled_at IS NULL OR EXISTS (SELECT 1 FROM inventory.movements m
			WHERE m.reference_type = 'dispatch_cancel' AND m.reference_id = d.id AND m.note <> d.cancel_reason))`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d cancelled dispatches do not record their reason", bad)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.requirements r JOIN inventory.budgets b ON b.id = r.budget_id
		WHERE r.tenant_id = $1 AND b.deleted_at IS NOT NULL AND r.status IN ('pending', 'partial')`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d open requirements belong to deleted projects", bad)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) - count(DISTINCT number) FROM inventory.dispatches WHERE tenant_id = $1`, tenant).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d duplicate delivery-note numbers", bad)
	}
}

// TestConcurrentReserveDispatch: 50 clients race to reserve and dispatch the same 60
// units: stock never goes negative or over-reserved, exactly what was available is
// dispatched, and delivery-note numbers are unique.
func TestConcurrentReserveDispatch(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	m := f.materials[0]
	c.addStock(f, m, "60", &f.budget)

	const clients = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]bool{}
	dispatched := decimal.Zero
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req struct {
				ID    string `json:"id"`
				Items []struct {
					ReservedQty decimal.Decimal `json:"reserved_qty"`
				} `json:"items"`
			}
			c.must(http.MethodPost, "/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{{"material_id": m, "qty": "2"}}}, 201, &req)
			// Two partial dispatches of one unit each, racing with everyone else.
			for k := 0; k < 2; k++ {
				code, body, _ := c.do(http.MethodPost, "/dispatches", obj{"requirement_id": req.ID, "items": []obj{{"material_id": m, "qty": "1"}}})
				switch code {
				case 201:
					var d struct{ Number string }
					mustJSON(t, body, &d)
					mu.Lock()
					if numbers[d.Number] {
						t.Errorf("duplicate number %s", d.Number)
					}
					numbers[d.Number] = true
					dispatched = dispatched.Add(decimal.NewFromInt(1))
					mu.Unlock()
				case 409:
					if req.Items[0].ReservedQty.IsPositive() {
						t.Errorf("reserved requirement refused dispatch: %s", body)
					}
				default:
					t.Errorf("dispatch: %d %s", code, body)
				}
			}
		}()
	}
	wg.Wait()
	if !dispatched.Equal(decimal.NewFromInt(60)) {
		t.Fatalf("dispatched %s units, want exactly the 60 available", dispatched)
	}
	var line struct{ Items []obj }
	c.must(http.MethodGet, "/stock-lines?warehouse_id="+f.principal, nil, 200, &line)
	if line.Items[0]["on_hand"] != "0" || line.Items[0]["reserved"] != "0" {
		t.Fatalf("principal line after the race: %v", line.Items[0])
	}
	// Now stock arrives: the 20 waiting requirements are served FIFO by date.
	add := c.addStock(f, m, "10", &f.budget)
	if n := len(add["ready_requirements"].([]any)); n != 5 {
		t.Fatalf("%d requirements became ready, want 5", n)
	}
	invariants(t, c.tenant)
	c.reconcile()
}

// TestConcurrentSingleRequirement: 50 goroutines dispatch one unit each from one
// requirement with 30 reserved: exactly 30 succeed.
func TestConcurrentSingleRequirement(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	m := f.materials[0]
	c.addStock(f, m, "30", nil)
	req := c.create("/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{{"material_id": m, "qty": "30"}}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, _ := c.do(http.MethodPost, "/dispatches", obj{"requirement_id": req["id"], "items": []obj{{"material_id": m, "qty": "1"}}})
			mu.Lock()
			defer mu.Unlock()
			switch code {
			case 201:
				ok++
			case 409:
			default:
				t.Errorf("dispatch: %d %s", code, body)
			}
		}()
	}
	wg.Wait()
	if ok != 30 {
		t.Fatalf("%d dispatches succeeded, want 30", ok)
	}
	var got obj
	c.must(http.MethodGet, "/requirements/"+req["id"].(string), nil, 200, &got)
	if got["status"] != "fulfilled" {
		t.Fatalf("status %v", got["status"])
	}
	invariants(t, c.tenant)
}

// TestPropertyRandomOperations runs seeded random sequences of every stock-changing
// operation; after each one the invariants hold and the reconciliation endpoint agrees.
func TestPropertyRandomOperations(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e := newEnv(t)
			c := e.cliente()
			f := c.setup(3)
			b2 := c.create("/budgets", obj{"name": "Proyecto B"})["id"].(string)
			rng := rand.New(rand.NewPCG(seed, seed*7919))
			budgets := []*string{&f.budget, &b2, nil}
			var reqs, disps, lines, dels []string
			pick := func(s []string) string { return s[rng.IntN(len(s))] }
			qty := func(max int) string {
				q := decimal.NewFromInt(int64(1 + rng.IntN(max)))
				if rng.IntN(4) == 0 {
					q = q.Add(decimal.New(int64(rng.IntN(100)), -2))
				}
				return q.String()
			}
			for step := 0; step < 120; step++ {
				var code int
				var body []byte
				op := rng.IntN(11)
				switch op {
				case 0, 1:
					wh := f.principal
					if rng.IntN(5) == 0 {
						wh = f.obra
					}
					code, body, _ = c.do(http.MethodPost, "/stock-additions", obj{"warehouse_id": wh, "material_id": pick(f.materials), "budget_id": budgets[rng.IntN(3)], "qty": qty(20)})
					if code == 201 {
						var r struct{ Line obj }
						mustJSON(t, body, &r)
						lines = append(lines, r.Line["id"].(string))
					}
				case 2:
					code, body, _ = c.do(http.MethodPost, "/stock-withdrawals", obj{"warehouse_id": f.principal, "material_id": pick(f.materials), "qty": qty(8)})
				case 3, 4:
					n := 1 + rng.IntN(3)
					items := []obj{}
					for i := 0; i < n; i++ {
						items = append(items, obj{"material_id": f.materials[i], "qty": qty(12)})
					}
					code, body, _ = c.do(http.MethodPost, "/requirements", obj{"warehouse_id": f.obra, "budget_id": budgets[rng.IntN(2)], "items": items})
					if code == 201 {
						reqs = append(reqs, idOf(t, body))
					}
				case 5:
					if len(reqs) > 0 {
						code, body, _ = c.do(http.MethodPost, "/requirements/"+pick(reqs)+"/cancel", obj{"reason": "prop"})
					}
				case 6, 7:
					if len(reqs) > 0 {
						code, body, _ = c.do(http.MethodPost, "/dispatches", obj{"requirement_id": pick(reqs)})
						if code == 201 {
							disps = append(disps, idOf(t, body))
						}
					}
				case 8:
					if len(disps) > 0 {
						d := pick(disps)
						if rng.IntN(2) == 0 {
							code, body, _ = c.do(http.MethodPost, "/dispatches/"+d+"/cancel", obj{"reason": "prop"})
						} else {
							var dd struct{ Items []obj }
							c.must(http.MethodGet, "/dispatches/"+d, nil, 200, &dd)
							items := []obj{}
							for _, it := range dd.Items {
								q := decimal.RequireFromString(it["qty"].(string))
								got := q.Mul(decimal.NewFromFloat(rng.Float64())).Round(2)
								items = append(items, obj{"material_id": it["material_id"], "received_qty": got.String(), "reason": "short"})
							}
							code, body, _ = c.do(http.MethodPost, "/receipts", obj{"dispatch_id": d, "items": items})
						}
					}
				case 9:
					if len(lines) > 0 {
						l := pick(lines)
						switch rng.IntN(3) {
						case 0:
							code, body, _ = c.do(http.MethodPost, "/stock-lines/"+l+"/adjustments", obj{"counted": qty(30), "reason": "conteo"})
						case 1:
							code, body, _ = c.do(http.MethodDelete, "/stock-lines/"+l, nil)
							if code == 200 {
								dels = append(dels, idOf(t, body))
							}
						case 2:
							code, body, _ = c.do(http.MethodPost, "/stock-lines/"+l+"/reassign", obj{"budget_id": budgets[rng.IntN(3)]})
						}
					}
				case 10:
					if len(dels) > 0 {
						action := []string{"restore", "lost", "returned"}[rng.IntN(3)]
						code, body, _ = c.do(http.MethodPost, "/stock-deletions/"+pick(dels)+"/"+action, nil)
					}
				}
				if code >= 500 || strings.Contains(string(body), "problems/constraint") {
					t.Fatalf("step %d op %d: %d %s", step, op, code, body)
				}
				invariants(t, c.tenant)
				if step%20 == 19 {
					c.reconcile()
				}
			}
			c.reconcile()
		})
	}
}

func idOf(t testing.TB, body []byte) string {
	t.Helper()
	var o struct{ ID string }
	mustJSON(t, body, &o)
	return o.ID
}
