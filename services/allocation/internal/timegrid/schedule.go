package timegrid

import (
	"fmt"
	"sort"
	"strings"
)

// Schedule is a set of (day, block) cells, one BlockSet per day code 1–7.
// The zero value is the empty schedule. Schedules are comparable with ==.
type Schedule struct {
	days [8]BlockSet
}

// Add puts the cell (d, b) in the schedule; days outside 1–7 are ignored.
func (s *Schedule) Add(d Day, b Block) {
	if d >= 1 && d <= 7 && b >= 0 && b < 64 {
		s.days[d] = s.days[d].With(b)
	}
}

// AddSet adds all blocks of set on day d.
func (s *Schedule) AddSet(d Day, set BlockSet) {
	if d >= 1 && d <= 7 {
		s.days[d] |= set
	}
}

// Blocks returns the blocks of day d.
func (s Schedule) Blocks(d Day) BlockSet {
	if d < 1 || d > 7 {
		return 0
	}
	return s.days[d]
}

// Days lists the days with at least one block, ascending.
func (s Schedule) Days() []Day {
	var out []Day
	for d := Day(1); d <= 7; d++ {
		if s.days[d] != 0 {
			out = append(out, d)
		}
	}
	return out
}

// Empty reports whether the schedule has no cell.
func (s Schedule) Empty() bool { return s == Schedule{} }

// Len is the number of cells.
func (s Schedule) Len() int {
	n := 0
	for _, b := range s.days {
		n += b.Len()
	}
	return n
}

// Cells lists the cells ordered by day then block.
func (s Schedule) Cells() []Cell {
	var out []Cell
	for d := Day(1); d <= 7; d++ {
		for _, b := range s.days[d].Blocks() {
			out = append(out, Cell{d, b})
		}
	}
	return out
}

// TokenError is one invalid token of a schedule string.
type TokenError struct {
	Offset int    // byte offset of the token in the input
	Token  string // the token as written
	Reason string
}

func (e TokenError) String() string {
	return fmt.Sprintf("at %d %q: %s", e.Offset, e.Token, e.Reason)
}

// ParseError lists every invalid token of a schedule string. The schedule
// returned alongside it holds the cells of the valid tokens only.
type ParseError struct {
	Input  string
	Tokens []TokenError
}

func (e *ParseError) Error() string {
	parts := make([]string, len(e.Tokens))
	for i, t := range e.Tokens {
		parts[i] = t.String()
	}
	return fmt.Sprintf("timegrid: schedule %q: %s", e.Input, strings.Join(parts, "; "))
}

// Parse parses a schedule string with the default grid.
func Parse(s string) (Schedule, error) { return Default().Parse(s) }

