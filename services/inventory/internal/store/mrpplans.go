package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
)

// ---- run output: one row per item (mrp_item_plans)

// Row ids. An order's id is the run id's first 10 bytes and, in the last 6 bytes,
// seq << 24 | position; an exception's the same with excBit set. seq is the item's index
// in the run's item list, position its index among the item's orders (or exceptions).
const (
	posBits = 24
	maxPos  = 1<<posBits - 1
	// MaxItemSeq bounds the item index that fits an id (8,388,607).
	MaxItemSeq = 1<<23 - 1
	excBit     = uint64(1) << 47
)

// OrderID is the id of order pos of item seq in run.
func OrderID(run uuid.UUID, seq, pos int) uuid.UUID {
	return SeqID(run, uint64(seq)<<posBits|uint64(pos))
}

// ExceptionID is the id of exception k of item seq in run.
func ExceptionID(run uuid.UUID, seq, k int) uuid.UUID {
	return SeqID(run, excBit|uint64(seq)<<posBits|uint64(k))
}

// rowRef is a decoded order or exception id.
type rowRef struct {
	prefix [10]byte
	exc    bool
	seq    int
	pos    int
}

func decodeRowID(id string) (rowRef, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return rowRef{}, false
	}
	var v uint64
	for i := 10; i < 16; i++ {
		v = v<<8 | uint64(u[i])
	}
	r := rowRef{exc: v&excBit != 0, seq: int(v >> posBits & MaxItemSeq), pos: int(v & maxPos)}
	copy(r.prefix[:], u[:10])
	return r, true
}

// NewRunID returns a fresh run id (UUIDv7).
func NewRunID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// SeqID is the run's id with its last 6 bytes replaced by seq.
func SeqID(run uuid.UUID, seq uint64) uuid.UUID {
	id := run
	for i := 15; i >= 10; i-- {
		id[i] = byte(seq)
		seq >>= 8
	}
	return id
}

// ItemPlanColumns is the COPY column list of mrp_item_plans (a RunWrite's Items source
// produces values in this order, binary-encodable: uuid.UUID, int32, bool, []int16,
// []float64, []bool, []int32, []uuid.UUID, []string, []pgtype.UUID).
var ItemPlanColumns = []string{"run_id", "seq", "tenant_id", "material_id", "buy", "release", "due", "quantity", "receipt", "past_due",
	"firm_pos", "firm_id", "exc_kind", "exc_bucket", "exc_to", "exc_qty", "exc_order", "exc_receipt"}

// RunWrite is what a run saves: the run row and one row per written item (a regenerative
// run: every item with orders or exceptions; a net-change run: every re-planned item,
// empty or not).
type RunWrite struct {
	Run   MRPRun
	Items pgx.CopyFromSource
}

// ErrBaseMoved: a net-change run's base is no longer the tenant's latest run (another
// process ran in between); the caller writes the run in full instead.
var ErrBaseMoved = errors.New("mrp: base run is no longer the latest")

// LatestMRPRunID is the tenant's latest completed run ("" for none).
func (s *Store) LatestMRPRunID(ctx context.Context, a Actor) (string, error) {
	return latestRun(ctx, s.pool, a.TenantID)
}

