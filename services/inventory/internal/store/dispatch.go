package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/ledger"
	"github.com/planta-dev/planta/services/inventory/internal/requirement"
)

// nextNumber takes the tenant's next number of kind for the day; the counter row stays
// locked until the transaction ends, so numbers are gap-free per committed transaction
// and never duplicated.
func nextNumber(ctx context.Context, tx pgx.Tx, tenant, kind string, day time.Time) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO inventory.document_counters (tenant_id, kind, day, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (tenant_id, kind, day) DO UPDATE SET last = document_counters.last + 1 RETURNING last`,
		tenant, kind, day.UTC().Format(time.DateOnly)).Scan(&n)
	return n, err
}

type resRow struct {
	itemID string
	lineID string
	qty    decimal.Decimal
}

// CreateDispatch dispatches from a requirement's reservation: per material, the
// reserved lines (FIFO) lose on-hand and reserved together, with OUT movements; the
// items and requirement advance; the delivery note gets its GR number.
func (s *Store) CreateDispatch(ctx context.Context, a Actor, in dispatch.Input) (dispatch.Dispatch, error) {
	var id, number string
	err := s.tx(ctx, a, "create_dispatch", func(tx pgx.Tx) error {
		st, items, err := lockRequirement(ctx, tx, a, in.RequirementID, "requirement_id")
		if err != nil {
			return err
		}
		if !st.Open() {
			return fault.Conflictf("requirement-closed", "requirement_id", "requirement_id: the requirement is %s", st)
		}
		byMat := map[string]*itemRow{}
		for i := range items {
			byMat[items[i].MaterialID] = &items[i]
		}
		want := map[*itemRow]decimal.Decimal{}
		var order []*itemRow
		if len(in.Items) == 0 {
			for i := range items {
				if items[i].Reserved.IsPositive() {
					want[&items[i]] = items[i].Reserved
					order = append(order, &items[i])
				}
			}
			if len(order) == 0 {
				return fault.Conflictf("not-reserved", "requirement_id", "requirement_id: nothing is reserved to dispatch")
			}
		}
		for i, li := range in.Items {
			it, ok := byMat[li.MaterialID]
			f := fmt.Sprintf("items[%d]", i)
			if !ok {
				return fault.Field(f+".material_id", "is not on this requirement")
			}
			if err := dispatch.CheckLine(f+".qty", li.Qty, it.Reserved, false); err != nil {
				return err
			}
			want[it] = li.Qty
			order = append(order, it)
		}
		lineIDs, err := reservedLines(ctx, tx, items)
		if err != nil {
			return err
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, lineIDs)
		if err != nil {
			return err
		}
		// The number is taken last (below): the tenant's counter row serializes only the
		// tail of concurrent dispatches, not their whole work.
		if err := tx.QueryRow(ctx, `INSERT INTO inventory.dispatches (tenant_id, requirement_id, number, notes, created_by) VALUES ($1,$2,gen_random_uuid()::text,$3,$4) RETURNING id::text`,
			a.TenantID, in.RequirementID, in.Notes, a.UserID).Scan(&id); err != nil {
			return err
		}
		for _, it := range order {
			rows, err := tx.Query(ctx, `SELECT requirement_item_id::text, stock_line_id::text, qty FROM inventory.reservations WHERE requirement_item_id = $1 ORDER BY stock_line_id`, it.ID)
			if err != nil {
				return err
			}
			rs, err := collect(rows, func(r pgx.Rows) (resRow, error) {
				var x resRow
				return x, r.Scan(&x.itemID, &x.lineID, &x.qty)
			})
			if err != nil {
				return err
			}
			left := want[it]
			for _, r := range rs {
				if !left.IsPositive() {
					break
				}
				take := decimal.Min(left, r.qty)
				l := lines[r.lineID]
				l.OnHand, l.Reserved = l.OnHand.Sub(take), l.Reserved.Sub(take)
				l.Floating = decimal.Min(l.Floating, l.OnHand)
				if err := setLine(ctx, tx, l); err != nil {
					return err
				}
				if take.Equal(r.qty) {
					_, err = tx.Exec(ctx, `DELETE FROM inventory.reservations WHERE requirement_item_id = $1 AND stock_line_id = $2`, it.ID, l.ID)
				} else {
					_, err = tx.Exec(ctx, `UPDATE inventory.reservations SET qty = qty - $3 WHERE requirement_item_id = $1 AND stock_line_id = $2`, it.ID, l.ID, take)
				}
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO inventory.dispatch_items (tenant_id, dispatch_id, requirement_item_id, material_id, stock_line_id, qty, unit_price_pen, unit_price_usd)
					SELECT $1, $2, $3, m.id, $4, $5, m.price_pen, m.price_usd FROM inventory.materials m WHERE m.id = $6`,
					a.TenantID, id, it.ID, l.ID, take, it.MaterialID); err != nil {
					return err
				}
				if err := writeMovement(ctx, tx, a, move{line: l, kind: ledger.Out, qty: take.Neg(), refType: ledger.RefDispatch, refID: &id}); err != nil {
					return err
				}
				left = left.Sub(take)
			}
			if left.IsPositive() {
				return fmt.Errorf("reservations of item %s do not cover its reserved quantity", it.ID)
			}
			it.Reserved = it.Reserved.Sub(want[it])
			it.Dispatched = it.Dispatched.Add(want[it])
			if err := saveItem(ctx, tx, it); err != nil {
				return err
			}
		}
		dom := make([]requirement.Item, len(items))
		for i := range items {
			dom[i] = items[i].domain()
		}
		if _, err = tx.Exec(ctx, `UPDATE inventory.requirements SET status = $2, updated_at = now() WHERE id = $1`, in.RequirementID, requirement.StatusFor(dom)); err != nil {
			return err
		}
		// One round trip: take the counter (its row stays locked until commit) and
		// stamp the number, so the per-tenant serialized section is as short as it gets.
		now := s.now()
		var n int
		if err := tx.QueryRow(ctx, `WITH c AS (
				INSERT INTO inventory.document_counters (tenant_id, kind, day, last) VALUES ($1, $2, $3, 1)
				ON CONFLICT (tenant_id, kind, day) DO UPDATE SET last = document_counters.last + 1 RETURNING last)
			UPDATE inventory.dispatches SET number = $2 || '-' || $4 || '-' || lpad(c.last::text, 5, '0') FROM c WHERE id = $5 RETURNING c.last`,
			a.TenantID, dispatch.NumberPrefix, now.UTC().Format(time.DateOnly), now.UTC().Format("20060102"), id).Scan(&n); err != nil {
			return err
		}
		number = dispatch.Number(dispatch.NumberPrefix, now, n)
		return nil
	})
	if err != nil {
		return dispatch.Dispatch{}, err
	}
	s.log.InfoContext(ctx, "dispatch created", "tenant_id", a.TenantID, "dispatch_id", id, "number", number, "requirement_id", in.RequirementID, "actor_id", a.UserID)
	return s.GetDispatch(ctx, a, id)
}

