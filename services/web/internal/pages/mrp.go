package pages

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
	"github.com/planta-dev/planta/services/web/internal/api/inventory"
)

// MRP pages (/app/mrp/...): planning settings and runs, items' planning data with the
// BOM editor, demand, scheduled receipts, a run's orders / exceptions / records, pegging
// and the what-if simulation. Every form posts and redirects (no JavaScript needed).

// mrpData is what every MRP page receives.
type mrpData struct {
	Settings   inventory.MRPSettings
	Runs       []inventory.MRPRun
	Run        *inventory.MRPRun
	Items      []inventory.MRPItem
	Item       *inventory.MRPItem
	ItemIsNew  bool
	Material   *inventory.Material
	Tree, Used *inventory.BOMNode
	Truncated  bool
	Lines      []inventory.BOMLine
	Demands    []inventory.MRPDemand
	Receipts   []inventory.ScheduledReceipt
	Orders     []inventory.PlannedOrder
	Exceptions []inventory.MRPException
	Record     *inventory.MRPRecord
	Pegging    *inventory.Pegging
	Simulation *inventory.Simulation
	RowErrors  []rowError
	// Materials are every material (choices); Mat maps their ids for display.
	Materials  []inventory.Material
	Mat        map[string]inventory.Material
	Obras      []inventory.Warehouse
	Budgets    []inventory.Budget
	Filter     url.Values
	Next, CSV  string
	CSV2, CSV3 string
}

// rowError is one rejected row of a demand import.
type rowError struct {
	Row          int
	Field, Error string
}

// mrpCSV is the API's CSV export of an MRP list, fetched by the browser.
func mrpCSV(path string, q url.Values) string {
	q = pick(q, "material_id", "kind", "from", "to", "parent_id", "component_id")
	if len(q) == 0 {
		return inventory.MRPBase + path + ".csv"
	}
	return inventory.MRPBase + path + ".csv?" + q.Encode()
}

// withMaterials loads the catalog for choices and names.
func (s *Site) withMaterials(r *http.Request, d *mrpData) error {
	mats, err := inventory.All(ctxFor(r), s.api.Inventory.Materials, nil)
	if err != nil {
		return err
	}
	d.Materials = mats
	d.Mat = make(map[string]inventory.Material, len(mats))
	for _, m := range mats {
		d.Mat[m.ID] = m
	}
	return nil
}

// mrpFormFail renders a page again with a refused form's errors, or the error page.
func (s *Site) mrpFormFail(w http.ResponseWriter, r *http.Request, err error, status int, again func(*View, int)) {
	v := s.view(r)
	if s.formErrors(v, err) {
		v.Form = r.PostForm
		again(v, status)
		return
	}
	s.fail(w, r, err)
}

// ---- overview: settings and runs