func latestRun(ctx context.Context, q querier, tenant string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id::text FROM inventory.mrp_runs WHERE tenant_id = $1 AND status = 'completed' ORDER BY id DESC LIMIT 1`, tenant).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// WriteMRPRun saves a run in one transaction: the run row, a binary COPY of its item
// rows, and the pruning of the input-change journal entries its snapshot saw. Runs of one
// tenant are serialised by an advisory lock; a net-change run whose base is no longer the
// latest gets ErrBaseMoved. A failure leaves nothing (all or nothing).
func (s *Store) WriteMRPRun(ctx context.Context, a Actor, w RunWrite) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('inventory.mrp_run:' || $1, 0))`, a.TenantID); err != nil {
			return err
		}
		if w.Run.BaseRunID != nil {
			latest, err := latestRun(ctx, tx, a.TenantID)
			if err != nil {
				return err
			}
			if latest != *w.Run.BaseRunID {
				return ErrBaseMoved
			}
		}
		r := w.Run
		if _, err := tx.Exec(ctx, `INSERT INTO inventory.mrp_runs (id, tenant_id, kind, status, base_run_id, input_version, bucket, horizon, start_date, items,
			items_planned, planned_orders, exceptions, load_ms, plan_ms, write_ms, duration_ms, error, created_by, started_at, finished_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
			r.ID, a.TenantID, r.Kind, r.Status, r.BaseRunID, r.InputVersion, r.Bucket, r.Horizon, r.StartDate, r.Items, r.ItemsPlanned,
			r.PlannedOrders, r.Exceptions, r.LoadMS, r.PlanMS, r.WriteMS, r.DurationMS, r.Error, a.UserID, r.StartedAt, r.FinishedAt); err != nil {
			return err
		}
		if r.Status != "completed" {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"inventory", "mrp_item_plans"}, ItemPlanColumns, w.Items); err != nil {
			return fmt.Errorf("copy item plans: %w", err)
		}
		return nil
	})
}

// PruneMRPChanges deletes the journal entries a run's input snapshot saw (every entry
// of a transaction that had finished before it: they are reflected in that run and in
// any later one). Called after the run committed.
func (s *Store) PruneMRPChanges(ctx context.Context, a Actor, snapshot string) error {
	if snapshot == "" {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM inventory.mrp_changes WHERE tenant_id = $1 AND txid < pg_snapshot_xmin($2::pg_snapshot)`, a.TenantID, snapshot)
	return err
}

// SetRunFinished records, after the commit, the measured write and total duration and
// when the run finished.
func (s *Store) SetRunFinished(ctx context.Context, a Actor, id string, writeMS, totalMS float64, finishedAt time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE inventory.mrp_runs SET write_ms = $3, duration_ms = $4, finished_at = $5 WHERE tenant_id = $1 AND id = $2`,
		a.TenantID, id, writeMS, totalMS, finishedAt)
	return err
}

// runChain is the run and its bases up to the regenerative one, newest first.
func runChain(ctx context.Context, q querier, tenant, id string) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE chain(id, base, depth) AS (
		SELECT id, base_run_id, 0 FROM inventory.mrp_runs WHERE tenant_id = $1 AND id = $2
		UNION ALL SELECT r.id, r.base_run_id, c.depth + 1 FROM inventory.mrp_runs r JOIN chain c ON r.id = c.base)
		SELECT id FROM chain ORDER BY depth`, tenant, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r pgx.Rows) (uuid.UUID, error) {
		var u uuid.UUID
		err := r.Scan(&u)
		return u, err
	})
}

// chainWhere selects the live item rows of a run: its own, and for every base the rows of
// items no newer run in the chain wrote.
func chainWhere(w *where, chain []uuid.UUID) {
	if len(chain) == 1 {
		w.add("p.run_id = ?", chain[0])
		return
	}
	w.add("p.run_id = ANY(?)", chain)
	var parts []string
	for d, run := range chain {
		w.args = append(w.args, run)
		cond := fmt.Sprintf("(p.run_id = $%d", len(w.args))
		if d > 0 {
			w.args = append(w.args, chain[:d])
			cond += fmt.Sprintf(" AND NOT EXISTS (SELECT 1 FROM inventory.mrp_item_plans n WHERE n.run_id = ANY($%d) AND n.material_id = p.material_id)", len(w.args))
		}
		parts = append(parts, cond+")")
	}
	w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
}

// pageAfter adds the keyset condition after the row id cursor (ascending (run, item,
// position) = id order): the (run_id, seq) part can use the primary key.
func pageAfter(w *where, chain []uuid.UUID, cursor string, exc bool) error {
	if cursor == "" {
		return nil
	}
	ref, ok := decodeRowID(cursor)
	var run uuid.UUID
	found := false
	for _, r := range chain {
		if [10]byte(r[:10]) == ref.prefix {
			run, found = r, true
		}
	}
	if !ok || !found || ref.exc != exc {
		return fault.Field("cursor", "is not a cursor of this list")
	}
	w.add("(p.run_id, p.seq) >= (?, ?)", run, ref.seq)
	w.add("(p.run_id, p.seq, x.ord) > (?, ?, ?)", run, ref.seq, ref.pos+1)
	return nil
}

