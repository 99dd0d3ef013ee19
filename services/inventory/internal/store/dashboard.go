package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/inventory/internal/dashboard"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
)

// Dashboard computes the tenant's KPIs for [from, to).
func (s *Store) Dashboard(ctx context.Context, a Actor, from, to time.Time) (dashboard.KPIs, error) {
	k := dashboard.KPIs{From: from, To: to}
	t := a.TenantID
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(l.on_hand),0), coalesce(round(sum(l.on_hand*m.price_pen),4),0), coalesce(round(sum(l.on_hand*m.price_usd),4),0), coalesce(sum(l.reserved),0)
			FROM inventory.stock_lines l JOIN inventory.materials m ON m.id = l.material_id WHERE l.tenant_id = $1 AND NOT l.frozen`, t).
			Scan(&k.StockUnits, &k.StockValuePEN, &k.StockValueUSD, &k.ReservedUnits); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM inventory.requirements WHERE tenant_id = $1 AND status IN ('pending','partial')`, t).Scan(&k.PendingRequirements); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(DISTINCT d.id), coalesce(sum(di.qty),0) FROM inventory.dispatches d JOIN inventory.dispatch_items di ON di.dispatch_id = d.id
			WHERE d.tenant_id = $1 AND d.status = 'active' AND d.dispatched_at >= $2 AND d.dispatched_at < $3`, t, from, to).Scan(&k.Dispatches, &k.DispatchedUnits); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT to_char(date_trunc('day', d.dispatched_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(DISTINCT d.id), coalesce(sum(di.qty),0)
			FROM inventory.dispatches d JOIN inventory.dispatch_items di ON di.dispatch_id = d.id
			WHERE d.tenant_id = $1 AND d.status = 'active' AND d.dispatched_at >= $2 AND d.dispatched_at < $3 GROUP BY 1 ORDER BY 1`, t, from, to)
		if err != nil {
			return err
		}
		if k.DispatchesPerDay, err = collect(rows, func(r pgx.Rows) (dashboard.DayCount, error) {
			var d dashboard.DayCount
			return d, r.Scan(&d.Day, &d.Count, &d.Units)
		}); err != nil {
			return err
		}
		const lowStock = ` FROM inventory.stock_lines l
			JOIN inventory.warehouses w ON w.id = l.warehouse_id JOIN inventory.materials m ON m.id = l.material_id
			WHERE l.tenant_id = $1 AND w.type = 'principal' AND NOT l.frozen AND m.active AND l.on_hand <= $2`
		if err := tx.QueryRow(ctx, `SELECT count(*)`+lowStock, t, stock.LowStockThreshold).Scan(&k.LowStockTotal); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT l.id::text, m.id::text, m.name, l.on_hand, l.on_hand - l.reserved`+lowStock+
			` ORDER BY l.on_hand, m.name, l.id LIMIT $3`, t, stock.LowStockThreshold, dashboard.LowStockShown)
		if err != nil {
			return err
		}
		if k.LowStock, err = collect(rows, func(r pgx.Rows) (dashboard.LowStockItem, error) {
			var x dashboard.LowStockItem
			return x, r.Scan(&x.StockLineID, &x.MaterialID, &x.MaterialName, &x.OnHand, &x.Available)
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT b.id::text, b.name, b.status, b.amount_pen, coalesce((SELECT round(sum(di.qty * di.unit_price_pen),4) FROM inventory.dispatch_items di
			JOIN inventory.dispatches d ON d.id = di.dispatch_id JOIN inventory.requirements r ON r.id = d.requirement_id
			WHERE r.budget_id = b.id AND d.status = 'active'), 0) FROM inventory.budgets b WHERE b.tenant_id = $1 AND b.deleted_at IS NULL ORDER BY b.name`, t)
		if err != nil {
			return err
		}
		if k.BudgetConsumption, err = collect(rows, func(r pgx.Rows) (dashboard.BudgetSpending, error) {
			var x dashboard.BudgetSpending
			err := r.Scan(&x.BudgetID, &x.Name, &x.Status, &x.AmountPEN, &x.DispatchedPEN)
			x.OverBudget = x.AmountPEN.IsPositive() && x.DispatchedPEN.GreaterThan(x.AmountPEN)
			return x, err
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT w.id::text, w.name, coalesce(sum(l.on_hand),0), coalesce(round(sum(l.on_hand*m.price_pen),4),0)
			FROM inventory.warehouses w LEFT JOIN inventory.stock_lines l ON l.warehouse_id = w.id LEFT JOIN inventory.materials m ON m.id = l.material_id
			WHERE w.tenant_id = $1 GROUP BY w.id, w.name ORDER BY w.name`, t)
		if err != nil {
			return err
		}
		k.StockPerWarehouse, err = collect(rows, func(r pgx.Rows) (dashboard.WarehouseStock, error) {
			var x dashboard.WarehouseStock
			return x, r.Scan(&x.WarehouseID, &x.Name, &x.Units, &x.ValuePEN)
		})
		return err
	})
	if k.DispatchesPerDay == nil {
		k.DispatchesPerDay = []dashboard.DayCount{}
	}
	if k.LowStock == nil {
		k.LowStock = []dashboard.LowStockItem{}
	}
	if k.BudgetConsumption == nil {
		k.BudgetConsumption = []dashboard.BudgetSpending{}
	}
	if k.StockPerWarehouse == nil {
		k.StockPerWarehouse = []dashboard.WarehouseStock{}
	}
	return k, err
}
