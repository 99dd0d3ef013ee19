package mrp

import (
	"math"
	"slices"
)

// Plan is the result of a run. Orders are grouped by item in planning order
// (low-level code, then index), by due bucket within an item; Exceptions
// likewise. A Plan is immutable: the storage layer reads it, and Record and
// the pegging functions compute views of it on demand.
//
// Orders are stored column-wise (20 bytes an order instead of a 40-byte
// struct): writing millions of orders is a large share of a run, and pulling
// parents' releases streams only the release and quantity columns. Order(k)
// assembles the PlannedOrder view without allocating.
type Plan struct {
	// Exceptions holds every exception message.
	Exceptions []Exception

	model   *Model
	ordQty  []float64 // order quantity
	ordRel  []int32   // release bucket
	ordDue  []int32   // due bucket
	ordItem []int32
	// firmed orders are few: their order indices (ascending) and their
	// indices in Input.Firm.
	firmOrd []int32
	firmSrc []int32

	ordStart []int32 // per item: orders ordStart[i]..ordEnd[i]-1
	ordEnd   []int32
	excStart []int32
	excEnd   []int32
	// replanned lists the items a net-change run planned (nil: all of them).
	replanned []int32
}

// Model returns the model the plan was computed from.
func (p *Plan) Model() *Model { return p.model }

// NumOrders is the number of orders, firmed ones included.
func (p *Plan) NumOrders() int { return len(p.ordQty) }

// Order returns order k (0 <= k < NumOrders).
func (p *Plan) Order(k int) PlannedOrder {
	i := p.ordItem[k]
	it := &p.model.items[i]
	q := p.ordQty[k]
	o := PlannedOrder{Quantity: q, Receipt: receiptOf(q, it.scrap, 1+it.scrap), Item: i,
		Release: p.ordRel[k], Due: p.ordDue[k], Firm: -1, Buy: it.buy}
	if j, ok := slices.BinarySearch(p.firmOrd, int32(k)); ok {
		o.Firm = p.firmSrc[j]
	} else {
		o.PastDue = o.Due-it.lt < 0
	}
	return o
}

// AllOrders materialises every order (convenient for tests and small plans;
// the storage layer should iterate with Order to avoid the copy).
func (p *Plan) AllOrders() []PlannedOrder {
	out := make([]PlannedOrder, len(p.ordQty))
	for k := range out {
		out[k] = p.Order(k)
	}
	return out
}

// OrderRange returns the half-open range of item i's order indices.
func (p *Plan) OrderRange(i int) (from, to int) { return int(p.ordStart[i]), int(p.ordEnd[i]) }

// OrdersOf materialises item i's orders, by due bucket.
func (p *Plan) OrdersOf(i int) []PlannedOrder {
	from, to := p.OrderRange(i)
	out := make([]PlannedOrder, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, p.Order(k))
	}
	return out
}

// ExceptionsOf returns the exceptions of item i.
func (p *Plan) ExceptionsOf(i int) []Exception { return p.Exceptions[p.excStart[i]:p.excEnd[i]] }

// Replanned returns the dense indices a net-change run re-planned, in
// planning order, so the storage layer writes only what changed; it is nil
// for a regenerative run (every item was planned).
func (p *Plan) Replanned() []int32 { return p.replanned }

// planner holds the per-run scratch buffers; one per run, reused per item
// so the hot loop does not allocate.
type planner struct {
	m     *Model
	gross []float64
	avail []float64 // on-hand + firm supply - gross, cumulative, end of bucket
	need  []float64 // cumulative planned receipts needed by end of bucket
	// Wagner–Whitin scratch
	wwF      []float64
	wwR      []float64
	wwChoice []int32
	segEnd   []int32
	plan     *Plan
}

func newPlanner(m *Model, ordersHint int) *planner {
	h := m.h
	n := len(m.ids)
	return &planner{
		m:        m,
		gross:    make([]float64, h),
		avail:    make([]float64, h),
		need:     make([]float64, h),
		wwF:      make([]float64, h+1),
		wwR:      make([]float64, h),
		wwChoice: make([]int32, h+1),
		segEnd:   make([]int32, h),
		plan: &Plan{
			ordQty:   make([]float64, 0, ordersHint),
			ordRel:   make([]int32, 0, ordersHint),
			ordDue:   make([]int32, 0, ordersHint),
			ordItem:  make([]int32, 0, ordersHint),
			model:    m,
			ordStart: make([]int32, n),
			ordEnd:   make([]int32, n),
			excStart: make([]int32, n),
			excEnd:   make([]int32, n),
		},
	}
}

// Plan runs a regenerative plan: every item, level by level.
func (m *Model) Plan() *Plan {
	// Most items end up with a handful of orders; guessing avoids several
	// slice doublings of the largest buffer.
	p := newPlanner(m, len(m.ids)*min(m.h, 32))
	for _, i := range m.order {
		p.planItem(i)
	}
	return p.plan
}

