// Package report computes the allocation reports — occupancy heatmap (day × block), use
// per building, under-used rooms — and renders CSV (formula-injection safe) and the PDF
// schedule of a room. Pure: it takes rows, never queries.
package report

import (
	"github.com/planta-dev/planta/libs/csvexport"
	"io"
	"sort"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Heatmap is the share of active rooms busy at each weekly cell.
type Heatmap struct {
	Days   []int       `json:"days"`
	Blocks []string    `json:"blocks"`
	Rooms  int         `json:"rooms"`
	Busy   [][]int     `json:"busy"`    // [day][block] rooms busy
	Share  [][]float64 `json:"percent"` // [day][block] % of active rooms busy
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

// BuildHeatmap computes the heatmap of the weekly slots (classes and holds).
func BuildHeatmap(g *timegrid.Grid, rooms []store.Room, slots []store.Slot) Heatmap {
	act := activeRooms(rooms)
	h := Heatmap{Rooms: len(act)}
	for _, d := range g.Days {
		h.Days = append(h.Days, int(d))
	}
	for b := 0; b < g.NumBlocks(); b++ {
		h.Blocks = append(h.Blocks, g.BlockCode(timegrid.Block(b)))
	}
	busy := weekly(slots)
	for _, d := range g.Days {
		row := make([]int, g.NumBlocks())
		share := make([]float64, g.NumBlocks())
		for c := range busy {
			if _, ok := act[c.room]; ok && c.day == int(d) && c.block < len(row) {
				row[c.block]++
			}
		}
		for i, n := range row {
			if h.Rooms > 0 {
				share[i] = round1(100 * float64(n) / float64(h.Rooms))
			}
		}
		h.Busy = append(h.Busy, row)
		h.Share = append(h.Share, share)
	}
	return h
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// RoomUse is one room's weekly occupancy.
type RoomUse struct {
	RoomID    int64   `json:"room_id"`
	Room      string  `json:"room"`
	Building  string  `json:"building"`
	Capacity  int     `json:"capacity"`
	Busy      int     `json:"busy_blocks"`
	Available int     `json:"available_blocks"`
	Percent   float64 `json:"percent"`
}

// BuildingUse aggregates rooms per building.
type BuildingUse struct {
	BuildingID int64   `json:"building_id"`
	Building   string  `json:"building"`
	Rooms      int     `json:"rooms"`
	Capacity   int     `json:"capacity"`
	Busy       int     `json:"busy_blocks"`
	Available  int     `json:"available_blocks"`
	Percent    float64 `json:"percent"`
}

// RoomsUse computes every active room's occupancy, ascending by percent then name.
func RoomsUse(g *timegrid.Grid, rooms []store.Room, slots []store.Slot) []RoomUse {
	busy := weekly(slots)
	per := map[int64]int{}
	for c := range busy {
		per[c.room]++
	}
	avail := len(g.Days) * g.NumBlocks()
	var out []RoomUse
	for _, r := range rooms {
		if !r.Active {
			continue
		}
		u := RoomUse{RoomID: r.ID, Room: r.Name, Building: r.Building, Capacity: r.Capacity, Busy: per[r.ID], Available: avail}
		u.Percent = round1(100 * float64(u.Busy) / float64(avail))
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
		b.Available += u.Available
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	out := []BuildingUse{}
	for _, id := range order {
		b := idx[id]
		if b.Available > 0 {
			b.Percent = round1(100 * float64(b.Busy) / float64(b.Available))
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
