// Package mrprun runs MRP for a tenant: load the stored inputs (store.LoadMRPSources),
// plan with the pure engine (internal/mrp), save planned orders and exceptions with COPY,
// and answer the questions that need a plan in memory (MRP records, pegging,
// simulations). It keeps the latest plan of a few tenants in memory so that a net-change
// run re-plans only what changed, and records metrics and a span per phase.
package mrprun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/shopspring/decimal"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/planta-dev/planta/libs/problem"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/mrp"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// Run kinds.
const (
	Regenerative = "regenerative"
	NetChange    = "net_change"
)

// maxChain bounds how many net-change runs may stack on one regenerative run before a
// net-change request writes a full run again (reads resolve the chain).
const maxChain = 8

// cacheTenants is how many tenants' latest plans are kept in memory.
const cacheTenants = 4

// Runner plans and answers plan questions.
type Runner struct {
	st     *store.Store
	tracer trace.Tracer
	log    *slog.Logger
	now    func() time.Time

	runSeconds   prometheus.Histogram
	itemsPlanned prometheus.Counter
	exceptions   *prometheus.CounterVec

	mu      sync.Mutex
	tenants map[string]*tenant

	// verify: after a journal-driven net change, reload everything and fail the run
	// unless the patched input and model equal the reloaded ones (tests).
	verify bool
}

// VerifyNetChange makes every journal-driven net-change run also load the full input and
// fail unless the patched input equals it and the patched model equals its compilation:
// the check that the change journal is complete. It doubles a net change's cost; tests
// turn it on.
func (r *Runner) VerifyNetChange(on bool) { r.verify = on }

// verifyPatch is the VerifyNetChange check.
func (r *Runner) verifyPatch(ctx context.Context, a store.Actor, ld loaded, m *mrp.Model) error {
	full, err := r.load(ctx, a, &ld.cal)
	if err != nil {
		return err
	}
	a2, b2 := full.in, ld.in
	if a2.Buckets != b2.Buckets || !slices.Equal(a2.Items, b2.Items) || !slices.Equal(a2.BOM, b2.BOM) || !slices.Equal(a2.Demand, b2.Demand) ||
		!slices.Equal(a2.Receipts, b2.Receipts) || !slices.Equal(a2.Firm, b2.Firm) || full.version != ld.version {
		return fmt.Errorf("mrp: net change: the journal missed a change (patched input differs from a full load)")
	}
	fm, err := mrp.Compile(full.in)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(fm, m) {
		return fmt.Errorf("mrp: net change: Patch differs from Compile")
	}
	return nil
}

type tenant struct {
	mu   sync.Mutex // serialises this tenant's runs in this process
	last *planned
	used time.Time
	// input guards last.input's arrays, which a net change patches in place: readers of a
	// plan's input (pegging) hold it for reading, taken while holding mu (so no run starts
	// in between); a run holds it for writing while it patches.
	input sync.RWMutex
}

// planned is a plan in memory with what produced it: the engine input (canonical
// order), its per-item digests and the snapshot it was read in, so that a net change
// loads only the journalled items and patches the input instead of reloading it.
type planned struct {
	runID    string
	version  string
	cal      planning.Calendar
	input    mrp.Input
	digests  *planning.Digests
	snapshot string
	model    *mrp.Model
	plan     *mrp.Plan
	depth    int // net-change runs on top of the last regenerative one
}

// New returns a Runner registering its metrics on reg.
func New(st *store.Store, reg prometheus.Registerer, tp trace.TracerProvider, log *slog.Logger, now func() time.Time) *Runner {
	if now == nil {
		now = time.Now
	}
	f := promauto.With(reg)
	r := &Runner{st: st, tracer: tp.Tracer("planta/inventory/mrprun"), log: log, now: now, tenants: map[string]*tenant{},
		runSeconds: f.NewHistogram(prometheus.HistogramOpts{Name: "planta_mrp_run_seconds", Help: "Duration of MRP runs (load, plan and write).",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30}}),
		itemsPlanned: f.NewCounter(prometheus.CounterOpts{Name: "planta_mrp_items_planned_total", Help: "Items planned by MRP runs (re-planned items for net change)."}),
		exceptions:   f.NewCounterVec(prometheus.CounterOpts{Name: "planta_mrp_exceptions_total", Help: "Exception messages written by MRP runs, by kind."}, []string{"kind"}),
	}
	for _, k := range mrp.ExceptionKinds() {
		r.exceptions.WithLabelValues(k.String())
	}
	return r
}