// Run is Compile followed by Plan.
func Run(in Input) (*Plan, error) {
	m, err := Compile(in)
	if err != nil {
		return nil, err
	}
	return m.Plan(), nil
}

// grossOf fills g with item i's gross requirements: independent demand plus
// the dependent demand pulled from the parents' orders, in where-used order,
// so every run sums the same terms in the same order.
func grossOf(m *Model, pl *Plan, i int32, g []float64) {
	clear(g)
	for k := m.demStart[i]; k < m.demStart[i+1]; k++ {
		g[m.demBucket[k]] += m.demQty[k]
	}
	for k := m.parStart[i]; k < m.parStart[i+1]; k++ {
		par, f := m.parItem[k], m.parFactor[k]
		from, to := pl.ordStart[par], pl.ordEnd[par]
		rb, rq := pl.ordRel[from:to], pl.ordQty[from:to]
		for k := range rb {
			g[rb[k]] += rq[k] * f
		}
	}
}

func (p *planner) planItem(i int32) {
	m := p.m
	pl := p.plan
	h := m.h
	it := &m.items[i]
	g := p.gross[:h]
	grossOf(m, pl, i, g)

	// Projected balance with firm supply only, and the cumulative planned
	// receipts needed to keep it at or above safety stock (a running max, so
	// the safety stock floor is applied once).
	avail, need := p.avail[:h], p.need[:h]
	srK, srEnd := m.srStart[i], m.srStart[i+1]
	fK, fEnd := m.firmStart[i], m.firmStart[i+1]
	a, ss, req := it.onHand, it.ss, 0.0
	scrapDiv := 1 + it.scrap
	for t := 0; t < h; t++ {
		for srK < srEnd && int(m.srBucket[srK]) == t {
			a += m.srQty[srK]
			srK++
		}
		for fK < fEnd && int(m.firmDue[fK]) == t {
			a += receiptOf(m.firmQty[fK], it.scrap, scrapDiv)
			fK++
		}
		a -= g[t]
		avail[t] = a
		if v := ss - a; v > req {
			req = v
		}
		need[t] = req
	}

	pl.ordStart[i] = int32(len(pl.ordQty))
	pl.excStart[i] = int32(len(pl.Exceptions))
	start := min(int(it.ptf), h)
	if it.policy == WagnerWhitin && start < h && need[h-1] > Tolerance {
		p.wagnerWhitin(start, it.s, it.h)
	}
	cum := 0.0
	fK = m.firmStart[i]
	belowAt := -1 // index in Exceptions of the open below-safety-stock run
	for t := 0; t < h; t++ {
		for fK < fEnd && int(m.firmDue[fK]) == t {
			p.emitFirm(i, it, fK)
			fK++
		}
		if t >= start {
			if short := need[t] - cum; short > Tolerance {
				cum += p.emit(i, it, t, p.lotSize(it, t, short, cum), scrapDiv)
			}
		}
		if short := ss - (avail[t] + cum); short > Tolerance {
			if belowAt < 0 {
				belowAt = len(pl.Exceptions)
				pl.Exceptions = append(pl.Exceptions, Exception{Kind: ExceptionBelowSafetyStock, Item: i, Bucket: int32(t), ToBucket: -1, Quantity: short, Order: -1, Receipt: -1})
			} else if short > pl.Exceptions[belowAt].Quantity {
				pl.Exceptions[belowAt].Quantity = short
			}
		} else {
			belowAt = -1
		}
	}
	pl.ordEnd[i] = int32(len(pl.ordQty))
	if m.srStart[i] < srEnd || m.firmStart[i] < fEnd {
		p.supplyMessages(i, it, g)
	}
	pl.excEnd[i] = int32(len(pl.Exceptions))
}

// receiptOf converts an order quantity into the good quantity received.
// Scrap-free items skip the division so their quantities stay exact.
func receiptOf(q, scrap, div float64) float64 {
	if scrap == 0 {
		return q
	}
	return q / div
}

// lotSize returns the good quantity to receive in bucket t, given the
// shortfall at t and cum planned receipts so far; multi-period rules cover
// the net requirements of buckets t..k, which is need[k]-cum.
func (p *planner) lotSize(it *itemParams, t int, short, cum float64) float64 {
	switch it.policy {
	case FixedOrderQuantity:
		return ceilTol(short/it.foq) * it.foq
	case EOQ:
		return max(it.eoq, short)
	case PeriodOrderQuantity:
		k := min(t+int(it.periods)-1, p.m.h-1)
		return p.need[k] - cum
	case WagnerWhitin:
		return p.need[p.segEnd[t]] - cum
	case SilverMeal:
		return p.need[p.silverMeal(t, it.s, it.h)] - cum
	default: // LotForLot
		return short
	}
}

