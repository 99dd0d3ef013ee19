package pages

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/inventory"
)

// budgetsData is the projects page: budgets with their lifecycle actions, and additionals.
type budgetsData struct {
	Budgets     []inventory.Budget
	Additionals []inventory.Additional
}

func (s *Site) budgets(w http.ResponseWriter, r *http.Request) {
	s.renderBudgets(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderBudgets(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	b, err := inventory.All(ctx, s.api.Inventory.Budgets, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := inventory.All(ctx, s.api.Inventory.Additionals, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = budgetsData{Budgets: b, Additionals: a}
	s.render(w, r, status, "budgets", v)
}

func (s *Site) createBudget(w http.ResponseWriter, r *http.Request) {
	in := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")), "notes": strings.TrimSpace(r.PostFormValue("notes"))}
	if d := decimalField(r, "amount_pen"); d != nil {
		in["amount_pen"] = d
	}
	if d := decimalField(r, "amount_usd"); d != nil {
		in["amount_usd"] = d
	}
	err := s.api.Inventory.CreateBudget(ctxFor(r), in)
	s.afterWrite(w, r, err, "/app/budgets", "flash.saved", func(v *View, st int) { s.renderBudgets(w, r, v, st) })
}

func (s *Site) budgetAction(w http.ResponseWriter, r *http.Request) {
	err := s.api.Inventory.BudgetTransition(ctxFor(r), mux.Vars(r)["id"], mux.Vars(r)["action"],
		strings.TrimSpace(r.PostFormValue("reason")), r.PostFormValue("reactivation_date"))
	s.afterWrite(w, r, err, "/app/budgets", "flash.saved", func(v *View, st int) { s.renderBudgets(w, r, v, st) })
}

func (s *Site) createAdditional(w http.ResponseWriter, r *http.Request) {
	err := s.api.Inventory.CreateAdditional(ctxFor(r), map[string]string{"budget_id": r.PostFormValue("budget_id"),
		"concept": strings.TrimSpace(r.PostFormValue("concept")), "request_date": r.PostFormValue("request_date"),
		"notes": strings.TrimSpace(r.PostFormValue("notes"))})
	s.afterWrite(w, r, err, "/app/budgets", "flash.saved", func(v *View, st int) { s.renderBudgets(w, r, v, st) })
}

func (s *Site) confirmAdditional(w http.ResponseWriter, r *http.Request) {
	err := s.api.Inventory.ConfirmAdditional(ctxFor(r), mux.Vars(r)["id"], map[string]string{
		"name": strings.TrimSpace(r.PostFormValue("doc_name")), "url": strings.TrimSpace(r.PostFormValue("doc_url"))})
	s.afterWrite(w, r, err, "/app/budgets", "flash.saved", func(v *View, st int) { s.renderBudgets(w, r, v, st) })
}

func (s *Site) cancelDispatch(w http.ResponseWriter, r *http.Request) {
	err := s.api.Inventory.CancelDispatch(ctxFor(r), mux.Vars(r)["id"], strings.TrimSpace(r.PostFormValue("reason")))
	s.afterWrite(w, r, err, "/app/dispatches", "flash.saved", func(v *View, st int) { s.renderDispatches(w, r, v, st) })
}
