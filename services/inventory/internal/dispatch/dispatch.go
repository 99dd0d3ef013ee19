// Package dispatch models dispatches from the principal store to an obra: taken from the
// requirement's reservation, numbered GR-YYYYMMDD-nnnnn per tenant and day, with a
// delivery note (guía de remisión).
package dispatch

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
)

// Status of a dispatch.
type Status string

// Dispatch statuses.
const (
	Active    Status = "active"
	Cancelled Status = "cancelled"
)

// NumberPrefix prefixes delivery-note numbers.
const NumberPrefix = "GR"

// Number formats a delivery-note number from the (UTC) day and the tenant's counter.
func Number(prefix string, day time.Time, n int) string {
	return fmt.Sprintf("%s-%s-%05d", prefix, day.UTC().Format("20060102"), n)
}

// Item is one dispatched material (summed over its source lines).
type Item struct {
	MaterialID   string          `json:"material_id"`
	MaterialCode string          `json:"material_code"`
	MaterialName string          `json:"material_name"`
	Unit         string          `json:"unit"`
	Qty          decimal.Decimal `json:"qty"`
	UnitPricePEN decimal.Decimal `json:"unit_price_pen"`
	UnitPriceUSD decimal.Decimal `json:"unit_price_usd"`
	TotalPEN     decimal.Decimal `json:"total_pen"`
}

// Dispatch is a delivery from the principal to an obra.
type Dispatch struct {
	ID              string          `json:"id"`
	Number          string          `json:"number"`
	RequirementID   string          `json:"requirement_id"`
	BudgetID        string          `json:"budget_id"`
	BudgetName      string          `json:"budget_name"`
	FromWarehouseID string          `json:"from_warehouse_id"`
	FromWarehouse   string          `json:"from_warehouse_name"`
	FromLocation    string          `json:"from_location"`
	ToWarehouseID   string          `json:"to_warehouse_id"`
	ToWarehouse     string          `json:"to_warehouse_name"`
	ToLocation      string          `json:"to_location"`
	Status          Status          `json:"status"`
	Received        bool            `json:"received"`
	Notes           string          `json:"notes"`
	DispatchedAt    time.Time       `json:"dispatched_at"`
	CancelledAt     *time.Time      `json:"cancelled_at"`
	CancelReason    string          `json:"cancel_reason"`
	CancelledBy     string          `json:"cancelled_by"`
	TotalPEN        decimal.Decimal `json:"total_pen"`
	Items           []Item          `json:"items"`
}

// LineInput asks for qty of one material; omitted items dispatch every reserved unit.
type LineInput struct {
	MaterialID string          `json:"material_id"`
	Qty        decimal.Decimal `json:"qty"`
}

// Input creates a dispatch.
type Input struct {
	RequirementID string      `json:"requirement_id"`
	Notes         string      `json:"notes"`
	Items         []LineInput `json:"items"`
}

// Validate checks the shape of a dispatch request.
func (in Input) Validate() error {
	if in.RequirementID == "" {
		return fault.Field("requirement_id", "is required")
	}
	if len(in.Notes) > 1000 {
		return fault.Field("notes", "must be at most 1000 characters")
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
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

// MaxReasonChars bounds a cancellation reason.
const MaxReasonChars = 500

// CancelInput cancels a dispatch; the reason is kept on the dispatch and on its
// dispatch_cancel movements.
type CancelInput struct {
	Reason string `json:"reason"`
}

// Validate requires a reason of 1–500 characters that is not only blanks; surrounding
// blanks are trimmed.
func (in *CancelInput) Validate() error {
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return fault.Field("reason", "is required: say why the dispatch is cancelled")
	}
	if utf8.RuneCountInString(in.Reason) > MaxReasonChars {
		return fault.Field("reason", fmt.Sprintf("must be at most %d characters", MaxReasonChars))
	}
	return nil
}

// CheckLine verifies a requested quantity against what the item has reserved.
func CheckLine(field string, qty, reserved decimal.Decimal, pendingItem bool) error {
	if pendingItem || !reserved.IsPositive() {
		return fault.Conflictf("not-reserved", field, "%s: no stock is reserved for this material", field)
	}
	if qty.GreaterThan(reserved) {
		return fault.Conflictf("exceeds-reservation", field, "%s: only %s reserved", field, reserved)
	}
	return nil
}
