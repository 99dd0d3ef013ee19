package mrp

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Patch compiles in, the input m was compiled from with the inputs of the
// items in changed edited, reusing every part of m the edit leaves alone:
// the item index, the BOM adjacency and low-level codes, and the per-item
// demand and supply arrays. The result equals Compile(in) (the same Model,
// field by field) and, like Compile, it returns validation errors or a
// *CycleError and no Model for bad input. m is not modified; the new model
// shares m's slices and copies only those it changes (copy on write).
//
// changed has the meaning it has for PlanNetChange: it must list every item
// whose own inputs differ from those m was compiled from — item data,
// independent demand, scheduled receipts, firmed orders — and, for every BOM
// line added, removed or changed, its parent or its component. Patch trusts
// that list: records of items not listed are not read (that is what makes it
// cheap), so a change to an unlisted item that leaves every list's length and
// every listed item's records in place is not seen. ChangedItems computes
// the list from two models; the inventory service derives it from its change
// journal, whose completeness its own tests check. Items listed but
// unchanged cost a little time and nothing else. An unknown ItemID in
// changed is rejected.
//
// What Patch does, by case:
//
//   - other horizon, other item count, or an item ID changed or moved:
//     Compile(in);
//   - an item's data: that item is re-validated, the per-item parameter array
//     copied once and the item's entry replaced;
//   - demand, scheduled receipts, firmed orders: when a list keeps its length
//     and every record of a listed item is still where m found it (a quantity,
//     bucket or ref edit), only the listed items' records are re-read,
//     validated and re-sorted; otherwise (a record added or removed) that list
//     is rebuilt from in as Compile does, which reads it whole;
//   - BOM: when the BOM keeps its length and every line of a listed item (as
//     parent or as component) still joins the same two items at the same
//     position, only quantities per and scrap can have changed: those lines'
//     factors are updated in both adjacency arrays and the low-level codes are
//     kept (they depend on the edges only). Otherwise the BOM adjacency and
//     the low-level codes are rebuilt from in as Compile does.
//
// A rebuilt part is computed by the same code Compile runs, so it is exact
// whatever changed list was given; the trusted parts are those kept.
func (m *Model) Patch(in Input, changed []ItemID) (*Model, error) {
	if in.Buckets != m.h || len(in.Items) != len(m.ids) {
		return Compile(in)
	}
	for i := range in.Items {
		if in.Items[i].ID != m.ids[i] {
			return Compile(in)
		}
	}
	hint := make([]int32, 0, len(changed))
	for k, id := range changed {
		i, ok := m.index[id]
		if !ok {
			return nil, ValidationErrors{{Field: fmt.Sprintf("changed[%d]", k), Item: id, Err: ErrUnknownItem, Detail: "no such item"}}
		}
		hint = append(hint, i)
	}
	slices.Sort(hint)
	hint = slices.Compact(hint)
	listed := func(i int32) bool { _, ok := slices.BinarySearch(hint, i); return ok }

	nm := *m // shares every slice; replaced ones are copies
	var v validator
	h := m.h

	// Items.
	var items []itemParams
	for _, i := range hint {
		p := v.item(&in.Items[i], int(i))
		if p != m.items[i] {
			if items == nil {
				items = slices.Clone(m.items)
			}
			items[i] = p
		}
	}

	// BOM: aligned when every line of a listed item joins the same items at
	// the same position (only factors can differ).
	bomAligned := len(in.BOM) == len(m.compLine)
	for _, i := range hint {
		if !bomAligned {
			break
		}
		for k := m.compStart[i]; k < m.compStart[i+1] && bomAligned; k++ {
			l := &in.BOM[m.compLine[k]]
			bomAligned = l.Parent == m.ids[i] && l.Component == m.ids[m.compItem[k]]
		}
		for k := m.parStart[i]; k < m.parStart[i+1] && bomAligned; k++ {
			l := &in.BOM[m.parLine[k]]
			bomAligned = l.Parent == m.ids[m.parItem[k]] && l.Component == m.ids[i]
		}
	}
	type factorFix struct {
		comp, par int32 // positions in compFactor and parFactor
		f         float64
	}
	var fixes []factorFix
	var lineParent, lineComp []int32
	var lineFactor []float64
	if bomAligned {
		// Each line of a listed item once: as a parent's line, or as a
		// component's line whose parent is not listed.
		fix := func(q, comp, par int32) {
			if f := v.bomLine(int(q), &in.BOM[q]); math.Float64bits(f) != math.Float64bits(m.compFactor[comp]) {
				fixes = append(fixes, factorFix{comp, par, f})
			}
		}
		for _, i := range hint {
			for k := m.compStart[i]; k < m.compStart[i+1]; k++ {
				q, c := m.compLine[k], m.compItem[k]
				fix(q, k, linePos(m.parStart, m.parLine, c, q))
			}
			for k := m.parStart[i]; k < m.parStart[i+1]; k++ {
				if q, p := m.parLine[k], m.parItem[k]; !listed(p) {
					fix(q, linePos(m.compStart, m.compLine, p, q), k)
				}
			}
		}
	} else {
		r := resolver{v: &v, m: m, lastIdx: -1}
		lineParent, lineComp, lineFactor = r.bom(in.BOM)
	}

	// Demand and supply: aligned when each list keeps its length and every
	// record of a listed item is where m found it.
	demOK := len(in.Demand) == len(m.demIdx) && inPlace(m, hint, m.demStart, m.demIdx, func(q int32) ItemID { return in.Demand[q].Item })
	srOK := len(in.Receipts) == len(m.srIdx) && inPlace(m, hint, m.srStart, m.srIdx, func(q int32) ItemID { return in.Receipts[q].Item })
	firmOK := len(in.Firm) == len(m.firmIdx) && inPlace(m, hint, m.firmStart, m.firmIdx, func(q int32) ItemID { return in.Firm[q].Item })
	r := resolver{v: &v, m: m, lastIdx: -1}
	var demItem, srItem, firmItem []int32
	if demOK {
		forListed(m, hint, m.demStart, m.demIdx, func(q int32) { v.demand(int(q), &in.Demand[q], h) })
	} else {
		demItem = r.demand(in.Demand)
	}
	if srOK {
		forListed(m, hint, m.srStart, m.srIdx, func(q int32) { v.receipt(int(q), &in.Receipts[q], h) })
	} else {
		srItem = r.receipts(in.Receipts)
	}
	if firmOK {
		forListed(m, hint, m.firmStart, m.firmIdx, func(q int32) { v.firm(int(q), &in.Firm[q], h) })
	} else {
		firmItem = r.firm(in.Firm)
	}
	if len(v.errs) > 0 {
		return nil, v.errs
	}

	// Apply.
	if items != nil {
		nm.items = items
	}
	if bomAligned {
		if len(fixes) > 0 {
			nm.compFactor, nm.parFactor = slices.Clone(m.compFactor), slices.Clone(m.parFactor)
			for _, x := range fixes {
				nm.compFactor[x.comp], nm.parFactor[x.par] = x.f, x.f
			}
		}
	} else {
		n := len(m.ids)
		nm.compStart, nm.compItem, nm.compFactor, nm.compLine = csr(n, lineParent, lineComp, lineFactor)
		nm.parStart, nm.parItem, nm.parFactor, nm.parLine = csr(n, lineComp, lineParent, lineFactor)
		if err := nm.levels(); err != nil {
			return nil, err
		}
	}
	if demOK {
		nm.patchDemand(in.Demand, hint)
	} else {
		nm.buildDemand(in, demItem)
	}
	if srOK {
		nm.patchReceipts(in.Receipts, hint)
	} else {
		nm.buildReceipts(in, srItem)
	}
	if firmOK {
		nm.patchFirm(in.Firm, hint)
	} else {
		nm.buildFirm(in, firmItem)
	}
	return &nm, nil
}

