package ical

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/planta-dev/planta/services/allocation/internal/recurrence"
)

func TestFoldKeepsOctetLimitAndRunes(t *testing.T) {
	long := "SUMMARY:" + strings.Repeat("Introdução à Administração ", 10)
	folded := Fold(long)
	if !strings.HasSuffix(folded, "\r\n") {
		t.Fatal("no CRLF")
	}
	for _, l := range strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets", len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("fold split a UTF-8 sequence: %q", l)
		}
	}
	unfolded := strings.ReplaceAll(strings.TrimSuffix(folded, "\r\n"), "\r\n ", "")
	if unfolded != long {
		t.Errorf("unfold mismatch")
	}
}

func TestEscape(t *testing.T) {
	if got := Escape("a,b;c\\d\ne"); got != `a\,b\;c\\d\ne` {
		t.Errorf("Escape = %q", got)
	}
}

func TestWriteUTC(t *testing.T) {
	var b strings.Builder
	start := time.Date(2025, 9, 8, 8, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	err := Write(&b, Calendar{Name: "Room A", Stamp: start, Events: []Event{{UID: "x@planta", Start: start, End: start.Add(time.Hour), Summary: "FUP0001, T1"}}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:", "DTSTART:20250908T110000Z\r\n", `SUMMARY:FUP0001\, T1`, "END:VCALENDAR\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("bare LF")
	}
}

func TestWriteZonedSeries(t *testing.T) {
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 9, 9, 14, 0, 0, 0, loc)
	var b strings.Builder
	err = Write(&b, Calendar{Name: "UAC AT-01", Stamp: start, Zone: loc, Events: []Event{{
		UID: "r-1@planta", Start: start, End: start.Add(110 * time.Minute), Summary: "Colegiado; pauta, geral — " + strings.Repeat("ação ", 20),
		RRule: "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=4", ExDates: []time.Time{time.Date(2025, 10, 14, 14, 0, 0, 0, loc)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"BEGIN:VTIMEZONE\r\nTZID:America/Sao_Paulo\r\n", "TZOFFSETFROM:-0300\r\nTZOFFSETTO:-0300\r\n",
		"DTSTART;TZID=America/Sao_Paulo:20250909T140000\r\n", "DTEND;TZID=America/Sao_Paulo:20250909T155000\r\n",
		"RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=4\r\n", "EXDATE;TZID=America/Sao_Paulo:20251014T140000\r\n", `SUMMARY:Colegiado\; pauta\, geral`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) || strings.ContainsAny(l, "\r\n") {
			t.Errorf("bad content line %q", l)
		}
	}
}

// rfcExpand is an independent, brute-force reading of the RFC 5545 RRULE subset Planta
// writes (FREQ DAILY/WEEKLY/MONTHLY, INTERVAL, BYDAY, BYMONTHDAY, BYSETPOS, WKST=MO,
// COUNT, UNTIL): every day from DTSTART is tested against the rule's definition.
func rfcExpand(t *testing.T, dtstart time.Time, rrule string, limit time.Time) []string {
	t.Helper()
	p := map[string]string{}
	for _, kv := range strings.Split(rrule, ";") {
		k, v, _ := strings.Cut(kv, "=")
		p[k] = v
	}
	interval := 1
	if v := p["INTERVAL"]; v != "" {
		interval, _ = strconv.Atoi(v)
	}
	days := map[time.Weekday]bool{}
	for _, d := range strings.Split(p["BYDAY"], ",") {
		for i, n := range byDay {
			if d == n {
				days[time.Weekday(i)] = true
			}
		}
	}
	count, _ := strconv.Atoi(p["COUNT"])
	until := limit
	if u := p["UNTIL"]; u != "" {
		ut, err := time.Parse(utcLayout, u)
		if err != nil {
			t.Fatal(err)
		}
		until = ut
	}
	weekStart := func(d time.Time) time.Time { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) }
	var out []string
	for d := dtstart; !d.After(until) && !d.After(limit); d = d.AddDate(0, 0, 1) {
		ok := false
		switch p["FREQ"] {
		case "DAILY":
			ok = int(d.Sub(dtstart).Hours()/24+0.5)%interval == 0
		case "WEEKLY":
			weeks := int(weekStart(d).Sub(weekStart(dtstart)).Hours()/24+0.5) / 7
			ok = weeks%interval == 0 && (days[d.Weekday()] || (len(days) == 0 && d.Weekday() == dtstart.Weekday()))
		case "MONTHLY":
			months := (d.Year()-dtstart.Year())*12 + int(d.Month()) - int(dtstart.Month())
			if months%interval != 0 {
				break
			}
			if md := p["BYMONTHDAY"]; md != "" {
				ok = strconv.Itoa(d.Day()) == md
				break
			}
			// BYDAY + BYSETPOS: the pos-th of the month's days with that weekday.
			var set []int
			for x := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location()); x.Month() == d.Month(); x = x.AddDate(0, 0, 1) {
				if days[x.Weekday()] {
					set = append(set, x.Day())
				}
			}
			pos, _ := strconv.Atoi(p["BYSETPOS"])
			if pos < 0 {
				pos = len(set) + pos + 1
			}
			ok = pos >= 1 && pos <= len(set) && set[pos-1] == d.Day()
		}
		if !ok {
			continue
		}
		out = append(out, d.Format("2006-01-02"))
		if count > 0 && len(out) == count {
			break
		}
	}
	return out
}

func TestRRuleRoundTripsRecurrenceExpand(t *testing.T) {
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	until := func(y int, m time.Month, d int) *recurrence.Date { x := recurrence.D(y, m, d); return &x }
	start := recurrence.D(2025, 9, 5) // a Friday
	rules := []recurrence.Rule{
		{Kind: recurrence.Daily, Start: start, Count: 10},
		{Kind: recurrence.Daily, Start: start, Interval: 3, Until: until(2025, 12, 1)},
		{Kind: recurrence.Weekly, Start: start, Weekdays: []time.Weekday{time.Monday, time.Wednesday}, Count: 9},
		{Kind: recurrence.Weekly, Start: start, Interval: 2, Weekdays: []time.Weekday{time.Monday, time.Friday}, Until: until(2026, 1, 31)},
		{Kind: recurrence.Weekly, Start: start, Interval: 3, Count: 5},
		{Kind: recurrence.MonthlyByDay, Start: recurrence.D(2025, 8, 31), Day: 31, Count: 6},
		{Kind: recurrence.MonthlyByDay, Start: start, Day: 30, Interval: 2, Until: until(2026, 8, 1)},
		{Kind: recurrence.MonthlyByWeekday, Start: start, Position: 2, Weekday: time.Tuesday, Count: 4},
		{Kind: recurrence.MonthlyByWeekday, Start: start, Position: 5, Weekday: time.Friday, Until: until(2026, 6, 30)},
		{Kind: recurrence.MonthlyByWeekday, Start: start, Position: recurrence.Last, Weekday: time.Friday, Interval: 2, Count: 5},
	}
	limit := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	for i, r := range rules {
		want, err := recurrence.Expand(r, r.Start, recurrence.D(2026, 12, 31))
		if err != nil || len(want) == 0 {
			t.Fatalf("rule %d: %v", i, err)
		}
		rr := RRule(r, loc)
		first := time.Date(want[0].Year, want[0].Month, want[0].Day, 0, 0, 0, 0, loc)
		got := rfcExpand(t, first, rr, limit)
		ws := make([]string, len(want))
		for k, d := range want {
			ws[k] = d.String()
		}
		if fmt.Sprint(got) != fmt.Sprint(ws) {
			t.Errorf("rule %d %s:\n RFC  %v\n ours %v", i, rr, got, ws)
		}
	}
	if RRule(recurrence.Rule{Kind: recurrence.Single, Start: start}, loc) != "" {
		t.Error("single has an RRULE")
	}
}