func (r *Runner) tenant(id string) *tenant {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tenants[id]
	if t == nil {
		if len(r.tenants) >= cacheTenants {
			var oldest string
			for k, v := range r.tenants {
				if oldest == "" || v.used.Before(r.tenants[oldest].used) {
					oldest = k
				}
			}
			delete(r.tenants, oldest)
		}
		t = &tenant{}
		r.tenants[id] = t
	}
	t.used = r.now()
	return t
}

// compileError maps engine validation errors of stored data to problems (the API
// validates on write, so this means data that only fails together, e.g. horizon).
func compileError(err error) error {
	var cyc *mrp.CycleError
	if errors.As(err, &cyc) {
		return fault.Conflictf("bom-cycle", "bom", "%s", cyc.Error())
	}
	var ve mrp.ValidationErrors
	if errors.As(err, &ve) && len(ve) > 0 {
		return fault.Conflictf("invalid-plan-input", ve[0].Field, "%s", ve[0].Error())
	}
	return err
}

// planError maps a planning failure: an item that would get more than
// mrp.MaxOrdersPerItem planned orders is a 422 naming its material code and the numbers.
func (r *Runner) planError(ctx context.Context, a store.Actor, err error) error {
	var tm *mrp.TooManyOrdersError
	if !errors.As(err, &tm) {
		return compileError(err)
	}
	code := string(tm.Item)
	if mat, gerr := r.st.GetMaterial(ctx, a, string(tm.Item)); gerr == nil && mat.Code != "" {
		code = mat.Code
	}
	var detail string
	if tm.Maximum > 0 {
		detail = fmt.Sprintf("material %s would need at least %s planned orders in this run (an order quantity of %s split into orders of at most %s, its maximum rounded down to its multiple), more than the limit of %d per material; raise its maximum (or multiple) so that a lot needs fewer orders",
			code, strconv.FormatFloat(tm.Orders, 'f', 0, 64), strconv.FormatFloat(tm.Quantity, 'f', -1, 64), strconv.FormatFloat(tm.Maximum, 'f', -1, 64), tm.Limit)
	} else {
		detail = fmt.Sprintf("material %s would need more than %d planned orders in this run", code, tm.Limit)
	}
	return problem.New(http.StatusUnprocessableEntity, "too-many-planned-orders", detail)
}

// loaded is a run's input with what it was read from.
type loaded struct {
	in       mrp.Input
	digests  *planning.Digests
	version  string
	cal      planning.Calendar
	snapshot string
}

// load reads everything and builds the input on the calendar cal (nil: the current one).
func (r *Runner) load(ctx context.Context, a store.Actor, cal *planning.Calendar) (loaded, error) {
	ctx, span := r.tracer.Start(ctx, "mrp.load")
	defer span.End()
	ld, err := r.st.LoadMRPSources(ctx, a)
	if err != nil {
		return loaded{}, err
	}
	c := planning.CalendarAt(r.now(), ld.Settings)
	if cal != nil {
		c = *cal
	}
	in, dig, ver := planning.BuildDigests(ld.Sources, c)
	span.SetAttributes(attribute.Int("mrp.items", len(in.Items)), attribute.Int("mrp.bom_lines", len(in.BOM)), attribute.Int("mrp.demands", len(in.Demand)))
	return loaded{in: in, digests: dig, version: ver, cal: c, snapshot: ld.Snapshot}, nil
}

