package httpapi

import (
	"context"
	"net/http"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"

	"github.com/planta-dev/planta/services/inventory/internal/budget"
	"github.com/planta-dev/planta/services/inventory/internal/dashboard"
	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/material"
	"github.com/planta-dev/planta/services/inventory/internal/receipt"
	"github.com/planta-dev/planta/services/inventory/internal/requirement"
	"github.com/planta-dev/planta/services/inventory/internal/stock"
	"github.com/planta-dev/planta/services/inventory/internal/store"
	"github.com/planta-dev/planta/services/inventory/internal/warehouse"
)

// Register adds every inventory route to rt, each behind RequireTenant.
func (a *API) Register(rt *authn.Router) {
	g := authn.RequireTenant()
	h := func(method, path string, fn http.HandlerFunc) { rt.HandleFunc(method, Base+path, g, fn) }
	list := func(path string, fn http.HandlerFunc) {
		h(http.MethodGet, path, fn)
		h(http.MethodGet, path+".csv", fn)
	}
	h(http.MethodGet, "/tenant-profile", a.getProfile)
	h(http.MethodPut, "/tenant-profile", a.putProfile)

	list("/warehouses", a.listWarehouses)
	h(http.MethodPost, "/warehouses", a.createWarehouse)
	h(http.MethodGet, "/warehouses/{id}", a.getWarehouse)
	h(http.MethodPut, "/warehouses/{id}", a.updateWarehouse)
	h(http.MethodDelete, "/warehouses/{id}", a.deleteWarehouse)

	list("/materials", a.listMaterials)
	h(http.MethodPost, "/materials", a.createMaterial)
	h(http.MethodGet, "/materials/{id}", a.getMaterial)
	h(http.MethodPut, "/materials/{id}", a.updateMaterial)
	h(http.MethodDelete, "/materials/{id}", a.deleteMaterial)

	list("/stock-lines", a.listLines)
	h(http.MethodGet, "/stock-lines/{id}", a.getLine)
	h(http.MethodPatch, "/stock-lines/{id}", a.patchLine)
	h(http.MethodDelete, "/stock-lines/{id}", a.deleteLine)
	h(http.MethodPost, "/stock-lines/{id}/adjustments", a.adjustLine)
	h(http.MethodPost, "/stock-lines/{id}/reassign", a.reassignLine)
	h(http.MethodPost, "/stock-lines/{id}/unfreeze", a.unfreezeLine)
	h(http.MethodPost, "/stock-additions", a.addStock)
	h(http.MethodPost, "/stock-withdrawals", a.withdrawStock)

	list("/stock-deletions", a.listDeletions)
	h(http.MethodGet, "/stock-deletions/{id}", a.getDeletion)
	h(http.MethodPost, "/stock-deletions/{id}/lost", a.resolveDeletion(stock.DeletionLost))
	h(http.MethodPost, "/stock-deletions/{id}/returned", a.resolveDeletion(stock.DeletionReturned))
	h(http.MethodPost, "/stock-deletions/{id}/restore", a.resolveDeletion(stock.DeletionRestored))

	list("/requirements", a.listRequirements)
	h(http.MethodPost, "/requirements", a.createRequirement)
	h(http.MethodGet, "/requirements/{id}", a.getRequirement)
	h(http.MethodPost, "/requirements/{id}/cancel", a.cancelRequirement)

	list("/dispatches", a.listDispatches)
	h(http.MethodPost, "/dispatches", a.createDispatch)
	h(http.MethodGet, "/dispatches/{id}", a.getDispatch)
	h(http.MethodPost, "/dispatches/{id}/cancel", a.cancelDispatch)
	h(http.MethodGet, "/dispatches/{id}/delivery-note.pdf", a.deliveryNotePDF)
	h(http.MethodGet, "/dispatches/{id}/delivery-note.html", a.deliveryNoteHTML)

	list("/receipts", a.listReceipts)
	h(http.MethodPost, "/receipts", a.createReceipt)
	h(http.MethodGet, "/receipts/{id}", a.getReceipt)

	list("/movements", a.listMovements)
	h(http.MethodGet, "/reconciliation", a.reconcile)

	list("/budgets", a.listBudgets)
	h(http.MethodPost, "/budgets", a.createBudget)
	h(http.MethodGet, "/budgets/{id}", a.getBudget)
	h(http.MethodPut, "/budgets/{id}", a.updateBudget)
	h(http.MethodDelete, "/budgets/{id}", a.deleteBudget)
	for _, action := range []string{store.ActionDeactivate, store.ActionReactivate, store.ActionExtend, store.ActionFinish, store.ActionReopen} {
		h(http.MethodPost, "/budgets/{id}/"+action, a.transitionBudget(action))
	}
	list("/budgets/{id}/events", a.listBudgetEvents)
	h(http.MethodGet, "/budgets/{id}/consumption", a.budgetConsumption)
	list("/budgets/{id}/cost-history", a.budgetCostHistory)
	list("/cost-history", a.globalCostHistory)

	list("/additionals", a.listAdditionals)
	h(http.MethodPost, "/additionals", a.createAdditional)
	h(http.MethodGet, "/additionals/{id}", a.getAdditional)
	h(http.MethodPut, "/additionals/{id}", a.updateAdditional)
	h(http.MethodDelete, "/additionals/{id}", a.deleteAdditional)
	h(http.MethodPost, "/additionals/{id}/confirm", a.confirmAdditional)

	h(http.MethodGet, "/dashboard", a.dashboard)
}

