// Package ledger is the movement ledger: every change of a stock line's on-hand quantity
// is one signed movement, so the sum of a line's movements always equals its on-hand.
package ledger

import (
	"time"

	"github.com/shopspring/decimal"
)

// Kind is a movement type.
type Kind string

// Movement kinds.
const (
	In       Kind = "IN"       // stock entering (manual intake, receipt, dispatch cancel, restore)
	Out      Kind = "OUT"      // stock leaving (dispatch, withdrawal)
	Adjust   Kind = "ADJUST"   // counting corrections and deletions
	Transfer Kind = "TRANSFER" // between two lines (project reassignment)
)

// ValidKind reports whether k is a movement kind.
func ValidKind(k string) bool {
	switch Kind(k) {
	case In, Out, Adjust, Transfer:
		return true
	}
	return false
}

// Reference types name what caused a movement.
const (
	RefManual         = "manual"
	RefWithdrawal     = "withdrawal"
	RefDispatch       = "dispatch"
	RefDispatchCancel = "dispatch_cancel"
	RefReceipt        = "receipt"
	RefCount          = "count"
	RefDeletion       = "stock_deletion"
	RefRestore        = "stock_restore"
	RefReassign       = "budget_reassign"
)

// Movement is one ledger entry.
type Movement struct {
	ID            string          `json:"id"`
	StockLineID   string          `json:"stock_line_id"`
	WarehouseID   string          `json:"warehouse_id"`
	WarehouseName string          `json:"warehouse_name"`
	MaterialID    string          `json:"material_id"`
	MaterialName  string          `json:"material_name"`
	BudgetID      *string         `json:"budget_id"`
	Kind          Kind            `json:"kind"`
	Qty           decimal.Decimal `json:"qty"`
	ReferenceType string          `json:"reference_type"`
	ReferenceID   *string         `json:"reference_id"`
	Note          string          `json:"note"`
	ActorID       string          `json:"actor_id"`
	CreatedAt     time.Time       `json:"created_at"`
}

// LineBalance compares one line's on-hand with the sum of its movements.
type LineBalance struct {
	StockLineID string          `json:"stock_line_id"`
	OnHand      decimal.Decimal `json:"on_hand"`
	Reserved    decimal.Decimal `json:"reserved"`
	LedgerSum   decimal.Decimal `json:"ledger_sum"`
	Reservation decimal.Decimal `json:"reservations_sum"`
}

// Balanced reports whether the ledger explains the line and the reservations explain
// its reserved quantity.
func (b LineBalance) Balanced() bool {
	return b.OnHand.Equal(b.LedgerSum) && b.Reserved.Equal(b.Reservation) &&
		!b.Reserved.IsNegative() && b.Reserved.LessThanOrEqual(b.OnHand)
}

// Reconciliation is the result of checking every line of a tenant.
type Reconciliation struct {
	Lines      int           `json:"lines_checked"`
	Balanced   bool          `json:"balanced"`
	Mismatches []LineBalance `json:"mismatches"`
	CheckedAt  time.Time     `json:"checked_at"`
}

// Reconcile checks balances.
func Reconcile(all []LineBalance, now time.Time) Reconciliation {
	r := Reconciliation{Lines: len(all), Balanced: true, Mismatches: []LineBalance{}, CheckedAt: now}
	for _, b := range all {
		if !b.Balanced() {
			r.Balanced = false
			r.Mismatches = append(r.Mismatches, b)
		}
	}
	return r
}
