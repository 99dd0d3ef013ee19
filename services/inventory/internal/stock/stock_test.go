package stock

import (
	"testing"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestReserveAllOrNothingFIFO(t *testing.T) {
	slots := []Slot{{ID: "a", OnHand: d("5"), Reserved: d("4")}, {ID: "b", OnHand: d("3")}, {ID: "c", OnHand: d("10"), Reserved: d("10")}}
	if got := Reserve(slots, d("5")); got != nil {
		t.Fatalf("reserved %v with only 4 available", got)
	}
	got := Reserve(slots, d("3.5"))
	if len(got) != 2 || got[0].LineID != "a" || !got[0].Qty.Equal(d("1")) || !got[1].Qty.Equal(d("2.5")) || got[1].LineID != "b" {
		t.Fatalf("takes %v", got)
	}
}

func TestWithdrawNeverTakesReserved(t *testing.T) {
	slots := []Slot{{ID: "a", OnHand: d("5"), Reserved: d("5")}, {ID: "b", OnHand: d("2")}}
	if _, err := Withdraw(slots, d("3")); err == nil {
		t.Fatal("withdrew reserved stock")
	}
	got, err := Withdraw(slots, d("2"))
	if err != nil || len(got) != 1 || got[0].LineID != "b" {
		t.Fatalf("%v %v", got, err)
	}
}

func TestValidQty(t *testing.T) {
	for _, bad := range []string{"0", "-1", "0.00001", "10000000000000"} {
		if ValidQty("qty", d(bad)) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	for _, ok := range []string{"1", "0.0001", "12.5"} {
		if err := ValidQty("qty", d(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestResolveOnlyPending(t *testing.T) {
	if Resolve(DeletionPending, DeletionLost) != nil || Resolve(DeletionLost, DeletionReturned) == nil || Resolve(DeletionPending, "gone") == nil {
		t.Fatal("deletion transitions")
	}
}

func TestReleasedCostNote(t *testing.T) {
	if got := ReleasedCostNote(d("0"), d("0"), d("0")); got != "" {
		t.Fatalf("nothing charged: %q", got)
	}
	want := "project cost released: locked PEN 125.5, locked USD 34, floating qty 4"
	if got := ReleasedCostNote(d("125.5"), d("34"), d("4")); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
