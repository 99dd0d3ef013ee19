package mrp

import (
	"fmt"
	"math"
	"strconv"
)

// itemParams is the compact per-item planning data the hot loop reads.
type itemParams struct {
	lt, ptf, periods int32
	policy           Policy
	buy              bool
	ss, onHand       float64
	scrap            float64 // item scrap fraction
	foq, eoq         float64
	s, h             float64 // ordering cost, holding cost per unit per bucket
	min, mult, max   float64
	effMax           float64 // max rounded down to mult
}

// Model is a validated, indexed Input: dense item indices, low-level codes,
// compressed adjacency (CSR) for the BOM in both directions and per-item
// demand and supply lists sorted by bucket. It is immutable and may be shared.
type Model struct {
	h     int
	ids   []ItemID
	index map[ItemID]int32
	items []itemParams

	llc   []int32
	order []int32 // planning order: by low-level code, then index
	pos   []int32 // position of each item in order

	// components of each parent, in input line order
	compStart  []int32
	compItem   []int32
	compFactor []float64
	// parents of each component (where-used), in input line order
	parStart  []int32
	parItem   []int32
	parFactor []float64
	// input BOM line of each adjacency entry (Patch finds a changed item's lines by them)
	compLine []int32
	parLine  []int32

	demStart  []int32
	demBucket []int32
	demQty    []float64
	demIdx    []int32 // index into Input.Demand

	srStart  []int32
	srBucket []int32
	srQty    []float64
	srIdx    []int32 // index into Input.Receipts
	srLocal  []int32 // Input.Receipts index -> ordinal within its item

	firmStart   []int32
	firmRelease []int32
	firmDue     []int32
	firmQty     []float64
	firmIdx     []int32 // index into Input.Firm
	firmLocal   []int32 // Input.Firm index -> ordinal within its item

	maxLLC int32
}

// Buckets is the horizon length.
func (m *Model) Buckets() int { return m.h }

// NumItems is the number of items.
func (m *Model) NumItems() int { return len(m.ids) }

// ID returns the ItemID of dense index i.
func (m *Model) ID(i int) ItemID { return m.ids[i] }

// Index returns the dense index of id.
func (m *Model) Index(id ItemID) (int, bool) {
	i, ok := m.index[id]
	return int(i), ok
}

// LowLevelCode is the deepest level at which item i appears in any BOM
// (0 for end items).
func (m *Model) LowLevelCode(i int) int { return int(m.llc[i]) }

// MaxLowLevelCode is the number of BOM levels minus one.
func (m *Model) MaxLowLevelCode() int { return int(m.maxLLC) }

// PlanningOrder returns the dense indices in the order a run plans them
// (low-level code, then index). The slice is shared: do not modify it.
func (m *Model) PlanningOrder() []int32 { return m.order }

// EOQ returns the economic order quantity of item i (0 unless its policy is EOQ).
func (m *Model) EOQ(i int) float64 { return m.items[i].eoq }

type validator struct {
	errs ValidationErrors
}

func (v *validator) add(field fieldRef, item ItemID, err error, format string, args ...any) {
	if len(v.errs) < maxValidationErrors {
		v.errs = append(v.errs, &FieldError{Field: field.String(), Item: item, Err: err, Detail: fmt.Sprintf(format, args...)})
	}
}

// fieldRef names a field such as "items[3].lead_time" without formatting
// it: the string is built only on the error path, so valid inputs pay nothing.
type fieldRef struct {
	list string // "" for a top-level field
	k    int
	name string
}

func fld(list string, k int, name string) fieldRef { return fieldRef{list, k, name} }

// String formats the path.
func (f fieldRef) String() string {
	if f.list == "" {
		return f.name
	}
	return f.list + "[" + strconv.Itoa(f.k) + "]." + f.name
}

// nonNeg reports whether x is a finite number >= 0; NaN fails.
func nonNeg(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }

