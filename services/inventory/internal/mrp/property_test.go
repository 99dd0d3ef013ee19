package mrp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// bruteForceLotCost enumerates every set of order buckets (each demand is
// served by the latest order at or before it) and returns the least
// ordering plus holding cost.
func bruteForceLotCost(req []float64, s, h float64) float64 {
	n := len(req)
	best := math.Inf(1)
	for mask := 0; mask < 1<<n; mask++ {
		cost, last, ok := 0.0, -1, true
		for t := 0; t < n; t++ {
			if mask&(1<<t) != 0 {
				cost += s
				last = t
			}
			if req[t] > 0 {
				if last < 0 {
					ok = false
					break
				}
				cost += h * float64(t-last) * req[t]
			}
		}
		if ok {
			best = min(best, cost)
		}
	}
	return best
}

// planCost is the ordering plus holding cost of a plan for one item with
// no stock: holding is charged on every unit at the end of each bucket.
func planCost(p *Plan, s, h float64) float64 {
	r := p.Record(0)
	cost := s * float64(p.NumOrders())
	for _, poh := range r.ProjectedOnHand {
		cost += h * poh
	}
	return cost
}

func TestWagnerWhitinIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := 0; trial < 2000; trial++ {
		n := 1 + rng.IntN(10)
		req := make([]float64, n)
		for i := range req {
			if rng.IntN(4) > 0 {
				req[i] = float64(rng.IntN(200))
			}
		}
		s := float64(1 + rng.IntN(300))
		h := 0.1 + rng.Float64()*3
		if trial%2 == 0 {
			h = float64(1 + rng.IntN(3)) // integral costs make ties, which the pruning must survive
		}
		in := Input{Buckets: n, Items: []Item{{ID: "A", Lot: LotSizing{Policy: WagnerWhitin, OrderingCost: s, HoldingCost: h}}}}
		for b, q := range req {
			in.Demand = append(in.Demand, Demand{Item: "A", Bucket: b, Quantity: q})
		}
		p, err := Run(in)
		if err != nil {
			t.Fatal(err)
		}
		got, want := planCost(p, s, h), bruteForceLotCost(req, s, h)
		if math.Abs(got-want) > 1e-6*max(1, want) {
			t.Fatalf("trial %d req %v S %v h %v: Wagner–Whitin cost %v, optimum %v", trial, req, s, h, got, want)
		}
		// Silver–Meal is a heuristic: never better than the optimum.
		in.Items[0].Lot.Policy = SilverMeal
		p, _ = Run(in)
		if sm := planCost(p, s, h); sm < want-1e-6*max(1, want) {
			t.Fatalf("Silver–Meal %v beats the optimum %v", sm, want)
		}
	}
}

// randomInput is a small random problem: a generated DAG plus random firm
// orders, fences and scrap from Generate, with a few extra shared lines.
func randomInput(seed uint64, items, buckets int) Input {
	in := Generate(GenConfig{Items: items, Buckets: buckets, Seed: seed, Levels: 3 + int(seed%4)})
	rng := rand.New(rand.NewPCG(seed, 99))
	for k := 0; k < items/10; k++ { // lines that skip levels, from a lower index to a higher one (still acyclic)
		p, c := rng.IntN(items), rng.IntN(items)
		if p >= c {
			continue
		}
		in.BOM = append(in.BOM, BOMLine{Parent: in.Items[p].ID, Component: in.Items[c].ID, QuantityPer: float64(1 + rng.IntN(3))})
	}
	return in
}

