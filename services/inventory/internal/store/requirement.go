package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/budget"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/requirement"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
	"github.com/planta-dev/planta/services/inventory/internal/warehouse"
)

// lockWaitingRequirements locks (in id order) the open requirements that wait for a
// reservation of one of the materials.
func lockWaitingRequirements(ctx context.Context, tx pgx.Tx, tenant string, materials []string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT r.id::text FROM inventory.requirements r
		WHERE r.tenant_id = $1 AND r.status IN ('pending', 'partial') AND EXISTS (
			SELECT 1 FROM inventory.requirement_items i WHERE i.requirement_id = r.id AND i.material_id = ANY($2::uuid[])
			AND i.requested_qty - i.dispatched_qty - i.reserved_qty > 0)
		ORDER BY r.id FOR UPDATE OF r`, tenant, materials)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r pgx.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

type itemRow struct {
	ID            string
	RequirementID string
	BudgetID      string
	MaterialID    string
	Requested     decimal.Decimal
	Reserved      decimal.Decimal
	Dispatched    decimal.Decimal
}

func (it itemRow) domain() requirement.Item {
	return requirement.Item{RequestedQty: it.Requested, ReservedQty: it.Reserved, DispatchedQty: it.Dispatched}
}

// reserveItem reserves an item's unreserved quantity, all or nothing, from the principal
// lines of its material: the requirement's project lines first, then unassigned ones,
// each FIFO; frozen lines never. It reports whether it reserved.
func reserveItem(ctx context.Context, tx pgx.Tx, a Actor, it *itemRow, lines []*lockedLine) (bool, error) {
	need := it.Requested.Sub(it.Dispatched).Sub(it.Reserved)
	if !need.IsPositive() {
		return false, nil
	}
	var slots []stock.Slot
	byID := map[string]*lockedLine{}
	for pass := 0; pass < 2; pass++ {
		for _, l := range lines {
			if l.Frozen || l.MaterialID != it.MaterialID {
				continue
			}
			if (pass == 0 && (l.BudgetID == nil || *l.BudgetID != it.BudgetID)) || (pass == 1 && l.BudgetID != nil) {
				continue
			}
			slots = append(slots, stock.Slot{ID: l.ID, OnHand: l.OnHand, Reserved: l.Reserved})
			byID[l.ID] = l
		}
	}
	takes := stock.Reserve(slots, need)
	if takes == nil {
		return false, nil
	}
	for _, t := range takes {
		l := byID[t.LineID]
		l.Reserved = l.Reserved.Add(t.Qty)
		if _, err := tx.Exec(ctx, `UPDATE inventory.stock_lines SET reserved = $2, updated_at = now() WHERE id = $1`, l.ID, l.Reserved); err != nil {
			return false, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inventory.reservations (requirement_item_id, stock_line_id, tenant_id, qty) VALUES ($1,$2,$3,$4)
			ON CONFLICT (requirement_item_id, stock_line_id) DO UPDATE SET qty = reservations.qty + EXCLUDED.qty`, it.ID, l.ID, a.TenantID, t.Qty); err != nil {
			return false, err
		}
	}
	it.Reserved = it.Reserved.Add(need)
	return true, saveItem(ctx, tx, it)
}

func saveItem(ctx context.Context, tx pgx.Tx, it *itemRow) error {
	_, err := tx.Exec(ctx, `UPDATE inventory.requirement_items SET reserved_qty = $2, dispatched_qty = $3, status = $4 WHERE id = $1`,
		it.ID, it.Reserved, it.Dispatched, requirement.ItemStatusFor(it.domain()))
	return err
}

func pointers(ls []lockedLine) []*lockedLine {
	out := make([]*lockedLine, len(ls))
	for i := range ls {
		out[i] = &ls[i]
	}
	return out
}

