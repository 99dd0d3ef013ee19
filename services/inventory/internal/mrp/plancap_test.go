package mrp

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// mustPlan is Plan for tests whose plans stay within MaxOrdersPerItem.
func (m *Model) mustPlan() *Plan {
	p, err := m.Plan()
	if err != nil {
		panic(err)
	}
	return p
}

// capInput is one bought item with demand of qty in bucket 2 and the given maximum.
func capInput(qty, maximum float64) Input {
	return Input{Buckets: 4,
		Items:  []Item{{ID: "ROD", Source: Buy, LeadTime: 1, Lot: LotSizing{Policy: LotForLot, Maximum: maximum}}},
		Demand: []Demand{{Item: "ROD", Bucket: 2, Quantity: qty, Ref: "SO-1"}}}
}

// A maximum far below the demand would mean millions of orders: the run fails before
// making them, naming the item and the numbers.
func TestPlanTooManyOrders(t *testing.T) {
	for _, c := range []struct {
		name       string
		qty, max   float64
		wantOrders float64
	}{
		{"4M orders (audit case)", 1e6, 0.25, 4e6},
		{"10^10 orders", 1e6, 0.0001, 1e10},
		{"one over the cap", MaxOrdersPerItem + 1, 1, MaxOrdersPerItem + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Compile(capInput(c.qty, c.max))
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Plan()
			if p != nil || !errors.Is(err, ErrTooManyOrders) {
				t.Fatalf("Plan = %v, %v; want ErrTooManyOrders", p, err)
			}
			var tm *TooManyOrdersError
			if !errors.As(err, &tm) || tm.Item != "ROD" || tm.Limit != MaxOrdersPerItem || tm.Maximum != c.max || tm.Quantity != c.qty ||
				math.Abs(tm.Orders-c.wantOrders) > 1e-6*c.wantOrders || tm.Bucket != 2 {
				t.Fatalf("err = %#v", tm)
			}
			if !strings.Contains(err.Error(), `"ROD"`) || !strings.Contains(err.Error(), "maximum") {
				t.Fatalf("message %q", err)
			}
			// A net-change run re-planning the item fails the same way.
			small, err := Compile(capInput(10, c.max*10))
			if err != nil {
				t.Fatal(err)
			}
			prev, err := small.Plan()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.PlanNetChange(prev, []ItemID{"ROD"}); !errors.Is(err, ErrTooManyOrders) {
				t.Fatalf("PlanNetChange err = %v", err)
			}
		})
	}
}

// Exactly MaxOrdersPerItem orders is allowed, and the count is per item: many items each
// near the cap plan fine.
func TestPlanOrdersAtCap(t *testing.T) {
	in := Input{Buckets: 4}
	for _, id := range []ItemID{"A", "B", "C"} {
		in.Items = append(in.Items, Item{ID: id, Source: Buy, Lot: LotSizing{Policy: LotForLot, Maximum: 2}})
		in.Demand = append(in.Demand, Demand{Item: id, Bucket: 1, Quantity: 2 * MaxOrdersPerItem, Ref: "d"})
	}
	m, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.NumOrders() != 3*MaxOrdersPerItem {
		t.Fatalf("%d orders, want %d", p.NumOrders(), 3*MaxOrdersPerItem)
	}
}
