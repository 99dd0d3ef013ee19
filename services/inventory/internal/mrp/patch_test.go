package mrp

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// patchMutate edits a random input the ways the storage layer does and
// returns the items whose inputs it touched (for a BOM line: its parent,
// the name a change journal records). Most edits keep list lengths and
// positions (Patch's in-place paths); some add or remove records or lines
// (its rebuild paths).
func patchMutate(in Input, rng *rand.Rand) (Input, []ItemID) {
	out := in.Clone()
	var touched []ItemID
	anyItem := func() int { return rng.IntN(len(out.Items)) }
	for k := 0; k < 1+rng.IntN(3); k++ {
		switch rng.IntN(14) {
		case 0, 1: // demand quantity (the common case)
			if len(out.Demand) > 0 {
				d := &out.Demand[rng.IntN(len(out.Demand))]
				d.Quantity += float64(1 + rng.IntN(50))
				touched = append(touched, d.Item)
			}
		case 2: // demand moved to another bucket
			if len(out.Demand) > 0 {
				d := &out.Demand[rng.IntN(len(out.Demand))]
				d.Bucket = rng.IntN(in.Buckets)
				touched = append(touched, d.Item)
			}
		case 3: // demand added / removed
			if rng.IntN(2) == 0 || len(out.Demand) == 0 {
				i := anyItem()
				out.Demand = slices.Insert(out.Demand, rng.IntN(len(out.Demand)+1), Demand{Item: out.Items[i].ID, Bucket: rng.IntN(in.Buckets), Quantity: 33})
				touched = append(touched, out.Items[i].ID)
			} else {
				j := rng.IntN(len(out.Demand))
				touched = append(touched, out.Demand[j].Item)
				out.Demand = slices.Delete(out.Demand, j, j+1)
			}
		case 4: // item data
			i := anyItem()
			out.Items[i].LeadTime = rng.IntN(4)
			out.Items[i].SafetyStock = float64(rng.IntN(30))
			out.Items[i].OnHand = float64(rng.IntN(100))
			touched = append(touched, out.Items[i].ID)
		case 5: // lot rule
			i := anyItem()
			out.Items[i].Lot = []LotSizing{{Policy: SilverMeal, OrderingCost: 100, HoldingCost: 1, Multiple: 5},
				{Policy: FixedOrderQuantity, FixedQuantity: 70}, {Policy: WagnerWhitin, OrderingCost: 80, HoldingCost: 0.5, Minimum: 20},
				{Policy: PeriodOrderQuantity, Periods: 3, Maximum: 400}, {}}[rng.IntN(5)]
			out.Items[i].Scrap = []float64{0, 0.03}[rng.IntN(2)]
			touched = append(touched, out.Items[i].ID)
		case 6: // scheduled receipt quantity / bucket
			if len(out.Receipts) > 0 {
				r := &out.Receipts[rng.IntN(len(out.Receipts))]
				r.Quantity += 10
				r.Bucket = rng.IntN(in.Buckets)
				touched = append(touched, r.Item)
			}
		case 7: // scheduled receipt added / removed
			if rng.IntN(2) == 0 || len(out.Receipts) == 0 {
				i := anyItem()
				out.Receipts = slices.Insert(out.Receipts, rng.IntN(len(out.Receipts)+1), ScheduledReceipt{Item: out.Items[i].ID, Bucket: rng.IntN(in.Buckets), Quantity: 40})
				touched = append(touched, out.Items[i].ID)
			} else {
				j := rng.IntN(len(out.Receipts))
				touched = append(touched, out.Receipts[j].Item)
				out.Receipts = slices.Delete(out.Receipts, j, j+1)
			}
		case 8: // firm order changed in place
			if len(out.Firm) > 0 {
				f := &out.Firm[rng.IntN(len(out.Firm))]
				f.Due = rng.IntN(in.Buckets)
				f.Release = rng.IntN(f.Due + 1)
				f.Quantity += 5
				touched = append(touched, f.Item)
			}
		case 9: // firm order added / removed
			if rng.IntN(2) == 0 || len(out.Firm) == 0 {
				i := anyItem()
				out.Firm = slices.Insert(out.Firm, rng.IntN(len(out.Firm)+1), FirmOrder{Item: out.Items[i].ID, Due: rng.IntN(in.Buckets), Quantity: 25})
				touched = append(touched, out.Items[i].ID)
			} else {
				j := rng.IntN(len(out.Firm))
				touched = append(touched, out.Firm[j].Item)
				out.Firm = slices.Delete(out.Firm, j, j+1)
			}
		case 10, 11: // BOM line quantity per / scrap (in place)
			if len(out.BOM) > 0 {
				l := &out.BOM[rng.IntN(len(out.BOM))]
				l.QuantityPer = float64(1+rng.IntN(4)) / 2
				l.Scrap = []float64{0, 0.05, 0.1}[rng.IntN(3)]
				touched = append(touched, l.Parent)
			}
		case 12: // BOM line removed
			if len(out.BOM) > 0 {
				j := rng.IntN(len(out.BOM))
				touched = append(touched, out.BOM[j].Parent)
				out.BOM = slices.Delete(out.BOM, j, j+1)
			}
		case 13: // BOM line added (index order keeps it acyclic)
			p, c := anyItem(), anyItem()
			if p < c {
				out.BOM = slices.Insert(out.BOM, rng.IntN(len(out.BOM)+1), BOMLine{Parent: out.Items[p].ID, Component: out.Items[c].ID, QuantityPer: 2})
				touched = append(touched, out.Items[p].ID)
			}
		}
	}
	return out, touched
}