// positive reports whether x is finite and > 0.
func positive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// Compile validates in and builds the Model. On error it returns
// ValidationErrors (every field problem found) or a *CycleError, and no Model.
func Compile(in Input) (*Model, error) {
	var v validator
	h := in.Buckets
	if h < 1 || h > MaxBuckets {
		v.add(fieldRef{name: "buckets"}, "", ErrBucketRange, "must be between 1 and %d, got %d", MaxBuckets, h)
		return nil, v.errs
	}
	n := len(in.Items)
	m := &Model{h: h, ids: make([]ItemID, n), index: make(map[ItemID]int32, n), items: make([]itemParams, n)}
	for i := range in.Items {
		it := &in.Items[i]
		m.ids[i] = it.ID
		if it.ID == "" {
			v.add(fld("items", i, "id"), "", ErrInvalid, "empty id")
		} else if _, dup := m.index[it.ID]; dup {
			v.add(fld("items", i, "id"), it.ID, ErrDuplicateItem, "id already used")
		} else {
			m.index[it.ID] = int32(i)
		}
		m.items[i] = v.item(it, i)
	}
	r := resolver{v: &v, m: m, lastIdx: -1}
	lineParent, lineComp, lineFactor := r.bom(in.BOM)
	demItem := r.demand(in.Demand)
	srItem := r.receipts(in.Receipts)
	firmItem := r.firm(in.Firm)
	if len(v.errs) > 0 {
		return nil, v.errs
	}

	// BOM adjacency both ways, stable in line order.
	m.compStart, m.compItem, m.compFactor, m.compLine = csr(n, lineParent, lineComp, lineFactor)
	m.parStart, m.parItem, m.parFactor, m.parLine = csr(n, lineComp, lineParent, lineFactor)
	if err := m.levels(); err != nil {
		return nil, err
	}
	m.buildDemand(in, demItem)
	m.buildReceipts(in, srItem)
	m.buildFirm(in, firmItem)
	return m, nil
}

// Demand and supply per item, sorted by bucket (stable: input order on ties).

func (m *Model) buildDemand(in Input, demItem []int32) {
	n, h := len(m.ids), m.h
	{
		b := make([]int32, len(in.Demand))
		q := make([]float64, len(in.Demand))
		for k := range in.Demand {
			b[k], q[k] = int32(in.Demand[k].Bucket), in.Demand[k].Quantity
		}
		m.demStart, m.demIdx = bucketCSR(n, h, demItem, b)
		m.demBucket, m.demQty = gather(m.demIdx, b), gather(m.demIdx, q)
	}
}

func (m *Model) buildReceipts(in Input, srItem []int32) {
	n, h := len(m.ids), m.h
	{
		b := make([]int32, len(in.Receipts))
		q := make([]float64, len(in.Receipts))
		for k := range in.Receipts {
			b[k], q[k] = int32(in.Receipts[k].Bucket), in.Receipts[k].Quantity
		}
		m.srStart, m.srIdx = bucketCSR(n, h, srItem, b)
		m.srBucket, m.srQty = gather(m.srIdx, b), gather(m.srIdx, q)
		m.srLocal = localOrdinals(m.srStart, m.srIdx)
	}
}

func (m *Model) buildFirm(in Input, firmItem []int32) {
	n, h := len(m.ids), m.h
	{
		d := make([]int32, len(in.Firm))
		r := make([]int32, len(in.Firm))
		q := make([]float64, len(in.Firm))
		for k := range in.Firm {
			d[k], r[k], q[k] = int32(in.Firm[k].Due), int32(in.Firm[k].Release), in.Firm[k].Quantity
		}
		m.firmStart, m.firmIdx = bucketCSR(n, h, firmItem, d)
		m.firmDue, m.firmRelease, m.firmQty = gather(m.firmIdx, d), gather(m.firmIdx, r), gather(m.firmIdx, q)
		m.firmLocal = localOrdinals(m.firmStart, m.firmIdx)
	}
}

// resolver maps the ItemIDs of input records to dense indices and validates
// the records. Demand, receipts and BOM lines usually come grouped by item,
// so the previous answer is remembered: a string compare is cheaper than a
// hash lookup.
type resolver struct {
	v       *validator
	m       *Model
	lastID  ItemID
	lastIdx int32
}

func (r *resolver) lookup(field fieldRef, id ItemID) int32 {
	if id == r.lastID && r.lastIdx >= 0 {
		return r.lastIdx
	}
	i, ok := r.m.index[id]
	if !ok {
		r.v.add(field, id, ErrUnknownItem, "no such item")
		return -1
	}
	r.lastID, r.lastIdx = id, i
	return i
}

func (r *resolver) bom(bom []BOMLine) (lineParent, lineComp []int32, lineFactor []float64) {
	lineParent = make([]int32, len(bom))
	lineComp = make([]int32, len(bom))
	lineFactor = make([]float64, len(bom))
	for k := range bom {
		l := &bom[k]
		lineParent[k] = r.lookup(fld("bom", k, "parent"), l.Parent)
		lineComp[k] = r.lookup(fld("bom", k, "component"), l.Component)
		lineFactor[k] = r.v.bomLine(k, l)
	}
	return lineParent, lineComp, lineFactor
}