// reserveWaiting re-processes the locked requirements FIFO by date for the materials and
// returns those now fully reserved.
func (s *Store) reserveWaiting(ctx context.Context, tx pgx.Tx, a Actor, principal string, reqIDs, materials []string) ([]string, error) {
	ls, err := lockMaterialLines(ctx, tx, a.TenantID, principal, materials)
	if err != nil {
		return nil, err
	}
	lines := pointers(ls)
	rows, err := tx.Query(ctx, `SELECT i.id::text, i.requirement_id::text, r.budget_id::text, i.material_id::text, i.requested_qty, i.reserved_qty, i.dispatched_qty
		FROM inventory.requirement_items i JOIN inventory.requirements r ON r.id = i.requirement_id
		WHERE r.tenant_id = $1 AND r.id = ANY($2::uuid[]) AND i.material_id = ANY($3::uuid[]) AND i.requested_qty - i.dispatched_qty - i.reserved_qty > 0
		ORDER BY r.created_at, r.id, i.position`, a.TenantID, reqIDs, materials)
	if err != nil {
		return nil, err
	}
	items, err := collect(rows, scanItemRow)
	if err != nil {
		return nil, err
	}
	touched := map[string]bool{}
	var order []string
	for i := range items {
		ok, err := reserveItem(ctx, tx, a, &items[i], lines)
		if err != nil {
			return nil, err
		}
		if ok && !touched[items[i].RequirementID] {
			touched[items[i].RequirementID] = true
			order = append(order, items[i].RequirementID)
		}
	}
	ready := []string{}
	for _, id := range order {
		var waiting bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.requirement_items WHERE requirement_id = $1 AND requested_qty - dispatched_qty - reserved_qty > 0)`, id).Scan(&waiting); err != nil {
			return nil, err
		}
		if !waiting {
			ready = append(ready, id)
		}
	}
	return ready, nil
}

func scanItemRow(r pgx.Rows) (itemRow, error) {
	var it itemRow
	err := r.Scan(&it.ID, &it.RequirementID, &it.BudgetID, &it.MaterialID, &it.Requested, &it.Reserved, &it.Dispatched)
	return it, err
}

// CreateRequirement records an obra's requirement and reserves principal stock for each
// line (all or nothing per line) in the same transaction.
func (s *Store) CreateRequirement(ctx context.Context, a Actor, in requirement.NewInput) (requirement.Requirement, error) {
	var id string
	err := s.tx(ctx, a, "create_requirement", func(tx pgx.Tx) error {
		var err error
		id, err = s.createRequirementTx(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return requirement.Requirement{}, err
	}
	s.log.InfoContext(ctx, "requirement created", "tenant_id", a.TenantID, "requirement_id", id, "items", len(in.Items), "actor_id", a.UserID)
	return s.GetRequirement(ctx, a, id)
}

// createRequirementTx is CreateRequirement inside the caller's transaction (MRP's
// convert uses it so the requirement and the order's conversion commit together).
func (s *Store) createRequirementTx(ctx context.Context, tx pgx.Tx, a Actor, in requirement.NewInput) (string, error) {
	var id string
	err := func() error {
		wh, err := s.getWarehouse(ctx, tx, a, in.WarehouseID, "warehouse_id")
		if err != nil {
			return err
		}
		if wh.Type != warehouse.Obra {
			return fault.Field("warehouse_id", "must be an obra warehouse")
		}
		b, err := getBudgetRow(ctx, tx, a.TenantID, in.BudgetID, "budget_id")
		if err != nil {
			return err
		}
		if b.Status != budget.Active {
			return fault.Field("budget_id", "the project must be active")
		}
		pid, err := principalID(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		materials := make([]string, len(in.Items))
		for i, it := range in.Items {
			f := fmt.Sprintf("items[%d].material_id", i)
			m, err := s.getMaterial(ctx, tx, a, it.MaterialID, f)
			if err != nil {
				return err
			}
			if !m.Active {
				return fault.Field(f, "material is inactive")
			}
			materials[i] = m.ID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO inventory.requirements (tenant_id, warehouse_id, budget_id, notes, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING id::text`,
			a.TenantID, wh.ID, b.ID, in.Notes, a.UserID).Scan(&id); err != nil {
			return err
		}
		items := make([]itemRow, len(in.Items))
		for i, it := range in.Items {
			items[i] = itemRow{RequirementID: id, BudgetID: b.ID, MaterialID: it.MaterialID, Requested: it.Qty}
			if err := tx.QueryRow(ctx, `INSERT INTO inventory.requirement_items (tenant_id, requirement_id, material_id, requested_qty, position) VALUES ($1,$2,$3,$4,$5) RETURNING id::text`,
				a.TenantID, id, it.MaterialID, it.Qty, i).Scan(&items[i].ID); err != nil {
				return err
			}
		}
		ls, err := lockMaterialLines(ctx, tx, a.TenantID, pid, materials)
		if err != nil {
			return err
		}
		lines := pointers(ls)
		for i := range items {
			if _, err := reserveItem(ctx, tx, a, &items[i], lines); err != nil {
				return err
			}
		}
		return nil
	}()
	return id, err
}