func (s *Site) mrpHome(w http.ResponseWriter, r *http.Request) {
	s.renderMRPHome(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMRPHome(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	q := r.URL.Query()
	set, err := s.api.Inventory.MRPSettings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	runs, err := s.api.Inventory.MRPRuns(ctx, pick(q, "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = mrpData{Settings: set, Runs: runs.Items, Filter: q, Next: nextLink("/app/mrp", q, runs.NextCursor), CSV: mrpCSV("/runs", nil)}
	s.render(w, r, status, "mrp", v)
}

func (s *Site) saveMRPSettings(w http.ResponseWriter, r *http.Request) {
	h, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("horizon")))
	if err := s.api.Inventory.PutMRPSettings(ctxFor(r), inventory.MRPSettings{Bucket: r.PostFormValue("bucket"), Horizon: h}); err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, func(v *View, st int) { s.renderMRPHome(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) startMRPRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.api.Inventory.StartMRPRun(ctxFor(r), r.PostFormValue("kind"))
	if err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, func(v *View, st int) { s.renderMRPHome(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/runs/"+url.PathEscape(run.ID)+"?ok=flash.mrp_run_done", http.StatusSeeOther)
}

// ---- items and BOM

func (s *Site) mrpItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := s.api.Inventory.MRPItems(ctxFor(r), pick(q, "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := mrpData{Items: page.Items, Filter: q, Next: nextLink("/app/mrp/items", q, page.NextCursor), CSV: mrpCSV("/items", nil), CSV2: mrpCSV("/bom-lines", nil)}
	if err := s.withMaterials(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(r)
	v.Data = d
	s.render(w, r, http.StatusOK, "mrp_items", v)
}

// mrpItemPick opens the item page of the material chosen in a GET form.
func (s *Site) mrpItemPick(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("material_id")
	if id == "" {
		http.Redirect(w, r, "/app/mrp/items", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/app/mrp/items/"+url.PathEscape(id), http.StatusSeeOther)
}

func (s *Site) mrpItem(w http.ResponseWriter, r *http.Request) {
	s.renderMRPItem(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMRPItem(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	id := mux.Vars(r)["material_id"]
	d := mrpData{}
	if err := s.withMaterials(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	m, ok := d.Mat[id]
	if !ok {
		s.fail(w, r, notFound())
		return
	}
	d.Material = &m
	it, err := s.api.Inventory.MRPItem(ctx, id)
	switch {
	case isNotFound(err):
		d.ItemIsNew = true
		it = inventory.MRPItem{Source: "buy", Policy: "lot_for_lot", SafetyStock: "0", ScrapPct: "0"}
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		tree, err := s.api.Inventory.BOMTree(ctx, id, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		used, err := s.api.Inventory.BOMTree(ctx, id, true)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lines, err := inventory.All(ctx, s.api.Inventory.BOMLines, url.Values{"parent_id": {id}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Tree, d.Used, d.Truncated, d.Lines = tree.Root, used.Root, tree.Truncated || used.Truncated, lines
	}
	d.Item = &it
	d.CSV = mrpCSV("/bom-lines", url.Values{"parent_id": {id}})
	v.Data = d
	s.render(w, r, status, "mrp_item", v)
}

// decimalOr reads a decimal field, "0" when empty (the API wants every number).
func decimalOr(r *http.Request, name string) inventory.Decimal {
	if d := decimalField(r, name); d != nil {
		return *d
	}
	return "0"
}

func intField(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

func (s *Site) saveMRPItem(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["material_id"]
	in := inventory.MRPItem{Source: r.PostFormValue("source"), LeadTime: intField(r, "lead_time"), SafetyStock: decimalOr(r, "safety_stock"),
		Policy: r.PostFormValue("policy"), FixedQuantity: decimalOr(r, "fixed_quantity"), Periods: intField(r, "periods"),
		AnnualDemand: decimalOr(r, "annual_demand"), OrderingCost: decimalOr(r, "ordering_cost"), AnnualHoldingCost: decimalOr(r, "annual_holding_cost"),
		HoldingCost: decimalOr(r, "holding_cost"), Minimum: decimalOr(r, "minimum"), Multiple: decimalOr(r, "multiple"), Maximum: decimalOr(r, "maximum"),
		ScrapPct: decimalOr(r, "scrap_pct"), PlanningTimeFence: intField(r, "planning_time_fence")}
	if err := s.api.Inventory.PutMRPItem(ctxFor(r), id, in); err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, func(v *View, st int) { s.renderMRPItem(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/items/"+url.PathEscape(id)+"?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) deleteMRPItem(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["material_id"]
	if err := s.api.Inventory.DeleteMRPItem(ctxFor(r), id); err != nil {
		s.mrpFormFail(w, r, err, http.StatusConflict, func(v *View, st int) { s.renderMRPItem(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/items?ok=flash.deleted", http.StatusSeeOther)
}

// bomBack is the item page a BOM form returns to (its parent).
func bomBack(r *http.Request) string {
	return "/app/mrp/items/" + url.PathEscape(r.PostFormValue("parent_id"))
}

// withParent renders the parent's item page for a refused BOM form.
func (s *Site) withParent(w http.ResponseWriter, r *http.Request) func(*View, int) {
	return func(v *View, st int) {
		r = mux.SetURLVars(r, map[string]string{"material_id": r.PostFormValue("parent_id")})
		s.renderMRPItem(w, r, v, st)
	}
}

func (s *Site) createBOMLine(w http.ResponseWriter, r *http.Request) {
	in := inventory.BOMLine{ParentID: r.PostFormValue("parent_id"), ComponentID: r.PostFormValue("component_id"),
		QtyPer: decimalOr(r, "qty_per"), ScrapPct: decimalOr(r, "scrap_pct")}
	if err := s.api.Inventory.CreateBOMLine(ctxFor(r), in); err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, s.withParent(w, r))
		return
	}
	http.Redirect(w, r, bomBack(r)+"?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) updateBOMLine(w http.ResponseWriter, r *http.Request) {
	in := inventory.BOMLine{QtyPer: decimalOr(r, "qty_per"), ScrapPct: decimalOr(r, "scrap_pct")}
	if err := s.api.Inventory.UpdateBOMLine(ctxFor(r), mux.Vars(r)["id"], in); err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, s.withParent(w, r))
		return
	}
	http.Redirect(w, r, bomBack(r)+"?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) deleteBOMLine(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.DeleteBOMLine(ctxFor(r), mux.Vars(r)["id"]); err != nil {
		s.mrpFormFail(w, r, err, http.StatusConflict, s.withParent(w, r))
		return
	}
	http.Redirect(w, r, bomBack(r)+"?ok=flash.deleted", http.StatusSeeOther)
}

// ---- demand

func (s *Site) mrpDemands(w http.ResponseWriter, r *http.Request) {
	s.renderMRPDemands(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMRPDemands(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	page, err := s.api.Inventory.MRPDemands(ctxFor(r), pick(q, "material_id", "from", "to", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := mrpData{Demands: page.Items, Filter: q, Next: nextLink("/app/mrp/demands", q, page.NextCursor), CSV: mrpCSV("/demands", q), RowErrors: rowErrors(v.Errors)}
	if err := s.withMaterials(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "mrp_demands", v)
}

var rowField = regexp.MustCompile(`^rows\[(\d+)\]\.(\w+)$`)

// rowErrors picks the per-row errors of an import out of a problem's field errors,
// numbered from 1 like a spreadsheet's data rows.
func rowErrors(errs map[string]string) []rowError {
	var out []rowError
	for f, e := range errs {
		if m := rowField.FindStringSubmatch(f); m != nil {
			i, _ := strconv.Atoi(m[1])
			out = append(out, rowError{Row: i + 1, Field: m[2], Error: e})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Row != out[j].Row {
			return out[i].Row < out[j].Row
		}
		return out[i].Field < out[j].Field
	})
	return out
}

func (s *Site) createMRPDemand(w http.ResponseWriter, r *http.Request) {
	in := inventory.MRPDemand{MaterialID: r.PostFormValue("material_id"), BucketDate: r.PostFormValue("bucket_date"),
		Quantity: decimalOr(r, "quantity"), Source: r.PostFormValue("source"), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if err := s.api.Inventory.CreateMRPDemand(ctxFor(r), in); err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, func(v *View, st int) { s.renderMRPDemands(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/demands?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) importMRPDemands(w http.ResponseWriter, r *http.Request) {
	f, _, err := r.FormFile("file")
	if err != nil {
		v := s.view(r)
		v.Errors["file"] = v.L.T("mrp.import_no_file")
		s.renderMRPDemands(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, 8<<20))
	_ = f.Close()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.api.Inventory.ImportMRPDemands(ctxFor(r), data)
	if err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, func(v *View, st int) { s.renderMRPDemands(w, r, v, st) })
		return
	}
	v := s.view(r)
	v.Flash = &Flash{Kind: "ok", Text: v.L.T("mrp.imported", n)}
	s.renderMRPDemands(w, r, v, http.StatusOK)
}

func (s *Site) deleteMRPDemand(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.DeleteMRPDemand(ctxFor(r), mux.Vars(r)["id"]); err != nil {
		s.mrpFormFail(w, r, err, http.StatusConflict, func(v *View, st int) { s.renderMRPDemands(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/demands?ok=flash.deleted", http.StatusSeeOther)
}

// ---- scheduled receipts

func (s *Site) mrpReceipts(w http.ResponseWriter, r *http.Request) {
	s.renderMRPReceipts(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMRPReceipts(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	page, err := s.api.Inventory.ScheduledReceipts(ctxFor(r), pick(q, "material_id", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := mrpData{Receipts: page.Items, Filter: q, Next: nextLink("/app/mrp/receipts", q, page.NextCursor), CSV: mrpCSV("/scheduled-receipts", q)}
	if err := s.withMaterials(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "mrp_receipts", v)
}

func (s *Site) createMRPReceipt(w http.ResponseWriter, r *http.Request) {
	in := inventory.ScheduledReceipt{MaterialID: r.PostFormValue("material_id"), DueDate: r.PostFormValue("due_date"),
		Quantity: decimalOr(r, "quantity"), Reference: strings.TrimSpace(r.PostFormValue("reference"))}
	if err := s.api.Inventory.CreateScheduledReceipt(ctxFor(r), in); err != nil {
		s.mrpFormFail(w, r, err, http.StatusUnprocessableEntity, func(v *View, st int) { s.renderMRPReceipts(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/receipts?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) deleteMRPReceipt(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.DeleteScheduledReceipt(ctxFor(r), mux.Vars(r)["id"]); err != nil {
		s.mrpFormFail(w, r, err, http.StatusConflict, func(v *View, st int) { s.renderMRPReceipts(w, r, v, st) })
		return
	}
	http.Redirect(w, r, "/app/mrp/receipts?ok=flash.deleted", http.StatusSeeOther)
}

// ---- a run's results

func (s *Site) mrpRun(w http.ResponseWriter, r *http.Request) {
	s.renderMRPRun(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderMRPRun(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	id := mux.Vars(r)["id"]
	q := r.URL.Query()
	run, err := s.api.Inventory.MRPRun(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orders, err := s.api.Inventory.PlannedOrders(ctx, id, pick(q, "material_id", "cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The exceptions table has no "next" link: it shows every exception of the run.
	exc, err := inventory.All(ctx, func(ctx context.Context, v url.Values) (apicall.Page[inventory.MRPException], error) {
		return s.api.Inventory.MRPExceptions(ctx, id, v)
	}, pick(q, "material_id", "kind"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := inventory.All(ctx, s.api.Inventory.MRPItems, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := "/runs/" + url.PathEscape(id)
	d := mrpData{Run: &run, Orders: orders.Items, Exceptions: exc, Items: items, Filter: q,
		Next: nextLink("/app/mrp/runs/"+url.PathEscape(id), q, orders.NextCursor),
		CSV:  mrpCSV(base+"/planned-orders", pick(q, "material_id")), CSV2: mrpCSV(base+"/exceptions", q)}
	lst := listData{}
	if err := s.choices(r, &lst, true, false, true); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, wh := range lst.Warehouses {
		if wh.Type == "obra" {
			d.Obras = append(d.Obras, wh)
		}
	}
	d.Budgets = lst.Budgets
	v.Data = d
	s.render(w, r, status, "mrp_run", v)
}

func (s *Site) mrpRecord(w http.ResponseWriter, r *http.Request) {
	ctx := ctxFor(r)
	vars := mux.Vars(r)
	mid := r.URL.Query().Get("material_id")
	if mid == "" {
		http.Redirect(w, r, "/app/mrp/runs/"+url.PathEscape(vars["id"]), http.StatusSeeOther)
		return
	}
	run, err := s.api.Inventory.MRPRun(ctx, vars["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.api.Inventory.MRPRecord(ctx, vars["id"], mid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := s.api.Inventory.MRPItem(ctx, mid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(r)
	v.Data = mrpData{Run: &run, Record: &rec, Item: &it, CSV: mrpCSV("/runs/"+url.PathEscape(run.ID)+"/records/"+url.PathEscape(mid), nil)}
	s.render(w, r, http.StatusOK, "mrp_record", v)
}

func (s *Site) mrpPegging(w http.ResponseWriter, r *http.Request) {
	p, err := s.api.Inventory.Pegging(ctxFor(r), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := mrpData{Pegging: &p}
	if err := s.withMaterials(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(r)
	v.Data = d
	s.render(w, r, http.StatusOK, "mrp_pegging", v)
}

// runBack is the run page an order form returns to.
func runBack(r *http.Request) string {
	return "/app/mrp/runs/" + url.PathEscape(r.PostFormValue("run_id"))
}

func (s *Site) withRun(w http.ResponseWriter, r *http.Request) func(*View, int) {
	return func(v *View, st int) {
		r = mux.SetURLVars(r, map[string]string{"id": r.PostFormValue("run_id")})
		s.renderMRPRun(w, r, v, st)
	}
}

func (s *Site) firmOrder(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Inventory.FirmPlannedOrder(ctxFor(r), mux.Vars(r)["id"]); err != nil {
		s.mrpFormFail(w, r, err, http.StatusConflict, s.withRun(w, r))
		return
	}
	http.Redirect(w, r, runBack(r)+"?ok=flash.mrp_firmed", http.StatusSeeOther)
}

func (s *Site) convertOrder(w http.ResponseWriter, r *http.Request) {
	err := s.api.Inventory.ConvertPlannedOrder(ctxFor(r), mux.Vars(r)["id"], r.PostFormValue("warehouse_id"), r.PostFormValue("budget_id"),
		strings.TrimSpace(r.PostFormValue("notes")))
	if err != nil {
		s.mrpFormFail(w, r, err, http.StatusConflict, s.withRun(w, r))
		return
	}
	http.Redirect(w, r, runBack(r)+"?ok=flash.mrp_converted", http.StatusSeeOther)
}

// ---- what-if

// simulationRows is how many override rows the form offers without JS.
const simulationRows = 3

func (s *Site) mrpSimulate(w http.ResponseWriter, r *http.Request) {
	s.renderMRPSimulate(w, r, s.view(r), http.StatusOK, nil)
}

func (s *Site) renderMRPSimulate(w http.ResponseWriter, r *http.Request, v *View, status int, sim *inventory.Simulation) {
	d := mrpData{Simulation: sim}
	if err := s.withMaterials(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "mrp_simulate", v)
}

func (s *Site) runSimulation(w http.ResponseWriter, r *http.Request) {
	o := inventory.Overrides{ExtraDemand: []inventory.ExtraDemand{}, LeadTimes: []inventory.LeadTimeChange{}}
	v := s.view(r)
	v.Form = r.PostForm
	for i := range simulationRows {
		n := strconv.Itoa(i)
		if m := r.PostFormValue("demand_material_" + n); m != "" {
			q, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("demand_qty_"+n)), ",", "."), 64)
			if err != nil || q <= 0 {
				v.Errors["demand_qty_"+n] = v.L.T("mrp.positive")
				continue
			}
			o.ExtraDemand = append(o.ExtraDemand, inventory.ExtraDemand{MaterialID: m, Date: r.PostFormValue("demand_date_" + n),
				Quantity: strconv.FormatFloat(q, 'f', -1, 64)}) // the API's decimal-string form
		}
		if m := r.PostFormValue("lt_material_" + n); m != "" {
			o.LeadTimes = append(o.LeadTimes, inventory.LeadTimeChange{MaterialID: m, LeadTime: intField(r, "lt_value_"+n)})
		}
	}
	if len(v.Errors) > 0 {
		s.renderMRPSimulate(w, r, v, http.StatusUnprocessableEntity, nil)
		return
	}
	sim, err := s.api.Inventory.Simulate(ctxFor(r), o)
	if err != nil {
		if s.formErrors(v, err) {
			s.renderMRPSimulate(w, r, v, http.StatusUnprocessableEntity, nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.renderMRPSimulate(w, r, v, http.StatusOK, &sim)
}

// isNotFound reports an API 404 (a material without planning data yet).
func isNotFound(err error) bool { return err != nil && apicall.IsStatus(err, http.StatusNotFound) }

// notFound is a 404 for a page whose object is not in the caller's tenant.
func notFound() error { return &apicall.Problem{Status: http.StatusNotFound, Type: "about:blank"} }
