package httpapi_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/httpapi"
)

// queryData is publicData plus one of everything an admin GET route can show by id.
type queryData struct {
	demand, alloc, hold, professor, rule, reservation, characteristic, publication int64
}

func (e *env) queryData() queryData {
	var d queryData
	d.alloc = e.publicData()
	d.demand = int64(e.must(200, e.admin("GET", base+"/allocations/"+itoa(d.alloc), nil)).json(e.t)["demand_id"].(float64))
	return d
}

// pathFor fills a route's path template with ids that exist.
func (e *env) pathFor(t *testing.T, r httpapi.Route, d queryData) string {
	t.Helper()
	id := map[string]int64{
		"campuses": e.campus, "buildings": e.building, "room-types": e.classroom, "characteristics": d.characteristic,
		"rooms": e.ground, "semesters": e.sem, "demands": d.demand, "professors": d.professor, "rules": d.rule,
		"room-holds": d.hold, "allocations": d.alloc, "reservations": d.reservation, "publications": d.publication,
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(r.Path, httpapi.AdminBase), httpapi.PublicBase)
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		switch {
		case s == "{id:[0-9]+}":
			n, ok := id[segs[i-1]]
			if !ok || n == 0 {
				t.Fatalf("%s: no fixture id for %s", r.Path, segs[i-1])
			}
			segs[i] = itoa(n)
		case s == "{occurrence:[0-9]+}":
			segs[i] = "1"
		case strings.HasPrefix(s, "{job:"):
			segs[i] = "00000000-0000-4000-8000-000000000000"
		case strings.HasPrefix(s, "{"):
			t.Fatalf("%s: unknown path parameter %s", r.Path, s)
		}
	}
	return strings.TrimSuffix(r.Path, rest) + strings.Join(segs, "/")
}

// validSample is a value of each query parameter the fixture makes meaningful; a new
// parameter must get one here (the tests fail otherwise).
func (e *env) validSample(d queryData) map[string]string {
	return map[string]string{
		"limit": "10", "cursor": "0", "campus_id": itoa(e.campus), "building_id": itoa(e.building), "room_id": itoa(e.ground),
		"room_type_id": itoa(e.classroom), "semester_id": itoa(e.sem), "demand_id": itoa(d.demand), "active": "true",
		"discipline_code": "fup0100", "q": "professor", "entity": "room", "threshold": "50", "excluded_programs": "LEDOC,OUTROS",
		"mark_withdrawn": "false", "from": "2025-09-01", "to": "2025-09-30", "date": "2025-09-01", "view": "week", "day": "2",
		"blocks": "M1, M2", "capacity": "10", "characteristic": "Projetor",
	}
}

// badSamples are values of each parameter that must be refused (422 naming it).
var badSamples = map[string][]string{
	"limit":             {"0", "-1", "501", "ten", "1.5", "99999999999999999999"},
	"cursor":            {"-1", "abc", "+3", "99999999999999999999"},
	"id":                {"0", "-5", "abc", "1e3", "1.0", "99999999999999999999", "00000000-0000-4000-8000-000000000000"},
	"active":            {"yes", "1", "TRUE"},
	"mark_withdrawn":    {"yes", "1"},
	"discipline_code":   {"FUP\t0100", strings.Repeat("A", 201)},
	"q":                 {"a\x01b", strings.Repeat("x", 201)},
	"entity":            {"Room!", "room;drop", strings.Repeat("a", 41)},
	"threshold":         {"101", "-1", "NaN", "Inf", "thirty"},
	"excluded_programs": {strings.Repeat("A", 1001), "A\x01B"},
	"from":              {"2025-02-30", "tomorrow", "2025-9-1"},
	"to":                {"01/09/2025", "2025-09-01T00:00:00Z"},
	"date":              {"01/09/2025", "2025-13-01", "2025-09-1", "today"},
	"view":              {"month", "DAY"},
	"day":               {"1", "8", "monday", "2.0"},
	"blocks":            {"M9", "M1,,M2", "X1", "m1"},
	"capacity":          {"-3", "many", "10001"},
	"characteristic":    {strings.Repeat("x", 201), "a\nb"},
}

func badFor(name string) []string {
	if strings.HasSuffix(name, "_id") {
		return badSamples["id"]
	}
	return badSamples[name]
}

