// Package timegrid models the academic weekly time grid (days × blocks) and
// parses the academic system's schedule strings such as "24M12 6T34".
//
// The default grid is the one used by the campus: days 2–7 (Monday–Saturday,
// academic codes) × 15 blocks in three shifts: M1–M5 (08:00–12:55),
// T1–T6 (12:55–18:55) and N1–N4 (19:00–22:30). Grids are plain values, so a
// tenant may configure a different one; the package holds no mutable state.
package timegrid

import (
	"errors"
	"fmt"
	"math/bits"
	"time"
	_ "time/tzdata" // embed the zone database: the service image is static
)

// Day is an academic weekday code: 1 = Sunday, 2 = Monday … 7 = Saturday.
type Day int

// Weekday converts the academic code to a time.Weekday.
func (d Day) Weekday() time.Weekday { return time.Weekday((int(d) - 1 + 7) % 7) }

// DayOf converts a time.Weekday to its academic code.
func DayOf(w time.Weekday) Day { return Day(int(w) + 1) }

var dayNames = [...]string{"", "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// String returns a short English name (MON, TUE, …).
func (d Day) String() string {
	if d >= 1 && d <= 7 {
		return dayNames[d]
	}
	return fmt.Sprintf("Day(%d)", int(d))
}

// Block is the index of a block within a day of a grid (0-based, in grid order:
// for the default grid M1 = 0 … M5 = 4, T1 = 5 … T6 = 10, N1 = 11 … N4 = 14).
type Block int

// BlockSet is a set of blocks of one day, bit i = Block i. Grids have at most
// 64 blocks per day.
type BlockSet uint64

// Has reports whether b is in the set.
func (s BlockSet) Has(b Block) bool { return b >= 0 && b < 64 && s&(1<<uint(b)) != 0 }

// With returns the set plus b.
func (s BlockSet) With(b Block) BlockSet { return s | 1<<uint(b) }

// Len is the number of blocks in the set.
func (s BlockSet) Len() int { return bits.OnesCount64(uint64(s)) }

// Blocks lists the blocks in ascending order.
func (s BlockSet) Blocks() []Block {
	out := make([]Block, 0, s.Len())
	for v := uint64(s); v != 0; v &= v - 1 {
		out = append(out, Block(bits.TrailingZeros64(v)))
	}
	return out
}

// Clock is a time of day in minutes after midnight.
type Clock int

// ParseClock parses "HH:MM".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("timegrid: clock %q: want HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 {
		return 0, fmt.Errorf("timegrid: clock %q: want HH:MM", s)
	}
	return Clock(h*60 + m), nil
}

// String formats as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// BlockDef is one block's wall-clock span.
type BlockDef struct {
	Start, End Clock
}

// ShiftDef is a shift (M, T, N) and its blocks; slot n of the shift is Blocks[n-1].
type ShiftDef struct {
	Code   byte
	Blocks []BlockDef
}

// Grid is a weekly time grid. Build one with Default or by hand and call Validate.
type Grid struct {
	Name     string
	Days     []Day
	Shifts   []ShiftDef
	Location string // IANA zone of the wall-clock times, e.g. America/Sao_Paulo
}

func c(h, m int) Clock { return Clock(h*60 + m) }

// Default returns (a fresh copy of) the campus grid: Mon–Sat × M1–M5, T1–T6, N1–N4
// with the block times of the academic system, in America/Sao_Paulo.
func Default() *Grid {
	return &Grid{
		Name: "default",
		Days: []Day{2, 3, 4, 5, 6, 7},
		Shifts: []ShiftDef{
			{Code: 'M', Blocks: []BlockDef{{c(8, 0), c(8, 55)}, {c(8, 55), c(9, 50)}, {c(10, 0), c(10, 55)}, {c(10, 55), c(11, 50)}, {c(12, 0), c(12, 55)}}},
			{Code: 'T', Blocks: []BlockDef{{c(12, 55), c(13, 50)}, {c(14, 0), c(14, 55)}, {c(14, 55), c(15, 50)}, {c(16, 0), c(16, 55)}, {c(16, 55), c(17, 50)}, {c(18, 0), c(18, 55)}}},
			{Code: 'N', Blocks: []BlockDef{{c(19, 0), c(19, 50)}, {c(19, 50), c(20, 40)}, {c(20, 50), c(21, 40)}, {c(21, 40), c(22, 30)}}},
		},
		Location: "America/Sao_Paulo",
	}
}

