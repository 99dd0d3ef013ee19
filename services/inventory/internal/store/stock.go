package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/budget"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/ledger"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
	"github.com/planta-dev/planta/services/inventory/internal/warehouse"
)

const lineSelect = `SELECT l.id::text, l.warehouse_id::text, w.name, w.type, l.material_id::text, m.code, m.name, m.unit,
	l.budget_id::text, coalesce(b.name, ''), l.on_hand, l.reserved, m.price_pen, l.locked_cost_pen, l.locked_cost_usd,
	l.floating_qty, l.note, l.frozen, l.updated_at
	FROM inventory.stock_lines l
	JOIN inventory.warehouses w ON w.id = l.warehouse_id
	JOIN inventory.materials m ON m.id = l.material_id
	LEFT JOIN inventory.budgets b ON b.id = l.budget_id`

func scanLine(r pgx.Row) (stock.Line, error) {
	var l stock.Line
	err := r.Scan(&l.ID, &l.WarehouseID, &l.WarehouseName, &l.WarehouseType, &l.MaterialID, &l.MaterialCode, &l.MaterialName, &l.Unit,
		&l.BudgetID, &l.BudgetName, &l.OnHand, &l.Reserved, &l.PricePEN, &l.LockedCostPEN, &l.LockedCostUSD,
		&l.FloatingQty, &l.Note, &l.Frozen, &l.UpdatedAt)
	l.Finish()
	return l, err
}

// LineFilter filters stock lines.
type LineFilter struct {
	WarehouseID   string
	WarehouseType string
	MaterialID    string
	BudgetID      string
	NoBudget      bool
	Frozen        *bool
	LowStock      bool
	OverReserved  bool
	Q             string
}

// ListLines lists the tenant's stock lines.
func (s *Store) ListLines(ctx context.Context, a Actor, f LineFilter, p Page) ([]stock.Line, string, error) {
	w := newWhere("l.tenant_id", a.TenantID)
	if f.WarehouseID != "" {
		w.add("l.warehouse_id::text = ?", f.WarehouseID)
	}
	if f.WarehouseType != "" {
		w.add("w.type = ?", f.WarehouseType)
	}
	if f.MaterialID != "" {
		w.add("l.material_id::text = ?", f.MaterialID)
	}
	if f.BudgetID != "" {
		w.add("l.budget_id::text = ?", f.BudgetID)
	}
	if f.NoBudget {
		w.add("l.budget_id IS NULL")
	}
	if f.Frozen != nil {
		w.add("l.frozen = ?", *f.Frozen)
	}
	if f.LowStock {
		w.add("w.type = 'principal' AND l.on_hand <= ?", stock.LowStockThreshold)
	}
	if f.Q != "" {
		l := likeEscape(f.Q)
		w.add("(m.code ILIKE ? OR m.name ILIKE ? OR w.name ILIKE ?)", l, l, l)
	}
	rows, err := s.pool.Query(ctx, lineSelect+w.page("l.id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (stock.Line, error) { return scanLine(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(l stock.Line) string { return l.ID })
	return items, next, nil
}

// GetLine returns one stock line.
func (s *Store) GetLine(ctx context.Context, a Actor, id string) (stock.Line, error) {
	return s.getLine(ctx, s.pool, a, id, "id")
}

func (s *Store) getLine(ctx context.Context, q querier, a Actor, id, field string) (stock.Line, error) {
	if err := checkID("stock line", field, id); err != nil {
		return stock.Line{}, err
	}
	l, err := scanLine(q.QueryRow(ctx, lineSelect+` WHERE l.tenant_id = $1 AND l.id = $2`, a.TenantID, id))
	return l, notFound(err, "stock line", field)
}

// lockedLine is a stock line row held FOR UPDATE.
type lockedLine struct {
	ID          string
	WarehouseID string
	MaterialID  string
	BudgetID    *string
	OnHand      decimal.Decimal
	Reserved    decimal.Decimal
	Frozen      bool
	LockedPEN   decimal.Decimal
	LockedUSD   decimal.Decimal
	Floating    decimal.Decimal
}

const lockCols = `id::text, warehouse_id::text, material_id::text, budget_id::text, on_hand, reserved, frozen, locked_cost_pen, locked_cost_usd, floating_qty`

func scanLocked(r pgx.Rows) (lockedLine, error) {
	var l lockedLine
	err := r.Scan(&l.ID, &l.WarehouseID, &l.MaterialID, &l.BudgetID, &l.OnHand, &l.Reserved, &l.Frozen, &l.LockedPEN, &l.LockedUSD, &l.Floating)
	return l, err
}

// lockLinesByID locks the given lines in id order.
func lockLinesByID(ctx context.Context, tx pgx.Tx, tenant string, ids []string) (map[string]*lockedLine, error) {
	rows, err := tx.Query(ctx, `SELECT `+lockCols+` FROM inventory.stock_lines WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`, tenant, ids)
	if err != nil {
		return nil, err
	}
	ls, err := collect(rows, scanLocked)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*lockedLine, len(ls))
	for i := range ls {
		out[ls[i].ID] = &ls[i]
	}
	return out, nil
}

// lockMaterialLines locks every line of the materials in one warehouse, in id order.
func lockMaterialLines(ctx context.Context, tx pgx.Tx, tenant, warehouseID string, materials []string) ([]lockedLine, error) {
	rows, err := tx.Query(ctx, `SELECT `+lockCols+` FROM inventory.stock_lines
		WHERE tenant_id = $1 AND warehouse_id = $2 AND material_id = ANY($3::uuid[]) ORDER BY id FOR UPDATE`, tenant, warehouseID, materials)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanLocked)
}

