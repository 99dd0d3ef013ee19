package planning

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
)

// Canonical orders of the engine input: items by material id; BOM lines by parent and
// component; demand and receipts by item, bucket and ref; firmed orders by item, due and
// ref. Equal inputs therefore give identical engine sums (and so a net-change run equals
// a regenerative one), and every list is grouped by item, which Patch and ItemDigests use.
func cmpBOM(a, b mrp.BOMLine) int {
	return cmp.Or(strings.Compare(string(a.Parent), string(b.Parent)), strings.Compare(string(a.Component), string(b.Component)))
}

func cmpDemand(a, b mrp.Demand) int {
	return cmp.Or(strings.Compare(string(a.Item), string(b.Item)), cmp.Compare(a.Bucket, b.Bucket), strings.Compare(a.Ref, b.Ref))
}

func cmpReceipt(a, b mrp.ScheduledReceipt) int {
	return cmp.Or(strings.Compare(string(a.Item), string(b.Item)), cmp.Compare(a.Bucket, b.Bucket), strings.Compare(a.Ref, b.Ref))
}

func cmpFirm(a, b mrp.FirmOrder) int {
	return cmp.Or(strings.Compare(string(a.Item), string(b.Item)), cmp.Compare(a.Due, b.Due), strings.Compare(a.Ref, b.Ref))
}

// built is the sources mapped onto a calendar, each list in canonical order.
type built struct {
	items    []mrp.Item
	bom      []mrp.BOMLine
	demand   []mrp.Demand
	receipts []mrp.ScheduledReceipt
	firm     []mrp.FirmOrder
}

func build(src Sources, cal Calendar) built {
	var b built
	b.items = make([]mrp.Item, len(src.Items))
	for i, it := range src.Items {
		b.items[i] = it.Item
		b.items[i].ID = mrp.ItemID(it.MaterialID)
	}
	slices.SortFunc(b.items, func(x, y mrp.Item) int { return strings.Compare(string(x.ID), string(y.ID)) })
	b.bom = make([]mrp.BOMLine, len(src.BOM))
	for i, l := range src.BOM {
		b.bom[i] = mrp.BOMLine{Parent: mrp.ItemID(l.Parent), Component: mrp.ItemID(l.Component), QuantityPer: l.QtyPer, Scrap: l.Scrap}
	}
	slices.SortFunc(b.bom, cmpBOM)
	b.demand = make([]mrp.Demand, 0, len(src.Demand))
	for _, d := range src.Demand {
		if k, ok := cal.BucketOf(d.Date); ok {
			b.demand = append(b.demand, mrp.Demand{Item: mrp.ItemID(d.MaterialID), Bucket: k, Quantity: d.Quantity, Ref: d.Ref})
		}
	}
	slices.SortFunc(b.demand, cmpDemand)
	for _, r := range src.Receipts {
		if k, ok := cal.BucketOf(r.Date); ok {
			b.receipts = append(b.receipts, mrp.ScheduledReceipt{Item: mrp.ItemID(r.MaterialID), Bucket: k, Quantity: r.Quantity, Ref: r.Ref})
		}
	}
	slices.SortFunc(b.receipts, cmpReceipt)
	for _, f := range src.Firm {
		due, ok := cal.BucketOf(f.Due)
		if !ok {
			continue
		}
		rel, _ := cal.BucketOf(f.Release)
		b.firm = append(b.firm, mrp.FirmOrder{Item: mrp.ItemID(f.MaterialID), Release: min(rel, due), Due: due, Quantity: f.Quantity, Ref: f.ID})
	}
	slices.SortFunc(b.firm, cmpFirm)
	return b
}

// Build turns the sources into the engine's input for cal and returns its version (see
// Version).
func Build(src Sources, cal Calendar) (mrp.Input, string) {
	in, _, ver := BuildDigests(src, cal)
	return in, ver
}

