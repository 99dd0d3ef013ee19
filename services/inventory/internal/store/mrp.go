package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
	"github.com/planta-dev/planta/services/inventory/internal/requirement"
)

// ---- planning calendar

// GetMRPSettings returns the tenant's planning calendar (defaults when never set).
func (s *Store) GetMRPSettings(ctx context.Context, a Actor) (planning.Settings, error) {
	return getMRPSettings(ctx, s.pool, a.TenantID)
}

func getMRPSettings(ctx context.Context, q querier, tenant string) (planning.Settings, error) {
	st := planning.DefaultSettings()
	err := q.QueryRow(ctx, `SELECT bucket, horizon FROM inventory.mrp_settings WHERE tenant_id = $1`, tenant).Scan(&st.Bucket, &st.Horizon)
	if errors.Is(err, pgx.ErrNoRows) {
		return planning.DefaultSettings(), nil
	}
	return st, err
}

// PutMRPSettings replaces the tenant's planning calendar.
func (s *Store) PutMRPSettings(ctx context.Context, a Actor, in planning.Settings) (planning.Settings, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO inventory.mrp_settings (tenant_id, bucket, horizon) VALUES ($1,$2,$3)
		ON CONFLICT (tenant_id) DO UPDATE SET bucket = EXCLUDED.bucket, horizon = EXCLUDED.horizon, updated_at = now()`, a.TenantID, in.Bucket, in.Horizon)
	return in, err
}

// ---- item planning data

const mrpItemCols = `i.material_id::text, m.code, m.name, i.source, i.lead_time, i.safety_stock, i.policy, i.fixed_quantity, i.periods,
	i.annual_demand, i.ordering_cost, i.annual_holding_cost, i.holding_cost, i.minimum, i.multiple, i.maximum, i.scrap_pct,
	i.planning_time_fence, i.updated_at`

func scanMRPItem(r pgx.Row) (planning.Item, error) {
	var it planning.Item
	err := r.Scan(&it.MaterialID, &it.MaterialCode, &it.MaterialName, &it.Source, &it.LeadTime, &it.SafetyStock, &it.Policy, &it.FixedQuantity,
		&it.Periods, &it.AnnualDemand, &it.OrderingCost, &it.AnnualHoldingCost, &it.HoldingCost, &it.Minimum, &it.Multiple, &it.Maximum,
		&it.ScrapPct, &it.PlanningTimeFence, &it.UpdatedAt)
	return it, err
}

// ListMRPItems lists the materials with planning data, newest material first.
func (s *Store) ListMRPItems(ctx context.Context, a Actor, p Page) ([]planning.Item, string, error) {
	w := newWhere("i.tenant_id", a.TenantID)
	rows, err := s.pool.Query(ctx, `SELECT `+mrpItemCols+` FROM inventory.mrp_items i JOIN inventory.materials m ON m.tenant_id = i.tenant_id AND m.id = i.material_id`+
		w.page("i.material_id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (planning.Item, error) { return scanMRPItem(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(it planning.Item) string { return it.MaterialID })
	return items, next, nil
}

// GetMRPItem returns one material's planning data.
func (s *Store) GetMRPItem(ctx context.Context, a Actor, materialID string) (planning.Item, error) {
	return getMRPItem(ctx, s.pool, a.TenantID, materialID, "")
}

func getMRPItem(ctx context.Context, q querier, tenant, materialID, field string) (planning.Item, error) {
	if err := checkID("item", field, materialID); err != nil {
		return planning.Item{}, err
	}
	it, err := scanMRPItem(q.QueryRow(ctx, `SELECT `+mrpItemCols+` FROM inventory.mrp_items i JOIN inventory.materials m ON m.tenant_id = i.tenant_id AND m.id = i.material_id
		WHERE i.tenant_id = $1 AND i.material_id = $2`, tenant, materialID))
	return it, notFound(err, "item", field)
}

// PutMRPItem creates or replaces a material's planning data; created reports a new row.
func (s *Store) PutMRPItem(ctx context.Context, a Actor, materialID string, in planning.ItemInput) (planning.Item, bool, error) {
	var created bool
	err := s.tx(ctx, a, "mrp_put_item", func(tx pgx.Tx) error {
		if _, err := s.getMaterial(ctx, tx, a, materialID, ""); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO inventory.mrp_items (tenant_id, material_id, source, lead_time, safety_stock, policy, fixed_quantity, periods,
			annual_demand, ordering_cost, annual_holding_cost, holding_cost, minimum, multiple, maximum, scrap_pct, planning_time_fence)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)
			ON CONFLICT (tenant_id, material_id) DO UPDATE SET source = EXCLUDED.source, lead_time = EXCLUDED.lead_time,
			safety_stock = EXCLUDED.safety_stock, policy = EXCLUDED.policy, fixed_quantity = EXCLUDED.fixed_quantity, periods = EXCLUDED.periods,
			annual_demand = EXCLUDED.annual_demand, ordering_cost = EXCLUDED.ordering_cost, annual_holding_cost = EXCLUDED.annual_holding_cost,
			holding_cost = EXCLUDED.holding_cost, minimum = EXCLUDED.minimum, multiple = EXCLUDED.multiple, maximum = EXCLUDED.maximum,
			scrap_pct = EXCLUDED.scrap_pct, planning_time_fence = EXCLUDED.planning_time_fence, updated_at = now()
			RETURNING (xmax = 0)`, a.TenantID, materialID, in.Source, in.LeadTime, in.SafetyStock, in.Policy, in.FixedQuantity, in.Periods,
			in.AnnualDemand, in.OrderingCost, in.AnnualHoldingCost, in.HoldingCost, in.Minimum, in.Multiple, in.Maximum, in.ScrapPct,
			in.PlanningTimeFence).Scan(&created)
	})
	if err != nil {
		return planning.Item{}, false, err
	}
	it, err := s.GetMRPItem(ctx, a, materialID)
	return it, created, err
}