// PlannedOrder is a stored planned order with its dates.
type PlannedOrder struct {
	ID            string          `json:"id"`
	RunID         string          `json:"run_id"`
	MaterialID    string          `json:"material_id"`
	MaterialCode  string          `json:"material_code"`
	Source        string          `json:"source"`
	Firm          bool            `json:"firm"`
	FirmOrderID   *string         `json:"firm_order_id"`
	PastDue       bool            `json:"past_due"`
	ReleaseBucket int             `json:"release_bucket"`
	ReleaseDate   string          `json:"release_date"`
	DueBucket     int             `json:"due_bucket"`
	DueDate       string          `json:"due_date"`
	Quantity      decimal.Decimal `json:"quantity"`
	Receipt       decimal.Decimal `json:"receipt"`
	Pos           int             `json:"-"`
	Converted     *string         `json:"requirement_id"`
	// QuantityF is the engine's quantity (not rounded).
	QuantityF float64 `json:"-"`
	ReceiptF  float64 `json:"-"`
}

const orderSelect = `SELECT p.run_id, p.seq, p.material_id::text, m.code, p.buy, x.ord, x.rel, x.due, x.qty, x.rc, x.pd, p.firm_pos, p.firm_id
	FROM inventory.mrp_item_plans p JOIN inventory.materials m ON m.tenant_id = p.tenant_id AND m.id = p.material_id
	CROSS JOIN LATERAL unnest(p.release, p.due, p.quantity, p.receipt, p.past_due) WITH ORDINALITY AS x(rel, due, qty, rc, pd, ord)`

// scanOrders reads orderSelect rows and resolves the conversions of firmed ones.
func (s *Store) scanOrders(ctx context.Context, q querier, tenant string, rows pgx.Rows, cal planning.Calendar) ([]PlannedOrder, error) {
	var firmIDs []string
	os, err := collect(rows, func(r pgx.Rows) (PlannedOrder, error) {
		var o PlannedOrder
		var run uuid.UUID
		var seq int
		var ord int64
		var rel, due int16
		var buy bool
		var firmPos []int32
		var firmID []uuid.UUID
		var pastDue *bool
		err := r.Scan(&run, &seq, &o.MaterialID, &o.MaterialCode, &buy, &ord, &rel, &due, &o.QuantityF, &o.ReceiptF, &pastDue, &firmPos, &firmID)
		o.PastDue = pastDue != nil && *pastDue
		o.Pos = int(ord - 1)
		o.ID, o.RunID = OrderID(run, seq, o.Pos).String(), run.String()
		o.Source = map[bool]string{true: "buy", false: "make"}[buy]
		for k, p := range firmPos {
			if int(p) == o.Pos && k < len(firmID) {
				id := firmID[k].String()
				o.FirmOrderID = &id
				firmIDs = append(firmIDs, id)
			}
		}
		o.Firm = o.FirmOrderID != nil
		o.ReleaseBucket, o.DueBucket = int(rel), int(due)
		o.Quantity, o.Receipt = Qty(o.QuantityF), Qty(o.ReceiptF)
		o.ReleaseDate, o.DueDate = cal.DateString(o.ReleaseBucket), cal.DateString(o.DueBucket)
		return o, err
	})
	if err != nil || len(firmIDs) == 0 {
		return os, err
	}
	conv := map[string]string{}
	crow, err := q.Query(ctx, `SELECT id::text, requirement_id::text FROM inventory.mrp_firm_orders WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND requirement_id IS NOT NULL`, tenant, firmIDs)
	if err != nil {
		return nil, err
	}
	for crow.Next() {
		var id, req string
		if err := crow.Scan(&id, &req); err != nil {
			crow.Close()
			return nil, err
		}
		conv[id] = req
	}
	crow.Close()
	if err := crow.Err(); err != nil {
		return nil, err
	}
	for i := range os {
		if f := os[i].FirmOrderID; f != nil {
			if req, ok := conv[*f]; ok {
				os[i].Converted = &req
			}
		}
	}
	return os, nil
}

// Qty renders an engine quantity as a decimal with 4 places.
func Qty(x float64) decimal.Decimal { return decimal.NewFromFloat(x).Round(4) }

// OrderFilter filters a run's planned orders or exceptions.
type OrderFilter struct {
	MaterialID string
	Kind       string // exceptions only
}

func rowPage(p Page) string {
	return " ORDER BY p.run_id, p.seq, x.ord" + fmt.Sprintf(" LIMIT %d", p.Limit+1)
}

