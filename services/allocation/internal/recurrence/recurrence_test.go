package recurrence

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func ds(ds []Date) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, " ")
}

func until(y int, m time.Month, d int) *Date { x := D(y, m, d); return &x }

func TestExpand(t *testing.T) {
	y := D(2025, 1, 1)
	z := D(2026, 12, 31)
	tests := []struct {
		name string
		r    Rule
		want string
	}{
		{"single", Rule{Kind: Single, Start: D(2025, 3, 10)}, "2025-03-10"},
		{"daily count", Rule{Kind: Daily, Start: D(2025, 2, 27), Count: 4}, "2025-02-27 2025-02-28 2025-03-01 2025-03-02"},
		{"daily every 2 until", Rule{Kind: Daily, Start: D(2025, 3, 1), Interval: 2, Until: until(2025, 3, 7)}, "2025-03-01 2025-03-03 2025-03-05 2025-03-07"},
		{"weekly mon+wed", Rule{Kind: Weekly, Start: D(2025, 9, 3), Weekdays: []time.Weekday{time.Monday, time.Wednesday}, Count: 4}, "2025-09-03 2025-09-08 2025-09-10 2025-09-15"},
		{"weekly default day, fortnightly", Rule{Kind: Weekly, Start: D(2025, 9, 5), Interval: 2, Count: 3}, "2025-09-05 2025-09-19 2025-10-03"},
		// 31st: months without a 31st are skipped, no drift.
		{"monthly day 31", Rule{Kind: MonthlyByDay, Start: D(2025, 1, 31), Count: 4}, "2025-01-31 2025-03-31 2025-05-31 2025-07-31"},
		{"monthly day 30 skips February", Rule{Kind: MonthlyByDay, Start: D(2025, 1, 30), Until: until(2025, 4, 30)}, "2025-01-30 2025-03-30 2025-04-30"},
		{"Feb 29 leap years only", Rule{Kind: MonthlyByDay, Start: D(2024, 1, 29), Interval: 1, Until: until(2025, 3, 31)}, "2024-01-29 2024-02-29 2024-03-29 2024-04-29 2024-05-29 2024-06-29 2024-07-29 2024-08-29 2024-09-29 2024-10-29 2024-11-29 2024-12-29 2025-01-29 2025-03-29"},
		{"day 15 starting after the 15th", Rule{Kind: MonthlyByDay, Start: D(2025, 1, 20), Day: 15, Count: 2}, "2025-02-15 2025-03-15"},
		{"2nd Tuesday", Rule{Kind: MonthlyByWeekday, Start: D(2025, 1, 1), Position: 2, Weekday: time.Tuesday, Count: 3}, "2025-01-14 2025-02-11 2025-03-11"},
		// Months with 4 and 5 Fridays: Jan 2025 has 5 (31st), Feb 2025 has 4.
		{"5th Friday skips 4-Friday months", Rule{Kind: MonthlyByWeekday, Start: D(2025, 1, 1), Position: 5, Weekday: time.Friday, Until: until(2025, 6, 30)}, "2025-01-31 2025-05-30"},
		{"last Friday", Rule{Kind: MonthlyByWeekday, Start: D(2025, 1, 1), Position: Last, Weekday: time.Friday, Count: 3}, "2025-01-31 2025-02-28 2025-03-28"},
		{"4th Friday in 4- and 5-Friday months", Rule{Kind: MonthlyByWeekday, Start: D(2025, 1, 1), Position: 4, Weekday: time.Friday, Count: 2}, "2025-01-24 2025-02-28"},
		{"December position 5 does not overflow", Rule{Kind: MonthlyByWeekday, Start: D(2025, 12, 1), Position: 5, Weekday: time.Wednesday, Count: 2}, "2025-12-31 2026-04-29"},
		{"last Sunday of Feb in leap year", Rule{Kind: MonthlyByWeekday, Start: D(2024, 2, 1), Position: Last, Weekday: time.Thursday, Count: 1}, "2024-02-29"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.r, y, z)
		if tt.r.Start.Year == 2024 {
			got, err = Expand(tt.r, D(2024, 1, 1), z)
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ds(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, ds(got), tt.want)
		}
	}
}

func TestExpandWindowKeepsCountFromStart(t *testing.T) {
	r := Rule{Kind: Weekly, Start: D(2025, 3, 3), Count: 4} // 3,10,17,24 March
	got, err := Expand(r, D(2025, 3, 15), D(2025, 12, 31))
	if err != nil || ds(got) != "2025-03-17 2025-03-24" {
		t.Fatalf("got %s, %v", ds(got), err)
	}
}

func TestBadInputNamesField(t *testing.T) {
	tests := []struct {
		r     Rule
		field string
	}{
		{Rule{Kind: Daily, Start: D(2025, 2, 30), Count: 1}, "start"},
		{Rule{Kind: "yearly", Start: D(2025, 2, 1), Count: 1}, "kind"},
		{Rule{Kind: Daily, Start: D(2025, 2, 1)}, "until"},
		{Rule{Kind: Daily, Start: D(2025, 2, 1), Count: 2, Until: until(2025, 3, 1)}, "count"},
		{Rule{Kind: Daily, Start: D(2025, 2, 1), Until: until(2025, 1, 1)}, "until"},
		{Rule{Kind: MonthlyByDay, Start: D(2025, 2, 1), Day: 32, Count: 1}, "day"},
		{Rule{Kind: MonthlyByWeekday, Start: D(2025, 2, 1), Position: 6, Count: 1}, "position"},
		{Rule{Kind: MonthlyByWeekday, Start: D(2025, 2, 1), Position: 1, Weekday: 9, Count: 1}, "weekday"},
		{Rule{Kind: Weekly, Start: D(2025, 2, 1), Weekdays: []time.Weekday{8}, Count: 1}, "weekdays"},
		{Rule{Kind: Daily, Start: D(2025, 2, 1), Interval: -1, Count: 1}, "interval"},
		{Rule{Kind: Daily, Start: D(2025, 2, 1), Count: MaxOccurrences + 1}, "count"},
	}
	for _, tt := range tests {
		_, err := Expand(tt.r, D(2025, 1, 1), D(2025, 12, 31))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%+v: got %v, want field %s", tt.r, err, tt.field)
		}
	}
	if _, err := Expand(Rule{Kind: Single, Start: D(2025, 1, 1)}, D(2025, 2, 1), D(2025, 1, 1)); err == nil {
		t.Error("to before from accepted")
	}
}