// DeleteMRPItem removes a material's planning data; one still used by BOM lines,
// demand, receipts or firmed orders is refused (409 in-use).
func (s *Store) DeleteMRPItem(ctx context.Context, a Actor, materialID string) error {
	return s.tx(ctx, a, "mrp_delete_item", func(tx pgx.Tx) error {
		if _, err := getMRPItem(ctx, tx, a.TenantID, materialID, ""); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM inventory.mrp_items WHERE tenant_id = $1 AND material_id = $2`, a.TenantID, materialID)
		return err
	})
}

// ---- bills of materials

const bomCols = `id::text, parent_id::text, component_id::text, qty_per, scrap_pct`

func scanBOM(r pgx.Row) (planning.BOMLine, error) {
	var l planning.BOMLine
	err := r.Scan(&l.ID, &l.ParentID, &l.ComponentID, &l.QtyPer, &l.ScrapPct)
	return l, err
}

// BOMFilter filters BOM lines.
type BOMFilter struct{ ParentID, ComponentID string }

// ListBOMLines lists BOM lines, newest first.
func (s *Store) ListBOMLines(ctx context.Context, a Actor, f BOMFilter, p Page) ([]planning.BOMLine, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	if f.ParentID != "" {
		w.add("parent_id = ?", f.ParentID)
	}
	if f.ComponentID != "" {
		w.add("component_id = ?", f.ComponentID)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+bomCols+` FROM inventory.mrp_bom_lines`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	ls, err := collect(rows, func(r pgx.Rows) (planning.BOMLine, error) { return scanBOM(r) })
	if err != nil {
		return nil, "", err
	}
	ls, next := trimPage(ls, p, func(l planning.BOMLine) string { return l.ID })
	return ls, next, nil
}

// lockBOM serialises BOM writes of one tenant so that two concurrent lines cannot close
// a cycle together.
func lockBOM(ctx context.Context, tx pgx.Tx, tenant string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('inventory.mrp_bom:' || $1, 0))`, tenant)
	return err
}

// CreateBOMLine adds a BOM line; a line that would close a cycle is refused with the
// cycle named (material codes, parent to component).
func (s *Store) CreateBOMLine(ctx context.Context, a Actor, in planning.BOMInput) (planning.BOMLine, error) {
	var l planning.BOMLine
	err := s.tx(ctx, a, "mrp_create_bom_line", func(tx pgx.Tx) error {
		if err := lockBOM(ctx, tx, a.TenantID); err != nil {
			return err
		}
		if _, err := getMRPItem(ctx, tx, a.TenantID, in.ParentID, "parent_id"); err != nil {
			return err
		}
		if _, err := getMRPItem(ctx, tx, a.TenantID, in.ComponentID, "component_id"); err != nil {
			return err
		}
		if in.ParentID == in.ComponentID {
			codes, err := materialCodes(ctx, tx, a.TenantID, []string{in.ParentID})
			if err != nil {
				return err
			}
			return fault.Field("component_id", "a material cannot be its own component (cycle "+codes[0]+" -> "+codes[0]+")")
		}
		edges := map[string][]string{}
		rows, err := tx.Query(ctx, `SELECT parent_id::text, component_id::text FROM inventory.mrp_bom_lines WHERE tenant_id = $1`, a.TenantID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p, c string
			if err := rows.Scan(&p, &c); err != nil {
				rows.Close()
				return err
			}
			edges[p] = append(edges[p], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if cyc := planning.FindCycle(edges, in.ParentID, in.ComponentID); cyc != nil {
			codes, err := materialCodes(ctx, tx, a.TenantID, cyc)
			if err != nil {
				return err
			}
			return fault.Field("component_id", "would close a BOM cycle: "+strings.Join(append(codes, codes[0]), " -> "))
		}
		l, err = scanBOM(tx.QueryRow(ctx, `INSERT INTO inventory.mrp_bom_lines (tenant_id, parent_id, component_id, qty_per, scrap_pct)
			VALUES ($1,$2,$3,$4,$5) RETURNING `+bomCols, a.TenantID, in.ParentID, in.ComponentID, in.QtyPer, in.ScrapPct))
		return err
	})
	if err != nil && strings.Contains(err.Error(), "mrp_bom_lines_tenant_id_parent_id_component_id_key") {
		return l, fault.Conflictf("duplicate", "component_id", "this component is already on the parent's bill of materials")
	}
	return l, err
}

func materialCodes(ctx context.Context, q querier, tenant string, ids []string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		if err := q.QueryRow(ctx, `SELECT code FROM inventory.materials WHERE tenant_id = $1 AND id = $2`, tenant, id).Scan(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateBOMLine changes a line's quantity per and scrap (parent and component are fixed:
// delete the line and add another to change them).
func (s *Store) UpdateBOMLine(ctx context.Context, a Actor, id string, in planning.BOMInput) (planning.BOMLine, error) {
	if err := checkID("bom line", "", id); err != nil {
		return planning.BOMLine{}, err
	}
	var l planning.BOMLine
	err := s.tx(ctx, a, "mrp_update_bom_line", func(tx pgx.Tx) error {
		old, err := scanBOM(tx.QueryRow(ctx, `SELECT `+bomCols+` FROM inventory.mrp_bom_lines WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, id))
		if err != nil {
			return notFound(err, "bom line", "")
		}
		if in.ParentID != old.ParentID {
			return fault.Field("parent_id", "cannot change; delete the line and add a new one")
		}
		if in.ComponentID != old.ComponentID {
			return fault.Field("component_id", "cannot change; delete the line and add a new one")
		}
		l, err = scanBOM(tx.QueryRow(ctx, `UPDATE inventory.mrp_bom_lines SET qty_per = $3, scrap_pct = $4, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+bomCols, a.TenantID, id, in.QtyPer, in.ScrapPct))
		return err
	})
	return l, err
}

// DeleteBOMLine removes a BOM line.
func (s *Store) DeleteBOMLine(ctx context.Context, a Actor, id string) error {
	return s.deleteOwned(ctx, a, "mrp_bom_lines", "bom line", id)
}

func (s *Store) deleteOwned(ctx context.Context, a Actor, table, what, id string) error {
	if err := checkID(what, "", id); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM inventory.`+table+` WHERE tenant_id = $1 AND id = $2`, a.TenantID, id)
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return fault.Missing(what, "")
	}
	return nil
}

// BOMNode is one node of a BOM tree (or where-used tree).
type BOMNode struct {
	MaterialID   string          `json:"material_id"`
	MaterialCode string          `json:"material_code"`
	MaterialName string          `json:"material_name"`
	QtyPer       decimal.Decimal `json:"qty_per"`
	ScrapPct     decimal.Decimal `json:"scrap_pct"`
	Level        int             `json:"level"`
	Children     []*BOMNode      `json:"children"`
}

// maxTreeNodes bounds a tree answer (a DAG expanded into a tree can grow exponentially).
const maxTreeNodes = 20000

// BOMTree expands a material's bill of materials (up = false) or its where-used tree
// (up = true) from the tenant's lines. Truncated reports that maxTreeNodes was hit.
func (s *Store) BOMTree(ctx context.Context, a Actor, materialID string, up bool) (*BOMNode, bool, error) {
	root, err := s.GetMRPItem(ctx, a, materialID)
	if err != nil {
		return nil, false, err
	}
	rows, err := s.pool.Query(ctx, `SELECT l.parent_id::text, l.component_id::text, l.qty_per, l.scrap_pct, m.code, m.name
		FROM inventory.mrp_bom_lines l JOIN inventory.materials m ON m.tenant_id = l.tenant_id AND m.id = CASE WHEN $2 THEN l.parent_id ELSE l.component_id END
		WHERE l.tenant_id = $1 ORDER BY m.code`, a.TenantID, up)
	if err != nil {
		return nil, false, err
	}
	type edge struct {
		to, code, name  string
		qtyPer, scrapPc decimal.Decimal
	}
	adj := map[string][]edge{}
	for rows.Next() {
		var p, c string
		var e edge
		if err := rows.Scan(&p, &c, &e.qtyPer, &e.scrapPc, &e.code, &e.name); err != nil {
			rows.Close()
			return nil, false, err
		}
		from := p
		e.to = c
		if up {
			from, e.to = c, p
		}
		adj[from] = append(adj[from], e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	n, truncated := 1, false
	var grow func(node *BOMNode)
	grow = func(node *BOMNode) {
		node.Children = []*BOMNode{}
		for _, e := range adj[node.MaterialID] {
			if n >= maxTreeNodes {
				truncated = true
				return
			}
			n++
			ch := &BOMNode{MaterialID: e.to, MaterialCode: e.code, MaterialName: e.name, QtyPer: e.qtyPer, ScrapPct: e.scrapPc, Level: node.Level + 1}
			node.Children = append(node.Children, ch)
			grow(ch)
		}
	}
	top := &BOMNode{MaterialID: root.MaterialID, MaterialCode: root.MaterialCode, MaterialName: root.MaterialName, QtyPer: decimal.NewFromInt(1)}
	grow(top)
	return top, truncated, nil
}

// ---- independent demand

const demandCols = `id::text, material_id::text, to_char(bucket_date, 'YYYY-MM-DD'), quantity, source, note, created_at`

func scanDemand(r pgx.Row) (planning.Demand, error) {
	var d planning.Demand
	err := r.Scan(&d.ID, &d.MaterialID, &d.BucketDate, &d.Quantity, &d.Source, &d.Note, &d.CreatedAt)
	return d, err
}

// PlanningFilter filters demand entries and scheduled receipts.
type PlanningFilter struct {
	MaterialID string
	From, To   *time.Time
}

// ListDemands lists independent demand entries, newest first.
func (s *Store) ListDemands(ctx context.Context, a Actor, f PlanningFilter, p Page) ([]planning.Demand, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	f.apply(w, "bucket_date")
	rows, err := s.pool.Query(ctx, `SELECT `+demandCols+` FROM inventory.mrp_demands`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	ds, err := collect(rows, func(r pgx.Rows) (planning.Demand, error) { return scanDemand(r) })
	if err != nil {
		return nil, "", err
	}
	ds, next := trimPage(ds, p, func(d planning.Demand) string { return d.ID })
	return ds, next, nil
}

func (f PlanningFilter) apply(w *where, dateCol string) {
	if f.MaterialID != "" {
		w.add("material_id = ?", f.MaterialID)
	}
	if f.From != nil {
		w.add(dateCol+" >= ?", *f.From)
	}
	if f.To != nil {
		w.add(dateCol+" < ?", *f.To)
	}
}

// CreateDemand adds an independent demand entry for a material with planning data.
func (s *Store) CreateDemand(ctx context.Context, a Actor, in planning.DemandInput) (planning.Demand, error) {
	var d planning.Demand
	err := s.tx(ctx, a, "mrp_create_demand", func(tx pgx.Tx) error {
		if _, err := getMRPItem(ctx, tx, a.TenantID, in.MaterialID, "material_id"); err != nil {
			return err
		}
		var err error
		d, err = scanDemand(tx.QueryRow(ctx, `INSERT INTO inventory.mrp_demands (tenant_id, material_id, bucket_date, quantity, source, note)
			VALUES ($1,$2,$3,$4,$5,$6) RETURNING `+demandCols, a.TenantID, in.MaterialID, in.BucketDate, in.Quantity, in.Source, in.Note))
		return err
	})
	return d, err
}

// UpdateDemand replaces a demand entry.
func (s *Store) UpdateDemand(ctx context.Context, a Actor, id string, in planning.DemandInput) (planning.Demand, error) {
	if err := checkID("demand", "", id); err != nil {
		return planning.Demand{}, err
	}
	var d planning.Demand
	err := s.tx(ctx, a, "mrp_update_demand", func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM inventory.mrp_demands WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, id).Scan(&one); err != nil {
			return notFound(err, "demand", "")
		}
		if _, err := getMRPItem(ctx, tx, a.TenantID, in.MaterialID, "material_id"); err != nil {
			return err
		}
		var err error
		d, err = scanDemand(tx.QueryRow(ctx, `UPDATE inventory.mrp_demands SET material_id = $3, bucket_date = $4, quantity = $5, source = $6, note = $7
			WHERE tenant_id = $1 AND id = $2 RETURNING `+demandCols, a.TenantID, id, in.MaterialID, in.BucketDate, in.Quantity, in.Source, in.Note))
		return err
	})
	return d, err
}

// DeleteDemand removes a demand entry.
func (s *Store) DeleteDemand(ctx context.Context, a Actor, id string) error {
	return s.deleteOwned(ctx, a, "mrp_demands", "demand", id)
}

// DemandRow is one parsed CSV row: the material by id or by code. Row is the data row's
// number in the file (from 0), which names the row in errors.
type DemandRow struct {
	planning.DemandInput
	MaterialCode string
	Row          int
}

// resolveDemandMaterials maps each row to its material id (by id or, case-blind, by
// code, among materials with planning data) and lists every row whose material is
// unknown as rows[Row].material_id or rows[Row].material_code.
func resolveDemandMaterials(ctx context.Context, q querier, tenant string, rows []DemandRow) ([]string, []fault.Invalid, error) {
	byID, byCode := map[string]bool{}, map[string]string{}
	rs, err := q.Query(ctx, `SELECT i.material_id::text, lower(m.code) FROM inventory.mrp_items i JOIN inventory.materials m ON m.tenant_id = i.tenant_id AND m.id = i.material_id WHERE i.tenant_id = $1`, tenant)
	if err != nil {
		return nil, nil, err
	}
	for rs.Next() {
		var id, code string
		if err := rs.Scan(&id, &code); err != nil {
			rs.Close()
			return nil, nil, err
		}
		byID[id], byCode[code] = true, id
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(rows))
	var bad []fault.Invalid
	for i, r := range rows {
		id := r.MaterialID
		switch {
		case id != "" && !byID[id]:
			bad = append(bad, fault.Invalid{Field: fmt.Sprintf("rows[%d].material_id", r.Row), Reason: "no material with planning data has this id"})
			continue
		case id == "":
			if id = byCode[strings.ToLower(r.MaterialCode)]; id == "" {
				bad = append(bad, fault.Invalid{Field: fmt.Sprintf("rows[%d].material_code", r.Row), Reason: "no material with planning data has this code"})
				continue
			}
		}
		ids[i] = id
	}
	return ids, bad, nil
}

// CheckDemandMaterials lists the rows whose material (id or code) has no planning data,
// writing nothing: an import whose rows have other errors still reports these in the
// same answer.
func (s *Store) CheckDemandMaterials(ctx context.Context, a Actor, rows []DemandRow) ([]fault.Invalid, error) {
	var bad []fault.Invalid
	err := s.tx(ctx, a, "mrp_check_demand_materials", func(tx pgx.Tx) error {
		var err error
		_, bad, err = resolveDemandMaterials(ctx, tx, a.TenantID, rows)
		return err
	})
	return bad, err
}

// ImportDemands resolves each row's material (id or code) and inserts every row with
// COPY in one transaction; any row error fails the import with every row error listed.
func (s *Store) ImportDemands(ctx context.Context, a Actor, rows []DemandRow) (int, []fault.Invalid, error) {
	var bad []fault.Invalid
	err := s.tx(ctx, a, "mrp_import_demands", func(tx pgx.Tx) error {
		ids, rowErrs, err := resolveDemandMaterials(ctx, tx, a.TenantID, rows)
		if bad = rowErrs; err != nil || len(bad) > 0 {
			return err
		}
		out := make([][]any, 0, len(rows))
		for i, r := range rows {
			d, _ := time.Parse(time.DateOnly, r.BucketDate)
			out = append(out, []any{a.TenantID, ids[i], d, r.Quantity, r.Source, r.Note})
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"inventory", "mrp_demands"}, []string{"tenant_id", "material_id", "bucket_date", "quantity", "source", "note"}, pgx.CopyFromRows(out))
		return err
	})
	if err != nil || len(bad) > 0 {
		return 0, bad, err
	}
	return len(rows), nil, nil
}

// ---- scheduled receipts

const receiptCols = `id::text, material_id::text, to_char(due_date, 'YYYY-MM-DD'), quantity, reference, created_at`

func scanSchedReceipt(r pgx.Row) (planning.Receipt, error) {
	var x planning.Receipt
	err := r.Scan(&x.ID, &x.MaterialID, &x.DueDate, &x.Quantity, &x.Reference, &x.CreatedAt)
	return x, err
}

// ListScheduledReceipts lists scheduled receipts, newest first.
func (s *Store) ListScheduledReceipts(ctx context.Context, a Actor, f PlanningFilter, p Page) ([]planning.Receipt, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	f.apply(w, "due_date")
	rows, err := s.pool.Query(ctx, `SELECT `+receiptCols+` FROM inventory.mrp_scheduled_receipts`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	xs, err := collect(rows, func(r pgx.Rows) (planning.Receipt, error) { return scanSchedReceipt(r) })
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, p, func(x planning.Receipt) string { return x.ID })
	return xs, next, nil
}

// CreateScheduledReceipt adds an open order expected on its due date.
func (s *Store) CreateScheduledReceipt(ctx context.Context, a Actor, in planning.ReceiptInput) (planning.Receipt, error) {
	var x planning.Receipt
	err := s.tx(ctx, a, "mrp_create_receipt", func(tx pgx.Tx) error {
		if _, err := getMRPItem(ctx, tx, a.TenantID, in.MaterialID, "material_id"); err != nil {
			return err
		}
		var err error
		x, err = scanSchedReceipt(tx.QueryRow(ctx, `INSERT INTO inventory.mrp_scheduled_receipts (tenant_id, material_id, due_date, quantity, reference)
			VALUES ($1,$2,$3,$4,$5) RETURNING `+receiptCols, a.TenantID, in.MaterialID, in.DueDate, in.Quantity, in.Reference))
		return err
	})
	return x, err
}

// UpdateScheduledReceipt replaces a scheduled receipt.
func (s *Store) UpdateScheduledReceipt(ctx context.Context, a Actor, id string, in planning.ReceiptInput) (planning.Receipt, error) {
	if err := checkID("scheduled receipt", "", id); err != nil {
		return planning.Receipt{}, err
	}
	var x planning.Receipt
	err := s.tx(ctx, a, "mrp_update_receipt", func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM inventory.mrp_scheduled_receipts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, id).Scan(&one); err != nil {
			return notFound(err, "scheduled receipt", "")
		}
		if _, err := getMRPItem(ctx, tx, a.TenantID, in.MaterialID, "material_id"); err != nil {
			return err
		}
		var err error
		x, err = scanSchedReceipt(tx.QueryRow(ctx, `UPDATE inventory.mrp_scheduled_receipts SET material_id = $3, due_date = $4, quantity = $5, reference = $6
			WHERE tenant_id = $1 AND id = $2 RETURNING `+receiptCols, a.TenantID, id, in.MaterialID, in.DueDate, in.Quantity, in.Reference))
		return err
	})
	return x, err
}

// DeleteScheduledReceipt removes a scheduled receipt.
func (s *Store) DeleteScheduledReceipt(ctx context.Context, a Actor, id string) error {
	return s.deleteOwned(ctx, a, "mrp_scheduled_receipts", "scheduled receipt", id)
}

// ---- runs

// MRPRun is a stored run.
type MRPRun struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	Status        string    `json:"status"`
	BaseRunID     *string   `json:"base_run_id"`
	InputVersion  string    `json:"input_version"`
	Bucket        string    `json:"bucket"`
	Horizon       int       `json:"horizon"`
	StartDate     string    `json:"start_date"`
	Items         int       `json:"items"`
	ItemsPlanned  int       `json:"items_planned"`
	PlannedOrders int       `json:"planned_orders"`
	Exceptions    int       `json:"exceptions"`
	LoadMS        float64   `json:"load_ms"`
	PlanMS        float64   `json:"plan_ms"`
	WriteMS       float64   `json:"write_ms"`
	DurationMS    float64   `json:"duration_ms"`
	Error         string    `json:"error,omitempty"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
}

// Calendar is the run's planning calendar.
func (r MRPRun) Calendar() planning.Calendar {
	d, _ := time.Parse(time.DateOnly, r.StartDate)
	return planning.Calendar{Start: d, Bucket: r.Bucket, Horizon: r.Horizon}
}

const runCols = `id::text, kind, status, base_run_id::text, input_version, bucket, horizon, to_char(start_date, 'YYYY-MM-DD'), items, items_planned,
	planned_orders, exceptions, load_ms, plan_ms, write_ms, duration_ms, error, started_at, finished_at`

func scanRun(r pgx.Row) (MRPRun, error) {
	var x MRPRun
	err := r.Scan(&x.ID, &x.Kind, &x.Status, &x.BaseRunID, &x.InputVersion, &x.Bucket, &x.Horizon, &x.StartDate, &x.Items, &x.ItemsPlanned,
		&x.PlannedOrders, &x.Exceptions, &x.LoadMS, &x.PlanMS, &x.WriteMS, &x.DurationMS, &x.Error, &x.StartedAt, &x.FinishedAt)
	return x, err
}

// ListMRPRuns lists runs, newest first.
func (s *Store) ListMRPRuns(ctx context.Context, a Actor, p Page) ([]MRPRun, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	rows, err := s.pool.Query(ctx, `SELECT `+runCols+` FROM inventory.mrp_runs`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	rs, err := collect(rows, func(r pgx.Rows) (MRPRun, error) { return scanRun(r) })
	if err != nil {
		return nil, "", err
	}
	rs, next := trimPage(rs, p, func(r MRPRun) string { return r.ID })
	return rs, next, nil
}

// GetMRPRun returns one run.
func (s *Store) GetMRPRun(ctx context.Context, a Actor, id string) (MRPRun, error) {
	if err := checkID("run", "", id); err != nil {
		return MRPRun{}, err
	}
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runCols+` FROM inventory.mrp_runs WHERE tenant_id = $1 AND id = $2`, a.TenantID, id))
	return r, notFound(err, "run", "")
}

// ConvertInput is where the requirement of a converted order goes.
type ConvertInput struct {
	WarehouseID string `json:"warehouse_id"`
	BudgetID    string `json:"budget_id"`
	Notes       string `json:"notes"`
}

// ConvertPlannedOrder turns a firmed buy order into a requirement of the inventory
// service (the same code as POST /requirements, in the same transaction as the
// conversion): it reserves principal stock if there is any and otherwise waits for the
// purchase to arrive. The quantity is the order quantity rounded up to 4 decimals.
func (s *Store) ConvertPlannedOrder(ctx context.Context, a Actor, id string, in ConvertInput) (requirement.Requirement, error) {
	o, _, err := s.GetPlannedOrder(ctx, a, id)
	if err != nil {
		return requirement.Requirement{}, err
	}
	if o.Source != "buy" {
		return requirement.Requirement{}, fault.Conflictf("not-buy", "id", "only buy orders become requirements; make orders are work orders")
	}
	if o.FirmOrderID == nil {
		return requirement.Requirement{}, fault.Conflictf("not-firm", "id", "firm the planned order before converting it")
	}
	var reqID string
	err = s.tx(ctx, a, "mrp_convert_order", func(tx pgx.Tx) error {
		var status string
		var qty decimal.Decimal
		if err := tx.QueryRow(ctx, `SELECT status, quantity FROM inventory.mrp_firm_orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, *o.FirmOrderID).Scan(&status, &qty); err != nil {
			return notFound(err, "firm order", "")
		}
		if status != "firm" {
			return fault.Conflictf("already-converted", "id", "the order was already converted into a requirement")
		}
		nin := requirement.NewInput{WarehouseID: in.WarehouseID, BudgetID: in.BudgetID, Notes: in.Notes,
			Items: []requirement.NewItem{{MaterialID: o.MaterialID, Qty: qty.RoundCeil(4)}}}
		if err := nin.Validate(); err != nil {
			return err
		}
		var err error
		if reqID, err = s.createRequirementTx(ctx, tx, a, nin); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE inventory.mrp_firm_orders SET status = 'converted', requirement_id = $3, converted_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.TenantID, *o.FirmOrderID, reqID)
		return err
	})
	if err != nil {
		return requirement.Requirement{}, err
	}
	s.log.InfoContext(ctx, "mrp planned order converted", "tenant_id", a.TenantID, "planned_order_id", id, "requirement_id", reqID, "actor_id", a.UserID)
	return s.GetRequirement(ctx, a, reqID)
}
