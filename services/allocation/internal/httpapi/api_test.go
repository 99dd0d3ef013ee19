package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"
	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/allocation/internal/httpapi"
	"github.com/planta-dev/planta/services/allocation/internal/importer"
	"github.com/planta-dev/planta/services/allocation/internal/solvejob"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/migrations"
)

const base = httpapi.AdminBase

type env struct {
	t        *testing.T
	srv      *httptest.Server
	st       *store.Store
	router   *authn.Router
	mux      *mux.Router
	runner   *solvejob.Runner
	api      *httpapi.API
	tokens   map[string]string
	offers   []importer.Offer
	offersMu sync.Mutex
	// fixture ids
	campus, building, classroom, lab, sem int64
	ground, upper, labRoom, small         int64
}

// now is the injected clock: Monday 1 Sep 2025, 10:30 in São Paulo.
var now = time.Date(2025, 9, 1, 13, 30, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	pool := pgxtest.NewPool(t)
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgxx.Migrate(ctx, pool, "allocation", ms); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: store.New(pool), tokens: map[string]string{}}
	academic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.offersMu.Lock()
		defer e.offersMu.Unlock()
		if r.URL.Path != "/2025-2" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"semester": "2025-2", "ofertas": e.offers})
	}))
	t.Cleanup(academic.Close)
	auth := authntest.NewServer(t, nil)
	for _, role := range []authn.Role{authn.RoleAdmin, authn.RoleSuperadmin, authn.RoleCliente} {
		e.tokens[string(role)] = auth.Issue(authn.Principal{UserID: "u-" + string(role), Username: "user-" + string(role), Role: role})
	}
	e.mux = mux.NewRouter()
	e.router = authn.NewRouter(e.mux, authn.NewSessionClient(auth.URL, http.DefaultClient), slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.runner = &solvejob.Runner{Store: e.st, Metrics: solvejob.NewMetrics(prometheus.NewRegistry()), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	api := httpapi.New(httpapi.Config{
		Store: e.st, Runner: e.runner, Academic: &importer.Client{BaseURL: academic.URL, HTTP: http.DefaultClient},
		ExcludedPrograms: []string{"LEDOC"}, Now: func() time.Time { return now }, PublicRate: 1000, PublicBurst: 1000,
	})
	api.Register(e.router)
	e.api = api
	e.srv = httptest.NewServer(e.mux)
	t.Cleanup(e.srv.Close)
	t.Cleanup(e.runner.Wait)
	return e
}

type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

func (r resp) id(t *testing.T) int64 {
	t.Helper()
	return int64(r.json(t)["id"].(float64))
}

func (e *env) do(role, method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "text/csv"
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, b, res.Header}
}

func (e *env) must(status int, r resp) resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

func (e *env) admin(method, path string, body any) resp { return e.do("admin", method, path, body) }

// fixture: one campus, building, two room types, four rooms, the 2025-2 semester.
func (e *env) fixture() {
	e.campus = e.must(201, e.admin("POST", base+"/campuses", map[string]any{"name": "FUP"})).id(e.t)
	e.building = e.must(201, e.admin("POST", base+"/buildings", map[string]any{"campus_id": e.campus, "name": "UAC"})).id(e.t)
	e.classroom = e.must(201, e.admin("POST", base+"/room-types", map[string]any{"name": "Sala de Aula"})).id(e.t)
	e.lab = e.must(201, e.admin("POST", base+"/room-types", map[string]any{"name": "Laboratório de Química"})).id(e.t)
	proj := e.must(201, e.admin("POST", base+"/characteristics", map[string]any{"name": "Projetor"})).id(e.t)
	room := func(name string, floor, capacity int, typ int64) int64 {
		return e.must(201, e.admin("POST", base+"/rooms", map[string]any{"building_id": e.building, "name": name, "floor": floor, "capacity": capacity,
			"room_type_id": typ, "characteristic_ids": []int64{proj}})).id(e.t)
	}
	e.ground = room("AT-01", 0, 50, e.classroom)
	e.upper = room("A1-01", 1, 60, e.classroom)
	e.labRoom = room("AT-LAB", 0, 50, e.lab)
	e.small = room("AT-02", 0, 10, e.classroom)
	e.sem = e.must(201, e.admin("POST", base+"/semesters", map[string]any{"name": "2025-2", "start_date": "2025-08-18", "end_date": "2025-12-20"})).id(e.t)
}

