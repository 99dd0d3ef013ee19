package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
)

// ---- run inputs

// MRPLoad is what a run reads: the calendar settings, the sources, and the snapshot the
// reads saw (pg_current_snapshot() as text), which later says which journal entries
// (mrp_changes) the load already reflects.
type MRPLoad struct {
	Settings planning.Settings
	Sources  planning.Sources
	Snapshot string
	// Changed lists the materials journalled since the snapshot given to
	// LoadMRPChanges (Sources then holds only their inputs: item rows, BOM lines
	// naming them as parent or component, demand, receipts, firmed orders).
	Changed []string
}

// The input queries. $1 is the tenant; with a material filter $2 is a uuid[] and the
// queries read only those items' rows. uuids and numbers come back binary (no ::text).
const (
	loadItemsSQL = `SELECT i.material_id, i.source, i.lead_time, i.safety_stock::float8, i.policy, i.fixed_quantity::float8, i.periods,
		i.annual_demand::float8, i.ordering_cost::float8, i.annual_holding_cost::float8, i.holding_cost::float8, i.minimum::float8,
		i.multiple::float8, i.maximum::float8, i.scrap_pct::float8, i.planning_time_fence,
		coalesce(oh.qty, 0)::float8
		FROM inventory.mrp_items i LEFT JOIN (SELECT sl.material_id, sum(sl.on_hand) AS qty FROM inventory.stock_lines sl
			JOIN inventory.warehouses w ON w.tenant_id = sl.tenant_id AND w.id = sl.warehouse_id
			WHERE sl.tenant_id = $1 AND w.type = 'principal' AND NOT sl.frozen %[2]s GROUP BY sl.material_id) oh ON oh.material_id = i.material_id
		WHERE i.tenant_id = $1 %[1]s`
	loadBOMSQL    = `SELECT parent_id, component_id, qty_per::float8, scrap_pct::float8 / 100 FROM inventory.mrp_bom_lines WHERE tenant_id = $1 %s`
	loadDemandSQL = `SELECT material_id, bucket_date, quantity::float8, id FROM inventory.mrp_demands WHERE tenant_id = $1 %s`
	loadReqSQL    = `SELECT ri.material_id, r.created_at::date, (ri.requested_qty - ri.dispatched_qty)::float8, ri.id
		FROM inventory.requirement_items ri JOIN inventory.requirements r ON r.id = ri.requirement_id
		JOIN inventory.mrp_items mi ON mi.tenant_id = ri.tenant_id AND mi.material_id = ri.material_id
		WHERE ri.tenant_id = $1 AND r.status IN ('pending', 'partial') AND ri.status NOT IN ('fulfilled', 'cancelled')
		AND ri.requested_qty > ri.dispatched_qty
		AND NOT EXISTS (SELECT 1 FROM inventory.mrp_firm_orders f WHERE f.tenant_id = $1 AND f.requirement_id = r.id) %s`
	loadReceiptsSQL = `SELECT material_id, due_date, quantity::float8, id FROM inventory.mrp_scheduled_receipts WHERE tenant_id = $1 %s`
	loadFirmSQL     = `SELECT f.id, f.material_id, f.release_date, f.due_date,
		CASE WHEN f.status = 'firm' THEN f.quantity::float8
		     ELSE (f.quantity * (ri.requested_qty - ri.reserved_qty - ri.dispatched_qty) / ri.requested_qty)::float8 END
		FROM inventory.mrp_firm_orders f
		LEFT JOIN inventory.requirements r ON r.tenant_id = f.tenant_id AND r.id = f.requirement_id
		LEFT JOIN inventory.requirement_items ri ON ri.requirement_id = f.requirement_id AND ri.material_id = f.material_id
		WHERE f.tenant_id = $1 AND (f.status = 'firm' OR (r.status IN ('pending', 'partial') AND ri.requested_qty - ri.reserved_qty - ri.dispatched_qty > 0)) %s`
)

