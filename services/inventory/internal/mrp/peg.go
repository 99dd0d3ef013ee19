package mrp

import (
	"cmp"
	"slices"
)

// PegKind says what a peg points at.
type PegKind uint8

const (
	// PegDemand: an independent demand (Peg.Demand is its index in Input.Demand).
	PegDemand PegKind = iota
	// PegSafetyStock: Peg.Item's safety stock.
	PegSafetyStock
	// PegExcess: stock left after Peg.Item's demands over the horizon
	// (lot-size rounding, order modifiers, minimums).
	PegExcess
)

// String returns the snake_case kind used by the API.
func (k PegKind) String() string {
	switch k {
	case PegDemand:
		return "demand"
	case PegSafetyStock:
		return "safety_stock"
	case PegExcess:
		return "excess"
	}
	return "unknown"
}

// Peg says that Quantity units of order Order's receipt serve a target: an
// independent demand, or the safety stock or excess of an item (which may be
// an ancestor: a component order feeding a parent's lot-size excess is
// pegged to that parent's excess). The pegs of one order add up to its
// receipt quantity.
type Peg struct {
	Order int32 // order id (Plan.Order)
	Kind  PegKind
	// Demand is the index in Input.Demand for PegDemand, -1 otherwise.
	Demand int32
	// Item is the item of the demand, safety stock or excess.
	Item     int32
	Quantity float64
}

// pegger resolves pegs item by item in planning order, so a parent's orders
// are resolved before the component orders that serve them.
type pegger struct {
	p   *Plan
	get func(o int32) []Peg
	set func(o int32, pegs []Peg)

	// scratch, reused per item
	elems []pegElem
	links []pegLink
	acc   []Peg
	// slot finds the accumulated peg of a target in O(1): slot[key] is
	// valid when stamp[key] == the current order's stamp. Keys: demand
	// index, then nDemand + item for safety stock, nDemand + n + item for
	// excess.
	slot  []int32
	stamp []uint32
	cur   uint32
}

// pegElem is one demand element of an item.
type pegElem struct {
	bucket int32
	kind   PegKind // PegDemand (independent or dependent) or PegSafetyStock
	parent int32   // parent order index for dependent demand, -1 otherwise
	demand int32   // Input.Demand index for independent demand
	qty    float64
	// Pieces of one element are resolved in increasing offset order, so a
	// cursor into the parent's pegs (index, quantity before it) makes
	// resolving an element linear instead of quadratic.
	cur    int32
	curCum float64
}

// pegLink is a piece of an order allocated to a piece of a demand element.
type pegLink struct {
	order  int32
	elem   int32
	offset float64 // where in the element the piece starts
	qty    float64
}

// Pegging returns the pegs of every order, grouped by order in the order of
// AllOrders. Full pegging can be large (a low-level component may serve
// thousands of end demands); prefer PegOrder for a single order.
func (p *Plan) Pegging() []Peg {
	res := make([][]Peg, len(p.ords))
	pg := &pegger{p: p, get: func(o int32) []Peg { return res[o] }, set: func(o int32, pegs []Peg) { res[o] = pegs }}
	for _, i := range p.model.order {
		pg.item(i)
	}
	n := 0
	for _, r := range res {
		n += len(r)
	}
	out := make([]Peg, 0, n)
	for _, i := range p.model.order {
		for o := p.ordStart[i]; o < p.ordEnd[i]; o++ {
			out = append(out, res[o]...)
		}
	}
	return out
}

// PegOrder returns the pegs of order o (Plan.Order(o)). It resolves only
// the items above the order's item (its where-used closure).
func (p *Plan) PegOrder(o int) []Peg {
	m := p.model
	item := p.ords[o].item
	// Upward closure.
	up := map[int32]bool{item: true}
	stack := []int32{item}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for k := m.parStart[c]; k < m.parStart[c+1]; k++ {
			if par := m.parItem[k]; !up[par] {
				up[par] = true
				stack = append(stack, par)
			}
		}
	}
	items := make([]int32, 0, len(up))
	for i := range up {
		items = append(items, i)
	}
	slices.SortFunc(items, func(a, b int32) int {
		return cmp.Or(cmp.Compare(m.llc[a], m.llc[b]), cmp.Compare(a, b))
	})
	res := map[int32][]Peg{}
	pg := &pegger{p: p, get: func(o int32) []Peg { return res[o] }, set: func(o int32, pegs []Peg) { res[o] = pegs }}
	for _, i := range items {
		pg.item(i)
	}
	return res[int32(o)]
}

