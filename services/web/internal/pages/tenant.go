package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
	"github.com/planta-dev/planta/services/web/internal/api/inventory"
)

// pick copies the named, non-empty query parameters (filters passed to an API list).
func pick(q url.Values, names ...string) url.Values {
	out := url.Values{}
	for _, n := range names {
		if v := strings.TrimSpace(q.Get(n)); v != "" {
			out.Set(n, v)
		}
	}
	return out
}

// nextLink is the page link for a list's next cursor.
func nextLink(path string, q url.Values, cursor string) string {
	if cursor == "" {
		return ""
	}
	nq := url.Values{}
	for k, v := range q {
		nq[k] = v
	}
	nq.Set("cursor", cursor)
	return path + "?" + nq.Encode()
}

// csvLink is the API's CSV export of a list with the page's filters (the browser
// downloads it through the ingress with its own cookie).
func csvLink(path string, q url.Values) string {
	q = pick(q, "warehouse_id", "material_id", "budget_id", "kind", "reference_type", "from", "to", "status", "q", "number")
	if len(q) == 0 {
		return inventory.Base + path + ".csv"
	}
	return inventory.Base + path + ".csv?" + q.Encode()
}

// dashboardData is the cliente's home.
type dashboardData struct {
	D                                          inventory.Dashboard
	DispatchChart, WarehouseChart, BudgetChart map[string]any
}

