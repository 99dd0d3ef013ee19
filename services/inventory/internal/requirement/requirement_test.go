package requirement

import (
	"testing"

	"github.com/shopspring/decimal"
)

func item(req, res, disp int64) Item {
	return Item{RequestedQty: decimal.NewFromInt(req), ReservedQty: decimal.NewFromInt(res), DispatchedQty: decimal.NewFromInt(disp)}
}

func TestStatusMachine(t *testing.T) {
	cases := []struct {
		items []Item
		want  Status
	}{
		{[]Item{item(5, 0, 0), item(3, 3, 0)}, Pending},
		{[]Item{item(5, 2, 3), item(3, 3, 0)}, Partial},
		{[]Item{item(5, 0, 5), item(3, 0, 3)}, Fulfilled},
	}
	for _, c := range cases {
		if got := StatusFor(c.items); got != c.want {
			t.Errorf("StatusFor = %s, want %s", got, c.want)
		}
	}
	for it, want := range map[Item]ItemStatus{item(5, 0, 0): ItemPending, item(5, 5, 0): ItemReserved, item(5, 2, 3): ItemPartial, item(5, 0, 5): ItemFulfilled} {
		if got := ItemStatusFor(it); got != want {
			t.Errorf("ItemStatusFor(%v) = %s, want %s", it, got, want)
		}
	}
	if CanCancel(Cancelled) == nil || CanCancel(Fulfilled) == nil || CanCancel(Partial) != nil {
		t.Fatal("CanCancel")
	}
}

func TestValidateNamesTheField(t *testing.T) {
	in := NewInput{WarehouseID: "w", BudgetID: "b", Items: []NewItem{{MaterialID: "m", Qty: decimal.NewFromInt(1)}, {MaterialID: "m", Qty: decimal.NewFromInt(1)}}}
	if err := in.Validate(); err == nil || err.Error() != "items[1].material_id: appears on more than one line" {
		t.Fatalf("%v", err)
	}
	in.Items = []NewItem{{MaterialID: "m", Qty: decimal.NewFromInt(-1)}}
	if err := in.Validate(); err == nil || err.Error() != "items[0].qty: must be greater than 0" {
		t.Fatalf("%v", err)
	}
}