// TestPatchEqualsCompile: for random inputs and random edits, Patch with the
// edited items gives the Model Compile gives (every field), and PlanNetChange
// on it equals a regenerative plan, along chains of edits. The changed list is
// the journal's (parents of BOM edits), ChangedItems' (components), or either
// with unchanged items added.
func TestPatchEqualsCompile(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 20))
	for seed := uint64(1); seed <= 40; seed++ {
		in := randomInput(seed, 40+int(seed)*4, 6+int(seed%11))
		m, err := Compile(in)
		if err != nil {
			t.Fatal(err)
		}
		prev := m.mustPlan()
		for step := 0; step < 6; step++ {
			next, touched := patchMutate(in, rng)
			want, err := Compile(next)
			if err != nil {
				t.Fatal(err)
			}
			changed := touched
			switch step % 3 {
			case 1:
				changed, _ = ChangedItems(m, want)
			case 2:
				changed = append(slices.Clone(touched), in.Items[rng.IntN(len(in.Items))].ID)
			}
			got, err := m.Patch(next, changed)
			if err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: Patch(%v) differs from Compile", seed, step, changed)
			}
			// PlanNetChange needs where-used changes too; a journal of parents
			// is enough because it walks the old and the new BOM below them.
			nc, err := got.PlanNetChange(prev, changed)
			if err != nil {
				t.Fatal(err)
			}
			regen := want.mustPlan()
			if !reflect.DeepEqual(nc.AllOrders(), regen.AllOrders()) || !reflect.DeepEqual(canonExceptions(nc), canonExceptions(regen)) {
				t.Fatalf("seed %d step %d: Patch + PlanNetChange differs from Compile + Plan", seed, step)
			}
			in, m, prev = next, got, nc
		}
		// The models along the chain were never modified by later patches.
		again, _ := Compile(in)
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("seed %d: the last model changed after the fact", seed)
		}
	}
}