// ---- tenant profile

func (a *API) getProfile(w http.ResponseWriter, r *http.Request) {
	p, err := a.store.GetProfile(r.Context(), actor(r))
	a.reply(w, r, http.StatusOK, p, err)
}

func (a *API) putProfile(w http.ResponseWriter, r *http.Request) {
	var in store.Profile
	if !a.decode(w, r, &in) {
		return
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"company_name", in.CompanyName, 200}, {"tax_id", in.TaxID, 20}, {"address", in.Address, 300}, {"phone", in.Phone, 40}} {
		if len(f.v) > f.max {
			a.writeError(w, r, fault.Field(f.name, "is too long"))
			return
		}
	}
	if in.CompanyName == "" {
		a.writeError(w, r, fault.Field("company_name", "is required"))
		return
	}
	p, err := a.store.PutProfile(r.Context(), actor(r), in)
	a.reply(w, r, http.StatusOK, p, err)
}

func (a *API) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	jsonbody.Write(w, status, v)
}

func (a *API) noContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- warehouses

func (a *API) listWarehouses(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "warehouses", func(q *params) store.WarehouseFilter {
		return store.WarehouseFilter{Type: q.enum("type", "principal", "obra"), Q: q.str("q")}
	}, a.store.ListWarehouses)
}

func (a *API) createWarehouse(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*warehouse.Input).Normalize, a.store.CreateWarehouse)
}

func (a *API) getWarehouse(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetWarehouse)
}

func (a *API) updateWarehouse(w http.ResponseWriter, r *http.Request) {
	if found(a, w, r, a.store.GetWarehouse) {
		serveUpdate(a, w, r, (*warehouse.Input).Normalize, a.store.UpdateWarehouse)
	}
}

func (a *API) deleteWarehouse(w http.ResponseWriter, r *http.Request) {
	serveDelete(a, w, r, a.store.DeleteWarehouse)
}

// ---- materials

func (a *API) listMaterials(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "materials", func(q *params) store.MaterialFilter {
		return store.MaterialFilter{Q: q.str("q"), Active: q.boolean("active"), BudgetID: q.id("budget_id"), NoBudget: q.flag("no_budget")}
	}, a.store.ListMaterials)
}

func (a *API) createMaterial(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*material.Input).Normalize, a.store.CreateMaterial)
}

func (a *API) getMaterial(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetMaterial)
}

func (a *API) updateMaterial(w http.ResponseWriter, r *http.Request) {
	if found(a, w, r, a.store.GetMaterial) {
		serveUpdate(a, w, r, (*material.Input).Normalize, a.store.UpdateMaterial)
	}
}

func (a *API) deleteMaterial(w http.ResponseWriter, r *http.Request) {
	serveDelete(a, w, r, a.store.DeleteMaterial)
}

