package planning

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"slices"
	"sort"
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
func BuildDigests(src Sources, cal Calendar) (mrp.Input, *Digests, string) {
	b := build(src, cal)
	in := mrp.Input{Buckets: cal.Horizon, Items: b.items, BOM: b.bom, Demand: b.demand, Receipts: b.receipts, Firm: b.firm}
	d := newDigests(ItemDigests(in))
	return in, d, d.Version(cal)
}

// Version identifies the input: a sha256 of the calendar and of the per-item digests of
// the input (every number the engine reads, in canonical order), so two runs with the same
// version plan the same thing. See Digests for how it is combined.
func Version(in mrp.Input, cal Calendar) string {
	return newDigests(ItemDigests(in)).Version(cal)
}

// digestChunk is the number of per-item digests under one chunk hash.
const digestChunk = 512

// Digests holds the per-item digests of an input (in Items order) as a two-level Merkle
// tree: chunks of digestChunk item digests, each with the sha256 of its digests, and the
// version is the sha256 of the calendar, the item count and the chunk hashes. Every
// encoding is fixed-length (32-byte digests, a fixed chunk size, the count in the root),
// so two inputs with equal versions but different digests would give a sha256 collision
// at one of the levels: combining adds nothing to trust beyond sha256 and the per-item
// encoding (itemDigest; its refs are server-made ids, without NUL) (an order-independent sum or XOR of item hashes would need one — XOR is
// broken by linear algebra, a modular sum by generalised-birthday attacks at this size).
//
// A net change re-hashes only the chunks it touches (plus the root over n/512 chunk
// hashes, ≈ 6 KB at 100k items), and Patch copies only those chunks: a Digests is never
// modified once built, so a plan in memory keeps its own.
type Digests struct {
	n      int
	chunks []*digests
}

type digests struct {
	d   [][32]byte
	sum [32]byte
}

func newDigests(d [][32]byte) *Digests {
	out := &Digests{n: len(d)}
	for lo := 0; lo < len(d); lo += digestChunk {
		c := &digests{d: d[lo:min(lo+digestChunk, len(d)):min(lo+digestChunk, len(d))]}
		c.rehash()
		out.chunks = append(out.chunks, c)
	}
	return out
}

func (c *digests) rehash() {
	h := sha256.New()
	for i := range c.d {
		h.Write(c.d[i][:])
	}
	h.Sum(c.sum[:0])
}

// Len is the number of items.
func (d *Digests) Len() int { return d.n }

// At returns item i's digest.
func (d *Digests) At(i int) [32]byte { return d.chunks[i/digestChunk].d[i%digestChunk] }