func (e *env) demand(code, section, schedule string, seats int, profs ...string) int64 {
	return e.must(201, e.admin("POST", base+"/demands", map[string]any{"semester_id": e.sem, "discipline_code": code, "discipline_name": "Disciplina " + code,
		"section": section, "seats": seats, "schedule": schedule, "professors": profs})).id(e.t)
}

func TestEveryRouteGuardedAndRoleMatrix(t *testing.T) {
	e := newEnv(t)
	if err := e.router.CheckGuarded(e.mux); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.router.Routes() {
		path := strings.NewReplacer("{id:[0-9]+}", "1", "{occurrence:[0-9]+}", "1", "{job:[0-9a-f-]{36}}", "00000000-0000-4000-8000-000000000000").Replace(r.Path)
		if strings.HasPrefix(r.Path, httpapi.PublicBase) {
			if r.Guard.Authenticates() {
				t.Errorf("public route %s %s authenticates", r.Method, r.Path)
			}
			if r.Method != http.MethodGet {
				t.Errorf("public route %s %s is not GET", r.Method, r.Path)
			}
			continue
		}
		if got := r.Guard.Name(); got != "role:admin|superadmin" {
			t.Errorf("%s %s guard %s", r.Method, r.Path, got)
		}
		if res := e.do("", r.Method, path, nil); res.status != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %d", r.Method, path, res.status)
		}
		if res := e.do("cliente", r.Method, path, nil); res.status != http.StatusForbidden {
			t.Errorf("cliente %s %s: %d", r.Method, path, res.status)
		}
	}
	for _, role := range []string{"admin", "superadmin"} {
		e.must(200, e.do(role, "GET", base+"/rooms", nil))
		e.must(201, e.do(role, "POST", base+"/campuses", map[string]any{"name": "C-" + role}))
	}
	log := e.must(200, e.admin("GET", base+"/change-log?entity=campus", nil))
	if !strings.Contains(string(log.body), `"username":"user-admin"`) || !strings.Contains(string(log.body), `"username":"user-superadmin"`) {
		t.Errorf("change log lacks usernames: %s", log.body)
	}
}

func TestBadInputNamesFieldAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	before := e.must(200, e.admin("GET", base+"/rooms", nil)).body
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"building_id": e.building, "name": "X", "capacity": -1, "room_type_id": e.classroom}, "capacity"},
		{map[string]any{"building_id": e.building, "name": "", "capacity": 10, "room_type_id": e.classroom}, "name"},
		{map[string]any{"building_id": 999999, "name": "X", "capacity": 10, "room_type_id": e.classroom}, "building_id"},
		{map[string]any{"building_id": e.building, "name": "X", "capacity": 10, "room_type_id": e.classroom, "characteristic_ids": []int64{424242}}, "characteristic_ids"},
		{map[string]any{"building_id": e.building, "name": "X", "capacity": 10, "room_type_id": e.classroom, "colour": "red"}, "colour"},
	}
	for _, c := range cases {
		res := e.admin("POST", base+"/rooms", c.body)
		if res.status != 422 && res.status != 400 {
			t.Errorf("%v: status %d", c.body, res.status)
		}
		if !strings.Contains(string(res.body), `"field":"`+c.field+`"`) {
			t.Errorf("%v: problem does not name %s: %s", c.body, c.field, res.body)
		}
	}
	if after := e.must(200, e.admin("GET", base+"/rooms", nil)).body; !bytes.Equal(before, after) {
		t.Error("a rejected request changed the rooms")
	}
	e.must(409, e.admin("POST", base+"/rooms", map[string]any{"building_id": e.building, "name": "AT-01", "capacity": 10, "room_type_id": e.classroom}))
	e.must(409, e.admin("DELETE", fmt.Sprintf("%s/room-types/%d", base, e.classroom), nil))
	res := e.admin("POST", base+"/semesters", map[string]any{"name": "2026-1", "start_date": "2026-03-01", "end_date": "2026-02-01"})
	if res.status != 422 || !strings.Contains(string(res.body), "end_date") {
		t.Errorf("semester dates: %d %s", res.status, res.body)
	}
	// Exactly one active semester.
	s2 := e.must(201, e.admin("POST", base+"/semesters", map[string]any{"name": "2026-1", "start_date": "2026-03-01", "end_date": "2026-07-10"})).json(t)
	if s2["active"] != false {
		t.Error("second semester became active")
	}
	e.must(200, e.admin("POST", fmt.Sprintf("%s/semesters/%d/activate", base, int64(s2["id"].(float64))), nil))
	if e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d", base, e.sem), nil)).json(t)["active"] != false {
		t.Error("two active semesters")
	}
}

