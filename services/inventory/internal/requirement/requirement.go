// Package requirement models an obra's request for materials from the principal store:
// pending → partial → fulfilled, or cancelled, with items that are reserved at creation
// (or later, when stock arrives) and dispatched from the reservation.
package requirement

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
)

// Status of a requirement.
type Status string

// Requirement statuses.
const (
	Pending   Status = "pending"
	Partial   Status = "partial"
	Fulfilled Status = "fulfilled"
	Cancelled Status = "cancelled"
)

// Open reports whether a requirement can still be reserved for, dispatched or cancelled.
func (s Status) Open() bool { return s == Pending || s == Partial }

// ItemStatus of one requirement line.
type ItemStatus string

// Item statuses.
const (
	ItemPending   ItemStatus = "pending"  // nothing reserved yet
	ItemReserved  ItemStatus = "reserved" // the remaining quantity is reserved
	ItemPartial   ItemStatus = "partial"  // partly dispatched
	ItemFulfilled ItemStatus = "fulfilled"
	ItemCancelled ItemStatus = "cancelled"
)

// MaxItems bounds a requirement's lines.
const MaxItems = 50

// Item is one requirement line.
type Item struct {
	ID            string          `json:"id"`
	MaterialID    string          `json:"material_id"`
	MaterialCode  string          `json:"material_code"`
	MaterialName  string          `json:"material_name"`
	Unit          string          `json:"unit"`
	RequestedQty  decimal.Decimal `json:"requested_qty"`
	ReservedQty   decimal.Decimal `json:"reserved_qty"`
	DispatchedQty decimal.Decimal `json:"dispatched_qty"`
	Status        ItemStatus      `json:"status"`
	PricePEN      decimal.Decimal `json:"price_pen"`
	PriceUSD      decimal.Decimal `json:"price_usd"`
}

// Remaining is what is still to be dispatched.
func (it Item) Remaining() decimal.Decimal { return it.RequestedQty.Sub(it.DispatchedQty) }

// Unreserved is what still needs a reservation.
func (it Item) Unreserved() decimal.Decimal {
	return it.RequestedQty.Sub(it.DispatchedQty).Sub(it.ReservedQty)
}

// Requirement is an obra's request.
type Requirement struct {
	ID               string          `json:"id"`
	WarehouseID      string          `json:"warehouse_id"`
	WarehouseName    string          `json:"warehouse_name"`
	BudgetID         string          `json:"budget_id"`
	BudgetName       string          `json:"budget_name"`
	Status           Status          `json:"status"`
	Notes            string          `json:"notes"`
	CancelReason     string          `json:"cancel_reason"`
	EstimatedCostPEN decimal.Decimal `json:"estimated_cost_pen"`
	CreatedAt        time.Time       `json:"created_at"`
	Items            []Item          `json:"items"`
}

// ItemStatusFor derives an item's status from its quantities.
func ItemStatusFor(it Item) ItemStatus {
	switch {
	case it.DispatchedQty.GreaterThanOrEqual(it.RequestedQty):
		return ItemFulfilled
	case it.DispatchedQty.IsPositive():
		return ItemPartial
	case it.ReservedQty.IsPositive():
		return ItemReserved
	}
	return ItemPending
}

// StatusFor derives the requirement's status from its items (for open requirements):
// fulfilled when everything is dispatched, partial when something is, else pending.
func StatusFor(items []Item) Status {
	all, some := true, false
	for _, it := range items {
		if it.DispatchedQty.LessThan(it.RequestedQty) {
			all = false
		}
		if it.DispatchedQty.IsPositive() {
			some = true
		}
	}
	switch {
	case all && len(items) > 0:
		return Fulfilled
	case some:
		return Partial
	}
	return Pending
}

// NewItem is one line of a new requirement.
type NewItem struct {
	MaterialID string          `json:"material_id"`
	Qty        decimal.Decimal `json:"qty"`
}

// NewInput creates a requirement.
type NewInput struct {
	WarehouseID string    `json:"warehouse_id"`
	BudgetID    string    `json:"budget_id"`
	Notes       string    `json:"notes"`
	Items       []NewItem `json:"items"`
}

// Validate checks the shape of a new requirement (existence is the store's job).
func (in *NewInput) Validate() error {
	in.Notes = strings.TrimSpace(in.Notes)
	switch {
	case in.WarehouseID == "":
		return fault.Field("warehouse_id", "is required")
	case in.BudgetID == "":
		return fault.Field("budget_id", "is required (an active project)")
	case len(in.Items) == 0:
		return fault.Field("items", "must have at least one line")
	case len(in.Items) > MaxItems:
		return fault.Field("items", "must have at most 50 lines")
	case len(in.Notes) > 1000:
		return fault.Field("notes", "must be at most 1000 characters")
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		f := "items[" + itoa(i) + "]"
		if it.MaterialID == "" {
			return fault.Field(f+".material_id", "is required")
		}
		if seen[it.MaterialID] {
			return fault.Field(f+".material_id", "appears on more than one line")
		}
		seen[it.MaterialID] = true
		if err := stock.ValidQty(f+".qty", it.Qty); err != nil {
			return err
		}
	}
	return nil
}

// CanCancel checks that a requirement may be cancelled.
func CanCancel(s Status) error {
	if !s.Open() {
		return fault.Conflictf("requirement-closed", "requirement_id", "requirement is %s", s)
	}
	return nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