// TestPatchShares: a demand quantity change copies only the demand quantity
// array; everything else is the old model's storage.
func TestPatchShares(t *testing.T) {
	in := Generate(GenConfig{Items: 3000, Seed: 3})
	m, _ := Compile(in)
	next := in.Clone()
	next.Demand[5].Quantity += 9
	got, err := m.Patch(next, []ItemID{next.Demand[5].Item})
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b []int32) bool { return len(a) > 0 && &a[0] == &b[0] }
	if !same(got.order, m.order) || !same(got.llc, m.llc) || !same(got.compItem, m.compItem) || !same(got.parItem, m.parItem) ||
		&got.items[0] != &m.items[0] || &got.compFactor[0] != &m.compFactor[0] || !same(got.demStart, m.demStart) {
		t.Fatal("unchanged parts were copied")
	}
	if &got.demQty[0] == &m.demQty[0] {
		t.Fatal("changed demand written into the old model's array")
	}
	if m.demQty[slices.Index(m.demIdx, 5)] == next.Demand[5].Quantity {
		t.Fatal("old model modified")
	}
}

// TestPatchErrors: bad input is reported as Compile reports it, and nothing
// is returned; unknown changed items are rejected.
func TestPatchErrors(t *testing.T) {
	in := Generate(GenConfig{Items: 200, Seed: 8})
	m, _ := Compile(in)
	if _, err := m.Patch(in, []ItemID{"nope"}); !errors.Is(err, ErrUnknownItem) {
		t.Fatalf("unknown changed item: %v", err)
	}
	cases := map[string]func(*Input) ItemID{
		"negative demand": func(x *Input) ItemID { x.Demand[3].Quantity = -1; return x.Demand[3].Item },
		"bucket range":    func(x *Input) ItemID { x.Receipts[0].Bucket = 99; return x.Receipts[0].Item },
		"bad lot":         func(x *Input) ItemID { x.Items[7].Lot = LotSizing{Policy: EOQ}; return x.Items[7].ID },
		"bad qty per":     func(x *Input) ItemID { x.BOM[4].QuantityPer = 0; return x.BOM[4].Parent },
		"firm release":    func(x *Input) ItemID { x.Firm[0].Release = x.Firm[0].Due + 1; return x.Firm[0].Item },
		"cycle": func(x *Input) ItemID {
			l := x.BOM[0]
			x.BOM = append(x.BOM, BOMLine{Parent: l.Component, Component: l.Parent, QuantityPer: 1})
			return l.Component
		},
	}
	for name, edit := range cases {
		next := in.Clone()
		id := edit(&next)
		_, want := Compile(next)
		got, err := m.Patch(next, []ItemID{id})
		if want == nil || err == nil || got != nil {
			t.Fatalf("%s: Compile %v, Patch %v", name, want, err)
		}
		var ce, ce2 *CycleError
		if errors.As(want, &ce) != errors.As(err, &ce2) || !errors.Is(err, ErrBadLotParameter) && errors.Is(want, ErrBadLotParameter) {
			t.Fatalf("%s: Compile %v, Patch %v", name, want, err)
		}
	}
}

// TestPatchTrustsTheList pins the contract: list lengths changing or an item
// list change are handled whatever the changed list says (those parts are
// rebuilt), while an in-place edit of an unlisted item is not seen.
func TestPatchTrustsTheList(t *testing.T) {
	in := Generate(GenConfig{Items: 300, Seed: 12})
	m, _ := Compile(in)
	next := in.Clone()
	next.Demand = append(next.Demand, Demand{Item: in.Items[9].ID, Bucket: 2, Quantity: 5})
	next.BOM = next.BOM[1:]
	want, _ := Compile(next)
	if got, err := m.Patch(next, nil); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatal("a list whose length changed was not rebuilt")
	}
	moved := in.Clone()
	moved.Items[0], moved.Items[1] = moved.Items[1], moved.Items[0]
	want, _ = Compile(moved)
	if got, err := m.Patch(moved, nil); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatal("a changed item order was not compiled from scratch")
	}
	quiet := in.Clone()
	quiet.Demand[0].Quantity++
	if got, _ := m.Patch(quiet, nil); reflect.DeepEqual(got.demQty, m.demQty) == false {
		t.Fatal("Patch read an unlisted item's demand (the contract says it trusts the list)")
	}
}
