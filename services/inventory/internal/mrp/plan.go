package mrp

import "math"

// Plan is the result of a run. Orders and Exceptions are grouped by item in
// planning order (low-level code, then index); within an item orders are by
// due bucket. A Plan is immutable: the storage layer reads it, Record and
// the pegging functions compute views of it on demand.
type Plan struct {
	// Orders holds every planned order, firmed ones included.
	Orders []PlannedOrder
	// Exceptions holds every exception message.
	Exceptions []Exception

	model *Model
	// relBucket and relQty mirror Orders[k].Release and .Quantity in a
	// compact layout: pulling parents' releases is the memory-bound part of a
	// run, and 12 bytes per order stream three times faster than 40.
	relBucket []int32
	relQty    []float64
	ordStart  []int32 // per item: Orders[ordStart[i]:ordEnd[i]]
	ordEnd    []int32
	excStart  []int32
	excEnd    []int32
	// replanned lists the items a net-change run planned (nil: all of them).
	replanned []int32
}

// Model returns the model the plan was computed from.
func (p *Plan) Model() *Model { return p.model }

// OrdersOf returns the orders of item i (a sub-slice of Orders, by due bucket).
func (p *Plan) OrdersOf(i int) []PlannedOrder { return p.Orders[p.ordStart[i]:p.ordEnd[i]] }

// OrderRange returns the half-open index range of item i's orders in Orders.
func (p *Plan) OrderRange(i int) (from, to int) { return int(p.ordStart[i]), int(p.ordEnd[i]) }

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
		wwChoice: make([]int32, h+1),
		segEnd:   make([]int32, h),
		plan: &Plan{
			Orders:    make([]PlannedOrder, 0, ordersHint),
			relBucket: make([]int32, 0, ordersHint),
			relQty:    make([]float64, 0, ordersHint),
			model:     m,
			ordStart:  make([]int32, n),
			ordEnd:    make([]int32, n),
			excStart:  make([]int32, n),
			excEnd:    make([]int32, n),
		},
	}
}

// Plan runs a regenerative plan: every item, level by level.
func (m *Model) Plan() *Plan {
	// Most items end up with a handful of orders; guessing avoids several
	// slice doublings of the largest buffer.
	p := newPlanner(m, len(m.ids)*30)
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
		rb, rq := pl.relBucket[from:to], pl.relQty[from:to]
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

	pl.ordStart[i] = int32(len(pl.Orders))
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
			p.emitFirm(i, it, fK, scrapDiv)
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
	pl.ordEnd[i] = int32(len(pl.Orders))
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
	o := PlannedOrder{Quantity: q, Receipt: receiptOf(q, it.scrap, scrapDiv), Item: i, Release: int32(rel), Due: int32(t), Firm: -1, Buy: it.buy}
	if rel < 0 {
		o.Release, o.PastDue = 0, true
		pl.Exceptions = append(pl.Exceptions, Exception{Kind: ExceptionReleasePastDue, Item: i, Bucket: int32(rel), ToBucket: -1, Quantity: q, Order: int32(len(pl.Orders)), Receipt: -1})
	}
	pl.addOrder(o)
	return o.Receipt
}

func (p *planner) emitFirm(i int32, it *itemParams, k int32, scrapDiv float64) {
	m, pl := p.m, p.plan
	q := m.firmQty[k]
	o := PlannedOrder{Quantity: q, Receipt: receiptOf(q, it.scrap, scrapDiv), Item: i, Release: m.firmRelease[k], Due: m.firmDue[k], Firm: m.firmIdx[k], Buy: it.buy}
	if o.Due-o.Release < it.lt {
		pl.Exceptions = append(pl.Exceptions, Exception{Kind: ExceptionLeadTimeViolation, Item: i, Bucket: o.Release, ToBucket: -1, Quantity: q, Order: int32(len(pl.Orders)), Receipt: -1})
	}
	pl.addOrder(o)
}

func (pl *Plan) addOrder(o PlannedOrder) {
	pl.Orders = append(pl.Orders, o)
	pl.relBucket = append(pl.relBucket, o.Release)
	pl.relQty = append(pl.relQty, o.Quantity)
}

// supplyMessages compares each scheduled receipt and firmed order with its
// need date: the first bucket where on-hand plus the firm supply due before
// it (in due order) no longer keeps projected on-hand at safety stock.
func (p *planner) supplyMessages(i int32, it *itemParams, g []float64) {
	m, pl := p.m, p.plan
	h := m.h
	srK, srEnd := m.srStart[i], m.srStart[i+1]
	fK, fEnd := m.firmStart[i], m.firmStart[i+1]
	firmOrder := pl.ordStart[i] // firmed orders sit in Orders in due order
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
			for pl.Orders[firmOrder].Firm != m.firmIdx[fK] {
				firmOrder++
			}
			e.Order = firmOrder
			firmOrder++
			fK++
		}
		if report {
			pl.Exceptions = append(pl.Exceptions, e)
		}
		have += qty
	}
}
