package dispatch

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
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

func TestCancelInputValidate(t *testing.T) {
	for _, bad := range []string{"", "   \t", strings.Repeat("ñ", MaxReasonChars+1)} {
		in := CancelInput{Reason: bad}
		var inv *fault.Invalid
		if err := in.Validate(); !errors.As(err, &inv) || inv.Field != "reason" {
			t.Fatalf("reason %q: %v", bad, err)
		}
	}
	in := CancelInput{Reason: "  " + strings.Repeat("ñ", MaxReasonChars) + " "}
	if err := in.Validate(); err != nil {
		t.Fatalf("500 characters: %v", err)
	}
	if in.Reason != strings.Repeat("ñ", MaxReasonChars) {
		t.Fatalf("not trimmed: %q", in.Reason)
	}
}
