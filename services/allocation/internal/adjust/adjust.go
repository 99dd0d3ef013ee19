// Package adjust checks manual allocation changes — assign, move, swap, unassign —
// against every hard constraint, using the solver's independent checker (solver.Verify)
// on the semester as it is now. A change that breaks a constraint is refused with the
// violations named; nothing is written.
package adjust

import (
	"fmt"
	"strings"

	"github.com/planta-dev/planta/services/allocation/internal/solver"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// ViolationError lists the hard constraints a change would break.
type ViolationError struct {
	Violations []solver.Violation
}

func (e *ViolationError) Error() string {
	msgs := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		msgs[i] = fmt.Sprintf("%s: %s", v.Kind, v.Message)
	}
	return strings.Join(msgs, "; ")
}

// InvalidError is a request that names something that does not fit (422).
type InvalidError struct{ Field, Reason string }

func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

// check verifies the changed section-days within the full assignment list.
func check(si *store.SemesterInput, asg []solver.Assignment, changed []solver.Assignment) error {
	vs := solver.Verify(si.Input, asg)
	key := func(sec string, d timegrid.Day) string { return fmt.Sprintf("%s/%d", sec, d) }
	want := map[string]bool{}
	rooms := map[string]bool{}
	for _, c := range changed {
		want[key(c.SectionID, c.Day)] = true
		rooms[c.RoomID] = true
	}
	var out []solver.Violation
	for _, v := range vs {
		// Double booking is reported on the later of the two; either side may be ours.
		if want[key(v.SectionID, v.Day)] || (v.Kind == solver.VDoubleBooking && rooms[v.RoomID] && isChanged(changed, v.Other, v.Day)) {
			out = append(out, v)
		}
	}
	if len(out) > 0 {
		return &ViolationError{Violations: out}
	}
	return nil
}

func isChanged(changed []solver.Assignment, sec string, d timegrid.Day) bool {
	for _, c := range changed {
		if c.SectionID == sec && c.Day == d {
			return true
		}
	}
	return false
}

func find(si *store.SemesterInput, id int64) (store.Allocation, bool) {
	for _, a := range si.Allocations {
		if a.ID == id {
			return a, true
		}
	}
	return store.Allocation{}, false
}

// without returns the current assignments minus the given allocation ids.
func without(si *store.SemesterInput, ids ...int64) []solver.Assignment {
	var out []solver.Assignment
	for _, a := range si.Allocations {
		skip := false
		for _, id := range ids {
			skip = skip || a.ID == id
		}
		if !skip {
			out = append(out, solver.Assignment{SectionID: store.ID(a.DemandID), Day: timegrid.Day(a.Day), RoomID: store.ID(a.RoomID)})
		}
	}
	return out
}

// Assign places a section-day (not yet placed) in a room.
func Assign(si *store.SemesterInput, demandID int64, day int, roomID int64, pinned bool, actor string) (store.AdjustPlan, error) {
	d, ok := si.Demands[demandID]
	if !ok {
		return store.AdjustPlan{}, &InvalidError{"demand_id", "no such (non-withdrawn) demand in this semester"}
	}
	if _, ok := si.Rooms[roomID]; !ok {
		return store.AdjustPlan{}, &InvalidError{"room_id", "no such room"}
	}
	for _, a := range si.Allocations {
		if a.DemandID == demandID && a.Day == day {
			return store.AdjustPlan{}, &InvalidError{"day", fmt.Sprintf("section %s %s is already placed on %s (allocation %d); move it instead", d.DisciplineCode, d.Section, timegrid.Day(day), a.ID)}
		}
	}
	n := solver.Assignment{SectionID: store.ID(demandID), Day: timegrid.Day(day), RoomID: store.ID(roomID)}
	if err := check(si, append(without(si), n), []solver.Assignment{n}); err != nil {
		return store.AdjustPlan{}, err
	}
	return store.AdjustPlan{
		Insert: []store.NewAllocation{{DemandID: demandID, Day: day, RoomID: roomID, Source: "manual", Pinned: pinned, Reason: "placed manually by " + actor}},
		Change: store.Change{Actor: actor, Action: "assign", Entity: "allocation", Detail: map[string]any{"demand_id": demandID, "day": day, "room_id": roomID}},
	}, nil
}