func (s *Site) dashboard(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	d, err := s.api.Inventory.Dashboard(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var days, counts, whNames, whUnits, bNames, bAmount, bSpent []any
	for _, x := range d.DispatchesPerDay {
		days, counts = append(days, x.Day), append(counts, x.Count)
	}
	for _, x := range d.StockPerWarehouse {
		whNames, whUnits = append(whNames, x.Name), append(whUnits, string(x.Units))
	}
	for _, x := range d.BudgetConsumption {
		bNames, bAmount, bSpent = append(bNames, x.Name), append(bAmount, string(x.AmountPEN)), append(bSpent, string(x.DispatchedPEN))
	}
	v.Data = dashboardData{D: d,
		DispatchChart:  map[string]any{"type": "bar", "labels": days, "datasets": []map[string]any{{"label": v.L.T("dashboard.dispatches"), "data": counts}}},
		WarehouseChart: map[string]any{"type": "doughnut", "labels": whNames, "datasets": []map[string]any{{"label": v.L.T("dashboard.units"), "data": whUnits}}},
		BudgetChart: map[string]any{"type": "bar", "labels": bNames, "datasets": []map[string]any{
			{"label": v.L.T("dashboard.budget"), "data": bAmount, "color": "#2563eb"},
			{"label": v.L.T("dashboard.spent"), "data": bSpent, "color": "#b45309"}}},
	}
	s.render(w, r, http.StatusOK, "dashboard", v)
}

// listData is a generic list page: items, the form's choices, paging.
type listData struct {
	Items      any
	Warehouses []inventory.Warehouse
	Materials  []inventory.Material
	Budgets    []inventory.Budget
	Deletions  []inventory.Deletion
	Selected   any
	Filter     url.Values
	Next, CSV  string
}

func (s *Site) warehouses(w http.ResponseWriter, r *http.Request) {
	s.renderWarehouses(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderWarehouses(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	page, err := s.api.Inventory.Warehouses(ctxFor(r), pick(q, "type", "q", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = listData{Items: page.Items, Filter: q, Next: nextLink("/app/warehouses", q, page.NextCursor)}
	s.render(w, r, status, "warehouses", v)
}

func (s *Site) createWarehouse(w http.ResponseWriter, r *http.Request) {
	_, err := s.api.Inventory.CreateWarehouse(ctxFor(r), inventory.WarehouseInput{
		Name: strings.TrimSpace(r.PostFormValue("name")), Type: r.PostFormValue("type"),
		Location: strings.TrimSpace(r.PostFormValue("location")), Address: strings.TrimSpace(r.PostFormValue("address")),
	})
	if err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderWarehouses(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/warehouses?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) deleteWarehouse(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.DeleteWarehouse(ctxFor(r), mux.Vars(r)["id"]); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			// 409 warehouse-in-use: nothing was deleted nor cancelled; say why in the
			// user's language rather than relaying the API's English detail.
			if p, ok := apicall.AsProblem(err); ok && p.Slug() == "warehouse-in-use" {
				v.Flash = &Flash{Kind: "error", Text: v.L.T("warehouse.in_use")}
			}
			s.renderWarehouses(w, r, v, http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/warehouses?ok=flash.deleted", http.StatusSeeOther)
}

func (s *Site) materials(w http.ResponseWriter, r *http.Request) {
	s.renderMaterials(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMaterials(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	page, err := s.api.Inventory.Materials(ctxFor(r), pick(q, "q", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = listData{Items: page.Items, Filter: q, Next: nextLink("/app/materials", q, page.NextCursor), CSV: csvLink("/materials", q)}
	s.render(w, r, status, "materials", v)
}

func (s *Site) createMaterial(w http.ResponseWriter, r *http.Request) {
	in := inventory.MaterialInput{Code: strings.TrimSpace(r.PostFormValue("code")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Unit: strings.TrimSpace(r.PostFormValue("unit")), Description: strings.TrimSpace(r.PostFormValue("description"))}
	if p := decimalField(r, "price_pen"); p != nil {
		in.PricePEN = p
	}
	if p := decimalField(r, "price_usd"); p != nil {
		in.PriceUSD = p
	}
	if _, err := s.api.Inventory.CreateMaterial(ctxFor(r), in); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderMaterials(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/materials?ok=flash.saved", http.StatusSeeOther)
}

// decimalField reads a decimal input, accepting a comma as the decimal separator.
func decimalField(r *http.Request, name string) *inventory.Decimal {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return nil
	}
	d := inventory.Decimal(strings.ReplaceAll(s, ",", "."))
	return &d
}

func (s *Site) stock(w http.ResponseWriter, r *http.Request) {
	s.renderStock(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderStock(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	q := r.URL.Query()
	page, err := s.api.Inventory.StockLines(ctx, pick(q, "warehouse_id", "q", "low_stock", "frozen", "budget_id", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := listData{Items: page.Items, Filter: q, Next: nextLink("/app/stock", q, page.NextCursor), CSV: csvLink("/stock-lines", q)}
	if err := s.choices(r, &d, true, true, true); err != nil {
		s.fail(w, r, err)
		return
	}
	dels, err := inventory.All(ctx, s.api.Inventory.Deletions, url.Values{"status": {"pending"}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Deletions = dels
	v.Data = d
	s.render(w, r, status, "stock", v)
}

// choices loads the warehouses, materials and budgets a form offers.
func (s *Site) choices(r *http.Request, d *listData, wh, mat, bud bool) error {
	ctx := ctxFor(r)
	if wh {
		p, err := inventory.All(ctx, s.api.Inventory.Warehouses, nil)
		if err != nil {
			return err
		}
		d.Warehouses = p
	}
	if mat {
		p, err := inventory.All(ctx, s.api.Inventory.Materials, nil)
		if err != nil {
			return err
		}
		d.Materials = p
	}
	if bud {
		p, err := inventory.All(ctx, s.api.Inventory.Budgets, url.Values{"status": {"active"}})
		if err != nil {
			return err
		}
		d.Budgets = p
	}
	return nil
}

func (s *Site) addStock(w http.ResponseWriter, r *http.Request) {
	in := inventory.StockAddition{WarehouseID: r.PostFormValue("warehouse_id"), MaterialID: r.PostFormValue("material_id"),
		Note: strings.TrimSpace(r.PostFormValue("note"))}
	if q := decimalField(r, "qty"); q != nil {
		in.Qty = *q
	}
	if b := r.PostFormValue("budget_id"); b != "" {
		in.BudgetID = &b
	}
	if err := s.api.Inventory.AddStock(ctxFor(r), in); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderStock(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/stock?ok=flash.stock_added", http.StatusSeeOther)
}

func (s *Site) resolveDeletion(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.ResolveDeletion(ctxFor(r), mux.Vars(r)["id"], mux.Vars(r)["action"]); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			s.renderStock(w, r, v, http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/stock?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) requirements(w http.ResponseWriter, r *http.Request) {
	s.renderRequirements(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderRequirements(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	page, err := s.api.Inventory.Requirements(ctxFor(r), pick(q, "status", "warehouse_id", "from", "to", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := listData{Items: page.Items, Filter: q, Next: nextLink("/app/requirements", q, page.NextCursor), CSV: csvLink("/requirements", q)}
	if err := s.choices(r, &d, true, true, true); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "requirements", v)
}

// requirementLines is how many material lines the requirement form offers without JS.
const requirementLines = 5

func (s *Site) createRequirement(w http.ResponseWriter, r *http.Request) {
	in := inventory.RequirementInput{WarehouseID: r.PostFormValue("warehouse_id"), BudgetID: r.PostFormValue("budget_id"),
		Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	for i := range requirementLines {
		m := r.PostFormValue(fmt.Sprintf("material_%d", i))
		q := decimalField(r, fmt.Sprintf("qty_%d", i))
		if m != "" && q != nil {
			in.Items = append(in.Items, inventory.Line{MaterialID: m, Qty: *q})
		}
	}
	if _, err := s.api.Inventory.CreateRequirement(ctxFor(r), in); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderRequirements(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/requirements?ok=flash.requirement_created", http.StatusSeeOther)
}

func (s *Site) cancelRequirement(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.CancelRequirement(ctxFor(r), mux.Vars(r)["id"], strings.TrimSpace(r.PostFormValue("reason"))); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			s.renderRequirements(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/requirements?ok=flash.requirement_cancelled", http.StatusSeeOther)
}

// dispatchData is the dispatch page: history, and the requirements that can be
// dispatched (with the selected one's lines).
type dispatchData struct {
	Dispatches []inventory.Dispatch
	Open       []inventory.Requirement
	Selected   *inventory.Requirement
	Filter     url.Values
	Next, CSV  string
}

func (s *Site) dispatches(w http.ResponseWriter, r *http.Request) {
	s.renderDispatches(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderDispatches(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	q := r.URL.Query()
	page, err := s.api.Inventory.Dispatches(ctx, pick(q, "status", "warehouse_id", "number", "from", "to", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := dispatchData{Dispatches: page.Items, Filter: q, Next: nextLink("/app/dispatches", q, page.NextCursor), CSV: csvLink("/dispatches", q)}
	for _, st := range []string{"pending", "partial"} {
		open, err := inventory.All(ctx, s.api.Inventory.Requirements, url.Values{"status": {st}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Open = append(d.Open, open...)
	}
	sel := q.Get("requirement_id")
	if sel == "" {
		sel = r.PostFormValue("requirement_id")
	}
	for i := range d.Open {
		if d.Open[i].ID == sel {
			d.Selected = &d.Open[i]
		}
	}
	v.Data = d
	s.render(w, r, status, "dispatches", v)
}

func (s *Site) createDispatch(w http.ResponseWriter, r *http.Request) {
	in := inventory.DispatchInput{RequirementID: r.PostFormValue("requirement_id"), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	for _, m := range r.PostForm["material_id"] {
		if q := decimalField(r, "qty_"+m); q != nil && strings.Trim(string(*q), "0.") != "" {
			in.Items = append(in.Items, inventory.Line{MaterialID: m, Qty: *q})
		}
	}
	d, err := s.api.Inventory.CreateDispatch(ctxFor(r), in)
	if err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderDispatches(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/dispatches?ok=flash.dispatched&number="+url.QueryEscape(d.Number), http.StatusSeeOther)
}

// receiptData is the receipts page.
type receiptData struct {
	Receipts  []inventory.Receipt
	InTransit []inventory.Dispatch
	Selected  *inventory.Dispatch
	Filter    url.Values
	Next, CSV string
}

func (s *Site) receipts(w http.ResponseWriter, r *http.Request) {
	s.renderReceipts(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderReceipts(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	q := r.URL.Query()
	page, err := s.api.Inventory.Receipts(ctx, pick(q, "warehouse_id", "status", "number", "from", "to", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := receiptData{Receipts: page.Items, Filter: q, Next: nextLink("/app/receipts", q, page.NextCursor), CSV: csvLink("/receipts", q)}
	transit, err := inventory.All(ctx, s.api.Inventory.Dispatches, url.Values{"status": {"active"}, "received": {"false"}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.InTransit = transit
	sel := q.Get("dispatch_id")
	if sel == "" {
		sel = r.PostFormValue("dispatch_id")
	}
	for i := range d.InTransit {
		if d.InTransit[i].ID == sel {
			d.Selected = &d.InTransit[i]
		}
	}
	v.Data = d
	s.render(w, r, status, "receipts", v)
}

func (s *Site) createReceipt(w http.ResponseWriter, r *http.Request) {
	in := inventory.ReceiptInput{DispatchID: r.PostFormValue("dispatch_id"), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	for _, m := range r.PostForm["material_id"] {
		line := inventory.ReceiptLine{MaterialID: m, Reason: strings.TrimSpace(r.PostFormValue("reason_" + m))}
		if q := decimalField(r, "qty_"+m); q != nil {
			line.ReceivedQty = *q
		}
		in.Items = append(in.Items, line)
	}
	if _, err := s.api.Inventory.CreateReceipt(ctxFor(r), in); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderReceipts(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/app/receipts?ok=flash.received", http.StatusSeeOther)
}

func (s *Site) movements(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	q := r.URL.Query()
	page, err := s.api.Inventory.Movements(ctxFor(r), pick(q, "warehouse_id", "material_id", "kind", "from", "to", "cursor"))
	if err != nil {
		if s.formErrors(v, err) {
			v.Data = listData{Filter: q}
			s.render(w, r, http.StatusUnprocessableEntity, "movements", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	d := listData{Items: page.Items, Filter: q, Next: nextLink("/app/movements", q, page.NextCursor), CSV: csvLink("/movements", q)}
	if err := s.choices(r, &d, true, false, false); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "movements", v)
}
