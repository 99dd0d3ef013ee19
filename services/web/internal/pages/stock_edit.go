package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/inventory"
)

// --- warehouses and materials: edit ---

// editData is a one-object edit page with the choices its forms offer.
type editData struct {
	Warehouse   *inventory.Warehouse
	Material    *inventory.Material
	Line        *inventory.StockLine
	Budget      *inventory.Budget
	Budgets     []inventory.Budget
	Consumption *inventory.Consumption
	Events      []inventory.BudgetEvent
	Next        string
}

func (s *Site) warehouseForm(w http.ResponseWriter, r *http.Request) {
	s.renderWarehouse(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderWarehouse(w http.ResponseWriter, r *http.Request, v *View, status int) {
	wh, err := s.api.Inventory.Warehouse(ctxFor(r), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = editData{Warehouse: &wh}
	s.render(w, r, status, "warehouse", v)
}

func (s *Site) updateWarehouse(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	err := s.api.Inventory.UpdateWarehouse(ctxFor(r), id, inventory.WarehouseInput{
		Name: strings.TrimSpace(r.PostFormValue("name")), Type: r.PostFormValue("type"),
		Location: strings.TrimSpace(r.PostFormValue("location")), Address: strings.TrimSpace(r.PostFormValue("address")),
	})
	s.afterWrite(w, r, err, "/app/warehouses/"+url.PathEscape(id), "flash.saved", func(v *View, st int) { s.renderWarehouse(w, r, v, st) })
}

func (s *Site) materialForm(w http.ResponseWriter, r *http.Request) {
	s.renderMaterial(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMaterial(w http.ResponseWriter, r *http.Request, v *View, status int) {
	m, err := s.api.Inventory.Material(ctxFor(r), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = editData{Material: &m}
	s.render(w, r, status, "material", v)
}

func (s *Site) updateMaterial(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	active := r.PostFormValue("active") == "true"
	in := inventory.MaterialInput{Code: strings.TrimSpace(r.PostFormValue("code")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Unit: strings.TrimSpace(r.PostFormValue("unit")), Description: strings.TrimSpace(r.PostFormValue("description")),
		PricePEN: decimalField(r, "price_pen"), PriceUSD: decimalField(r, "price_usd"), Active: &active}
	err := s.api.Inventory.UpdateMaterial(ctxFor(r), id, in)
	s.afterWrite(w, r, err, "/app/materials/"+url.PathEscape(id), "flash.saved", func(v *View, st int) { s.renderMaterial(w, r, v, st) })
}

// --- one stock line: note, physical count, reassign, unfreeze, delete ---

func (s *Site) stockLine(w http.ResponseWriter, r *http.Request) {
	s.renderStockLine(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderStockLine(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	l, err := s.api.Inventory.StockLine(ctx, mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Reassigning or unfreezing may target an active or inactive project (not a finished one).
	var budgets []inventory.Budget
	for _, st := range []string{"active", "inactive"} {
		p, err := inventory.All(ctx, s.api.Inventory.Budgets, url.Values{"status": {st}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		budgets = append(budgets, p...)
	}
	v.Data = editData{Line: &l, Budgets: budgets}
	s.render(w, r, status, "stock_line", v)
}

// optionalID is a form's project choice: "" = none.
func optionalID(r *http.Request, name string) *string {
	if v := strings.TrimSpace(r.PostFormValue(name)); v != "" {
		return &v
	}
	return nil
}

func (s *Site) stockLineAction(w http.ResponseWriter, r *http.Request) {
	ctx := ctxFor(r)
	id := mux.Vars(r)["id"]
	target := "/app/stock/lines/" + url.PathEscape(id)
	var err error
	switch mux.Vars(r)["action"] {
	case "note":
		err = s.api.Inventory.SetLineNote(ctx, id, strings.TrimSpace(r.PostFormValue("note")))
	case "adjust":
		counted := decimalField(r, "counted")
		if counted == nil {
			v := s.view(r)
			v.Form = r.PostForm
			v.Errors["counted"] = v.L.T("error.required")
			s.renderStockLine(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		err = s.api.Inventory.AdjustLine(ctx, id, *counted, strings.TrimSpace(r.PostFormValue("reason")))
	case "reassign", "unfreeze":
		var l inventory.StockLine
		l, err = s.api.Inventory.MoveLine(ctx, id, optionalID(r, "budget_id"), mux.Vars(r)["action"] == "unfreeze")
		if err == nil && l.ID != "" {
			// The stock may have merged into the target project's existing line.
			target = "/app/stock/lines/" + url.PathEscape(l.ID)
		}
	case "delete":
		err = s.api.Inventory.DeleteLine(ctx, id, strings.TrimSpace(r.PostFormValue("reason")))
		target = "/app/stock"
	}
	s.afterWrite(w, r, err, target, "flash.saved", func(v *View, st int) { s.renderStockLine(w, r, v, st) })
}

// withdrawStock takes stock out of a warehouse (OUT, FIFO over the chosen scope).
func (s *Site) withdrawStock(w http.ResponseWriter, r *http.Request) {
	in := inventory.Withdrawal{WarehouseID: r.PostFormValue("warehouse_id"), MaterialID: r.PostFormValue("material_id"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	switch b := r.PostFormValue("scope"); b {
	case "", "any":
	case "none":
		in.NoBudget = true
	default:
		in.BudgetID = &b
	}
	if q := decimalField(r, "qty"); q != nil {
		in.Qty = *q
	}
	err := s.api.Inventory.Withdraw(ctxFor(r), in)
	s.afterWrite(w, r, err, "/app/stock", "flash.withdrawn", func(v *View, st int) { s.renderStock(w, r, v, st) })
}

// --- one project: consumption and in-page history ---

func (s *Site) budgetPage(w http.ResponseWriter, r *http.Request) {
	s.renderBudget(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderBudget(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	id := mux.Vars(r)["id"]
	b, err := s.api.Inventory.Budget(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.api.Inventory.BudgetConsumption(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ev, err := s.api.Inventory.BudgetEvents(ctx, id, pick(q, "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = editData{Budget: &b, Consumption: &c, Events: ev.Items, Next: nextLink("/app/budgets/"+url.PathEscape(id), pick(q), ev.NextCursor)}
	s.render(w, r, status, "budget", v)
}

// deleteBudget deletes a project: open requirements are cancelled, its stock frozen.
func (s *Site) deleteBudget(w http.ResponseWriter, r *http.Request) {
	err := s.api.Inventory.DeleteBudget(ctxFor(r), mux.Vars(r)["id"])
	s.afterWrite(w, r, err, "/app/budgets", "flash.budget_deleted", func(v *View, st int) { s.renderBudget(w, r, v, st) })
}
