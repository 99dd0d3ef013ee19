package mrp

import (
	"math"
	"slices"
	"testing"
)

// approx compares float slices within Tolerance.
func approx(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > Tolerance {
			return false
		}
	}
	return true
}

type wantRecord struct {
	gross, sr, poh, net, receipts, releases []float64
}

func checkRecord(t *testing.T, p *Plan, id ItemID, w wantRecord) {
	t.Helper()
	i, ok := p.Model().Index(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	r := p.Record(i)
	rows := []struct {
		name      string
		got, want []float64
	}{
		{"gross", r.Gross, w.gross}, {"scheduled receipts", r.ScheduledReceipts, w.sr},
		{"projected on-hand", r.ProjectedOnHand, w.poh}, {"net", r.Net, w.net},
		{"planned receipts", r.PlannedReceipts, w.receipts}, {"planned releases", r.PlannedReleases, w.releases},
	}
	for _, row := range rows {
		if row.want != nil && !approx(row.got, row.want) {
			t.Errorf("%s %s:\n got %v\nwant %v", id, row.name, row.got, row.want)
		}
	}
}

// singleItem is the textbook one-item problem: on-hand 20, lead time 2, a
// scheduled receipt of 30 in bucket 1.
func singleItem(lot LotSizing, gross []float64) Input {
	in := Input{Buckets: len(gross), Items: []Item{{ID: "A", LeadTime: 2, OnHand: 20, Lot: lot}}}
	for t, q := range gross {
		if q > 0 {
			in.Demand = append(in.Demand, Demand{Item: "A", Bucket: t, Quantity: q})
		}
	}
	in.Receipts = []ScheduledReceipt{{Item: "A", Bucket: 1, Quantity: 30}}
	return in
}

// TestSingleItemLotRules reproduces hand-computed MRP records of one item
// under each lot rule (records written out bucket by bucket).
func TestSingleItemLotRules(t *testing.T) {
	g := []float64{10, 10, 40, 0, 30, 20, 10, 10}
	sr := []float64{0, 30, 0, 0, 0, 0, 0, 0}
	cases := []struct {
		name  string
		lot   LotSizing
		gross []float64
		want  wantRecord
	}{
		{"lot-for-lot", LotSizing{Policy: LotForLot}, g, wantRecord{
			gross: g, sr: sr,
			poh:      []float64{10, 30, 0, 0, 0, 0, 0, 0},
			net:      []float64{0, 0, 10, 0, 30, 20, 10, 10},
			receipts: []float64{0, 0, 10, 0, 30, 20, 10, 10},
			releases: []float64{10, 0, 30, 20, 10, 10, 0, 0},
		}},
		{"fixed order quantity with a scheduled receipt", LotSizing{Policy: FixedOrderQuantity, FixedQuantity: 50}, g, wantRecord{
			gross: g, sr: sr,
			poh:      []float64{10, 30, 40, 40, 10, 40, 30, 20},
			net:      []float64{0, 0, 10, 0, 0, 10, 0, 0},
			receipts: []float64{0, 0, 50, 0, 0, 50, 0, 0},
			releases: []float64{50, 0, 0, 50, 0, 0, 0, 0},
		}},
		{"fixed order quantity, requirement above the lot", LotSizing{Policy: FixedOrderQuantity, FixedQuantity: 25}, []float64{0, 0, 80, 0, 0, 0, 0, 0}, wantRecord{
			poh:      []float64{20, 50, 20, 20, 20, 20, 20, 20},
			receipts: []float64{0, 0, 50, 0, 0, 0, 0, 0}, // 30 short → 2 lots of 25
		}},
		{"EOQ 50 (D=625, S=20, H=10), net above EOQ ordered as is", LotSizing{Policy: EOQ, AnnualDemand: 625, OrderingCost: 20, AnnualHoldingCost: 10},
			[]float64{10, 10, 40, 0, 100, 20, 10, 10}, wantRecord{
				poh:      []float64{10, 30, 40, 40, 0, 30, 20, 10},
				net:      []float64{0, 0, 10, 0, 60, 20, 0, 0},
				receipts: []float64{0, 0, 50, 0, 60, 50, 0, 0},
				releases: []float64{50, 0, 60, 50, 0, 0, 0, 0},
			}},
		{"period order quantity 3", LotSizing{Policy: PeriodOrderQuantity, Periods: 3}, g, wantRecord{
			poh:      []float64{10, 30, 30, 30, 0, 20, 10, 0},
			net:      []float64{0, 0, 10, 0, 0, 20, 0, 0},
			receipts: []float64{0, 0, 40, 0, 0, 40, 0, 0},
			releases: []float64{40, 0, 0, 40, 0, 0, 0, 0},
		}},
		{"minimum 25, multiple 10, maximum 40", LotSizing{Policy: LotForLot, Minimum: 25, Multiple: 10, Maximum: 40},
			[]float64{25, 0, 125, 0, 0, 0, 0, 0}, wantRecord{
				// bucket 0: short 5 → minimum 25 → multiple 30; bucket 2: 55 available,
				// short 70 → split into 40 + 30.
				poh:      []float64{25, 55, 0, 0, 0, 0, 0, 0},
				net:      []float64{5, 0, 70, 0, 0, 0, 0, 0},
				receipts: []float64{30, 0, 70, 0, 0, 0, 0, 0},
				releases: []float64{30 + 70, 0, 0, 0, 0, 0, 0, 0},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Run(singleItem(c.lot, c.gross))
			if err != nil {
				t.Fatal(err)
			}
			checkRecord(t, p, "A", c.want)
		})
	}
}

// TestModifiersSplitAndPastDue checks the individual orders behind the
// modifier case: the split into two orders and the past-due releases.
func TestModifiersSplitAndPastDue(t *testing.T) {
	p, err := Run(singleItem(LotSizing{Policy: LotForLot, Minimum: 25, Multiple: 10, Maximum: 40}, []float64{25, 0, 125, 0}))
	if err != nil {
		t.Fatal(err)
	}
	var got [][3]float64
	for _, o := range p.AllOrders() {
		got = append(got, [3]float64{float64(o.Due), float64(o.Release), o.Quantity})
		if o.PastDue != (o.Due < 2) {
			t.Errorf("order %+v: only the bucket-0 order (release -2) is past due", o)
		}
	}
	want := [][3]float64{{0, 0, 30}, {2, 0, 40}, {2, 0, 30}}
	if !slices.Equal(got, want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	var pastDue []int32
	for _, e := range p.Exceptions() {
		if e.Kind == ExceptionReleasePastDue {
			pastDue = append(pastDue, e.Bucket)
		}
	}
	if !slices.Equal(pastDue, []int32{-2}) {
		t.Errorf("past-due buckets %v, want [-2]", pastDue)
	}
}

// TestScrap: item scrap inflates the order, modifiers act on the order
// quantity, and the good receipt is what nets.
func TestScrap(t *testing.T) {
	in := Input{Buckets: 2,
		Items:  []Item{{ID: "P", Scrap: 0.25, Lot: LotSizing{Multiple: 10}}, {ID: "C", Source: Buy}},
		BOM:    []BOMLine{{Parent: "P", Component: "C", QuantityPer: 2, Scrap: 0.5}},
		Demand: []Demand{{Item: "P", Bucket: 1, Quantity: 100}},
	}
	p, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	o := p.OrdersOf(0)
	if len(o) != 1 || o[0].Quantity != 130 || math.Abs(o[0].Receipt-104) > Tolerance {
		t.Fatalf("P orders %+v, want quantity 130 (125 rounded to 10), receipt 104", o)
	}
	checkRecord(t, p, "P", wantRecord{poh: []float64{0, 4}, receipts: []float64{0, 104}, releases: []float64{0, 130}})
	// C: 130 × 2 × 1.5 = 390 in P's release bucket.
	checkRecord(t, p, "C", wantRecord{gross: []float64{0, 390}, receipts: []float64{0, 390}})
	if !p.OrdersOf(1)[0].Buy || p.OrdersOf(0)[0].Buy {
		t.Errorf("make/buy flags wrong")
	}
}

// TestMultiLevel: A → 2 B + 1 C, B → 3 C, so C is used at levels 1 and 2
// and gets low-level code 2; every item is offset by its own lead time only.
func TestMultiLevel(t *testing.T) {
	in := Input{Buckets: 6,
		Items: []Item{
			{ID: "A", LeadTime: 1},
			{ID: "B", LeadTime: 1, OnHand: 5},
			{ID: "C", LeadTime: 2, OnHand: 40, SafetyStock: 10, Source: Buy},
		},
		BOM: []BOMLine{
			{Parent: "A", Component: "B", QuantityPer: 2},
			{Parent: "A", Component: "C", QuantityPer: 1},
			{Parent: "B", Component: "C", QuantityPer: 3},
		},
		Demand: []Demand{{Item: "A", Bucket: 3, Quantity: 10}, {Item: "A", Bucket: 5, Quantity: 20}},
	}
	m, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{m.LowLevelCode(0), m.LowLevelCode(1), m.LowLevelCode(2)}; !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("low-level codes %v, want [0 1 2]", got)
	}
	p := m.mustPlan()
	checkRecord(t, p, "A", wantRecord{
		gross: []float64{0, 0, 0, 10, 0, 20}, poh: []float64{0, 0, 0, 0, 0, 0},
		net: []float64{0, 0, 0, 10, 0, 20}, receipts: []float64{0, 0, 0, 10, 0, 20}, releases: []float64{0, 0, 10, 0, 20, 0},
	})
	checkRecord(t, p, "B", wantRecord{
		gross: []float64{0, 0, 20, 0, 40, 0}, poh: []float64{5, 5, 0, 0, 0, 0},
		net: []float64{0, 0, 15, 0, 40, 0}, receipts: []float64{0, 0, 15, 0, 40, 0}, releases: []float64{0, 15, 0, 40, 0, 0},
	})
	// C: gross = A releases ×1 + B releases ×3. Safety stock 10 is applied
	// once (bucket 1 nets 45+10-40 = 15), and the bucket-1 and bucket-2
	// receipts need releases at -1 and 0: the first is past due.
	checkRecord(t, p, "C", wantRecord{
		gross: []float64{0, 45, 10, 120, 20, 0}, poh: []float64{40, 10, 10, 10, 10, 10},
		net: []float64{0, 15, 10, 120, 20, 0}, receipts: []float64{0, 15, 10, 120, 20, 0}, releases: []float64{25, 120, 20, 0, 0, 0},
	})
	var kinds []string
	for _, e := range p.Exceptions() {
		kinds = append(kinds, e.Kind.String()+"@"+string(m.ID(int(e.Item))))
	}
	if !slices.Equal(kinds, []string{"release_past_due@C"}) {
		t.Errorf("exceptions %v, want only release_past_due@C", kinds)
	}
	if e := p.Exceptions()[0]; e.Bucket != -1 || p.Order(int(e.Order)).Due != 1 || p.Order(int(e.Order)).Release != 0 {
		t.Errorf("past-due exception %+v / order %+v", e, p.Order(int(e.Order)))
	}
}

// TestWagnerWhitinAndSilverMeal: the classic eight-period example
// (S = 100, h = 1 per unit per bucket), solved by hand in the comments.
func TestWagnerWhitinAndSilverMeal(t *testing.T) {
	req := []float64{50, 60, 90, 70, 30, 100, 60, 100}
	cases := []struct {
		name     string
		lot      LotSizing
		req      []float64
		receipts []float64
	}{
		// F = 100,160,260,330,390,490,550,650; backtrack 7 | 5-6 | 3-4 | 2 | 0-1
		// (F[5] ties 3-4 against 2-4; the later lot start wins ties).
		{"wagner-whitin", LotSizing{Policy: WagnerWhitin, OrderingCost: 100, HoldingCost: 1}, req,
			[]float64{110, 0, 90, 100, 0, 160, 0, 100}},
		// averages: 100, 80, 113 → 0-1; 100, 85, 76.7, 132.5 → 2-4; 100, 80, 120 → 5-6; 7.
		{"silver-meal", LotSizing{Policy: SilverMeal, OrderingCost: 100, HoldingCost: 1}, req,
			[]float64{110, 0, 190, 0, 0, 160, 0, 100}},
		// S = 50, h = 0.5: 50, 25 (zero bucket), 33.3 → 0-1; 50, 75 → 2; 3.
		{"silver-meal with a zero bucket", LotSizing{Policy: SilverMeal, OrderingCost: 50, HoldingCost: 0.5}, []float64{100, 0, 50, 200},
			[]float64{100, 0, 50, 200}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Buckets: len(c.req), Items: []Item{{ID: "A", Lot: c.lot}}}
			for b, q := range c.req {
				in.Demand = append(in.Demand, Demand{Item: "A", Bucket: b, Quantity: q})
			}
			p, err := Run(in)
			if err != nil {
				t.Fatal(err)
			}
			checkRecord(t, p, "A", wantRecord{receipts: c.receipts})
		})
	}
	if got := EconomicOrderQuantity(625, 20, 10); got != 50 {
		t.Errorf("EOQ(625, 20, 10) = %v, want 50", got)
	}
}

