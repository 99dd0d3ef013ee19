package mrp

import "slices"

// Tolerance is the absolute quantity below which a shortfall or an excess is
// treated as zero. Floating-point sums of fractional quantities are not
// exact, and without a tolerance a 1e-13 residue would create a planned order.
const Tolerance = 1e-6

// MaxBuckets bounds Input.Buckets so that a typo cannot make a run allocate
// gigabytes; 20 years of daily buckets still fit.
const MaxBuckets = 8192

// ItemID identifies an item (a material) in the caller's terms.
type ItemID string

// Source says whether an item is produced (its BOM is exploded) or bought.
type Source uint8

const (
	// Make items are produced in house; their planned orders are work orders.
	Make Source = iota
	// Buy items are purchased; their planned orders become purchase requisitions.
	Buy
)

// String returns "make" or "buy", the spelling used by the API.
func (s Source) String() string {
	if s == Buy {
		return "buy"
	}
	return "make"
}

// Policy is a lot-sizing rule.
type Policy uint8

const (
	// LotForLot orders exactly each bucket's net requirement.
	LotForLot Policy = iota
	// FixedOrderQuantity orders LotSizing.FixedQuantity, or the smallest
	// multiple of it that covers the bucket's net requirement.
	FixedOrderQuantity
	// EOQ orders the economic order quantity sqrt(2·D·S/H) computed from
	// AnnualDemand, OrderingCost and AnnualHoldingCost, or the net
	// requirement when that is larger.
	EOQ
	// PeriodOrderQuantity covers the net requirements of LotSizing.Periods
	// consecutive buckets with one order.
	PeriodOrderQuantity
	// WagnerWhitin chooses the order buckets that minimise ordering plus
	// holding cost over the horizon (exact dynamic programme, O(n²)).
	WagnerWhitin
	// SilverMeal extends each lot while the average cost per bucket covered
	// does not increase (greedy heuristic).
	SilverMeal
)

// String returns the snake_case policy name used by the API.
func (p Policy) String() string {
	switch p {
	case LotForLot:
		return "lot_for_lot"
	case FixedOrderQuantity:
		return "fixed_order_quantity"
	case EOQ:
		return "eoq"
	case PeriodOrderQuantity:
		return "period_order_quantity"
	case WagnerWhitin:
		return "wagner_whitin"
	case SilverMeal:
		return "silver_meal"
	}
	return "unknown"
}

// ParsePolicy is the inverse of Policy.String, for the API and storage layers.
func ParsePolicy(s string) (Policy, bool) {
	for p := LotForLot; p <= SilverMeal; p++ {
		if p.String() == s {
			return p, true
		}
	}
	return 0, false
}

// LotSizing is an item's lot-sizing policy, its parameters and the order
// modifiers. Only the parameters of the chosen policy are read (and
// validated); modifiers apply to every policy. Zero modifiers are off.
type LotSizing struct {
	Policy Policy
	// FixedQuantity is the lot for FixedOrderQuantity (> 0).
	FixedQuantity float64
	// Periods is the number of buckets one PeriodOrderQuantity lot covers (>= 1).
	Periods int
	// AnnualDemand, OrderingCost and AnnualHoldingCost (per unit per year)
	// give the EOQ; all must be > 0 for the EOQ policy.
	AnnualDemand      float64
	OrderingCost      float64
	AnnualHoldingCost float64
	// HoldingCost is per unit per bucket, for WagnerWhitin and SilverMeal
	// (> 0, as is OrderingCost).
	HoldingCost float64
	// Minimum order quantity (0 = none).
	Minimum float64
	// Multiple: order quantities are rounded up to a multiple of it (0 = none).
	Multiple float64
	// Maximum order quantity: larger lots are split into several orders
	// (0 = none). Must be >= Minimum and >= Multiple.
	Maximum float64
}

// Item is one item's planning data and its on-hand balance.
type Item struct {
	ID     ItemID
	Source Source
	// LeadTime in buckets between release and receipt (>= 0).
	LeadTime int
	// SafetyStock is the floor on projected on-hand (>= 0).
	SafetyStock float64
	// OnHand is the usable balance at the start of bucket 0 (>= 0); the
	// caller sums principal warehouses and in-transit stock it counts as
	// available.
	OnHand float64
	Lot    LotSizing
	// Scrap is the item's own yield loss as a fraction (0.05 = 5 %): an order
	// for a good quantity q is placed for q × (1 + Scrap).
	Scrap float64
	// PlanningTimeFence in buckets: no new planned order is due earlier.
	PlanningTimeFence int
}

// BOMLine says that one unit of Parent consumes QuantityPer × (1 + Scrap)
// units of Component.
type BOMLine struct {
	Parent      ItemID
	Component   ItemID
	QuantityPer float64 // > 0
	Scrap       float64 // component scrap as a fraction, >= 0
}

// Demand is an independent requirement (master schedule, forecast, an open
// requirement of the inventory service) for Item in Bucket.
type Demand struct {
	Item     ItemID
	Bucket   int
	Quantity float64
	// Ref is the caller's identifier (e.g. a requirement id), carried so that
	// pegs can be shown in the caller's terms; the engine ignores it.
	Ref string
}

