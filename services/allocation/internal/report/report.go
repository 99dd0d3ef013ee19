// Package report computes the allocation reports — occupancy heatmap (day × block), use
// per building, under-used rooms — and renders CSV (formula-injection safe) and the PDF
// schedule of a room. Pure: it takes rows, never queries.
//
// Occupancy counts weekly uses (classes and holds: a cell is busy every week of the
// semester) and dated event reservations: an occurrence within the semester's dates on a
// (room, weekday, block) counts 1/n of that weekly cell, n being the number of dates with
// that weekday in the semester — a room reserved on every Monday of the semester at M1
// is as busy as one with a weekly class there.
package report

import (
	"io"
	"sort"
	"time"

	"github.com/planta-dev/planta/libs/csvexport"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Heatmap is the share of active rooms busy at each weekly cell.
type Heatmap struct {
	Days   []int    `json:"days"`
	Blocks []string `json:"blocks"`
	Rooms  int      `json:"rooms"`
	Busy   [][]int  `json:"busy"` // [day][block] rooms with a weekly use (class or hold)
	// Events counts the dated reservation occurrences within the semester at [day][block].
	Events [][]int     `json:"events"`
	Share  [][]float64 `json:"percent"` // [day][block] % of active rooms busy, events weighted 1/weeks
}

// Period is the semester's dates (inclusive).
type Period struct{ Start, End time.Time }

// PeriodOf parses a semester's dates.
func PeriodOf(sem store.Semester) Period {
	s, _ := time.Parse("2006-01-02", sem.StartDate)
	e, _ := time.Parse("2006-01-02", sem.EndDate)
	return Period{s, e}
}

// weeks returns, per weekday, how many dates of the period fall on it.
func (p Period) weeks() map[time.Weekday]int {
	out := map[time.Weekday]int{}
	for d := p.Start; !d.After(p.End); d = d.AddDate(0, 0, 1) {
		out[d.Weekday()]++
	}
	return out
}

func (p Period) contains(date string) bool {
	d, err := time.Parse("2006-01-02", date)
	return err == nil && !d.Before(p.Start) && !d.After(p.End)
}

// events returns the dated occurrences within the period per weekly cell.
func events(p Period, slots []store.Slot) map[cellKey]int {
	out := map[cellKey]int{}
	for _, s := range slots {
		if s.Date != "" && p.contains(s.Date) {
			out[cellKey{s.RoomID, s.Day, s.Block}]++
		}
	}
	return out
}

// eventWeight is the weekly-cell equivalent of n occurrences on day.
func eventWeight(weeks map[time.Weekday]int, day int, n int) float64 {
	w := weeks[timegrid.Day(day).Weekday()]
	if w == 0 {
		return 0
	}
	return float64(n) / float64(w)
}

type cellKey struct {
	room  int64
	day   int
	block int
}

func weekly(slots []store.Slot) map[cellKey]bool {
	busy := map[cellKey]bool{}
	for _, s := range slots {
		if s.Date == "" {
			busy[cellKey{s.RoomID, s.Day, s.Block}] = true
		}
	}
	return busy
}

func activeRooms(rooms []store.Room) map[int64]store.Room {
	out := map[int64]store.Room{}
	for _, r := range rooms {
		if r.Active {
			out[r.ID] = r
		}
	}
	return out
}

// BuildHeatmap computes the heatmap of the weekly slots (classes and holds) and the
// reservation occurrences within the period.
func BuildHeatmap(g *timegrid.Grid, p Period, rooms []store.Room, slots []store.Slot) Heatmap {
	act := activeRooms(rooms)
	h := Heatmap{Rooms: len(act)}
	for _, d := range g.Days {
		h.Days = append(h.Days, int(d))
	}
	for b := 0; b < g.NumBlocks(); b++ {
		h.Blocks = append(h.Blocks, g.BlockCode(timegrid.Block(b)))
	}
	busy := weekly(slots)
	ev := events(p, slots)
	weeks := p.weeks()
	for _, d := range g.Days {
		row := make([]int, g.NumBlocks())
		evRow := make([]int, g.NumBlocks())
		load := make([]float64, g.NumBlocks())
		share := make([]float64, g.NumBlocks())
		for c := range busy {
			if _, ok := act[c.room]; ok && c.day == int(d) && c.block < len(row) {
				row[c.block]++
				load[c.block]++
			}
		}
		for c, n := range ev {
			if _, ok := act[c.room]; ok && c.day == int(d) && c.block < len(row) && !busy[c] {
				evRow[c.block] += n
				load[c.block] += eventWeight(weeks, c.day, n)
			}
		}
		for i, n := range load {
			if h.Rooms > 0 {
				share[i] = round1(100 * n / float64(h.Rooms))
			}
		}
		h.Busy = append(h.Busy, row)
		h.Events = append(h.Events, evRow)
		h.Share = append(h.Share, share)
	}
	return h
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// RoomUse is one room's weekly occupancy.
type RoomUse struct {
	RoomID   int64  `json:"room_id"`
	Room     string `json:"room"`
	Building string `json:"building"`
	Capacity int    `json:"capacity"`
	Busy     int    `json:"busy_blocks"`
	// EventOccurrences counts the room's dated reservation occurrences (block-dates)
	// within the semester; EventBlocks is their weekly-block equivalent.
	EventOccurrences int     `json:"event_occurrences"`
	EventBlocks      float64 `json:"event_blocks"`
	Available        int     `json:"available_blocks"`
	Percent          float64 `json:"percent"`
}

// BuildingUse aggregates rooms per building.
type BuildingUse struct {
	BuildingID int64  `json:"building_id"`
	Building   string `json:"building"`
	Rooms      int    `json:"rooms"`
	Capacity   int    `json:"capacity"`
	Busy       int    `json:"busy_blocks"`
	// EventOccurrences and EventBlocks sum the rooms' reservation occurrences.
	EventOccurrences int     `json:"event_occurrences"`
	EventBlocks      float64 `json:"event_blocks"`
	Available        int     `json:"available_blocks"`
	Percent          float64 `json:"percent"`
}

// RoomsUse computes every active room's occupancy (weekly uses plus reservation
// occurrences within the period), ascending by percent then name.
func RoomsUse(g *timegrid.Grid, p Period, rooms []store.Room, slots []store.Slot) []RoomUse {
	busy := weekly(slots)
	per := map[int64]int{}
	for c := range busy {
		per[c.room]++
	}
	weeks := p.weeks()
	evN := map[int64]int{}
	evW := map[int64]float64{}
	for c, n := range events(p, slots) {
		if busy[c] || !g.HasDay(timegrid.Day(c.day)) || c.block >= g.NumBlocks() {
			continue
		}
		evN[c.room] += n
		evW[c.room] += eventWeight(weeks, c.day, n)
	}
	avail := len(g.Days) * g.NumBlocks()
	var out []RoomUse
	for _, r := range rooms {
		if !r.Active {
			continue
		}
		u := RoomUse{RoomID: r.ID, Room: r.Name, Building: r.Building, Capacity: r.Capacity, Busy: per[r.ID], Available: avail,
			EventOccurrences: evN[r.ID], EventBlocks: round1(evW[r.ID])}
		u.Percent = round1(100 * (float64(u.Busy) + evW[r.ID]) / float64(avail))
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Percent != out[j].Percent {
			return out[i].Percent < out[j].Percent
		}
		return out[i].Room < out[j].Room
	})
	return out
}

// UnderUsed returns rooms whose occupancy is below threshold percent.
func UnderUsed(uses []RoomUse, threshold float64) []RoomUse {
	out := []RoomUse{}
	for _, u := range uses {
		if u.Percent < threshold {
			out = append(out, u)
		}
	}
	return out
}

// Buildings aggregates room use per building.
func Buildings(rooms []store.Room, uses []RoomUse) []BuildingUse {
	idx := map[int64]*BuildingUse{}
	var order []int64
	byRoom := map[int64]store.Room{}
	for _, r := range rooms {
		byRoom[r.ID] = r
	}
	for _, u := range uses {
		r := byRoom[u.RoomID]
		b := idx[r.BuildingID]
		if b == nil {
			b = &BuildingUse{BuildingID: r.BuildingID, Building: r.Building}
			idx[r.BuildingID] = b
			order = append(order, r.BuildingID)
		}
		b.Rooms++
		b.Capacity += u.Capacity
		b.Busy += u.Busy
		b.EventOccurrences += u.EventOccurrences
		b.EventBlocks += u.EventBlocks
		b.Available += u.Available
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	out := []BuildingUse{}
	for _, id := range order {
		b := idx[id]
		b.EventBlocks = round1(b.EventBlocks)
		if b.Available > 0 {
			b.Percent = round1(100 * (float64(b.Busy) + b.EventBlocks) / float64(b.Available))
		}
		out = append(out, *b)
	}
	return out
}

// WriteCSV writes a header and rows through csvexport: RFC 4180 quoting, valid UTF-8
// and every cell formula-safe.
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csvexport.NewWriter(w)
	if err := cw.Write(header...); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r...); err != nil {
			return err
		}
	}
	return cw.Close()
}
