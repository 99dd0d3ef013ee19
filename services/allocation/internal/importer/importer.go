// Package importer turns the academic system's course offers (its HTTP API or a CSV
// upload of the same fields) into semester demands, with a report of every row skipped
// and why, and matches professor names normalised for accents, case and spacing.
package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Offer is one course section offered by the academic system. JSON field names follow
// the offers CSV columns (data/offers-2025-2.csv) plus the offer id, programme and
// professors the API also carries.
type Offer struct {
	OfferID        string   `json:"offer_id"`
	ProgramCode    string   `json:"program_code"`
	CourseCode     string   `json:"course_code"` // discipline code, e.g. FUP0001
	CourseName     string   `json:"course_name"`
	Section        string   `json:"section"`
	Schedule       string   `json:"schedule"`
	Seats          *int     `json:"seats"`
	Professors     []string `json:"professors"`
	RoomTypeNeeded string   `json:"room_type_needed,omitempty"`
}

// Payload is the academic API's answer to GET {base}/{semester}.
type Payload struct {
	Semester string          `json:"semester"`
	Offers   json.RawMessage `json:"ofertas"`
}

// Skip reasons.
const (
	SkipExcludedProgram = "excluded_program"
	SkipMissingCode     = "missing_course_code"
	SkipEmptySchedule   = "empty_schedule"
	SkipInvalidSchedule = "invalid_schedule"
	SkipInvalidSeats    = "invalid_seats"
	SkipDuplicate       = "duplicate_offer_id"
	SkipInvalidField    = "invalid_field"
)

// Limits every demand obeys, whether it comes from POST /demands, the CSV upload or the
// academic API (all three go through CheckOffer).
const (
	MaxCourseNameLen    = 300 // characters
	MaxProfessorNameLen = 200 // characters, each
	MaxProfessors       = 20  // per demand
	MaxSectionLen       = 40
	MaxOfferIDLen       = 100
	MaxProgramCodeLen   = 40
	MaxRoomTypeLen      = 100
	MaxSeats            = 10000
)

// DisciplineCode is the shape of a discipline (course) code, upper-cased: FUP0001.
var DisciplineCode = regexp.MustCompile(`^[A-Z][A-Z0-9-]{2,19}$`)

// Issue is one invalid field of an offer. Field is the offer's (CSV column / JSON) name.
type Issue struct {
	Field  string
	Reason string // a Skip* reason code
	Detail string
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) })
}

// CheckOffer validates one offer field by field — the single check shared by POST
// /demands, the CSV upload and the academic API import — and returns the parsed
// schedule when it is valid.
func CheckOffer(g *timegrid.Grid, o Offer) (timegrid.Schedule, []Issue) {
	var out []Issue
	bad := func(field, reason, detail string) { out = append(out, Issue{field, reason, detail}) }
	code := strings.ToUpper(strings.TrimSpace(o.CourseCode))
	switch {
	case code == "":
		bad("course_code", SkipMissingCode, "course_code is empty")
	case !DisciplineCode.MatchString(code):
		bad("course_code", SkipInvalidField, "must be a discipline code such as FUP0001")
	}
	if tooLong(o.CourseName, MaxCourseNameLen) || hasControl(o.CourseName) {
		bad("course_name", SkipInvalidField, fmt.Sprintf("at most %d characters, no control characters", MaxCourseNameLen))
	}
	if tooLong(o.Section, MaxSectionLen) || hasControl(o.Section) {
		bad("section", SkipInvalidField, fmt.Sprintf("at most %d characters, no control characters", MaxSectionLen))
	}
	if tooLong(o.OfferID, MaxOfferIDLen) || hasControl(o.OfferID) {
		bad("offer_id", SkipInvalidField, fmt.Sprintf("at most %d characters, no control characters", MaxOfferIDLen))
	}
	if tooLong(o.ProgramCode, MaxProgramCodeLen) || hasControl(o.ProgramCode) {
		bad("program_code", SkipInvalidField, fmt.Sprintf("at most %d characters, no control characters", MaxProgramCodeLen))
	}
	if tooLong(o.RoomTypeNeeded, MaxRoomTypeLen) {
		bad("room_type_needed", SkipInvalidField, fmt.Sprintf("at most %d characters", MaxRoomTypeLen))
	}
	if o.Seats == nil || *o.Seats < 0 || *o.Seats > MaxSeats {
		bad("seats", SkipInvalidSeats, fmt.Sprintf("seats must be a number 0–%d", MaxSeats))
	}
	n := 0
	for _, p := range o.Professors {
		if strings.TrimSpace(p) == "" {
			continue
		}
		n++
		if tooLong(p, MaxProfessorNameLen) || hasControl(p) {
			bad("professors", SkipInvalidField, fmt.Sprintf("each name at most %d characters, no control characters", MaxProfessorNameLen))
			break
		}
	}
	if n > MaxProfessors {
		bad("professors", SkipInvalidField, fmt.Sprintf("at most %d professors (got %d)", MaxProfessors, n))
	}
	var sch timegrid.Schedule
	if strings.TrimSpace(o.Schedule) == "" {
		bad("schedule", SkipEmptySchedule, "schedule is empty")
	} else if s, err := g.Parse(o.Schedule); err != nil {
		bad("schedule", SkipInvalidSchedule, err.Error())
	} else if s.Empty() {
		bad("schedule", SkipEmptySchedule, "schedule has no blocks")
	} else {
		sch = s
	}
	return sch, out
}