// TestExceptions covers the supply messages, below safety stock inside a
// planning time fence and a firmed order with too short a lead time.
func TestExceptions(t *testing.T) {
	in := Input{Buckets: 6,
		Items: []Item{
			{ID: "EXP", OnHand: 10},
			{ID: "DEF", OnHand: 50},
			{ID: "CAN", OnHand: 100},
			{ID: "PTF", SafetyStock: 5, PlanningTimeFence: 2},
			{ID: "FIRM", LeadTime: 3},
		},
		Demand: []Demand{
			{Item: "EXP", Bucket: 1, Quantity: 30},
			{Item: "DEF", Bucket: 4, Quantity: 60},
			{Item: "CAN", Bucket: 2, Quantity: 50},
			{Item: "PTF", Bucket: 0, Quantity: 10},
			{Item: "FIRM", Bucket: 2, Quantity: 50},
		},
		Receipts: []ScheduledReceipt{
			{Item: "EXP", Bucket: 3, Quantity: 40},
			{Item: "DEF", Bucket: 1, Quantity: 20},
			{Item: "CAN", Bucket: 1, Quantity: 30},
		},
		Firm: []FirmOrder{{Item: "FIRM", Release: 1, Due: 2, Quantity: 50}},
	}
	p, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	type ex struct {
		item        ItemID
		kind        ExceptionKind
		bucket, to  int32
		qty         float64
		receipt     int32
		orderIsFirm bool
	}
	var got []ex
	for _, e := range p.Exceptions() {
		x := ex{item: p.Model().ID(int(e.Item)), kind: e.Kind, bucket: e.Bucket, to: e.ToBucket, qty: e.Quantity, receipt: e.Receipt}
		if e.Order >= 0 {
			x.orderIsFirm = p.Order(int(e.Order)).IsFirm()
		}
		got = append(got, x)
	}
	want := []ex{
		{"EXP", ExceptionExpedite, 3, 1, 40, 0, false},
		{"DEF", ExceptionDefer, 1, 4, 20, 1, false},
		{"CAN", ExceptionCancel, 1, -1, 30, 2, false},
		{"PTF", ExceptionBelowSafetyStock, 0, -1, 15, -1, false},
		{"FIRM", ExceptionLeadTimeViolation, 1, -1, 50, -1, true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("exceptions\n got %+v\nwant %+v", got, want)
	}
	// The fence pushes the shortfall (10 demand + 5 safety stock) to bucket 2.
	checkRecord(t, p, "PTF", wantRecord{poh: []float64{-10, -10, 5, 5, 5, 5}, receipts: []float64{0, 0, 15, 0, 0, 0}})
	// The firmed order covers FIRM's demand: no new order.
	if o := p.OrdersOf(4); len(o) != 1 || !o[0].IsFirm() || o[0].Release != 1 {
		t.Errorf("FIRM orders %+v, want the firmed one only", o)
	}
	// EXP still gets a planned order for the gap before the late receipt.
	checkRecord(t, p, "EXP", wantRecord{poh: []float64{10, 0, 0, 40, 40, 40}, receipts: []float64{0, 20, 0, 0, 0, 0}})
}

func TestEdgeCases(t *testing.T) {
	p, err := Run(Input{Buckets: 3})
	if err != nil || p.NumOrders() != 0 || len(p.Exceptions()) != 0 {
		t.Fatalf("empty input: %v, %d orders", err, p.NumOrders())
	}
	// Lead time beyond the horizon: every release is past due, in bucket 0.
	in := Input{Buckets: 3, Items: []Item{{ID: "A", LeadTime: 10}, {ID: "B"}},
		Demand: []Demand{{Item: "A", Bucket: 2, Quantity: 4}}}
	p, err = Run(in)
	if err != nil {
		t.Fatal(err)
	}
	if o := p.Order(0); p.NumOrders() != 1 || o.Release != 0 || !o.PastDue || p.Exceptions()[0].Bucket != -8 {
		t.Fatalf("orders %v exceptions %v", p.AllOrders(), p.Exceptions())
	}
	if len(p.OrdersOf(1)) != 0 {
		t.Fatal("an item without demand got orders")
	}
}