// bomLine validates line k and returns its factor, quantity per × (1 + scrap).
func (v *validator) bomLine(k int, l *BOMLine) float64 {
	if !positive(l.QuantityPer) {
		v.add(fld("bom", k, "quantity_per"), l.Parent, ErrNegativeQuantity, "must be > 0, got %v", l.QuantityPer)
	}
	if !nonNeg(l.Scrap) {
		v.add(fld("bom", k, "scrap"), l.Parent, ErrNegativeQuantity, "must be >= 0, got %v", l.Scrap)
	}
	return l.QuantityPer * (1 + l.Scrap)
}

func (r *resolver) demand(dem []Demand) []int32 {
	item := make([]int32, len(dem))
	for k := range dem {
		item[k] = r.lookup(fld("demand", k, "item"), dem[k].Item)
		r.v.demand(k, &dem[k], r.m.h)
	}
	return item
}

func (v *validator) demand(k int, d *Demand, h int) {
	if d.Bucket < 0 || d.Bucket >= h {
		v.add(fld("demand", k, "bucket"), d.Item, ErrBucketRange, "must be in 0..%d, got %d", h-1, d.Bucket)
	}
	if !nonNeg(d.Quantity) {
		v.add(fld("demand", k, "quantity"), d.Item, ErrNegativeQuantity, "must be >= 0, got %v", d.Quantity)
	}
}

func (r *resolver) receipts(rec []ScheduledReceipt) []int32 {
	item := make([]int32, len(rec))
	for k := range rec {
		item[k] = r.lookup(fld("receipts", k, "item"), rec[k].Item)
		r.v.receipt(k, &rec[k], r.m.h)
	}
	return item
}

func (v *validator) receipt(k int, x *ScheduledReceipt, h int) {
	if x.Bucket < 0 || x.Bucket >= h {
		v.add(fld("receipts", k, "bucket"), x.Item, ErrBucketRange, "must be in 0..%d, got %d", h-1, x.Bucket)
	}
	if !nonNeg(x.Quantity) {
		v.add(fld("receipts", k, "quantity"), x.Item, ErrNegativeQuantity, "must be >= 0, got %v", x.Quantity)
	}
}

func (r *resolver) firm(firm []FirmOrder) []int32 {
	item := make([]int32, len(firm))
	for k := range firm {
		item[k] = r.lookup(fld("firm", k, "item"), firm[k].Item)
		r.v.firm(k, &firm[k], r.m.h)
	}
	return item
}

func (v *validator) firm(k int, o *FirmOrder, h int) {
	if o.Due < 0 || o.Due >= h {
		v.add(fld("firm", k, "due"), o.Item, ErrBucketRange, "must be in 0..%d, got %d", h-1, o.Due)
	}
	if o.Release < 0 || o.Release > o.Due {
		v.add(fld("firm", k, "release"), o.Item, ErrBucketRange, "must be in 0..due (%d), got %d", o.Due, o.Release)
	}
	if !positive(o.Quantity) {
		v.add(fld("firm", k, "quantity"), o.Item, ErrNegativeQuantity, "must be > 0, got %v", o.Quantity)
	}
}

