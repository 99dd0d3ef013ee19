package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
)

// formInt reads a form integer (0 when absent or malformed).
func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return n
}

// formIDs reads a multi-valued id field (checkboxes, multiple select).
func formIDs(r *http.Request, name string) []int64 {
	out := []int64{}
	for _, s := range r.PostForm[name] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// has reports whether ids holds id (templates: checked options).
func has(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// afterWrite redirects to target with the flash, or shows the API's refusal (field
// errors, or a 409 with its conflicts named) on the page render draws.
func (s *Site) afterWrite(w http.ResponseWriter, r *http.Request, err error, target, flash string, render func(v *View, status int)) {
	if err == nil {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		http.Redirect(w, r, target+sep+"ok="+flash, http.StatusSeeOther)
		return
	}
	v := s.view(r)
	if s.formErrors(v, err) {
		v.Form = r.PostForm
		status := http.StatusUnprocessableEntity
		if len(v.Conflicts) > 0 || strings.Contains(err.Error(), "409") {
			status = http.StatusConflict
		}
		render(v, status)
		return
	}
	s.fail(w, r, err)
}

// --- campuses, buildings, room types, characteristics ---

// spaceData is the campus space page.
type spaceData struct {
	Campuses        []allocation.Campus
	Buildings       []allocation.BuildingFull
	RoomTypes       []allocation.Named
	Characteristics []allocation.Named
	CampusNames     map[int64]string
	Named           map[string][]allocation.Named
}

func (s *Site) space(w http.ResponseWriter, r *http.Request) {
	s.renderSpace(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderSpace(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	var d spaceData
	var err error
	if d.Campuses, err = s.api.Allocation.Campuses(ctx); err == nil {
		if d.Buildings, err = s.api.Allocation.Buildings(ctx); err == nil {
			if d.RoomTypes, err = s.api.Allocation.RoomTypes(ctx); err == nil {
				d.Characteristics, err = s.api.Allocation.Characteristics(ctx)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Named = map[string][]allocation.Named{"room-types": d.RoomTypes, "characteristics": d.Characteristics}
	d.CampusNames = map[int64]string{}
	for _, c := range d.Campuses {
		d.CampusNames[c.ID] = c.Name
	}
	v.Data = d
	s.render(w, r, status, "space", v)
}

// saveSpace creates (no id) or updates a campus, building, room type or characteristic.
func (s *Site) saveSpace(w http.ResponseWriter, r *http.Request) {
	kind := mux.Vars(r)["kind"]
	in := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))}
	if kind == "campuses" || kind == "buildings" {
		in["description"] = strings.TrimSpace(r.PostFormValue("description"))
	}
	if kind == "buildings" {
		in["campus_id"] = formInt(r, "campus_id")
	}
	err := s.api.Allocation.SaveSpace(ctxFor(r), kind, pathInt(r, "id"), in)
	s.afterWrite(w, r, err, "/allocation/space", "flash.saved", func(v *View, st int) { s.renderSpace(w, r, v, st) })
}

func (s *Site) deleteSpace(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.DeleteSpace(ctxFor(r), mux.Vars(r)["kind"], pathInt(r, "id"))
	s.afterWrite(w, r, err, "/allocation/space", "flash.deleted", func(v *View, st int) { s.renderSpace(w, r, v, st) })
}

// --- rooms ---

// roomsData is the rooms page (list and the create form) or one room's edit page.
type roomsData struct {
	Rooms           []allocation.Room
	Room            *allocation.RoomFull
	Buildings       []allocation.BuildingFull
	RoomTypes       []allocation.Named
	Characteristics []allocation.Named
}

func (s *Site) roomChoices(r *http.Request, d *roomsData) error {
	ctx := ctxFor(r)
	var err error
	if d.Buildings, err = s.api.Allocation.Buildings(ctx); err != nil {
		return err
	}
	if d.RoomTypes, err = s.api.Allocation.RoomTypes(ctx); err != nil {
		return err
	}
	d.Characteristics, err = s.api.Allocation.Characteristics(ctx)
	return err
}

func (s *Site) renderRooms(w http.ResponseWriter, r *http.Request, v *View, status int) {
	var d roomsData
	var err error
	if d.Rooms, err = s.api.Allocation.Rooms(ctxFor(r)); err == nil {
		err = s.roomChoices(r, &d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "rooms", v)
}

func roomInput(r *http.Request) allocation.RoomInput {
	floor, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("floor")))
	capacity, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("capacity")))
	return allocation.RoomInput{BuildingID: formInt(r, "building_id"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Description: strings.TrimSpace(r.PostFormValue("description")), Floor: floor, Capacity: capacity,
		RoomTypeID: formInt(r, "room_type_id"), Active: r.PostFormValue("active") == "true",
		CharacteristicIDs: formIDs(r, "characteristic_ids")}
}

func (s *Site) createRoom(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.SaveSpace(ctxFor(r), "rooms", 0, roomInput(r))
	s.afterWrite(w, r, err, "/allocation", "flash.saved", func(v *View, st int) { s.renderRooms(w, r, v, st) })
}

func (s *Site) roomForm(w http.ResponseWriter, r *http.Request) {
	s.renderRoom(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderRoom(w http.ResponseWriter, r *http.Request, v *View, status int) {
	room, err := s.api.Allocation.Room(ctxFor(r), pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := roomsData{Room: &room}
	if err := s.roomChoices(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "room", v)
}

func (s *Site) updateRoom(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	err := s.api.Allocation.SaveSpace(ctxFor(r), "rooms", id, roomInput(r))
	s.afterWrite(w, r, err, "/allocation/rooms/"+strconv.FormatInt(id, 10), "flash.saved", func(v *View, st int) { s.renderRoom(w, r, v, st) })
}

func (s *Site) deleteRoom(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.DeleteSpace(ctxFor(r), "rooms", pathInt(r, "id"))
	s.afterWrite(w, r, err, "/allocation", "flash.deleted", func(v *View, st int) { s.renderRoom(w, r, v, st) })
}

// --- professors ---

// professorsData is the professors page or one professor's edit page.
type professorsData struct {
	Items           []allocation.Professor
	Professor       *allocation.Professor
	Rooms           []allocation.Room
	Characteristics []allocation.Named
	RoomNames       map[int64]string
	CharNames       map[int64]string
	Filter          url.Values
}

func (s *Site) professorChoices(r *http.Request, d *professorsData) error {
	ctx := ctxFor(r)
	var err error
	if d.Rooms, err = s.api.Allocation.Rooms(ctx); err != nil {
		return err
	}
	if d.Characteristics, err = s.api.Allocation.Characteristics(ctx); err != nil {
		return err
	}
	d.RoomNames, d.CharNames = map[int64]string{}, map[int64]string{}
	for _, x := range d.Rooms {
		d.RoomNames[x.ID] = x.Building + " · " + x.Name
	}
	for _, x := range d.Characteristics {
		d.CharNames[x.ID] = x.Name
	}
	return nil
}

func (s *Site) professors(w http.ResponseWriter, r *http.Request) {
	s.renderProfessors(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderProfessors(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	d := professorsData{Filter: q}
	var err error
	if d.Items, err = s.api.Allocation.Professors(ctxFor(r), pick(q, "q")); err == nil {
		err = s.professorChoices(r, &d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "professors", v)
}

func professorInput(r *http.Request) allocation.Professor {
	return allocation.Professor{Name: strings.TrimSpace(r.PostFormValue("name")), LowMobility: r.PostFormValue("low_mobility") == "true",
		PreferredRoomIDs: formIDs(r, "preferred_room_ids"), PreferredCharacteristicIDs: formIDs(r, "preferred_characteristic_ids")}
}

func (s *Site) createProfessor(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.SaveSpace(ctxFor(r), "professors", 0, professorInput(r))
	s.afterWrite(w, r, err, "/allocation/professors", "flash.saved", func(v *View, st int) { s.renderProfessors(w, r, v, st) })
}

func (s *Site) professorForm(w http.ResponseWriter, r *http.Request) {
	s.renderProfessor(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderProfessor(w http.ResponseWriter, r *http.Request, v *View, status int) {
	p, err := s.api.Allocation.Professor(ctxFor(r), pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := professorsData{Professor: &p}
	if err := s.professorChoices(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "professor", v)
}

func (s *Site) updateProfessor(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	err := s.api.Allocation.SaveSpace(ctxFor(r), "professors", id, professorInput(r))
	s.afterWrite(w, r, err, "/allocation/professors", "flash.saved", func(v *View, st int) { s.renderProfessor(w, r, v, st) })
}

func (s *Site) deleteProfessor(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.DeleteSpace(ctxFor(r), "professors", pathInt(r, "id"))
	s.afterWrite(w, r, err, "/allocation/professors", "flash.deleted", func(v *View, st int) { s.renderProfessors(w, r, v, st) })
}

// --- rules ---

// rulesData is the rules page or one rule's edit page.
type rulesData struct {
	Items           []allocation.Rule
	Rule            *allocation.Rule
	Rooms           []allocation.Room
	RoomTypes       []allocation.Named
	Characteristics []allocation.Named
	Names           map[string]string
	Filter          url.Values
}

// RuleKinds are the rule kinds the API accepts.
var ruleKinds = []string{"needs_room_type", "needs_room", "prefers_characteristic"}

func (s *Site) ruleChoices(r *http.Request, d *rulesData) error {
	ctx := ctxFor(r)
	var err error
	if d.Rooms, err = s.api.Allocation.Rooms(ctx); err != nil {
		return err
	}
	if d.RoomTypes, err = s.api.Allocation.RoomTypes(ctx); err != nil {
		return err
	}
	if d.Characteristics, err = s.api.Allocation.Characteristics(ctx); err != nil {
		return err
	}
	d.Names = map[string]string{}
	for _, x := range d.Rooms {
		d.Names["room:"+strconv.FormatInt(x.ID, 10)] = x.Building + " · " + x.Name
	}
	for _, x := range d.RoomTypes {
		d.Names["type:"+strconv.FormatInt(x.ID, 10)] = x.Name
	}
	for _, x := range d.Characteristics {
		d.Names["char:"+strconv.FormatInt(x.ID, 10)] = x.Name
	}
	return nil
}

// ruleTarget names what a rule points at.
func ruleTarget(names map[string]string, x allocation.Rule) string {
	switch {
	case x.RoomTypeID != nil:
		return names["type:"+strconv.FormatInt(*x.RoomTypeID, 10)]
	case x.RoomID != nil:
		return names["room:"+strconv.FormatInt(*x.RoomID, 10)]
	case x.CharacteristicID != nil:
		return names["char:"+strconv.FormatInt(*x.CharacteristicID, 10)]
	}
	return ""
}

func (s *Site) rules(w http.ResponseWriter, r *http.Request) {
	s.renderRules(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderRules(w http.ResponseWriter, r *http.Request, v *View, status int) {
	q := r.URL.Query()
	d := rulesData{Filter: q}
	var err error
	if d.Items, err = s.api.Allocation.Rules(ctxFor(r), pick(q, "discipline_code")); err == nil {
		err = s.ruleChoices(r, &d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "rules", v)
}

func ruleInput(r *http.Request) allocation.Rule {
	prio, _ := strconv.Atoi(r.PostFormValue("priority"))
	in := allocation.Rule{Kind: r.PostFormValue("kind"), DisciplineCode: strings.TrimSpace(r.PostFormValue("discipline_code")),
		Priority: prio, Description: strings.TrimSpace(r.PostFormValue("description"))}
	idp := func(name string) *int64 {
		if n := formInt(r, name); n > 0 {
			return &n
		}
		return nil
	}
	switch in.Kind {
	case "needs_room_type":
		in.RoomTypeID = idp("room_type_id")
	case "needs_room":
		in.RoomID = idp("room_id")
	case "prefers_characteristic":
		in.CharacteristicID = idp("characteristic_id")
	}
	return in
}

func (s *Site) createRule(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.SaveSpace(ctxFor(r), "rules", 0, ruleInput(r))
	s.afterWrite(w, r, err, "/allocation/rules", "flash.saved", func(v *View, st int) { s.renderRules(w, r, v, st) })
}

func (s *Site) ruleForm(w http.ResponseWriter, r *http.Request) {
	s.renderRule(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderRule(w http.ResponseWriter, r *http.Request, v *View, status int) {
	x, err := s.api.Allocation.Rule(ctxFor(r), pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := rulesData{Rule: &x}
	if err := s.ruleChoices(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "rule", v)
}

func (s *Site) updateRule(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.SaveSpace(ctxFor(r), "rules", pathInt(r, "id"), ruleInput(r))
	s.afterWrite(w, r, err, "/allocation/rules", "flash.saved", func(v *View, st int) { s.renderRule(w, r, v, st) })
}

func (s *Site) deleteRule(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.DeleteSpace(ctxFor(r), "rules", pathInt(r, "id"))
	s.afterWrite(w, r, err, "/allocation/rules", "flash.deleted", func(v *View, st int) { s.renderRules(w, r, v, st) })
}

// --- demands and allocations ---

// semesterList is a page filtered by semester (default: the active one).
type semesterList struct {
	Semesters []allocation.Semester
	Semester  allocation.Semester
	Filter    url.Values
	Items     any
	Rooms     []allocation.Room
	Buildings []allocation.BuildingFull
	CSV       string
}

// withSemester loads the semesters and picks ?semester_id (else the active one).
func (s *Site) withSemester(r *http.Request, d *semesterList) error {
	list, err := s.api.Allocation.Semesters(ctxFor(r))
	if err != nil {
		return err
	}
	d.Semesters = list
	d.Filter = r.URL.Query()
	want, _ := strconv.ParseInt(d.Filter.Get("semester_id"), 10, 64)
	for _, x := range list {
		if (want == 0 && x.Active) || x.ID == want {
			d.Semester = x
		}
	}
	return nil
}

func (s *Site) demands(w http.ResponseWriter, r *http.Request) {
	s.renderDemands(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderDemands(w http.ResponseWriter, r *http.Request, v *View, status int) {
	var d semesterList
	if err := s.withSemester(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Semester.ID > 0 {
		q := pick(d.Filter, "discipline_code")
		q.Set("semester_id", strconv.FormatInt(d.Semester.ID, 10))
		items, err := s.api.Allocation.Demands(ctxFor(r), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Items = items
		d.CSV = allocation.AdminBase + "/demands.csv?" + q.Encode()
	}
	v.Data = d
	s.render(w, r, status, "demands", v)
}

func (s *Site) allocations(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	var d semesterList
	ctx := ctxFor(r)
	if err := s.withSemester(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	if d.Rooms, err = s.api.Allocation.Rooms(ctx); err == nil {
		d.Buildings, err = s.api.Allocation.Buildings(ctx)
	}
	if err == nil && d.Semester.ID > 0 {
		q := pick(d.Filter, "room_id", "building_id", "demand_id")
		q.Set("semester_id", strconv.FormatInt(d.Semester.ID, 10))
		var items []allocation.Allocation
		items, err = s.api.Allocation.Allocations(ctx, q)
		d.Items = items
		d.CSV = allocation.AdminBase + "/allocations.csv?" + q.Encode()
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "allocations", v)
}

// allocationData is one allocation's adjustment page.
type allocationData struct {
	A      allocation.Allocation
	Rooms  []allocation.Room
	Others []allocation.Allocation // same day, other rooms: swap partners
}

func (s *Site) allocationPage(w http.ResponseWriter, r *http.Request) {
	s.renderAllocation(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderAllocation(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	a, err := s.api.Allocation.Allocation(ctx, pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := allocationData{A: a}
	if d.Rooms, err = s.api.Allocation.Rooms(ctx); err == nil {
		var all []allocation.Allocation
		all, err = s.api.Allocation.Allocations(ctx, url.Values{"semester_id": {strconv.FormatInt(a.SemesterID, 10)}})
		for _, x := range all {
			if x.Day == a.Day && x.ID != a.ID && x.RoomID != a.RoomID {
				d.Others = append(d.Others, x)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "allocation", v)
}

// adjust moves, swaps, pins or unassigns an allocation; a refusal names the conflict.
func (s *Site) adjust(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	ctx := ctxFor(r)
	var err error
	target := "/allocation/allocations/" + strconv.FormatInt(id, 10)
	switch mux.Vars(r)["action"] {
	case "move":
		var moved allocation.Allocation
		if moved, err = s.api.Allocation.Move(ctx, id, formInt(r, "room_id")); err == nil && moved.ID > 0 {
			target = "/allocation/allocations/" + strconv.FormatInt(moved.ID, 10)
		}
	case "swap":
		// Both placements are replaced: back to the list, filtered to the semester.
		if err = s.api.Allocation.Swap(ctx, id, formInt(r, "other_id")); err == nil {
			target = "/allocation/allocations"
			if sem := formInt(r, "semester_id"); sem > 0 {
				target += "?semester_id=" + strconv.FormatInt(sem, 10)
			}
		}
	case "pin":
		err = s.api.Allocation.Pin(ctx, id, r.PostFormValue("pinned") == "true")
	case "unassign":
		err = s.api.Allocation.Unassign(ctx, id)
		target = "/allocation/allocations"
	}
	s.afterWrite(w, r, err, target, "flash.saved", func(v *View, st int) { s.renderAllocation(w, r, v, st) })
}

// --- reports ---

// reportsData is the semester's reports page.
type reportsData struct {
	semesterList
	Heatmap     allocation.Heatmap
	HeatRows    []heatRow
	Chart       map[string]any
	Buildings   []allocation.Use
	UnderUsed   []allocation.Use
	Unallocated []allocation.Unplaced
	Threshold   string
	Base        string
}

type heatRow struct {
	Block string
	Cells []heatCell
}

type heatCell struct {
	Percent float64
	Busy    int
	Level   int // 0..4 for the colour
}

func (s *Site) reports(w http.ResponseWriter, r *http.Request) {
	s.renderReports(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderReports(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	var d reportsData
	if err := s.withSemester(r, &d.semesterList); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Threshold = d.Filter.Get("threshold")
	if d.Threshold == "" {
		d.Threshold = "30"
	}
	if id := d.Semester.ID; id > 0 {
		var err error
		d.Base = allocation.AdminBase + "/semesters/" + strconv.FormatInt(id, 10)
		if d.Heatmap, err = s.api.Allocation.Heatmap(ctx, id); err == nil {
			if d.Buildings, err = s.api.Allocation.BuildingsReport(ctx, id); err == nil {
				if d.UnderUsed, err = s.api.Allocation.UnderUsed(ctx, id, d.Threshold); err == nil {
					if d.Unallocated, err = s.api.Allocation.Unallocated(ctx, id); err == nil && len(d.Unallocated) > 0 {
						d.Rooms, err = s.api.Allocation.Rooms(ctx)
					}
				}
			}
		}
		if err != nil {
			if !s.formErrors(v, err) {
				s.fail(w, r, err)
				return
			}
		}
		h := d.Heatmap
		var labels, dayAvg []any
		for di, day := range h.Days {
			labels = append(labels, v.L.T("day."+strconv.Itoa(day)))
			sum := 0.0
			if di < len(h.Percent) {
				for _, p := range h.Percent[di] {
					sum += p
				}
				if n := len(h.Percent[di]); n > 0 {
					sum /= float64(n)
				}
			}
			dayAvg = append(dayAvg, int(sum+0.5))
		}
		for bi, b := range h.Blocks {
			row := heatRow{Block: b}
			for di := range h.Days {
				c := heatCell{}
				if di < len(h.Percent) && bi < len(h.Percent[di]) {
					c.Percent = h.Percent[di][bi]
					c.Busy = h.Busy[di][bi]
					c.Level = int(c.Percent) / 25
					if c.Level > 4 {
						c.Level = 4
					}
				}
				row.Cells = append(row.Cells, c)
			}
			d.HeatRows = append(d.HeatRows, row)
		}
		d.Chart = map[string]any{"type": "bar", "labels": labels, "datasets": []map[string]any{{"label": v.L.T("report.avg_occupancy"), "data": dayAvg}}}
	}
	v.Data = d
	s.render(w, r, status, "reports", v)
}

// --- public calendar and free now ---

// calendarData is the public day/week calendar.
type calendarData struct {
	Cal       allocation.Calendar
	Days      []calendarDay
	Buildings []allocation.Building
	Filter    url.Values
	View      string
}

type calendarDay struct {
	Date    string
	Entries []allocation.CalendarEntry
}

func (s *Site) publicCalendar(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	ctx := ctxFor(r)
	q := r.URL.Query()
	d := calendarData{Filter: q, View: q.Get("view")}
	if d.View != "week" {
		d.View = "day"
	}
	var err error
	if d.Buildings, err = s.api.Allocation.PublicBuildings(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	rooms, err := s.api.Allocation.PublicRooms(ctx, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[int64]allocation.Room{}
	for _, x := range rooms {
		names[x.ID] = x
	}
	cq := pick(q, "date", "room_id", "building_id")
	cq.Set("view", d.View)
	if d.Cal, err = s.api.Allocation.Calendar(ctx, cq); err != nil {
		if !s.formErrors(v, err) {
			s.fail(w, r, err)
			return
		}
	}
	idx := map[string]int{}
	for _, e := range d.Cal.Items {
		e.Room, e.Building = names[e.RoomID].Name, names[e.RoomID].Building
		i, ok := idx[e.Date]
		if !ok {
			i = len(d.Days)
			idx[e.Date] = i
			d.Days = append(d.Days, calendarDay{Date: e.Date})
		}
		d.Days[i].Entries = append(d.Days[i].Entries, e)
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "public_calendar", v)
}

func (s *Site) publicFreeNow(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	f, err := s.api.Allocation.FreeRooms(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = f
	s.render(w, r, http.StatusOK, "public_free", v)
}
