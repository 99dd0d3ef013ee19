// Package seed creates a tenant's demo data: a principal store and two obras, a catalog
// of construction materials, projects, stock, requirements and a dispatch. It uses the
// same store operations as the API, so the demo data obeys every invariant.
package seed

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/budget"
	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/material"
	"github.com/planta-dev/planta/services/inventory/internal/requirement"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
	"github.com/planta-dev/planta/services/inventory/internal/store"
	"github.com/planta-dev/planta/services/inventory/internal/warehouse"
)

var catalog = []struct {
	code, name, unit string
	pen, usd         string
}{
	{"MAT-001", "Cemento Portland Tipo I (42.5 kg)", "bolsa", "32.50", "8.70"},
	{"MAT-002", "Arena gruesa", "m3", "65.00", "17.30"},
	{"MAT-003", "Arena fina", "m3", "70.00", "18.70"},
	{"MAT-004", "Piedra chancada 1/2\"", "m3", "85.00", "22.70"},
	{"MAT-005", "Hormigón", "m3", "60.00", "16.00"},
	{"MAT-006", "Fierro corrugado 3/8\" x 9 m", "varilla", "27.90", "7.45"},
	{"MAT-007", "Fierro corrugado 1/2\" x 9 m", "varilla", "48.50", "12.95"},
	{"MAT-008", "Fierro corrugado 5/8\" x 9 m", "varilla", "76.00", "20.30"},
	{"MAT-009", "Alambre negro N°16", "kg", "6.20", "1.65"},
	{"MAT-010", "Clavos de 3\"", "kg", "7.50", "2.00"},
	{"MAT-011", "Ladrillo King Kong 18 huecos", "millar", "980.00", "261.00"},
	{"MAT-012", "Ladrillo pandereta", "millar", "720.00", "192.00"},
	{"MAT-013", "Bloque de concreto 14x19x39", "unidad", "3.10", "0.83"},
	{"MAT-014", "Yeso en bolsa 18 kg", "bolsa", "14.00", "3.75"},
	{"MAT-015", "Tubo PVC 4\" desagüe", "unidad", "38.00", "10.10"},
	{"MAT-016", "Tubo PVC 1/2\" agua", "unidad", "9.50", "2.55"},
	{"MAT-017", "Codo PVC 4\" x 90°", "unidad", "6.80", "1.80"},
	{"MAT-018", "Pegamento PVC 1/4 gal", "unidad", "29.00", "7.75"},
	{"MAT-019", "Cable THW 12 AWG", "rollo", "189.00", "50.40"},
	{"MAT-020", "Cable THW 14 AWG", "rollo", "139.00", "37.10"},
	{"MAT-021", "Tubo conduit PVC 3/4\"", "unidad", "4.20", "1.12"},
	{"MAT-022", "Caja octogonal PVC", "unidad", "1.50", "0.40"},
	{"MAT-023", "Pintura látex blanco", "galón", "42.00", "11.20"},
	{"MAT-024", "Imprimante", "galón", "28.00", "7.45"},
	{"MAT-025", "Madera tornillo 2\"x3\"x10'", "pieza", "22.00", "5.85"},
	{"MAT-026", "Triplay fenólico 18 mm", "plancha", "145.00", "38.70"},
	{"MAT-027", "Malla electrosoldada 6 mm", "plancha", "210.00", "56.00"},
	{"MAT-028", "Aditivo impermeabilizante", "galón", "35.00", "9.35"},
	{"MAT-029", "Cerámico piso 45x45", "m2", "31.90", "8.50"},
	{"MAT-030", "Porcelanato 60x60", "m2", "54.90", "14.65"},
}