// ceilTol rounds up, ignoring a relative excess of 1e-9 so that 3.0000000001
// lots (float noise) count as 3.
func ceilTol(x float64) float64 {
	return math.Ceil(x - 1e-9*max(1, math.Abs(x)))
}

// emit turns a good quantity due in bucket t into one or more orders after
// scrap and order modifiers, and returns the good quantity received.
func (p *planner) emit(i int32, it *itemParams, t int, good, scrapDiv float64) float64 {
	q := good
	if it.scrap != 0 {
		q *= scrapDiv
	}
	q = p.modify(it, q)
	total := 0.0
	if it.effMax > 0 && q > it.effMax+Tolerance {
		n := int(ceilTol(q / it.effMax))
		for k := 0; k < n-1; k++ {
			total += p.appendOrder(i, it, t, it.effMax, scrapDiv)
		}
		q = p.modify(it, q-float64(n-1)*it.effMax)
	}
	return total + p.appendOrder(i, it, t, q, scrapDiv)
}

// modify applies minimum and multiple to an order quantity.
func (p *planner) modify(it *itemParams, q float64) float64 {
	if q < it.min {
		q = it.min
	}
	if it.mult > 0 {
		q = ceilTol(q/it.mult) * it.mult
	}
	return q
}

func (p *planner) appendOrder(i int32, it *itemParams, t int, q, scrapDiv float64) float64 {
	pl := p.plan
	rel := t - int(it.lt)
	if rel < 0 {
		pl.Exceptions = append(pl.Exceptions, Exception{Kind: ExceptionReleasePastDue, Item: i, Bucket: int32(rel), ToBucket: -1, Quantity: q, Order: int32(len(pl.ordQty)), Receipt: -1})
		rel = 0
	}
	pl.addOrder(i, int32(rel), int32(t), q)
	return receiptOf(q, it.scrap, scrapDiv)
}

func (p *planner) emitFirm(i int32, it *itemParams, k int32) {
	m, pl := p.m, p.plan
	rel, due, q := m.firmRelease[k], m.firmDue[k], m.firmQty[k]
	o := int32(len(pl.ordQty))
	if due-rel < it.lt {
		pl.Exceptions = append(pl.Exceptions, Exception{Kind: ExceptionLeadTimeViolation, Item: i, Bucket: rel, ToBucket: -1, Quantity: q, Order: o, Receipt: -1})
	}
	pl.firmOrd = append(pl.firmOrd, o)
	pl.firmSrc = append(pl.firmSrc, m.firmIdx[k])
	pl.addOrder(i, rel, due, q)
}

func (pl *Plan) addOrder(i, rel, due int32, q float64) {
	pl.ordQty = append(pl.ordQty, q)
	pl.ordRel = append(pl.ordRel, rel)
	pl.ordDue = append(pl.ordDue, due)
	pl.ordItem = append(pl.ordItem, i)
}

// supplyMessages compares each scheduled receipt and firmed order with its
// need date: the first bucket where on-hand plus the firm supply due before
// it (in due order) no longer keeps projected on-hand at safety stock.
func (p *planner) supplyMessages(i int32, it *itemParams, g []float64) {
	m, pl := p.m, p.plan
	h := m.h
	srK, srEnd := m.srStart[i], m.srStart[i+1]
	fK, fEnd := m.firmStart[i], m.firmStart[i+1]
	// this item's firmed orders are the last ones appended, in firm order
	firmOrder := len(pl.firmOrd) - int(fEnd-fK)
	scrapDiv := 1 + it.scrap
	// req(t) = ss + cumulative gross(t) - on-hand: firm supply needed by end of t.
	t, cumG := 0, g[0]
	have := 0.0
	for srK < srEnd || fK < fEnd {
		var due int32
		var qty float64
		isSR := srK < srEnd && (fK >= fEnd || m.srBucket[srK] <= m.firmDue[fK])
		if isSR {
			due, qty = m.srBucket[srK], m.srQty[srK]
		} else {
			due, qty = m.firmDue[fK], receiptOf(m.firmQty[fK], it.scrap, scrapDiv)
		}
		for t < h && it.ss+cumG-it.onHand <= have+Tolerance {
			t++
			if t < h {
				cumG += g[t]
			}
		}
		e := Exception{Item: i, Bucket: due, ToBucket: -1, Quantity: qty, Order: -1, Receipt: -1}
		report := true
		switch {
		case t >= h:
			e.Kind = ExceptionCancel
		case int32(t) < due:
			e.Kind, e.ToBucket = ExceptionExpedite, int32(t)
		case int32(t) > due:
			e.Kind, e.ToBucket = ExceptionDefer, int32(t)
		default:
			report = false // needed exactly when due
		}
		if isSR {
			e.Receipt = m.srIdx[srK]
			srK++
		} else {
			e.Order = pl.firmOrd[firmOrder]
			firmOrder++
			fK++
		}
		if report {
			pl.Exceptions = append(pl.Exceptions, e)
		}
		have += qty
	}
}
