package mrp

import (
	"fmt"
	"slices"
)

// PlanNetChange re-plans only the items in changed and everything below
// them (their components, transitively, in this model's BOM and in the BOM
// of prev's model, so a component that lost a parent is re-planned too);
// every other item keeps prev's orders and exceptions. The result equals
// m.Plan() exactly, provided that changed lists every item whose own inputs
// differ between prev's model and m: item data, independent demand,
// scheduled receipts, firmed orders, or its where-used lines (a BOM line
// change may name either its parent or its component). ChangedItems
// computes that set.
//
// If the two models do not have the same items in the same order (an item
// was added, removed or moved) or prev is nil or has another horizon, it
// falls back to a regenerative run.
func (m *Model) PlanNetChange(prev *Plan, changed []ItemID) (*Plan, error) {
	if prev == nil || prev.model.h != m.h || !sameItems(prev.model, m) {
		return m.Plan(), nil
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
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, mm := range [2]*Model{m, old} {
			for k := mm.compStart[p]; k < mm.compStart[p+1]; k++ {
				if c := mm.compItem[k]; !affected[c] {
					affected[c] = true
					stack = append(stack, c)
				}
			}
		}
	}

	pl := newPlanner(m, prev.NumOrders())
	var replanned []int32
	for _, i := range m.order {
		if affected[i] {
			pl.planItem(i)
			replanned = append(replanned, i)
		} else {
			pl.copyItem(prev, i)
		}
	}
	pl.plan.replanned = replanned
	if replanned == nil {
		pl.plan.replanned = []int32{}
	}
	return pl.plan, nil
}

// copyItem carries an unaffected item's orders and exceptions over from the
// previous plan, re-basing order indices and mapping input indices of firmed
// orders and scheduled receipts through their ordinal within the item (the
// item's own inputs are unchanged, but other items' entries may have moved).
func (p *planner) copyItem(prev *Plan, i int32) {
	pl, m, old := p.plan, p.m, prev.model
	from, to := prev.ordStart[i], prev.ordEnd[i]
	base := int32(len(pl.ordQty))
	pl.ordStart[i] = base
	pl.ordQty = append(pl.ordQty, prev.ordQty[from:to]...)
	pl.ordRel = append(pl.ordRel, prev.ordRel[from:to]...)
	pl.ordDue = append(pl.ordDue, prev.ordDue[from:to]...)
	pl.ordItem = append(pl.ordItem, prev.ordItem[from:to]...)
	pl.ordEnd[i] = int32(len(pl.ordQty))
	if m.firmStart[i+1] > m.firmStart[i] {
		j, _ := slices.BinarySearch(prev.firmOrd, from)
		for ; j < len(prev.firmOrd) && prev.firmOrd[j] < to; j++ {
			pl.firmOrd = append(pl.firmOrd, prev.firmOrd[j]-from+base)
			pl.firmSrc = append(pl.firmSrc, m.firmIdx[m.firmStart[i]+old.firmLocal[prev.firmSrc[j]]])
		}
	}
	ebase := int32(len(pl.Exceptions))
	pl.excStart[i] = ebase
	pl.Exceptions = append(pl.Exceptions, prev.Exceptions[prev.excStart[i]:prev.excEnd[i]]...)
	for k := ebase; k < int32(len(pl.Exceptions)); k++ {
		e := &pl.Exceptions[k]
		if e.Order >= 0 {
			e.Order += base - from
		}
		if e.Receipt >= 0 {
			e.Receipt = m.srIdx[m.srStart[i]+old.srLocal[e.Receipt]]
		}
	}
	pl.excEnd[i] = int32(len(pl.Exceptions))
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
