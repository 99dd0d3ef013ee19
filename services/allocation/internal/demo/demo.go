// Package demo loads the real campus (33 rooms of FUP) and the real 2025-2 semester
// (offers, and the room holds of other programmes from the allocation actually used) into
// an empty allocation schema, for `allocation seed-demo` (called by `make run`). The
// reference CSVs are embedded: the binary never reads the repository at run time.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/planta-dev/planta/services/allocation/internal/importer"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

//go:embed data/*.csv
var data embed.FS

// Actor is the change-log username of seeded rows.
const Actor = "seed-demo"

// Semester dates of the demo semester.
const (
	SemesterName  = "2025-2"
	SemesterStart = "2025-08-18"
	SemesterEnd   = "2025-12-20"
)

func readCSV(name string) ([]map[string]string, error) {
	b, err := data.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m := map[string]string{}
		for i, h := range head {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		out = append(out, m)
	}
}

// Summary says what was seeded.
type Summary struct {
	Skipped    bool
	Rooms      int
	Professors int
	Demands    int
	Holds      int
	Rules      int
	SemesterID int64
}

// Seed loads the demo data unless a campus already exists.
func Seed(ctx context.Context, st *store.Store) (Summary, error) {
	var sum Summary
	if cs, err := st.ListCampuses(ctx, store.Page{Limit: 1}); err != nil {
		return sum, err
	} else if len(cs) > 0 {
		sum.Skipped = true
		return sum, nil
	}
	g := timegrid.Default()
	rooms, err := readCSV("rooms.csv")
	if err != nil {
		return sum, err
	}
	campus, err := st.SaveCampus(ctx, Actor, store.Campus{Name: "FUP", Description: "Faculdade UnB Planaltina"})
	if err != nil {
		return sum, err
	}
	buildings := map[string]int64{}
	types := map[string]int64{}
	chars := map[string]int64{}
	roomIDs := map[string]int64{} // "BUILDING/NAME"
	for _, r := range rooms {
		if _, ok := buildings[r["building"]]; !ok {
			b, err := st.SaveBuilding(ctx, Actor, store.Building{CampusID: campus.ID, Name: r["building"]})
			if err != nil {
				return sum, err
			}
			buildings[r["building"]] = b.ID
		}
		if _, ok := types[r["type"]]; !ok {
			t, err := st.SaveRoomType(ctx, Actor, store.RoomType{Name: r["type"]})
			if err != nil {
				return sum, err
			}
			types[r["type"]] = t.ID
		}
		var chIDs []int64
		if r["characteristics"] != "" {
			for _, c := range strings.Split(r["characteristics"], "|") {
				if _, ok := chars[c]; !ok {
					x, err := st.SaveCharacteristic(ctx, Actor, store.Characteristic{Name: c})
					if err != nil {
						return sum, err
					}
					chars[c] = x.ID
				}
				chIDs = append(chIDs, chars[c])
			}
		}
		capacity, _ := strconv.Atoi(r["capacity"])
		floor, _ := strconv.Atoi(r["floor"])
		room, err := st.SaveRoom(ctx, Actor, store.Room{BuildingID: buildings[r["building"]], Name: r["name"], Description: r["description"], Floor: floor,
			Capacity: capacity, RoomTypeID: types[r["type"]], Active: capacity > 1, CharacteristicIDs: append([]int64{}, chIDs...)})
		if err != nil {
			return sum, err
		}
		roomIDs[r["building"]+"/"+r["name"]] = room.ID
		sum.Rooms++
	}
	if _, err := st.SaveCharacteristic(ctx, Actor, store.Characteristic{Name: "Acesso para Cadeirantes"}); err != nil {
		return sum, err
	}
	profs, err := readCSV("professors.csv")
	if err != nil {
		return sum, err
	}
	var profNames []string
	for _, p := range profs {
		if _, err := st.SaveProfessor(ctx, Actor, store.Professor{Name: p["professor"], NameKey: importer.NameKey(p["professor"]), LowMobility: p["low_mobility"] == "true",
			PreferredRoomIDs: []int64{}, PreferredCharacteristicIDs: []int64{}}); err != nil {
			return sum, err
		}
		profNames = append(profNames, p["professor"])
		sum.Professors++
	}
	sem, err := st.SaveSemester(ctx, Actor, store.Semester{Name: SemesterName, StartDate: SemesterStart, EndDate: SemesterEnd, Active: true})
	if err != nil {
		return sum, err
	}
	sum.SemesterID = sem.ID
	offers, err := readCSV("offers-2025-2.csv")
	if err != nil {
		return sum, err
	}
	var in []importer.Offer
	needs := map[string]map[string]bool{}
	for i, o := range offers {
		seats, _ := strconv.Atoi(o["seats_estimated"])
		// The source has no professors: pseudonyms in a fixed round robin.
		in = append(in, importer.Offer{ProgramCode: "FUP", CourseCode: o["course_code"], CourseName: o["course_name"], Section: o["section"],
			Schedule: o["schedule"], Seats: &seats, Professors: []string{profNames[(i*7)%len(profNames)]}})
		if needs[o["course_code"]] == nil {
			needs[o["course_code"]] = map[string]bool{}
		}
		needs[o["course_code"]][o["room_type_needed"]] = true
	}
	known, err := st.ProfessorKeys(ctx)
	if err != nil {
		return sum, err
	}
	demands, _, _ := importer.Convert(g, in, nil, known)
	outs, _, err := st.UpsertDemands(ctx, Actor, sem.ID, demands, false, map[string]any{"source": "seed-demo"})
	if err != nil {
		return sum, err
	}
	sum.Demands = len(outs)
	// A hard room-type rule where every section of the discipline used that lab type.
	codes := make([]string, 0, len(needs))
	for c := range needs {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		if len(needs[c]) != 1 {
			continue
		}
		for t := range needs[c] {
			if t == "" || types[t] == 0 {
				continue
			}
			id := types[t]
			if _, err := st.SaveRule(ctx, Actor, store.Rule{Kind: store.RuleNeedsRoomType, DisciplineCode: c, RoomTypeID: &id, Description: "used only " + t + " in 2025-2"}); err != nil {
				return sum, err
			}
			sum.Rules++
		}
	}
	// Holds for other programmes, one per (room, label).
	alloc, err := readCSV("allocation-2025-2.csv")
	if err != nil {
		return sum, err
	}
	type key struct{ room, label string }
	holds := map[key]*timegrid.Schedule{}
	var order []key
	for _, a := range alloc {
		if a["held_for"] == "" {
			continue
		}
		k := key{a["building"] + "/" + a["room"], a["held_for"]}
		if holds[k] == nil {
			holds[k] = &timegrid.Schedule{}
			order = append(order, k)
		}
		b, err := g.ParseBlockCode(a["block"])
		if err != nil {
			return sum, err
		}
		d, _ := strconv.Atoi(a["day"])
		holds[k].Add(timegrid.Day(d), b)
	}
	for _, k := range order {
		sch := *holds[k]
		var days, blocks []int16
		for _, c := range sch.Cells() {
			days = append(days, int16(c.Day))
			blocks = append(blocks, int16(c.Block))
		}
		if _, err := st.SaveHold(ctx, Actor, store.RoomHold{SemesterID: sem.ID, RoomID: roomIDs[k.room], Label: k.label, InternalNote: "from the 2025-2 allocation",
			Schedule: g.Format(sch), Cells: importer.Cells(g, sch)}, days, blocks); err != nil {
			return sum, fmt.Errorf("hold %s %s: %w", k.room, k.label, err)
		}
		sum.Holds++
	}
	return sum, nil
}
