// Package receipt models an obra receiving a dispatch: whole, or partial with a
// discrepancy recorded per material (beyond the old all-or-nothing receipt).
package receipt

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

// Status of a receipt.
type Status string

// Receipt statuses.
const (
	Complete Status = "complete"
	Partial  Status = "partial"
)

// Item is what arrived of one dispatched material.
type Item struct {
	MaterialID        string          `json:"material_id"`
	MaterialName      string          `json:"material_name"`
	Unit              string          `json:"unit"`
	DispatchedQty     decimal.Decimal `json:"dispatched_qty"`
	ReceivedQty       decimal.Decimal `json:"received_qty"`
	DiscrepancyQty    decimal.Decimal `json:"discrepancy_qty"`
	DiscrepancyReason string          `json:"discrepancy_reason"`
}

// Receipt is the obra's confirmation.
type Receipt struct {
	ID             string    `json:"id"`
	DispatchID     string    `json:"dispatch_id"`
	DispatchNumber string    `json:"dispatch_number"`
	RequirementID  string    `json:"requirement_id"`
	WarehouseID    string    `json:"warehouse_id"`
	WarehouseName  string    `json:"warehouse_name"`
	BudgetID       string    `json:"budget_id"`
	BudgetName     string    `json:"budget_name"`
	Status         Status    `json:"status"`
	Notes          string    `json:"notes"`
	ReceivedAt     time.Time `json:"received_at"`
	Items          []Item    `json:"items"`
}

// LineInput reports the quantity received of one material.
type LineInput struct {
	MaterialID  string          `json:"material_id"`
	ReceivedQty decimal.Decimal `json:"received_qty"`
	Reason      string          `json:"reason"`
}

// Input receives a dispatch; without items everything dispatched is received.
type Input struct {
	DispatchID string      `json:"dispatch_id"`
	Notes      string      `json:"notes"`
	Items      []LineInput `json:"items"`
}

// Validate checks the shape of a receipt.
func (in Input) Validate() error {
	if in.DispatchID == "" {
		return fault.Field("dispatch_id", "is required")
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
		if it.ReceivedQty.IsNegative() {
			return fault.Field(f+".received_qty", "must not be negative")
		}
		if !it.ReceivedQty.Equal(it.ReceivedQty.Round(4)) {
			return fault.Field(f+".received_qty", "must have at most 4 decimals")
		}
		if len(it.Reason) > 500 {
			return fault.Field(f+".reason", "must be at most 500 characters")
		}
	}
	return nil
}

// Plan matches the input against the dispatched quantities per material and returns the
// receipt lines. A line received short must give a reason.
func Plan(in Input, dispatched map[string]decimal.Decimal, order []string) ([]Item, Status, error) {
	byMat := map[string]LineInput{}
	for i, it := range in.Items {
		if _, ok := dispatched[it.MaterialID]; !ok {
			return nil, "", fault.Field(fmt.Sprintf("items[%d].material_id", i), "was not in this dispatch")
		}
		if it.ReceivedQty.GreaterThan(dispatched[it.MaterialID]) {
			return nil, "", fault.Field(fmt.Sprintf("items[%d].received_qty", i), "exceeds the dispatched quantity")
		}
		if it.ReceivedQty.LessThan(dispatched[it.MaterialID]) && it.Reason == "" {
			return nil, "", fault.Field(fmt.Sprintf("items[%d].reason", i), "is required when less than dispatched is received")
		}
		byMat[it.MaterialID] = it
	}
	status := Complete
	out := make([]Item, 0, len(order))
	for _, m := range order {
		d := dispatched[m]
		got, reason := d, ""
		if li, ok := byMat[m]; ok {
			got, reason = li.ReceivedQty, li.Reason
		}
		if got.LessThan(d) {
			status = Partial
		}
		out = append(out, Item{MaterialID: m, DispatchedQty: d, ReceivedQty: got, DiscrepancyQty: d.Sub(got), DiscrepancyReason: reason})
	}
	return out, status, nil
}