func intp(n int) *int { return &n }

func TestImportIdempotentWithSkipReasons(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.must(201, e.admin("POST", base+"/professors", map[string]any{"name": "José  da SILVA"}))
	e.offers = []importer.Offer{
		{OfferID: "1", ProgramCode: "AGRO", CourseCode: "FUP0001", CourseName: "Anatomia", Section: "T1", Schedule: "24M12", Seats: intp(40), Professors: []string{"jose da silva", "Maria Souza"}},
		{OfferID: "2", ProgramCode: "AGRO", CourseCode: "FUP0002", CourseName: "Botânica", Section: "T1", Schedule: "3N12", Seats: intp(30)},
		{OfferID: "3", ProgramCode: "LEDOC", CourseCode: "LED0001", Section: "T1", Schedule: "2M12", Seats: intp(30)},
		{OfferID: "4", ProgramCode: "AGRO", CourseCode: "FUP0003", Section: "T1", Schedule: "2N5", Seats: intp(30)},
		{OfferID: "5", ProgramCode: "AGRO", CourseCode: "FUP0004", Section: "T1", Schedule: "", Seats: intp(30)},
		{OfferID: "6", ProgramCode: "AGRO", CourseCode: "FUP0005", Section: "T1", Schedule: "2M1"},
		{OfferID: "1", ProgramCode: "AGRO", CourseCode: "FUP0001", Section: "T1", Schedule: "24M12", Seats: intp(40)},
	}
	path := fmt.Sprintf("%s/semesters/%d/import", base, e.sem)
	rep := e.must(200, e.admin("POST", path, nil)).json(t)
	if rep["created"] != 2.0 || rep["updated"] != 0.0 {
		t.Fatalf("first import: %v", rep)
	}
	reasons := map[string]bool{}
	for _, s := range rep["skipped"].([]any) {
		reasons[s.(map[string]any)["reason"].(string)] = true
	}
	for _, want := range []string{importer.SkipExcludedProgram, importer.SkipInvalidSchedule, importer.SkipEmptySchedule, importer.SkipInvalidSeats, importer.SkipDuplicate} {
		if !reasons[want] {
			t.Errorf("skip reason %s missing: %v", want, rep["skipped"])
		}
	}
	if um := fmt.Sprint(rep["unmatched_professors"]); um != "[Maria Souza]" {
		t.Errorf("unmatched professors %s", um)
	}
	rep = e.must(200, e.admin("POST", path, nil)).json(t)
	if rep["created"] != 0.0 || rep["updated"] != 0.0 || rep["unchanged"] != 2.0 {
		t.Fatalf("re-import not idempotent: %v", rep)
	}
	e.offers[1].Seats = intp(35)
	e.offers = append(e.offers[:2], e.offers[3:]...)[:2] // offer 2 changed; others gone
	e.offers = e.offers[:1]
	e.offers = append(e.offers, importer.Offer{OfferID: "2", ProgramCode: "AGRO", CourseCode: "FUP0002", CourseName: "Botânica", Section: "T1", Schedule: "3N12", Seats: intp(35)})
	rep = e.must(200, e.admin("POST", path, nil)).json(t)
	if rep["updated"] != 1.0 || rep["unchanged"] != 1.0 {
		t.Fatalf("update import: %v", rep)
	}
	list := e.must(200, e.admin("GET", fmt.Sprintf("%s/demands?semester_id=%d", base, e.sem), nil)).json(t)["items"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d demands after three imports", len(list))
	}
	first := list[0].(map[string]any)
	if len(first["professor_ids"].([]any)) != 1 {
		t.Errorf("accent/case/spacing-insensitive professor match failed: %v", first)
	}
	// CSV upload of the same data is also keyed by offer id.
	csv := "offer_id,program_code,course_code,course_name,section,schedule,seats\n2,AGRO,FUP0002,Botânica,T1,3N12,35\n9,AGRO,FUP0009,Nova,T1,5T23,20\n"
	rep = e.must(200, e.admin("POST", fmt.Sprintf("%s/semesters/%d/import.csv", base, e.sem), csv)).json(t)
	if rep["created"] != 1.0 || rep["unchanged"] != 1.0 {
		t.Fatalf("csv import: %v", rep)
	}
}

