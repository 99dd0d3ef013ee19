package planning

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
)

// randomSources is a tenant of n items (ids m0000…) with a BOM from lower to higher
// numbers, demand, receipts and firmed orders on cal.
func randomSources(r *rand.Rand, n int, cal Calendar) Sources {
	var s Sources
	day := func() time.Time { return cal.Start.AddDate(0, 0, 7*r.IntN(cal.Horizon)) }
	for i := range n {
		s.Items = append(s.Items, SourceItem{MaterialID: fmt.Sprintf("m%04d", i), Item: mrp.Item{Source: mrp.Buy, LeadTime: r.IntN(3), OnHand: float64(r.IntN(20))}})
	}
	for i := range n {
		for k := range r.IntN(3) {
			if j := i + 1 + 4*k + r.IntN(4); j < n { // distinct components
				s.BOM = append(s.BOM, SourceBOM{Parent: fmt.Sprintf("m%04d", i), Component: fmt.Sprintf("m%04d", j), QtyPer: float64(1 + r.IntN(3))})
			}
		}
		for k := range r.IntN(4) {
			s.Demand = append(s.Demand, SourceDemand{MaterialID: fmt.Sprintf("m%04d", i), Date: day(), Quantity: float64(1 + r.IntN(50)), Ref: fmt.Sprintf("demand:%d-%d", i, k)})
		}
		if r.IntN(4) == 0 {
			s.Receipts = append(s.Receipts, SourceReceipt{MaterialID: fmt.Sprintf("m%04d", i), Date: day(), Quantity: 5, Ref: fmt.Sprintf("r%d", i)})
		}
		if r.IntN(8) == 0 {
			d := day()
			s.Firm = append(s.Firm, SourceFirm{ID: fmt.Sprintf("f%d", i), MaterialID: fmt.Sprintf("m%04d", i), Release: d, Due: d, Quantity: 7})
		}
	}
	return s
}

// subset is what the change journal loads for ids: their item rows, the BOM lines naming
// them, their demand, receipts and firmed orders.
func subset(s Sources, ids []string) Sources {
	in := func(id string) bool { return slices.Contains(ids, id) }
	var out Sources
	for _, x := range s.Items {
		if in(x.MaterialID) {
			out.Items = append(out.Items, x)
		}
	}
	for _, x := range s.BOM {
		if in(x.Parent) || in(x.Component) {
			out.BOM = append(out.BOM, x)
		}
	}
	for _, x := range s.Demand {
		if in(x.MaterialID) {
			out.Demand = append(out.Demand, x)
		}
	}
	for _, x := range s.Receipts {
		if in(x.MaterialID) {
			out.Receipts = append(out.Receipts, x)
		}
	}
	for _, x := range s.Firm {
		if in(x.MaterialID) {
			out.Firm = append(out.Firm, x)
		}
	}
	return out
}

func equalInput(a, b mrp.Input) bool {
	return a.Buckets == b.Buckets && slices.Equal(a.Items, b.Items) && slices.Equal(a.BOM, b.BOM) && slices.Equal(a.Demand, b.Demand) &&
		slices.Equal(a.Receipts, b.Receipts) && slices.Equal(a.Firm, b.Firm)
}

func equalDigests(a, b *Digests) bool {
	if a.Len() != b.Len() || len(a.chunks) != len(b.chunks) {
		return false
	}
	for i := range a.Len() {
		if a.At(i) != b.At(i) {
			return false
		}
	}
	for k := range a.chunks {
		if a.chunks[k].sum != b.chunks[k].sum {
			return false
		}
	}
	return true
}

func cloneInput(in mrp.Input) mrp.Input {
	return mrp.Input{Buckets: in.Buckets, Items: slices.Clone(in.Items), BOM: slices.Clone(in.BOM), Demand: slices.Clone(in.Demand),
		Receipts: slices.Clone(in.Receipts), Firm: slices.Clone(in.Firm)}
}