// ListPlannedOrders lists a run's planned orders in id order (for a regenerative run:
// item in material id order, then due bucket; a net-change run lists its bases' carried
// orders first).
func (s *Store) ListPlannedOrders(ctx context.Context, a Actor, run MRPRun, f OrderFilter, p Page) ([]PlannedOrder, string, error) {
	chain, err := runChain(ctx, s.pool, a.TenantID, run.ID)
	if err != nil {
		return nil, "", err
	}
	w := newWhere("p.tenant_id", a.TenantID)
	chainWhere(w, chain)
	if f.MaterialID != "" {
		w.add("p.material_id = ?", f.MaterialID)
	}
	if err := pageAfter(w, chain, p.Cursor, false); err != nil {
		return nil, "", err
	}
	rows, err := s.pool.Query(ctx, orderSelect+w.sql()+rowPage(p), w.args...)
	if err != nil {
		return nil, "", err
	}
	os, err := s.scanOrders(ctx, s.pool, a.TenantID, rows, run.Calendar())
	if err != nil {
		return nil, "", err
	}
	os, next := trimPage(os, p, func(o PlannedOrder) string { return o.ID })
	return os, next, nil
}

// findRow resolves an order or exception id to its run (by the id's 10-byte run prefix).
func findRow(ctx context.Context, q querier, tenant, id string, exc bool) (rowRef, uuid.UUID, error) {
	ref, ok := decodeRowID(id)
	if !ok || ref.exc != exc {
		return rowRef{}, uuid.UUID{}, fault.Missing("planned order", "")
	}
	var lo, hi uuid.UUID
	copy(lo[:], ref.prefix[:])
	copy(hi[:], ref.prefix[:])
	for i := 10; i < 16; i++ {
		hi[i] = 0xff
	}
	var run uuid.UUID
	err := q.QueryRow(ctx, `SELECT id FROM inventory.mrp_runs WHERE tenant_id = $1 AND id BETWEEN $2 AND $3 ORDER BY id LIMIT 1`, tenant, lo, hi).Scan(&run)
	if err != nil {
		return rowRef{}, uuid.UUID{}, notFound(err, "planned order", "")
	}
	return ref, run, nil
}

// GetPlannedOrder returns a planned order and its run.
func (s *Store) GetPlannedOrder(ctx context.Context, a Actor, id string) (PlannedOrder, MRPRun, error) {
	return s.getPlannedOrder(ctx, s.pool, a, id)
}

func (s *Store) getPlannedOrder(ctx context.Context, q querier, a Actor, id string) (PlannedOrder, MRPRun, error) {
	if err := checkID("planned order", "", id); err != nil {
		return PlannedOrder{}, MRPRun{}, err
	}
	ref, runID, err := findRow(ctx, q, a.TenantID, id, false)
	if err != nil {
		return PlannedOrder{}, MRPRun{}, err
	}
	run, err := s.GetMRPRun(ctx, a, runID.String())
	if err != nil {
		return PlannedOrder{}, MRPRun{}, err
	}
	rows, err := q.Query(ctx, orderSelect+` WHERE p.tenant_id = $1 AND p.run_id = $2 AND p.seq = $3 AND x.ord = $4`, a.TenantID, runID, ref.seq, ref.pos+1)
	if err != nil {
		return PlannedOrder{}, MRPRun{}, err
	}
	os, err := s.scanOrders(ctx, q, a.TenantID, rows, run.Calendar())
	if err != nil {
		return PlannedOrder{}, MRPRun{}, err
	}
	if len(os) == 0 {
		return PlannedOrder{}, MRPRun{}, fault.Missing("planned order", "")
	}
	return os[0], run, nil
}

// MRPException is a stored exception message with its dates.
type MRPException struct {
	ID             string          `json:"id"`
	RunID          string          `json:"run_id"`
	MaterialID     string          `json:"material_id"`
	MaterialCode   string          `json:"material_code"`
	Kind           string          `json:"kind"`
	Bucket         int             `json:"bucket"`
	Date           string          `json:"date"`
	ToBucket       *int            `json:"to_bucket"`
	ToDate         *string         `json:"to_date"`
	Quantity       decimal.Decimal `json:"quantity"`
	PlannedOrderID *string         `json:"planned_order_id"`
	ReceiptID      *string         `json:"scheduled_receipt_id"`
	// QuantityF is the engine's quantity (not rounded).
	QuantityF float64 `json:"-"`
}