func violationKinds(t *testing.T, r resp) string {
	t.Helper()
	var kinds []string
	for _, c := range r.json(t)["conflicts"].([]any) {
		kinds = append(kinds, c.(map[string]any)["kind"].(string))
	}
	return strings.Join(kinds, ",")
}

func TestManualAdjustmentChecksEveryHardConstraint(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.must(201, e.admin("POST", base+"/professors", map[string]any{"name": "Professor 020", "low_mobility": true}))
	d1 := e.demand("FUP0100", "T1", "2M12", 40, "Professor 020")
	d2 := e.demand("FUP0200", "T1", "2M23", 20)
	chem := e.demand("FUP0246", "T1", "3M12", 20)
	e.must(201, e.admin("POST", base+"/rules", map[string]any{"kind": "needs_room_type", "discipline_code": "FUP0246", "room_type_id": e.lab}))
	assign := func(d int64, day int, room int64) resp {
		return e.admin("POST", base+"/allocations", map[string]any{"semester_id": e.sem, "demand_id": d, "day": day, "room_id": room})
	}
	if k := violationKinds(t, e.must(409, assign(d1, 2, e.small))); !strings.Contains(k, "capacity") {
		t.Errorf("capacity: %s", k)
	}
	if k := violationKinds(t, e.must(409, assign(d1, 2, e.upper))); k != "low_mobility" {
		t.Errorf("low mobility: %s", k)
	}
	if k := violationKinds(t, e.must(409, assign(chem, 3, e.ground))); k != "room_type_rule" {
		t.Errorf("room type: %s", k)
	}
	e.must(201, e.admin("POST", base+"/rules", map[string]any{"kind": "needs_room", "discipline_code": "FUP0200", "room_id": e.ground}))
	if k := violationKinds(t, e.must(409, assign(d2, 2, e.upper))); k != "room_rule" {
		t.Errorf("room rule: %s", k)
	}
	e.must(409, assign(d1, 4, e.ground)) // the section does not meet on Wednesday
	a1 := e.must(201, assign(d1, 2, e.ground)).id(t)
	if k := violationKinds(t, e.must(409, assign(d2, 2, e.ground))); k != "double_booking" {
		t.Errorf("double booking: %s", k)
	}
	e.must(201, assign(chem, 3, e.labRoom))
	// A hold blocks the cell for allocations; and a held cell cannot be allocated.
	e.must(201, e.admin("POST", base+"/room-holds", map[string]any{"semester_id": e.sem, "room_id": e.upper, "label": "Ledoc", "internal_note": "secret note", "schedule": "5M12"}))
	d3 := e.demand("FUP0300", "T1", "5M1", 10)
	if k := violationKinds(t, e.must(409, assign(d3, 5, e.upper))); k != "blocked_cell" {
		t.Errorf("hold: %s", k)
	}
	// A reservation during the semester blocks the weekly cell for allocations (one way)…
	e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.small, "title": "Defesa", "requester": "Ana Lima", "blocks": []string{"M1"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-09-04"}})) // a Thursday
	if k := violationKinds(t, e.must(409, assign(d3, 5, e.small))); k != "blocked_cell" {
		t.Errorf("reservation: %s", k)
	}
	// …and an allocated cell cannot be reserved (the other way).
	res := e.must(409, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Palestra", "requester": "Ana Lima", "blocks": []string{"M2"},
		"recurrence": map[string]any{"kind": "weekly", "start": "2025-09-01", "weekdays": []int{2}, "count": 3}}))
	if !strings.Contains(string(res.body), "FUP0100") {
		t.Errorf("conflict does not name the class: %s", res.body)
	}
	// Move re-checks: to the too-small room fails, to the lab room works; swap; unassign.
	e.must(409, e.admin("POST", fmt.Sprintf("%s/allocations/%d/move", base, a1), map[string]any{"room_id": e.small}))
	moved := e.must(200, e.admin("POST", fmt.Sprintf("%s/allocations/%d/move", base, a1), map[string]any{"room_id": e.labRoom})).id(t)
	a2 := e.must(201, assign(d2, 2, e.ground)).id(t)
	if k := violationKinds(t, e.must(409, e.admin("POST", base+"/allocations/swap", map[string]any{"allocation_ids": []int64{moved, a2}}))); !strings.Contains(k, "room_rule") {
		t.Errorf("swap: %s", k)
	}
	e.must(204, e.admin("DELETE", fmt.Sprintf("%s/allocations/%d", base, a2), nil))
	// The database itself refuses a double booking written behind the API's back.
	_, err := e.st.Pool().Exec(context.Background(), `INSERT INTO allocation.occupancies (room_id, day, block, during, semester_id, hold_id)
		SELECT room_id, day, block, during, semester_id, (SELECT id FROM allocation.room_holds LIMIT 1) FROM allocation.occupancies WHERE allocation_id IS NOT NULL LIMIT 1`)
	if err == nil || !strings.Contains(err.Error(), "occupancies_no_double_booking") {
		t.Errorf("direct double-booking insert: %v", err)
	}
	_, err = e.st.Pool().Exec(context.Background(), `INSERT INTO allocation.occupancies (room_id, day, block, during, occurrence_id)
		SELECT o.room_id, o.day, o.block, daterange('2025-09-08', '2025-09-08', '[]'), (SELECT id FROM allocation.reservation_occurrences LIMIT 1)
		FROM allocation.occupancies o WHERE o.allocation_id IS NOT NULL AND o.day = 2 LIMIT 1`)
	if err == nil || !strings.Contains(err.Error(), "occupancies_no_double_booking") {
		t.Errorf("direct dated insert over an allocation: %v", err)
	}
}

