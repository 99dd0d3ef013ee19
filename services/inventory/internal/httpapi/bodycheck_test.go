package httpapi

import (
	"errors"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

type bcLine struct {
	MaterialID string          `json:"material_id"`
	Qty        decimal.Decimal `json:"qty"`
	Loose      decimal.Decimal `json:"loose" body:"number"`
	Per        decimal.Decimal `json:"per" numeric:"18,6"`
	Pct        decimal.Decimal `json:"pct" numeric:"9,4"`
}

type bcBase struct {
	BudgetID *string `json:"budget_id"`
}

type bcInput struct {
	bcBase
	RequirementID string            `json:"requirement_id"`
	TaxID         string            `json:"tax_id" body:"text"`
	Price         *decimal.Decimal  `json:"price"`
	Items         []bcLine          `json:"items"`
	ByName        map[string]bcLine `json:"by_name"`
}

// TestCheckBody: decimals must be strings of the documented pattern (numbers only where
// tagged), ids must be uuids, and the error names the field with its indexes.
func TestCheckBody(t *testing.T) {
	const id = "01a23569-8886-7f54-bae7-24663e3d9453"
	for _, tc := range []struct {
		body, field string
	}{
		{`{"requirement_id":"` + id + `","items":[{"material_id":"` + id + `","qty":"1.5","loose":3}]}`, ""},
		{`{"requirement_id":"","budget_id":null,"price":null,"tax_id":"20100000001"}`, ""},
		{`{"requirement_id":"not-a-uuid"}`, "requirement_id"},
		{`{"Requirement_ID":"nope"}`, "Requirement_ID"},
		{`{"budget_id":"nope"}`, "budget_id"},
		{`{"price":5}`, "price"},
		{`{"price":"-0.25"}`, ""},
		{`{"price":"1e9"}`, "price"},
		{`{"price":".5"}`, "price"},
		{`{"items":[{"qty":"1"},{"qty":2}]}`, "items[1].qty"},
		{`{"items":[{"qty":"1","loose":"1E2"}]}`, "items[0].loose"},
		{`{"items":[{"material_id":"x"}]}`, "items[0].material_id"},
		{`{"by_name":{"a":{"qty":1}}}`, "by_name.a.qty"},
		// numeric(18,4) by default: below 10^14 once rounded to 4 decimals, as Postgres does.
		{`{"price":"99999999999999.9999"}`, ""},
		{`{"price":"-99999999999999.9999"}`, ""},
		{`{"price":"99999999999999.99994"}`, ""},
		{`{"price":"99999999999999.99995"}`, "price"},
		{`{"price":"100000000000000"}`, "price"},
		{`{"price":"-100000000000000"}`, "price"},
		{`{"price":"99999999999999999999999999"}`, "price"},
		{`{"items":[{"qty":"1"},{"qty":"99999999999999999999999999"}]}`, "items[1].qty"},
		{`{"items":[{"loose":100000000000000}]}`, "items[0].loose"},
		{`{"items":[{"loose":99999999999999}]}`, ""},
		{`{"by_name":{"a":{"qty":"1000000000000000000"}}}`, "by_name.a.qty"},
		// other column types by tag
		{`{"items":[{"per":"999999999999.999999"}]}`, ""},
		{`{"items":[{"per":"1000000000000"}]}`, "items[0].per"},
		{`{"items":[{"pct":"99999.9999"}]}`, ""},
		{`{"items":[{"pct":"100000"}]}`, "items[0].pct"},
	} {
		err := checkBody([]byte(tc.body), reflect.TypeFor[*bcInput]())
		var inv *fault.Invalid
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: unexpected %v", tc.body, err)
		case tc.field != "" && (!errors.As(err, &inv) || inv.Field != tc.field):
			t.Errorf("%s: got %v, want a problem naming %s", tc.body, err, tc.field)
		}
	}
}
