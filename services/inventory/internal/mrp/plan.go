package mrp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
)

// MaxOrdersPerItem caps the planned orders one item may get in one run. Splitting a lot
// into orders of at most Maximum costs one order per Maximum, so a maximum far below the
// demand would mean millions or billions of orders (memory, storage, and order ids pack
// an item's order position in 24 bits). An item that needs more than this is a
// configuration error (its maximum, or multiple, is far too small): the run fails with a
// *TooManyOrdersError before allocating them. Firmed orders are not counted. Legitimate
// plans stay far below: one order per bucket without a maximum is at most MaxBuckets.
const MaxOrdersPerItem = 10_000

// ErrTooManyOrders: an item would get more than MaxOrdersPerItem planned orders. The
// concrete error is *TooManyOrdersError.
var ErrTooManyOrders = errors.New("mrp: too many planned orders")

// TooManyOrdersError names the item that would exceed MaxOrdersPerItem.
type TooManyOrdersError struct {
	Item ItemID
	// Bucket is the due bucket of the lot that broke the cap, Quantity that lot's order
	// quantity and Maximum the order maximum it is split by (rounded down to the
	// multiple; 0 when the item has no maximum).
	Bucket   int
	Quantity float64
	Maximum  float64
	// Orders is the number of planned orders the item would have had by then (at least).
	Orders float64
	Limit  int
}

// Error describes the item, the numbers and the remedy.
func (e *TooManyOrdersError) Error() string {
	if e.Maximum > 0 {
		return fmt.Sprintf("mrp: item %q would need at least %.0f planned orders (an order quantity of %g split into orders of at most %g), more than the limit of %d per item; raise its maximum (or multiple)",
			string(e.Item), e.Orders, e.Quantity, e.Maximum, e.Limit)
	}
	return fmt.Sprintf("mrp: item %q would need more than %d planned orders", string(e.Item), e.Limit)
}

// Is makes errors.Is(err, ErrTooManyOrders) true.
func (e *TooManyOrdersError) Is(target error) bool { return target == ErrTooManyOrders }

// Plan is the result of a run. It is immutable: the storage layer reads it,
// and Record and the pegging functions compute views of it on demand.
//
// Orders are identified by an order id (Order, OrderRange, Exception.Order,
// Peg.Order). Ids are dense, in planning order, for a regenerative plan; a
// net-change plan keeps the ids of every order it carried over and gives
// new ids to re-planned items' orders, so ids are then not dense: iterate
// items with OrderRange (or use AllOrders), not 0..NumOrders.
//
// Orders are stored as compact 16-byte records in an append-only arena.
// Writing millions of orders and pulling parents' releases are memory-bound,
// so bytes per order are run time; and a net-change run appends its
// re-planned orders to the arena of the plan it starts from instead of
// copying it, which keeps it proportional to what changed.
type Plan struct {
	model *Model
	ords  []orderRec  // arena: orders by id
	exc   []Exception // arena; Receipt holds the item-local ordinal
	// firmed orders are few: their ids (ascending) and item-local ordinals
	// among the item's firm orders.
	firmOrd   []int32
	firmLocal []int32

	ordStart []int32 // per item: order ids ordStart[i]..ordEnd[i]-1
	ordEnd   []int32
	excStart []int32
	excEnd   []int32
	live     int // orders reachable from items (the arena may hold dead ones)
	liveExc  int
	// claimed is set by the first net-change run that extends this plan's
	// arenas in place; any other must copy them.
	claimed atomic.Bool
	// replanned lists the items a net-change run planned (nil: all of them).
	replanned []int32
}

// Model returns the model the plan was computed from.
func (p *Plan) Model() *Model { return p.model }

// NumOrders is the number of orders, firmed ones included.
func (p *Plan) NumOrders() int { return p.live }

// Order returns the order with id k.
func (p *Plan) Order(k int) PlannedOrder {
	r := &p.ords[k]
	m := p.model
	it := &m.items[r.item]
	o := PlannedOrder{Quantity: r.qty, Receipt: receiptOf(r.qty, it.scrap, 1+it.scrap), Item: r.item,
		Release: int32(r.rel), Due: int32(r.due), Firm: -1, Buy: it.buy}
	if j, ok := slices.BinarySearch(p.firmOrd, int32(k)); ok {
		o.Firm = m.firmIdx[m.firmStart[r.item]+p.firmLocal[j]]
	} else {
		o.PastDue = o.Due-it.lt < 0
	}
	return o
}