// Move puts an allocation in another room.
func Move(si *store.SemesterInput, allocationID, roomID int64, actor string) (store.AdjustPlan, error) {
	a, ok := find(si, allocationID)
	if !ok {
		return store.AdjustPlan{}, store.ErrNotFound
	}
	if _, ok := si.Rooms[roomID]; !ok {
		return store.AdjustPlan{}, &InvalidError{"room_id", "no such room"}
	}
	if _, ok := si.Demands[a.DemandID]; !ok {
		return store.AdjustPlan{}, &InvalidError{"id", "the allocation's demand was withdrawn; unassign it"}
	}
	n := solver.Assignment{SectionID: store.ID(a.DemandID), Day: timegrid.Day(a.Day), RoomID: store.ID(roomID)}
	if err := check(si, append(without(si, a.ID), n), []solver.Assignment{n}); err != nil {
		return store.AdjustPlan{}, err
	}
	return store.AdjustPlan{
		Delete: []int64{a.ID},
		Insert: []store.NewAllocation{{DemandID: a.DemandID, Day: a.Day, RoomID: roomID, Source: "manual", Pinned: true, Reason: "moved manually by " + actor}},
		Change: store.Change{Actor: actor, Action: "move", Entity: "allocation", EntityID: a.ID, Detail: map[string]any{"from_room_id": a.RoomID, "to_room_id": roomID}},
	}, nil
}

// Swap exchanges the rooms of two allocations.
func Swap(si *store.SemesterInput, idA, idB int64, actor string) (store.AdjustPlan, error) {
	a, okA := find(si, idA)
	b, okB := find(si, idB)
	if !okA || !okB || idA == idB {
		return store.AdjustPlan{}, &InvalidError{"allocation_ids", "need two different allocations of this semester"}
	}
	na := solver.Assignment{SectionID: store.ID(a.DemandID), Day: timegrid.Day(a.Day), RoomID: store.ID(b.RoomID)}
	nb := solver.Assignment{SectionID: store.ID(b.DemandID), Day: timegrid.Day(b.Day), RoomID: store.ID(a.RoomID)}
	changed := []solver.Assignment{na, nb}
	if err := check(si, append(without(si, a.ID, b.ID), changed...), changed); err != nil {
		return store.AdjustPlan{}, err
	}
	return store.AdjustPlan{
		Delete: []int64{a.ID, b.ID},
		Insert: []store.NewAllocation{
			{DemandID: a.DemandID, Day: a.Day, RoomID: b.RoomID, Source: "manual", Pinned: true, Reason: "swapped manually by " + actor},
			{DemandID: b.DemandID, Day: b.Day, RoomID: a.RoomID, Source: "manual", Pinned: true, Reason: "swapped manually by " + actor},
		},
		Change: store.Change{Actor: actor, Action: "swap", Entity: "allocation", EntityID: fmt.Sprintf("%d,%d", a.ID, b.ID)},
	}, nil
}

// Unassign removes an allocation.
func Unassign(si *store.SemesterInput, allocationID int64, actor string) (store.AdjustPlan, error) {
	a, ok := find(si, allocationID)
	if !ok {
		return store.AdjustPlan{}, store.ErrNotFound
	}
	return store.AdjustPlan{
		Delete: []int64{a.ID},
		Change: store.Change{Actor: actor, Action: "unassign", Entity: "allocation", EntityID: a.ID, Detail: map[string]any{"demand_id": a.DemandID, "day": a.Day, "room_id": a.RoomID}},
	}, nil
}