// ---- stock

func (a *API) listLines(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "stock_lines", func(q *params) store.LineFilter {
		return store.LineFilter{
			WarehouseID: q.id("warehouse_id"), WarehouseType: q.enum("warehouse_type", "principal", "obra"),
			MaterialID: q.id("material_id"), BudgetID: q.id("budget_id"), NoBudget: q.flag("no_budget"),
			Frozen: q.boolean("frozen"), LowStock: q.flag("low_stock"), Q: q.str("q"),
		}
	}, a.store.ListLines)
}

func (a *API) getLine(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetLine)
}

func (a *API) patchLine(w http.ResponseWriter, r *http.Request) {
	if !found(a, w, r, a.store.GetLine) {
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if !a.decode(w, r, &in) {
		return
	}
	if len(in.Note) > 2000 {
		a.writeError(w, r, fault.Field("note", "must be at most 2000 characters"))
		return
	}
	l, err := a.store.SetNote(r.Context(), actor(r), pathID(r), in.Note)
	a.reply(w, r, http.StatusOK, l, err)
}

func (a *API) deleteLine(w http.ResponseWriter, r *http.Request) {
	reason := query(r).str("reason")
	if len(reason) > 500 {
		a.writeError(w, r, fault.Field("reason", "must be at most 500 characters"))
		return
	}
	d, err := a.store.DeleteLine(r.Context(), actor(r), pathID(r), reason)
	a.reply(w, r, http.StatusOK, d, err)
}

func (a *API) adjustLine(w http.ResponseWriter, r *http.Request) {
	if found(a, w, r, a.store.GetLine) {
		serveUpdate(a, w, r, (*stock.AdjustInput).Validate, a.store.Adjust)
	}
}

type budgetRef struct {
	BudgetID *string `json:"budget_id"`
}

func (a *API) reassignLine(w http.ResponseWriter, r *http.Request) { a.moveLine(w, r, false) }
func (a *API) unfreezeLine(w http.ResponseWriter, r *http.Request) { a.moveLine(w, r, true) }

func (a *API) moveLine(w http.ResponseWriter, r *http.Request, unfreeze bool) {
	if !found(a, w, r, a.store.GetLine) {
		return
	}
	var in budgetRef
	if !a.decode(w, r, &in) {
		return
	}
	l, err := a.store.Reassign(r.Context(), actor(r), pathID(r), in.BudgetID, unfreeze)
	a.reply(w, r, http.StatusOK, l, err)
}

func (a *API) addStock(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*stock.AddInput).Validate, a.store.AddStock)
}

func (a *API) withdrawStock(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*stock.WithdrawInput).Validate, func(ctx context.Context, ac store.Actor, in stock.WithdrawInput) (jsonbody.List[stock.Line], error) {
		lines, err := a.store.Withdraw(ctx, ac, in)
		return jsonbody.List[stock.Line]{Items: lines}, err
	})
}

func (a *API) listDeletions(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "stock_deletions", func(q *params) store.DeletionFilter {
		return store.DeletionFilter{Status: q.enum("status", "pending", "lost", "returned", "restored"), WarehouseID: q.id("warehouse_id"), MaterialID: q.id("material_id"), BudgetID: q.id("budget_id")}
	}, a.store.ListDeletions)
}

func (a *API) getDeletion(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetDeletion)
}

func (a *API) resolveDeletion(to stock.DeletionStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := a.store.ResolveDeletion(r.Context(), actor(r), pathID(r), to)
		a.reply(w, r, http.StatusOK, d, err)
	}
}

// ---- requirements

func (a *API) listRequirements(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "requirements", func(q *params) store.RequirementFilter {
		return store.RequirementFilter{Status: q.enum("status", "pending", "partial", "fulfilled", "cancelled"), WarehouseID: q.id("warehouse_id"),
			BudgetID: q.id("budget_id"), From: q.date("from", false), To: q.date("to", true)}
	}, a.store.ListRequirements)
}

func (a *API) createRequirement(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*requirement.NewInput).Validate, a.store.CreateRequirement)
}

func (a *API) getRequirement(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetRequirement)
}