// item validates one item and derives its compact parameters.
func (v *validator) item(it *Item, i int) itemParams {
	p := itemParams{
		lt: int32(it.LeadTime), ptf: int32(it.PlanningTimeFence), policy: it.Lot.Policy, buy: it.Source == Buy,
		ss: it.SafetyStock, onHand: it.OnHand, scrap: it.Scrap,
		min: it.Lot.Minimum, mult: it.Lot.Multiple, max: it.Lot.Maximum,
	}
	id := it.ID
	if it.Source != Make && it.Source != Buy {
		v.add(fld("items", i, "source"), id, ErrInvalid, "unknown source %d", it.Source)
	}
	if it.LeadTime < 0 || it.LeadTime > MaxBuckets {
		v.add(fld("items", i, "lead_time"), id, ErrNegativeQuantity, "must be in 0..%d, got %d", MaxBuckets, it.LeadTime)
	}
	if it.PlanningTimeFence < 0 || it.PlanningTimeFence > MaxBuckets {
		v.add(fld("items", i, "planning_time_fence"), id, ErrNegativeQuantity, "must be in 0..%d, got %d", MaxBuckets, it.PlanningTimeFence)
	}
	if !nonNeg(it.SafetyStock) {
		v.add(fld("items", i, "safety_stock"), id, ErrNegativeQuantity, "must be >= 0, got %v", it.SafetyStock)
	}
	if !nonNeg(it.OnHand) {
		v.add(fld("items", i, "on_hand"), id, ErrNegativeQuantity, "must be >= 0, got %v", it.OnHand)
	}
	if !nonNeg(it.Scrap) || it.Scrap >= 10 {
		v.add(fld("items", i, "scrap"), id, ErrNegativeQuantity, "must be a fraction in [0, 10), got %v", it.Scrap)
	}
	l := &it.Lot
	bad := func(field, format string, args ...any) {
		v.add(fld("items", i, "lot."+field), id, ErrBadLotParameter, format, args...)
	}
	switch l.Policy {
	case LotForLot:
	case FixedOrderQuantity:
		if !positive(l.FixedQuantity) {
			bad("fixed_quantity", "fixed_order_quantity needs fixed_quantity > 0, got %v", l.FixedQuantity)
		}
		p.foq = l.FixedQuantity
	case EOQ:
		ok := true
		if !positive(l.AnnualDemand) {
			bad("annual_demand", "eoq needs annual_demand > 0, got %v", l.AnnualDemand)
			ok = false
		}
		if !positive(l.OrderingCost) {
			bad("ordering_cost", "eoq needs ordering_cost > 0, got %v", l.OrderingCost)
			ok = false
		}
		if !positive(l.AnnualHoldingCost) {
			bad("annual_holding_cost", "eoq needs annual_holding_cost > 0, got %v", l.AnnualHoldingCost)
			ok = false
		}
		if ok {
			p.eoq = EconomicOrderQuantity(l.AnnualDemand, l.OrderingCost, l.AnnualHoldingCost)
		}
	case PeriodOrderQuantity:
		if l.Periods < 1 || l.Periods > MaxBuckets {
			bad("periods", "period_order_quantity needs periods in 1..%d, got %d", MaxBuckets, l.Periods)
		}
		p.periods = int32(l.Periods)
	case WagnerWhitin, SilverMeal:
		if !positive(l.OrderingCost) {
			bad("ordering_cost", "%s needs ordering_cost > 0, got %v", l.Policy, l.OrderingCost)
		}
		if !positive(l.HoldingCost) {
			bad("holding_cost", "%s needs holding_cost (per unit per bucket) > 0, got %v", l.Policy, l.HoldingCost)
		}
		p.s, p.h = l.OrderingCost, l.HoldingCost
	default:
		bad("policy", "unknown policy %d", l.Policy)
	}
	if !nonNeg(l.Minimum) {
		bad("minimum", "must be >= 0, got %v", l.Minimum)
	}
	if !nonNeg(l.Multiple) {
		bad("multiple", "must be >= 0, got %v", l.Multiple)
	}
	if !nonNeg(l.Maximum) {
		bad("maximum", "must be >= 0, got %v", l.Maximum)
	}
	p.effMax = l.Maximum
	if l.Maximum > 0 {
		if l.Multiple > 0 {
			p.effMax = math.Floor(l.Maximum/l.Multiple+1e-9) * l.Multiple
			if p.effMax < l.Multiple {
				bad("maximum", "maximum %v is smaller than multiple %v", l.Maximum, l.Multiple)
			}
		}
		if l.Minimum > p.effMax {
			bad("maximum", "maximum %v (rounded down to the multiple: %v) is smaller than minimum %v", l.Maximum, p.effMax, l.Minimum)
		}
	}
	return p
}

// EconomicOrderQuantity is sqrt(2·D·S/H) with D the annual demand, S the
// cost per order and H the holding cost per unit per year.
func EconomicOrderQuantity(annualDemand, orderingCost, annualHoldingCost float64) float64 {
	return math.Sqrt(2 * annualDemand * orderingCost / annualHoldingCost)
}

