package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/importer"
)

type problemBody struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

func decodeProblem(t *testing.T, r resp) problemBody {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return p
}

func (p problemBody) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

func manyProfessors(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Professor %d", i)
	}
	return out
}

// invalidOffers are rows POST /demands refuses; each names the field at fault.
var invalidOffers = []struct {
	name  string
	offer importer.Offer
	field string // offer (CSV) field
}{
	{"formula course code", importer.Offer{CourseCode: "=HYPERLINK(1)", CourseName: "X", Section: "T1", Schedule: "2M1", Seats: intp(10)}, "course_code"},
	{"200k course name", importer.Offer{CourseCode: "FUP0101", CourseName: strings.Repeat("a", 200000), Section: "T1", Schedule: "2M1", Seats: intp(10)}, "course_name"},
	{"301-character course name", importer.Offer{CourseCode: "FUP0102", CourseName: strings.Repeat("é", importer.MaxCourseNameLen+1), Section: "T1", Schedule: "2M1", Seats: intp(10)}, "course_name"},
	{"20000 professors", importer.Offer{CourseCode: "FUP0103", Section: "T1", Schedule: "2M1", Seats: intp(10), Professors: manyProfessors(20000)}, "professors"},
	{"21 professors", importer.Offer{CourseCode: "FUP0104", Section: "T1", Schedule: "2M1", Seats: intp(10), Professors: manyProfessors(importer.MaxProfessors + 1)}, "professors"},
	{"201-character professor", importer.Offer{CourseCode: "FUP0105", Section: "T1", Schedule: "2M1", Seats: intp(10), Professors: []string{strings.Repeat("b", importer.MaxProfessorNameLen+1)}}, "professors"},
	{"long section", importer.Offer{CourseCode: "FUP0106", Section: strings.Repeat("T", importer.MaxSectionLen+1), Schedule: "2M1", Seats: intp(10)}, "section"},
}

var demandFieldName = map[string]string{"course_code": "discipline_code", "course_name": "discipline_name"}