func (e *env) queryFixture(t *testing.T) queryData {
	d := e.queryData()
	d.characteristic = e.must(201, e.admin("POST", base+"/characteristics", map[string]any{"name": "Quadro"})).id(t)
	d.professor = e.must(201, e.admin("POST", base+"/professors", map[string]any{"name": "Professor 031"})).id(t)
	d.rule = e.must(201, e.admin("POST", base+"/rules", map[string]any{"kind": "needs_room_type", "discipline_code": "FUP0100", "room_type_id": e.classroom})).id(t)
	d.hold = e.must(201, e.admin("POST", base+"/room-holds", map[string]any{"semester_id": e.sem, "room_id": e.small, "label": "Reunião", "schedule": "5N12"})).id(t)
	d.reservation = e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.small, "title": "Colegiado", "requester": "Secretaria",
		"blocks": []string{"M1"}, "recurrence": map[string]any{"kind": "single", "start": "2025-09-05"}})).id(t)
	d.publication = e.must(201, e.admin("POST", fmt.Sprintf("%s/semesters/%d/publish", base, e.sem), map[string]any{})).id(t)
	return d
}

// docQuery is the query parameters the OpenAPI document declares, per "METHOD path".
func docQuery(t *testing.T) map[string]map[string]map[string]any {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []map[string]any `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI("test"), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]map[string]any{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			m := map[string]map[string]any{}
			for _, p := range op.Parameters {
				if p["in"] == "query" {
					m[p["name"].(string)] = p
				}
			}
			out[strings.ToUpper(method)+" "+path] = m
		}
	}
	return out
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)(:(?:[^{}]|\{[^}]*\})*)?\}`)

func docKey(r httpapi.Route) string {
	return r.Method + " " + pathParamRE.ReplaceAllString(r.Path, "{$1}")
}