// Demo seeds the tenant and returns a one-line summary. It refuses a tenant that already
// has warehouses, so running it twice changes nothing.
func Demo(ctx context.Context, st *store.Store, a store.Actor) (string, error) {
	existing, _, err := st.ListWarehouses(ctx, a, store.WarehouseFilter{}, store.Page{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(existing) > 0 {
		return "tenant already has data; nothing seeded", nil
	}
	if _, err := st.PutProfile(ctx, a, store.Profile{CompanyName: "Constructora Demo SAC", TaxID: "20123456789", Address: "Av. Javier Prado Este 1234, San Isidro, Lima", Phone: "+51 1 555 0100"}); err != nil {
		return "", err
	}
	mk := func(name string, t warehouse.Type, loc, addr string) (warehouse.Warehouse, error) {
		return st.CreateWarehouse(ctx, a, warehouse.Input{Name: name, Type: t, Location: loc, Address: addr})
	}
	principal, err := mk("Almacén Central", warehouse.Principal, "Lima/Ate", "Av. Nicolás Ayllón 4500")
	if err != nil {
		return "", err
	}
	obraA, err := mk("Obra Residencial Los Olivos", warehouse.Obra, "Lima/Los Olivos", "Av. Universitaria 7800")
	if err != nil {
		return "", err
	}
	obraB, err := mk("Obra Centro Comercial Surco", warehouse.Obra, "Lima/Santiago de Surco", "Av. Primavera 1500")
	if err != nil {
		return "", err
	}
	mats := make([]material.Material, 0, len(catalog))
	for _, c := range catalog {
		pen, usd := decimal.RequireFromString(c.pen), decimal.RequireFromString(c.usd)
		in := material.Input{Code: c.code, Name: c.name, Unit: c.unit, PricePEN: &pen, PriceUSD: &usd}
		if err := in.Normalize(); err != nil {
			return "", fmt.Errorf("seed material %s: %w", c.code, err)
		}
		m, err := st.CreateMaterial(ctx, a, in)
		if err != nil {
			return "", err
		}
		mats = append(mats, m)
	}
	amount := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	bA, err := st.CreateBudget(ctx, a, budget.Input{Name: "Residencial Los Olivos", AmountPEN: amount("450000"), AmountUSD: amount("120000"), Notes: "Edificio de 8 pisos"})
	if err != nil {
		return "", err
	}
	bB, err := st.CreateBudget(ctx, a, budget.Input{Name: "Centro Comercial Surco", AmountPEN: amount("780000"), AmountUSD: amount("208000")})
	if err != nil {
		return "", err
	}
	for i, m := range mats {
		qty := decimal.NewFromInt(int64(20 + (i*37)%180))
		bid := &bA.ID
		if i%3 == 1 {
			bid = &bB.ID
		} else if i%3 == 2 {
			bid = nil
		}
		if i == 29 {
			qty = decimal.NewFromInt(3) // one critical line for the dashboard
		}
		if _, err := st.AddStock(ctx, a, stock.AddInput{WarehouseID: principal.ID, MaterialID: m.ID, BudgetID: bid, Qty: qty, Note: "Stock inicial"}); err != nil {
			return "", err
		}
	}
	r1, err := st.CreateRequirement(ctx, a, requirement.NewInput{WarehouseID: obraA.ID, BudgetID: bA.ID, Notes: "Vaciado de losa piso 3", Items: []requirement.NewItem{
		{MaterialID: mats[0].ID, Qty: decimal.NewFromInt(10)}, {MaterialID: mats[3].ID, Qty: decimal.NewFromInt(4)}, {MaterialID: mats[6].ID, Qty: decimal.NewFromInt(8)},
	}})
	if err != nil {
		return "", err
	}
	if _, err := st.CreateRequirement(ctx, a, requirement.NewInput{WarehouseID: obraB.ID, BudgetID: bB.ID, Notes: "Instalaciones eléctricas", Items: []requirement.NewItem{
		{MaterialID: mats[1].ID, Qty: decimal.NewFromInt(5)}, {MaterialID: mats[18].ID, Qty: decimal.NewFromInt(6)},
	}}); err != nil {
		return "", err
	}
	d, err := st.CreateDispatch(ctx, a, dispatch.Input{RequirementID: r1.ID, Notes: "Entrega parcial"})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("seeded tenant %s: 3 warehouses, %d materials, 2 budgets, 2 requirements, dispatch %s", a.TenantID, len(mats), d.Number), nil
}