// linePos returns the position of BOM line q in item i's range of an
// adjacency (start, line).
func linePos(start, line []int32, i, q int32) int32 {
	for k := start[i]; k < start[i+1]; k++ {
		if line[k] == q {
			return k
		}
	}
	panic("mrp: adjacency out of sync") // the two adjacencies hold the same lines
}

// inPlace reports whether every record of the listed items (input positions
// idx[start[i]:start[i+1]]) still belongs to its item.
func inPlace(m *Model, hint []int32, start, idx []int32, itemAt func(q int32) ItemID) bool {
	for _, i := range hint {
		for _, q := range idx[start[i]:start[i+1]] {
			if itemAt(q) != m.ids[i] {
				return false
			}
		}
	}
	return true
}

func forListed(m *Model, hint []int32, start, idx []int32, f func(q int32)) {
	for _, i := range hint {
		for _, q := range idx[start[i]:start[i+1]] {
			f(q)
		}
	}
}

// regroup returns item i's input positions in Compile's order: by key (the
// bucket), input order on ties.
func regroup(start, idx []int32, i int32, key func(q int32) int) []int32 {
	qs := slices.Clone(idx[start[i]:start[i+1]])
	slices.Sort(qs)
	slices.SortStableFunc(qs, func(a, b int32) int { return cmp.Compare(key(a), key(b)) })
	return qs
}

