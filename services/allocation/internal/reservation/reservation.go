// Package reservation turns an event-reservation request (room, blocks, recurrence) into
// its dated occurrences, validated field by field. Conflict checks against allocations,
// holds and other reservations happen in the store, in the same transaction as the write,
// and are backed by the database's exclusion constraint.
package reservation

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/recurrence"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Recurrence is the JSON recurrence of a reservation request.
type Recurrence struct {
	Kind     string `json:"kind"` // single, daily, weekly, monthly_by_day, monthly_by_weekday
	Start    string `json:"start"`
	Interval *int   `json:"interval,omitempty"`     // 1–366; absent = 1
	Weekdays []int  `json:"weekdays,omitempty"`     // weekly: academic day codes 1 (Sun) … 7 (Sat)
	Day      int    `json:"day_of_month,omitempty"` // monthly_by_day
	Position int    `json:"position,omitempty"`     // monthly_by_weekday: 1–5, -1 = last
	Weekday  int    `json:"weekday,omitempty"`      // monthly_by_weekday: academic day code
	Until    string `json:"until,omitempty"`
	Count    int    `json:"count,omitempty"`
}

// MaxHorizon bounds how far ahead a series may run.
const MaxHorizon = 366 * 24 * time.Hour

// MaxOccurrences bounds the rows one request may create (dates × blocks).
const MaxOccurrences = 3000

// FieldError names the invalid field of a request.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func parseDate(field, s string) (recurrence.Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return recurrence.Date{}, &FieldError{field, "must be a date YYYY-MM-DD"}
	}
	return recurrence.D(t.Year(), t.Month(), t.Day()), nil
}

func weekday(field string, code int) (time.Weekday, error) {
	if code < 1 || code > 7 {
		return 0, &FieldError{field, "must be a day code 1 (Sunday) … 7 (Saturday)"}
	}
	return timegrid.Day(code).Weekday(), nil
}

// Rule converts the request to a recurrence rule.
func (r Recurrence) Rule() (recurrence.Rule, error) {
	start, err := parseDate("recurrence.start", r.Start)
	if err != nil {
		return recurrence.Rule{}, err
	}
	rule := recurrence.Rule{Kind: recurrence.Kind(r.Kind), Start: start, Day: r.Day, Position: r.Position, Count: r.Count}
	if r.Interval != nil {
		// An explicit 0 is refused like any other out-of-range value (the rule's own 0
		// means "absent").
		if *r.Interval < 1 || *r.Interval > 366 {
			return rule, &FieldError{"recurrence.interval", "must be 1–366"}
		}
		rule.Interval = *r.Interval
	}
	switch rule.Kind {
	case recurrence.Single, recurrence.Daily, recurrence.Weekly, recurrence.MonthlyByDay, recurrence.MonthlyByWeekday:
	default:
		return rule, &FieldError{"recurrence.kind", "must be single, daily, weekly, monthly_by_day or monthly_by_weekday"}
	}
	for _, w := range r.Weekdays {
		wd, err := weekday("recurrence.weekdays", w)
		if err != nil {
			return rule, err
		}
		rule.Weekdays = append(rule.Weekdays, wd)
	}
	if rule.Kind == recurrence.MonthlyByWeekday {
		if rule.Weekday, err = weekday("recurrence.weekday", r.Weekday); err != nil {
			return rule, err
		}
	}
	if r.Until != "" {
		u, err := parseDate("recurrence.until", r.Until)
		if err != nil {
			return rule, err
		}
		rule.Until = &u
	}
	if rule.Kind == recurrence.Single && rule.Until == nil && rule.Count == 0 {
		rule.Count = 1
	}
	if err := rule.Validate(); err != nil {
		return rule, ruleError(err)
	}
	return rule, nil
}

// jsonField maps a recurrence.Rule field to its name in the request's recurrence.
var jsonField = map[string]string{"day": "day_of_month"}

// ruleError names a recurrence package error by the request's JSON field.
func ruleError(err error) error {
	var fe *recurrence.FieldError
	if !errors.As(err, &fe) {
		return &FieldError{"recurrence", err.Error()}
	}
	f := fe.Field
	if j, ok := jsonField[f]; ok {
		f = j
	}
	return &FieldError{"recurrence." + f, fe.Reason}
}

// Occurrences is an expanded request: parallel dates and blocks, one per row.
type Occurrences struct {
	Dates  []string
	Blocks []int16
}

// Expand validates the blocks and recurrence and lists every (date, block). today is the
// local civil date: a series may not start in the past nor run beyond MaxHorizon.
func Expand(g *timegrid.Grid, blockCodes []string, r Recurrence, today time.Time) (Occurrences, error) {
	var occ Occurrences
	if len(blockCodes) == 0 {
		return occ, &FieldError{"blocks", "at least one block code (e.g. M1) is required"}
	}
	var blocks []timegrid.Block
	seen := map[timegrid.Block]bool{}
	for _, c := range blockCodes {
		b, err := g.ParseBlockCode(strings.TrimSpace(c))
		if err != nil {
			return occ, &FieldError{"blocks", fmt.Sprintf("%q is not a block of the grid", c)}
		}
		if !seen[b] {
			seen[b] = true
			blocks = append(blocks, b)
		}
	}
	rule, err := r.Rule()
	if err != nil {
		return occ, err
	}
	t0 := recurrence.D(today.Year(), today.Month(), today.Day())
	if rule.Start.Before(t0) {
		return occ, &FieldError{"recurrence.start", "must not be in the past"}
	}
	endT := today.Add(MaxHorizon)
	end := recurrence.D(endT.Year(), endT.Month(), endT.Day())
	if end.Before(rule.Start) {
		return occ, &FieldError{"recurrence.start", fmt.Sprintf("must be within a year from today (on or before %s)", end)}
	}
	if rule.Until != nil && end.Before(*rule.Until) {
		return occ, &FieldError{"recurrence.until", fmt.Sprintf("must be within a year from today (on or before %s)", end)}
	}
	dates, err := recurrence.Expand(rule, rule.Start, end)
	if err != nil {
		return occ, ruleError(err)
	}
	if rule.Count > 0 && len(dates) < rule.Count {
		return occ, &FieldError{"recurrence.count", fmt.Sprintf("only %d occurrences fit within a year from today", len(dates))}
	}
	if len(dates) == 0 {
		return occ, &FieldError{"recurrence", "the rule yields no occurrence"}
	}
	if len(dates)*len(blocks) > MaxOccurrences {
		return occ, &FieldError{"recurrence", fmt.Sprintf("%d occurrences exceed the limit of %d", len(dates)*len(blocks), MaxOccurrences)}
	}
	for _, d := range dates {
		for _, b := range blocks {
			occ.Dates = append(occ.Dates, d.String())
			occ.Blocks = append(occ.Blocks, int16(b))
		}
	}
	return occ, nil
}
