package httpapi

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/mrprun"
	"github.com/planta-dev/planta/services/inventory/internal/planning"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// MRPBase is the MRP API's path prefix (served by the inventory service).
const MRPBase = "/api/v1/mrp"

// MRP is the MRP API: planning data, runs and their results.
type MRP struct {
	*API
	runner *mrprun.Runner
}

// NewMRP returns the MRP API on top of the inventory API's plumbing.
func NewMRP(a *API, r *mrprun.Runner) *MRP { return &MRP{API: a, runner: r} }

// Register adds every MRP route to rt, each behind RequireTenant.
func (a *MRP) Register(rt *authn.Router) {
	g := authn.RequireTenant()
	h := func(method, path string, fn http.HandlerFunc) { rt.HandleFunc(method, MRPBase+path, g, fn) }
	list := func(path string, fn http.HandlerFunc) {
		h(http.MethodGet, path, fn)
		h(http.MethodGet, path+".csv", fn)
	}
	h(http.MethodGet, "/settings", a.getSettings)
	h(http.MethodPut, "/settings", a.putSettings)

	list("/items", a.listItems)
	h(http.MethodGet, "/items/{material_id}", a.getItem)
	h(http.MethodPut, "/items/{material_id}", a.putItem)
	h(http.MethodDelete, "/items/{material_id}", a.deleteItem)
	h(http.MethodGet, "/items/{material_id}/bom-tree", a.bomTree(false))
	h(http.MethodGet, "/items/{material_id}/where-used", a.bomTree(true))

	list("/bom-lines", a.listBOM)
	h(http.MethodPost, "/bom-lines", a.createBOM)
	h(http.MethodPut, "/bom-lines/{id}", a.updateBOM)
	h(http.MethodDelete, "/bom-lines/{id}", a.deleteBOM)

	list("/demands", a.listDemands)
	h(http.MethodPost, "/demands", a.createDemand)
	h(http.MethodPost, "/demands/import", a.importDemands)
	h(http.MethodPut, "/demands/{id}", a.updateDemand)
	h(http.MethodDelete, "/demands/{id}", a.deleteDemand)

	list("/scheduled-receipts", a.listReceipts)
	h(http.MethodPost, "/scheduled-receipts", a.createReceipt)
	h(http.MethodPut, "/scheduled-receipts/{id}", a.updateReceipt)
	h(http.MethodDelete, "/scheduled-receipts/{id}", a.deleteReceipt)

	h(http.MethodPost, "/runs", a.run)
	list("/runs", a.listRuns)
	h(http.MethodGet, "/runs/{id}", a.getRun)
	list("/runs/{id}/planned-orders", a.listOrders)
	list("/runs/{id}/exceptions", a.listExceptions)
	list("/runs/{id}/records/{material_id}", a.record)
	h(http.MethodGet, "/planned-orders/{id}/pegging", a.pegging)
	h(http.MethodPost, "/planned-orders/{id}/firm", a.firm)
	h(http.MethodPost, "/planned-orders/{id}/convert", a.convert)
	h(http.MethodPost, "/simulations", a.simulate)
}

func materialParam(r *http.Request) string {
	return strings.TrimSuffix(mux.Vars(r)["material_id"], ".csv")
}

// ---- settings

func (a *MRP) getSettings(w http.ResponseWriter, r *http.Request) {
	s, err := a.store.GetMRPSettings(r.Context(), actor(r))
	a.reply(w, r, http.StatusOK, s, err)
}

func (a *MRP) putSettings(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeChecked(a.API, w, r, (*planning.Settings).Validate)
	if !ok {
		return
	}
	s, err := a.store.PutMRPSettings(r.Context(), actor(r), in)
	a.reply(w, r, http.StatusOK, s, err)
}

// ---- items

func (a *MRP) listItems(w http.ResponseWriter, r *http.Request) {
	servePage(a.API, w, r, "mrp_items", a.store.ListMRPItems)
}

func (a *MRP) getItem(w http.ResponseWriter, r *http.Request) {
	it, err := a.store.GetMRPItem(r.Context(), actor(r), materialParam(r))
	a.reply(w, r, http.StatusOK, it, err)
}

func (a *MRP) putItem(w http.ResponseWriter, r *http.Request) {
	if _, err := a.store.GetMaterial(r.Context(), actor(r), materialParam(r)); err != nil {
		a.writeError(w, r, err)
		return
	}
	in, ok := decodeChecked(a.API, w, r, (*planning.ItemInput).Validate)
	if !ok {
		return
	}
	it, created, err := a.store.PutMRPItem(r.Context(), actor(r), materialParam(r), in)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	a.reply(w, r, status, it, err)
}