// Skipped is one offer not imported.
type Skipped struct {
	Row     int    `json:"row"` // 1-based position in the payload (CSV: line number)
	OfferID string `json:"offer_id"`
	Field   string `json:"field,omitempty"` // the offer field at fault (CSV column)
	Reason  string `json:"reason"`
	Detail  string `json:"detail"`
}

// Report is the outcome of an import.
type Report struct {
	Source              string                `json:"source"`
	Semester            string                `json:"semester"`
	Received            int                   `json:"received"`
	Created             int                   `json:"created"`
	Updated             int                   `json:"updated"`
	Unchanged           int                   `json:"unchanged"`
	Skipped             []Skipped             `json:"skipped"`
	Withdrawn           []string              `json:"withdrawn"`
	UnmatchedProfessors []string              `json:"unmatched_professors"`
	Rows                []store.UpsertOutcome `json:"rows"`
}

// NameKey normalises a person's name for matching: accents removed, lower case, runs of
// spaces and punctuation collapsed to one space.
func NameKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// Convert validates offers into demands. excluded holds programme codes to skip
// (compared case-insensitively); known holds the known professor name keys.
func Convert(g *timegrid.Grid, offers []Offer, excluded []string, known map[string]bool) ([]store.Demand, []Skipped, []string) {
	ex := map[string]bool{}
	for _, e := range excluded {
		ex[strings.ToUpper(strings.TrimSpace(e))] = true
	}
	var out []store.Demand
	var skipped []Skipped
	unmatched := map[string]bool{}
	seen := map[string]bool{}
	for i, o := range offers {
		row := i + 1
		code := strings.ToUpper(strings.TrimSpace(o.CourseCode))
		section := strings.TrimSpace(o.Section)
		id := strings.TrimSpace(o.OfferID)
		if id == "" && code != "" {
			id = code + "-" + section
		}
		reportID := id
		if tooLong(reportID, MaxOfferIDLen) {
			reportID = string([]rune(reportID)[:MaxOfferIDLen]) + "…"
		}
		skip := func(field, reason, detail string) {
			skipped = append(skipped, Skipped{Row: row, OfferID: reportID, Field: field, Reason: reason, Detail: detail})
		}
		if ex[strings.ToUpper(strings.TrimSpace(o.ProgramCode))] && o.ProgramCode != "" {
			skip("", SkipExcludedProgram, fmt.Sprintf("programme %s is excluded", o.ProgramCode))
			continue
		}
		sch, issues := CheckOffer(g, o)
		if len(issues) > 0 {
			details := make([]string, len(issues))
			for k, is := range issues {
				details[k] = is.Field + ": " + is.Detail
			}
			skip(issues[0].Field, issues[0].Reason, strings.Join(details, "; "))
			continue
		}
		if seen[id] {
			skip("offer_id", SkipDuplicate, "offer id "+id+" appears more than once")
			continue
		}
		seen[id] = true
		d := store.Demand{
			ExternalID: id, ProgramCode: strings.TrimSpace(o.ProgramCode), DisciplineCode: code,
			DisciplineName: strings.TrimSpace(o.CourseName), Section: section, Seats: *o.Seats,
			Schedule: g.Format(sch), Cells: Cells(g, sch), ProfessorNames: []string{}, ProfessorKeys: []string{},
		}
		for _, p := range o.Professors {
			p = strings.Join(strings.Fields(p), " ")
			k := NameKey(p)
			if k == "" || slices.Contains(d.ProfessorKeys, k) {
				continue
			}
			d.ProfessorNames = append(d.ProfessorNames, p)
			d.ProfessorKeys = append(d.ProfessorKeys, k)
			if !known[k] {
				unmatched[p] = true
			}
		}
		out = append(out, d)
	}
	names := make([]string, 0, len(unmatched))
	for n := range unmatched {
		names = append(names, n)
	}
	slices.Sort(names)
	return out, skipped, names
}