// Parse parses an academic schedule string: tokens separated by spaces or
// commas, each matching ([2-7]{1,5})([MTN])([1-7]{1,7}) (days, shift, slots)
// and naming only days and blocks that exist in the grid; a token expands to
// every day × slot combination. Every invalid token is reported in a
// *ParseError with its offset and the reason; it is never silently dropped.
// The returned schedule holds the cells of the valid tokens. An empty or
// blank string yields an empty schedule and no error (callers decide whether
// an empty schedule is acceptable).
func (g *Grid) Parse(s string) (Schedule, error) {
	var sch Schedule
	var perr *ParseError
	fail := func(off int, tok, reason string) {
		if perr == nil {
			perr = &ParseError{Input: s}
		}
		perr.Tokens = append(perr.Tokens, TokenError{Offset: off, Token: tok, Reason: reason})
	}
	i := 0
	for i < len(s) {
		if isSep(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && !isSep(s[i]) {
			i++
		}
		tok := s[start:i]
		if cells, reason := g.parseToken(tok); reason != "" {
			fail(start, tok, reason)
		} else {
			for _, c := range cells {
				sch.Add(c.Day, c.Block)
			}
		}
	}
	if perr != nil {
		return sch, perr
	}
	return sch, nil
}

func isSep(c byte) bool {
	return c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r' || c == ';'
}

func (g *Grid) parseToken(tok string) ([]Cell, string) {
	i := 0
	var days []Day
	for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
		d := Day(tok[i] - '0')
		if d < 2 || d > 7 {
			return nil, fmt.Sprintf("day digit %c out of range 2–7", tok[i])
		}
		if !g.HasDay(d) {
			return nil, fmt.Sprintf("day %d (%s) is not in grid %q", d, d, g.Name)
		}
		for _, x := range days {
			if x == d {
				return nil, fmt.Sprintf("day %d repeated", d)
			}
		}
		days = append(days, d)
		i++
	}
	if len(days) == 0 {
		return nil, "missing day digits (2–7) before the shift letter"
	}
	if len(days) > 5 {
		return nil, fmt.Sprintf("%d day digits, at most 5 allowed", len(days))
	}
	if i == len(tok) {
		return nil, "missing shift letter (M, T or N) after the days"
	}
	sh := tok[i]
	if _, ok := g.BlockOf(sh, 1); !ok {
		if sh >= 'a' && sh <= 'z' {
			if _, ok := g.BlockOf(sh-'a'+'A', 1); ok {
				return nil, fmt.Sprintf("shift letter %q must be upper case", sh)
			}
		}
		return nil, fmt.Sprintf("unknown shift %q (want %s)", sh, g.shiftCodes())
	}
	i++
	var blocks []Block
	slots := 0
	for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
		n := int(tok[i] - '0')
		if n < 1 || n > 7 {
			return nil, fmt.Sprintf("slot digit %c out of range 1–7", tok[i])
		}
		b, ok := g.BlockOf(sh, n)
		if !ok {
			return nil, fmt.Sprintf("block %c%d does not exist in grid %q", sh, n, g.Name)
		}
		for _, x := range blocks {
			if x == b {
				return nil, fmt.Sprintf("slot %d repeated", n)
			}
		}
		blocks = append(blocks, b)
		slots++
		i++
	}
	if slots == 0 {
		return nil, fmt.Sprintf("missing slot digits after shift %c", sh)
	}
	if slots > 7 {
		return nil, fmt.Sprintf("%d slot digits, at most 7 allowed", slots)
	}
	if i != len(tok) {
		return nil, fmt.Sprintf("unexpected trailing text %q", tok[i:])
	}
	cells := make([]Cell, 0, len(days)*len(blocks))
	for _, d := range days {
		for _, b := range blocks {
			cells = append(cells, Cell{d, b})
		}
	}
	return cells, ""
}

func (g *Grid) shiftCodes() string {
	var b strings.Builder
	for i, s := range g.Shifts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte(s.Code)
	}
	return b.String()
}

// Format renders a schedule in canonical academic form: per shift in grid
// order, days with the same slots in that shift are grouped (at most 5 days
// per token, ascending), groups ordered by their first day; tokens are
// separated by one space. Parse(Format(s)) == s for every schedule whose
// days are in the grid's 2–7 range and whose blocks exist in the grid.
func (g *Grid) Format(s Schedule) string {
	var toks []string
	base := 0
	for _, sh := range g.Shifts {
		type group struct {
			days  []Day
			slots string
		}
		var groups []*group
		bySlots := map[string]*group{}
		for d := Day(2); d <= 7; d++ {
			var slots []byte
			for k := range sh.Blocks {
				if s.days[d].Has(Block(base + k)) {
					slots = append(slots, byte('1'+k))
				}
			}
			if len(slots) == 0 {
				continue
			}
			key := string(slots)
			gr := bySlots[key]
			if gr == nil || len(gr.days) == 5 {
				gr = &group{slots: key}
				bySlots[key] = gr
				groups = append(groups, gr)
			}
			gr.days = append(gr.days, d)
		}
		for _, gr := range groups {
			var b strings.Builder
			for _, d := range gr.days {
				b.WriteByte(byte('0' + d))
			}
			b.WriteByte(sh.Code)
			b.WriteString(gr.slots)
			toks = append(toks, b.String())
		}
		base += len(sh.Blocks)
	}
	return strings.Join(toks, " ")
}

// Human renders a schedule for people, one entry per day and run of
// contiguous blocks, e.g. "MON 08:00–09:50, WED 08:00–09:50".
func (g *Grid) Human(s Schedule) string {
	var parts []string
	for _, d := range s.Days() {
		bl := s.days[d].Blocks()
		sort.Slice(bl, func(i, j int) bool { return bl[i] < bl[j] })
		for i := 0; i < len(bl); {
			j := i
			for j+1 < len(bl) && bl[j+1] == bl[j]+1 {
				j++
			}
			a, _ := g.BlockTimes(bl[i])
			z, _ := g.BlockTimes(bl[j])
			parts = append(parts, fmt.Sprintf("%s %s–%s", d, a.Start, z.End))
			i = j + 1
		}
	}
	return strings.Join(parts, ", ")
}