// loadPart is one query of a load, filling its part of the sources.
type loadPart func(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error

func filter(only []uuid.UUID, col string) (string, []any) {
	if only == nil {
		return "", nil
	}
	return " AND " + col + " = ANY($2)", []any{only}
}

func queryArgs(tenant string, extra []any) []any { return append([]any{tenant}, extra...) }

func loadItems(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error {
	f, args := filter(only, "i.material_id")
	f2, _ := filter(only, "sl.material_id")
	rows, err := q.Query(ctx, fmt.Sprintf(loadItemsSQL, f, f2), queryArgs(tenant, args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var it planning.SourceItem
		var id uuid.UUID
		var source, policy string
		var scrapPct float64
		e := &it.Item
		if err := rows.Scan(&id, &source, &e.LeadTime, &e.SafetyStock, &policy, &e.Lot.FixedQuantity, &e.Lot.Periods,
			&e.Lot.AnnualDemand, &e.Lot.OrderingCost, &e.Lot.AnnualHoldingCost, &e.Lot.HoldingCost, &e.Lot.Minimum, &e.Lot.Multiple,
			&e.Lot.Maximum, &scrapPct, &e.PlanningTimeFence, &e.OnHand); err != nil {
			return err
		}
		it.MaterialID = id.String()
		e.Source = mrp.Make
		if source == "buy" {
			e.Source = mrp.Buy
		}
		e.Lot.Policy, _ = mrp.ParsePolicy(policy)
		e.Scrap = scrapPct / 100
		src.Items = append(src.Items, it)
	}
	return rows.Err()
}

func loadBOM(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error {
	f := ""
	var args []any
	if only != nil {
		f, args = " AND (parent_id = ANY($2) OR component_id = ANY($2))", []any{only}
	}
	rows, err := q.Query(ctx, fmt.Sprintf(loadBOMSQL, f), queryArgs(tenant, args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var p, c uuid.UUID
	for rows.Next() {
		var l planning.SourceBOM
		if err := rows.Scan(&p, &c, &l.QtyPer, &l.Scrap); err != nil {
			return err
		}
		l.Parent, l.Component = p.String(), c.String()
		src.BOM = append(src.BOM, l)
	}
	return rows.Err()
}

// dated scans (material, date, quantity, id) rows.
func dated(ctx context.Context, q querier, sql, tenant string, args []any, add func(material string, d time.Time, qty float64, id uuid.UUID)) error {
	rows, err := q.Query(ctx, sql, queryArgs(tenant, args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var m, id uuid.UUID
	var d time.Time
	var qty float64
	// Rows usually come grouped by material: reuse the last string.
	var last uuid.UUID
	lastS := ""
	for rows.Next() {
		if err := rows.Scan(&m, &d, &qty, &id); err != nil {
			return err
		}
		if m != last || lastS == "" {
			last, lastS = m, m.String()
		}
		add(lastS, d, qty, id)
	}
	return rows.Err()
}

func loadDemand(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error {
	f, args := filter(only, "material_id")
	return dated(ctx, q, fmt.Sprintf(loadDemandSQL, f), tenant, args, func(m string, d time.Time, qty float64, id uuid.UUID) {
		src.Demand = append(src.Demand, planning.SourceDemand{MaterialID: m, Date: d, Quantity: qty, Ref: planning.RefDemand + id.String()})
	})
}

func loadReqDemand(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error {
	f, args := filter(only, "ri.material_id")
	return dated(ctx, q, fmt.Sprintf(loadReqSQL, f), tenant, args, func(m string, d time.Time, qty float64, id uuid.UUID) {
		src.Demand = append(src.Demand, planning.SourceDemand{MaterialID: m, Date: d, Quantity: qty, Ref: planning.RefRequirement + id.String()})
	})
}

func loadReceipts(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error {
	f, args := filter(only, "material_id")
	return dated(ctx, q, fmt.Sprintf(loadReceiptsSQL, f), tenant, args, func(m string, d time.Time, qty float64, id uuid.UUID) {
		src.Receipts = append(src.Receipts, planning.SourceReceipt{MaterialID: m, Date: d, Quantity: qty, Ref: id.String()})
	})
}

func loadFirm(ctx context.Context, q querier, tenant string, only []uuid.UUID, src *planning.Sources) error {
	f, args := filter(only, "f.material_id")
	rows, err := q.Query(ctx, fmt.Sprintf(loadFirmSQL, f), queryArgs(tenant, args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id, m uuid.UUID
	for rows.Next() {
		var x planning.SourceFirm
		if err := rows.Scan(&id, &m, &x.Release, &x.Due, &x.Quantity); err != nil {
			return err
		}
		x.ID, x.MaterialID = id.String(), m.String()
		src.Firm = append(src.Firm, x)
	}
	return rows.Err()
}

// LoadMRPSources reads everything a run plans from, in one repeatable-read snapshot:
// item data, principal on-hand (frozen lines excluded), BOM, demand entries, open
// requirements (remaining = requested − dispatched, due now; requirements created by
// converting a planned order are supply, not demand), scheduled receipts and firmed
// orders (a converted one for the part its requirement has not yet reserved or dispatched).
// Dispatches in transit are not counted: they were issued against requirements whose
// remaining quantity already excludes them.
//
// The queries run in parallel on up to three connections that share one exported
// snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT), so the result is exactly one
// repeatable-read view of the tenant.
func (s *Store) LoadMRPSources(ctx context.Context, a Actor) (MRPLoad, error) {
	var out MRPLoad
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var exported string
		if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot(), pg_current_snapshot()::text`).Scan(&exported, &out.Snapshot); err != nil {
			return err
		}
		var err error
		if out.Settings, err = getMRPSettings(ctx, tx, a.TenantID); err != nil {
			return err
		}
		// Each group fills its own Sources; merged below in a fixed field layout.
		groups := [][]loadPart{{loadDemand}, {loadItems, loadBOM}, {loadReqDemand, loadReceipts, loadFirm}}
		parts := make([]planning.Sources, len(groups))
		errs := make([]error, len(groups))
		var wg sync.WaitGroup
		for g := 1; g < len(groups); g++ {
			wg.Go(func() {
				errs[g] = s.inSnapshot(ctx, exported, func(q querier) error {
					for _, p := range groups[g] {
						if err := p(ctx, q, a.TenantID, nil, &parts[g]); err != nil {
							return err
						}
					}
					return nil
				})
			})
		}
		for _, p := range groups[0] {
			if errs[0] = p(ctx, tx, a.TenantID, nil, &parts[0]); errs[0] != nil {
				break
			}
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		out.Sources = planning.Sources{Items: parts[1].Items, BOM: parts[1].BOM, Demand: append(parts[0].Demand, parts[2].Demand...),
			Receipts: parts[2].Receipts, Firm: parts[2].Firm}
		return nil
	})
	return out, err
}

// inSnapshot runs fn in a read-only repeatable-read transaction on its own connection
// that imports the snapshot exported by another (still open) transaction.
func (s *Store) inSnapshot(ctx context.Context, snapshot string, fn func(q querier) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// LoadMRPChanges reads, in one repeatable-read snapshot, the materials whose planning
// inputs were journalled (mrp_changes) by transactions the snapshot since did not see,
// and the current inputs of just those materials: the load of a net-change run.
func (s *Store) LoadMRPChanges(ctx context.Context, a Actor, since string) (MRPLoad, error) {
	var out MRPLoad
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&out.Snapshot); err != nil {
			return err
		}
		var err error
		if out.Settings, err = getMRPSettings(ctx, tx, a.TenantID); err != nil {
			return err
		}
		var ids []uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT material_id), '{}') FROM inventory.mrp_changes
			WHERE tenant_id = $1 AND txid >= pg_snapshot_xmin($2::pg_snapshot) AND NOT pg_visible_in_snapshot(txid, $2::pg_snapshot)`,
			a.TenantID, since).Scan(&ids); err != nil {
			return err
		}
		out.Changed = make([]string, len(ids))
		for i, id := range ids {
			out.Changed[i] = id.String()
		}
		if len(ids) == 0 {
			return nil
		}
		for _, p := range []loadPart{loadItems, loadBOM, loadDemand, loadReqDemand, loadReceipts, loadFirm} {
			if err := p(ctx, tx, a.TenantID, ids, &out.Sources); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