// Version combines the calendar and the chunk hashes.
func (d *Digests) Version(cal Calendar) string {
	h := sha256.New()
	h.Write([]byte(cal.Start.Format(time.DateOnly) + "\x00" + cal.Bucket + "\x00"))
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(cal.Horizon))
	binary.LittleEndian.PutUint64(buf[8:], uint64(d.n))
	h.Write(buf[:])
	for _, c := range d.chunks {
		h.Write(c.sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// with returns d with the digests of set replaced, copying only the chunks they fall in.
func (d *Digests) with(set map[int][32]byte) *Digests {
	out := &Digests{n: d.n, chunks: slices.Clone(d.chunks)}
	dirty := map[int]bool{}
	for i, v := range set {
		k := i / digestChunk
		if !dirty[k] {
			dirty[k] = true
			out.chunks[k] = &digests{d: slices.Clone(d.chunks[k].d)}
		}
		out.chunks[k].d[i%digestChunk] = v
	}
	for k := range dirty {
		out.chunks[k].rehash()
	}
	return out
}

// span returns the range [lo, hi) of list (grouped by key in ascending order) whose key is id,
// searching from lo0.
func span[T any](list []T, lo0 int, id string, key func(*T) string) (int, int) {
	lo := lo0 + sort.Search(len(list)-lo0, func(k int) bool { return key(&list[lo0+k]) >= id })
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

// patchList returns old with the groups of the keys in ids (sorted) replaced by the
// entries of add (sorted, grouped by key; only keys in ids). When own is set and every
// group keeps its length, the groups are overwritten in old itself — cost proportional to
// the change — and what they held is recorded in *undo; otherwise old is left alone and a
// spliced copy returned.
func patchList[T any](old []T, ids []string, add []T, key func(*T) string, own bool, undo *[]func()) []T {
	if !own {
		return splice(old, ids, add, key)
	}
	type group struct{ lo, hi, from int }
	var groups []group
	cur, j := 0, 0
	for _, id := range ids {
		lo, hi := span(old, cur, id, key)
		from := j
		for j < len(add) && key(&add[j]) == id {
			j++
		}
		if j-from != hi-lo {
			return splice(old, ids, add, key)
		}
		if hi > lo {
			groups = append(groups, group{lo, hi, from})
		}
		cur = hi
	}
	for _, g := range groups {
		saved, lo := slices.Clone(old[g.lo:g.hi]), g.lo
		*undo = append(*undo, func() { copy(old[lo:], saved) })
		copy(old[g.lo:g.hi], add[g.from:])
	}
	return old
}

// Patched is a net change's input (see Patch).
type Patched struct {
	Input   mrp.Input
	Digests *Digests
	Version string
	// Items are the changed materials that are MRP items (sorted by ID): the changed list
	// of mrp.Model.Patch and PlanNetChange.
	Items []mrp.ItemID
	undo  []func()
}

// InPlace reports whether Patch wrote into the previous input's arrays (so that Undo
// has something to restore).
func (p *Patched) InPlace() bool { return len(p.undo) > 0 }

// Undo restores the entries Patch overwrote in place in the previous input, which is then
// again what it was before Patch. Call it when the patched input is dropped (the run
// failed); after that p.Input must not be used.
func (p *Patched) Undo() {
	for i := len(p.undo) - 1; i >= 0; i-- {
		p.undo[i]()
	}
	p.undo = nil
}

// Patch returns the engine input of a net change: in (the previous run's input on the
// same calendar, canonical order) with the inputs of the materials in changed replaced by
// src, which holds exactly their current rows (item data, BOM lines naming them, demand,
// receipts, firmed orders), plus the updated digests and version and the changed items.
// digests is not modified.
//
// When own is false, in is not modified either: the lists are copied with the changed
// items' groups spliced in (O(input)). When own is true the caller owns in's arrays (no
// one else reads them until the patched input replaces in, or Undo is called) and Patch
// overwrites, in place, every list in which each changed item keeps its number of
// entries (item data always; an edited demand, receipt, firmed order or BOM line): the
// cost is then proportional to the change. A list in which an item gained or lost entries
// is still spliced into a copy (the engine rebuilds such a list anyway).
//
// ok is false when the item list itself changed (an item gained or lost its planning
// data): only a full load and a regenerative run are exact. Nothing is modified then.
func Patch(in mrp.Input, digests *Digests, changed []string, src Sources, cal Calendar, own bool) (p Patched, ok bool) {
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
	// Check before writing anything: the item list must be the same.
	idx := make([]int, len(ids))
	k := 0
	for n, id := range ids {
		i, found := slices.BinarySearchFunc(in.Items, id, func(x mrp.Item, id string) int { return strings.Compare(string(x.ID), id) })
		now := k < len(b.items) && string(b.items[k].ID) == id
		if found != now {
			return Patched{}, false
		}
		idx[n] = -1 // not an MRP item before or after (e.g. journalled through stock)
		if found {
			idx[n] = i
			k++
		}
	}
	if k != len(b.items) {
		return Patched{}, false
	}

	out := mrp.Input{Buckets: in.Buckets, Items: in.Items}
	if !own {
		out.Items = slices.Clone(in.Items)
	}
	k = 0
	for _, i := range idx {
		if i < 0 {
			continue
		}
		if own {
			old := out.Items[i]
			p.undo = append(p.undo, func() { in.Items[i] = old })
		}
		out.Items[i] = b.items[k]
		k++
	}
	out.BOM = patchList(in.BOM, ids, bom, bomKey, own, &p.undo)
	out.Demand = patchList(in.Demand, ids, b.demand, demKey, own, &p.undo)
	out.Receipts = patchList(in.Receipts, ids, b.receipts, recKey, own, &p.undo)
	out.Firm = patchList(in.Firm, ids, b.firm, firmKey, own, &p.undo)

	set := make(map[int][32]byte, len(ids))
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
		set[i] = itemDigest(h, &out.Items[i], out.BOM[b0:b1], out.Demand[d0:d1], out.Receipts[r0:r1], out.Firm[f0:f1])
		p.Items = append(p.Items, mrp.ItemID(id))
	}
	p.Input, p.Digests = out, digests.with(set)
	p.Version = p.Digests.Version(cal)
	return p, true
}