// ensureLine returns the id of the (warehouse, material, budget) line, creating it.
// The caller locks it afterwards. A line created here is invisible to other
// transactions until commit; one that inserts the same key waits on ours, and it can only
// get that far after the material's existing lines, which callers lock first.
func ensureLine(ctx context.Context, tx pgx.Tx, tenant, warehouseID, materialID string, budgetID *string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO inventory.stock_lines (tenant_id, warehouse_id, material_id, budget_id) VALUES ($1,$2,$3,$4)
		ON CONFLICT (tenant_id, warehouse_id, material_id, budget_id) DO NOTHING RETURNING id::text`, tenant, warehouseID, materialID, optID(budgetID)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, `SELECT id::text FROM inventory.stock_lines WHERE tenant_id = $1 AND warehouse_id = $2 AND material_id = $3 AND budget_id IS NOT DISTINCT FROM $4::uuid`,
			tenant, warehouseID, materialID, optID(budgetID)).Scan(&id)
	}
	return id, err
}

type move struct {
	line    *lockedLine
	kind    ledger.Kind
	qty     decimal.Decimal
	refType string
	refID   *string
	note    string
}

// writeMovement records one ledger entry; the caller has already changed on_hand by qty.
func writeMovement(ctx context.Context, tx pgx.Tx, a Actor, m move) error {
	_, err := tx.Exec(ctx, `INSERT INTO inventory.movements (tenant_id, stock_line_id, warehouse_id, material_id, budget_id, kind, qty, reference_type, reference_id, note, actor_id)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		a.TenantID, m.line.ID, m.line.WarehouseID, m.line.MaterialID, optID(m.line.BudgetID), m.kind, m.qty, m.refType, optID(m.refID), m.note, a.UserID)
	return err
}

// setLine writes a locked line's quantities and costs back.
func setLine(ctx context.Context, tx pgx.Tx, l *lockedLine) error {
	_, err := tx.Exec(ctx, `UPDATE inventory.stock_lines SET on_hand = $2, reserved = $3, locked_cost_pen = $4, locked_cost_usd = $5, floating_qty = $6, frozen = $7, updated_at = now()
		WHERE id = $1`, l.ID, l.OnHand, l.Reserved, l.LockedPEN, l.LockedUSD, l.Floating, l.Frozen)
	return err
}

