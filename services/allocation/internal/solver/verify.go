package solver

import (
	"fmt"
	"sort"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// ViolationKind names a broken hard constraint.
type ViolationKind string

// Violation kinds reported by Verify.
const (
	VUnknownSection ViolationKind = "unknown_section"
	VUnknownRoom    ViolationKind = "unknown_room"
	VNoMeeting      ViolationKind = "section_does_not_meet"
	VDuplicate      ViolationKind = "section_day_assigned_twice"
	VInactiveRoom   ViolationKind = "inactive_room"
	VCapacity       ViolationKind = "capacity"
	VRoomType       ViolationKind = "room_type_rule"
	VRoomRule       ViolationKind = "room_rule"
	VLowMobility    ViolationKind = "low_mobility"
	VBlocked        ViolationKind = "blocked_cell"
	VDoubleBooking  ViolationKind = "double_booking"
)

// Violation is one broken hard constraint of an assignment list.
type Violation struct {
	Kind      ViolationKind
	SectionID string
	Day       timegrid.Day
	RoomID    string
	Block     string // block code when the violation is at one cell
	Other     string // the other section (double booking) or the hold label
	Message   string
}

// Verify checks every hard constraint of the assignments against the input,
// independently of the solver: known ids, meeting days, one room per
// section-day, active room, capacity ≥ seats, room-type and specific-room
// rules, low mobility (ground floor), blocked cells and no double booking.
// It returns nil when all hold. Violations are sorted deterministically.
func Verify(in Input, asg []Assignment) []Violation {
	g := in.Grid
	if g == nil {
		g = timegrid.Default()
	}
	rooms := map[string]*Room{}
	for i := range in.Rooms {
		rooms[in.Rooms[i].ID] = &in.Rooms[i]
	}
	secs := map[string]*Section{}
	for i := range in.Sections {
		secs[in.Sections[i].ID] = &in.Sections[i]
	}
	lowMob := map[string]bool{}
	for _, p := range in.Professors {
		if p.LowMobility {
			lowMob[p.ID] = true
		}
	}
	types := map[string][]string{}
	for _, r := range in.RoomTypeRules {
		types[r.Discipline] = append(types[r.Discipline], r.RoomType)
	}
	need := map[string][]string{}
	for _, r := range in.RoomRules {
		need[r.Discipline] = append(need[r.Discipline], r.RoomID)
	}
	type cell struct {
		room  string
		day   timegrid.Day
		block timegrid.Block
	}
	holds := map[cell]string{}
	for _, b := range in.Blocked {
		if _, ok := holds[cell{b.RoomID, b.Day, b.Block}]; !ok {
			holds[cell{b.RoomID, b.Day, b.Block}] = b.Label
		}
	}
	var out []Violation
	add := func(k ViolationKind, a Assignment, block, other, format string, args ...any) {
		out = append(out, Violation{Kind: k, SectionID: a.SectionID, Day: a.Day, RoomID: a.RoomID, Block: block, Other: other, Message: fmt.Sprintf(format, args...)})
	}
	seen := map[[2]string]bool{}
	taken := map[cell]string{}
	for _, a := range asg {
		s, room := secs[a.SectionID], rooms[a.RoomID]
		if s == nil {
			add(VUnknownSection, a, "", "", "section %q does not exist", a.SectionID)
			continue
		}
		if room == nil {
			add(VUnknownRoom, a, "", "", "room %q does not exist", a.RoomID)
			continue
		}
		mask := s.Schedule.Blocks(a.Day)
		if mask == 0 {
			add(VNoMeeting, a, "", "", "section %s does not meet on %s", s.ID, a.Day)
			continue
		}
		key := [2]string{a.SectionID, fmt.Sprint(int(a.Day))}
		if seen[key] {
			add(VDuplicate, a, "", "", "section %s has more than one room on %s", s.ID, a.Day)
			continue
		}
		seen[key] = true
		if !room.Active {
			add(VInactiveRoom, a, "", "", "room %s is inactive", room.ID)
		}
		if room.Capacity < s.Seats {
			add(VCapacity, a, "", "", "room %s holds %d, section %s needs %d seats", room.ID, room.Capacity, s.ID, s.Seats)
		}
		if ts := types[s.Discipline]; len(ts) > 0 && !contains(ts, room.Type) {
			add(VRoomType, a, "", "", "%s needs a room of type %v, %s is %q", s.Discipline, ts, room.ID, room.Type)
		}
		if rs := need[s.Discipline]; len(rs) > 0 && !contains(rs, room.ID) {
			add(VRoomRule, a, "", "", "%s needs room %v, got %s", s.Discipline, rs, room.ID)
		}
		for _, pid := range s.Professors {
			if lowMob[pid] && room.Floor != 0 {
				add(VLowMobility, a, "", pid, "professor %s has low mobility and room %s is on floor %d", pid, room.ID, room.Floor)
				break
			}
		}
		for _, b := range mask.Blocks() {
			c := cell{room.ID, a.Day, b}
			if lbl, ok := holds[c]; ok {
				add(VBlocked, a, g.BlockCode(b), lbl, "room %s is held at %s %s (%s)", room.ID, a.Day, g.BlockCode(b), lbl)
			}
			if o, ok := taken[c]; ok {
				add(VDoubleBooking, a, g.BlockCode(b), o, "room %s at %s %s is already taken by section %s", room.ID, a.Day, g.BlockCode(b), o)
			} else {
				taken[c] = s.ID
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.SectionID != b.SectionID {
			return a.SectionID < b.SectionID
		}
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Block < b.Block
	})
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