func TestReservationsRecurrenceAndConflicts(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	// 2nd Tuesday of Sep–Dec 2025: 9 Sep, 14 Oct, 11 Nov, 9 Dec.
	body := map[string]any{"room_id": e.ground, "title": "Colegiado", "requester": "Secretaria Geral", "blocks": []string{"T2", "T3"},
		"recurrence": map[string]any{"kind": "monthly_by_weekday", "start": "2025-09-01", "position": 2, "weekday": 3, "count": 4}}
	prev := e.must(200, e.admin("POST", base+"/reservations/preview", body)).json(t)
	if prev["count"] != 8.0 || prev["conflicting"] != 0.0 {
		t.Fatalf("preview: %v", prev)
	}
	r := e.must(201, e.admin("POST", base+"/reservations", body)).json(t)
	var dates []string
	for _, o := range r["occurrences"].([]any) {
		if o.(map[string]any)["block"] == "T2" {
			dates = append(dates, o.(map[string]any)["date"].(string))
		}
	}
	if got := strings.Join(dates, " "); got != "2025-09-09 2025-10-14 2025-11-11 2025-12-09" {
		t.Errorf("2nd Tuesdays: %s", got)
	}
	// Last Friday, with months of 4 and 5 Fridays (Oct 2025 has 5: the 31st).
	last := e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.upper, "title": "Feira", "requester": "Centro Acadêmico", "blocks": []string{"N1"},
		"recurrence": map[string]any{"kind": "monthly_by_weekday", "start": "2025-09-01", "position": -1, "weekday": 6, "until": "2025-11-30"}})).json(t)
	var lasts []string
	for _, o := range last["occurrences"].([]any) {
		lasts = append(lasts, o.(map[string]any)["date"].(string))
	}
	if got := strings.Join(lasts, " "); got != "2025-09-26 2025-10-31 2025-11-28" {
		t.Errorf("last Fridays: %s", got)
	}
	// Reservation vs reservation: overlapping one is refused and the preview shows it.
	clash := map[string]any{"room_id": e.ground, "title": "Outra", "requester": "Ana Lima", "blocks": []string{"T3"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-10-14"}}
	e.must(409, e.admin("POST", base+"/reservations", clash))
	if p := e.must(200, e.admin("POST", base+"/reservations/preview", clash)).json(t); p["conflicting"] != 1.0 {
		t.Errorf("preview conflict: %v", p)
	}
	// Reservation first, then the allocation of the weekly cell is refused.
	d := e.demand("FUP0400", "T1", "3T23", 20)
	if k := violationKinds(t, e.must(409, e.admin("POST", base+"/allocations", map[string]any{"semester_id": e.sem, "demand_id": d, "day": 3, "room_id": e.ground}))); k != "blocked_cell,blocked_cell" {
		t.Errorf("allocation over a reservation: %s", k)
	}
	// Bad recurrence names the field; past start refused.
	bad := e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "X", "requester": "Ana Lima", "blocks": []string{"M1"},
		"recurrence": map[string]any{"kind": "monthly_by_weekday", "start": "2025-09-01", "position": 7, "weekday": 3, "count": 2}})
	if bad.status != 422 || !strings.Contains(string(bad.body), "recurrence.position") {
		t.Errorf("bad position: %d %s", bad.status, bad.body)
	}
	past := e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "X", "requester": "Ana Lima", "blocks": []string{"M1"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-08-01"}})
	if past.status != 422 || !strings.Contains(string(past.body), "recurrence.start") {
		t.Errorf("past start: %d %s", past.status, past.body)
	}
	// Cancelling an occurrence frees the slot.
	rid := int64(r["id"].(float64))
	occ := int64(r["occurrences"].([]any)[3].(map[string]any)["id"].(float64)) // 2025-10-14 T3
	e.must(200, e.admin("POST", fmt.Sprintf("%s/reservations/%d/occurrences/%d/cancel", base, rid, occ), nil))
	e.must(201, e.admin("POST", base+"/reservations", clash))
}

