package timegrid

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func cells(g *Grid, spec ...string) Schedule {
	var s Schedule
	for _, c := range spec { // "2M1"
		b, err := g.ParseBlockCode(c[1:])
		if err != nil {
			panic(err)
		}
		s.Add(Day(c[0]-'0'), b)
	}
	return s
}

func TestParseValid(t *testing.T) {
	g := Default()
	tests := []struct {
		in        string
		want      Schedule
		canonical string
	}{
		{"", Schedule{}, ""},
		{"   ", Schedule{}, ""},
		{"24M12 6T34", cells(g, "2M1", "2M2", "4M1", "4M2", "6T3", "6T4"), "24M12 6T34"},
		{"4N1234", cells(g, "4N1", "4N2", "4N3", "4N4"), "4N1234"},
		{"2N34 4N12", cells(g, "2N3", "2N4", "4N1", "4N2"), "2N34 4N12"},
		{"6N1234 7M34", cells(g, "6N1", "6N2", "6N3", "6N4", "7M3", "7M4"), "7M34 6N1234"},
		{"2M1,2M2", cells(g, "2M1", "2M2"), "2M12"},
		{"2M21", cells(g, "2M1", "2M2"), "2M12"},
		{"42M12", cells(g, "2M1", "2M2", "4M1", "4M2"), "24M12"},
		{"2M12 2M12", cells(g, "2M1", "2M2"), "2M12"},
		{"23456M5", cells(g, "2M5", "3M5", "4M5", "5M5", "6M5"), "23456M5"},
		{"23456T6 7T6", cells(g, "2T6", "3T6", "4T6", "5T6", "6T6", "7T6"), "23456T6 7T6"},
		{"2T123456", cells(g, "2T1", "2T2", "2T3", "2T4", "2T5", "2T6"), "2T123456"},
		{"2M13", cells(g, "2M1", "2M3"), "2M13"},
		{"3T2345 7T1234", cells(g, "3T2", "3T3", "3T4", "3T5", "7T1", "7T2", "7T3", "7T4"), "3T2345 7T1234"},
	}
	for _, tt := range tests {
		got, err := g.Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got.Cells(), tt.want.Cells())
		}
		if f := g.Format(got); f != tt.canonical {
			t.Errorf("Format(Parse(%q)) = %q, want %q", tt.in, f, tt.canonical)
		}
	}
}

func TestParseInvalidTokensReported(t *testing.T) {
	g := Default()
	tests := []struct {
		in        string
		offset    int
		reason    string
		validKept int // cells kept from the valid tokens
	}{
		{"2N5", 0, "block N5 does not exist", 0},
		{"24M12 2M67", 6, "block M6 does not exist", 4},
		{"234567M12", 0, "6 day digits", 0},
		{"2M12345678", 0, "block M6 does not exist", 0},
		{"2T8", 0, "slot digit 8 out of range", 0},
		{"2m12", 0, "must be upper case", 0},
		{"2X12", 0, "unknown shift", 0},
		{"24M12(01/03)", 0, "unexpected trailing text", 0},
		{"M12", 0, "missing day digits", 0},
		{"8M12", 0, "day digit 8 out of range", 0},
		{"1M12", 0, "day digit 1 out of range", 0},
		{"24", 0, "missing shift letter", 0},
		{"2M", 0, "missing slot digits", 0},
		{"22M1", 0, "day 2 repeated", 0},
		{"2M11", 0, "slot 1 repeated", 0},
		{"2M0", 0, "slot digit 0 out of range", 0},
		{"3T23 foo 5N12", 5, "missing day digits", 4},
	}
	for _, tt := range tests {
		got, err := g.Parse(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): want *ParseError, got %v", tt.in, err)
			continue
		}
		if len(pe.Tokens) != 1 || pe.Tokens[0].Offset != tt.offset || !strings.Contains(pe.Tokens[0].Reason, tt.reason) {
			t.Errorf("Parse(%q): got %v, want offset %d reason containing %q", tt.in, pe.Tokens, tt.offset, tt.reason)
		}
		if got.Len() != tt.validKept {
			t.Errorf("Parse(%q): kept %d cells, want %d", tt.in, got.Len(), tt.validKept)
		}
	}
}

func TestParseReportsEveryBadToken(t *testing.T) {
	_, err := Parse("2Q1 24M12 9M1 3T7")
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Tokens) != 3 {
		t.Fatalf("want 3 token errors, got %v", err)
	}
	for i, off := range []int{0, 10, 14} {
		if pe.Tokens[i].Offset != off {
			t.Errorf("token %d offset %d, want %d", i, pe.Tokens[i].Offset, off)
		}
	}
	if !strings.Contains(err.Error(), "3T7") {
		t.Errorf("error message should quote the token: %v", err)
	}
}