// set writes v at s[k] unless it is there already (bitwise), copying s the
// first time (*own tracks that), so a patch copies only the arrays it changes.
func set[T comparable](s *[]T, own *bool, k int32, v T) {
	if (*s)[k] == v {
		return
	}
	if !*own {
		*s, *own = slices.Clone(*s), true
	}
	(*s)[k] = v
}

// setF is set for float64, comparing bits so that -0 replaces 0.
func setF(s *[]float64, own *bool, k int32, v float64) {
	if math.Float64bits((*s)[k]) == math.Float64bits(v) {
		return
	}
	if !*own {
		*s, *own = slices.Clone(*s), true
	}
	(*s)[k] = v
}

func (m *Model) patchDemand(dem []Demand, hint []int32) {
	var oIdx, oBucket, oQty bool
	for _, i := range hint {
		s := m.demStart[i]
		for k, q := range regroup(m.demStart, m.demIdx, i, func(q int32) int { return dem[q].Bucket }) {
			p := s + int32(k)
			set(&m.demIdx, &oIdx, p, q)
			set(&m.demBucket, &oBucket, p, int32(dem[q].Bucket))
			setF(&m.demQty, &oQty, p, dem[q].Quantity)
		}
	}
}

func (m *Model) patchReceipts(rec []ScheduledReceipt, hint []int32) {
	var oIdx, oBucket, oQty, oLocal bool
	for _, i := range hint {
		s := m.srStart[i]
		for k, q := range regroup(m.srStart, m.srIdx, i, func(q int32) int { return rec[q].Bucket }) {
			p := s + int32(k)
			set(&m.srIdx, &oIdx, p, q)
			set(&m.srBucket, &oBucket, p, int32(rec[q].Bucket))
			setF(&m.srQty, &oQty, p, rec[q].Quantity)
			set(&m.srLocal, &oLocal, q, int32(k))
		}
	}
}

func (m *Model) patchFirm(firm []FirmOrder, hint []int32) {
	var oIdx, oDue, oRel, oQty, oLocal bool
	for _, i := range hint {
		s := m.firmStart[i]
		for k, q := range regroup(m.firmStart, m.firmIdx, i, func(q int32) int { return firm[q].Due }) {
			p := s + int32(k)
			set(&m.firmIdx, &oIdx, p, q)
			set(&m.firmDue, &oDue, p, int32(firm[q].Due))
			set(&m.firmRelease, &oRel, p, int32(firm[q].Release))
			setF(&m.firmQty, &oQty, p, firm[q].Quantity)
			set(&m.firmLocal, &oLocal, q, int32(k))
		}
	}
}