// CancelDispatch reverses an active, not yet received dispatch: stock goes back to the
// principal lines it came from (IN movements noted with the reason), re-reserved for the
// requirement when it is still open; otherwise waiting requirements get it. The reason
// and the acting user are kept on the dispatch.
func (s *Store) CancelDispatch(ctx context.Context, a Actor, id string, in dispatch.CancelInput) (dispatch.Dispatch, error) {
	err := s.tx(ctx, a, "cancel_dispatch", func(tx pgx.Tx) error {
		if err := checkID("dispatch", "id", id); err != nil {
			return err
		}
		var reqID string
		if err := tx.QueryRow(ctx, `SELECT requirement_id::text FROM inventory.dispatches WHERE tenant_id = $1 AND id = $2`, a.TenantID, id).Scan(&reqID); err != nil {
			return notFound(err, "dispatch", "id")
		}
		var materials []string
		rows, err := tx.Query(ctx, `SELECT DISTINCT material_id::text FROM inventory.dispatch_items WHERE dispatch_id = $1`, id)
		if err != nil {
			return err
		}
		if materials, err = collect(rows, func(r pgx.Rows) (string, error) {
			var m string
			return m, r.Scan(&m)
		}); err != nil {
			return err
		}
		st, items, err := lockRequirement(ctx, tx, a, reqID, "id")
		if err != nil {
			return err
		}
		var waiting []string
		if !st.Open() {
			if waiting, err = lockWaitingRequirements(ctx, tx, a.TenantID, materials); err != nil {
				return err
			}
		}
		// The dispatch row lock is what a receipt takes first too: whichever commits first
		// wins and the other sees its result. The receipt check is a separate statement on
		// purpose: under READ COMMITTED a subquery in the locking statement reads the
		// snapshot from before the lock wait and misses a receipt committed meanwhile.
		var status dispatch.Status
		if err := tx.QueryRow(ctx, `SELECT status FROM inventory.dispatches WHERE id = $1 FOR UPDATE`, id).Scan(&status); err != nil {
			return fmt.Errorf("lock dispatch %s: %w", id, err)
		}
		if status == dispatch.Cancelled {
			return fault.Conflictf("dispatch-cancelled", "id", "the dispatch is already cancelled")
		}
		var received bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.receipts WHERE dispatch_id = $1)`, id).Scan(&received); err != nil {
			return fmt.Errorf("check receipts of dispatch %s: %w", id, err)
		}
		if received {
			return fault.Conflictf("already-received", "id", "a received dispatch cannot be cancelled")
		}
		type di struct {
			itemID, lineID string
			qty            decimal.Decimal
		}
		rows, err = tx.Query(ctx, `SELECT requirement_item_id::text, stock_line_id::text, qty FROM inventory.dispatch_items WHERE dispatch_id = $1`, id)
		if err != nil {
			return err
		}
		dis, err := collect(rows, func(r pgx.Rows) (di, error) {
			var x di
			return x, r.Scan(&x.itemID, &x.lineID, &x.qty)
		})
		if err != nil {
			return err
		}
		ids := make([]string, len(dis))
		for i, d := range dis {
			ids[i] = d.lineID
		}
		lines, err := lockLinesByID(ctx, tx, a.TenantID, ids)
		if err != nil {
			return err
		}
		byID := map[string]*itemRow{}
		for i := range items {
			byID[items[i].ID] = &items[i]
		}
		for _, d := range dis {
			l, it := lines[d.lineID], byID[d.itemID]
			l.OnHand = l.OnHand.Add(d.qty)
			it.Dispatched = it.Dispatched.Sub(d.qty)
			if st.Open() {
				l.Reserved = l.Reserved.Add(d.qty)
				it.Reserved = it.Reserved.Add(d.qty)
				if _, err := tx.Exec(ctx, `INSERT INTO inventory.reservations (requirement_item_id, stock_line_id, tenant_id, qty) VALUES ($1,$2,$3,$4)
					ON CONFLICT (requirement_item_id, stock_line_id) DO UPDATE SET qty = reservations.qty + EXCLUDED.qty`, it.ID, l.ID, a.TenantID, d.qty); err != nil {
					return err
				}
			}
			if err := setLine(ctx, tx, l); err != nil {
				return err
			}
			if err := writeMovement(ctx, tx, a, move{line: l, kind: ledger.In, qty: d.qty, refType: ledger.RefDispatchCancel, refID: &id, note: in.Reason}); err != nil {
				return err
			}
			if st.Open() {
				if err := saveItem(ctx, tx, it); err != nil {
					return err
				}
			} else if _, err := tx.Exec(ctx, `UPDATE inventory.requirement_items SET dispatched_qty = $2 WHERE id = $1`, it.ID, it.Dispatched); err != nil {
				return err
			}
		}
		if st.Open() {
			dom := make([]requirement.Item, len(items))
			for i := range items {
				dom[i] = items[i].domain()
			}
			if _, err := tx.Exec(ctx, `UPDATE inventory.requirements SET status = $2, updated_at = now() WHERE id = $1`, reqID, requirement.StatusFor(dom)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE inventory.dispatches SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, cancelled_by = $3 WHERE id = $1`,
			id, in.Reason, a.UserID); err != nil {
			return err
		}
		if len(waiting) > 0 {
			pid, err := principalID(ctx, tx, a.TenantID)
			if err != nil {
				return err
			}
			_, err = s.reserveWaiting(ctx, tx, a, pid, waiting, materials)
			return err
		}
		return nil
	})
	if err != nil {
		return dispatch.Dispatch{}, err
	}
	s.log.InfoContext(ctx, "dispatch cancelled", "tenant_id", a.TenantID, "dispatch_id", id, "actor_id", a.UserID)
	return s.GetDispatch(ctx, a, id)
}

