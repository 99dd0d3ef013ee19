// Package ical writes iCalendar (RFC 5545) feeds: CRLF line ends, content lines folded at
// 75 octets without splitting UTF-8 sequences, and TEXT values escaped.
//
// Times are local to the calendar's time zone (TZID, e.g. America/Sao_Paulo) and the
// calendar carries a VTIMEZONE for it. A series is one VEVENT with an RRULE (see RRule)
// and EXDATEs for the occurrences that do not take place.
package ical

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/planta-dev/planta/services/allocation/internal/recurrence"
)

// Event is one VEVENT. Start and End are wall-clock times in the calendar's zone.
type Event struct {
	UID         string
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	// RRule is the recurrence rule value ("FREQ=WEEKLY;..."), empty for a single event.
	RRule string
	// ExDates are the starts of the series' occurrences that do not take place.
	ExDates []time.Time
}

// Calendar is a VCALENDAR.
type Calendar struct {
	Name   string
	Stamp  time.Time // DTSTAMP of every event
	Zone   *time.Location
	Events []Event
}

// Escape escapes a TEXT value (RFC 5545 §3.3.11).
func Escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// Fold splits a content line into lines of at most 75 octets, continuation lines
// starting with one space, never inside a UTF-8 sequence; the result ends with CRLF.
func Fold(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

const (
	utcLayout   = "20060102T150405Z"
	localLayout = "20060102T150405"
)

var byDay = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// RRule renders a recurrence rule as an RFC 5545 RRULE value ("" for a single event).
// The event's DTSTART must be the rule's first occurrence (COUNT counts from it). UNTIL
// is the end of the until-date in loc, in UTC (required with a TZID DTSTART). Weeks start
// on Monday (WKST=MO) as in package recurrence; months without the day or the position
// are skipped, as RFC 5545 skips invalid dates and empty BYSETPOS sets.
func RRule(r recurrence.Rule, loc *time.Location) string {
	var parts []string
	switch r.Kind {
	case recurrence.Daily:
		parts = append(parts, "FREQ=DAILY")
	case recurrence.Weekly:
		parts = append(parts, "FREQ=WEEKLY")
	case recurrence.MonthlyByDay, recurrence.MonthlyByWeekday:
		parts = append(parts, "FREQ=MONTHLY")
	default:
		return ""
	}
	if r.Interval > 1 {
		parts = append(parts, fmt.Sprintf("INTERVAL=%d", r.Interval))
	}
	switch r.Kind {
	case recurrence.Weekly:
		seen := map[time.Weekday]bool{}
		for _, w := range r.Weekdays {
			seen[w] = true
		}
		if len(seen) == 0 {
			seen[r.Start.Weekday()] = true
		}
		var days []string
		for _, w := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
			if seen[w] {
				days = append(days, byDay[w])
			}
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","), "WKST=MO")
	case recurrence.MonthlyByDay:
		d := r.Day
		if d == 0 {
			d = r.Start.Day
		}
		parts = append(parts, fmt.Sprintf("BYMONTHDAY=%d", d))
	case recurrence.MonthlyByWeekday:
		parts = append(parts, "BYDAY="+byDay[r.Weekday], fmt.Sprintf("BYSETPOS=%d", r.Position))
	}
	switch {
	case r.Count > 0:
		parts = append(parts, fmt.Sprintf("COUNT=%d", r.Count))
	case r.Until != nil:
		parts = append(parts, "UNTIL="+EndOfDay(r.Until.Year, r.Until.Month, r.Until.Day, loc))
	}
	return strings.Join(parts, ";")
}

// EndOfDay is 23:59:59 of the date in loc, as an RFC 5545 UTC date-time.
func EndOfDay(y int, m time.Month, d int, loc *time.Location) string {
	return time.Date(y, m, d, 23, 59, 59, 0, loc).UTC().Format(utcLayout)
}

// vtimezone describes loc by its current offset: one STANDARD observance. Right for
// zones without daylight saving time now (America/Sao_Paulo since 2019); the times of
// past DST years are then shifted by an hour in clients that trust it over their own
// zone database, which they generally do not for a known TZID.
func vtimezone(loc *time.Location, at time.Time) []string {
	name, off := at.In(loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	o := fmt.Sprintf("%s%02d%02d", sign, off/3600, off%3600/60)
	return []string{"BEGIN:VTIMEZONE", "TZID:" + loc.String(), "BEGIN:STANDARD", "DTSTART:19700101T000000",
		"TZOFFSETFROM:" + o, "TZOFFSETTO:" + o, "TZNAME:" + Escape(name), "END:STANDARD", "END:VTIMEZONE"}
}

// Write renders the calendar.
func Write(w io.Writer, c Calendar) error {
	loc := c.Zone
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(Fold(s)) }
	local := func(prop string, t time.Time) string {
		if loc == time.UTC {
			return prop + ":" + t.UTC().Format(utcLayout)
		}
		return prop + ";TZID=" + loc.String() + ":" + t.In(loc).Format(localLayout)
	}
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Planta//Allocation//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if c.Name != "" {
		line("X-WR-CALNAME:" + Escape(c.Name))
	}
	if loc != time.UTC {
		line("X-WR-TIMEZONE:" + loc.String())
		for _, l := range vtimezone(loc, c.Stamp) {
			line(l)
		}
	}
	for _, e := range c.Events {
		line("BEGIN:VEVENT")
		line("UID:" + e.UID)
		line("DTSTAMP:" + c.Stamp.UTC().Format(utcLayout))
		line(local("DTSTART", e.Start))
		line(local("DTEND", e.End))
		if e.RRule != "" {
			line("RRULE:" + e.RRule)
		}
		if len(e.ExDates) > 0 {
			ds := make([]string, len(e.ExDates))
			for i, d := range e.ExDates {
				ds[i] = d.In(loc).Format(localLayout)
				if loc == time.UTC {
					ds[i] = d.UTC().Format(utcLayout)
				}
			}
			prop := "EXDATE"
			if loc != time.UTC {
				prop += ";TZID=" + loc.String()
			}
			line(prop + ":" + strings.Join(ds, ","))
		}
		line("SUMMARY:" + Escape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + Escape(e.Description))
		}
		if e.Location != "" {
			line("LOCATION:" + Escape(e.Location))
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}