// item allocates item c's supply to its demand first-in-first-out and stores
// the resolved pegs of each of its orders.
func (pg *pegger) item(c int32) {
	p, m := pg.p, pg.p.model
	els := pg.elems[:0]
	if ss := m.items[c].ss; ss > 0 {
		els = append(els, pegElem{bucket: -1, kind: PegSafetyStock, parent: -1, demand: -1, qty: ss})
	}
	for k := m.demStart[c]; k < m.demStart[c+1]; k++ {
		els = append(els, pegElem{bucket: m.demBucket[k], kind: PegDemand, parent: -1, demand: m.demIdx[k], qty: m.demQty[k]})
	}
	for k := m.parStart[c]; k < m.parStart[c+1]; k++ {
		par, f := m.parItem[k], m.parFactor[k]
		from, to := p.ordStart[par], p.ordEnd[par]
		for o := from; o < to; o++ {
			els = append(els, pegElem{bucket: int32(p.ords[o].rel), kind: PegDemand, parent: o, demand: -1, qty: p.ords[o].qty * f})
		}
	}
	slices.SortStableFunc(els, func(a, b pegElem) int { return cmp.Compare(a.bucket, b.bucket) })
	pg.elems = els

	links := pg.links[:0]
	e, used := 0, 0.0 // current element and how much of it is already served
	take := func(order int32, qty float64) float64 {
		for qty > Tolerance && e < len(els) {
			x := min(qty, els[e].qty-used)
			if order >= 0 && x > 0 {
				links = append(links, pegLink{order: order, elem: int32(e), offset: used, qty: x})
			}
			qty -= x
			used += x
			if els[e].qty-used <= Tolerance {
				e, used = e+1, 0
			}
		}
		return qty
	}
	take(-1, m.items[c].onHand)
	srK, srEnd := m.srStart[c], m.srStart[c+1]
	from, to := p.ordStart[c], p.ordEnd[c]
	excess := make([]float64, to-from)
	for o := from; o < to; o++ {
		for srK < srEnd && m.srBucket[srK] <= int32(p.ords[o].due) {
			take(-1, m.srQty[srK])
			srK++
		}
		excess[o-from] = take(o, p.receipt(o))
	}
	pg.links = links

	// Resolve links into pegs per order (links are grouped by order).
	for l := 0; l < len(links); {
		o := links[l].order
		pg.reset()
		for ; l < len(links) && links[l].order == o; l++ {
			pg.resolve(c, links[l])
		}
		pg.finish(o, c, excess[o-from])
	}
	for o := from; o < to; o++ { // orders that served nothing at all
		if pg.get(o) == nil {
			pg.reset()
			pg.finish(o, c, excess[o-from])
		}
	}
}

func (pg *pegger) reset() {
	pg.acc = pg.acc[:0]
	pg.cur++
}

// add accumulates a peg, merging pegs to the same target. Short lists are
// searched linearly; once an order has many targets (a low-level component
// serving thousands of end demands) an O(1) slot index takes over, so full
// pegging stays linear in its output.
func (pg *pegger) add(kind PegKind, demand, item int32, qty float64) {
	if qty <= 0 {
		return
	}
	if len(pg.acc) < 16 {
		for j := range pg.acc {
			if a := &pg.acc[j]; a.Kind == kind && a.Demand == demand && a.Item == item {
				a.Quantity += qty
				return
			}
		}
		pg.acc = append(pg.acc, Peg{Kind: kind, Demand: demand, Item: item, Quantity: qty})
		if len(pg.acc) == 16 {
			for j, a := range pg.acc { // switch to the index
				pg.setSlot(pg.key(a.Kind, a.Demand, a.Item), j)
			}
		}
		return
	}
	k := pg.key(kind, demand, item)
	if pg.stamp[k] == pg.cur {
		pg.acc[pg.slot[k]].Quantity += qty
		return
	}
	pg.setSlot(k, len(pg.acc))
	pg.acc = append(pg.acc, Peg{Kind: kind, Demand: demand, Item: item, Quantity: qty})
}

func (pg *pegger) key(kind PegKind, demand, item int32) int32 {
	m := pg.p.model
	switch kind {
	case PegDemand:
		return demand
	case PegSafetyStock:
		return int32(len(m.demIdx)) + item
	}
	return int32(len(m.demIdx)+len(m.ids)) + item
}

func (pg *pegger) setSlot(k int32, j int) {
	if pg.slot == nil {
		m := pg.p.model
		n := len(m.demIdx) + 2*len(m.ids)
		pg.slot, pg.stamp = make([]int32, n), make([]uint32, n)
	}
	pg.stamp[k], pg.slot[k] = pg.cur, int32(j)
}

// resolve maps one link onto targets. A dependent-demand element covers the
// fraction [offset, offset+qty)/total of its parent order; the parent's pegs,
// laid end to end, say which targets that fraction serves.
func (pg *pegger) resolve(c int32, l pegLink) {
	el := &pg.elems[l.elem]
	switch {
	case el.kind == PegSafetyStock:
		pg.add(PegSafetyStock, -1, c, l.qty)
	case el.parent < 0:
		pg.add(PegDemand, el.demand, c, l.qty)
	default:
		parent := pg.get(el.parent)
		recv := pg.p.receipt(el.parent)
		lo, hi := l.offset/el.qty, (l.offset+l.qty)/el.qty
		cum := el.curCum
		for j := int(el.cur); j < len(parent); j++ {
			pp := &parent[j]
			a, b := cum/recv, (cum+pp.Quantity)/recv
			if a >= hi {
				break
			}
			if b > lo {
				pg.add(pp.Kind, pp.Demand, pp.Item, (min(b, hi)-max(a, lo))*el.qty)
			}
			if b > hi {
				break // the rest of this peg belongs to the next piece
			}
			cum += pp.Quantity
			el.cur, el.curCum = int32(j+1), cum
		}
	}
}

func (pg *pegger) finish(o, c int32, excess float64) {
	if excess > Tolerance {
		pg.add(PegExcess, -1, c, excess)
	}
	out := make([]Peg, len(pg.acc))
	for j, a := range pg.acc {
		a.Order = o
		out[j] = a
	}
	pg.set(o, out)
}

// receipt is the good quantity of order o, computed exactly as the run did.
func (p *Plan) receipt(o int32) float64 {
	r := &p.ords[o]
	it := &p.model.items[r.item]
	return receiptOf(r.qty, it.scrap, 1+it.scrap)
}