// ListMRPExceptions lists a run's exception messages in id order.
func (s *Store) ListMRPExceptions(ctx context.Context, a Actor, run MRPRun, f OrderFilter, p Page) ([]MRPException, string, error) {
	chain, err := runChain(ctx, s.pool, a.TenantID, run.ID)
	if err != nil {
		return nil, "", err
	}
	w := newWhere("p.tenant_id", a.TenantID)
	chainWhere(w, chain)
	if f.MaterialID != "" {
		w.add("p.material_id = ?", f.MaterialID)
	}
	if f.Kind != "" {
		w.add("x.kind = ?", f.Kind)
	}
	if err := pageAfter(w, chain, p.Cursor, true); err != nil {
		return nil, "", err
	}
	rows, err := s.pool.Query(ctx, `SELECT p.run_id, p.seq, p.material_id::text, m.code, x.kind, x.bucket, x.to_b, x.qty, x.ord, x.po, x.rec::text
		FROM inventory.mrp_item_plans p JOIN inventory.materials m ON m.tenant_id = p.tenant_id AND m.id = p.material_id
		CROSS JOIN LATERAL unnest(p.exc_kind, p.exc_bucket, p.exc_to, p.exc_qty, p.exc_order, p.exc_receipt) WITH ORDINALITY AS x(kind, bucket, to_b, qty, po, rec, ord)`+
		w.sql()+rowPage(p), w.args...)
	if err != nil {
		return nil, "", err
	}
	cal := run.Calendar()
	xs, err := collect(rows, func(r pgx.Rows) (MRPException, error) {
		var x MRPException
		var run uuid.UUID
		var seq int
		var bucket, to int16
		var ord int64
		var po int32
		err := r.Scan(&run, &seq, &x.MaterialID, &x.MaterialCode, &x.Kind, &bucket, &to, &x.QuantityF, &ord, &po, &x.ReceiptID)
		x.ID, x.RunID = ExceptionID(run, seq, int(ord-1)).String(), run.String()
		x.Bucket = int(bucket)
		x.Quantity = Qty(x.QuantityF)
		x.Date = cal.DateString(max(x.Bucket, 0))
		if x.Bucket < 0 {
			x.Date = cal.Date(x.Bucket).Format(time.DateOnly)
		}
		if to >= 0 {
			tb := int(to)
			d := cal.DateString(tb)
			x.ToBucket, x.ToDate = &tb, &d
		}
		if po >= 0 {
			id := OrderID(run, seq, int(po)).String()
			x.PlannedOrderID = &id
		}
		return x, err
	})
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, p, func(x MRPException) string { return x.ID })
	return xs, next, nil
}

// FirmPlannedOrder firms a planned order: later runs keep it (same quantity, release and
// due dates) as fixed supply. The firm order's id is the planned order's id.
func (s *Store) FirmPlannedOrder(ctx context.Context, a Actor, id string) (PlannedOrder, error) {
	o, run, err := s.GetPlannedOrder(ctx, a, id)
	if err != nil {
		return o, err
	}
	err = s.tx(ctx, a, "mrp_firm_order", func(tx pgx.Tx) error {
		var firmPos []int32
		var qty float64
		if err := tx.QueryRow(ctx, `SELECT firm_pos, quantity[$4] FROM inventory.mrp_item_plans WHERE tenant_id = $1 AND run_id = $2
			AND material_id = $3 FOR UPDATE`,
			a.TenantID, o.RunID, o.MaterialID, o.Pos+1).Scan(&firmPos, &qty); err != nil {
			return notFound(err, "planned order", "")
		}
		for _, p := range firmPos {
			if int(p) == o.Pos {
				return fault.Conflictf("already-firm", "id", "the planned order is already firm")
			}
		}
		cal := run.Calendar()
		if _, err := tx.Exec(ctx, `INSERT INTO inventory.mrp_firm_orders (id, tenant_id, material_id, release_date, due_date, quantity, created_by)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, id, a.TenantID, o.MaterialID, cal.Date(o.ReleaseBucket), cal.Date(o.DueBucket), qty, a.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE inventory.mrp_item_plans SET firm_pos = firm_pos || $4::integer, firm_id = firm_id || $5::uuid
			WHERE tenant_id = $1 AND run_id = $2 AND material_id = $3`, a.TenantID, o.RunID, o.MaterialID, o.Pos, id)
		return err
	})
	if err != nil {
		return PlannedOrder{}, err
	}
	s.log.InfoContext(ctx, "mrp planned order firmed", "tenant_id", a.TenantID, "planned_order_id", id, "actor_id", a.UserID)
	o, _, err = s.GetPlannedOrder(ctx, a, id)
	return o, err
}