// principalID returns the tenant's principal warehouse.
func principalID(ctx context.Context, q querier, tenant string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id::text FROM inventory.warehouses WHERE tenant_id = $1 AND type = 'principal'`, tenant).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.Conflictf("no-principal", "warehouse_id", "the tenant has no principal warehouse")
	}
	return id, err
}

type budgetRow struct {
	ID     string
	Name   string
	Status budget.Status
}

// getBudgetRow reads a (not deleted) budget that the caller's transaction is about to act
// on according to its status, holding it FOR SHARE until the transaction ends: a
// lifecycle action or deletion (FOR UPDATE) waits for the caller or runs first, so the
// status the caller acts on is still the budget's status when it commits. Budgets come
// first in the lock order.
func getBudgetRow(ctx context.Context, tx pgx.Tx, tenant, id, field string) (budgetRow, error) {
	if err := checkID("budget", field, id); err != nil {
		return budgetRow{}, err
	}
	var b budgetRow
	err := tx.QueryRow(ctx, `SELECT id::text, name, status FROM inventory.budgets WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR SHARE`, tenant, id).Scan(&b.ID, &b.Name, &b.Status)
	return b, notFound(err, "budget", field)
}

// AddResult is the outcome of adding stock.
type AddResult struct {
	Line stock.Line `json:"line"`
	// AppliedCostPEN is what the intake charged to the project at the current price
	// (zero for floating cost or no project).
	AppliedCostPEN decimal.Decimal `json:"applied_cost_pen"`
	AppliedCostUSD decimal.Decimal `json:"applied_cost_usd"`
	// ReadyRequirements are requirements that became fully reserved by this intake.
	ReadyRequirements []string `json:"ready_requirements"`
}

// AddStock adds qty to a (warehouse, material, budget) line with an IN movement, charges
// the project (locked at the current price when active, floating when inactive), and
// re-processes pending requirements FIFO by date when the warehouse is the principal.
func (s *Store) AddStock(ctx context.Context, a Actor, in stock.AddInput) (AddResult, error) {
	var res AddResult
	var lineID string
	err := s.tx(ctx, a, "add_stock", func(tx pgx.Tx) error {
		res = AddResult{ReadyRequirements: []string{}}
		wh, err := s.getWarehouse(ctx, tx, a, in.WarehouseID, "warehouse_id")
		if err != nil {
			return err
		}
		mat, err := s.getMaterial(ctx, tx, a, in.MaterialID, "material_id")
		if err != nil {
			return err
		}
		if !mat.Active {
			return fault.Field("material_id", "material is inactive")
		}
		var b budgetRow
		if in.BudgetID != nil {
			if b, err = getBudgetRow(ctx, tx, a.TenantID, *in.BudgetID, "budget_id"); err != nil {
				return err
			}
			if b.Status == budget.Finished {
				return fault.Conflictf("budget-state", "budget_id", "the project is finished")
			}
		}
		var reqs []string
		if wh.Type == warehouse.Principal {
			// Lock order: requirements first, then lines.
			if reqs, err = lockWaitingRequirements(ctx, tx, a.TenantID, []string{in.MaterialID}); err != nil {
				return err
			}
			if _, err := lockMaterialLines(ctx, tx, a.TenantID, wh.ID, []string{in.MaterialID}); err != nil {
				return err
			}
		}
		if lineID, err = ensureLine(ctx, tx, a.TenantID, wh.ID, mat.ID, in.BudgetID); err != nil {
			return err
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, []string{lineID})
		if err != nil {
			return err
		}
		l := lines[lineID]
		if l.Frozen {
			return fault.Conflictf("line-frozen", "budget_id", "this line is frozen (its project was deleted); unfreeze it first")
		}
		l.OnHand = l.OnHand.Add(in.Qty)
		res.AppliedCostPEN, res.AppliedCostUSD = decimal.Zero, decimal.Zero
		if in.BudgetID != nil {
			if b.Status == budget.Active {
				res.AppliedCostPEN = in.Qty.Mul(mat.PricePEN).Round(4)
				res.AppliedCostUSD = in.Qty.Mul(mat.PriceUSD).Round(4)
				l.LockedPEN = l.LockedPEN.Add(res.AppliedCostPEN)
				l.LockedUSD = l.LockedUSD.Add(res.AppliedCostUSD)
			} else {
				l.Floating = l.Floating.Add(in.Qty)
			}
		}
		if err := setLine(ctx, tx, l); err != nil {
			return err
		}
		if in.Note != "" {
			if _, err := tx.Exec(ctx, `UPDATE inventory.stock_lines SET note = $2 WHERE id = $1`, l.ID, in.Note); err != nil {
				return err
			}
		}
		if err := writeMovement(ctx, tx, a, move{line: l, kind: ledger.In, qty: in.Qty, refType: ledger.RefManual, note: in.Note}); err != nil {
			return err
		}
		if wh.Type == warehouse.Principal && len(reqs) > 0 {
			if res.ReadyRequirements, err = s.reserveWaiting(ctx, tx, a, wh.ID, reqs, []string{in.MaterialID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return AddResult{}, err
	}
	s.log.InfoContext(ctx, "stock added", "tenant_id", a.TenantID, "stock_line_id", lineID, "qty", in.Qty.String(), "ready_requirements", len(res.ReadyRequirements), "actor_id", a.UserID)
	res.Line, err = s.GetLine(ctx, a, lineID)
	return res, err
}

// Withdraw removes unreserved stock FIFO over the scoped lines with OUT movements.
func (s *Store) Withdraw(ctx context.Context, a Actor, in stock.WithdrawInput) ([]stock.Line, error) {
	var touched []string
	err := s.tx(ctx, a, "withdraw_stock", func(tx pgx.Tx) error {
		touched = nil
		wh, err := s.getWarehouse(ctx, tx, a, in.WarehouseID, "warehouse_id")
		if err != nil {
			return err
		}
		if _, err := s.getMaterial(ctx, tx, a, in.MaterialID, "material_id"); err != nil {
			return err
		}
		if in.BudgetID != nil {
			if _, err := getBudgetRow(ctx, tx, a.TenantID, *in.BudgetID, "budget_id"); err != nil {
				return err
			}
		}
		lines, err := lockMaterialLines(ctx, tx, a.TenantID, wh.ID, []string{in.MaterialID})
		if err != nil {
			return err
		}
		var slots []stock.Slot
		byID := map[string]*lockedLine{}
		for i := range lines {
			l := &lines[i]
			if l.Frozen || (in.NoBudget && l.BudgetID != nil) || (in.BudgetID != nil && (l.BudgetID == nil || *l.BudgetID != *in.BudgetID)) {
				continue
			}
			slots = append(slots, stock.Slot{ID: l.ID, OnHand: l.OnHand, Reserved: l.Reserved})
			byID[l.ID] = l
		}
		takes, err := stock.Withdraw(slots, in.Qty)
		if err != nil {
			return err
		}
		for _, t := range takes {
			l := byID[t.LineID]
			l.OnHand = l.OnHand.Sub(t.Qty)
			l.Floating = decimal.Max(decimal.Zero, l.Floating.Sub(t.Qty))
			if err := setLine(ctx, tx, l); err != nil {
				return err
			}
			if err := writeMovement(ctx, tx, a, move{line: l, kind: ledger.Out, qty: t.Qty.Neg(), refType: ledger.RefWithdrawal, note: in.Reason}); err != nil {
				return err
			}
			touched = append(touched, l.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "stock withdrawn", "tenant_id", a.TenantID, "warehouse_id", in.WarehouseID, "material_id", in.MaterialID, "qty", in.Qty.String(), "actor_id", a.UserID)
	out := make([]stock.Line, 0, len(touched))
	for _, id := range touched {
		l, err := s.GetLine(ctx, a, id)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Adjust sets a line's on-hand to a physical count with an ADJUST movement; it may not
// fall below what is reserved.
func (s *Store) Adjust(ctx context.Context, a Actor, id string, in stock.AdjustInput) (stock.Line, error) {
	err := s.tx(ctx, a, "adjust_stock", func(tx pgx.Tx) error {
		if err := checkID("stock line", "id", id); err != nil {
			return err
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, []string{id})
		if err != nil {
			return err
		}
		l, ok := lines[id]
		if !ok {
			return fault.Missing("stock line", "id")
		}
		if in.Counted.LessThan(l.Reserved) {
			return fault.Conflictf("below-reserved", "counted", "counted: %s are reserved; cancel requirements first", l.Reserved)
		}
		delta := in.Counted.Sub(l.OnHand)
		if delta.IsZero() {
			return nil
		}
		l.OnHand = in.Counted
		if delta.IsNegative() {
			l.Floating = decimal.Max(decimal.Zero, l.Floating.Add(delta))
		}
		if err := setLine(ctx, tx, l); err != nil {
			return err
		}
		return writeMovement(ctx, tx, a, move{line: l, kind: ledger.Adjust, qty: delta, refType: ledger.RefCount, note: in.Reason})
	})
	if err != nil {
		return stock.Line{}, err
	}
	s.log.InfoContext(ctx, "stock adjusted", "tenant_id", a.TenantID, "stock_line_id", id, "counted", in.Counted.String(), "actor_id", a.UserID)
	return s.GetLine(ctx, a, id)
}

// SetNote replaces a line's note.
func (s *Store) SetNote(ctx context.Context, a Actor, id, note string) (stock.Line, error) {
	err := s.tx(ctx, a, "set_note", func(tx pgx.Tx) error {
		if err := checkID("stock line", "id", id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE inventory.stock_lines SET note = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.TenantID, id, note)
		if err == nil && tag.RowsAffected() == 0 {
			return fault.Missing("stock line", "id")
		}
		return err
	})
	if err != nil {
		return stock.Line{}, err
	}
	return s.GetLine(ctx, a, id)
}

// Reassign moves a whole line to another project (or none), merging into an existing
// line, with a pair of TRANSFER movements. To another project the locked cost and the
// floating quantity go along (the old merge dropped them); to no project they are
// released, because a line without a project has no project cost (the movements' note
// says how much was released). unfreeze also thaws the line.
func (s *Store) Reassign(ctx context.Context, a Actor, id string, budgetID *string, unfreeze bool) (stock.Line, error) {
	var targetID string
	err := s.tx(ctx, a, "reassign_stock", func(tx pgx.Tx) error {
		src, err := s.getLine(ctx, tx, a, id, "id")
		if err != nil {
			return err
		}
		if unfreeze && !src.Frozen {
			return fault.Conflictf("not-frozen", "id", "the line is not frozen")
		}
		if !unfreeze && src.Frozen {
			return fault.Conflictf("line-frozen", "id", "the line is frozen; use unfreeze")
		}
		if budgetID != nil {
			b, err := getBudgetRow(ctx, tx, a.TenantID, *budgetID, "budget_id")
			if err != nil {
				return err
			}
			if b.Status == budget.Finished {
				return fault.Conflictf("budget-state", "budget_id", "the project is finished")
			}
		}
		same := (budgetID == nil && src.BudgetID == nil) || (budgetID != nil && src.BudgetID != nil && *budgetID == *src.BudgetID)
		if same && !unfreeze {
			return fault.Field("budget_id", "the line already belongs to this project")
		}
		targetID = id
		if !same {
			if targetID, err = ensureLine(ctx, tx, a.TenantID, src.WarehouseID, src.MaterialID, budgetID); err != nil {
				return err
			}
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, []string{id, targetID})
		if err != nil {
			return err
		}
		from, to := lines[id], lines[targetID]
		// src was read without a lock: a concurrent unfreeze or project deletion may have
		// changed the line since, so the state is checked again on the locked row.
		if unfreeze && !from.Frozen {
			return fault.Conflictf("not-frozen", "id", "the line is not frozen")
		}
		if !unfreeze && from.Frozen {
			return fault.Conflictf("line-frozen", "id", "the line is frozen; use unfreeze")
		}
		if same {
			from.Frozen = false
			return setLine(ctx, tx, from)
		}
		if from.Reserved.IsPositive() {
			return fault.Conflictf("line-reserved", "id", "the line has %s reserved; dispatch or cancel first", from.Reserved)
		}
		qty := from.OnHand
		to.OnHand = to.OnHand.Add(qty)
		note := ""
		if budgetID != nil {
			// Another project: the cost already charged (locked) and the floating
			// quantity go with the stock.
			to.LockedPEN, to.LockedUSD = to.LockedPEN.Add(from.LockedPEN), to.LockedUSD.Add(from.LockedUSD)
			to.Floating = to.Floating.Add(from.Floating)
		} else {
			// No project: a line without a project carries no project cost (cost mode
			// "none"), so moving stock out of its project releases the cost charged to
			// it, like a returned deletion. The ledger records what was released.
			note = stock.ReleasedCostNote(from.LockedPEN, from.LockedUSD, from.Floating)
		}
		to.Frozen = false
		from.OnHand, from.LockedPEN, from.LockedUSD, from.Floating = decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
		from.Frozen = false
		if err := setLine(ctx, tx, from); err != nil {
			return err
		}
		if err := setLine(ctx, tx, to); err != nil {
			return err
		}
		if qty.IsPositive() {
			if err := writeMovement(ctx, tx, a, move{line: from, kind: ledger.Transfer, qty: qty.Neg(), refType: ledger.RefReassign, refID: &targetID, note: note}); err != nil {
				return err
			}
			return writeMovement(ctx, tx, a, move{line: to, kind: ledger.Transfer, qty: qty, refType: ledger.RefReassign, refID: &id, note: note})
		}
		return nil
	})
	if err != nil {
		return stock.Line{}, err
	}
	s.log.InfoContext(ctx, "stock line reassigned", "tenant_id", a.TenantID, "stock_line_id", id, "target_line_id", targetID, "unfreeze", unfreeze, "actor_id", a.UserID)
	return s.GetLine(ctx, a, targetID)
}

const deletionSelect = `SELECT id::text, stock_line_id::text, warehouse_id::text, warehouse_name, material_id::text, material_name, material_unit,
	budget_id::text, budget_name, qty, unit_price_pen, unit_price_usd, locked_cost_pen, locked_cost_usd, floating_qty, reason, status, deleted_at, resolved_at
	FROM inventory.stock_deletions`

func scanDeletion(r pgx.Row) (stock.Deletion, error) {
	var d stock.Deletion
	err := r.Scan(&d.ID, &d.StockLineID, &d.WarehouseID, &d.WarehouseName, &d.MaterialID, &d.MaterialName, &d.Unit, &d.BudgetID, &d.BudgetName,
		&d.Qty, &d.UnitPricePEN, &d.UnitPriceUSD, &d.LockedCostPEN, &d.LockedCostUSD, &d.FloatingQty, &d.Reason, &d.Status, &d.DeletedAt, &d.ResolvedAt)
	d.TotalValuePEN = d.Qty.Mul(d.UnitPricePEN).Round(4)
	return d, err
}

// DeleteLine empties a line into a pending deletion record (snapshot with its locked
// cost) with an ADJUST movement. A line with reservations cannot be deleted.
func (s *Store) DeleteLine(ctx context.Context, a Actor, id, reason string) (stock.Deletion, error) {
	var delID string
	err := s.tx(ctx, a, "delete_stock_line", func(tx pgx.Tx) error {
		snap, err := s.getLine(ctx, tx, a, id, "id")
		if err != nil {
			return err
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, []string{id})
		if err != nil {
			return err
		}
		l := lines[id]
		if l.Reserved.IsPositive() {
			return fault.Conflictf("line-reserved", "id", "the line has %s reserved; cancel the requirements first", l.Reserved)
		}
		if !l.OnHand.IsPositive() && !l.LockedPEN.IsPositive() && !l.LockedUSD.IsPositive() {
			return fault.Conflictf("line-empty", "id", "the line is empty")
		}
		var priceUSD decimal.Decimal
		if err := tx.QueryRow(ctx, `SELECT price_usd FROM inventory.materials WHERE id = $1`, l.MaterialID).Scan(&priceUSD); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO inventory.stock_deletions (tenant_id, stock_line_id, warehouse_id, material_id, budget_id, warehouse_name, material_name, material_unit,
			budget_name, qty, unit_price_pen, unit_price_usd, locked_cost_pen, locked_cost_usd, floating_qty, reason)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id::text`,
			a.TenantID, l.ID, l.WarehouseID, l.MaterialID, optID(l.BudgetID), snap.WarehouseName, snap.MaterialName, snap.Unit, snap.BudgetName,
			l.OnHand, snap.PricePEN, priceUSD, l.LockedPEN, l.LockedUSD, l.Floating, reason).Scan(&delID); err != nil {
			return err
		}
		qty := l.OnHand
		l.OnHand, l.LockedPEN, l.LockedUSD, l.Floating = decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
		if err := setLine(ctx, tx, l); err != nil {
			return err
		}
		if qty.IsPositive() {
			return writeMovement(ctx, tx, a, move{line: l, kind: ledger.Adjust, qty: qty.Neg(), refType: ledger.RefDeletion, refID: &delID, note: reason})
		}
		return nil
	})
	if err != nil {
		return stock.Deletion{}, err
	}
	s.log.InfoContext(ctx, "stock line deleted", "tenant_id", a.TenantID, "stock_line_id", id, "deletion_id", delID, "actor_id", a.UserID)
	return s.GetDeletion(ctx, a, delID)
}