const dispatchSelect = `SELECT d.id::text, d.number, d.requirement_id::text, r.budget_id::text, b.name, coalesce(p.id::text, ''), coalesce(p.name, ''), coalesce(p.location, ''),
	w.id::text, w.name, w.location, d.status, EXISTS (SELECT 1 FROM inventory.receipts rc WHERE rc.dispatch_id = d.id), d.notes, d.dispatched_at, d.cancelled_at,
	d.cancel_reason, d.cancelled_by
	FROM inventory.dispatches d
	JOIN inventory.requirements r ON r.id = d.requirement_id
	JOIN inventory.budgets b ON b.id = r.budget_id
	JOIN inventory.warehouses w ON w.id = r.warehouse_id
	LEFT JOIN inventory.warehouses p ON p.tenant_id = d.tenant_id AND p.type = 'principal'`

func scanDispatch(r pgx.Row) (dispatch.Dispatch, error) {
	var d dispatch.Dispatch
	err := r.Scan(&d.ID, &d.Number, &d.RequirementID, &d.BudgetID, &d.BudgetName, &d.FromWarehouseID, &d.FromWarehouse, &d.FromLocation,
		&d.ToWarehouseID, &d.ToWarehouse, &d.ToLocation, &d.Status, &d.Received, &d.Notes, &d.DispatchedAt, &d.CancelledAt,
		&d.CancelReason, &d.CancelledBy)
	return d, err
}