// ScheduledReceipt is an open order (purchase or work order already
// released) expected at the start of Bucket.
type ScheduledReceipt struct {
	Item     ItemID
	Bucket   int
	Quantity float64
	Ref      string
}

// FirmOrder is a firmed planned order: later runs keep it as is. Quantity is
// the order quantity (what consumes components); the good receipt is
// Quantity / (1 + item scrap).
type FirmOrder struct {
	Item     ItemID
	Release  int
	Due      int
	Quantity float64
	Ref      string
}

// Input is everything one run needs. It is a value: runs never mutate it and
// Compile keeps no reference to its slices.
type Input struct {
	// Buckets is the horizon length (1..MaxBuckets).
	Buckets  int
	Items    []Item
	BOM      []BOMLine
	Demand   []Demand
	Receipts []ScheduledReceipt
	Firm     []FirmOrder
}

// PlannedOrder is one order of the plan: a new planned order or a firmed one.
type PlannedOrder struct {
	// Quantity is the order quantity (released, drives component demand).
	Quantity float64
	// Receipt is the good quantity expected at Due (Quantity without scrap).
	Receipt float64
	// Item is the dense index of the item (position in Input.Items).
	Item int32
	// Release and Due are buckets; Release = max(0, Due - lead time) for new
	// planned orders.
	Release int32
	Due     int32
	// Firm is the index in Input.Firm of a firmed order, -1 for a new one.
	Firm int32
	// Buy copies the item's source so the API need not look it up.
	Buy bool
	// PastDue marks a new order whose release had to be pulled into bucket 0.
	PastDue bool
}

// IsFirm reports whether the order is a firmed planned order from the input.
func (o PlannedOrder) IsFirm() bool { return o.Firm >= 0 }

// ExceptionKind classifies an exception message.
type ExceptionKind uint8

const (
	// ExceptionExpedite: a scheduled receipt or firmed order is needed before
	// its due bucket (ToBucket is the need date).
	ExceptionExpedite ExceptionKind = iota
	// ExceptionDefer: a scheduled receipt or firmed order is not needed until
	// after its due bucket (ToBucket is the need date).
	ExceptionDefer
	// ExceptionCancel: a scheduled receipt or firmed order is not needed
	// inside the horizon.
	ExceptionCancel
	// ExceptionReleasePastDue: a planned order should have been released
	// before bucket 0; it is released in bucket 0.
	ExceptionReleasePastDue
	// ExceptionBelowSafetyStock: projected on-hand after planned receipts is
	// below safety stock (negative included) from Bucket on; Quantity is the
	// worst shortfall of that run of buckets.
	ExceptionBelowSafetyStock
	// ExceptionLeadTimeViolation: a firmed order leaves less than the item's
	// lead time between release and due.
	ExceptionLeadTimeViolation
)

// String returns the snake_case kind used by the API and the metrics label.
func (k ExceptionKind) String() string {
	switch k {
	case ExceptionExpedite:
		return "expedite"
	case ExceptionDefer:
		return "defer"
	case ExceptionCancel:
		return "cancel"
	case ExceptionReleasePastDue:
		return "release_past_due"
	case ExceptionBelowSafetyStock:
		return "below_safety_stock"
	case ExceptionLeadTimeViolation:
		return "lead_time_violation"
	}
	return "unknown"
}

// ExceptionKinds lists every kind, e.g. to pre-register metric labels.
func ExceptionKinds() []ExceptionKind {
	return []ExceptionKind{ExceptionExpedite, ExceptionDefer, ExceptionCancel, ExceptionReleasePastDue, ExceptionBelowSafetyStock, ExceptionLeadTimeViolation}
}

// Exception is one exception message.
type Exception struct {
	Kind ExceptionKind
	// Item is the dense item index.
	Item int32
	// Bucket is where the problem is: the due bucket of the receipt or order,
	// the release bucket a past-due order should have had (negative), or the
	// first bucket below safety stock.
	Bucket int32
	// ToBucket is the suggested bucket for expedite and defer, -1 otherwise.
	ToBucket int32
	// Quantity is the receipt or order quantity, or the shortfall.
	Quantity float64
	// Order is the order id (Plan.Order) for order-related kinds, else -1.
	Order int32
	// Receipt is the index in Input.Receipts for scheduled-receipt
	// messages, else -1.
	Receipt int32
}

// Clone returns a copy of in whose slices can be modified freely, the
// starting point of a what-if simulation (extra demand, a changed lead
// time): edit the clone, Compile and Plan it, and the base plan is untouched.
func (in Input) Clone() Input {
	out := in
	out.Items = slices.Clone(in.Items)
	out.BOM = slices.Clone(in.BOM)
	out.Demand = slices.Clone(in.Demand)
	out.Receipts = slices.Clone(in.Receipts)
	out.Firm = slices.Clone(in.Firm)
	return out
}
