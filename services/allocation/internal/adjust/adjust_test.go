package adjust

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/solver"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// semester: rooms 1 (50 seats, ground), 2 (60, first floor), 3 (10, ground), 4 (inactive);
// sections 10 (40 seats, 2M12, professor 7 low mobility), 11 (55 seats, 2M12), 12 (5 seats,
// 3M1); allocations 100 = 10/Mon in room 1, 101 = 11/Mon in room 2; room 3 held Mon M1.
func semester(t *testing.T) *store.SemesterInput {
	t.Helper()
	g := timegrid.Default()
	sch := func(s string) timegrid.Schedule {
		x, err := g.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	in := solver.Input{Grid: g,
		Rooms: []solver.Room{
			{ID: "1", Floor: 0, Capacity: 50, Type: "1", Active: true}, {ID: "2", Floor: 1, Capacity: 60, Type: "1", Active: true},
			{ID: "3", Floor: 0, Capacity: 10, Type: "1", Active: true}, {ID: "4", Floor: 0, Capacity: 99, Type: "1", Active: false},
		},
		Sections: []solver.Section{
			{ID: "10", Discipline: "FUP0010", Seats: 40, Schedule: sch("2M12"), Professors: []string{"7"}},
			{ID: "11", Discipline: "FUP0011", Seats: 55, Schedule: sch("2M12")},
			{ID: "12", Discipline: "FUP0012", Seats: 5, Schedule: sch("3M1")},
		},
		Professors: []solver.Professor{{ID: "7", LowMobility: true}},
		Blocked:    []solver.BlockedCell{{RoomID: "3", Day: 2, Block: 0, Label: "hold: Ledoc"}},
	}
	si := &store.SemesterInput{Input: in, Demands: map[int64]store.Demand{}, Rooms: map[int64]store.Room{}, Semester: store.Semester{ID: 1}}
	for _, id := range []int64{10, 11, 12} {
		si.Demands[id] = store.Demand{ID: id, DisciplineCode: "FUP00" + store.ID(id), Section: "T1"}
	}
	for _, id := range []int64{1, 2, 3, 4} {
		si.Rooms[id] = store.Room{ID: id}
	}
	si.Allocations = []store.Allocation{{ID: 100, DemandID: 10, Day: 2, RoomID: 1}, {ID: 101, DemandID: 11, Day: 2, RoomID: 2}}
	return si
}

func kinds(t *testing.T, err error) string {
	t.Helper()
	var ve *ViolationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ViolationError, got %v", err)
	}
	// Distinct kinds, sorted (double booking is reported per block).
	seen := map[string]bool{}
	var ks []string
	for _, v := range ve.Violations {
		if !seen[string(v.Kind)] {
			seen[string(v.Kind)] = true
			ks = append(ks, string(v.Kind))
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func TestAssign(t *testing.T) {
	si := semester(t)
	p, err := Assign(si, 12, 3, 3, true, "ana")
	if err != nil || len(p.Insert) != 1 || !p.Insert[0].Pinned || p.Insert[0].Source != "manual" || p.Change.Actor != "ana" || p.Change.Action != "assign" {
		t.Fatalf("assign: %+v %v", p, err)
	}
	cases := []struct {
		demand   int64
		day      int
		room     int64
		wantKind string
	}{
		{12, 3, 4, "inactive_room"},
		{12, 2, 3, "section_does_not_meet"},
	}
	for _, c := range cases {
		if _, err := Assign(si, c.demand, c.day, c.room, true, "ana"); !strings.Contains(kinds(t, err), c.wantKind) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	var ie *InvalidError
	if _, err := Assign(si, 10, 2, 3, true, "ana"); !errors.As(err, &ie) || ie.Field != "day" {
		t.Errorf("already placed: %v", err)
	}
	if _, err := Assign(si, 99, 2, 3, true, "ana"); !errors.As(err, &ie) || ie.Field != "demand_id" {
		t.Errorf("unknown demand: %v", err)
	}
	if _, err := Assign(si, 12, 3, 99, true, "ana"); !errors.As(err, &ie) || ie.Field != "room_id" {
		t.Errorf("unknown room: %v", err)
	}
}

func TestMoveChecksEveryHardConstraint(t *testing.T) {
	si := semester(t)
	for room, want := range map[int64]string{
		2: "double_booking,low_mobility", // first floor, and section 11 is there
		3: "blocked_cell,capacity",       // 10 seats, held at M1
		4: "inactive_room",
	} {
		if got := kinds(t, func() error { _, err := Move(si, 100, room, "ana"); return err }()); got != want {
			t.Errorf("move to %d: %s, want %s", room, got, want)
		}
	}
	if _, err := Move(si, 999, 1, "ana"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown allocation: %v", err)
	}
	// Moving into its own room is allowed (it frees its cells first).
	p, err := Move(si, 101, 2, "ana")
	if err != nil || len(p.Delete) != 1 || p.Insert[0].RoomID != 2 {
		t.Errorf("move in place: %+v %v", p, err)
	}
}

func TestSwapAndUnassign(t *testing.T) {
	si := semester(t)
	// 11 (55 seats) cannot go to room 1 (50); 10 is low mobility and cannot go up.
	if got := kinds(t, func() error { _, err := Swap(si, 100, 101, "ana"); return err }()); !strings.Contains(got, "capacity") || !strings.Contains(got, "low_mobility") {
		t.Errorf("swap: %s", got)
	}
	var ie *InvalidError
	if _, err := Swap(si, 100, 100, "ana"); !errors.As(err, &ie) {
		t.Errorf("swap with itself: %v", err)
	}
	// Without the restrictions the swap is planned as two pinned inserts.
	si.Input.Professors = nil
	si.Input.Sections[1].Seats = 45
	p, err := Swap(si, 100, 101, "ana")
	if err != nil || len(p.Delete) != 2 || len(p.Insert) != 2 || p.Insert[0].RoomID != 2 || p.Insert[1].RoomID != 1 {
		t.Fatalf("swap: %+v %v", p, err)
	}
	u, err := Unassign(si, 101, "ana")
	if err != nil || len(u.Delete) != 1 || u.Delete[0] != 101 || u.Change.Action != "unassign" {
		t.Errorf("unassign: %+v %v", u, err)
	}
	if _, err := Unassign(si, 5, "ana"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unassign unknown: %v", err)
	}
}