// AllOrders materialises every order, grouped by item in planning order
// (convenient for tests and small plans; the storage layer should iterate
// items with OrderRange and Order to avoid the copy).
func (p *Plan) AllOrders() []PlannedOrder {
	out := make([]PlannedOrder, 0, p.live)
	for _, i := range p.model.order {
		for k := p.ordStart[i]; k < p.ordEnd[i]; k++ {
			out = append(out, p.Order(int(k)))
		}
	}
	return out
}

// OrderRange returns the half-open range of item i's order ids, by due bucket.
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

// NumExceptions is the number of exception messages.
func (p *Plan) NumExceptions() int { return p.liveExc }

// Exceptions returns every exception message, grouped by item in planning
// order.
func (p *Plan) Exceptions() []Exception {
	out := make([]Exception, 0, p.liveExc)
	for _, i := range p.model.order {
		out = p.appendExceptions(out, i)
	}
	return out
}

// ExceptionsOf returns the exception messages of item i.
func (p *Plan) ExceptionsOf(i int) []Exception { return p.appendExceptions(nil, int32(i)) }

func (p *Plan) appendExceptions(out []Exception, i int32) []Exception {
	m := p.model
	for _, e := range p.exc[p.excStart[i]:p.excEnd[i]] {
		if e.Receipt >= 0 {
			e.Receipt = m.srIdx[m.srStart[i]+e.Receipt]
		}
		out = append(out, e)
	}
	return out
}

// Replanned returns the dense indices a net-change run re-planned, in
// planning order, so the storage layer writes only what changed (every
// other item's orders, ids included, and exceptions are as in the previous
// plan). It is nil when the run was regenerative, including a net-change
// call that fell back to one: then everything must be rewritten.
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
	sink     float64 // see touch
	// planned counts the current item's planned (not firmed) orders; err is set (and
	// planning stops) when they would exceed MaxOrdersPerItem.
	planned int
	err     error
}

func newPlanner(m *Model, ordersHint int) *planner {
	n := len(m.ids)
	p := &planner{
		m: m,
		plan: &Plan{
			ords:     make([]orderRec, 0, ordersHint),
			model:    m,
			ordStart: make([]int32, n),
			ordEnd:   make([]int32, n),
			excStart: make([]int32, n),
			excEnd:   make([]int32, n),
		},
	}
	p.scratch(m.h)
	return p
}

func (p *planner) scratch(h int) {
	p.gross = make([]float64, h)
	p.avail = make([]float64, h)
	p.need = make([]float64, h)
	p.wwF = make([]float64, h+1)
	p.wwR = make([]float64, h)
	p.wwChoice = make([]int32, h+1)
	p.segEnd = make([]int32, h)
}

// Plan runs a regenerative plan: every item, level by level. It fails with a
// *TooManyOrdersError when an item would get more than MaxOrdersPerItem planned orders.
func (m *Model) Plan() (*Plan, error) {
	// Room for up to 32 orders per item: growing the largest buffer would
	// copy it several times, untouched capacity costs only address space,
	// and the slack lets later net-change runs extend the arena in place.
	p := newPlanner(m, len(m.ids)*min(m.h, 32))
	order := m.order
	for k, i := range order {
		if k+2 < len(order) {
			p.touch(order[k+2])
		}
		if err := p.planItem(i); err != nil {
			return nil, err
		}
	}
	return p.plan, nil
}

// Run is Compile followed by Plan.
func Run(in Input) (*Plan, error) {
	m, err := Compile(in)
	if err != nil {
		return nil, err
	}
	return m.Plan()
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
		for _, o := range pl.ords[from:to] {
			g[o.rel] += o.qty * f
		}
	}
}

// touch loads the first order record of each parent of item j a couple of
// items ahead of planning it. Go has no prefetch instruction; an early load
// whose value is only folded into a sink lets the CPU overlap those cache
// (and TLB) misses with the current item's work, which is what keeps a
// 1M-item plan, whose orders do not fit in any cache, close to linear.
func (p *planner) touch(j int32) {
	m, pl := p.m, p.plan
	for k := m.parStart[j]; k < m.parStart[j+1]; k++ {
		if s := pl.ordStart[m.parItem[k]]; int(s) < len(pl.ords) {
			p.sink += pl.ords[s].qty
		}
	}
}