func (a *MRP) deleteItem(w http.ResponseWriter, r *http.Request) {
	a.noContent(w, r, a.store.DeleteMRPItem(r.Context(), actor(r), materialParam(r)))
}

func (a *MRP) bomTree(up bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tree, truncated, err := a.store.BOMTree(r.Context(), actor(r), materialParam(r), up)
		a.reply(w, r, http.StatusOK, struct {
			Root      *store.BOMNode `json:"root"`
			Truncated bool           `json:"truncated"`
		}{tree, truncated}, err)
	}
}

// ---- BOM

func (a *MRP) listBOM(w http.ResponseWriter, r *http.Request) {
	serveList(a.API, w, r, "bom_lines", func(q *params) store.BOMFilter {
		return store.BOMFilter{ParentID: q.id("parent_id"), ComponentID: q.id("component_id")}
	}, a.store.ListBOMLines)
}

func (a *MRP) createBOM(w http.ResponseWriter, r *http.Request) {
	serveCreate(a.API, w, r, (*planning.BOMInput).Validate, a.store.CreateBOMLine)
}

func (a *MRP) updateBOM(w http.ResponseWriter, r *http.Request) {
	serveUpdate(a.API, w, r, (*planning.BOMInput).Validate, a.store.UpdateBOMLine)
}

func (a *MRP) deleteBOM(w http.ResponseWriter, r *http.Request) {
	serveDelete(a.API, w, r, a.store.DeleteBOMLine)
}

// ---- demand

func planningFilter(q *params) store.PlanningFilter {
	return store.PlanningFilter{MaterialID: q.id("material_id"), From: q.date("from", false), To: q.date("to", true)}
}

// validDemand checks a demand entered by hand (no row prefix).
func validDemand(in *planning.DemandInput) error { return in.Validate("") }

func (a *MRP) listDemands(w http.ResponseWriter, r *http.Request) {
	serveList(a.API, w, r, "mrp_demands", planningFilter, a.store.ListDemands)
}

func (a *MRP) createDemand(w http.ResponseWriter, r *http.Request) {
	serveCreate(a.API, w, r, validDemand, a.store.CreateDemand)
}

func (a *MRP) updateDemand(w http.ResponseWriter, r *http.Request) {
	serveUpdate(a.API, w, r, validDemand, a.store.UpdateDemand)
}

func (a *MRP) deleteDemand(w http.ResponseWriter, r *http.Request) {
	serveDelete(a.API, w, r, a.store.DeleteDemand)
}

// Import limits.
const (
	maxImportBytes = 8 << 20
	maxImportRows  = 100_000
	maxRowErrors   = 100
)