// loadChanges reads only the items journalled since last's snapshot and patches last's
// input with them; ok is false when that is not exact (calendar or item list changed).
// The patch is written into last's input arrays where it fits (planning.Patch with own):
// t.last is the only plan that holds them, and the caller must call undo unless the
// returned input replaces t.last's (the run succeeded).
func (r *Runner) loadChanges(ctx context.Context, a store.Actor, t *tenant) (_ loaded, _ []mrp.ItemID, undo func(), _ bool, _ error) {
	last := t.last
	ctx, span := r.tracer.Start(ctx, "mrp.load", trace.WithAttributes(attribute.Bool("mrp.journal", true)))
	defer span.End()
	ld, err := r.st.LoadMRPChanges(ctx, a, last.snapshot)
	if err != nil {
		return loaded{}, nil, nil, false, err
	}
	c := planning.CalendarAt(r.now(), ld.Settings)
	if !c.Start.Equal(last.cal.Start) || c.Bucket != last.cal.Bucket || c.Horizon != last.cal.Horizon {
		return loaded{}, nil, nil, false, nil
	}
	t.input.Lock() // wait for readers of last's input
	p, ok := planning.Patch(last.input, last.digests, ld.Changed, ld.Sources, c, true)
	t.input.Unlock()
	if !ok {
		return loaded{}, nil, nil, false, nil
	}
	span.SetAttributes(attribute.Int("mrp.journal_items", len(ld.Changed)), attribute.Bool("mrp.patched_in_place", p.InPlace()))
	undo = func() {
		t.input.Lock()
		p.Undo()
		t.input.Unlock()
	}
	return loaded{in: p.Input, digests: p.Digests, version: p.Version, cal: c, snapshot: ld.Snapshot}, p.Items, undo, true, nil
}