// checkPlan asserts the invariants every plan must satisfy.
func checkPlan(t *testing.T, in Input, p *Plan) {
	t.Helper()
	m := p.Model()
	h := m.Buckets()
	tol := func(x float64) float64 { return 1e-6 * max(1, math.Abs(x)) }

	// Low-level codes: every component is below all its parents.
	for _, l := range in.BOM {
		pi, _ := m.Index(l.Parent)
		ci, _ := m.Index(l.Component)
		if m.LowLevelCode(ci) <= m.LowLevelCode(pi) {
			t.Fatalf("llc(%s)=%d not below llc(%s)=%d", l.Component, m.LowLevelCode(ci), l.Parent, m.LowLevelCode(pi))
		}
	}

	below := map[[2]int]bool{} // (item, first bucket) of below-safety-stock exceptions
	for _, e := range p.Exceptions() {
		if e.Kind == ExceptionBelowSafetyStock {
			below[[2]int{int(e.Item), int(e.Bucket)}] = true
		}
	}
	// Independent demand per item and the dependent demand each item's
	// parents' orders imply, to check conservation through the explosion.
	indep := make([]float64, m.NumItems())
	for _, d := range in.Demand {
		i, _ := m.Index(d.Item)
		indep[i] += d.Quantity
	}
	dep := make([]float64, m.NumItems())
	for _, l := range in.BOM {
		pi, _ := m.Index(l.Parent)
		ci, _ := m.Index(l.Component)
		for _, o := range p.OrdersOf(pi) {
			dep[ci] += o.Quantity * l.QuantityPer * (1 + l.Scrap)
		}
	}
	nBelow := 0
	for i := 0; i < m.NumItems(); i++ {
		r := p.Record(i)
		sumG, sumSR, sumPR := 0.0, 0.0, 0.0
		for b := 0; b < h; b++ {
			sumG += r.Gross[b]
			sumSR += r.ScheduledReceipts[b]
			sumPR += r.PlannedReceipts[b]
		}
		if math.Abs(sumG-indep[i]-dep[i]) > tol(sumG) {
			t.Fatalf("item %d: gross %v != independent %v + dependent %v", i, sumG, indep[i], dep[i])
		}
		if end := r.OnHand + sumSR + sumPR - sumG; math.Abs(end-r.ProjectedOnHand[h-1]) > tol(end) {
			t.Fatalf("item %d: balance does not close: %v vs %v", i, end, r.ProjectedOnHand[h-1])
		}
		// Projected on-hand at or above safety stock, except in runs that
		// start with a reported exception.
		in := false
		for b := 0; b < h; b++ {
			if r.ProjectedOnHand[b] < r.SafetyStock-Tolerance {
				if !in {
					if !below[[2]int{i, b}] {
						t.Fatalf("item %d bucket %d: on-hand %v below safety stock %v without an exception", i, b, r.ProjectedOnHand[b], r.SafetyStock)
					}
					nBelow++
				}
				in = true
			} else {
				in = false
			}
		}
		for _, o := range p.OrdersOf(i) {
			if o.Item != int32(i) || o.Release < 0 || o.Release > o.Due || int(o.Due) >= h || o.Quantity <= 0 {
				t.Fatalf("bad order %+v", o)
			}
		}
	}
	if nBelow != len(below) {
		t.Fatalf("%d below-safety-stock exceptions, %d runs below safety stock", len(below), nBelow)
	}

	// Pegging: every order pegged, pegs add up to the receipt, and no
	// independent demand is over-served by its own item's orders.
	pegs := p.Pegging()
	var ids []int // live order ids
	for _, i := range m.PlanningOrder() {
		from, to := p.OrderRange(int(i))
		for k := from; k < to; k++ {
			ids = append(ids, k)
		}
	}
	if len(ids) != p.NumOrders() {
		t.Fatalf("NumOrders %d, items hold %d", p.NumOrders(), len(ids))
	}
	sum := map[int32]float64{}
	n := map[int32]int{}
	served := make([]float64, len(in.Demand))
	type target struct {
		order int32
		kind  PegKind
		d, i  int32
	}
	seen := map[target]bool{}
	maxPegs := 0
	for _, g := range pegs {
		if tg := (target{g.Order, g.Kind, g.Demand, g.Item}); seen[tg] {
			t.Fatalf("order %d pegged twice to the same target %+v", g.Order, tg)
		} else {
			seen[tg] = true
		}
		sum[g.Order] += g.Quantity
		n[g.Order]++
		if g.Kind == PegDemand && g.Item == p.Order(int(g.Order)).Item {
			served[g.Demand] += g.Quantity
		}
		if g.Kind == PegDemand {
			di, _ := m.Index(in.Demand[g.Demand].Item)
			if int32(di) != g.Item {
				t.Fatalf("peg %+v names item %d, demand is for %d", g, g.Item, di)
			}
		}
	}
	for _, k := range ids {
		o := int32(k)
		maxPegs = max(maxPegs, n[o])
		if n[o] == 0 || math.Abs(sum[o]-p.Order(k).Receipt) > tol(sum[o]) {
			t.Fatalf("order %d %+v: %d pegs adding to %v", o, p.Order(k), n[o], sum[o])
		}
	}
	if len(n) != len(ids) {
		t.Fatalf("pegs for %d orders, %d live orders", len(n), len(ids))
	}
	if testing.Verbose() {
		t.Logf("%d orders, %d pegs, at most %d for one order", p.NumOrders(), len(pegs), maxPegs)
	}
	for d := range in.Demand {
		if served[d] > in.Demand[d].Quantity+tol(served[d]) {
			t.Fatalf("demand %d (%v) served %v by its item's orders", d, in.Demand[d].Quantity, served[d])
		}
	}
	// PegOrder agrees with the full pegging for a few orders.
	for j := 0; j < len(ids); j += 1 + len(ids)/7 {
		o := ids[j]
		var want []Peg
		for _, g := range pegs {
			if int(g.Order) == o {
				want = append(want, g)
			}
		}
		if got := p.PegOrder(o); !reflect.DeepEqual(got, want) {
			t.Fatalf("PegOrder(%d) = %v, Pegging has %v", o, got, want)
		}
	}
}

func TestRandomPlansInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			in := randomInput(seed, 60+int(seed)*5, 6+int(seed%13))
			p, err := Run(in)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, in, p)
		})
	}
}

// TestEndDemandPegsAddUp: with no stock anywhere and lot-for-lot, every
// unit of end-item demand is pegged, so pegs to a demand from its own item
// equal the demand exactly.
func TestEndDemandPegsAddUp(t *testing.T) {
	in := Generate(GenConfig{Items: 80, Buckets: 10, Seed: 5})
	in.Receipts, in.Firm = nil, nil
	for i := range in.Items {
		in.Items[i].OnHand, in.Items[i].SafetyStock, in.Items[i].PlanningTimeFence = 0, 0, 0
		in.Items[i].Lot = LotSizing{}
	}
	p, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	served := make([]float64, len(in.Demand))
	for _, g := range p.Pegging() {
		if g.Kind != PegDemand {
			t.Fatalf("lot-for-lot without stock produced a %s peg", g.Kind)
		}
		if g.Item == p.Order(int(g.Order)).Item {
			served[g.Demand] += g.Quantity
		}
	}
	for d, q := range served {
		if math.Abs(q-in.Demand[d].Quantity) > 1e-6 {
			t.Fatalf("demand %d: %v pegged, want %v", d, q, in.Demand[d].Quantity)
		}
	}
}

// mutate changes a random input in ways net change must handle: demand,
// item data, scheduled receipts, firm orders, BOM lines added and removed.
func mutate(in Input, rng *rand.Rand) Input {
	out := in
	out.Items = slices.Clone(in.Items)
	out.Demand = slices.Clone(in.Demand)
	out.BOM = slices.Clone(in.BOM)
	out.Receipts = slices.Clone(in.Receipts)
	out.Firm = slices.Clone(in.Firm)
	for k := 0; k < 1+rng.IntN(3); k++ {
		switch rng.IntN(8) {
		case 0:
			if len(out.Demand) > 0 {
				out.Demand[rng.IntN(len(out.Demand))].Quantity += float64(rng.IntN(50))
			}
		case 1:
			it := &out.Items[rng.IntN(len(out.Items))]
			it.LeadTime = rng.IntN(4)
			it.SafetyStock = float64(rng.IntN(30))
		case 2:
			it := &out.Items[rng.IntN(len(out.Items))]
			it.Lot = LotSizing{Policy: SilverMeal, OrderingCost: 100, HoldingCost: 1, Multiple: 5}
		case 3:
			// inserted, not appended, so other items' receipt indices shift
			out.Receipts = slices.Insert(out.Receipts, rng.IntN(len(out.Receipts)+1),
				ScheduledReceipt{Item: out.Items[rng.IntN(len(out.Items))].ID, Bucket: rng.IntN(in.Buckets), Quantity: 40})
		case 4:
			if len(out.BOM) > 0 {
				k := rng.IntN(len(out.BOM))
				out.BOM = slices.Delete(out.BOM, k, k+1)
			}
		case 5:
			p, c := rng.IntN(len(out.Items)), rng.IntN(len(out.Items))
			if p < c { // index order keeps the generated BOM acyclic
				out.BOM = append(out.BOM, BOMLine{Parent: out.Items[p].ID, Component: out.Items[c].ID, QuantityPer: 2})
			}
		case 7:
			if len(out.Receipts) > 0 {
				k := rng.IntN(len(out.Receipts))
				out.Receipts = slices.Delete(out.Receipts, k, k+1)
			}
		case 6:
			i := rng.IntN(len(out.Items))
			out.Firm = slices.Insert(out.Firm, rng.IntN(len(out.Firm)+1),
				FirmOrder{Item: out.Items[i].ID, Release: 0, Due: rng.IntN(in.Buckets), Quantity: 25})
		}
	}
	return out
}

