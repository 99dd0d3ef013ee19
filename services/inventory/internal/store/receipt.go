package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/ledger"
	"github.com/planta-dev/planta/services/inventory/internal/receipt"
)

// CreateReceipt receives an active dispatch into the obra's stock (one line per project)
// with IN movements; short quantities are recorded as discrepancies. A dispatch is
// received at most once.
func (s *Store) CreateReceipt(ctx context.Context, a Actor, in receipt.Input) (receipt.Receipt, error) {
	var id string
	err := s.tx(ctx, a, "create_receipt", func(tx pgx.Tx) error {
		if err := checkID("dispatch", "dispatch_id", in.DispatchID); err != nil {
			return err
		}
		var status dispatch.Status
		var obra, budgetID string
		err := tx.QueryRow(ctx, `SELECT d.status, r.warehouse_id::text, r.budget_id::text FROM inventory.dispatches d JOIN inventory.requirements r ON r.id = d.requirement_id
			WHERE d.tenant_id = $1 AND d.id = $2 FOR UPDATE OF d`, a.TenantID, in.DispatchID).Scan(&status, &obra, &budgetID)
		if err != nil {
			return notFound(err, "dispatch", "dispatch_id")
		}
		if status == dispatch.Cancelled {
			return fault.Conflictf("dispatch-cancelled", "dispatch_id", "dispatch_id: the dispatch is cancelled")
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.receipts WHERE dispatch_id = $1)`, in.DispatchID).Scan(&done); err != nil {
			return err
		}
		if done {
			return fault.Conflictf("already-received", "dispatch_id", "dispatch_id: the dispatch was already received")
		}
		rows, err := tx.Query(ctx, `SELECT material_id::text, sum(qty) FROM inventory.dispatch_items WHERE dispatch_id = $1 GROUP BY material_id ORDER BY material_id`, in.DispatchID)
		if err != nil {
			return err
		}
		dispatched := map[string]decimal.Decimal{}
		var order []string
		if _, err := collect(rows, func(r pgx.Rows) (struct{}, error) {
			var m string
			var q decimal.Decimal
			err := r.Scan(&m, &q)
			dispatched[m] = q
			order = append(order, m)
			return struct{}{}, err
		}); err != nil {
			return err
		}
		plan, st, err := receipt.Plan(in, dispatched, order)
		if err != nil {
			return err
		}
		if _, err := lockMaterialLines(ctx, tx, a.TenantID, obra, order); err != nil {
			return err
		}
		lineIDs := make([]string, len(plan))
		for i, it := range plan {
			if lineIDs[i], err = ensureLine(ctx, tx, a.TenantID, obra, it.MaterialID, &budgetID); err != nil {
				return err
			}
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, lineIDs)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO inventory.receipts (tenant_id, dispatch_id, status, notes, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING id::text`,
			a.TenantID, in.DispatchID, st, in.Notes, a.UserID).Scan(&id); err != nil {
			return err
		}
		for i, it := range plan {
			l := lines[lineIDs[i]]
			if _, err := tx.Exec(ctx, `INSERT INTO inventory.receipt_items (tenant_id, receipt_id, material_id, stock_line_id, dispatched_qty, received_qty, discrepancy_reason)
				VALUES ($1,$2,$3,$4,$5,$6,$7)`, a.TenantID, id, it.MaterialID, l.ID, it.DispatchedQty, it.ReceivedQty, it.DiscrepancyReason); err != nil {
				return err
			}
			if !it.ReceivedQty.IsPositive() {
				continue
			}
			l.OnHand = l.OnHand.Add(it.ReceivedQty)
			if err := setLine(ctx, tx, l); err != nil {
				return err
			}
			if err := writeMovement(ctx, tx, a, move{line: l, kind: ledger.In, qty: it.ReceivedQty, refType: ledger.RefReceipt, refID: &id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return receipt.Receipt{}, err
	}
	s.log.InfoContext(ctx, "dispatch received", "tenant_id", a.TenantID, "receipt_id", id, "dispatch_id", in.DispatchID, "actor_id", a.UserID)
	return s.GetReceipt(ctx, a, id)
}

const receiptSelect = `SELECT rc.id::text, rc.dispatch_id::text, d.number, r.id::text, w.id::text, w.name, b.id::text, b.name, rc.status, rc.notes, rc.received_at
	FROM inventory.receipts rc
	JOIN inventory.dispatches d ON d.id = rc.dispatch_id
	JOIN inventory.requirements r ON r.id = d.requirement_id
	JOIN inventory.warehouses w ON w.id = r.warehouse_id
	JOIN inventory.budgets b ON b.id = r.budget_id`

func scanReceipt(r pgx.Row) (receipt.Receipt, error) {
	var x receipt.Receipt
	err := r.Scan(&x.ID, &x.DispatchID, &x.DispatchNumber, &x.RequirementID, &x.WarehouseID, &x.WarehouseName, &x.BudgetID, &x.BudgetName, &x.Status, &x.Notes, &x.ReceivedAt)
	return x, err
}

// ReceiptFilter filters receipts.
type ReceiptFilter struct {
	WarehouseID string
	BudgetID    string
	Status      string
	Number      string
	From, To    *time.Time
}

// ListReceipts lists receipts with their items.
func (s *Store) ListReceipts(ctx context.Context, a Actor, f ReceiptFilter, p Page) ([]receipt.Receipt, string, error) {
	w := newWhere("rc.tenant_id", a.TenantID)
	if f.WarehouseID != "" {
		w.add("r.warehouse_id::text = ?", f.WarehouseID)
	}
	if f.BudgetID != "" {
		w.add("r.budget_id::text = ?", f.BudgetID)
	}
	if f.Status != "" {
		w.add("rc.status = ?", f.Status)
	}
	if f.Number != "" {
		w.add("d.number ILIKE ?", likeEscape(f.Number))
	}
	if f.From != nil {
		w.add("rc.received_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("rc.received_at < ?", *f.To)
	}
	q := receiptSelect + w.page("rc.id", p) // adds the cursor to w.args
	return listWithItems(ctx, s, q, w.args, p, scanReceipt, func(r receipt.Receipt) string { return r.ID }, s.loadReceiptItems)
}

// GetReceipt returns one receipt.
func (s *Store) GetReceipt(ctx context.Context, a Actor, id string) (receipt.Receipt, error) {
	return getWithItems(ctx, s, "receipt", receiptSelect+` WHERE rc.tenant_id = $1 AND rc.id = $2`, a, id, scanReceipt, s.loadReceiptItems)
}

func (s *Store) loadReceiptItems(ctx context.Context, r *receipt.Receipt) error {
	rows, err := s.pool.Query(ctx, `SELECT ri.material_id::text, m.name, m.unit, ri.dispatched_qty, ri.received_qty, ri.discrepancy_qty, ri.discrepancy_reason
		FROM inventory.receipt_items ri JOIN inventory.materials m ON m.id = ri.material_id WHERE ri.receipt_id = $1 ORDER BY m.name`, r.ID)
	if err != nil {
		return err
	}
	r.Items, err = collect(rows, func(rw pgx.Rows) (receipt.Item, error) {
		var it receipt.Item
		return it, rw.Scan(&it.MaterialID, &it.MaterialName, &it.Unit, &it.DispatchedQty, &it.ReceivedQty, &it.DiscrepancyQty, &it.DiscrepancyReason)
	})
	return err
}

// MovementFilter filters the ledger.
type MovementFilter struct {
	StockLineID   string
	WarehouseID   string
	MaterialID    string
	BudgetID      string
	Kind          string
	ReferenceType string
	From, To      *time.Time
}

// ListMovements lists ledger entries, newest first.
func (s *Store) ListMovements(ctx context.Context, a Actor, f MovementFilter, p Page) ([]ledger.Movement, string, error) {
	w := newWhere("mv.tenant_id", a.TenantID)
	for _, c := range []struct{ col, v string }{
		{"mv.stock_line_id::text", f.StockLineID}, {"mv.warehouse_id::text", f.WarehouseID}, {"mv.material_id::text", f.MaterialID},
		{"mv.budget_id::text", f.BudgetID}, {"mv.kind", f.Kind}, {"mv.reference_type", f.ReferenceType},
	} {
		if c.v != "" {
			w.add(c.col+" = ?", c.v)
		}
	}
	if f.From != nil {
		w.add("mv.created_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("mv.created_at < ?", *f.To)
	}
	rows, err := s.pool.Query(ctx, `SELECT mv.id::text, mv.stock_line_id::text, mv.warehouse_id::text, w.name, mv.material_id::text, m.name, mv.budget_id::text,
		mv.kind, mv.qty, mv.reference_type, mv.reference_id::text, mv.note, mv.actor_id, mv.created_at
		FROM inventory.movements mv JOIN inventory.warehouses w ON w.id = mv.warehouse_id JOIN inventory.materials m ON m.id = mv.material_id`+w.page("mv.id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (ledger.Movement, error) {
		var m ledger.Movement
		return m, r.Scan(&m.ID, &m.StockLineID, &m.WarehouseID, &m.WarehouseName, &m.MaterialID, &m.MaterialName, &m.BudgetID,
			&m.Kind, &m.Qty, &m.ReferenceType, &m.ReferenceID, &m.Note, &m.ActorID, &m.CreatedAt)
	})
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(m ledger.Movement) string { return m.ID })
	return items, next, nil
}

// Reconcile compares every line's on-hand with its ledger and its reserved quantity
// with its reservations, in one consistent snapshot.
func (s *Store) Reconcile(ctx context.Context, a Actor) (ledger.Reconciliation, error) {
	var out ledger.Reconciliation
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT l.id::text, l.on_hand, l.reserved,
			coalesce((SELECT sum(qty) FROM inventory.movements mv WHERE mv.stock_line_id = l.id), 0),
			coalesce((SELECT sum(qty) FROM inventory.reservations rs WHERE rs.stock_line_id = l.id), 0)
			FROM inventory.stock_lines l WHERE l.tenant_id = $1`, a.TenantID)
		if err != nil {
			return err
		}
		bs, err := collect(rows, func(r pgx.Rows) (ledger.LineBalance, error) {
			var b ledger.LineBalance
			return b, r.Scan(&b.StockLineID, &b.OnHand, &b.Reserved, &b.LedgerSum, &b.Reservation)
		})
		if err != nil {
			return err
		}
		out = ledger.Reconcile(bs, s.now().UTC())
		return nil
	})
	return out, err
}