// Run plans the tenant's current inputs and saves the run. A net-change run, when the
// tenant's latest run's plan is in this process's memory, reads only the items whose
// inputs were journalled since that run's snapshot, patches the input in memory and
// re-plans those items and their components (PlanNetChange); otherwise, or when the item
// list or the calendar changed, it runs regeneratively (the result is the same either way).
func (r *Runner) Run(ctx context.Context, a store.Actor, kind string) (store.MRPRun, error) {
	t := r.tenant(a.TenantID)
	t.mu.Lock()
	defer t.mu.Unlock()
	start := r.now()
	var ld loaded
	var changed []mrp.ItemID
	var base *planned
	if kind == NetChange && t.last != nil && t.last.depth < maxChain {
		if latest, err := r.st.LatestMRPRunID(ctx, a); err == nil && latest == t.last.runID {
			l, ch, undo, ok, err := r.loadChanges(ctx, a, t)
			if err != nil {
				return store.MRPRun{}, err
			}
			if ok {
				ld, changed, base = l, ch, t.last
				// base's input arrays now hold (part of) ld.in: restore them unless ld
				// replaces base as t.last below (a failed run leaves t.last alone).
				prev := t.last
				defer func() {
					if t.last == prev {
						undo()
					}
				}()
			}
		}
	}
	if base == nil {
		var err error
		if ld, err = r.load(ctx, a, nil); err != nil {
			return store.MRPRun{}, err
		}
	}
	loadedAt := r.now()

	_, span := r.tracer.Start(ctx, "mrp.plan", trace.WithAttributes(attribute.String("mrp.kind", kind)))
	var m *mrp.Model
	var err error
	if base != nil {
		// Only the journalled items' inputs differ from base's: derive the model from
		// base's, sharing everything else (planning.Patch lists every item whose rows it
		// replaced; TestNetChangeJournalComplete checks the journal misses none).
		m, err = base.model.Patch(ld.in, changed)
		if err == nil && r.verify {
			err = r.verifyPatch(ctx, a, ld, m)
		}
	} else {
		m, err = mrp.Compile(ld.in)
	}
	if err != nil {
		span.End()
		return store.MRPRun{}, compileError(err)
	}
	var plan *mrp.Plan
	if base != nil {
		if plan, err = m.PlanNetChange(base.plan, changed); err != nil {
			span.End()
			return store.MRPRun{}, r.planError(ctx, a, err)
		}
		if plan.Replanned() == nil {
			base = nil // the engine compacted: a regenerative plan
		}
	} else if plan, err = m.Plan(); err != nil {
		span.End()
		return store.MRPRun{}, r.planError(ctx, a, err)
	}
	span.End()
	plannedAt := r.now()

	runID := store.NewRunID()
	cal := ld.cal
	run := store.MRPRun{ID: runID.String(), Kind: Regenerative, Status: "completed", InputVersion: ld.version, Bucket: cal.Bucket, Horizon: cal.Horizon,
		StartDate: cal.Start.Format(time.DateOnly), Items: m.NumItems(), PlannedOrders: plan.NumOrders(), Exceptions: plan.NumExceptions(),
		LoadMS: ms(loadedAt.Sub(start)), PlanMS: ms(plannedAt.Sub(loadedAt)), StartedAt: start.UTC(),
		// Replaced by the end of the write below (SetRunFinished); never left zero.
		FinishedAt: plannedAt.UTC()}
	items := allItems(m)
	if base != nil {
		run.Kind = NetChange
		run.BaseRunID = &base.runID
		items = plan.Replanned()
	}
	wctx, wspan := r.tracer.Start(ctx, "mrp.write", trace.WithAttributes(attribute.String("mrp.run_id", run.ID)))
	excByKind, err := r.write(wctx, a, &run, runID, ld, plan, items, base != nil)
	if errors.Is(err, store.ErrBaseMoved) {
		// Another process ran in between: this plan equals a regenerative one, so write it whole.
		run.Kind, run.BaseRunID, items = Regenerative, nil, allItems(m)
		excByKind, err = r.write(wctx, a, &run, runID, ld, plan, items, false)
		base = nil
	}
	wspan.End()
	if err != nil {
		return store.MRPRun{}, err
	}
	end := r.now()
	run.WriteMS, run.DurationMS = ms(end.Sub(plannedAt)), ms(end.Sub(start))
	run.FinishedAt = end.UTC().Truncate(time.Microsecond) // as stored (timestamptz)
	if err := r.st.SetRunFinished(ctx, a, run.ID, run.WriteMS, run.DurationMS, run.FinishedAt); err != nil {
		return store.MRPRun{}, err
	}
	// Journal entries this run's snapshot saw are consumed: prune them (outside the run's
	// transaction; an entry left behind only makes a later net change re-plan more).
	if err := r.st.PruneMRPChanges(ctx, a, ld.snapshot); err != nil {
		r.log.WarnContext(ctx, "mrp journal prune failed", "tenant_id", a.TenantID, "error", err)
	}
	depth := 0
	if base != nil {
		depth = base.depth + 1
	}
	t.last = &planned{runID: run.ID, version: ld.version, cal: cal, input: ld.in, digests: ld.digests, snapshot: ld.snapshot, model: m, plan: plan, depth: depth}
	r.runSeconds.Observe(end.Sub(start).Seconds())
	r.itemsPlanned.Add(float64(run.ItemsPlanned))
	for k, n := range excByKind {
		r.exceptions.WithLabelValues(k).Add(float64(n))
	}
	r.log.InfoContext(ctx, "mrp run", "tenant_id", a.TenantID, "run_id", run.ID, "kind", run.Kind, "items", run.Items, "items_planned", run.ItemsPlanned,
		"planned_orders", run.PlannedOrders, "exceptions", run.Exceptions, "load_ms", run.LoadMS, "plan_ms", run.PlanMS, "write_ms", run.WriteMS)
	return run, nil
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

func allItems(m *mrp.Model) []int32 {
	out := make([]int32, m.NumItems())
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// write saves one row per item of items (dense indexes): for a regenerative run the items
// with orders or exceptions, for a net-change run every re-planned item (an empty row
// supersedes the base's).
func (r *Runner) write(ctx context.Context, a store.Actor, run *store.MRPRun, runID uuid.UUID, ld loaded, plan *mrp.Plan, items []int32, net bool) (map[string]int, error) {
	m := plan.Model()
	if m.NumItems() > store.MaxItemSeq {
		return nil, fmt.Errorf("mrp: %d items exceed the %d a run can store", m.NumItems(), store.MaxItemSeq)
	}
	run.ItemsPlanned = len(items)
	excByKind := map[string]int{}
	src := &itemSource{plan: plan, items: items, run: runID, tenant: uuid.MustParse(a.TenantID), in: ld.in, byKind: excByKind, keepEmpty: net}
	if err := r.st.WriteMRPRun(ctx, a, store.RunWrite{Run: *run, Items: src}); err != nil {
		return nil, err
	}
	if src.err != nil {
		return nil, src.err
	}
	return excByKind, nil
}

// itemSource streams one mrp_item_plans row per item to a binary COPY, reusing its
// buffers (pgx encodes each row before asking for the next).
type itemSource struct {
	plan      *mrp.Plan
	items     []int32
	run       uuid.UUID
	tenant    uuid.UUID
	in        mrp.Input
	byKind    map[string]int
	keepEmpty bool
	k         int
	err       error

	row                   []any
	rel, due, excB, excTo []int16
	qty, rc, excQ         []float64
	pastDue               []bool
	firmPos, excOrd       []int32
	firmID                []uuid.UUID
	excKind               []string
	excRec                []pgtype.UUID
}

func (s *itemSource) Next() bool {
	for s.k < len(s.items) {
		i := int(s.items[s.k])
		s.k++
		from, to := s.plan.OrderRange(i)
		excs := s.plan.ExceptionsOf(i)
		if from == to && len(excs) == 0 && !s.keepEmpty {
			continue
		}
		if to-from > 1<<24 || len(excs) > 1<<24 {
			s.err = fmt.Errorf("mrp: item %s has too many orders to store", s.plan.Model().ID(i))
			return false
		}
		if s.row == nil {
			// Empty (not nil) slices: nil would be encoded as NULL.
			s.rel, s.due, s.excB, s.excTo = []int16{}, []int16{}, []int16{}, []int16{}
			s.qty, s.rc, s.excQ = []float64{}, []float64{}, []float64{}
			s.pastDue, s.firmPos, s.excOrd = []bool{}, []int32{}, []int32{}
			s.firmID, s.excKind, s.excRec = []uuid.UUID{}, []string{}, []pgtype.UUID{}
		}
		s.rel, s.due, s.qty, s.rc, s.pastDue = s.rel[:0], s.due[:0], s.qty[:0], s.rc[:0], s.pastDue[:0]
		s.firmPos, s.firmID = s.firmPos[:0], s.firmID[:0]
		buy := s.in.Items[i].Source == mrp.Buy
		anyPastDue := false
		for k := from; k < to; k++ {
			o := s.plan.Order(k)
			anyPastDue = anyPastDue || o.PastDue
			s.rel, s.due = append(s.rel, int16(o.Release)), append(s.due, int16(o.Due))
			s.qty, s.rc, s.pastDue = append(s.qty, o.Quantity), append(s.rc, o.Receipt), append(s.pastDue, o.PastDue)
			if o.IsFirm() {
				id, err := uuid.Parse(s.in.Firm[o.Firm].Ref)
				if err != nil {
					s.err = fmt.Errorf("mrp: firm order ref %q: %w", s.in.Firm[o.Firm].Ref, err)
					return false
				}
				s.firmPos, s.firmID = append(s.firmPos, int32(k-from)), append(s.firmID, id)
			}
		}
		if !anyPastDue {
			s.pastDue = s.pastDue[:0] // empty array: no order is past due
		}
		s.excKind, s.excB, s.excTo, s.excQ, s.excOrd, s.excRec = s.excKind[:0], s.excB[:0], s.excTo[:0], s.excQ[:0], s.excOrd[:0], s.excRec[:0]
		for _, e := range excs {
			kind := e.Kind.String()
			s.byKind[kind]++
			to, ord := int16(-1), int32(-1)
			if e.ToBucket >= 0 && (e.Kind == mrp.ExceptionExpedite || e.Kind == mrp.ExceptionDefer) {
				to = int16(e.ToBucket)
			}
			if e.Order >= 0 {
				ord = e.Order - int32(from)
			}
			var rec pgtype.UUID
			if e.Receipt >= 0 && int(e.Receipt) < len(s.in.Receipts) {
				if u, err := uuid.Parse(s.in.Receipts[e.Receipt].Ref); err == nil {
					rec = pgtype.UUID{Bytes: u, Valid: true}
				}
			}
			s.excKind, s.excB, s.excTo = append(s.excKind, kind), append(s.excB, int16(e.Bucket)), append(s.excTo, to)
			s.excQ, s.excOrd, s.excRec = append(s.excQ, e.Quantity), append(s.excOrd, ord), append(s.excRec, rec)
		}
		mat, err := uuid.Parse(string(s.plan.Model().ID(i)))
		if err != nil {
			s.err = err
			return false
		}
		s.row = append(s.row[:0], s.run, int32(i), s.tenant, mat, buy, s.rel, s.due, s.qty, s.rc, s.pastDue,
			s.firmPos, s.firmID, s.excKind, s.excB, s.excTo, s.excQ, s.excOrd, s.excRec)
		return true
	}
	return false
}

func (s *itemSource) Values() ([]any, error) { return s.row, nil }
func (s *itemSource) Err() error             { return s.err }

// planFor returns the plan a stored run was computed from: the one in memory when its
// input version matches, else recomputed from the stored inputs on the run's calendar.
// When the inputs changed since the run, the run's plan cannot be rebuilt: conflict.
//
// The caller must call release when done with the plan's input (a net change patches the
// input of the plan in memory in place, and waits for readers).
func (r *Runner) planFor(ctx context.Context, a store.Actor, run store.MRPRun) (_ *planned, release func(), _ error) {
	t := r.tenant(a.TenantID)
	t.mu.Lock()
	last := t.last
	if last != nil && last.version == run.InputVersion {
		t.input.RLock()
		t.mu.Unlock()
		return last, t.input.RUnlock, nil
	}
	t.mu.Unlock()
	release = func() {}
	cal := run.Calendar()
	ld, err := r.load(ctx, a, &cal)
	if err != nil {
		return nil, nil, err
	}
	in, ver := ld.in, ld.version
	if ver != run.InputVersion {
		return nil, nil, fault.Conflictf("inputs-changed", "", "the planning inputs changed since this run; start a new run to see its records and pegging")
	}
	_, span := r.tracer.Start(ctx, "mrp.plan")
	defer span.End()
	m, err := mrp.Compile(in)
	if err != nil {
		return nil, nil, compileError(err)
	}
	plan, err := m.Plan()
	if err != nil {
		return nil, nil, r.planError(ctx, a, err)
	}
	return &planned{runID: run.ID, version: ver, cal: cal, input: in, model: m, plan: plan}, release, nil
}

// RecordBucket is one column of an MRP record.
type RecordBucket struct {
	Bucket            int     `json:"bucket"`
	Date              string  `json:"date"`
	Gross             float64 `json:"gross"`
	ScheduledReceipts float64 `json:"scheduled_receipts"`
	ProjectedOnHand   float64 `json:"projected_on_hand"`
	Net               float64 `json:"net"`
	PlannedReceipts   float64 `json:"planned_receipts"`
	PlannedReleases   float64 `json:"planned_releases"`
}

// Record is an item's MRP record in a run.
type Record struct {
	RunID        string         `json:"run_id"`
	MaterialID   string         `json:"material_id"`
	LowLevelCode int            `json:"low_level_code"`
	OnHand       float64        `json:"on_hand"`
	SafetyStock  float64        `json:"safety_stock"`
	Buckets      []RecordBucket `json:"buckets"`
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// Record computes material's MRP record for a run.
func (r *Runner) Record(ctx context.Context, a store.Actor, run store.MRPRun, materialID string) (Record, error) {
	p, release, err := r.planFor(ctx, a, run)
	if err != nil {
		return Record{}, err
	}
	defer release()
	i, ok := p.model.Index(mrp.ItemID(materialID))
	if !ok {
		return Record{}, fault.Missing("item", "")
	}
	rec := p.plan.Record(i)
	out := Record{RunID: run.ID, MaterialID: materialID, LowLevelCode: p.model.LowLevelCode(i), OnHand: round4(rec.OnHand), SafetyStock: round4(rec.SafetyStock),
		Buckets: make([]RecordBucket, len(rec.Gross))}
	for t := range rec.Gross {
		out.Buckets[t] = RecordBucket{Bucket: t, Date: p.cal.DateString(t), Gross: round4(rec.Gross[t]), ScheduledReceipts: round4(rec.ScheduledReceipts[t]),
			ProjectedOnHand: round4(rec.ProjectedOnHand[t]), Net: round4(rec.Net[t]), PlannedReceipts: round4(rec.PlannedReceipts[t]),
			PlannedReleases: round4(rec.PlannedReleases[t])}
	}
	return out, nil
}

// Peg is one independent demand (or safety stock / lot-size excess) a planned order serves.
type Peg struct {
	Kind string `json:"kind"`
	// DemandType is "demand" (an MRP demand entry) or "requirement" (an open requirement
	// item) for kind demand.
	DemandType string  `json:"demand_type,omitempty"`
	DemandID   string  `json:"demand_id,omitempty"`
	MaterialID string  `json:"material_id"`
	Bucket     *int    `json:"bucket,omitempty"`
	Date       string  `json:"date,omitempty"`
	Quantity   float64 `json:"quantity"`
}

// Pegging traces a stored planned order to what it serves.
func (r *Runner) Pegging(ctx context.Context, a store.Actor, o store.PlannedOrder, run store.MRPRun) ([]Peg, error) {
	p, release, err := r.planFor(ctx, a, run)
	if err != nil {
		return nil, err
	}
	defer release()
	i, ok := p.model.Index(mrp.ItemID(o.MaterialID))
	if !ok {
		return nil, fault.Missing("planned order", "")
	}
	from, to := p.plan.OrderRange(i)
	k := from + o.Pos
	if k >= to || int(p.plan.Order(k).Due) != o.DueBucket {
		return nil, fault.Conflictf("inputs-changed", "", "the plan in memory does not match this order; start a new run")
	}
	pegs := p.plan.PegOrder(k)
	out := make([]Peg, 0, len(pegs))
	for _, g := range pegs {
		pg := Peg{Kind: g.Kind.String(), MaterialID: string(p.model.ID(int(g.Item))), Quantity: round4(g.Quantity)}
		if g.Kind == mrp.PegDemand && int(g.Demand) < len(p.input.Demand) {
			d := p.input.Demand[g.Demand]
			typ, id, _ := strings.Cut(d.Ref, ":")
			b := d.Bucket
			pg.DemandType, pg.DemandID, pg.Bucket, pg.Date = typ, id, &b, p.cal.DateString(b)
		}
		out = append(out, pg)
	}
	return out, nil
}

// Overrides are a simulation's what-if changes.
type Overrides struct {
	ExtraDemand []ExtraDemand    `json:"extra_demand"`
	LeadTimes   []LeadTimeChange `json:"lead_times"`
}

// ExtraDemand adds demand for a material on a date. Quantity is a decimal string like
// every quantity of the API.
type ExtraDemand struct {
	MaterialID string          `json:"material_id"`
	Date       string          `json:"date"`
	Quantity   decimal.Decimal `json:"quantity"`
}

// LeadTimeChange replaces a material's lead time (buckets).
type LeadTimeChange struct {
	MaterialID string `json:"material_id"`
	LeadTime   int    `json:"lead_time"`
}

// SimOrder is a planned order of a simulation.
type SimOrder struct {
	MaterialID    string  `json:"material_id"`
	Source        string  `json:"source"`
	Firm          bool    `json:"firm"`
	PastDue       bool    `json:"past_due"`
	ReleaseBucket int     `json:"release_bucket"`
	ReleaseDate   string  `json:"release_date"`
	DueBucket     int     `json:"due_bucket"`
	DueDate       string  `json:"due_date"`
	Quantity      float64 `json:"quantity"`
}

// SimException is an exception message of a simulation.
type SimException struct {
	MaterialID string  `json:"material_id"`
	Kind       string  `json:"kind"`
	Bucket     int     `json:"bucket"`
	Quantity   float64 `json:"quantity"`
}

// Simulation is a what-if result: totals, and the orders and exceptions of the items the
// overrides reached (capped at maxSimRows each).
type Simulation struct {
	InputVersion   string         `json:"input_version"`
	Items          int            `json:"items"`
	ItemsReplanned int            `json:"items_replanned"`
	PlannedOrders  int            `json:"planned_orders"`
	Exceptions     int            `json:"exceptions"`
	Truncated      bool           `json:"truncated"`
	Orders         []SimOrder     `json:"affected_planned_orders"`
	Messages       []SimException `json:"affected_exceptions"`
	PlanMS         float64        `json:"plan_ms"`
}

const maxSimRows = 1000

// Simulate plans the current inputs with overrides and saves nothing.
func (r *Runner) Simulate(ctx context.Context, a store.Actor, ov Overrides) (Simulation, error) {
	ld, err := r.load(ctx, a, nil)
	if err != nil {
		return Simulation{}, err
	}
	in, ver, cal := ld.in, ld.version, ld.cal
	idx := map[mrp.ItemID]int{}
	for i, it := range in.Items {
		idx[it.ID] = i
	}
	sim := in.Clone()
	for k, d := range ov.ExtraDemand {
		f := fmt.Sprintf("overrides.extra_demand[%d].", k)
		if _, ok := idx[mrp.ItemID(d.MaterialID)]; !ok {
			return Simulation{}, fault.Missing("item", f+"material_id")
		}
		day, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			return Simulation{}, fault.Field(f+"date", "must be a date YYYY-MM-DD")
		}
		qty := d.Quantity.InexactFloat64()
		if !d.Quantity.IsPositive() || math.IsInf(qty, 0) {
			return Simulation{}, fault.Field(f+"quantity", "must be greater than zero")
		}
		b, ok := cal.BucketOf(day)
		if !ok {
			return Simulation{}, fault.Field(f+"date", "is after the planning horizon")
		}
		sim.Demand = append(sim.Demand, mrp.Demand{Item: mrp.ItemID(d.MaterialID), Bucket: b, Quantity: qty, Ref: "simulation:" + fmt.Sprint(k)})
	}
	for k, l := range ov.LeadTimes {
		f := fmt.Sprintf("overrides.lead_times[%d].", k)
		i, ok := idx[mrp.ItemID(l.MaterialID)]
		if !ok {
			return Simulation{}, fault.Missing("item", f+"material_id")
		}
		if l.LeadTime < 0 || l.LeadTime > mrp.MaxBuckets {
			return Simulation{}, fault.Field(f+"lead_time", "must not be negative")
		}
		sim.Items[i].LeadTime = l.LeadTime
	}
	start := r.now()
	_, span := r.tracer.Start(ctx, "mrp.plan", trace.WithAttributes(attribute.String("mrp.kind", "simulation")))
	defer span.End()
	var base *mrp.Plan
	t := r.tenant(a.TenantID)
	t.mu.Lock()
	if t.last != nil && t.last.version == ver {
		base = t.last.plan
	}
	t.mu.Unlock()
	bm, err := mrp.Compile(in)
	if err != nil {
		return Simulation{}, compileError(err)
	}
	if base == nil {
		if base, err = bm.Plan(); err != nil {
			return Simulation{}, r.planError(ctx, a, err)
		}
	}
	sm, err := mrp.Compile(sim)
	if err != nil {
		return Simulation{}, compileError(err)
	}
	changed, _ := mrp.ChangedItems(base.Model(), sm)
	plan, err := sm.PlanNetChange(base, changed)
	if err != nil {
		return Simulation{}, r.planError(ctx, a, err)
	}
	out := Simulation{InputVersion: ver, Items: sm.NumItems(), PlannedOrders: plan.NumOrders(), Exceptions: plan.NumExceptions(),
		Orders: []SimOrder{}, Messages: []SimException{}}
	items := plan.Replanned()
	if items == nil {
		items = allItems(sm)
	}
	out.ItemsReplanned = len(items)
	for _, i := range items {
		for _, o := range plan.OrdersOf(int(i)) {
			if len(out.Orders) == maxSimRows {
				out.Truncated = true
				break
			}
			out.Orders = append(out.Orders, SimOrder{MaterialID: string(sm.ID(int(i))), Source: map[bool]string{true: "buy", false: "make"}[o.Buy],
				Firm: o.IsFirm(), PastDue: o.PastDue, ReleaseBucket: int(o.Release), ReleaseDate: cal.DateString(int(o.Release)),
				DueBucket: int(o.Due), DueDate: cal.DateString(int(o.Due)), Quantity: round4(o.Quantity)})
		}
		for _, e := range plan.ExceptionsOf(int(i)) {
			if len(out.Messages) == maxSimRows {
				out.Truncated = true
				break
			}
			out.Messages = append(out.Messages, SimException{MaterialID: string(sm.ID(int(i))), Kind: e.Kind.String(), Bucket: int(e.Bucket), Quantity: round4(e.Quantity)})
		}
	}
	out.PlanMS = ms(r.now().Sub(start))
	return out, nil
}
