// Package httpapi is the inventory service's JSON API under /api/v1/inventory/: routes,
// request parsing, CSV exports, delivery notes, and the one place where domain errors
// become problem+json.
package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/csvexport"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// Base is the API's path prefix.
const Base = "/api/v1/inventory"

// API holds the handlers' dependencies.
type API struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the API.
func New(st *store.Store, log *slog.Logger, now func() time.Time) *API {
	if now == nil {
		now = time.Now
	}
	return &API{store: st, log: log, now: now}
}

// actor is the caller's tenant (never read from the request) and acting user.
func actor(r *http.Request) store.Actor {
	p, _ := authn.FromContext(r.Context())
	tenant, _ := p.TenantID()
	user := p.UserID
	if p.Act != nil {
		user = p.Act.UserID
	}
	return store.Actor{TenantID: tenant, UserID: user}
}

// writeError maps domain errors to problems: the single place of that mapping.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		inv *fault.Invalid
		nf  *fault.NotFound
		cf  *fault.Conflict
	)
	switch {
	case problem.From(err) != nil:
		problem.Write(w, r, problem.From(err))
	case errors.As(err, &inv):
		problem.Write(w, r, problem.Field(inv.Field, inv.Reason))
	case errors.As(err, &nf):
		p := problem.NotFound(nf.What)
		if nf.Field != "" {
			p.Errors = []problem.FieldError{{Field: nf.Field, Reason: nf.What + " not found"}}
		}
		problem.Write(w, r, p)
	case errors.As(err, &cf):
		p := problem.Conflict(cf.Slug, cf.Detail)
		if cf.Field != "" {
			p.Errors = []problem.FieldError{{Field: cf.Field, Reason: cf.Detail}}
		}
		problem.Write(w, r, p)
	default:
		a.log.ErrorContext(r.Context(), "inventory request failed", "route", r.URL.Path, "error", err)
		problem.Write(w, r, problem.Internal())
	}
}

// decode reads the JSON body into dst strictly (jsonbody), then holds its quantities and
// ids to the documented contract (checkBody).
func (a *API) decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	var raw bytes.Buffer
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(r.Body, &raw), r.Body}
	if err := jsonbody.Decode(w, r, dst); err != nil {
		// A value the destination type could not take at all ("qty":"abc") is named by
		// the body check when jsonbody could not name it.
		var inv *fault.Invalid
		if p := problem.From(err); p != nil && len(p.Errors) == 0 && p.Status == http.StatusBadRequest {
			if cerr := checkBody(raw.Bytes(), reflect.TypeOf(dst)); errors.As(cerr, &inv) {
				err = cerr
			}
		}
		a.writeError(w, r, err)
		return false
	}
	if err := checkBody(raw.Bytes(), reflect.TypeOf(dst)); err != nil {
		a.writeError(w, r, err)
		return false
	}
	return true
}

// params reads and validates query parameters, keeping the first error. Every parameter
// an endpoint knows is read through it, so check can refuse the ones nobody read: a typo
// (?stauts=pending) must not silently widen a filter.
type params struct {
	v    map[string][]string
	read map[string]bool
	err  error
}

func query(r *http.Request) *params { return &params{v: r.URL.Query(), read: map[string]bool{}} }

func (p *params) str(name string) string {
	p.read[name] = true
	return strings.TrimSpace(firstOf(p.v[name]))
}