// BuildDigests is Build that also returns the per-item digests (ItemDigests), which Patch
// updates for the items a net change touches.
func BuildDigests(src Sources, cal Calendar) (mrp.Input, [][32]byte, string) {
	b := build(src, cal)
	in := mrp.Input{Buckets: cal.Horizon, Items: b.items, BOM: b.bom, Demand: b.demand, Receipts: b.receipts, Firm: b.firm}
	d := ItemDigests(in)
	return in, d, VersionOf(cal, d)
}

// Version is a sha256 of the calendar and the per-item digests of the input (every number
// the engine reads, in canonical order), so two runs with the same version plan the same
// thing. It is computed per item so that a net change only re-hashes what changed.
func Version(in mrp.Input, cal Calendar) string { return VersionOf(cal, ItemDigests(in)) }

// VersionOf combines the calendar and per-item digests.
func VersionOf(cal Calendar, digests [][32]byte) string {
	h := sha256.New()
	h.Write([]byte(cal.Start.Format(time.DateOnly) + "\x00" + cal.Bucket + "\x00"))
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(cal.Horizon))
	h.Write(buf[:])
	for i := range digests {
		h.Write(digests[i][:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// span returns the range [lo, hi) of list (grouped by key in ascending order) whose key is id,
// searching from lo0.
func span[T any](list []T, lo0 int, id string, key func(*T) string) (int, int) {
	lo, _ := slices.BinarySearchFunc(list[lo0:], id, func(x T, id string) int { return strings.Compare(key(&x), id) })
	lo += lo0
	hi := lo
	for hi < len(list) && key(&list[hi]) == id {
		hi++
	}
	return lo, hi
}

func bomKey(l *mrp.BOMLine) string          { return string(l.Parent) }
func demKey(d *mrp.Demand) string           { return string(d.Item) }
func recKey(r *mrp.ScheduledReceipt) string { return string(r.Item) }
func firmKey(f *mrp.FirmOrder) string       { return string(f.Item) }

// ItemDigests returns one sha256 per item (in Items order) over the item's data and its
// BOM lines (as parent), demand, scheduled receipts and firmed orders. in must be in the
// canonical order Build produces.
func ItemDigests(in mrp.Input) [][32]byte {
	out := make([][32]byte, len(in.Items))
	h := sha256.New()
	var b, d, r, f int
	for i := range in.Items {
		id := string(in.Items[i].ID)
		b0, b1 := span(in.BOM, b, id, bomKey)
		d0, d1 := span(in.Demand, d, id, demKey)
		r0, r1 := span(in.Receipts, r, id, recKey)
		f0, f1 := span(in.Firm, f, id, firmKey)
		out[i] = itemDigest(h, &in.Items[i], in.BOM[b0:b1], in.Demand[d0:d1], in.Receipts[r0:r1], in.Firm[f0:f1])
		b, d, r, f = b1, d1, r1, f1
	}
	return out
}

func itemDigest(h hash.Hash, it *mrp.Item, bom []mrp.BOMLine, dem []mrp.Demand, rec []mrp.ScheduledReceipt, firm []mrp.FirmOrder) [32]byte {
	h.Reset()
	var buf [8]byte
	num := func(x float64) { binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x)); h.Write(buf[:]) }
	str := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	str(string(it.ID))
	for _, x := range []float64{float64(it.Source), float64(it.LeadTime), it.SafetyStock, it.OnHand, it.Scrap, float64(it.PlanningTimeFence),
		float64(it.Lot.Policy), it.Lot.FixedQuantity, float64(it.Lot.Periods), it.Lot.AnnualDemand, it.Lot.OrderingCost,
		it.Lot.AnnualHoldingCost, it.Lot.HoldingCost, it.Lot.Minimum, it.Lot.Multiple, it.Lot.Maximum} {
		num(x)
	}
	str("bom")
	for _, l := range bom {
		str(string(l.Component))
		num(l.QuantityPer)
		num(l.Scrap)
	}
	str("demand")
	for _, d := range dem {
		num(float64(d.Bucket))
		num(d.Quantity)
		str(d.Ref)
	}
	str("receipts")
	for _, r := range rec {
		num(float64(r.Bucket))
		num(r.Quantity)
		str(r.Ref)
	}
	str("firm")
	for _, f := range firm {
		num(float64(f.Release))
		num(float64(f.Due))
		num(f.Quantity)
		str(f.Ref)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// splice returns old with the groups of the keys in ids (sorted) replaced by the entries
// of add (sorted, grouped by key; only keys in ids). old is not modified.
func splice[T any](old []T, ids []string, add []T, key func(*T) string) []T {
	out := make([]T, 0, len(old)+len(add))
	cur, j := 0, 0
	for _, id := range ids {
		lo, hi := span(old, cur, id, key)
		out = append(out, old[cur:lo]...)
		for j < len(add) && key(&add[j]) == id {
			out = append(out, add[j])
			j++
		}
		cur = hi
	}
	return append(out, old[cur:]...)
}

// Patch returns the engine input of a net change: in (the previous run's input on the
// same calendar, canonical order) with the inputs of the materials in changed replaced by
// src, which holds exactly their current rows (item data, BOM lines naming them, demand,
// receipts, firmed orders), plus the updated digests and version and the changed items.
// in and digests are not modified. ok is false when the item list itself changed (an item
// gained or lost its planning data): only a full load and a regenerative run are exact.
func Patch(in mrp.Input, digests [][32]byte, changed []string, src Sources, cal Calendar) (out mrp.Input, dig [][32]byte, ver string, items []mrp.ItemID, ok bool) {
	ids := slices.Clone(changed)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b := build(src, cal)
	// The BOM lines of a changed parent are replaced; a line whose parent did not change is
	// unchanged (any write to a line journals its parent), so src's lines that reach a changed
	// item only as component are dropped.
	bom := b.bom[:0:0]
	for _, l := range b.bom {
		if _, found := slices.BinarySearch(ids, string(l.Parent)); found {
			bom = append(bom, l)
		}
	}
	out = mrp.Input{Buckets: in.Buckets, Items: slices.Clone(in.Items)}
	idx := make([]int, len(ids))
	k := 0
	for n, id := range ids {
		i, found := slices.BinarySearchFunc(in.Items, id, func(x mrp.Item, id string) int { return strings.Compare(string(x.ID), id) })
		now := k < len(b.items) && string(b.items[k].ID) == id
		if found != now {
			return mrp.Input{}, nil, "", nil, false
		}
		if !found {
			// Not an MRP item before or after (e.g. journalled through stock): nothing to patch.
			idx[n] = -1
			continue
		}
		out.Items[i] = b.items[k]
		idx[n] = i
		k++
	}
	if k != len(b.items) {
		return mrp.Input{}, nil, "", nil, false
	}
	out.BOM = splice(in.BOM, ids, bom, bomKey)
	out.Demand = splice(in.Demand, ids, b.demand, demKey)
	out.Receipts = splice(in.Receipts, ids, b.receipts, recKey)
	out.Firm = splice(in.Firm, ids, b.firm, firmKey)

	dig = slices.Clone(digests)
	h := sha256.New()
	for n, id := range ids {
		i := idx[n]
		if i < 0 {
			continue
		}
		b0, b1 := span(out.BOM, 0, id, bomKey)
		d0, d1 := span(out.Demand, 0, id, demKey)
		r0, r1 := span(out.Receipts, 0, id, recKey)
		f0, f1 := span(out.Firm, 0, id, firmKey)
		dig[i] = itemDigest(h, &out.Items[i], out.BOM[b0:b1], out.Demand[d0:d1], out.Receipts[r0:r1], out.Firm[f0:f1])
		items = append(items, mrp.ItemID(id))
	}
	return out, dig, VersionOf(cal, dig), items, true
}