func offerCSV(offers []importer.Offer) string {
	var b strings.Builder
	b.WriteString("offer_id,course_code,course_name,section,schedule,seats,professors\n")
	for _, o := range offers {
		q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
		seats := ""
		if o.Seats != nil {
			seats = fmt.Sprint(*o.Seats)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s\n", q(o.OfferID), q(o.CourseCode), q(o.CourseName), q(o.Section), q(o.Schedule), seats, q(strings.Join(o.Professors, "|")))
	}
	return b.String()
}

func TestDemandsRefuseWhatImportsRefuse(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	for _, c := range invalidOffers {
		o := c.offer
		r := e.admin("POST", base+"/demands", map[string]any{"semester_id": e.sem, "discipline_code": o.CourseCode, "discipline_name": o.CourseName,
			"section": o.Section, "seats": *o.Seats, "schedule": o.Schedule, "professors": o.Professors})
		want := c.field
		if f, ok := demandFieldName[want]; ok {
			want = f
		}
		if p := decodeProblem(t, r); r.status != 422 || strings.Join(p.fields(), ",") != want {
			t.Errorf("%s: POST /demands answered %d %v, want 422 on %s", c.name, r.status, p.fields(), want)
		}
	}
	// The limits themselves are accepted.
	e.must(201, e.admin("POST", base+"/demands", map[string]any{"semester_id": e.sem, "discipline_code": "FUP0200", "discipline_name": strings.Repeat("é", importer.MaxCourseNameLen),
		"section": "T1", "seats": 10, "schedule": "2M1", "professors": manyProfessors(importer.MaxProfessors)}))
	e.must(422, e.admin("POST", base+"/demands", map[string]any{"semester_id": e.sem, "discipline_code": "FUP0201", "discipline_name": strings.Repeat("n", 100000),
		"section": "T1", "seats": 10, "schedule": "2M1"}))
}

func TestImportsApplyDemandValidation(t *testing.T) {
	for _, source := range []string{"csv", "api"} {
		t.Run(source, func(t *testing.T) {
			e := newEnv(t)
			e.fixture()
			valid := importer.Offer{OfferID: "ok", CourseCode: "FUP0001", CourseName: "Anatomia", Section: "T1", Schedule: "2M12", Seats: intp(30), Professors: []string{"Ana", "Bia"}}
			offers := []importer.Offer{valid}
			for i, c := range invalidOffers {
				o := c.offer
				o.OfferID = fmt.Sprintf("bad%d", i)
				offers = append(offers, o)
			}
			var r resp
			if source == "csv" {
				r = e.admin("POST", fmt.Sprintf("%s/semesters/%d/import.csv", base, e.sem), offerCSV(offers))
			} else {
				e.offersMu.Lock()
				e.offers = offers
				e.offersMu.Unlock()
				r = e.admin("POST", fmt.Sprintf("%s/semesters/%d/import", base, e.sem), nil)
			}
			var rep importer.Report
			if err := json.Unmarshal(e.must(200, r).body, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Created != 1 || len(rep.Skipped) != len(invalidOffers) {
				t.Fatalf("created %d, skipped %+v", rep.Created, rep.Skipped)
			}
			for i, c := range invalidOffers {
				s := rep.Skipped[i]
				if s.Row != i+2 || s.Field != c.field || s.OfferID != fmt.Sprintf("bad%d", i) || !strings.HasPrefix(s.Detail, c.field+": ") || len(s.Detail) > 500 {
					t.Errorf("%s: skipped %+v, want row %d field %s", c.name, s, i+2, c.field)
				}
			}
			// Nothing invalid is stored: the semester has the one valid demand.
			list := e.must(200, e.admin("GET", fmt.Sprintf("%s/demands?semester_id=%d", base, e.sem), nil)).json(t)["items"].([]any)
			if len(list) != 1 || list[0].(map[string]any)["discipline_code"] != "FUP0001" {
				t.Fatalf("stored demands: %v", list)
			}
		})
	}
}

func TestConstraintNamesNeverReachTheCaller(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	for _, c := range []struct {
		what, path string
		body       map[string]any
		field      string
		detail     string
	}{
		{"semester", base + "/semesters", map[string]any{"name": "2025-2", "start_date": "2025-08-18", "end_date": "2025-12-20"}, "name", "a semester with this name already exists"},
		{"campus", base + "/campuses", map[string]any{"name": "FUP"}, "name", "a campus with this name already exists"},
		{"room type", base + "/room-types", map[string]any{"name": "Sala de Aula"}, "name", "a room type with this name already exists"},
		{"room", base + "/rooms", map[string]any{"building_id": e.building, "name": "AT-01", "floor": 0, "capacity": 10, "room_type_id": e.classroom}, "name", "a room with this name already exists in this building"},
	} {
		r := e.admin("POST", c.path, c.body)
		p := decodeProblem(t, r)
		if r.status != 409 || p.Detail != c.detail || strings.Join(p.fields(), ",") != c.field {
			t.Errorf("duplicate %s: %d %s", c.what, r.status, r.body)
		}
		if strings.Contains(string(r.body), "_key") || strings.Contains(string(r.body), "constraint") {
			t.Errorf("duplicate %s leaks a constraint name: %s", c.what, r.body)
		}
	}
}

func TestReservationRecurrenceFieldErrors(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	// now is 2025-09-01: the horizon ends 2026-09-02.
	for _, c := range []struct {
		name   string
		rec    map[string]any
		field  string
		reason string // substring
	}{
		{"day_of_month 32", map[string]any{"kind": "monthly_by_day", "start": "2025-09-02", "day_of_month": 32, "count": 2}, "recurrence.day_of_month", "1–31"},
		{"day_of_month -1", map[string]any{"kind": "monthly_by_day", "start": "2025-09-02", "day_of_month": -1, "count": 2}, "recurrence.day_of_month", "1–31"},
		{"single beyond a year", map[string]any{"kind": "single", "start": "2026-12-01"}, "recurrence.start", "within a year from today (on or before 2026-09-02)"},
		{"weekly starting beyond a year", map[string]any{"kind": "weekly", "start": "2027-01-04", "count": 2}, "recurrence.start", "within a year"},
		{"until beyond a year", map[string]any{"kind": "daily", "start": "2025-09-02", "until": "2026-10-01"}, "recurrence.until", "on or before 2026-09-02"},
		{"interval 0", map[string]any{"kind": "daily", "start": "2025-09-02", "interval": 0, "count": 2}, "recurrence.interval", "must be 1–366"},
		{"interval -1", map[string]any{"kind": "daily", "start": "2025-09-02", "interval": -1, "count": 2}, "recurrence.interval", "must be 1–366"},
		{"interval 367", map[string]any{"kind": "weekly", "start": "2025-09-02", "interval": 367, "count": 2}, "recurrence.interval", "must be 1–366"},
	} {
		for _, path := range []string{"/reservations/preview", "/reservations"} {
			r := e.admin("POST", base+path, map[string]any{"room_id": e.ground, "title": "Palestra", "requester": "Ana", "blocks": []string{"M1"}, "recurrence": c.rec})
			p := decodeProblem(t, r)
			if r.status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != c.field || !strings.Contains(p.Errors[0].Reason, c.reason) {
				t.Errorf("%s %s: %d %s, want 422 on %s (%s)", path, c.name, r.status, r.body, c.field, c.reason)
			}
		}
	}
	// In range: absent interval, interval 1 and 366, a single date on the horizon's last day.
	for _, rec := range []map[string]any{
		{"kind": "daily", "start": "2025-09-02", "count": 2},
		{"kind": "daily", "start": "2025-09-02", "interval": 1, "count": 2},
		{"kind": "daily", "start": "2025-09-02", "interval": 366, "count": 1},
		{"kind": "single", "start": "2026-09-02"},
		{"kind": "monthly_by_day", "start": "2025-09-02", "day_of_month": 31, "count": 2},
	} {
		e.must(200, e.admin("POST", base+"/reservations/preview", map[string]any{"room_id": e.ground, "blocks": []string{"M1"}, "recurrence": rec}))
	}
}

func TestSemesterDateBounds(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	before := e.must(200, e.admin("GET", base+"/semesters", nil)).body
	// now is 2025-09-01: dates must lie within 2020-09-01 .. 2030-09-01, and a semester spans at most a year.
	for _, c := range []struct {
		name, start, end string
		fields           string
	}{
		{"ends in 2099", "2026-03-01", "2099-12-31", "end_date"},
		{"longer than a year", "2026-03-01", "2027-03-02", "end_date"},
		{"starts far in the future", "2031-03-01", "2031-07-10", "end_date,start_date"},
		{"starts far in the past", "2019-03-01", "2019-07-10", "end_date,start_date"},
		{"end before start", "2026-03-01", "2026-02-01", "end_date"},
		{"same day", "2026-03-01", "2026-03-01", "end_date"},
		{"not a date", "2026-02-30", "2026-07-10", "start_date"},
	} {
		r := e.admin("POST", base+"/semesters", map[string]any{"name": "2026-1", "start_date": c.start, "end_date": c.end})
		p := decodeProblem(t, r)
		got := p.fields()
		sort.Strings(got)
		if r.status != 422 || strings.Join(got, ",") != c.fields {
			t.Errorf("%s: %d %s, want 422 naming %s", c.name, r.status, r.body, c.fields)
		}
	}
	// An update is held to the same rule.
	r := e.admin("PUT", fmt.Sprintf("%s/semesters/%d", base, e.sem), map[string]any{"name": "2025-2", "start_date": "2025-08-18", "end_date": "2099-12-20", "active": true})
	if r.status != 422 || !strings.Contains(string(r.body), `"end_date"`) {
		t.Errorf("update to 2099: %d %s", r.status, r.body)
	}
	if after := e.must(200, e.admin("GET", base+"/semesters", nil)).body; !bytes.Equal(before, after) {
		t.Error("a refused semester changed the semesters")
	}
	// Exactly a year is still fine.
	e.must(201, e.admin("POST", base+"/semesters", map[string]any{"name": "2026-1", "start_date": "2026-03-01", "end_date": "2027-03-01"}))
}