// TestPatchEqualsBuild: random edits (same-size edits, which Patch writes in place, and
// added or removed rows, which it splices) patched with and without ownership equal a
// full Build, digests and version included; Undo restores the input patched in place,
// and a patch without ownership leaves its input alone.
func TestPatchEqualsBuild(t *testing.T) {
	cal := Calendar{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Bucket: Week, Horizon: 12}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1300 // three digest chunks
	src := randomSources(r, n, cal)
	in, dig, ver := BuildDigests(src, cal)
	for step := range 200 {
		next := Sources{Items: slices.Clone(src.Items), BOM: slices.Clone(src.BOM), Demand: slices.Clone(src.Demand),
			Receipts: slices.Clone(src.Receipts), Firm: slices.Clone(src.Firm)}
		var ids []string
		for range 1 + r.IntN(3) {
			i := r.IntN(n)
			id := fmt.Sprintf("m%04d", i)
			ids = append(ids, id)
			switch r.IntN(7) {
			case 0:
				next.Items[i].Item.LeadTime++
			case 1: // a demand quantity or date (same size)
				for k := range next.Demand {
					if next.Demand[k].MaterialID == id {
						next.Demand[k].Quantity++
						next.Demand[k].Date = cal.Start.AddDate(0, 0, 7*r.IntN(cal.Horizon))
						break
					}
				}
			case 2: // a demand added
				next.Demand = append(next.Demand, SourceDemand{MaterialID: id, Date: cal.Start, Quantity: 3, Ref: fmt.Sprintf("demand:new%d", step)})
			case 3: // a demand removed
				next.Demand = slices.DeleteFunc(next.Demand, func(d SourceDemand) bool { return d.MaterialID == id })
			case 4: // a BOM factor (same size)
				for k := range next.BOM {
					if next.BOM[k].Parent == id {
						next.BOM[k].QtyPer++
						break
					}
				}
			case 5: // a BOM line added (its parent and component journalled)
				comp := fmt.Sprintf("m%04d", i+1)
				if i+1 < n && !slices.ContainsFunc(next.BOM, func(l SourceBOM) bool { return l.Parent == id && l.Component == comp }) { // unique in the database
					next.BOM = append(next.BOM, SourceBOM{Parent: id, Component: comp, QtyPer: 1})
					ids = append(ids, comp)
				}
			case 6: // a receipt moved, a firm order's quantity
				for k := range next.Receipts {
					if next.Receipts[k].MaterialID == id {
						next.Receipts[k].Date = cal.Start.AddDate(0, 0, 7)
					}
				}
				for k := range next.Firm {
					if next.Firm[k].MaterialID == id {
						next.Firm[k].Quantity++
					}
				}
			}
		}
		ids = append(ids, "not-an-item")
		want, wantDig, wantVer := BuildDigests(next, cal)

		before := cloneInput(in)
		copied, ok := Patch(in, dig, ids, subset(next, ids), cal, false)
		if !ok || copied.InPlace() {
			t.Fatalf("step %d: copy patch ok=%v in place=%v", step, ok, copied.InPlace())
		}
		if !equalInput(in, before) {
			t.Fatalf("step %d: a patch without ownership modified its input", step)
		}
		owned, ok := Patch(in, dig, ids, subset(next, ids), cal, true)
		if !ok {
			t.Fatalf("step %d: owned patch not ok", step)
		}
		for _, p := range []Patched{copied, owned} {
			if !equalInput(p.Input, want) || p.Version != wantVer || !equalDigests(p.Digests, wantDig) {
				t.Fatalf("step %d: patched input differs from Build (changed %v)", step, ids)
			}
		}
		if step%3 == 0 { // drop the owned patch: the previous input comes back
			owned.Undo()
			if !equalInput(in, before) {
				t.Fatalf("step %d: Undo did not restore the input", step)
			}
			if Version(in, cal) != ver {
				t.Fatalf("step %d: version after Undo", step)
			}
			continue
		}
		src, in, dig, ver = next, owned.Input, owned.Digests, owned.Version
	}
}

// TestPatchItemListChanged: an item that gains or loses planning data is not patched, and
// nothing is modified.
func TestPatchItemListChanged(t *testing.T) {
	cal := Calendar{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Bucket: Week, Horizon: 12}
	src := randomSources(rand.New(rand.NewPCG(3, 4)), 50, cal)
	in, dig, _ := BuildDigests(src, cal)
	before := cloneInput(in)
	sub := subset(src, []string{"m0007"})
	sub.Items = nil // m0007 lost its planning data
	if _, ok := Patch(in, dig, []string{"m0007", "m0008"}, sub, cal, true); ok {
		t.Fatal("patched a removed item")
	}
	sub = Sources{Items: []SourceItem{{MaterialID: "zz"}}}
	if _, ok := Patch(in, dig, []string{"zz"}, sub, cal, true); ok {
		t.Fatal("patched an added item")
	}
	if !equalInput(in, before) {
		t.Fatal("a refused patch modified the input")
	}
}