func (p *planner) planItem(i int32) error {
	m := p.m
	p.planned = 0
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

	pl.ordStart[i] = int32(len(pl.ords))
	pl.excStart[i] = int32(len(pl.exc))
	start := min(int(it.ptf), h)
	if it.policy == WagnerWhitin && start < h && need[h-1] > Tolerance {
		p.wagnerWhitin(start, it.s, it.h)
	}
	cum := 0.0
	fK = m.firmStart[i]
	belowAt := -1 // index in exc of the open below-safety-stock run
	for t := 0; t < h; t++ {
		for fK < fEnd && int(m.firmDue[fK]) == t {
			p.emitFirm(i, it, fK)
			fK++
		}
		if t >= start {
			if short := need[t] - cum; short > Tolerance {
				cum += p.emit(i, it, t, p.lotSize(it, t, short, cum), scrapDiv)
				if p.err != nil {
					return p.err
				}
			}
		}
		if short := ss - (avail[t] + cum); short > Tolerance {
			if belowAt < 0 {
				belowAt = len(pl.exc)
				pl.exc = append(pl.exc, Exception{Kind: ExceptionBelowSafetyStock, Item: i, Bucket: int32(t), ToBucket: -1, Quantity: short, Order: -1, Receipt: -1})
			} else if short > pl.exc[belowAt].Quantity {
				pl.exc[belowAt].Quantity = short
			}
		} else {
			belowAt = -1
		}
	}
	pl.ordEnd[i] = int32(len(pl.ords))
	if m.srStart[i] < srEnd || m.firmStart[i] < fEnd {
		p.supplyMessages(i, it, g)
	}
	pl.excEnd[i] = int32(len(pl.exc))
	pl.live += int(pl.ordEnd[i] - pl.ordStart[i])
	pl.liveExc += int(pl.excEnd[i] - pl.excStart[i])
	return nil
}

// orderRec is the stored form of an order. Buckets fit in int16 because
// MaxBuckets does; receipt, make/buy and past-due are derived from the item.
type orderRec struct {
	qty      float64
	rel, due int16
	item     int32
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
	// Count the orders before making them: ceil(q/effMax) of them, or one.
	n := 1.0
	if it.effMax > 0 && q > it.effMax+Tolerance {
		n = math.Ceil((q - Tolerance) / it.effMax)
	}
	if float64(p.planned)+n > MaxOrdersPerItem {
		p.err = &TooManyOrdersError{Item: p.m.ids[i], Bucket: t, Quantity: q, Maximum: it.effMax, Orders: float64(p.planned) + n, Limit: MaxOrdersPerItem}
		return good
	}
	p.planned += int(n)
	total := 0.0
	if it.effMax > 0 && q > it.effMax+Tolerance {
		for q > it.effMax+Tolerance {
			total += p.appendOrder(i, it, t, it.effMax, scrapDiv)
			q -= it.effMax
		}
		if q <= Tolerance { // float residue of an exact multiple of the maximum
			return total
		}
		// effMax is a multiple of Multiple and >= Minimum, so capping only
		// removes float residue that modify could round up a whole multiple.
		q = min(p.modify(it, q), it.effMax)
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
		pl.exc = append(pl.exc, Exception{Kind: ExceptionReleasePastDue, Item: i, Bucket: int32(rel), ToBucket: -1, Quantity: q, Order: int32(len(pl.ords)), Receipt: -1})
		rel = 0
	}
	pl.addOrder(i, int32(rel), int32(t), q)
	return receiptOf(q, it.scrap, scrapDiv)
}

func (p *planner) emitFirm(i int32, it *itemParams, k int32) {
	m, pl := p.m, p.plan
	rel, due, q := m.firmRelease[k], m.firmDue[k], m.firmQty[k]
	o := int32(len(pl.ords))
	if due-rel < it.lt {
		pl.exc = append(pl.exc, Exception{Kind: ExceptionLeadTimeViolation, Item: i, Bucket: rel, ToBucket: -1, Quantity: q, Order: o, Receipt: -1})
	}
	pl.firmOrd = append(pl.firmOrd, o)
	pl.firmLocal = append(pl.firmLocal, k-m.firmStart[i])
	pl.addOrder(i, rel, due, q)
}

func (pl *Plan) addOrder(i, rel, due int32, q float64) {
	pl.ords = append(pl.ords, orderRec{qty: q, rel: int16(rel), due: int16(due), item: i})
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
			e.Receipt = srK - m.srStart[i] // item-local; Exceptions translates
			srK++
		} else {
			e.Order = pl.firmOrd[firmOrder]
			firmOrder++
			fK++
		}
		if report {
			pl.exc = append(pl.exc, e)
		}
		have += qty
	}
}