// importDemands reads text/csv with a header row: material_id or material_code,
// bucket_date, quantity, and optionally source and note. Every row is checked; any
// error rejects the whole file (422 listing each row's error as rows[i].field, i
// counting data rows from 0), otherwise all rows are inserted in one COPY.
func (a *MRP) importDemands(w http.ResponseWriter, r *http.Request) {
	cr := csv.NewReader(http.MaxBytesReader(w, r.Body, maxImportBytes))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		a.writeError(w, r, problem.BadRequest("the body must be CSV with a header row", problem.FieldError{Field: "body", Reason: "no header row"}))
		return
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	_, hasID := col["material_id"]
	_, hasCode := col["material_code"]
	for _, need := range []string{"bucket_date", "quantity"} {
		if _, ok := col[need]; !ok {
			a.writeError(w, r, problem.Invalid("missing column", problem.FieldError{Field: "header." + need, Reason: "column is required"}))
			return
		}
	}
	if !hasID && !hasCode {
		a.writeError(w, r, problem.Invalid("missing column", problem.FieldError{Field: "header.material_id", Reason: "a material_id or material_code column is required"}))
		return
	}
	cell := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	// Every row is checked in full: its field errors and, when it names a well-formed
	// material, whether that material is known — so one answer lists everything to fix.
	type rowError struct {
		row int
		fe  problem.FieldError
	}
	var rows []store.DemandRow // rows without field errors
	var refs []store.DemandRow // every row with a material reference to resolve
	var bad []rowError
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				a.writeError(w, r, problem.New(http.StatusRequestEntityTooLarge, "too-large", "the file is larger than 8 MiB"))
				return
			}
			bad = append(bad, rowError{n, problem.FieldError{Field: fmt.Sprintf("rows[%d]", n), Reason: "not valid CSV: " + err.Error()}})
			break
		}
		if n >= maxImportRows {
			a.writeError(w, r, problem.Field("rows", fmt.Sprintf("at most %d rows per import", maxImportRows)))
			return
		}
		prefix := fmt.Sprintf("rows[%d].", n)
		rowBad := len(bad)
		row := store.DemandRow{MaterialCode: cell(rec, "material_code"), Row: n}
		row.MaterialID, row.BucketDate, row.Source, row.Note = cell(rec, "material_id"), cell(rec, "bucket_date"), cell(rec, "source"), cell(rec, "note")
		qs := cell(rec, "quantity")
		q, qerr := decimal.NewFromString(qs)
		quantityBad := true
		switch {
		case qerr != nil || !decimalPattern.MatchString(qs):
			bad = append(bad, rowError{n, problem.FieldError{Field: prefix + "quantity", Reason: "must be a decimal number like 12.5 (no exponent)"}})
		case !defaultNumeric.fits(q):
			bad = append(bad, rowError{n, problem.FieldError{Field: prefix + "quantity", Reason: "is too large"}})
		default:
			row.Quantity, quantityBad = q, false
		}
		if row.MaterialID == "" && row.MaterialCode != "" {
			row.DemandInput.MaterialID = "code" // shape check only; the store resolves the code
		}
		ref := row.MaterialID != ""
		if row.MaterialID != "" && row.MaterialID != "code" && !store.ValidID(row.MaterialID) {
			bad = append(bad, rowError{n, problem.FieldError{Field: prefix + "material_id", Reason: "must be a uuid"}})
			ref = false
		}
		for _, err := range row.DemandInput.Problems(prefix) {
			var inv *fault.Invalid
			if errors.As(err, &inv) && !(quantityBad && inv.Field == prefix+"quantity") {
				bad = append(bad, rowError{n, problem.FieldError{Field: inv.Field, Reason: inv.Reason}})
			}
		}
		if row.MaterialID == "code" {
			row.MaterialID = ""
		}
		if ref {
			refs = append(refs, row)
		}
		if len(bad) == rowBad {
			rows = append(rows, row)
		}
		if len(bad) >= maxRowErrors {
			break
		}
	}
	if len(bad) == 0 && len(rows) == 0 {
		bad = append(bad, rowError{0, problem.FieldError{Field: "rows", Reason: "the file has no data rows"}})
	}
	var rowErrs []fault.Invalid
	if len(bad) == 0 {
		n, errs, err := a.store.ImportDemands(r.Context(), actor(r), rows)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if len(errs) == 0 {
			jsonbody.Write(w, http.StatusCreated, map[string]int{"imported": n})
			return
		}
		rowErrs = errs
	} else if len(refs) > 0 {
		// Other rows have field errors: still report unknown materials now.
		errs, err := a.store.CheckDemandMaterials(r.Context(), actor(r), refs)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		rowErrs = errs
	}
	for _, e := range rowErrs {
		var n int
		_, _ = fmt.Sscanf(e.Field, "rows[%d]", &n)
		bad = append(bad, rowError{n, problem.FieldError{Field: e.Field, Reason: e.Reason}})
	}
	slices.SortStableFunc(bad, func(x, y rowError) int { return x.row - y.row })
	if len(bad) > maxRowErrors {
		bad = bad[:maxRowErrors]
	}
	fes := make([]problem.FieldError, len(bad))
	for i, b := range bad {
		fes[i] = b.fe
	}
	a.writeError(w, r, problem.Invalid("some rows are invalid; nothing was imported", fes...))
}

// ---- scheduled receipts

func (a *MRP) listReceipts(w http.ResponseWriter, r *http.Request) {
	serveList(a.API, w, r, "scheduled_receipts", planningFilter, a.store.ListScheduledReceipts)
}

func (a *MRP) createReceipt(w http.ResponseWriter, r *http.Request) {
	serveCreate(a.API, w, r, (*planning.ReceiptInput).Validate, a.store.CreateScheduledReceipt)
}

func (a *MRP) updateReceipt(w http.ResponseWriter, r *http.Request) {
	serveUpdate(a.API, w, r, (*planning.ReceiptInput).Validate, a.store.UpdateScheduledReceipt)
}

func (a *MRP) deleteReceipt(w http.ResponseWriter, r *http.Request) {
	serveDelete(a.API, w, r, a.store.DeleteScheduledReceipt)
}

// ---- runs

type runInput struct {
	Kind string `json:"kind"`
}

