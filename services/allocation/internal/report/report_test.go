package report

import (
	"testing"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

func TestHeatmapAndUse(t *testing.T) {
	g := timegrid.Default()
	rooms := []store.Room{{ID: 1, Name: "A", BuildingID: 1, Building: "UAC", Active: true, Capacity: 10}, {ID: 2, Name: "B", BuildingID: 1, Building: "UAC", Active: true, Capacity: 20}, {ID: 3, Active: false}}
	slots := []store.Slot{{RoomID: 1, Day: 2, Block: 0}, {RoomID: 1, Day: 2, Block: 1}, {RoomID: 2, Day: 2, Block: 0}, {RoomID: 2, Day: 3, Block: 0, Date: "2025-09-02"}}
	spring := Period{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)} // the dated slot is outside
	h := BuildHeatmap(g, spring, rooms, slots)
	if h.Rooms != 2 || h.Busy[0][0] != 2 || h.Share[0][1] != 50 || h.Busy[1][0] != 0 {
		t.Fatalf("%+v", h)
	}
	uses := RoomsUse(g, spring, rooms, slots)
	if len(uses) != 2 || uses[0].Room != "B" || uses[1].Busy != 2 {
		t.Fatalf("%+v", uses)
	}
	if u := UnderUsed(uses, 2); len(u) != 1 || u[0].Room != "B" {
		t.Fatalf("%+v", u)
	}
	b := Buildings(rooms, uses)
	if len(b) != 1 || b[0].Busy != 3 || b[0].Available != 180 || b[0].Capacity != 30 {
		t.Fatalf("%+v", b)
	}
}

// Reservation occurrences within the semester count 1/n of their weekly cell (n = dates
// with that weekday in the semester); those outside it, or on days off the grid, do not.
func TestReportsCountReservationsWithinTheSemester(t *testing.T) {
	g := timegrid.Default()
	sep := PeriodOf(store.Semester{StartDate: "2025-09-01", EndDate: "2025-09-28"}) // four of each weekday
	rooms := []store.Room{{ID: 1, Name: "A", BuildingID: 1, Building: "UAC", Active: true}, {ID: 2, Name: "B", BuildingID: 1, Building: "UAC", Active: true}}
	slots := []store.Slot{
		{RoomID: 1, Day: 2, Block: 0}, {RoomID: 1, Day: 2, Block: 1}, // weekly class
		{RoomID: 2, Day: 2, Block: 0},                                                                        // weekly hold
		{RoomID: 2, Day: 3, Block: 0, Date: "2025-09-02"}, {RoomID: 2, Day: 3, Block: 0, Date: "2025-09-09"}, // 2 of 4 Tuesdays
		{RoomID: 2, Day: 3, Block: 0, Date: "2025-10-07"}, // after the semester
		{RoomID: 1, Day: 1, Block: 0, Date: "2025-09-07"}, // Sunday: off the grid
		{RoomID: 1, Day: 7, Block: 14, Date: "2025-09-06"}, {RoomID: 1, Day: 7, Block: 14, Date: "2025-09-13"},
		{RoomID: 1, Day: 7, Block: 14, Date: "2025-09-20"}, {RoomID: 1, Day: 7, Block: 14, Date: "2025-09-27"}, // every Saturday N4
	}
	h := BuildHeatmap(g, sep, rooms, slots)
	if h.Events[1][0] != 2 || h.Share[1][0] != 25 || h.Busy[1][0] != 0 {
		t.Errorf("Tuesday M1: events %d share %v busy %d", h.Events[1][0], h.Share[1][0], h.Busy[1][0])
	}
	if h.Events[5][14] != 4 || h.Share[5][14] != 50 {
		t.Errorf("Saturday N4: events %d share %v", h.Events[5][14], h.Share[5][14])
	}
	if h.Share[0][0] != 100 {
		t.Errorf("Monday M1 share %v", h.Share[0][0])
	}
	uses := RoomsUse(g, sep, rooms, slots)
	byName := map[string]RoomUse{}
	for _, u := range uses {
		byName[u.Room] = u
	}
	// A: 2 weekly + 1 (four Saturdays of four) = 3 of 90; B: 1 + 0.5 = 1.5 of 90.
	if a := byName["A"]; a.EventOccurrences != 4 || a.EventBlocks != 1 || a.Percent != 3.3 {
		t.Errorf("A: %+v", a)
	}
	if b := byName["B"]; b.EventOccurrences != 2 || b.EventBlocks != 0.5 || b.Percent != 1.7 {
		t.Errorf("B: %+v", b)
	}
	if u := UnderUsed(uses, 2); len(u) != 1 || u[0].Room != "B" {
		t.Errorf("under-used: %+v", u)
	}
	if bs := Buildings(rooms, uses); len(bs) != 1 || bs[0].EventOccurrences != 6 || bs[0].EventBlocks != 1.5 || bs[0].Percent != 2.5 {
		t.Errorf("buildings: %+v", bs)
	}
}
