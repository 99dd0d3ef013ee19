package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Query parameters. Every route declares the query parameters it takes in the route
// table (Routes); the OpenAPI document lists exactly those, and wrap checks every
// request against them before the handler runs:
//
//   - a parameter the route does not declare, or a declared one given more than once
//     (unless it is repeatable), is refused with 400 naming it, so that a typo never
//     silently widens a filter;
//   - a declared parameter with a bad value (not an id, not a date, out of range) is
//     refused with 422 naming it.
//
// Handlers read parameters only through the request's *query (params(r)), which hands
// out the already validated values and panics when asked for a name the route does not
// declare: a handler cannot read a parameter the document does not list. This file is
// the only code that touches the raw query (a test checks that statically).

// Param is one query parameter a route takes.
type Param struct {
	Name string
	// Repeated parameters may be given several times (all values are read).
	Repeated bool
	desc     string
	kind     paramKind
}

// paramKind is a parameter's type: its JSON schema and its check.
type paramKind struct {
	schema func(g *timegrid.Grid) map[string]any
	// check returns why v is not a valid value, or "".
	check func(g *timegrid.Grid, v string) string
}

func fixedSchema(s map[string]any) func(*timegrid.Grid) map[string]any {
	return func(*timegrid.Grid) map[string]any { return s }
}

const datePattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`

var (
	kindID = paramKind{
		schema: fixedSchema(map[string]any{"type": "integer", "format": "int64", "minimum": 1}),
		check: func(_ *timegrid.Grid, v string) string {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
				return "must be a positive integer id"
			}
			return ""
		},
	}
	kindDate = paramKind{
		schema: fixedSchema(map[string]any{"type": "string", "format": "date", "pattern": datePattern}),
		check: func(_ *timegrid.Grid, v string) string {
			if !validDate(v) {
				return "must be a date YYYY-MM-DD"
			}
			return ""
		},
	}
	kindLimit = paramKind{
		schema: fixedSchema(map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}),
		check: func(_ *timegrid.Grid, v string) string {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxLimit {
				return fmt.Sprintf("must be an integer from 1 to %d", maxLimit)
			}
			return ""
		},
	}
	kindCursor = paramKind{
		schema: fixedSchema(map[string]any{"type": "string", "pattern": `^[0-9]{1,19}$`}),
		check: func(_ *timegrid.Grid, v string) string {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 || strings.HasPrefix(v, "+") {
				return "is not a cursor from a previous page (next_cursor)"
			}
			return ""
		},
	}
	kindBool = paramKind{
		schema: fixedSchema(map[string]any{"type": "boolean"}),
		check: func(_ *timegrid.Grid, v string) string {
			if v != "true" && v != "false" {
				return "must be true or false"
			}
			return ""
		},
	}
	kindPercent = paramKind{
		schema: fixedSchema(map[string]any{"type": "number", "minimum": 0, "maximum": 100, "default": 30}),
		check: func(_ *timegrid.Grid, v string) string {
			if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(f) || f < 0 || f > 100 {
				return "must be a percent 0–100"
			}
			return ""
		},
	}
	kindDay = paramKind{
		schema: func(g *timegrid.Grid) map[string]any {
			return map[string]any{"type": "integer", "minimum": int(slices.Min(g.Days)), "maximum": int(slices.Max(g.Days))}
		},
		check: func(g *timegrid.Grid, v string) string {
			if n, err := strconv.Atoi(v); err != nil || !g.HasDay(timegrid.Day(n)) {
				return "must be a day code 2 (Monday) … 7 (Saturday)"
			}
			return ""
		},
	}
	kindCapacity = paramKind{
		schema: fixedSchema(map[string]any{"type": "integer", "minimum": 0, "maximum": 10000}),
		check: func(_ *timegrid.Grid, v string) string {
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 10000 {
				return "must be an integer from 0 to 10000"
			}
			return ""
		},
	}
	kindBlocks = paramKind{
		schema: func(g *timegrid.Grid) map[string]any {
			codes := make([]string, g.NumBlocks())
			for i := range codes {
				codes[i] = regexp.QuoteMeta(g.BlockCode(timegrid.Block(i)))
			}
			one := ` *(` + strings.Join(codes, "|") + `) *`
			return map[string]any{"type": "string", "pattern": "^" + one + "(," + one + ")*$"}
		},
		check: func(g *timegrid.Grid, v string) string {
			for _, c := range strings.Split(v, ",") {
				if _, err := g.ParseBlockCode(strings.TrimSpace(c)); err != nil {
					return fmt.Sprintf("%q is not a block (comma-separated block codes such as M1,M2)", c)
				}
			}
			return ""
		},
	}
	// Imported course codes are any non-empty text, so a filter by code is text too.
	kindDisciplineCode = kindText(200)
	kindEntity         = kindPattern(`^[a-z_]{1,40}$`, "must be an entity kind such as room or reservation")
)

func kindEnum(values ...string) paramKind {
	return paramKind{
		schema: fixedSchema(map[string]any{"type": "string", "enum": values}),
		check: func(_ *timegrid.Grid, v string) string {
			if !slices.Contains(values, v) {
				return "must be one of " + strings.Join(values, ", ")
			}
			return ""
		},
	}
}

func kindPattern(pattern, reason string) paramKind {
	re := regexp.MustCompile(pattern)
	return paramKind{
		schema: fixedSchema(map[string]any{"type": "string", "pattern": pattern}),
		check: func(_ *timegrid.Grid, v string) string {
			if !re.MatchString(v) {
				return reason
			}
			return ""
		},
	}
}

// kindText is free text of at most max printable characters.
func kindText(max int) paramKind {
	return paramKind{
		schema: fixedSchema(map[string]any{"type": "string", "maxLength": max}),
		check: func(_ *timegrid.Grid, v string) string {
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return fmt.Sprintf("must be at most %d printable characters", max)
			}
			return ""
		},
	}
}

// Page sizes of the lists.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// Parameter declarations shared by the routes.
func pID(name, desc string) Param   { return Param{Name: name, kind: kindID, desc: desc} }
func pDate(name, desc string) Param { return Param{Name: name, kind: kindDate, desc: desc} }

var (
	pLimit  = Param{Name: "limit", kind: kindLimit, desc: "page size (1–500, default 100)"}
	pCursor = Param{Name: "cursor", kind: kindCursor, desc: "next_cursor of the previous page"}
	// paged are the parameters of every paged list.
	paged = []Param{pLimit, pCursor}
)

// with returns the list of parameters ps followed by more.
func with(ps []Param, more ...Param) []Param {
	return append(slices.Clip(ps), more...)
}

// --- the request's reader

type ctxQuery struct{}

// query is a request's validated query parameters, readable only by declared name.
type query struct {
	route    string
	declared map[string]Param
	values   url.Values
	observe  func(route, name string, declared bool)
}

// undeclaredParam is the panic of a handler reading a parameter its route does not declare.
type undeclaredParam struct{ route, name string }

func (u undeclaredParam) String() string {
	return fmt.Sprintf("httpapi: %s reads query parameter %q, which its route does not declare", u.route, u.name)
}

// checkQuery validates r's query against the route's declared parameters: unknown or
// repeated parameters are a 400, bad values a 422, each naming the parameter.
func (a *API) checkQuery(rt Route, r *http.Request) (*query, error) {
	q := &query{route: rt.Method + " " + rt.Path, declared: map[string]Param{}, values: url.Values{}}
	if f := a.observeQuery.Load(); f != nil {
		q.observe = *f
	}
	for _, p := range rt.Query {
		q.declared[p.Name] = p
	}
	var malformed, invalid []problem.FieldError
	// Parsed pair by pair: url.ParseQuery drops what it cannot decode, which would make
	// a filter with a bad escape (?semester_id=%zz) silently absent.
	for _, pair := range strings.Split(r.URL.RawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		switch {
		case err1 != nil || strings.Contains(k, ";"):
			malformed = append(malformed, problem.FieldError{Field: k, Reason: "malformed query parameter"})
		case err2 != nil || !utf8.ValidString(value) || !utf8.ValidString(name):
			malformed = append(malformed, problem.FieldError{Field: name, Reason: "malformed value (bad percent-encoding or UTF-8)"})
		default:
			q.values[name] = append(q.values[name], value)
		}
	}
	for name, vs := range q.values {
		p, ok := q.declared[name]
		switch {
		case !ok:
			malformed = append(malformed, problem.FieldError{Field: name, Reason: "unknown query parameter"})
			continue
		case len(vs) > 1 && !p.Repeated:
			malformed = append(malformed, problem.FieldError{Field: name, Reason: "given more than once"})
			continue
		}
		for _, v := range vs {
			if v == "" { // empty = absent (forms send empty fields)
				continue
			}
			if reason := p.kind.check(a.grid, v); reason != "" {
				invalid = append(invalid, problem.FieldError{Field: name, Reason: reason})
				break
			}
		}
	}
	sortFields := func(fs []problem.FieldError) []string {
		slices.SortFunc(fs, func(a, b problem.FieldError) int { return strings.Compare(a.Field, b.Field) })
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = f.Field
		}
		return names
	}
	if len(malformed) > 0 {
		all := append(malformed, invalid...)
		return nil, problem.BadRequest("invalid query parameters: "+strings.Join(sortFields(all), ", "), all...)
	}
	if len(invalid) > 0 {
		return nil, problem.Invalid("invalid query parameters: "+strings.Join(sortFields(invalid), ", "), invalid...)
	}
	return q, nil
}

// params is the request's query reader (set by wrap).
func params(r *http.Request) *query {
	q, ok := r.Context().Value(ctxQuery{}).(*query)
	if !ok {
		panic("httpapi: query parameters read outside a registered route")
	}
	return q
}

func withQuery(r *http.Request, q *query) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), ctxQuery{}, q))
}

// get returns the value of a declared parameter ("" when absent).
func (q *query) get(name string) string {
	vs := q.all(name)
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// all returns every non-empty value of a declared parameter.
func (q *query) all(name string) []string {
	_, ok := q.declared[name]
	if q.observe != nil {
		q.observe(q.route, name, ok)
	}
	if !ok {
		panic(undeclaredParam{q.route, name})
	}
	var out []string
	for _, v := range q.values[name] {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// id returns a declared id parameter, 0 when absent.
func (q *query) id(name string) int64 {
	n, _ := strconv.ParseInt(q.get(name), 10, 64)
	return n
}

// int returns a declared integer parameter, or def when absent.
func (q *query) int(name string, def int) int {
	if v := q.get(name); v != "" {
		n, _ := strconv.Atoi(v)
		return n
	}
	return def
}

// float returns a declared number parameter, or def when absent.
func (q *query) float(name string, def float64) float64 {
	if v := q.get(name); v != "" {
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return def
}

// boolean returns a declared boolean parameter (false when absent).
func (q *query) boolean(name string) bool { return q.get(name) == "true" }

// page returns the page a list asked for (limit and cursor).
func (q *query) page() store.Page {
	p := store.Page{Limit: q.int("limit", defaultLimit)}
	if c := q.get("cursor"); c != "" {
		p.After, _ = strconv.ParseInt(c, 10, 64)
	}
	return p
}

// canonicalQuery is r's query in a canonical form (sorted), for cache keys.
func canonicalQuery(r *http.Request) string { return r.URL.Query().Encode() }