func TestConfigurableGrid(t *testing.T) {
	g := Default()
	g.Name = "weekdays"
	g.Days = []Day{2, 3, 4, 5, 6}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Parse("7M12"); err == nil || !strings.Contains(err.Error(), "not in grid") {
		t.Fatalf("Saturday must be rejected by a weekday grid: %v", err)
	}
	bad := &Grid{Name: "bad", Days: []Day{2, 2}, Shifts: []ShiftDef{{Code: 'm'}}, Location: "Nowhere/City"}
	if err := bad.Validate(); err == nil {
		t.Fatal("invalid grid accepted")
	}
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	if Default().NumBlocks() != 15 {
		t.Fatal("default grid must have 15 blocks")
	}
}

func TestBlockTimes(t *testing.T) {
	g := Default()
	want := map[string]string{
		"M1": "08:00-08:55", "M2": "08:55-09:50", "M3": "10:00-10:55", "M4": "10:55-11:50", "M5": "12:00-12:55",
		"T1": "12:55-13:50", "T2": "14:00-14:55", "T3": "14:55-15:50", "T4": "16:00-16:55", "T5": "16:55-17:50", "T6": "18:00-18:55",
		"N1": "19:00-19:50", "N2": "19:50-20:40", "N3": "20:50-21:40", "N4": "21:40-22:30",
	}
	for code, span := range want {
		b, err := g.ParseBlockCode(code)
		if err != nil {
			t.Fatal(err)
		}
		if g.BlockCode(b) != code {
			t.Errorf("BlockCode(%d) = %s, want %s", b, g.BlockCode(b), code)
		}
		def, _ := g.BlockTimes(b)
		if got := def.Start.String() + "-" + def.End.String(); got != span {
			t.Errorf("%s = %s, want %s", code, got, span)
		}
	}
}

func TestIntervalSaoPaulo(t *testing.T) {
	g := Default()
	monday := DateOfWeek(time.Date(2025, 9, 10, 15, 0, 0, 0, time.UTC), 2) // week of Wed 10 Sep 2025
	if monday.Format("2006-01-02") != "2025-09-08" {
		t.Fatalf("DateOfWeek = %s", monday)
	}
	sat := DateOfWeek(monday, 7)
	if sat.Format("2006-01-02") != "2025-09-13" || DayOf(sat.Weekday()) != 7 {
		t.Fatalf("Saturday = %s", sat)
	}
	n4, _ := g.ParseBlockCode("N4")
	start, end, err := g.Interval(monday, n4)
	if err != nil {
		t.Fatal(err)
	}
	if got := start.UTC().Format(time.RFC3339); got != "2025-09-09T00:40:00Z" { // 21:40 at UTC-3
		t.Errorf("N4 start UTC = %s", got)
	}
	if end.Sub(start) != 50*time.Minute {
		t.Errorf("N4 length %v", end.Sub(start))
	}
	if start.Location().String() != "America/Sao_Paulo" {
		t.Errorf("location %s", start.Location())
	}
}

func TestHuman(t *testing.T) {
	s, _ := Parse("24M12 6T34")
	if got := Default().Human(s); got != "MON 08:00–09:50, WED 08:00–09:50, FRI 14:55–16:55" {
		t.Errorf("Human = %q", got)
	}
}

// FuzzParse: Parse never panics; its error lists tokens with valid offsets;
// whenever it succeeds, the canonical form parses to the same schedule and is
// a fixed point of Format∘Parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"24M12 6T34", "2N5", "234567M12", "3T2345 7T1234", "2m12,4N34", "24M12(01/03)", "", "7T123456 23456N1234"} {
		f.Add(s)
	}
	g := Default()
	f.Fuzz(func(t *testing.T, in string) {
		sch, err := g.Parse(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || len(pe.Tokens) == 0 {
				t.Fatalf("Parse(%q): unexpected error type %T %v", in, err, err)
			}
			for _, te := range pe.Tokens {
				if te.Offset < 0 || te.Offset+len(te.Token) > len(in) || in[te.Offset:te.Offset+len(te.Token)] != te.Token || te.Reason == "" {
					t.Fatalf("Parse(%q): bad token error %+v", in, te)
				}
			}
		}
		canon := g.Format(sch)
		again, err := g.Parse(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, in, err)
		}
		if again != sch {
			t.Fatalf("round trip of %q via %q changed cells", in, canon)
		}
		if g.Format(again) != canon {
			t.Fatalf("Format not idempotent for %q", in)
		}
	})
}
