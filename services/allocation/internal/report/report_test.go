package report

import (
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

func TestHeatmapAndUse(t *testing.T) {
	g := timegrid.Default()
	rooms := []store.Room{{ID: 1, Name: "A", BuildingID: 1, Building: "UAC", Active: true, Capacity: 10}, {ID: 2, Name: "B", BuildingID: 1, Building: "UAC", Active: true, Capacity: 20}, {ID: 3, Active: false}}
	slots := []store.Slot{{RoomID: 1, Day: 2, Block: 0}, {RoomID: 1, Day: 2, Block: 1}, {RoomID: 2, Day: 2, Block: 0}, {RoomID: 2, Day: 3, Block: 0, Date: "2025-09-02"}}
	h := BuildHeatmap(g, rooms, slots)
	if h.Rooms != 2 || h.Busy[0][0] != 2 || h.Share[0][1] != 50 || h.Busy[1][0] != 0 {
		t.Fatalf("%+v", h)
	}
	uses := RoomsUse(g, rooms, slots)
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
