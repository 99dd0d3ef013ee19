package ledger

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestReconcile(t *testing.T) {
	ten := decimal.NewFromInt(10)
	r := Reconcile([]LineBalance{
		{StockLineID: "ok", OnHand: ten, LedgerSum: ten, Reserved: decimal.NewFromInt(2), Reservation: decimal.NewFromInt(2)},
		{StockLineID: "drift", OnHand: ten, LedgerSum: decimal.NewFromInt(9)},
	}, time.Now())
	if r.Balanced || len(r.Mismatches) != 1 || r.Mismatches[0].StockLineID != "drift" {
		t.Fatalf("%+v", r)
	}
}
