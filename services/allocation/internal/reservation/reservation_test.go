package reservation

import (
	"errors"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

var today = time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)

func TestExpandMonthlyByPosition(t *testing.T) {
	occ, err := Expand(timegrid.Default(), []string{"T2"}, Recurrence{Kind: "monthly_by_weekday", Start: "2025-09-01", Position: 5, Weekday: 3, Until: "2026-03-31"}, today)
	if err != nil {
		t.Fatal(err)
	}
	// 5th Tuesdays between Sep 2025 and Mar 2026: 30 Sep, 30 Dec, 31 Mar.
	if got := len(occ.Dates); got != 3 || occ.Dates[0] != "2025-09-30" || occ.Dates[1] != "2025-12-30" || occ.Dates[2] != "2026-03-31" {
		t.Fatalf("%v", occ.Dates)
	}
}

func TestExpandFieldErrors(t *testing.T) {
	g := timegrid.Default()
	for _, c := range []struct {
		blocks []string
		rec    Recurrence
		field  string
	}{
		{nil, Recurrence{Kind: "single", Start: "2025-09-02"}, "blocks"},
		{[]string{"X9"}, Recurrence{Kind: "single", Start: "2025-09-02"}, "blocks"},
		{[]string{"M1"}, Recurrence{Kind: "yearly", Start: "2025-09-02", Count: 1}, "recurrence.kind"},
		{[]string{"M1"}, Recurrence{Kind: "single", Start: "02/09/2025"}, "recurrence.start"},
		{[]string{"M1"}, Recurrence{Kind: "single", Start: "2025-08-02"}, "recurrence.start"},
		{[]string{"M1"}, Recurrence{Kind: "daily", Start: "2025-09-02", Until: "2027-01-01"}, "recurrence.until"},
		{[]string{"M1"}, Recurrence{Kind: "weekly", Start: "2025-09-02", Weekdays: []int{9}, Count: 2}, "recurrence.weekdays"},
		{[]string{"M1"}, Recurrence{Kind: "daily", Start: "2025-09-02"}, "recurrence.until"},
	} {
		_, err := Expand(g, c.blocks, c.rec, today)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: got %v, want field %s", c.rec, err, c.field)
		}
	}
}

func TestExpandWeeklyBlocks(t *testing.T) {
	occ, err := Expand(timegrid.Default(), []string{"N1", "N2"}, Recurrence{Kind: "weekly", Start: "2025-09-01", Weekdays: []int{2, 4}, Count: 4}, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(occ.Dates) != 8 || occ.Dates[0] != "2025-09-01" || occ.Dates[2] != "2025-09-03" || occ.Blocks[1] != 12 {
		t.Fatalf("%v %v", occ.Dates, occ.Blocks)
	}
}

func TestExpandNamesTheRequestField(t *testing.T) {
	g := timegrid.Default()
	iv := func(n int) *int { return &n }
	// today is 2025-09-01: the horizon ends 2026-09-02.
	for _, c := range []struct {
		name   string
		rec    Recurrence
		field  string
		reason string
	}{
		{"day_of_month 32", Recurrence{Kind: "monthly_by_day", Start: "2025-09-02", Day: 32, Count: 2}, "recurrence.day_of_month", "must be 1–31"},
		{"single beyond a year", Recurrence{Kind: "single", Start: "2026-12-01"}, "recurrence.start", "must be within a year from today (on or before 2026-09-02)"},
		{"series starting beyond a year", Recurrence{Kind: "daily", Start: "2026-09-03", Count: 1}, "recurrence.start", "must be within a year from today (on or before 2026-09-02)"},
		{"until beyond a year", Recurrence{Kind: "daily", Start: "2025-09-02", Until: "2026-09-03"}, "recurrence.until", "must be within a year from today (on or before 2026-09-02)"},
		{"interval 0", Recurrence{Kind: "daily", Start: "2025-09-02", Interval: iv(0), Count: 2}, "recurrence.interval", "must be 1–366"},
		{"interval -1", Recurrence{Kind: "daily", Start: "2025-09-02", Interval: iv(-1), Count: 2}, "recurrence.interval", "must be 1–366"},
		{"interval 367", Recurrence{Kind: "weekly", Start: "2025-09-02", Interval: iv(367), Count: 2}, "recurrence.interval", "must be 1–366"},
	} {
		_, err := Expand(g, []string{"M1"}, c.rec, today)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || fe.Reason != c.reason {
			t.Errorf("%s: got %v, want %s: %s", c.name, err, c.field, c.reason)
		}
	}
	for _, rec := range []Recurrence{
		{Kind: "single", Start: "2026-09-02"},
		{Kind: "daily", Start: "2025-09-02", Interval: iv(1), Count: 2},
		{Kind: "daily", Start: "2025-09-02", Interval: iv(366), Count: 1},
		{Kind: "daily", Start: "2025-09-02", Until: "2026-09-02"},
	} {
		if _, err := Expand(g, []string{"M1"}, rec, today); err != nil {
			t.Errorf("%+v: %v", rec, err)
		}
	}
}