func TestNetChangeEqualsRegenerative(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for seed := uint64(1); seed <= 25; seed++ {
		in := randomInput(seed, 50+int(seed)*3, 8+int(seed%9))
		m, err := Compile(in)
		if err != nil {
			t.Fatal(err)
		}
		prev := m.mustPlan()
		for step := 0; step < 4; step++ {
			next := mutate(in, rng)
			m2, err := Compile(next)
			if err != nil {
				t.Fatal(err)
			}
			changed, ok := ChangedItems(m, m2)
			if !ok {
				t.Fatal("same item list reported as different")
			}
			nc, err := m2.PlanNetChange(prev, changed)
			if err != nil {
				t.Fatal(err)
			}
			regen := m2.mustPlan()
			if !reflect.DeepEqual(nc.AllOrders(), regen.AllOrders()) || !reflect.DeepEqual(canonExceptions(nc), canonExceptions(regen)) {
				t.Fatalf("seed %d step %d: net change (%d items re-planned of %d) differs from regenerative", seed, step, len(nc.Replanned()), m2.NumItems())
			}
			if len(changed) > 0 && len(nc.Replanned()) == 0 {
				t.Fatalf("changes %v but nothing re-planned", changed)
			}
			checkPlan(t, next, nc)
			in, m, prev = next, m2, nc
		}
	}
}

// TestNetChangeOneDemand: changing one end item's demand re-plans only that
// item and its components.
func TestNetChangeOneDemand(t *testing.T) {
	in := Generate(GenConfig{Items: 2000, Seed: 9})
	m, _ := Compile(in)
	prev := m.mustPlan()
	next := in
	next.Demand = slices.Clone(in.Demand)
	next.Demand[0].Quantity += 1000
	m2, _ := Compile(next)
	changed, _ := ChangedItems(m, m2)
	if !slices.Equal(changed, []ItemID{next.Demand[0].Item}) {
		t.Fatalf("changed %v", changed)
	}
	nc, err := m2.PlanNetChange(prev, changed)
	if err != nil {
		t.Fatal(err)
	}
	if r := len(nc.Replanned()); r == 0 || r > 200 {
		t.Fatalf("%d items re-planned for one demand change", r)
	}
	if !reflect.DeepEqual(nc.AllOrders(), m2.mustPlan().AllOrders()) {
		t.Fatal("net change differs from regenerative")
	}
	if _, err := m2.PlanNetChange(prev, []ItemID{"nope"}); err == nil {
		t.Fatal("unknown changed item accepted")
	}
}

// TestRunsDoNotMutateInputs: simulation relies on inputs being values.
func TestRunsDoNotMutateInputs(t *testing.T) {
	in := randomInput(77, 120, 12)
	snapshot := Input{Buckets: in.Buckets, Items: slices.Clone(in.Items), BOM: slices.Clone(in.BOM), Demand: slices.Clone(in.Demand),
		Receipts: slices.Clone(in.Receipts), Firm: slices.Clone(in.Firm)}
	m, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	p := m.mustPlan()
	p.Pegging()
	p.Record(3)
	sim := in.Clone()
	sim.Demand = append(sim.Demand, Demand{Item: in.Items[0].ID, Bucket: 0, Quantity: 500})
	sim.Items[1].LeadTime++
	ps, err := Run(sim)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, snapshot) {
		t.Fatal("a run mutated its input")
	}
	if reflect.DeepEqual(ps.AllOrders(), p.AllOrders()) {
		t.Fatal("extra demand changed nothing")
	}
	if !reflect.DeepEqual(m.mustPlan().AllOrders(), p.AllOrders()) {
		t.Fatal("planning twice gave different results")
	}
}