func TestConcurrentReservationsExactlyOneWins(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i] = e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": fmt.Sprintf("Evento %d", i), "requester": "Ana Lima",
				"blocks": []string{"N1", "N2"}, "recurrence": map[string]any{"kind": "single", "start": "2025-09-10"}}).status
		}(i)
	}
	wg.Wait()
	won, lost := 0, 0
	for _, s := range statuses {
		switch s {
		case 201:
			won++
		case 409:
			lost++
		}
	}
	if won != 1 || lost != 19 {
		t.Fatalf("won %d lost %d: %v", won, lost, statuses)
	}
}

func TestSolveJobAndReports(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.demand("FUP0100", "T1", "24M12", 40)
	e.demand("FUP0200", "T1", "2M12", 45)
	e.demand("FUP0300", "T1", "2M12", 200) // too big for any room
	job := e.must(202, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, e.sem), nil)).json(t)
	e.runner.Wait()
	j := e.must(200, e.admin("GET", base+"/solve-jobs/"+job["id"].(string), nil)).json(t)
	if j["status"] != "succeeded" {
		t.Fatalf("job: %v", j)
	}
	res := j["result"].(map[string]any)
	if res["placed"] != 3.0 || res["section_days"] != 4.0 {
		t.Errorf("result: %v", res)
	}
	un := e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d/reports/unallocated", base, e.sem), nil)).json(t)["items"].([]any)
	if len(un) != 1 || un[0].(map[string]any)["reason_code"] != "capacity" {
		t.Errorf("unallocated: %v", un)
	}
	heat := e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d/reports/heatmap", base, e.sem), nil)).json(t)
	if heat["busy"].([]any)[0].([]any)[0] != 2.0 {
		t.Errorf("heatmap Monday M1: %v", heat["busy"])
	}
	e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d/reports/buildings", base, e.sem), nil))
	e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d/reports/under-used?threshold=50", base, e.sem), nil))
	pdf := e.must(200, e.admin("GET", fmt.Sprintf("%s/rooms/%d/schedule.pdf?semester_id=%d", base, e.ground, e.sem), nil))
	if !bytes.HasPrefix(pdf.body, []byte("%PDF")) {
		t.Error("not a PDF")
	}
	csv := e.must(200, e.admin("GET", fmt.Sprintf("%s/allocations.csv?semester_id=%d", base, e.sem), nil))
	if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || strings.Count(string(csv.body), "\n") != 4 {
		t.Errorf("allocations csv: %s", csv.body)
	}
	e.must(409, e.admin("DELETE", fmt.Sprintf("%s/rooms/%d", base, e.ground), nil)) // history is kept
}