type reasonInput struct {
	Reason string `json:"reason"`
}

func (a *API) cancelRequirement(w http.ResponseWriter, r *http.Request) {
	if !found(a, w, r, a.store.GetRequirement) {
		return
	}
	var in reasonInput
	if !a.decode(w, r, &in) {
		return
	}
	if in.Reason == "" || len(in.Reason) > 500 {
		a.writeError(w, r, fault.Field("reason", "is required (at most 500 characters)"))
		return
	}
	req, err := a.store.CancelRequirement(r.Context(), actor(r), pathID(r), in.Reason)
	a.reply(w, r, http.StatusOK, req, err)
}

// ---- dispatches

func (a *API) listDispatches(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "dispatches", func(q *params) store.DispatchFilter {
		return store.DispatchFilter{Status: q.enum("status", "active", "cancelled"), WarehouseID: q.id("warehouse_id"), RequirementID: q.id("requirement_id"),
			BudgetID: q.id("budget_id"), Number: q.str("number"), Received: q.boolean("received"), From: q.date("from", false), To: q.date("to", true)}
	}, a.store.ListDispatches)
}

func (a *API) createDispatch(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*dispatch.Input).Validate, a.store.CreateDispatch)
}

func (a *API) getDispatch(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetDispatch)
}

// cancelDispatch needs a reason (1–500 characters): a 404 for an unknown dispatch comes
// before the body is judged, as on the other actions. No body at all (what this route
// used to take) is a missing reason too: a 422 naming it says what to send.
func (a *API) cancelDispatch(w http.ResponseWriter, r *http.Request) {
	if !found(a, w, r, a.store.GetDispatch) {
		return
	}
	if r.ContentLength == 0 {
		var in dispatch.CancelInput
		a.writeError(w, r, in.Validate())
		return
	}
	serveUpdate(a, w, r, (*dispatch.CancelInput).Validate, a.store.CancelDispatch)
}

// ---- receipts

func (a *API) listReceipts(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "receipts", func(q *params) store.ReceiptFilter {
		return store.ReceiptFilter{WarehouseID: q.id("warehouse_id"), BudgetID: q.id("budget_id"), Status: q.enum("status", "complete", "partial"),
			Number: q.str("number"), From: q.date("from", false), To: q.date("to", true)}
	}, a.store.ListReceipts)
}

func (a *API) createReceipt(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*receipt.Input).Validate, a.store.CreateReceipt)
}

func (a *API) getReceipt(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetReceipt)
}

// ---- ledger

func (a *API) listMovements(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "movements", func(q *params) store.MovementFilter {
		return store.MovementFilter{StockLineID: q.id("stock_line_id"), WarehouseID: q.id("warehouse_id"), MaterialID: q.id("material_id"),
			BudgetID: q.id("budget_id"), Kind: q.enum("kind", "IN", "OUT", "ADJUST", "TRANSFER"), ReferenceType: q.str("reference_type"),
			From: q.date("from", false), To: q.date("to", true)}
	}, a.store.ListMovements)
}

func (a *API) reconcile(w http.ResponseWriter, r *http.Request) {
	rec, err := a.store.Reconcile(r.Context(), actor(r))
	a.reply(w, r, http.StatusOK, rec, err)
}

// ---- budgets

func (a *API) listBudgets(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "budgets", func(q *params) store.BudgetFilter {
		return store.BudgetFilter{Status: q.enum("status", "active", "inactive", "finished"), Q: q.str("q")}
	}, a.store.ListBudgets)
}

func (a *API) createBudget(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, (*budget.Input).Normalize, a.store.CreateBudget)
}

func (a *API) getBudget(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetBudget)
}

func (a *API) updateBudget(w http.ResponseWriter, r *http.Request) {
	if found(a, w, r, a.store.GetBudget) {
		serveUpdate(a, w, r, (*budget.Input).Normalize, a.store.UpdateBudget)
	}
}

func (a *API) deleteBudget(w http.ResponseWriter, r *http.Request) {
	n, err := a.store.DeleteBudget(r.Context(), actor(r), pathID(r))
	a.reply(w, r, http.StatusOK, map[string]int{"frozen_lines": n}, err)
}