func (a *MRP) run(w http.ResponseWriter, r *http.Request) {
	in := runInput{Kind: mrprun.Regenerative}
	if r.ContentLength != 0 && !a.decode(w, r, &in) {
		return
	}
	if in.Kind != mrprun.Regenerative && in.Kind != mrprun.NetChange {
		a.writeError(w, r, fault.Field("kind", "must be regenerative or net_change"))
		return
	}
	run, err := a.runner.Run(r.Context(), actor(r), in.Kind)
	a.reply(w, r, http.StatusCreated, run, err)
}

func (a *MRP) listRuns(w http.ResponseWriter, r *http.Request) {
	servePage(a.API, w, r, "mrp_runs", a.store.ListMRPRuns)
}

func (a *MRP) getRun(w http.ResponseWriter, r *http.Request) {
	serveGet(a.API, w, r, a.store.GetMRPRun)
}

// serveRunList lists rows of the run in the path: the query is checked first, then
// the run is looked up, then listed.
func serveRunList[T any](a *MRP, w http.ResponseWriter, r *http.Request, name string, filter func(*params) store.OrderFilter,
	list func(context.Context, store.Actor, store.MRPRun, store.OrderFilter, store.Page) ([]T, string, error)) {
	serveList(a.API, w, r, name, filter, func(ctx context.Context, ac store.Actor, f store.OrderFilter, p store.Page) ([]T, string, error) {
		run, err := a.store.GetMRPRun(ctx, ac, pathID(r))
		if err != nil {
			return nil, "", err
		}
		return list(ctx, ac, run, f, p)
	})
}

func (a *MRP) listOrders(w http.ResponseWriter, r *http.Request) {
	serveRunList(a, w, r, "planned_orders", func(q *params) store.OrderFilter {
		return store.OrderFilter{MaterialID: q.id("material_id")}
	}, a.store.ListPlannedOrders)
}

func (a *MRP) listExceptions(w http.ResponseWriter, r *http.Request) {
	serveRunList(a, w, r, "mrp_exceptions", func(q *params) store.OrderFilter {
		return store.OrderFilter{MaterialID: q.id("material_id"), Kind: q.enum("kind", "expedite", "defer", "cancel", "release_past_due", "below_safety_stock", "lead_time_violation")}
	}, a.store.ListMRPExceptions)
}

func (a *MRP) record(w http.ResponseWriter, r *http.Request) {
	if err := query(r).check(); err != nil {
		a.writeError(w, r, err)
		return
	}
	run, err := a.store.GetMRPRun(r.Context(), actor(r), pathID(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := a.store.GetMRPItem(r.Context(), actor(r), materialParam(r)); err != nil {
		a.writeError(w, r, err)
		return
	}
	rec, err := a.runner.Record(r.Context(), actor(r), run, materialParam(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if wantsCSV(r) {
		respondList(w, r, "mrp_record", rec.Buckets, "")
		return
	}
	jsonbody.Write(w, http.StatusOK, rec)
}

func (a *MRP) pegging(w http.ResponseWriter, r *http.Request) {
	o, run, err := a.store.GetPlannedOrder(r.Context(), actor(r), pathID(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	pegs, err := a.runner.Pegging(r.Context(), actor(r), o, run)
	a.reply(w, r, http.StatusOK, struct {
		PlannedOrder store.PlannedOrder `json:"planned_order"`
		Pegs         []mrprun.Peg       `json:"pegs"`
	}{o, pegs}, err)
}

func (a *MRP) firm(w http.ResponseWriter, r *http.Request) {
	o, err := a.store.FirmPlannedOrder(r.Context(), actor(r), pathID(r))
	a.reply(w, r, http.StatusOK, o, err)
}

func (a *MRP) convert(w http.ResponseWriter, r *http.Request) {
	if _, _, err := a.store.GetPlannedOrder(r.Context(), actor(r), pathID(r)); err != nil {
		a.writeError(w, r, err)
		return
	}
	var in store.ConvertInput
	if !a.decode(w, r, &in) {
		return
	}
	req, err := a.store.ConvertPlannedOrder(r.Context(), actor(r), pathID(r), in)
	a.reply(w, r, http.StatusCreated, req, err)
}

type simulationInput struct {
	Overrides mrprun.Overrides `json:"overrides"`
}

func (a *MRP) simulate(w http.ResponseWriter, r *http.Request) {
	var in simulationInput
	if !a.decode(w, r, &in) {
		return
	}
	sim, err := a.runner.Simulate(r.Context(), actor(r), in.Overrides)
	a.reply(w, r, http.StatusOK, sim, err)
}