func TestCSVFormulaInjectionSafe(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.must(201, e.admin("POST", base+"/rooms", map[string]any{"building_id": e.building, "name": "=HYPERLINK(\"http://x\")", "capacity": 10, "room_type_id": e.classroom}))
	body := string(e.must(200, e.admin("GET", base+"/rooms.csv", nil)).body)
	if !strings.Contains(body, `'=HYPERLINK`) {
		t.Errorf("formula not neutralised: %s", body)
	}
}

func TestPublicAPI(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.must(201, e.admin("POST", base+"/professors", map[string]any{"name": "Professor 020", "low_mobility": true}))
	d := e.demand("FUP0100", "T1", "2M1234", 40, "Professor 020")
	e.must(201, e.admin("POST", base+"/allocations", map[string]any{"semester_id": e.sem, "demand_id": d, "day": 2, "room_id": e.ground}))
	e.must(201, e.admin("POST", base+"/room-holds", map[string]any{"semester_id": e.sem, "room_id": e.upper, "label": "Ledoc", "internal_note": "TOP-SECRET-NOTE", "schedule": "2M34"}))
	e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Defesa; de TCC, sala", "requester": "Ana Lima", "blocks": []string{"N1", "N2"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-09-03"}}))
	pub := httpapi.PublicBase
	paths := []string{
		"/rooms", "/buildings", "/semesters",
		fmt.Sprintf("/rooms/%d/week", e.ground), fmt.Sprintf("/rooms/%d/week?date=2025-09-03", e.ground),
		fmt.Sprintf("/buildings/%d/week", e.building),
		"/rooms/search?day=2&blocks=M1,M2&capacity=30", "/calendar?date=2025-09-01&view=week", "/free-rooms",
		fmt.Sprintf("/rooms/%d/calendar.ics", e.ground),
	}
	for _, p := range paths {
		r := e.must(200, e.do("", "GET", pub+p, nil))
		for _, secret := range []string{"TOP-SECRET-NOTE", "low_mobility", "internal_note", "preferred", "change_log", "created_by", "user-admin"} {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("%s leaks %q", p, secret)
			}
		}
		etag := r.header.Get("ETag")
		if etag == "" {
			t.Errorf("%s: no ETag", p)
			continue
		}
		if c := e.do("", "GET", pub+p, nil, "If-None-Match", etag); c.status != http.StatusNotModified || len(c.body) != 0 {
			t.Errorf("%s: If-None-Match gave %d", p, c.status)
		}
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			if s := e.do("", m, pub+strings.Split(p, "?")[0], map[string]any{}).status; s != 405 && s != 404 {
				t.Errorf("%s %s accepted: %d", m, p, s)
			}
			if s := e.do("admin", m, pub+strings.Split(p, "?")[0], map[string]any{}).status; s != 405 && s != 404 {
				t.Errorf("admin %s %s accepted: %d", m, p, s)
			}
		}
	}
	week := string(e.must(200, e.do("", "GET", fmt.Sprintf("%s/rooms/%d/week?date=2025-09-03", pub, e.ground), nil)).body)
	if !strings.Contains(week, `"first_block":"M1","last_block":"M4"`) || !strings.Contains(week, "Defesa") || !strings.Contains(week, "Professor 020") {
		t.Errorf("room week: %s", week)
	}
	search := e.must(200, e.do("", "GET", pub+"/rooms/search?day=2&blocks=M1,M2&capacity=30", nil)).json(t)["items"].([]any)
	for _, r := range search {
		if id := int64(r.(map[string]any)["id"].(float64)); id == e.ground || id == e.small {
			t.Errorf("search returned busy or small room %d", id)
		}
	}
	// Now is Monday 10:30 local: block M3 (10:00–10:55); AT-01 is busy then.
	free := e.must(200, e.do("", "GET", pub+"/free-rooms", nil)).json(t)
	if free["block"].(map[string]any)["code"] != "M3" {
		t.Errorf("free-rooms block: %v", free["block"])
	}
	for _, r := range free["items"].([]any) {
		if int64(r.(map[string]any)["id"].(float64)) == e.ground {
			t.Error("busy room listed as free")
		}
	}
	ics := e.must(200, e.do("", "GET", fmt.Sprintf("%s/rooms/%d/calendar.ics", pub, e.ground), nil))
	if ct := ics.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("ics content type %s", ct)
	}
	body := string(ics.body)
	if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
		t.Errorf("ics envelope: %.200s", body)
	}
	for _, l := range strings.Split(body, "\r\n") {
		if len(l) > 75 || strings.Contains(l, "\n") {
			t.Errorf("bad ics line %q", l)
		}
	}
	for _, want := range []string{`SUMMARY:Defesa\; de TCC\, sala`, "BEGIN:VTIMEZONE\r\nTZID:America/Sao_Paulo\r\n",
		// The Monday class: one weekly series from the semester's first Monday to its end.
		"DTSTART;TZID=America/Sao_Paulo:20250818T080000\r\nDTEND;TZID=America/Sao_Paulo:20250818T115000\r\nRRULE:FREQ=WEEKLY;UNTIL=20251221T025959Z\r\n",
		"DTSTART;TZID=America/Sao_Paulo:20250903T190000\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("ics lacks %q: %s", want, body)
		}
	}
	if n := strings.Count(body, "BEGIN:VEVENT"); n != strings.Count(body, "END:VEVENT") || n != 2 {
		t.Errorf("ics events %d", n)
	}
}