// Validate checks that the grid is usable by the parser and the solver.
func (g *Grid) Validate() error {
	var errs []error
	if len(g.Days) == 0 {
		errs = append(errs, errors.New("timegrid: grid has no days"))
	}
	seenDay := map[Day]bool{}
	for _, d := range g.Days {
		if d < 1 || d > 7 {
			errs = append(errs, fmt.Errorf("timegrid: day %d out of range 1–7", d))
		}
		if seenDay[d] {
			errs = append(errs, fmt.Errorf("timegrid: day %d repeated", d))
		}
		seenDay[d] = true
	}
	total := 0
	seenShift := map[byte]bool{}
	var prev Clock = -1
	for _, s := range g.Shifts {
		if s.Code < 'A' || s.Code > 'Z' {
			errs = append(errs, fmt.Errorf("timegrid: shift code %q must be an upper-case letter", s.Code))
		}
		if seenShift[s.Code] {
			errs = append(errs, fmt.Errorf("timegrid: shift %c repeated", s.Code))
		}
		seenShift[s.Code] = true
		if len(s.Blocks) == 0 || len(s.Blocks) > 7 {
			errs = append(errs, fmt.Errorf("timegrid: shift %c must have 1–7 blocks, has %d", s.Code, len(s.Blocks)))
		}
		for i, b := range s.Blocks {
			if b.End <= b.Start || b.Start < prev {
				errs = append(errs, fmt.Errorf("timegrid: block %c%d: times must increase", s.Code, i+1))
			}
			prev = b.End
		}
		total += len(s.Blocks)
	}
	if total == 0 || total > 64 {
		errs = append(errs, fmt.Errorf("timegrid: grid must have 1–64 blocks per day, has %d", total))
	}
	if _, err := time.LoadLocation(g.Location); err != nil {
		errs = append(errs, fmt.Errorf("timegrid: location %q: %w", g.Location, err))
	}
	return errors.Join(errs...)
}

// NumBlocks is the number of blocks per day.
func (g *Grid) NumBlocks() int {
	n := 0
	for _, s := range g.Shifts {
		n += len(s.Blocks)
	}
	return n
}

// HasDay reports whether d is a day of the grid.
func (g *Grid) HasDay(d Day) bool {
	for _, x := range g.Days {
		if x == d {
			return true
		}
	}
	return false
}

// BlockOf returns the block for slot (1-based) of the shift with the given code.
func (g *Grid) BlockOf(shift byte, slot int) (Block, bool) {
	base := 0
	for _, s := range g.Shifts {
		if s.Code == shift {
			if slot < 1 || slot > len(s.Blocks) {
				return 0, false
			}
			return Block(base + slot - 1), true
		}
		base += len(s.Blocks)
	}
	return 0, false
}

// ShiftSlot returns the shift code and 1-based slot of block b.
func (g *Grid) ShiftSlot(b Block) (shift byte, slot int, ok bool) {
	base := 0
	for _, s := range g.Shifts {
		if int(b) < base+len(s.Blocks) && int(b) >= base {
			return s.Code, int(b) - base + 1, true
		}
		base += len(s.Blocks)
	}
	return 0, 0, false
}

// BlockCode returns the code of block b, e.g. "M1".
func (g *Grid) BlockCode(b Block) string {
	sh, slot, ok := g.ShiftSlot(b)
	if !ok {
		return fmt.Sprintf("?%d", int(b))
	}
	return fmt.Sprintf("%c%d", sh, slot)
}

// ParseBlockCode parses a block code such as "T3".
func (g *Grid) ParseBlockCode(code string) (Block, error) {
	if len(code) != 2 || code[1] < '1' || code[1] > '9' {
		return 0, fmt.Errorf("timegrid: block code %q: want shift letter and slot digit", code)
	}
	b, ok := g.BlockOf(code[0], int(code[1]-'0'))
	if !ok {
		return 0, fmt.Errorf("timegrid: block %q does not exist in grid %q", code, g.Name)
	}
	return b, nil
}

// BlockTimes returns the wall-clock span of block b.
func (g *Grid) BlockTimes(b Block) (BlockDef, bool) {
	base := 0
	for _, s := range g.Shifts {
		if int(b) >= base && int(b) < base+len(s.Blocks) {
			return s.Blocks[int(b)-base], true
		}
		base += len(s.Blocks)
	}
	return BlockDef{}, false
}

// Cell is one (day, block) of the weekly grid.
type Cell struct {
	Day   Day
	Block Block
}

// Interval returns the start and end instants of block b on the calendar date
// (year, month, day taken from date, in any zone) in the grid's location.
// The date's weekday is not checked; use DateOfWeek to pick the date of a Day.
func (g *Grid) Interval(date time.Time, b Block) (start, end time.Time, err error) {
	def, ok := g.BlockTimes(b)
	if !ok {
		return time.Time{}, time.Time{}, fmt.Errorf("timegrid: block %d not in grid", b)
	}
	loc, err := time.LoadLocation(g.Location)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("timegrid: location %q: %w", g.Location, err)
	}
	y, m, d := date.Date()
	start = time.Date(y, m, d, int(def.Start)/60, int(def.Start)%60, 0, 0, loc)
	end = time.Date(y, m, d, int(def.End)/60, int(def.End)%60, 0, 0, loc)
	return start, end, nil
}

// DateOfWeek returns the date of weekday d in the (Monday-started) week that
// contains the given date, as midnight UTC of that civil date.
func DateOfWeek(anyDayOfWeek time.Time, d Day) time.Time {
	y, m, dd := anyDayOfWeek.Date()
	t := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	// Monday-based offset: Monday = 0 … Sunday = 6.
	off := (int(t.Weekday()) + 6) % 7
	monday := t.AddDate(0, 0, -off)
	want := (int(d.Weekday()) + 6) % 7
	return monday.AddDate(0, 0, want)
}
