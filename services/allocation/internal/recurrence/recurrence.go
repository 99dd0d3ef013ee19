// Package recurrence expands event-reservation recurrence rules into
// occurrence dates: single, daily, weekly, monthly by day-of-month and
// monthly by weekday position ("2nd Tuesday", "last Friday"), ending at an
// until-date or after a count. Pure functions, civil dates (no time zone).
//
// Month-length rule: a monthly-by-day rule whose day does not exist in a
// month (31 in April, 29–31 in a non-leap February) SKIPS that month — it
// never drifts to the 28th/30th. Likewise a "5th weekday" rule skips months
// with only four such weekdays; use Position = Last for "last".
package recurrence

import (
	"fmt"
	"time"
)

// Date is a civil date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// D builds a Date.
func D(y int, m time.Month, d int) Date { return Date{y, m, d} }

func (d Date) t() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

func fromT(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

// Valid reports whether the date exists.
func (d Date) Valid() bool { return d.Month >= 1 && d.Month <= 12 && d.Day >= 1 && fromT(d.t()) == d }

// Before reports d < o.
func (d Date) Before(o Date) bool { return d.t().Before(o.t()) }

// Weekday of the date.
func (d Date) Weekday() time.Weekday { return d.t().Weekday() }

// AddDays adds n days.
func (d Date) AddDays(n int) Date { return fromT(d.t().AddDate(0, 0, n)) }

func (d Date) String() string { return d.t().Format("2006-01-02") }

// Kind of recurrence.
type Kind string

// Recurrence kinds.
const (
	Single           Kind = "single"
	Daily            Kind = "daily"
	Weekly           Kind = "weekly"
	MonthlyByDay     Kind = "monthly_by_day"
	MonthlyByWeekday Kind = "monthly_by_weekday"
)

// Last is the Position value meaning "last <weekday> of the month".
const Last = -1

// MaxOccurrences bounds any expansion.
const MaxOccurrences = 5000

// Rule is a recurrence rule. Start is the first possible date; the series
// ends at Until (inclusive) or after Count occurrences (exactly one of the
// two, except for Single which needs neither).
type Rule struct {
	Kind     Kind
	Start    Date
	Interval int            // every N days/weeks/months; 0 means 1
	Weekdays []time.Weekday // Weekly: days of the week; empty = Start's weekday
	Day      int            // MonthlyByDay: 1–31; 0 = Start's day
	Position int            // MonthlyByWeekday: 1–5 or Last
	Weekday  time.Weekday   // MonthlyByWeekday
	Until    *Date
	Count    int
}

// FieldError names the invalid field of a Rule.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("recurrence: %s: %s", e.Field, e.Reason) }

// Validate checks the rule.
func (r Rule) Validate() error {
	if !r.Start.Valid() {
		return &FieldError{"start", fmt.Sprintf("%d-%02d-%02d is not a date", r.Start.Year, r.Start.Month, r.Start.Day)}
	}
	if r.Interval < 0 || r.Interval > 366 {
		return &FieldError{"interval", "must be 1–366"}
	}
	switch r.Kind {
	case Single:
		return nil
	case Daily:
	case Weekly:
		for _, w := range r.Weekdays {
			if w < time.Sunday || w > time.Saturday {
				return &FieldError{"weekdays", fmt.Sprintf("%d is not a weekday", w)}
			}
		}
	case MonthlyByDay:
		if r.Day == 0 {
			r.Day = r.Start.Day
		}
		if r.Day < 1 || r.Day > 31 {
			return &FieldError{"day", "must be 1–31"}
		}
	case MonthlyByWeekday:
		if r.Position != Last && (r.Position < 1 || r.Position > 5) {
			return &FieldError{"position", "must be 1–5 or last (-1)"}
		}
		if r.Weekday < time.Sunday || r.Weekday > time.Saturday {
			return &FieldError{"weekday", fmt.Sprintf("%d is not a weekday", r.Weekday)}
		}
	default:
		return &FieldError{"kind", fmt.Sprintf("unknown kind %q", r.Kind)}
	}
	switch {
	case r.Until == nil && r.Count == 0:
		return &FieldError{"until", "either until or count is required"}
	case r.Until != nil && r.Count != 0:
		return &FieldError{"count", "give until or count, not both"}
	case r.Count < 0 || r.Count > MaxOccurrences:
		return &FieldError{"count", fmt.Sprintf("must be 1–%d", MaxOccurrences)}
	case r.Until != nil && !r.Until.Valid():
		return &FieldError{"until", "is not a date"}
	case r.Until != nil && r.Until.Before(r.Start):
		return &FieldError{"until", "is before start"}
	}
	return nil
}

// Expand returns the occurrences of the rule within [from, to] (inclusive),
// ascending. Count is counted from Start, not from `from`.
func Expand(r Rule, from, to Date) ([]Date, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if !from.Valid() {
		return nil, &FieldError{"from", "is not a date"}
	}
	if !to.Valid() || to.Before(from) {
		return nil, &FieldError{"to", "is not a date on or after from"}
	}
	if r.Kind == MonthlyByDay && r.Day == 0 {
		r.Day = r.Start.Day
	}
	iv := r.Interval
	if iv == 0 {
		iv = 1
	}
	end := to
	if r.Until != nil && r.Until.Before(end) {
		end = *r.Until
	}
	var out []Date
	n := 0
	emit := func(d Date) bool { // false = stop
		if end.Before(d) || (r.Count > 0 && n >= r.Count) || n >= MaxOccurrences {
			return false
		}
		n++
		if !d.Before(from) {
			out = append(out, d)
		}
		return true
	}
	switch r.Kind {
	case Single:
		emit(r.Start)
	case Daily:
		for d := r.Start; emit(d); d = d.AddDays(iv) {
		}
	case Weekly:
		wd := map[time.Weekday]bool{}
		for _, w := range r.Weekdays {
			wd[w] = true
		}
		if len(wd) == 0 {
			wd[r.Start.Weekday()] = true
		}
		// Weeks start on the Monday of Start's week; every iv-th week.
		off := (int(r.Start.Weekday()) + 6) % 7
		monday := r.Start.AddDays(-off)
		for w := 0; ; w += iv {
			stop := false
			for i := 0; i < 7; i++ {
				d := monday.AddDays(7*w + i)
				if d.Before(r.Start) || !wd[d.Weekday()] {
					continue
				}
				if !emit(d) {
					stop = true
					break
				}
			}
			if stop {
				break
			}
		}
	case MonthlyByDay, MonthlyByWeekday:
		for k := 0; ; k += iv {
			first := Date{r.Start.Year, r.Start.Month, 1}.t().AddDate(0, k, 0)
			y, m := first.Year(), first.Month()
			if end.Before(Date{y, m, 1}) {
				break
			}
			d, ok := dayInMonth(r, y, m)
			if !ok || d.Before(r.Start) {
				continue // the month has no such day: skipped
			}
			if !emit(d) {
				break
			}
		}
	}
	return out, nil
}

func dayInMonth(r Rule, y int, m time.Month) (Date, bool) {
	if r.Kind == MonthlyByDay {
		d := Date{y, m, r.Day}
		return d, d.Valid()
	}
	if r.Position == Last {
		last := Date{y, m, 1}.t().AddDate(0, 1, -1)
		back := (int(last.Weekday()) - int(r.Weekday) + 7) % 7
		return fromT(last.AddDate(0, 0, -back)), true
	}
	first := Date{y, m, 1}.t()
	fwd := (int(r.Weekday) - int(first.Weekday()) + 7) % 7
	d := fromT(first.AddDate(0, 0, fwd+7*(r.Position-1)))
	return d, d.Month == m
}
