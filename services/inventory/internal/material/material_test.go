package material

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestNormalize(t *testing.T) {
	zero := decimal.Zero
	in := Input{Code: "MAT-1", Name: "Cemento", Unit: "bolsa", PricePEN: &zero}
	if err := in.Normalize(); err == nil {
		t.Fatal("no positive price accepted")
	}
	p := decimal.RequireFromString("32.5")
	in = Input{Code: " MAT-1 ", Name: "Cemento", Unit: "bolsa", PricePEN: &p}
	if err := in.Normalize(); err != nil || in.Code != "MAT-1" || !*in.Active {
		t.Fatalf("%v %+v", err, in)
	}
	in = Input{Code: "MAT 1", Name: "x", Unit: "u", PricePEN: &p}
	if in.Normalize() == nil {
		t.Fatal("space in code accepted")
	}
}
