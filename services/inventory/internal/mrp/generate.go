package mrp

import (
	"fmt"
	"math/rand/v2"
)

// GenConfig describes a synthetic planning problem. The same config always
// yields the same Input, so benchmarks, the `make bench` tenant and the
// storage layer's tests can share one data set without shipping it.
type GenConfig struct {
	Items   int    // number of items (>= Levels)
	Levels  int    // BOM levels (default 5)
	Buckets int    // horizon (default 52)
	Seed    uint64 // PCG seed
	// LinesPerParent is the mean number of components of a non-leaf item
	// (default 3.2, which gives ≈2.4 BOM lines per item over 5 levels).
	LinesPerParent float64
}

// Generate builds a deterministic Input: items spread over Levels levels
// (12/18/22/24/24 % for five), each non-leaf item with components mostly
// from the next level and sometimes from deeper ones (so components are
// shared across levels), end-item demand in most buckets, a little service
// demand on components, mixed lot rules and modifiers, some safety stock,
// scheduled receipts, firmed orders and planning time fences.
func Generate(cfg GenConfig) Input {
	if cfg.Levels <= 0 {
		cfg.Levels = 5
	}
	if cfg.Buckets <= 0 {
		cfg.Buckets = 52
	}
	if cfg.LinesPerParent <= 0 {
		cfg.LinesPerParent = 3.2
	}
	if cfg.Items < cfg.Levels {
		cfg.Items = cfg.Levels
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	n, L, H := cfg.Items, cfg.Levels, cfg.Buckets

	// Level boundaries: level l holds items [lo[l], lo[l+1]).
	weights := make([]float64, L)
	total := 0.0
	for l := range weights {
		weights[l] = 1 + 1.0*float64(min(l, 3)) // 1,2,3,4,4,... normalised below
		if L == 5 {
			weights[l] = [5]float64{12, 18, 22, 24, 24}[l]
		}
		total += weights[l]
	}
	lo := make([]int, L+1)
	acc := 0.0
	for l := 0; l < L; l++ {
		lo[l] = int(acc / total * float64(n))
		acc += weights[l]
	}
	lo[L] = n
	for l := 1; l <= L; l++ { // every level non-empty
		lo[l] = max(lo[l], lo[l-1]+1)
	}
	lo[L] = n

	in := Input{Buckets: H, Items: make([]Item, n)}
	for i := range in.Items {
		it := &in.Items[i]
		it.ID = ItemID(fmt.Sprintf("I%07d", i))
		it.Source = Make
		it.LeadTime = rng.IntN(4)
		if rng.Float64() < 0.3 {
			it.SafetyStock = float64(10 * (1 + rng.IntN(5)))
		}
		it.OnHand = float64(rng.IntN(200))
		switch x := rng.Float64(); {
		case x < 0.40:
			it.Lot.Policy = LotForLot
		case x < 0.50:
			it.Lot.Policy = FixedOrderQuantity
			it.Lot.FixedQuantity = float64(100 * (1 + rng.IntN(10)))
		case x < 0.60:
			it.Lot.Policy = EOQ
			it.Lot.AnnualDemand = float64(1000 + rng.IntN(50000))
			it.Lot.OrderingCost = float64(20 + rng.IntN(200))
			it.Lot.AnnualHoldingCost = 0.5 + rng.Float64()*5
		case x < 0.75:
			it.Lot.Policy = PeriodOrderQuantity
			it.Lot.Periods = 2 + rng.IntN(4)
		case x < 0.85:
			it.Lot.Policy = WagnerWhitin
			it.Lot.OrderingCost = float64(50 + rng.IntN(500))
			it.Lot.HoldingCost = 0.1 + rng.Float64()
		default:
			it.Lot.Policy = SilverMeal
			it.Lot.OrderingCost = float64(50 + rng.IntN(500))
			it.Lot.HoldingCost = 0.1 + rng.Float64()
		}
		if rng.Float64() < 0.2 {
			it.Lot.Minimum = float64(10 * (1 + rng.IntN(10)))
		}
		if rng.Float64() < 0.2 {
			it.Lot.Multiple = float64([4]int{5, 10, 12, 25}[rng.IntN(4)])
		}
		if rng.Float64() < 0.05 {
			it.Lot.Maximum = 1000 + float64(100*rng.IntN(50))
		}
		if rng.Float64() < 0.1 {
			it.Scrap = 0.02
		}
		if rng.Float64() < 0.05 {
			it.PlanningTimeFence = 1 + rng.IntN(2)
		}
	}
	// BOM.
	in.BOM = make([]BOMLine, 0, int(float64(lo[L-1])*cfg.LinesPerParent)+16)
	var picked []int
	for l := 0; l < L-1; l++ {
		for p := lo[l]; p < lo[l+1]; p++ {
			in.Items[p].Source = Make
			k := int(cfg.LinesPerParent-0.5) + rng.IntN(2)
			if rng.Float64() < cfg.LinesPerParent-float64(int(cfg.LinesPerParent-0.5))-0.5 {
				k++
			}
			picked = picked[:0]
			for len(picked) < k {
				cl := l + 1
				if rng.Float64() < 0.2 && l+2 < L {
					cl = l + 2 + rng.IntN(L-l-2)
				}
				c := lo[cl] + rng.IntN(lo[cl+1]-lo[cl])
				dup := false
				for _, q := range picked {
					dup = dup || q == c
				}
				if dup {
					continue
				}
				picked = append(picked, c)
				line := BOMLine{Parent: in.Items[p].ID, Component: in.Items[c].ID, QuantityPer: float64(1 + rng.IntN(3))}
				if rng.Float64() < 0.1 {
					line.QuantityPer = 0.5
				}
				if rng.Float64() < 0.1 {
					line.Scrap = 0.05
				}
				in.BOM = append(in.BOM, line)
			}
		}
	}
	for i := lo[L-1]; i < n; i++ { // leaves are bought
		in.Items[i].Source = Buy
	}
	// Demand: end items in ~80 % of buckets, ~2 % of components a few.
	in.Demand = make([]Demand, 0, int(float64(lo[1])*float64(H)*0.8)+16)
	for i := 0; i < n; i++ {
		end := i < lo[1]
		if !end && rng.Float64() >= 0.02 {
			continue
		}
		for t := 0; t < H; t++ {
			if (end && rng.Float64() < 0.8) || (!end && rng.Float64() < 0.1) {
				in.Demand = append(in.Demand, Demand{Item: in.Items[i].ID, Bucket: t, Quantity: float64(10 + rng.IntN(91))})
			}
		}
	}
	for i := 0; i < n; i++ {
		if rng.Float64() < 0.05 {
			in.Receipts = append(in.Receipts, ScheduledReceipt{Item: in.Items[i].ID, Bucket: rng.IntN(min(6, H)), Quantity: float64(50 + rng.IntN(200))})
		}
		if rng.Float64() < 0.02 {
			due := rng.IntN(min(8, H))
			in.Firm = append(in.Firm, FirmOrder{Item: in.Items[i].ID, Due: due, Release: max(0, due-in.Items[i].LeadTime), Quantity: float64(100 + rng.IntN(200))})
		}
	}
	return in
}