// TestNetChangeParentOnly: a caller that reports a BOM change by its parent
// alone still gets an exact result, because components of the parent in the
// previous BOM are re-planned too.
func TestNetChangeParentOnly(t *testing.T) {
	in := Generate(GenConfig{Items: 500, Seed: 21})
	m, _ := Compile(in)
	prev := m.mustPlan()
	for k := 0; k < 8; k++ {
		next := in
		next.BOM = slices.Delete(slices.Clone(in.BOM), k*7, k*7+1)
		m2, err := Compile(next)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := m2.PlanNetChange(prev, []ItemID{in.BOM[k*7].Parent})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(nc.AllOrders(), m2.mustPlan().AllOrders()) {
			t.Fatalf("removing line %d reported by its parent: net change differs from regenerative", k*7)
		}
	}
}

// TestConcurrentReaders: a Model and a Plan are shared read-only by
// concurrent runs, records and pegging (run with -race).
func TestConcurrentReaders(t *testing.T) {
	in := randomInput(31, 150, 10)
	m, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	p := m.mustPlan()
	want := p.Pegging()
	done := make(chan []Peg)
	for g := 0; g < 4; g++ {
		go func() {
			m.mustPlan()
			p.Record(g)
			done <- p.Pegging()
		}()
	}
	for g := 0; g < 4; g++ {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Fatal("concurrent pegging differs")
		}
	}
	if p.Replanned() != nil {
		t.Fatal("a regenerative plan reports a re-planned subset")
	}
}

// canonExceptions replaces order ids (which a net-change plan does not keep
// dense) by the order's position in AllOrders, so plans can be compared.
func canonExceptions(p *Plan) []Exception {
	pos := map[int32]int32{}
	n := int32(0)
	for _, i := range p.Model().PlanningOrder() {
		from, to := p.OrderRange(int(i))
		for k := from; k < to; k++ {
			pos[int32(k)] = n
			n++
		}
	}
	out := p.Exceptions()
	for k := range out {
		if out[k].Order >= 0 {
			out[k].Order = pos[out[k].Order]
		}
	}
	return out
}

// TestNetChangeSharing: net-change plans extend the arena of the plan they
// start from; the first does it in place, concurrent siblings copy, and the
// parent plan never changes. A long chain compacts its arena.
func TestNetChangeSharing(t *testing.T) {
	in := Generate(GenConfig{Items: 300, Buckets: 12, Seed: 4})
	m, _ := Compile(in)
	prev := m.mustPlan()
	wantPrev, wantExc := prev.AllOrders(), canonExceptions(prev)

	variants := make([]*Model, 4)
	for v := range variants {
		next := in.Clone()
		next.Demand[v].Quantity += float64(100 * (v + 1))
		variants[v], _ = Compile(next)
	}
	got := make([]*Plan, len(variants))
	done := make(chan int)
	for v := range variants {
		go func() {
			got[v], _ = variants[v].PlanNetChange(prev, []ItemID{in.Demand[v].Item})
			done <- v
		}()
	}
	for range variants {
		<-done
	}
	for v, p := range got {
		if !reflect.DeepEqual(p.AllOrders(), variants[v].mustPlan().AllOrders()) {
			t.Fatalf("sibling %d differs from regenerative", v)
		}
	}
	if !reflect.DeepEqual(prev.AllOrders(), wantPrev) || !reflect.DeepEqual(canonExceptions(prev), wantExc) {
		t.Fatal("a net-change run modified the plan it started from")
	}

	// A long chain: dead orders pile up until a compaction, results stay exact.
	p, cur := prev, m
	compacted := false
	for step := 0; step < 60; step++ {
		next := in.Clone()
		next.Demand[step%len(next.Demand)].Quantity += float64(step)
		m2, _ := Compile(next)
		changed, _ := ChangedItems(cur, m2)
		np, err := m2.PlanNetChange(p, changed)
		if err != nil {
			t.Fatal(err)
		}
		if np.Replanned() == nil {
			compacted = true
		}
		if step%10 == 0 || np.Replanned() == nil {
			if !reflect.DeepEqual(np.AllOrders(), m2.mustPlan().AllOrders()) || !reflect.DeepEqual(canonExceptions(np), canonExceptions(m2.mustPlan())) {
				t.Fatalf("step %d: chained net change differs from regenerative", step)
			}
		}
		p, cur = np, m2
	}
	if !compacted {
		t.Fatal("60 chained net changes never compacted the arena")
	}
}