func (a *API) transitionBudget(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !found(a, w, r, a.store.GetBudget) {
			return
		}
		var in budget.Transition
		if r.ContentLength != 0 && !a.decode(w, r, &in) {
			return
		}
		b, err := a.store.Transition(r.Context(), actor(r), pathID(r), action, in)
		a.reply(w, r, http.StatusOK, b, err)
	}
}

func (a *API) listBudgetEvents(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "budget_events", func(*params) string { return pathID(r) }, a.store.ListBudgetEvents)
}

func (a *API) budgetConsumption(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.Consumption)
}

func (a *API) budgetCostHistory(w http.ResponseWriter, r *http.Request) {
	if err := query(r).check(); err != nil {
		a.writeError(w, r, err)
		return
	}
	items, err := a.store.CostHistory(r.Context(), actor(r), pathID(r), nil, nil)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	respondList(w, r, "cost_history", items, "")
}

func (a *API) globalCostHistory(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	from, to := q.date("from", false), q.date("to", true)
	if from == nil {
		t := a.now().UTC().AddDate(-1, 0, 0)
		from = &t
	}
	if err := q.check(); err != nil {
		a.writeError(w, r, err)
		return
	}
	items, err := a.store.CostHistory(r.Context(), actor(r), "", from, to)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	respondList(w, r, "cost_history", items, "")
}

// ---- additionals

func (a *API) listAdditionals(w http.ResponseWriter, r *http.Request) {
	serveList(a, w, r, "additionals", func(q *params) store.AdditionalFilter {
		return store.AdditionalFilter{BudgetID: q.id("budget_id"), Confirmed: q.boolean("confirmed"), Q: q.str("q")}
	}, a.store.ListAdditionals)
}

func (a *API) createAdditional(w http.ResponseWriter, r *http.Request) {
	serveCreate(a, w, r, func(in *budget.AdditionalInput) error { return in.Normalize(true) }, a.store.CreateAdditional)
}

func (a *API) getAdditional(w http.ResponseWriter, r *http.Request) {
	serveGet(a, w, r, a.store.GetAdditional)
}

func (a *API) updateAdditional(w http.ResponseWriter, r *http.Request) {
	if !found(a, w, r, a.store.GetAdditional) {
		return
	}
	var in struct {
		budget.AdditionalInput
		Documents []budget.Document `json:"documents"`
	}
	if !a.decode(w, r, &in) {
		return
	}
	if in.BudgetID != "" {
		a.writeError(w, r, fault.Field("budget_id", "cannot change"))
		return
	}
	if err := in.AdditionalInput.Normalize(false); err != nil {
		a.writeError(w, r, err)
		return
	}
	x, err := a.store.UpdateAdditional(r.Context(), actor(r), pathID(r), in.AdditionalInput, in.Documents)
	a.reply(w, r, http.StatusOK, x, err)
}

func (a *API) deleteAdditional(w http.ResponseWriter, r *http.Request) {
	serveDelete(a, w, r, a.store.DeleteAdditional)
}

func (a *API) confirmAdditional(w http.ResponseWriter, r *http.Request) {
	if !found(a, w, r, a.store.GetAdditional) {
		return
	}
	var in struct {
		Documents []budget.Document `json:"documents"`
	}
	if !a.decode(w, r, &in) {
		return
	}
	if err := budget.ValidDocuments(in.Documents); err != nil {
		a.writeError(w, r, err)
		return
	}
	x, err := a.store.ConfirmAdditional(r.Context(), actor(r), pathID(r), in.Documents)
	a.reply(w, r, http.StatusOK, x, err)
}

// ---- dashboard

func (a *API) dashboard(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	from, to, ok := dashboard.Period(q.str("from"), q.str("to"), a.now())
	if err := q.check(); err != nil {
		a.writeError(w, r, err)
		return
	}
	if !ok {
		a.writeError(w, r, fault.Field("from", "from and to must be dates YYYY-MM-DD with from <= to"))
		return
	}
	k, err := a.store.Dashboard(r.Context(), actor(r), from, to)
	a.reply(w, r, http.StatusOK, k, err)
}