// request calls a route as its callers do (admin routes as an admin, public ones anonymously).
func (e *env) request(r httpapi.Route, path string, q url.Values) resp {
	e.t.Helper()
	role := "admin"
	if r.Public {
		role = ""
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var body any
	if strings.HasSuffix(r.Path, "/import.csv") {
		body = "offer_id,program_code,course_code,course_name,section,schedule,seats,professors\n" +
			"9001,AGRO,FUP0900,QUIMICA,T1,3M12,30,Professor 031\n"
	}
	return e.do(role, r.Method, path, body)
}

// takesQuery: the routes called with their parameters (GETs have no side effects but the
// CSV import, which is idempotent).
func takesQuery(r httpapi.Route) bool {
	return r.Method == http.MethodGet || strings.HasSuffix(r.Path, "/import.csv")
}

// TestQueryParamsDocumentedAndRead calls every GET route (and the CSV import) without a
// query and with every parameter the OpenAPI document declares for it: each answers, every
// parameter the handler reads is one the document declares, and every declared parameter
// (but the deprecated, ignored ones) is read.
func TestQueryParamsDocumentedAndRead(t *testing.T) {
	e := newEnv(t)
	d := e.queryFixture(t)
	var mu sync.Mutex
	read := map[string]map[string]bool{}
	var undeclared []string
	httpapi.ObserveQuery(e.api, func(route, name string, declared bool) {
		mu.Lock()
		defer mu.Unlock()
		if !declared {
			undeclared = append(undeclared, route+" ?"+name)
		}
		if read[route] == nil {
			read[route] = map[string]bool{}
		}
		read[route][name] = true
	})
	doc := docQuery(t)
	sample := e.validSample(d)
	for _, r := range (&httpapi.API{}).Routes() {
		declared, ok := doc[docKey(r)]
		if !ok {
			t.Errorf("%s is not in the document", docKey(r))
			continue
		}
		var names []string
		for _, p := range r.Query {
			names = append(names, p.Name)
		}
		if got, want := sortedKeys(declared), sorted(names); !slices.Equal(got, want) {
			t.Errorf("%s: document declares %v, route %v", docKey(r), got, want)
		}
		for name, p := range declared {
			schema, _ := p["schema"].(map[string]any)
			if p["description"] == "" || schema == nil || schema["type"] == nil || p["required"] != false {
				t.Errorf("%s ?%s: incomplete parameter object %v", docKey(r), name, p)
			}
		}
		if !takesQuery(r) {
			continue
		}
		path := e.pathFor(t, r, d)
		if res := e.request(r, path, nil); res.status >= 500 {
			t.Errorf("%s without a query: %d %s", path, res.status, res.body)
		}
		if len(declared) == 0 {
			continue
		}
		q := url.Values{}
		for name := range declared {
			v, ok := sample[name]
			if !ok {
				t.Fatalf("no valid sample for ?%s (add one to validSample)", name)
			}
			q.Set(name, v)
		}
		if res := e.request(r, path, q); res.status != 200 {
			t.Errorf("%s?%s: %d %s", path, q.Encode(), res.status, res.body)
		}
		mu.Lock()
		for name, p := range declared {
			if p["deprecated"] != true && !read[r.Method+" "+r.Path][name] {
				t.Errorf("%s declares ?%s but its handler never read it", docKey(r), name)
			}
		}
		mu.Unlock()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(undeclared) > 0 {
		t.Errorf("handlers read query parameters the document does not declare: %v", undeclared)
	}
	if len(read) == 0 {
		t.Error("the observer saw no read at all")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func problemOf(t *testing.T, what string, res resp) problem.Problem {
	t.Helper()
	var p problem.Problem
	if ct := res.header.Get("Content-Type"); ct != problem.ContentType {
		t.Errorf("%s: content type %q (%d %s)", what, ct, res.status, res.body)
		return p
	}
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Errorf("%s: %v", what, err)
	}
	return p
}

func names(p problem.Problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}

// TestUnknownQueryParamRefused: every route, whatever its method, refuses a parameter it
// does not declare (a typo of a filter) with 400 naming it, before doing anything.
func TestUnknownQueryParamRefused(t *testing.T) {
	e := newEnv(t)
	d := e.queryFixture(t)
	allBefore := e.must(200, e.admin("GET", base+"/allocations?semester_id="+itoa(e.sem), nil)).body
	for _, r := range (&httpapi.API{}).Routes() {
		path := e.pathFor(t, r, d)
		for _, raw := range []string{"semster_id=" + itoa(e.sem), "limit=10&colour=red", "semester_id=1&semester_id=2", "room_id=%zz", "a;b=1"} {
			if raw == "semester_id=1&semester_id=2" && !declares(r, "semester_id") || raw == "room_id=%zz" && !declares(r, "room_id") {
				continue
			}
			if raw == "limit=10&colour=red" && !declares(r, "limit") {
				raw = "colour=red"
			}
			role := "admin"
			if r.Public {
				role = ""
			}
			res := e.do(role, r.Method, path+"?"+raw, nil)
			what := r.Method + " " + path + "?" + raw
			if res.status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", what, res.status, res.body)
				continue
			}
			p := problemOf(t, what, res)
			want := map[string]string{"semster_id=" + itoa(e.sem): "semster_id", "limit=10&colour=red": "colour", "colour=red": "colour",
				"semester_id=1&semester_id=2": "semester_id", "room_id=%zz": "room_id", "a;b=1": "a;b"}[raw]
			if !slices.Equal(names(p), []string{want}) || !strings.Contains(p.Detail, want) {
				t.Errorf("%s: problem names %v (%s), want %s", what, names(p), p.Detail, want)
			}
			if res.header.Get("ETag") != "" {
				t.Errorf("%s: a refused request has an ETag", what)
			}
		}
	}
	// Nothing was written (the DELETEs, POSTs and PUTs above were all refused).
	if after := e.must(200, e.admin("GET", base+"/allocations?semester_id="+itoa(e.sem), nil)).body; string(after) != string(allBefore) {
		t.Error("a refused request changed the allocations")
	}
	e.must(200, e.admin("GET", base+"/campuses/"+itoa(e.campus), nil))
	e.must(200, e.admin("GET", base+"/rooms/"+itoa(e.ground), nil))
	// The audit's case: a typo no longer widens the filter to every semester.
	res := e.admin("GET", base+"/allocations?semster_id="+itoa(e.sem), nil)
	if res.status != 400 || strings.Contains(string(res.body), `"items"`) {
		t.Errorf("typo answered %d %s", res.status, res.body)
	}
	// Several problems at once are all named, sorted.
	p := problemOf(t, "several", e.admin("GET", base+"/demands?zeta=1&alpha=2&limit=0", nil))
	if got := names(p); !slices.Equal(got, []string{"alpha", "limit", "zeta"}) || p.Status != 400 {
		t.Errorf("several: %d %v", p.Status, got)
	}
}

func declares(r httpapi.Route, name string) bool {
	return slices.ContainsFunc(r.Query, func(p httpapi.Param) bool { return p.Name == name })
}

// TestBadQueryValuesNamed: a bad value of any declared parameter of any route is a 422
// problem naming it, never a 500 nor a silently ignored value.
func TestBadQueryValuesNamed(t *testing.T) {
	e := newEnv(t)
	d := e.queryFixture(t)
	for _, r := range (&httpapi.API{}).Routes() {
		path := e.pathFor(t, r, d)
		for _, p := range r.Query {
			bad := badFor(p.Name)
			if len(bad) == 0 {
				t.Fatalf("no bad sample for ?%s (add one to badSamples)", p.Name)
			}
			for _, v := range bad {
				q := url.Values{p.Name: {v}}
				what := r.Method + " " + path + "?" + q.Encode()
				res := e.request(r, path, q)
				if res.status != http.StatusUnprocessableEntity {
					t.Errorf("%s: %d %s", what, res.status, res.body)
					continue
				}
				if pr := problemOf(t, what, res); !slices.Equal(names(pr), []string{p.Name}) || pr.Errors[0].Reason == "" {
					t.Errorf("%s: problem names %v", what, names(pr))
				}
			}
		}
	}
	// Combinations the handlers check, and more than one bad value at once.
	pub := httpapi.PublicBase
	for _, c := range []struct {
		path   string
		status int
		fields []string
	}{
		{pub + "/rooms/search?day=3&date=2025-09-01", 422, []string{"day"}},
		{pub + "/calendar?date=2025-02-29&view=year&room_id=x", 422, []string{"date", "room_id", "view"}},
		{pub + "/rooms/search?day=2&capacity=-1&blocks=Z1", 422, []string{"blocks", "capacity"}},
		{fmt.Sprintf("%s/rooms/%d/week?date=2025-09-31", pub, e.ground), 422, []string{"date"}},
		{base + "/reservations?from=2025-09-01&to=someday&limit=-2", 422, []string{"limit", "to"}},
		{base + "/change-log?entity=room&cursor=-1", 422, []string{"cursor"}},
		{fmt.Sprintf("%s/semesters/%d/reports/under-used?threshold=NaN", base, e.sem), 422, []string{"threshold"}},
		{fmt.Sprintf("%s/rooms/%d/schedule.pdf?semester_id=abc", base, e.ground), 422, []string{"semester_id"}},
		// Not UTF-8 once decoded: malformed.
		{base + "/professors?q=%FF", 400, []string{"q"}},
		// A valid id that names nothing is not found, not a bad value.
		{fmt.Sprintf("%s/rooms/%d/week?semester_id=999999", pub, e.ground), 404, nil},
	} {
		role := "admin"
		if strings.HasPrefix(c.path, pub) {
			role = ""
		}
		res := e.do(role, "GET", c.path, nil)
		if res.status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.path, res.status, c.status, res.body)
			continue
		}
		if p := problemOf(t, c.path, res); c.fields != nil && !slices.Equal(names(p), c.fields) {
			t.Errorf("%s: names %v, want %v", c.path, names(p), c.fields)
		}
	}
}

