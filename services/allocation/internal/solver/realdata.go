package solver

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Campus is real campus data loaded from the reference CSVs: an Input (rooms,
// sections, hard room-type rules and room holds as blocked cells) and the
// allocation actually used that semester.
type Campus struct {
	Input  Input
	Actual []Assignment // the real allocation, one row per section-day
	// ActualSplit lists section-days the real allocation spread over two
	// rooms on one day (not representable: one room per section-day).
	ActualSplit []string
}

// LoadCampus reads rooms.csv, offers-*.csv and allocation-*.csv (formats in
// the data README). Section ids are "CODE-SECTION" (e.g. "FUP0040-T1/1").
// room_type_needed becomes a hard RoomTypeRule of the discipline; where the
// sections of one discipline disagree (lab group vs. lecture group), the lab
// sections get the discipline key "CODE@SECTION" so the rule binds them only.
// Holds (rows with held_for) become BlockedCells.
func LoadCampus(rooms, offers, allocation io.Reader) (*Campus, error) {
	g := timegrid.Default()
	c := &Campus{Input: Input{Grid: g}}
	rr, err := readCSV(rooms)
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	ids := map[string]bool{}
	for i, r := range rr {
		cp, err1 := strconv.Atoi(r["capacity"])
		fl, err2 := strconv.Atoi(r["floor"])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("rooms line %d: bad capacity or floor", i+2)
		}
		if ids[r["name"]] {
			return nil, fmt.Errorf("rooms line %d: duplicate room %q", i+2, r["name"])
		}
		ids[r["name"]] = true
		var ch []string
		if r["characteristics"] != "" {
			ch = strings.Split(r["characteristics"], "|")
		}
		c.Input.Rooms = append(c.Input.Rooms, Room{ID: r["name"], Building: r["building"], Floor: fl, Capacity: cp, Type: r["type"], Characteristics: ch, Active: true})
	}
	or, err := readCSV(offers)
	if err != nil {
		return nil, fmt.Errorf("offers: %w", err)
	}
	needs := map[string]map[string]bool{}
	for _, r := range or {
		if needs[r["course_code"]] == nil {
			needs[r["course_code"]] = map[string]bool{}
		}
		needs[r["course_code"]][r["room_type_needed"]] = true
	}
	ruleDone := map[string]bool{}
	for i, r := range or {
		sch, err := g.Parse(r["schedule"])
		if err != nil {
			return nil, fmt.Errorf("offers line %d: %w", i+2, err)
		}
		seats, err := strconv.Atoi(r["seats_estimated"])
		if err != nil {
			return nil, fmt.Errorf("offers line %d: bad seats", i+2)
		}
		code := r["course_code"]
		disc := code
		if t := r["room_type_needed"]; t != "" {
			if len(needs[code]) > 1 {
				disc = code + "@" + r["section"]
			}
			if !ruleDone[disc] {
				ruleDone[disc] = true
				c.Input.RoomTypeRules = append(c.Input.RoomTypeRules, RoomTypeRule{Discipline: disc, RoomType: t})
			}
		}
		c.Input.Sections = append(c.Input.Sections, Section{ID: code + "-" + r["section"], Discipline: disc, Name: r["section"], Seats: seats, Schedule: sch})
	}
	ar, err := readCSV(allocation)
	if err != nil {
		return nil, fmt.Errorf("allocation: %w", err)
	}
	actual := map[[2]string]string{}
	split := map[string]bool{}
	for i, r := range ar {
		d, err := strconv.Atoi(r["day"])
		if err != nil {
			return nil, fmt.Errorf("allocation line %d: bad day", i+2)
		}
		b, err := g.ParseBlockCode(r["block"])
		if err != nil {
			return nil, fmt.Errorf("allocation line %d: %w", i+2, err)
		}
		if r["held_for"] != "" {
			c.Input.Blocked = append(c.Input.Blocked, BlockedCell{RoomID: r["room"], Day: timegrid.Day(d), Block: b, Label: "hold: " + r["held_for"]})
			continue
		}
		k := [2]string{r["course_code"] + "-" + r["section"], r["day"]}
		if old, ok := actual[k]; ok && old != r["room"] {
			split[k[0]+" day "+k[1]] = true
			continue
		}
		actual[k] = r["room"]
	}
	for k, room := range actual {
		d, _ := strconv.Atoi(k[1])
		c.Actual = append(c.Actual, Assignment{SectionID: k[0], Day: timegrid.Day(d), RoomID: room})
	}
	sortAssignments(c.Actual)
	for s := range split {
		c.ActualSplit = append(c.ActualSplit, s)
	}
	sort.Strings(c.ActualSplit)
	return c, nil
}

func sortAssignments(a []Assignment) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].SectionID != a[j].SectionID {
			return a[i].SectionID < a[j].SectionID
		}
		return a[i].Day < a[j].Day
	})
}

func readCSV(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	head := recs[0]
	out := make([]map[string]string, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range head {
			if i < len(rec) {
				m[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
			}
		}
		out = append(out, m)
	}
	return out, nil
}