// DispatchFilter filters dispatches.
type DispatchFilter struct {
	Status        string
	WarehouseID   string
	RequirementID string
	BudgetID      string
	Number        string
	Received      *bool
	From, To      *time.Time
}

// ListDispatches lists dispatches with their items.
func (s *Store) ListDispatches(ctx context.Context, a Actor, f DispatchFilter, p Page) ([]dispatch.Dispatch, string, error) {
	w := newWhere("d.tenant_id", a.TenantID)
	if f.Status != "" {
		w.add("d.status = ?", f.Status)
	}
	if f.WarehouseID != "" {
		w.add("r.warehouse_id::text = ?", f.WarehouseID)
	}
	if f.RequirementID != "" {
		w.add("d.requirement_id::text = ?", f.RequirementID)
	}
	if f.BudgetID != "" {
		w.add("r.budget_id::text = ?", f.BudgetID)
	}
	if f.Number != "" {
		w.add("d.number ILIKE ?", likeEscape(f.Number))
	}
	if f.Received != nil {
		w.add("EXISTS (SELECT 1 FROM inventory.receipts rc WHERE rc.dispatch_id = d.id) = ?", *f.Received)
	}
	if f.From != nil {
		w.add("d.dispatched_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("d.dispatched_at < ?", *f.To)
	}
	q := dispatchSelect + w.page("d.id", p) // adds the cursor to w.args
	return listWithItems(ctx, s, q, w.args, p, scanDispatch, func(d dispatch.Dispatch) string { return d.ID }, s.loadDispatchItems)
}

// GetDispatch returns one dispatch.
func (s *Store) GetDispatch(ctx context.Context, a Actor, id string) (dispatch.Dispatch, error) {
	return getWithItems(ctx, s, "dispatch", dispatchSelect+` WHERE d.tenant_id = $1 AND d.id = $2`, a, id, scanDispatch, s.loadDispatchItems)
}

func (s *Store) loadDispatchItems(ctx context.Context, d *dispatch.Dispatch) error {
	rows, err := s.pool.Query(ctx, `SELECT di.material_id::text, m.code, m.name, m.unit, sum(di.qty), min(di.unit_price_pen), min(di.unit_price_usd), sum(di.qty * di.unit_price_pen)
		FROM inventory.dispatch_items di JOIN inventory.materials m ON m.id = di.material_id WHERE di.dispatch_id = $1
		GROUP BY di.material_id, m.code, m.name, m.unit ORDER BY m.code`, d.ID)
	if err != nil {
		return err
	}
	d.Items, err = collect(rows, func(r pgx.Rows) (dispatch.Item, error) {
		var it dispatch.Item
		err := r.Scan(&it.MaterialID, &it.MaterialCode, &it.MaterialName, &it.Unit, &it.Qty, &it.UnitPricePEN, &it.UnitPriceUSD, &it.TotalPEN)
		it.TotalPEN = it.TotalPEN.Round(4)
		return it, err
	})
	d.TotalPEN = decimal.Zero
	for _, it := range d.Items {
		d.TotalPEN = d.TotalPEN.Add(it.TotalPEN)
	}
	return err
}
