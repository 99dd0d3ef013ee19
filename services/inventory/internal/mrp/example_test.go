package mrp_test

import (
	"fmt"

	"github.com/planta-dev/planta/services/inventory/internal/mrp"
)

// A table made of a top and four legs; the legs are bought with a two-week
// lead time and come in packs of 12, so 4 of the 24 ordered are excess.
func Example() {
	in := mrp.Input{
		Buckets: 4,
		Items: []mrp.Item{
			{ID: "TABLE", LeadTime: 1},
			{ID: "TOP", Source: mrp.Buy, LeadTime: 1, OnHand: 2},
			{ID: "LEG", Source: mrp.Buy, LeadTime: 2, Lot: mrp.LotSizing{Multiple: 12}},
		},
		BOM: []mrp.BOMLine{
			{Parent: "TABLE", Component: "TOP", QuantityPer: 1},
			{Parent: "TABLE", Component: "LEG", QuantityPer: 4},
		},
		Demand: []mrp.Demand{{Item: "TABLE", Bucket: 3, Quantity: 5, Ref: "SO-1"}},
	}
	m, err := mrp.Compile(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := m.Plan()
	if err != nil {
		fmt.Println(err)
		return
	}
	for k := range plan.NumOrders() {
		o := plan.Order(k)
		fmt.Printf("%s qty %v release %d due %d\n", m.ID(int(o.Item)), o.Quantity, o.Release, o.Due)
	}
	for _, e := range plan.Exceptions() {
		fmt.Printf("%s: %s in bucket %d\n", m.ID(int(e.Item)), e.Kind, e.Bucket)
	}
	for _, g := range plan.PegOrder(2) {
		target := string(m.ID(int(g.Item)))
		if g.Kind == mrp.PegDemand {
			target = in.Demand[g.Demand].Ref
		}
		fmt.Printf("LEG order: %v for %s %s\n", g.Quantity, g.Kind, target)
	}
	// Output:
	// TABLE qty 5 release 2 due 3
	// TOP qty 3 release 1 due 2
	// LEG qty 24 release 0 due 2
	// LEG order: 20 for demand SO-1
	// LEG order: 4 for excess LEG
}
