package mrp

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCycle(t *testing.T) {
	cases := []struct {
		name string
		bom  []BOMLine
		want []ItemID
	}{
		{"three items", []BOMLine{
			{Parent: "A", Component: "B", QuantityPer: 1},
			{Parent: "B", Component: "C", QuantityPer: 1},
			{Parent: "C", Component: "A", QuantityPer: 1},
			{Parent: "C", Component: "D", QuantityPer: 1},
		}, []ItemID{"A", "B", "C"}},
		{"self loop", []BOMLine{{Parent: "B", Component: "B", QuantityPer: 1}}, []ItemID{"B"}},
		{"cycle below an acyclic part", []BOMLine{
			{Parent: "A", Component: "B", QuantityPer: 1},
			{Parent: "B", Component: "C", QuantityPer: 1},
			{Parent: "C", Component: "D", QuantityPer: 1},
			{Parent: "D", Component: "C", QuantityPer: 1},
		}, []ItemID{"C", "D"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Buckets: 4, Items: []Item{{ID: "A"}, {ID: "B"}, {ID: "C"}, {ID: "D"}}, BOM: c.bom}
			_, err := Compile(in)
			if !errors.Is(err, ErrCycle) {
				t.Fatalf("err = %v, want ErrCycle", err)
			}
			var ce *CycleError
			if !errors.As(err, &ce) || !slices.Equal(ce.Path, c.want) {
				t.Fatalf("cycle %v, want %v", ce, c.want)
			}
			if !strings.Contains(err.Error(), string(c.want[0])+" -> ") {
				t.Errorf("message %q does not name the cycle", err)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	base := func() Input {
		return Input{Buckets: 4,
			Items:  []Item{{ID: "A"}, {ID: "B"}},
			BOM:    []BOMLine{{Parent: "A", Component: "B", QuantityPer: 1}},
			Demand: []Demand{{Item: "A", Bucket: 1, Quantity: 5}},
		}
	}
	cases := []struct {
		name   string
		mutate func(*Input)
		err    error
		field  string
	}{
		{"negative demand", func(in *Input) { in.Demand[0].Quantity = -1 }, ErrNegativeQuantity, "demand[0].quantity"},
		{"NaN demand", func(in *Input) { in.Demand[0].Quantity = math.NaN() }, ErrNegativeQuantity, "demand[0].quantity"},
		{"demand past the horizon", func(in *Input) { in.Demand[0].Bucket = 4 }, ErrBucketRange, "demand[0].bucket"},
		{"unknown demand item", func(in *Input) { in.Demand[0].Item = "Z" }, ErrUnknownItem, "demand[0].item"},
		{"unknown component", func(in *Input) { in.BOM[0].Component = "Z" }, ErrUnknownItem, "bom[0].component"},
		{"zero quantity per", func(in *Input) { in.BOM[0].QuantityPer = 0 }, ErrNegativeQuantity, "bom[0].quantity_per"},
		{"negative line scrap", func(in *Input) { in.BOM[0].Scrap = -0.1 }, ErrNegativeQuantity, "bom[0].scrap"},
		{"negative on-hand", func(in *Input) { in.Items[1].OnHand = -3 }, ErrNegativeQuantity, "items[1].on_hand"},
		{"negative safety stock", func(in *Input) { in.Items[0].SafetyStock = -3 }, ErrNegativeQuantity, "items[0].safety_stock"},
		{"negative lead time", func(in *Input) { in.Items[0].LeadTime = -1 }, ErrNegativeQuantity, "items[0].lead_time"},
		{"duplicate id", func(in *Input) { in.Items[1].ID = "A" }, ErrDuplicateItem, "items[1].id"},
		{"empty id", func(in *Input) { in.Items[1].ID = "" }, ErrInvalid, "items[1].id"},
		{"no buckets", func(in *Input) { in.Buckets = 0 }, ErrBucketRange, "buckets"},
		{"negative receipt", func(in *Input) {
			in.Receipts = []ScheduledReceipt{{Item: "A", Bucket: 0, Quantity: -1}}
		}, ErrNegativeQuantity, "receipts[0].quantity"},
		{"firm release after due", func(in *Input) {
			in.Firm = []FirmOrder{{Item: "A", Release: 3, Due: 2, Quantity: 1}}
		}, ErrBucketRange, "firm[0].release"},
		{"FOQ without quantity", func(in *Input) { in.Items[0].Lot = LotSizing{Policy: FixedOrderQuantity} }, ErrBadLotParameter, "items[0].lot.fixed_quantity"},
		{"EOQ without holding cost", func(in *Input) {
			in.Items[0].Lot = LotSizing{Policy: EOQ, AnnualDemand: 100, OrderingCost: 5}
		}, ErrBadLotParameter, "items[0].lot.annual_holding_cost"},
		{"POQ of zero periods", func(in *Input) { in.Items[0].Lot = LotSizing{Policy: PeriodOrderQuantity} }, ErrBadLotParameter, "items[0].lot.periods"},
		{"Wagner-Whitin with negative holding cost", func(in *Input) {
			in.Items[0].Lot = LotSizing{Policy: WagnerWhitin, OrderingCost: 5, HoldingCost: -1}
		}, ErrBadLotParameter, "items[0].lot.holding_cost"},
		{"Silver-Meal without ordering cost", func(in *Input) {
			in.Items[0].Lot = LotSizing{Policy: SilverMeal, HoldingCost: 1}
		}, ErrBadLotParameter, "items[0].lot.ordering_cost"},
		{"maximum below minimum", func(in *Input) { in.Items[0].Lot = LotSizing{Minimum: 50, Maximum: 40} }, ErrBadLotParameter, "items[0].lot.maximum"},
		{"maximum below multiple", func(in *Input) { in.Items[0].Lot = LotSizing{Multiple: 50, Maximum: 40} }, ErrBadLotParameter, "items[0].lot.maximum"},
		{"unknown policy", func(in *Input) { in.Items[0].Lot.Policy = 42 }, ErrBadLotParameter, "items[0].lot.policy"},
		{"infinite multiple", func(in *Input) { in.Items[0].Lot.Multiple = math.Inf(1) }, ErrBadLotParameter, "items[0].lot.multiple"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base()
			c.mutate(&in)
			m, err := Compile(in)
			if err == nil || m != nil {
				t.Fatalf("Compile accepted it (model %v)", m)
			}
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("field error %+v, want field %s", fe, c.field)
			}
		})
	}
	if _, err := Compile(base()); err != nil {
		t.Fatalf("base input rejected: %v", err)
	}
}

// TestAllProblemsReported: the API can show every bad field at once.
func TestAllProblemsReported(t *testing.T) {
	in := Input{Buckets: 2, Items: []Item{{ID: "A", SafetyStock: -1}}, Demand: []Demand{{Item: "Q", Bucket: 0, Quantity: 1}}}
	_, err := Compile(in)
	var ve ValidationErrors
	if !errors.As(err, &ve) || len(ve) != 2 {
		t.Fatalf("err %v: want 2 problems", err)
	}
	if !errors.Is(err, ErrUnknownItem) || !errors.Is(err, ErrNegativeQuantity) {
		t.Errorf("errors.Is misses a sentinel: %v", err)
	}
}

func TestNamesRoundTrip(t *testing.T) {
	for p := LotForLot; p <= SilverMeal; p++ {
		if q, ok := ParsePolicy(p.String()); !ok || q != p {
			t.Errorf("policy %d: %q parses to %d, %v", p, p.String(), q, ok)
		}
	}
	if _, ok := ParsePolicy("magic"); ok {
		t.Error("unknown policy parsed")
	}
	seen := map[string]bool{}
	for _, k := range ExceptionKinds() {
		if s := k.String(); s == "unknown" || seen[s] {
			t.Errorf("exception kind %d named %q", k, s)
		}
		seen[k.String()] = true
	}
}