// Cells lists a schedule's cells as "2M1" codes.
func Cells(g *timegrid.Grid, s timegrid.Schedule) []string {
	out := []string{}
	for _, c := range s.Cells() {
		out = append(out, fmt.Sprintf("%d%s", int(c.Day), g.BlockCode(c.Block)))
	}
	return out
}

// DecodeOffers reads the API payload's "ofertas": an array of offers, or an object keyed
// by offer id (the older shape).
func DecodeOffers(raw json.RawMessage) ([]Offer, error) {
	var arr []Offer
	if err := json.Unmarshal(raw, &arr); err == nil {
		return arr, nil
	}
	var byKey map[string]Offer
	if err := json.Unmarshal(raw, &byKey); err != nil {
		return nil, errors.New(`"ofertas" must be an array of offers or an object of offers by id`)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]Offer, 0, len(keys))
	for _, k := range keys {
		o := byKey[k]
		if o.OfferID == "" {
			o.OfferID = k
		}
		out = append(out, o)
	}
	return out, nil
}

// Client fetches offers from the academic system.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// ErrNotConfigured means no academic API URL is set.
var ErrNotConfigured = errors.New("academic API URL is not configured (PLANTA_ACADEMIC_API_URL)")

// Fetch GETs {base}/{semester}.
func (c *Client) Fetch(ctx context.Context, semester string) ([]Offer, error) {
	if c.BaseURL == "" {
		return nil, ErrNotConfigured
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/"+url.PathEscape(semester), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("academic API: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("academic API answered %s", resp.Status)
	}
	var p Payload
	if err := json.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(&p); err != nil {
		return nil, fmt.Errorf("academic API: invalid JSON: %w", err)
	}
	if len(p.Offers) == 0 {
		return nil, errors.New(`academic API: payload has no "ofertas"`)
	}
	return DecodeOffers(p.Offers)
}

// ParseCSV reads offers from CSV with a header row. Columns (any order): course_code,
// course_name, section, schedule, seats (or seats_estimated); optional offer_id,
// program_code, professors ('|'-separated), room_type_needed, semester. Row numbers in
// the returned offers' order are CSV line numbers minus one.
func ParseCSV(r io.Reader) ([]Offer, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["seats"]; !ok {
		if i, ok := col["seats_estimated"]; ok {
			col["seats"] = i
		}
	}
	for _, need := range []string{"course_code", "section", "schedule", "seats"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("csv header: missing column %s", need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Offer
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
		o := Offer{OfferID: get(rec, "offer_id"), ProgramCode: get(rec, "program_code"), CourseCode: get(rec, "course_code"),
			CourseName: get(rec, "course_name"), Section: get(rec, "section"), Schedule: get(rec, "schedule"), RoomTypeNeeded: get(rec, "room_type_needed")}
		if n, err := strconv.Atoi(get(rec, "seats")); err == nil {
			o.Seats = &n
		}
		if p := get(rec, "professors"); p != "" {
			o.Professors = strings.Split(p, "|")
		}
		out = append(out, o)
		if len(out) > 20000 {
			return nil, errors.New("csv: more than 20000 rows")
		}
	}
	return out, nil
}