// DeletionFilter filters deletion records.
type DeletionFilter struct {
	Status      string
	WarehouseID string
	MaterialID  string
	BudgetID    string
}

// ListDeletions lists deletion records.
func (s *Store) ListDeletions(ctx context.Context, a Actor, f DeletionFilter, p Page) ([]stock.Deletion, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.WarehouseID != "" {
		w.add("warehouse_id::text = ?", f.WarehouseID)
	}
	if f.MaterialID != "" {
		w.add("material_id::text = ?", f.MaterialID)
	}
	if f.BudgetID != "" {
		w.add("budget_id::text = ?", f.BudgetID)
	}
	rows, err := s.pool.Query(ctx, deletionSelect+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (stock.Deletion, error) { return scanDeletion(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(d stock.Deletion) string { return d.ID })
	return items, next, nil
}

// GetDeletion returns one deletion record.
func (s *Store) GetDeletion(ctx context.Context, a Actor, id string) (stock.Deletion, error) {
	if err := checkID("stock deletion", "id", id); err != nil {
		return stock.Deletion{}, err
	}
	d, err := scanDeletion(s.pool.QueryRow(ctx, deletionSelect+` WHERE tenant_id = $1 AND id = $2`, a.TenantID, id))
	return d, notFound(err, "stock deletion", "id")
}

// ResolveDeletion marks a pending deletion lost or returned, or restores it: stock and
// locked cost go back onto the original line (ADJUST movement); reserved is not restored
// but waiting requirements are re-processed.
func (s *Store) ResolveDeletion(ctx context.Context, a Actor, id string, to stock.DeletionStatus) (stock.Deletion, error) {
	err := s.tx(ctx, a, "resolve_deletion", func(tx pgx.Tx) error {
		if err := checkID("stock deletion", "id", id); err != nil {
			return err
		}
		var lineID, materialID, warehouseID string
		var from stock.DeletionStatus
		var qty, lpen, lusd, fl decimal.Decimal
		err := tx.QueryRow(ctx, `SELECT stock_line_id::text, material_id::text, warehouse_id::text, status, qty, locked_cost_pen, locked_cost_usd, floating_qty
			FROM inventory.stock_deletions WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, id).
			Scan(&lineID, &materialID, &warehouseID, &from, &qty, &lpen, &lusd, &fl)
		if err != nil {
			return notFound(err, "stock deletion", "id")
		}
		if err := stock.Resolve(from, to); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE inventory.stock_deletions SET status = $2, resolved_at = now() WHERE id = $1`, id, to); err != nil {
			return err
		}
		if to != stock.DeletionRestored {
			return nil
		}
		pid, err := principalID(ctx, tx, a.TenantID)
		if err != nil {
			pid = ""
		}
		var reqs []string
		if pid == warehouseID {
			if reqs, err = lockWaitingRequirements(ctx, tx, a.TenantID, []string{materialID}); err != nil {
				return err
			}
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, []string{lineID})
		if err != nil {
			return err
		}
		l := lines[lineID]
		l.OnHand = l.OnHand.Add(qty)
		if l.BudgetID != nil {
			// A line without a project carries no project cost (a snapshot taken before
			// that rule may hold some: it is not put back).
			l.LockedPEN, l.LockedUSD, l.Floating = l.LockedPEN.Add(lpen), l.LockedUSD.Add(lusd), l.Floating.Add(fl)
		}
		if err := setLine(ctx, tx, l); err != nil {
			return err
		}
		if qty.IsPositive() {
			if err := writeMovement(ctx, tx, a, move{line: l, kind: ledger.Adjust, qty: qty, refType: ledger.RefRestore, refID: &id}); err != nil {
				return err
			}
		}
		if len(reqs) > 0 {
			_, err = s.reserveWaiting(ctx, tx, a, pid, reqs, []string{materialID})
		}
		return err
	})
	if err != nil {
		return stock.Deletion{}, err
	}
	s.log.InfoContext(ctx, "stock deletion resolved", "tenant_id", a.TenantID, "deletion_id", id, "status", to, "actor_id", a.UserID)
	return s.GetDeletion(ctx, a, id)
}