// csr builds a stable compressed adjacency from key to val; line is the
// position in key of each entry.
func csr(n int, key, val []int32, w []float64) (start, item []int32, weight []float64, line []int32) {
	start = make([]int32, n+1)
	for _, k := range key {
		start[k+1]++
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	item = make([]int32, len(key))
	weight = make([]float64, len(key))
	line = make([]int32, len(key))
	fill := make([]int32, n)
	copy(fill, start[:n])
	for e, k := range key {
		p := fill[k]
		fill[k]++
		item[p] = val[e]
		weight[p] = w[e]
		line[p] = int32(e)
	}
	return start, item, weight, line
}

// bucketCSR groups records by item and sorts each group by bucket, stably,
// with a two-pass counting sort (bucket, then item) so it is O(records + n + h).
func bucketCSR(n, h int, item, bucket []int32) (start, idx []int32) {
	byBucket := make([]int32, len(item))
	cnt := make([]int32, h+1)
	for _, b := range bucket {
		cnt[b+1]++
	}
	for i := 0; i < h; i++ {
		cnt[i+1] += cnt[i]
	}
	for r, b := range bucket {
		byBucket[cnt[b]] = int32(r)
		cnt[b]++
	}
	start = make([]int32, n+1)
	for _, it := range item {
		start[it+1]++
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	fill := make([]int32, n)
	copy(fill, start[:n])
	idx = make([]int32, len(item))
	for _, r := range byBucket {
		it := item[r]
		idx[fill[it]] = r
		fill[it]++
	}
	return start, idx
}

func gather[T any](idx []int32, src []T) []T {
	out := make([]T, len(idx))
	for k, r := range idx {
		out[k] = src[r]
	}
	return out
}

func localOrdinals(start, idx []int32) []int32 {
	local := make([]int32, len(idx))
	for i := 0; i+1 < len(start); i++ {
		for k := start[i]; k < start[i+1]; k++ {
			local[idx[k]] = k - start[i]
		}
	}
	return local
}

// levels computes low-level codes by a topological pass (Kahn) over
// parent→component edges: llc(c) = max over parents of llc(p)+1, the
// longest path from an end item. Left-over nodes lie on or below a cycle;
// one cycle is reported by walking parent links backwards.
func (m *Model) levels() error {
	n := len(m.ids)
	indeg := make([]int32, n)
	for i := 0; i < n; i++ {
		indeg[i] = m.parStart[i+1] - m.parStart[i]
	}
	queue := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		if indeg[i] == 0 {
			queue = append(queue, int32(i))
		}
	}
	m.llc = make([]int32, n)
	for q := 0; q < len(queue); q++ {
		p := queue[q]
		for k := m.compStart[p]; k < m.compStart[p+1]; k++ {
			c := m.compItem[k]
			if l := m.llc[p] + 1; l > m.llc[c] {
				m.llc[c] = l
			}
			indeg[c]--
			if indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if len(queue) < n {
		return m.findCycle(indeg)
	}
	// Counting sort by level keeps index order within a level.
	var maxL int32
	for _, l := range m.llc {
		maxL = max(maxL, l)
	}
	m.maxLLC = maxL
	cnt := make([]int32, maxL+2)
	for _, l := range m.llc {
		cnt[l+1]++
	}
	for l := int32(0); l <= maxL; l++ {
		cnt[l+1] += cnt[l]
	}
	m.order = make([]int32, n)
	m.pos = make([]int32, n)
	for i, l := range m.llc {
		m.order[cnt[l]] = int32(i)
		m.pos[i] = cnt[l]
		cnt[l]++
	}
	return nil
}

// findCycle walks backwards from a node Kahn could not place: each such node
// still has a parent that could not be placed, so the walk must revisit a
// node, and the revisited stretch is a cycle.
func (m *Model) findCycle(indeg []int32) error {
	n := len(m.ids)
	start := int32(-1)
	for i := 0; i < n; i++ {
		if indeg[i] > 0 {
			start = int32(i)
			break
		}
	}
	seen := make(map[int32]int) // node -> step at which it was visited
	var walk []int32
	cur := start
	for {
		if s, ok := seen[cur]; ok {
			cyc := walk[s:] // child→parent order
			path := make([]ItemID, len(cyc))
			for k := range cyc {
				path[k] = m.ids[cyc[len(cyc)-1-k]]
			}
			// rotate so the smallest index starts, for a stable message
			best := 0
			for k := range cyc {
				if cyc[len(cyc)-1-k] < cyc[len(cyc)-1-best] {
					best = k
				}
			}
			path = append(path[best:], path[:best]...)
			return &CycleError{Path: path}
		}
		seen[cur] = len(walk)
		walk = append(walk, cur)
		next := int32(-1)
		for k := m.parStart[cur]; k < m.parStart[cur+1]; k++ {
			if p := m.parItem[k]; indeg[p] > 0 {
				next = p
				break
			}
		}
		cur = next // never -1: an unplaced node has an unplaced parent
	}
}