// TestWebFrontendQueriesAccepted: the queries the web frontend (services/web/internal/api/
// allocation and its pages), its browser journeys and the bench scripts send keep working.
func TestWebFrontendQueriesAccepted(t *testing.T) {
	e := newEnv(t)
	d := e.queryFixture(t)
	sem, room, bld := itoa(e.sem), itoa(e.ground), itoa(e.building)
	pub := httpapi.PublicBase
	admin := []string{
		"/rooms?limit=500", "/semesters?limit=500", "/campuses?limit=500", "/buildings?limit=500", "/room-types?limit=500", "/characteristics?limit=500",
		"/professors?limit=500&q=Professor", "/rules?limit=500&discipline_code=FUP0100",
		"/demands?discipline_code=FUP0100&limit=500&semester_id=" + sem, "/demands?limit=1&semester_id=" + sem,
		"/demands.csv?discipline_code=FUP0100&semester_id=" + sem,
		"/allocations?building_id=" + bld + "&demand_id=" + itoa(d.demand) + "&limit=500&room_id=" + room + "&semester_id=" + sem,
		"/allocations?limit=500&semester_id=" + sem, "/allocations.csv?semester_id=" + sem, "/rooms.csv",
		"/room-holds?limit=500&semester_id=" + sem, "/change-log?cursor=0&entity=room", "/change-log",
		"/reservations?from=2025-09-01&room_id=" + room + "&to=2025-12-31", "/reservations",
		"/semesters/" + sem + "/reports/heatmap", "/semesters/" + sem + "/reports/buildings",
		"/semesters/" + sem + "/reports/under-used?threshold=30", "/semesters/" + sem + "/reports/unallocated",
		"/semesters/" + sem + "/reports/buildings.csv", "/semesters/" + sem + "/reports/unallocated.csv",
		"/semesters/" + sem + "/schedule.pdf", "/rooms/" + room + "/schedule.pdf?semester_id=" + sem, "/rooms/" + room + "/schedule.pdf",
	}
	for _, p := range admin {
		if res := e.admin("GET", base+p, nil); res.status != 200 {
			t.Errorf("%s: %d %s", p, res.status, res.body)
		}
	}
	public := []string{
		"/rooms", "/buildings", "/semesters", "/free-rooms", "/rooms/" + room + "/calendar.ics",
		"/rooms/" + room + "/week?date=2025-09-03&semester_id=" + sem, "/buildings/" + bld + "/week?date=2025-09-03",
		"/rooms/search?blocks=M1%2CM2&building_id=" + bld + "&capacity=30&characteristic=Projetor&date=2025-09-01&day=2",
		"/rooms/search?day=2&blocks=M1,M2&capacity=30", "/rooms/search?characteristic=Projetor&characteristic=projetor&day=3",
		"/calendar?building_id=" + bld + "&date=2025-09-01&room_id=" + room + "&view=week", "/calendar?view=day",
		// Empty values (forms) are absent values.
		"/calendar?date=&room_id=&view=", "/rooms/search?day=2&capacity=",
	}
	for _, p := range public {
		if res := e.do("", "GET", pub+p, nil); res.status != 200 {
			t.Errorf("%s: %d %s", p, res.status, res.body)
		}
	}
	csv := "offer_id,program_code,course_code,course_name,section,schedule,seats,professors\n9002,AGRO,FUP0901,FISICA,T1,4M12,30,\n"
	if res := e.admin("POST", base+"/semesters/"+sem+"/import.csv?excluded_programs=A,B&mark_withdrawn=true", csv); res.status != 200 {
		t.Errorf("import.csv: %d %s", res.status, res.body)
	}
}

