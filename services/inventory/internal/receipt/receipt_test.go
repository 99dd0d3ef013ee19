package receipt

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestPlan(t *testing.T) {
	disp := map[string]decimal.Decimal{"a": decimal.NewFromInt(10), "b": decimal.NewFromInt(4)}
	items, st, err := Plan(Input{DispatchID: "d"}, disp, []string{"a", "b"})
	if err != nil || st != Complete || !items[0].ReceivedQty.Equal(decimal.NewFromInt(10)) {
		t.Fatalf("whole: %v %s %v", items, st, err)
	}
	items, st, err = Plan(Input{DispatchID: "d", Items: []LineInput{{MaterialID: "b", ReceivedQty: decimal.NewFromInt(3), Reason: "roto"}}}, disp, []string{"a", "b"})
	if err != nil || st != Partial || !items[1].DiscrepancyQty.Equal(decimal.NewFromInt(1)) {
		t.Fatalf("partial: %v %s %v", items, st, err)
	}
	if _, _, err := Plan(Input{Items: []LineInput{{MaterialID: "b", ReceivedQty: decimal.NewFromInt(3)}}}, disp, []string{"a", "b"}); err == nil {
		t.Fatal("short without reason")
	}
	if _, _, err := Plan(Input{Items: []LineInput{{MaterialID: "z", ReceivedQty: decimal.NewFromInt(1)}}}, disp, []string{"a", "b"}); err == nil {
		t.Fatal("foreign material")
	}
}
