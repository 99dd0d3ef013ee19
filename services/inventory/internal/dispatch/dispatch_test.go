package dispatch

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestNumber(t *testing.T) {
	day := time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	if got := Number(NumberPrefix, day, 7); got != "GR-20261231-00007" {
		t.Fatal(got)
	}
}

func TestCheckLine(t *testing.T) {
	five := decimal.NewFromInt(5)
	if CheckLine("items[0].qty", decimal.NewFromInt(6), five, false) == nil {
		t.Fatal("over the reservation")
	}
	if CheckLine("items[0].qty", five, decimal.Zero, false) == nil {
		t.Fatal("nothing reserved")
	}
	if err := CheckLine("items[0].qty", five, five, false); err != nil {
		t.Fatal(err)
	}
}