// releaseItem gives back an item's reservations (lines must be locked by the caller).
func releaseItem(ctx context.Context, tx pgx.Tx, it *itemRow, lines map[string]*lockedLine) error {
	rows, err := tx.Query(ctx, `DELETE FROM inventory.reservations WHERE requirement_item_id = $1 RETURNING stock_line_id::text, qty`, it.ID)
	if err != nil {
		return err
	}
	type res struct {
		line string
		qty  decimal.Decimal
	}
	rs, err := collect(rows, func(r pgx.Rows) (res, error) {
		var x res
		return x, r.Scan(&x.line, &x.qty)
	})
	if err != nil {
		return err
	}
	for _, x := range rs {
		l := lines[x.line]
		if l == nil {
			return fmt.Errorf("reservation on unlocked line %s", x.line)
		}
		l.Reserved = l.Reserved.Sub(x.qty)
		if _, err := tx.Exec(ctx, `UPDATE inventory.stock_lines SET reserved = $2, updated_at = now() WHERE id = $1`, l.ID, l.Reserved); err != nil {
			return err
		}
	}
	it.Reserved = decimal.Zero
	return nil
}

// lockRequirement locks one requirement and returns its status and items.
func lockRequirement(ctx context.Context, tx pgx.Tx, a Actor, id, field string) (requirement.Status, []itemRow, error) {
	if err := checkID("requirement", field, id); err != nil {
		return "", nil, err
	}
	var st requirement.Status
	if err := tx.QueryRow(ctx, `SELECT status FROM inventory.requirements WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, id).Scan(&st); err != nil {
		return "", nil, notFound(err, "requirement", field)
	}
	rows, err := tx.Query(ctx, `SELECT i.id::text, i.requirement_id::text, r.budget_id::text, i.material_id::text, i.requested_qty, i.reserved_qty, i.dispatched_qty
		FROM inventory.requirement_items i JOIN inventory.requirements r ON r.id = i.requirement_id WHERE i.requirement_id = $1 ORDER BY i.id`, id)
	if err != nil {
		return "", nil, err
	}
	items, err := collect(rows, scanItemRow)
	return st, items, err
}

// reservedLines returns the ids of the lines holding the items' reservations.
func reservedLines(ctx context.Context, tx pgx.Tx, items []itemRow) ([]string, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT stock_line_id::text FROM inventory.reservations WHERE requirement_item_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r pgx.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// cancelLocked cancels a locked open requirement, releasing every reservation.
func cancelLocked(ctx context.Context, tx pgx.Tx, a Actor, id string, items []itemRow, reason string) error {
	lineIDs, err := reservedLines(ctx, tx, items)
	if err != nil {
		return err
	}
	lines, err := lockLinesByID(ctx, tx, a.TenantID, lineIDs)
	if err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		if err := releaseItem(ctx, tx, it, lines); err != nil {
			return err
		}
		st := requirement.ItemStatusFor(it.domain())
		if st != requirement.ItemFulfilled {
			st = requirement.ItemCancelled
		}
		if _, err := tx.Exec(ctx, `UPDATE inventory.requirement_items SET reserved_qty = 0, status = $2 WHERE id = $1`, it.ID, st); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE inventory.requirements SET status = 'cancelled', cancel_reason = $2, updated_at = now() WHERE id = $1`, id, reason)
	return err
}