// TestQueryReadOnlyThroughReader: no code of the package but params.go touches the raw
// query (r.URL.Query, RawQuery, Form...), and every parameter name the handlers read by
// literal is declared by some route — a static complement of the calls above.
func TestQueryReadOnlyThroughReader(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, r := range (&httpapi.API{}).Routes() {
		for _, p := range r.Query {
			declared[p.Name] = true
		}
	}
	fset := token.NewFileSet()
	readers := map[string]bool{"get": true, "all": true, "id": true, "int": true, "float": true, "boolean": true}
	var literals int
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				raw := false
				switch x.Sel.Name {
				case "RawQuery", "Form", "PostForm", "FormValue", "PostFormValue", "ParseForm", "ParseMultipartForm", "MultipartForm":
					raw = true
				case "Query":
					if inner, ok := x.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "URL" {
						raw = true
					}
				}
				if raw && name != "params.go" {
					t.Errorf("%s: reads the raw query (%s) outside params.go", fset.Position(x.Pos()), x.Sel.Name)
				}
			case *ast.CallExpr:
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok || !readers[sel.Sel.Name] || len(x.Args) == 0 {
					return true
				}
				lit, ok := x.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				v, _ := strconv.Unquote(lit.Value)
				literals++
				if !declared[v] {
					t.Errorf("%s: reads query parameter %q, which no route declares", fset.Position(x.Pos()), v)
				}
			}
			return true
		})
	}
	if literals < 10 {
		t.Errorf("found only %d parameter reads: the scan is broken", literals)
	}
}
