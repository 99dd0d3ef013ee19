package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/allocation/internal/httpapi"
)

// The CSV exports must hold every row matching their filters, whatever the count: these
// tests insert more rows than the largest JSON page (500) and compare each export, row by
// row, with the expected ids and with the JSON list walked page by page.

// bulk runs one SQL statement returning (id, key) pairs, in one transaction.
func (e *env) bulk(sql string, args ...any) map[int64]int64 {
	e.t.Helper()
	out := map[int64]int64{}
	err := pgx.BeginFunc(context.Background(), e.st.Pool(), func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), sql, args...)
		if err != nil {
			return err
		}
		var id, key int64
		_, err = pgx.ForEachRow(rows, []any{&id, &key}, func() error {
			out[id] = key
			return nil
		})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// csvIDs fetches a CSV export and returns its ids (first column), checking the header,
// that every record has the header's width and that no id repeats.
func (e *env) csvIDs(path string, header string) []int64 {
	e.t.Helper()
	res := e.must(200, e.admin("GET", path, nil))
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		e.t.Fatalf("%s: content type %q", path, ct)
	}
	records, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	if err != nil {
		e.t.Fatalf("%s: %v", path, err)
	}
	if len(records) == 0 || strings.Join(records[0], ",") != header {
		e.t.Fatalf("%s: header %v, want %s", path, records[:min(1, len(records))], header)
	}
	if lines := strings.Count(string(res.body), "\r\n"); lines != len(records) {
		e.t.Errorf("%s: %d lines for %d records", path, lines, len(records))
	}
	ids := make([]int64, 0, len(records)-1)
	seen := map[int64]bool{}
	for _, rec := range records[1:] {
		id, err := strconv.ParseInt(rec[0], 10, 64)
		if err != nil {
			e.t.Fatalf("%s: bad id %q", path, rec[0])
		}
		if seen[id] {
			e.t.Errorf("%s: id %d twice", path, id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

// jsonIDs walks a JSON list page by page (limit rows a page) and returns every id. A full
// page must carry next_cursor and a short one must not: the list never stops silently.
func (e *env) jsonIDs(path string, limit int) []int64 {
	e.t.Helper()
	var ids []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			e.t.Fatalf("%s: more than 100 pages", path)
		}
		p := fmt.Sprintf("%s&limit=%d", path, limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(e.must(200, e.admin("GET", p, nil)).body, &page); err != nil {
			e.t.Fatal(err)
		}
		if len(page.Items) > limit {
			e.t.Fatalf("%s: %d items on a page of %d", p, len(page.Items), limit)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if len(page.Items) < limit {
			if page.NextCursor != "" {
				e.t.Errorf("%s: short page with next_cursor %q", p, page.NextCursor)
			}
			return ids
		}
		if page.NextCursor == "" {
			e.t.Fatalf("%s: full page of %d without next_cursor (%d rows so far)", p, limit, len(ids))
		}
		cursor = page.NextCursor
	}
}

// expectIDs compares got with want as sets, reporting what is missing or extra.
func expectIDs(t *testing.T, what string, got []int64, want map[int64]bool) {
	t.Helper()
	var missing, extra []int64
	gotSet := map[int64]bool{}
	for _, id := range got {
		gotSet[id] = true
		if !want[id] {
			extra = append(extra, id)
		}
	}
	for id := range want {
		if !gotSet[id] {
			missing = append(missing, id)
		}
	}
	if len(got) != len(want) || len(missing) > 0 || len(extra) > 0 {
		slices.Sort(missing)
		t.Errorf("%s: %d rows, want %d (missing %d e.g. %v, extra %v)", what, len(got), len(want), len(missing), missing[:min(5, len(missing))], extra[:min(5, len(extra))])
	}
}

// ascending checks that ids ascend (exports are in id order, like the lists).
func ascending(t *testing.T, what string, ids []int64) {
	t.Helper()
	if !slices.IsSorted(ids) {
		t.Errorf("%s: ids not in ascending order", what)
	}
}

type exportCase struct {
	query string         // filters, "" for none
	want  map[int64]bool // expected ids
}

// checkExport compares the CSV export and the JSON list (walked with two page sizes) of
// every case with the expected ids.
func (e *env) checkExport(resource, header string, cases []exportCase) {
	e.t.Helper()
	for _, c := range cases {
		csvIDs := e.csvIDs(base+"/"+resource+".csv?"+c.query, header)
		expectIDs(e.t, resource+".csv?"+c.query, csvIDs, c.want)
		ascending(e.t, resource+".csv?"+c.query, csvIDs)
		for _, limit := range []int{500, 173} {
			expectIDs(e.t, fmt.Sprintf("%s?%s (json, limit %d)", resource, c.query, limit), e.jsonIDs(base+"/"+resource+"?"+c.query, limit), c.want)
		}
	}
}

func where[K comparable](m map[int64]K, keep func(id int64, k K) bool) map[int64]bool {
	out := map[int64]bool{}
	for id, k := range m {
		if keep(id, k) {
			out[id] = true
		}
	}
	return out
}

func largest(cases []exportCase) int {
	n := 0
	for _, c := range cases {
		n = max(n, len(c.want))
	}
	return n
}

func TestRoomsCSVExportsEveryRow(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	b2 := e.must(201, e.admin("POST", base+"/buildings", map[string]any{"campus_id": e.campus, "name": "UED"})).id(t)
	// key: building id × 10 + 1 when active.
	rooms := e.bulk(`INSERT INTO allocation.rooms (building_id, name, description, capacity, room_type_id, active)
		SELECT CASE WHEN g % 3 = 0 THEN $1::bigint ELSE $2::bigint END, 'R-' || g, '=cmd ' || g, 20, $3, g % 5 <> 0
		FROM generate_series(1, 1150) g
		RETURNING id, building_id * 10 + (CASE WHEN active THEN 1 ELSE 0 END)`, e.building, b2, e.classroom)
	for _, id := range []int64{e.ground, e.upper, e.labRoom, e.small} {
		rooms[id] = e.building*10 + 1
	}
	b1, b2k := e.building, b2
	cases := []exportCase{
		{"", where(rooms, func(int64, int64) bool { return true })},
		{fmt.Sprintf("building_id=%d", b2k), where(rooms, func(_ int64, k int64) bool { return k/10 == b2k })},
		{"active=true", where(rooms, func(_ int64, k int64) bool { return k%10 == 1 })},
		{fmt.Sprintf("active=true&building_id=%d", b1), where(rooms, func(_ int64, k int64) bool { return k == b1*10+1 })},
		{"active=false", where(rooms, func(int64, int64) bool { return true })}, // false: no filter, as in the JSON list
	}
	if largest(cases) <= 1000 || len(cases[1].want) <= 500 || len(cases[2].want) <= 500 {
		t.Fatalf("fixture too small: %d", largest(cases))
	}
	e.checkExport("rooms", "id,building,name,description,type,capacity,floor,active,characteristics", cases)

	// Accept: text/csv on the list route is the same export.
	res := e.must(200, e.do("admin", "GET", base+"/rooms?building_id="+strconv.FormatInt(b2, 10), nil, "Accept", "text/csv"))
	if got, want := strings.Count(string(res.body), "\r\n"), len(cases[1].want)+1; got != want {
		t.Errorf("rooms with Accept text/csv: %d lines, want %d", got, want)
	}
	// Formula protection still applies to every streamed row.
	if body := string(res.body); strings.Contains(body, ",=cmd") || !strings.Contains(body, ",'=cmd") {
		t.Error("description formula not neutralised in streamed rows")
	}

	// Views that need every room see them all, not the first 500.
	var pub struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	if err := json.Unmarshal(e.must(200, e.do("", "GET", httpapi.PublicBase+"/rooms", nil)).body, &pub); err != nil {
		t.Fatal(err)
	}
	if len(pub.Items) != len(cases[2].want) {
		t.Errorf("public rooms: %d, want every active room (%d)", len(pub.Items), len(cases[2].want))
	}
	var rep struct {
		Items []struct {
			BuildingID int64 `json:"building_id"`
			Rooms      int   `json:"rooms"`
		} `json:"items"`
	}
	if err := json.Unmarshal(e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d/reports/buildings", base, e.sem), nil)).body, &rep); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, it := range rep.Items {
		total += it.Rooms
	}
	if total != len(cases[2].want) {
		t.Errorf("buildings report covers %d rooms, want every active room (%d)", total, len(cases[2].want))
	}
}

func TestDemandsCSVExportsEveryRow(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	var sem2 int64
	if err := e.st.Pool().QueryRow(context.Background(), `INSERT INTO allocation.semesters (name, start_date, end_date) VALUES ('2026-1', '2026-03-01', '2026-07-10') RETURNING id`).Scan(&sem2); err != nil {
		t.Fatal(err)
	}
	// key: semester id × 10 + discipline (1 = FUP0001, 2 = FUP0002).
	demands := e.bulk(`INSERT INTO allocation.demands (semester_id, external_id, program_code, discipline_code, discipline_name, section, seats, schedule, cells)
		SELECT CASE WHEN g % 4 = 0 THEN $2::bigint ELSE $1::bigint END, 'X' || g, 'P', 'FUP000' || (1 + g % 3 / 2), '@name ' || g, 'A', 30, '2M1', '{2M1}'
		FROM generate_series(1, 1200) g
		RETURNING id, semester_id * 10 + right(discipline_code, 1)::int`, e.sem, sem2)
	s1, s2 := e.sem, sem2
	cases := []exportCase{
		{"", where(demands, func(int64, int64) bool { return true })},
		{fmt.Sprintf("semester_id=%d", s1), where(demands, func(_ int64, k int64) bool { return k/10 == s1 })},
		{fmt.Sprintf("semester_id=%d&discipline_code=fup0001", s1), where(demands, func(_ int64, k int64) bool { return k == s1*10+1 })},
		{"discipline_code=FUP0002", where(demands, func(_ int64, k int64) bool { return k%10 == 2 })},
		{fmt.Sprintf("semester_id=%d", s2), where(demands, func(_ int64, k int64) bool { return k/10 == s2 })},
	}
	if len(cases[1].want) <= 500 || len(cases[2].want) <= 500 || len(cases[4].want) == 0 {
		t.Fatalf("fixture too small: %d %d", len(cases[1].want), len(cases[2].want))
	}
	e.checkExport("demands", "id,offer_id,program_code,course_code,course_name,section,seats,schedule,professors,withdrawn", cases)
}

func TestAllocationsCSVExportsEveryRow(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	b2 := e.must(201, e.admin("POST", base+"/buildings", map[string]any{"campus_id": e.campus, "name": "UED"})).id(t)
	far := e.must(201, e.admin("POST", base+"/rooms", map[string]any{"building_id": b2, "name": "E-01", "capacity": 40, "room_type_id": e.classroom})).id(t)
	demands := e.bulk(`INSERT INTO allocation.demands (semester_id, external_id, discipline_code, section, seats, schedule, cells)
		SELECT $1, 'X' || g, 'FUP0001', 'A', 30, '23M1', '{2M1,3M1}' FROM generate_series(1, 600) g RETURNING id, 0`, e.sem)
	// key: room id × 10 + day; Monday of every demand, Tuesday of every third.
	allocs := e.bulk(`INSERT INTO allocation.allocations (semester_id, demand_id, day, room_id, source, created_by)
		SELECT $1, d.id, day, CASE WHEN d.id % 2 = 0 THEN $2::bigint ELSE $3::bigint END, 'manual', 'test'
		FROM allocation.demands d CROSS JOIN (VALUES (2), (3)) AS days(day)
		WHERE d.semester_id = $1 AND (day = 2 OR d.id % 3 = 0)
		RETURNING id, room_id * 10 + day`, e.sem, e.ground, far)
	if len(demands) != 600 {
		t.Fatalf("%d demands", len(demands))
	}
	one := int64(0)
	for id := range demands {
		if id%3 == 0 {
			one = id
			break
		}
	}
	demandOf := map[int64]int64{}
	rows, err := e.st.Pool().Query(context.Background(), `SELECT id, demand_id FROM allocation.allocations`)
	if err != nil {
		t.Fatal(err)
	}
	var aid, did int64
	if _, err := pgx.ForEachRow(rows, []any{&aid, &did}, func() error { demandOf[aid] = did; return nil }); err != nil {
		t.Fatal(err)
	}
	ground, farK := e.ground, far
	cases := []exportCase{
		{"", where(allocs, func(int64, int64) bool { return true })},
		{fmt.Sprintf("semester_id=%d", e.sem), where(allocs, func(int64, int64) bool { return true })},
		{fmt.Sprintf("semester_id=%d&room_id=%d", e.sem, ground), where(allocs, func(_ int64, k int64) bool { return k/10 == ground })},
		{fmt.Sprintf("building_id=%d", b2), where(allocs, func(_ int64, k int64) bool { return k/10 == farK })},
		{fmt.Sprintf("demand_id=%d", one), where(allocs, func(id int64, _ int64) bool { return demandOf[id] == one })},
		{fmt.Sprintf("semester_id=%d", e.sem+1000), map[int64]bool{}},
	}
	if len(cases[0].want) <= 700 || len(cases[4].want) != 2 {
		t.Fatalf("fixture: %d allocations, %d of demand %d", len(cases[0].want), len(cases[4].want), one)
	}
	e.checkExport("allocations", "id,semester_id,course_code,course_name,section,day,blocks,building,room,source,pinned,score", cases)
}

func TestReservationsCSVExportsEveryRow(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	// Single reservations of block M1, on 1 Oct 2025 + (n % 60) days. key: room id × 100 + day offset.
	res := e.bulk(`WITH r AS (
			INSERT INTO allocation.reservations (room_id, title, requester, blocks, recurrence, created_by)
			SELECT CASE WHEN g % 2 = 0 THEN $1::bigint ELSE $2::bigint END, '+evt ' || g, 'req', '{M1}',
				jsonb_build_object('kind', 'single', 'start', to_char(date '2025-10-01' + g % 60, 'YYYY-MM-DD')), 'test'
			FROM generate_series(1, 1100) g RETURNING id, room_id, recurrence),
		o AS (
			INSERT INTO allocation.reservation_occurrences (reservation_id, date, block)
			SELECT id, (recurrence->>'start')::date, 0 FROM r RETURNING reservation_id, date)
		SELECT r.id, r.room_id * 100 + (o.date - date '2025-10-01') FROM r JOIN o ON o.reservation_id = r.id`, e.ground, e.upper)
	ground, upper := e.ground, e.upper
	cases := []exportCase{
		{"", where(res, func(int64, int64) bool { return true })},
		{fmt.Sprintf("room_id=%d", ground), where(res, func(_ int64, k int64) bool { return k/100 == ground })},
		{"from=2025-10-11", where(res, func(_ int64, k int64) bool { return k%100 >= 10 })},
		{"to=2025-11-09", where(res, func(_ int64, k int64) bool { return k%100 <= 39 })},
		{fmt.Sprintf("room_id=%d&from=2025-10-06&to=2025-11-19", upper), where(res, func(_ int64, k int64) bool {
			return k/100 == upper && k%100 >= 5 && k%100 <= 49
		})},
		{"from=2026-01-01", map[int64]bool{}},
	}
	if len(cases[0].want) != 1100 || len(cases[1].want) <= 500 || len(cases[2].want) <= 500 || len(cases[4].want) == 0 {
		t.Fatalf("fixture: %d %d %d", len(cases[0].want), len(cases[1].want), len(cases[2].want))
	}
	e.checkExport("reservations", "id,room_id,title,requester,responsible,blocks,recurrence,created_by", cases)

	// The room's iCal feed lists every reservation of its window, not the first 500.
	ics := string(e.must(200, e.do("", "GET", fmt.Sprintf("%s/rooms/%d/calendar.ics", httpapi.PublicBase, ground), nil)).body)
	if got, want := strings.Count(ics, "BEGIN:VEVENT"), len(cases[1].want); got != want {
		t.Errorf("iCal feed: %d events, want one per reservation of the room (%d)", got, want)
	}
}

// Every paged JSON list shares the keyset paging: walked with small pages it returns every
// row, a next_cursor on each full page.
func TestPagedListsCarryNextCursor(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	for i := 0; i < 7; i++ {
		e.must(201, e.admin("POST", base+"/characteristics", map[string]any{"name": fmt.Sprintf("C%d", i)}))
	}
	for _, c := range []struct{ path, sql string }{
		{base + "/change-log?entity=", `SELECT id FROM allocation.change_log`},
		{base + "/change-log?entity=room", `SELECT id FROM allocation.change_log WHERE entity = 'room'`},
		{base + "/characteristics?", `SELECT id FROM allocation.characteristics`},
		{base + "/rooms?", `SELECT id FROM allocation.rooms`},
	} {
		want := map[int64]bool{}
		rows, err := e.st.Pool().Query(context.Background(), c.sql)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { want[id] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(want) < 4 {
			t.Fatalf("%s: only %d rows", c.path, len(want))
		}
		for _, limit := range []int{1, 2, 3, len(want), len(want) + 1} {
			expectIDs(t, fmt.Sprintf("%s (limit %d)", c.path, limit), e.jsonIDs(c.path, limit), want)
		}
	}
}