func TestPublicRateLimited(t *testing.T) {
	e := newEnv(t)
	api := httpapi.New(httpapi.Config{Store: e.st, Now: func() time.Time { return now }, PublicRate: 1, PublicBurst: 3})
	m := mux.NewRouter()
	api.Register(authn.NewRouter(m, authn.NewSessionClient("http://127.0.0.1:1", http.DefaultClient), slog.New(slog.NewTextHandler(io.Discard, nil))))
	srv := httptest.NewServer(m)
	defer srv.Close()
	var codes []int
	for range 5 {
		res, err := http.Get(srv.URL + httpapi.PublicBase + "/rooms")
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Errorf("codes %v", codes)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(httpapi.OpenAPI("test"), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("version %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	// Every registered route is in the document.
	param := regexp.MustCompile(`\{([a-z_]+)(:(?:[^{}]|\{[^}]*\})*)?\}`)
	for _, r := range (&httpapi.API{}).Routes() {
		p := param.ReplaceAllString(r.Path, "{$1}")
		if ops, ok := paths[p].(map[string]any); !ok || ops[strings.ToLower(r.Method)] == nil {
			t.Errorf("missing %s %s", r.Method, p)
		}
	}
	// The main resources are typed.
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	props := func(name string) map[string]any {
		s, _ := schemas[name].(map[string]any)
		p, _ := s["properties"].(map[string]any)
		return p
	}
	for name, field := range map[string]string{"Room": "capacity", "RoomInput": "room_type_id", "Semester": "start_date", "Demand": "schedule",
		"Allocation": "room_id", "Reservation": "occurrences", "ReservationInput": "recurrence", "Recurrence": "position", "SolveJob": "status",
		"Result": "published_moved", "SolveInput": "mode", "Publication": "section_days", "ReservationUpdateInput": "recurrence"} {
		if props(name)[field] == nil {
			t.Errorf("schema %s lacks %s", name, field)
		}
	}
	ref := func(path, method, code string) string {
		op := paths[path].(map[string]any)[method].(map[string]any)
		var schema map[string]any
		if code == "" {
			schema = op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		} else {
			schema = op["responses"].(map[string]any)[code].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		}
		if items, ok := schema["properties"].(map[string]any); ok {
			schema = items["items"].(map[string]any)["items"].(map[string]any)
		}
		return fmt.Sprint(schema["$ref"])
	}
	for _, c := range [][4]string{
		{"/api/v1/allocation/rooms", "post", "", "#/components/schemas/RoomInput"},
		{"/api/v1/allocation/rooms", "post", "201", "#/components/schemas/Room"},
		{"/api/v1/allocation/rooms", "get", "200", "#/components/schemas/Room"},
		{"/api/v1/allocation/reservations/{id}", "put", "", "#/components/schemas/ReservationUpdateInput"},
		{"/api/v1/allocation/semesters/{id}/solve", "post", "202", "#/components/schemas/SolveJob"},
		{"/api/v1/allocation/solve-jobs/{job}/cancel", "post", "200", "#/components/schemas/SolveJob"},
		{"/api/v1/allocation/allocations", "get", "200", "#/components/schemas/Allocation"},
	} {
		if got := ref(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("%s %s %s: %s, want %s", c[1], c[0], c[2], got, c[3])
		}
	}
}