// check returns the first problem: a 400 naming every unknown parameter, else the first
// invalid value. Call it after every parameter was read.
func (p *params) check() error {
	var unknown []string
	for name := range p.v {
		if !p.read[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		fields := make([]problem.FieldError, len(unknown))
		for i, n := range unknown {
			fields[i] = problem.FieldError{Field: n, Reason: "unknown query parameter"}
		}
		return problem.BadRequest("unknown query parameters: "+strings.Join(unknown, ", "), fields...)
	}
	return p.err
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func (p *params) fail(name, reason string) {
	if p.err == nil {
		p.err = fault.Field(name, reason)
	}
}

func (p *params) id(name string) string {
	s := p.str(name)
	if s != "" && !store.ValidID(s) {
		p.fail(name, "must be a uuid")
	}
	return s
}

func (p *params) enum(name string, allowed ...string) string {
	s := p.str(name)
	if s == "" {
		return ""
	}
	for _, x := range allowed {
		if s == x {
			return s
		}
	}
	p.fail(name, "must be one of "+strings.Join(allowed, ", "))
	return ""
}

func (p *params) boolean(name string) *bool {
	s := p.str(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.fail(name, "must be true or false")
		return nil
	}
	return &b
}

func (p *params) flag(name string) bool {
	b := p.boolean(name)
	return b != nil && *b
}

// date parses YYYY-MM-DD; end dates are exclusive of the next day.
func (p *params) date(name string, end bool) *time.Time {
	s := p.str(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.fail(name, "must be a date YYYY-MM-DD")
		return nil
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return &t
}

func (p *params) page() store.Page {
	limit := 0
	if s := p.str("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			p.fail("limit", "must be an integer")
		}
		limit = n
	}
	pg, err := store.ParsePage(p.str("cursor"), limit)
	if err != nil && p.err == nil {
		p.err = err
	}
	return pg
}

func pathID(r *http.Request) string { return mux.Vars(r)["id"] }

// wantsCSV reports a CSV request: a .csv path or Accept: text/csv.
func wantsCSV(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, ".csv") || strings.Contains(r.Header.Get("Accept"), "text/csv")
}

// exportPage reads one page of a list for an export, starting after cursor ("" first).
type exportPage[T any] func(cursor string) ([]T, string, error)

// maxExportPages bounds an export (a cursor that never ends must not make a response
// that never ends): 10,000 pages of 500 rows.
const maxExportPages = 10000

// streamList answers a CSV export of every row of a paged list: it follows next_cursor
// until the last page, writing each page as it arrives through libs/csvexport (one page
// in memory, never the whole list). The first page is read before the response starts,
// so an early failure is still a clean problem; a later one aborts the transfer, so a
// short file is never mistaken for a complete one.
func streamList[T any](a *API, w http.ResponseWriter, r *http.Request, name string, page exportPage[T]) {
	items, next, err := page("")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	header, row := csvShape[T]()
	cw := csvexport.Stream(w, csvFilename(name))
	fail := func(err error) {
		a.log.ErrorContext(r.Context(), "csv export failed halfway", "path", r.URL.Path, "error", err)
		csvexport.Abort()
	}
	if err := cw.Write(header...); err != nil {
		fail(err)
	}
	for pages := 1; ; pages++ {
		for _, it := range items {
			if err := cw.Write(row(it)...); err != nil {
				fail(err)
			}
		}
		if next == "" {
			break
		}
		if pages >= maxExportPages {
			fail(fmt.Errorf("export exceeded %d pages", maxExportPages))
		}
		if items, next, err = page(next); err != nil {
			fail(err)
		}
	}
	if err := cw.Close(); err != nil {
		fail(err)
	}
}

func csvFilename(name string) string {
	return fmt.Sprintf("%s_%s.csv", name, time.Now().UTC().Format("20060102_1504"))
}

// csvShape is the CSV header of T (its JSON field names) and the cells of one value
// (nested values JSON-encoded; not yet escaped).
func csvShape[T any]() ([]string, func(T) []string) {
	var zero T
	cols := csvColumns(reflect.TypeOf(zero))
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.name
	}
	return header, func(it T) []string {
		v := reflect.ValueOf(it)
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = cellString(v.FieldByIndex(c.index))
		}
		return row
	}
}

// respondList writes a list as JSON or CSV (a list that is not paged: all of it).
func respondList[T any](w http.ResponseWriter, r *http.Request, name string, items []T, next string) {
	if !wantsCSV(r) {
		jsonbody.Write(w, http.StatusOK, jsonbody.List[T]{Items: items, NextCursor: next})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s_%s.csv"`, name, time.Now().UTC().Format("20060102_1504")))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if next != "" {
		w.Header().Set("X-Next-Cursor", next)
	}
	WriteCSV(w, items)
}

// WriteCSV writes items as CSV with a header of the JSON field names. Nested values are
// JSON-encoded; every cell is made formula-safe.
func WriteCSV[T any](w http.ResponseWriter, items []T) {
	cw := csv.NewWriter(w)
	var zero T
	cols := csvColumns(reflect.TypeOf(zero))
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.name
	}
	_ = cw.Write(header)
	for _, it := range items {
		v := reflect.ValueOf(it)
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = csvexport.Escape(cellString(v.FieldByIndex(c.index)))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

type csvCol struct {
	name  string
	index []int
}

func csvColumns(t reflect.Type) []csvCol {
	var out []csvCol
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		out = append(out, csvCol{name: tag, index: f.Index})
	}
	return out
}

func cellString(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case fmt.Stringer:
		return x.String()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64, reflect.Int32:
		return strconv.FormatInt(v.Int(), 10)
	}
	b, _ := json.Marshal(v.Interface())
	return string(b)
}