// CancelRequirement cancels a pending or partial requirement and releases exactly what
// its items still hold reserved.
func (s *Store) CancelRequirement(ctx context.Context, a Actor, id, reason string) (requirement.Requirement, error) {
	err := s.tx(ctx, a, "cancel_requirement", func(tx pgx.Tx) error {
		st, items, err := lockRequirement(ctx, tx, a, id, "id")
		if err != nil {
			return err
		}
		if err := requirement.CanCancel(st); err != nil {
			return err
		}
		return cancelLocked(ctx, tx, a, id, items, reason)
	})
	if err != nil {
		return requirement.Requirement{}, err
	}
	s.log.InfoContext(ctx, "requirement cancelled", "tenant_id", a.TenantID, "requirement_id", id, "actor_id", a.UserID)
	return s.GetRequirement(ctx, a, id)
}

const requirementSelect = `SELECT r.id::text, r.warehouse_id::text, w.name, r.budget_id::text, b.name, r.status, r.notes, r.cancel_reason, r.created_at
	FROM inventory.requirements r JOIN inventory.warehouses w ON w.id = r.warehouse_id JOIN inventory.budgets b ON b.id = r.budget_id`

func scanRequirement(r pgx.Row) (requirement.Requirement, error) {
	var q requirement.Requirement
	err := r.Scan(&q.ID, &q.WarehouseID, &q.WarehouseName, &q.BudgetID, &q.BudgetName, &q.Status, &q.Notes, &q.CancelReason, &q.CreatedAt)
	return q, err
}

// RequirementFilter filters requirements.
type RequirementFilter struct {
	Status      string
	WarehouseID string
	BudgetID    string
	From, To    *time.Time
}

// ListRequirements lists requirements with their items.
func (s *Store) ListRequirements(ctx context.Context, a Actor, f RequirementFilter, p Page) ([]requirement.Requirement, string, error) {
	w := newWhere("r.tenant_id", a.TenantID)
	if f.Status != "" {
		w.add("r.status = ?", f.Status)
	}
	if f.WarehouseID != "" {
		w.add("r.warehouse_id::text = ?", f.WarehouseID)
	}
	if f.BudgetID != "" {
		w.add("r.budget_id::text = ?", f.BudgetID)
	}
	if f.From != nil {
		w.add("r.created_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("r.created_at < ?", *f.To)
	}
	q := requirementSelect + w.page("r.id", p) // adds the cursor to w.args
	return listWithItems(ctx, s, q, w.args, p, scanRequirement, func(r requirement.Requirement) string { return r.ID }, s.loadItems)
}

// GetRequirement returns one requirement with its items.
func (s *Store) GetRequirement(ctx context.Context, a Actor, id string) (requirement.Requirement, error) {
	return getWithItems(ctx, s, "requirement", requirementSelect+` WHERE r.tenant_id = $1 AND r.id = $2`, a, id, scanRequirement, s.loadItems)
}

func (s *Store) loadItems(ctx context.Context, r *requirement.Requirement) error {
	rows, err := s.pool.Query(ctx, `SELECT i.id::text, i.material_id::text, m.code, m.name, m.unit, i.requested_qty, i.reserved_qty, i.dispatched_qty, i.status, m.price_pen, m.price_usd
		FROM inventory.requirement_items i JOIN inventory.materials m ON m.id = i.material_id WHERE i.requirement_id = $1 ORDER BY i.position, i.id`, r.ID)
	if err != nil {
		return err
	}
	r.Items, err = collect(rows, func(rw pgx.Rows) (requirement.Item, error) {
		var it requirement.Item
		err := rw.Scan(&it.ID, &it.MaterialID, &it.MaterialCode, &it.MaterialName, &it.Unit, &it.RequestedQty, &it.ReservedQty, &it.DispatchedQty, &it.Status, &it.PricePEN, &it.PriceUSD)
		return it, err
	})
	r.EstimatedCostPEN = decimal.Zero
	for _, it := range r.Items {
		r.EstimatedCostPEN = r.EstimatedCostPEN.Add(it.RequestedQty.Mul(it.PricePEN))
	}
	r.EstimatedCostPEN = r.EstimatedCostPEN.Round(4)
	return err
}
