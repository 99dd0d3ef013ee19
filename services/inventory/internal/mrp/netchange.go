package mrp

import (
	"cmp"
	"fmt"
	"slices"
)

// PlanNetChange re-plans only the items in changed and everything below
// them (their components, transitively, in this model's BOM and in the BOM
// of prev's model, so a component that lost a parent is re-planned too);
// every other item keeps prev's orders and exceptions. The result equals
// m.Plan() exactly (the same orders and exceptions per item, bit for bit;
// only order ids differ, see Plan), provided that changed lists every item whose own inputs
// differ between prev's model and m: item data, independent demand,
// scheduled receipts, firmed orders, or its where-used lines (a BOM line
// change may name either its parent or its component). ChangedItems
// computes that set.
//
// The new plan shares prev's order and exception storage: the first
// net-change run from a plan appends its re-planned orders after prev's in
// place (prev never reads past its own length); a second one from the same
// plan copies the storage first. Carried-over orders keep their ids. When
// dead (superseded) orders outnumber live ones, the run is regenerative,
// which compacts the storage. The cost of a net change is therefore the
// re-planned items plus copying four int32 per item, not the whole plan.
//
// If the two models do not have the same items in the same order (an item
// was added, removed or moved) or prev is nil or has another horizon, it
// falls back to a regenerative run.
func (m *Model) PlanNetChange(prev *Plan, changed []ItemID) (*Plan, error) {
	if prev == nil || prev.model.h != m.h || !sameItems(prev.model, m) {
		return m.Plan()
	}
	old := prev.model
	n := len(m.ids)
	affected := make([]bool, n)
	stack := make([]int32, 0, len(changed))
	for k, id := range changed {
		i, ok := m.index[id]
		if !ok {
			return nil, ValidationErrors{{Field: fmt.Sprintf("changed[%d]", k), Item: id, Err: ErrUnknownItem, Detail: "no such item"}}
		}
		if !affected[i] {
			affected[i] = true
			stack = append(stack, i)
		}
	}
	var items []int32
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		items = append(items, p)
		for _, mm := range [2]*Model{m, old} {
			for k := mm.compStart[p]; k < mm.compStart[p+1]; k++ {
				if c := mm.compItem[k]; !affected[c] {
					affected[c] = true
					stack = append(stack, c)
				}
			}
		}
	}
	// Parents before components: this model's planning order.
	slices.SortFunc(items, func(a, b int32) int { return cmp.Compare(m.pos[a], m.pos[b]) })

	// Dead orders of re-planned items stay in the arena; once they outweigh
	// the live ones a regenerative run (same result) compacts it.
	dead := len(prev.ords) - prev.live
	for _, i := range items {
		dead += int(prev.ordEnd[i] - prev.ordStart[i])
	}
	if dead > prev.live+1024 {
		return m.Plan()
	}

	np := &Plan{
		model:    m,
		ordStart: slices.Clone(prev.ordStart),
		ordEnd:   slices.Clone(prev.ordEnd),
		excStart: slices.Clone(prev.excStart),
		excEnd:   slices.Clone(prev.excEnd),
		live:     prev.live,
		liveExc:  prev.liveExc,
		// Firmed orders are few: copied. Ids given out below are larger
		// than all previous ones, so the list stays sorted.
		firmOrd:   slices.Clone(prev.firmOrd),
		firmLocal: slices.Clone(prev.firmLocal),
	}
	if prev.claimed.CompareAndSwap(false, true) {
		// Extend the previous arenas in place: prev only ever reads below
		// its own lengths, so appending beyond them is invisible to it.
		np.ords, np.exc = prev.ords, prev.exc
	} else {
		np.ords = append(make([]orderRec, 0, len(prev.ords)+len(prev.ords)/4+1024), prev.ords...)
		np.exc = append(make([]Exception, 0, len(prev.exc)+len(prev.exc)/4+64), prev.exc...)
	}
	pl := &planner{m: m, plan: np}
	pl.scratch(m.h)
	for _, i := range items {
		np.live -= int(np.ordEnd[i] - np.ordStart[i])
		np.liveExc -= int(np.excEnd[i] - np.excStart[i])
		if err := pl.planItem(i); err != nil {
			return nil, err
		}
	}
	np.replanned = items
	if items == nil {
		np.replanned = []int32{}
	}
	return np, nil
}

func sameItems(a, b *Model) bool {
	if len(a.ids) != len(b.ids) {
		return false
	}
	for i := range a.ids {
		if a.ids[i] != b.ids[i] {
			return false
		}
	}
	return true
}

// ChangedItems lists the items whose planning inputs differ between old and
// new (item data, independent demand, scheduled receipts, firmed orders or
// where-used lines), in index order: the set PlanNetChange needs. ok is false
// when the item lists differ, in which case only a regenerative run is exact.
// Refs are ignored: they do not change the plan.
func ChangedItems(old, new *Model) (changed []ItemID, ok bool) {
	if old.h != new.h || !sameItems(old, new) {
		return nil, false
	}
	for i := range new.ids {
		if !sameItem(old, new, int32(i)) {
			changed = append(changed, new.ids[i])
		}
	}
	return changed, true
}

func sameItem(a, b *Model, i int32) bool {
	if a.items[i] != b.items[i] {
		return false
	}
	return sameRange(a.parStart, b.parStart, i, a.parItem, b.parItem) &&
		sameRange(a.parStart, b.parStart, i, a.parFactor, b.parFactor) &&
		sameRange(a.demStart, b.demStart, i, a.demBucket, b.demBucket) &&
		sameRange(a.demStart, b.demStart, i, a.demQty, b.demQty) &&
		sameRange(a.srStart, b.srStart, i, a.srBucket, b.srBucket) &&
		sameRange(a.srStart, b.srStart, i, a.srQty, b.srQty) &&
		sameRange(a.firmStart, b.firmStart, i, a.firmDue, b.firmDue) &&
		sameRange(a.firmStart, b.firmStart, i, a.firmRelease, b.firmRelease) &&
		sameRange(a.firmStart, b.firmStart, i, a.firmQty, b.firmQty)
}

func sameRange[T comparable](sa, sb []int32, i int32, va, vb []T) bool {
	x, y := va[sa[i]:sa[i+1]], vb[sb[i]:sb[i+1]]
	if len(x) != len(y) {
		return false
	}
	for k := range x {
		if x[k] != y[k] {
			return false
		}
	}
	return true
}
