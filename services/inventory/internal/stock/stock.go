// Package stock models stock lines — one per (warehouse, material, budget) — with
// on-hand and reserved quantities, project cost (locked or floating), and the tracking
// of deleted stock (pending, lost, returned, restored).
package stock

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

// MaxScale is the number of decimals a quantity may carry (numeric(18,4)).
const MaxScale = 4

// LowStockThreshold is the on-hand level at or below which a principal line is "critical"
// (the old system's hard-coded rule, kept as the default).
var LowStockThreshold = decimal.NewFromInt(5)

// ValidQty accepts strictly positive quantities with at most MaxScale decimals.
func ValidQty(field string, q decimal.Decimal) error {
	if !q.IsPositive() {
		return fault.Field(field, "must be greater than 0")
	}
	if !q.Equal(q.Round(MaxScale)) {
		return fault.Field(field, "must have at most 4 decimals")
	}
	if q.GreaterThanOrEqual(decimal.New(1, 13)) {
		return fault.Field(field, "is too large")
	}
	return nil
}

// Line is a stock line as the API shows it.
type Line struct {
	ID            string          `json:"id"`
	WarehouseID   string          `json:"warehouse_id"`
	WarehouseName string          `json:"warehouse_name"`
	WarehouseType string          `json:"warehouse_type"`
	MaterialID    string          `json:"material_id"`
	MaterialCode  string          `json:"material_code"`
	MaterialName  string          `json:"material_name"`
	Unit          string          `json:"unit"`
	BudgetID      *string         `json:"budget_id"`
	BudgetName    string          `json:"budget_name"`
	OnHand        decimal.Decimal `json:"on_hand"`
	Reserved      decimal.Decimal `json:"reserved"`
	Available     decimal.Decimal `json:"available"`
	PricePEN      decimal.Decimal `json:"price_pen"`
	ValuePEN      decimal.Decimal `json:"value_pen"`
	LockedCostPEN decimal.Decimal `json:"locked_cost_pen"`
	LockedCostUSD decimal.Decimal `json:"locked_cost_usd"`
	FloatingQty   decimal.Decimal `json:"floating_qty"`
	CostMode      CostMode        `json:"cost_mode"`
	Note          string          `json:"note"`
	Frozen        bool            `json:"frozen"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// CostMode says how the line's cost is charged to its project.
type CostMode string

// Cost modes.
const (
	CostNone     CostMode = "none"     // no project
	CostLocked   CostMode = "locked"   // charged at the price when the stock came in
	CostFloating CostMode = "floating" // (partly) added while the project was inactive: charged at the current price
)

// Finish fills the derived fields.
func (l *Line) Finish() {
	l.Available = l.OnHand.Sub(l.Reserved)
	l.ValuePEN = l.OnHand.Mul(l.PricePEN).Round(4)
	switch {
	case l.BudgetID == nil:
		l.CostMode = CostNone
	case l.FloatingQty.IsPositive():
		l.CostMode = CostFloating
	default:
		l.CostMode = CostLocked
	}
}

// ReleasedCostNote describes the project cost released when stock leaves its project
// for no project (a line without a project has no locked cost and no floating quantity),
// for the ledger; empty when nothing was charged.
func ReleasedCostNote(lockedPEN, lockedUSD, floating decimal.Decimal) string {
	if lockedPEN.IsZero() && lockedUSD.IsZero() && floating.IsZero() {
		return ""
	}
	return fmt.Sprintf("project cost released: locked PEN %s, locked USD %s, floating qty %s",
		lockedPEN.String(), lockedUSD.String(), floating.String())
}

// Slot is a lockable stock line as the allocator sees it.
type Slot struct {
	ID       string
	OnHand   decimal.Decimal
	Reserved decimal.Decimal
}

// Take is a quantity taken from one slot.
type Take struct {
	LineID string
	Qty    decimal.Decimal
}

// Reserve plans an all-or-nothing reservation of qty over slots in the given order
// (the caller orders them: the requirement's project lines first, then unassigned ones,
// each FIFO). It returns nil when the slots together cannot cover qty.
func Reserve(slots []Slot, qty decimal.Decimal) []Take {
	var total decimal.Decimal
	for _, s := range slots {
		if a := s.OnHand.Sub(s.Reserved); a.IsPositive() {
			total = total.Add(a)
		}
	}
	if total.LessThan(qty) {
		return nil
	}
	var out []Take
	left := qty
	for _, s := range slots {
		if !left.IsPositive() {
			break
		}
		a := s.OnHand.Sub(s.Reserved)
		if !a.IsPositive() {
			continue
		}
		t := decimal.Min(a, left)
		out = append(out, Take{LineID: s.ID, Qty: t})
		left = left.Sub(t)
	}
	return out
}

// Withdraw plans taking qty of unreserved stock over slots in order (FIFO). Unlike the
// old system, a withdrawal never dips into reserved stock.
func Withdraw(slots []Slot, qty decimal.Decimal) ([]Take, error) {
	var out []Take
	left := qty
	for _, s := range slots {
		if !left.IsPositive() {
			break
		}
		a := s.OnHand.Sub(s.Reserved)
		if !a.IsPositive() {
			continue
		}
		t := decimal.Min(a, left)
		out = append(out, Take{LineID: s.ID, Qty: t})
		left = left.Sub(t)
	}
	if left.IsPositive() {
		return nil, fault.Conflictf("insufficient-stock", "qty", "only %s unreserved units available", qty.Sub(left))
	}
	return out, nil
}

// DeletionStatus is the resolution of a deleted stock line.
type DeletionStatus string

// Deletion statuses.
const (
	DeletionPending  DeletionStatus = "pending"
	DeletionLost     DeletionStatus = "lost"     // locked cost stays consumed
	DeletionReturned DeletionStatus = "returned" // locked cost stops counting
	DeletionRestored DeletionStatus = "restored" // stock and cost back on the line
)

// Resolve checks a deletion's transition: only pending deletions are resolved.
func Resolve(from, to DeletionStatus) error {
	if from != DeletionPending {
		return fault.Conflictf("deletion-resolved", "status", "deletion is already %s", from)
	}
	switch to {
	case DeletionLost, DeletionReturned, DeletionRestored:
		return nil
	}
	return fault.Field("status", "must be lost, returned or restored")
}

// Deletion is a deleted stock line awaiting (or after) resolution.
type Deletion struct {
	ID            string          `json:"id"`
	StockLineID   string          `json:"stock_line_id"`
	WarehouseID   string          `json:"warehouse_id"`
	WarehouseName string          `json:"warehouse_name"`
	MaterialID    string          `json:"material_id"`
	MaterialName  string          `json:"material_name"`
	Unit          string          `json:"unit"`
	BudgetID      *string         `json:"budget_id"`
	BudgetName    string          `json:"budget_name"`
	Qty           decimal.Decimal `json:"qty"`
	UnitPricePEN  decimal.Decimal `json:"unit_price_pen"`
	UnitPriceUSD  decimal.Decimal `json:"unit_price_usd"`
	TotalValuePEN decimal.Decimal `json:"total_value_pen"`
	LockedCostPEN decimal.Decimal `json:"locked_cost_pen"`
	LockedCostUSD decimal.Decimal `json:"locked_cost_usd"`
	FloatingQty   decimal.Decimal `json:"floating_qty"`
	Reason        string          `json:"reason"`
	Status        DeletionStatus  `json:"status"`
	DeletedAt     time.Time       `json:"deleted_at"`
	ResolvedAt    *time.Time      `json:"resolved_at"`
}

// AddInput adds stock to a (warehouse, material, budget) line.
type AddInput struct {
	WarehouseID string          `json:"warehouse_id"`
	MaterialID  string          `json:"material_id"`
	BudgetID    *string         `json:"budget_id"`
	Qty         decimal.Decimal `json:"qty"`
	Note        string          `json:"note"`
}

// Validate checks an AddInput.
func (in AddInput) Validate() error {
	if in.WarehouseID == "" {
		return fault.Field("warehouse_id", "is required")
	}
	if in.MaterialID == "" {
		return fault.Field("material_id", "is required")
	}
	if len(in.Note) > 500 {
		return fault.Field("note", "must be at most 500 characters")
	}
	return ValidQty("qty", in.Qty)
}

// WithdrawInput removes unreserved stock (site consumption, manual removal). Scope:
// budget_id names one project's line, no_budget the line without project, neither means
// any line FIFO.
type WithdrawInput struct {
	WarehouseID string          `json:"warehouse_id"`
	MaterialID  string          `json:"material_id"`
	BudgetID    *string         `json:"budget_id"`
	NoBudget    bool            `json:"no_budget"`
	Qty         decimal.Decimal `json:"qty"`
	Reason      string          `json:"reason"`
}

// Validate checks a WithdrawInput.
func (in WithdrawInput) Validate() error {
	if in.WarehouseID == "" {
		return fault.Field("warehouse_id", "is required")
	}
	if in.MaterialID == "" {
		return fault.Field("material_id", "is required")
	}
	if in.BudgetID != nil && in.NoBudget {
		return fault.Field("no_budget", "cannot be combined with budget_id")
	}
	if len(in.Reason) > 500 {
		return fault.Field("reason", "must be at most 500 characters")
	}
	return ValidQty("qty", in.Qty)
}

// AdjustInput sets a line's counted on-hand quantity (physical count).
type AdjustInput struct {
	Counted decimal.Decimal `json:"counted"`
	Reason  string          `json:"reason"`
}

// Validate checks an AdjustInput.
func (in AdjustInput) Validate() error {
	if in.Counted.IsNegative() {
		return fault.Field("counted", "must not be negative")
	}
	if !in.Counted.Equal(in.Counted.Round(MaxScale)) {
		return fault.Field("counted", "must have at most 4 decimals")
	}
	if in.Reason == "" || len(in.Reason) > 500 {
		return fault.Field("reason", "is required (at most 500 characters)")
	}
	return nil
}
