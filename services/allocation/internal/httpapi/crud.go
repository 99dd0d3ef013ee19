package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/planta-dev/planta/libs/jsonbody"

	"github.com/planta-dev/planta/services/allocation/internal/importer"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// saved answers 201 for a create (POST) and 200 for an update.
func saved(w http.ResponseWriter, r *http.Request, v any) error {
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	jsonbody.Write(w, status, v)
	return nil
}

// idForWrite returns 0 for POST and the path id for PUT.
func idForWrite(r *http.Request) (int64, error) {
	if r.Method == http.MethodPost {
		return 0, nil
	}
	return pathID(r, "id")
}

func getJSON[T any](get func(r *http.Request, id int64) (T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		v, err := get(r, id)
		if err != nil {
			return err
		}
		jsonbody.Write(w, http.StatusOK, v)
		return nil
	}
}

// listBy answers one page (limit, cursor) of what list returns.
func listBy[T any](r *http.Request, w http.ResponseWriter, list func(p store.Page) ([]T, error), id func(T) int64) error {
	p := params(r).page()
	items, err := list(p)
	if err != nil {
		return err
	}
	listResp(w, items, p, id)
	return nil
}

// saveBy is a create (POST, 201) or an update (PUT of the path id, 200): decode the
// body into an I, collect every field error with check, then save.
func saveBy[I, T any](w http.ResponseWriter, r *http.Request, check func(v *validator, in *I), save func(id int64, in *I) (T, error)) error {
	id, err := idForWrite(r)
	if err != nil {
		return err
	}
	var in I
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	var v validator
	check(&v, &in)
	if err := v.err(); err != nil {
		return err
	}
	out, err := save(id, &in)
	if err != nil {
		return err
	}
	return saved(w, r, out)
}

// --- campuses, buildings, catalogs

type campusIn struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (a *API) listCampuses(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.Campus, error) { return a.st.ListCampuses(r.Context(), p) },
		func(x store.Campus) int64 { return x.ID })
}

func (a *API) getCampus(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Campus, error) { return a.st.GetCampus(r.Context(), id) })(w, r)
}

func (a *API) saveCampus(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *campusIn) {
		v.name("name", in.Name)
	}, func(id int64, in *campusIn) (store.Campus, error) {
		return a.st.SaveCampus(r.Context(), actor(r), store.Campus{ID: id, Name: strings.TrimSpace(in.Name), Description: in.Description})
	})
}

type buildingIn struct {
	CampusID    int64  `json:"campus_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (a *API) listBuildings(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.Building, error) {
		return a.st.ListBuildings(r.Context(), params(r).id("campus_id"), p)
	}, func(x store.Building) int64 { return x.ID })
}

func (a *API) getBuilding(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Building, error) { return a.st.GetBuilding(r.Context(), id) })(w, r)
}

func (a *API) saveBuilding(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *buildingIn) {
		v.name("name", in.Name)
		v.check(in.CampusID > 0, "campus_id", "is required")
	}, func(id int64, in *buildingIn) (store.Building, error) {
		return a.st.SaveBuilding(r.Context(), actor(r), store.Building{ID: id, CampusID: in.CampusID, Name: strings.TrimSpace(in.Name), Description: in.Description})
	})
}

type namedIn struct {
	Name string `json:"name"`
}

// checkNamed is the check of a catalog entry that has only a name.
func checkNamed(v *validator, in *namedIn) { v.name("name", in.Name) }

func (a *API) listRoomTypes(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.RoomType, error) { return a.st.ListRoomTypes(r.Context(), p) },
		func(x store.RoomType) int64 { return x.ID })
}

func (a *API) getRoomType(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.RoomType, error) { return a.st.GetRoomType(r.Context(), id) })(w, r)
}

func (a *API) saveRoomType(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, checkNamed, func(id int64, in *namedIn) (store.RoomType, error) {
		return a.st.SaveRoomType(r.Context(), actor(r), store.RoomType{ID: id, Name: strings.TrimSpace(in.Name)})
	})
}

func (a *API) listCharacteristics(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.Characteristic, error) { return a.st.ListCharacteristics(r.Context(), p) },
		func(x store.Characteristic) int64 { return x.ID })
}

func (a *API) getCharacteristic(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Characteristic, error) {
		return a.st.GetCharacteristic(r.Context(), id)
	})(w, r)
}

func (a *API) saveCharacteristic(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, checkNamed, func(id int64, in *namedIn) (store.Characteristic, error) {
		return a.st.SaveCharacteristic(r.Context(), actor(r), store.Characteristic{ID: id, Name: strings.TrimSpace(in.Name)})
	})
}

// --- rooms

type roomIn struct {
	BuildingID        int64   `json:"building_id"`
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	Floor             *int    `json:"floor"`
	Capacity          *int    `json:"capacity"`
	RoomTypeID        int64   `json:"room_type_id"`
	Active            *bool   `json:"active"`
	CharacteristicIDs []int64 `json:"characteristic_ids"`
}

func (a *API) listRooms(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	f := store.RoomFilter{BuildingID: q.id("building_id"), ActiveOnly: q.boolean("active")}
	list := func(p store.Page) ([]store.Room, error) { return a.st.ListRooms(r.Context(), f, p) }
	id := func(x store.Room) int64 { return x.ID }
	if wantsCSV(r) {
		return streamCSV(a, w, r, "rooms.csv", []string{"id", "building", "name", "description", "type", "capacity", "floor", "active", "characteristics"},
			list, id, func(x store.Room) []string {
				return []string{itoa(x.ID), x.Building, x.Name, x.Description, x.RoomType, strconv.Itoa(x.Capacity), strconv.Itoa(x.Floor), strconv.FormatBool(x.Active), strings.Join(x.Characteristics, "|")}
			})
	}
	p := q.page()
	items, err := list(p)
	if err != nil {
		return err
	}
	listResp(w, items, p, id)
	return nil
}

func (a *API) getRoom(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Room, error) { return a.st.GetRoom(r.Context(), id) })(w, r)
}

func (a *API) saveRoom(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *roomIn) {
		v.name("name", in.Name)
		v.check(in.BuildingID > 0, "building_id", "is required")
		v.check(in.RoomTypeID > 0, "room_type_id", "is required")
		v.check(in.Capacity != nil && *in.Capacity >= 0 && *in.Capacity <= 10000, "capacity", "is required, 0–10000")
		v.check(in.Floor == nil || (*in.Floor >= -5 && *in.Floor <= 200), "floor", "must be -5–200 (0 = ground)")
	}, func(id int64, in *roomIn) (store.Room, error) {
		room := store.Room{ID: id, BuildingID: in.BuildingID, Name: strings.TrimSpace(in.Name), Description: in.Description, RoomTypeID: in.RoomTypeID, Active: true, Capacity: *in.Capacity, CharacteristicIDs: in.CharacteristicIDs}
		if in.Floor != nil {
			room.Floor = *in.Floor
		}
		if in.Active != nil {
			room.Active = *in.Active
		}
		if room.CharacteristicIDs == nil {
			room.CharacteristicIDs = []int64{}
		}
		return a.st.SaveRoom(r.Context(), actor(r), room)
	})
}

// --- semesters

type semesterIn struct {
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Active    bool   `json:"active"`
}

func (a *API) listSemesters(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.Semester, error) { return a.st.ListSemesters(r.Context(), p) },
		func(x store.Semester) int64 { return x.ID })
}

func (a *API) getSemester(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Semester, error) { return a.st.GetSemester(r.Context(), id) })(w, r)
}

func (a *API) saveSemester(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *semesterIn) {
		v.check(semesterName.MatchString(in.Name), "name", "must look like 2025-2")
		a.checkSemesterDates(v, in.StartDate, in.EndDate)
	}, func(id int64, in *semesterIn) (store.Semester, error) {
		if id != 0 && !in.Active {
			// Deactivation happens only by activating another semester: one stays active.
			cur, err := a.st.GetSemester(r.Context(), id)
			if err != nil {
				return store.Semester{}, err
			}
			in.Active = cur.Active
		}
		return a.st.SaveSemester(r.Context(), actor(r), store.Semester{ID: id, Name: in.Name, StartDate: in.StartDate, EndDate: in.EndDate, Active: in.Active})
	})
}

// Semester date bounds: a semester is at most a year long and lies within a few years of
// today, so a typo such as 2099 is refused instead of spanning decades of weekly occupancy.
const (
	maxSemesterYears     = 1
	semesterHorizonYears = 5
)

func (a *API) checkSemesterDates(v *validator, startS, endS string) {
	start, errS := time.Parse("2006-01-02", startS)
	end, errE := time.Parse("2006-01-02", endS)
	v.check(errS == nil, "start_date", "must be a date YYYY-MM-DD")
	v.check(errE == nil, "end_date", "must be a date YYYY-MM-DD")
	if errS != nil || errE != nil {
		return
	}
	now := a.cfg.Now().In(a.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	earliest, latest := today.AddDate(-semesterHorizonYears, 0, 0), today.AddDate(semesterHorizonYears, 0, 0)
	horizon := fmt.Sprintf("must be within %d years of today (%s to %s)", semesterHorizonYears,
		earliest.Format("2006-01-02"), latest.Format("2006-01-02"))
	v.check(!start.Before(earliest) && !start.After(latest), "start_date", horizon)
	// One reason per field: the first rule end_date breaks.
	switch {
	case !end.After(start):
		v.check(false, "end_date", "must be after start_date")
	case end.After(start.AddDate(maxSemesterYears, 0, 0)):
		v.check(false, "end_date", fmt.Sprintf("must be at most %d year after start_date", maxSemesterYears))
	case end.Before(earliest) || end.After(latest):
		v.check(false, "end_date", horizon)
	}
}

func (a *API) activateSemester(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	s, err := a.st.GetSemester(r.Context(), id)
	if err != nil {
		return err
	}
	s.Active = true
	s, err = a.st.SaveSemester(r.Context(), actor(r), s)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, s)
	return nil
}

// --- professors

type professorIn struct {
	Name                       string  `json:"name"`
	LowMobility                bool    `json:"low_mobility"`
	PreferredRoomIDs           []int64 `json:"preferred_room_ids"`
	PreferredCharacteristicIDs []int64 `json:"preferred_characteristic_ids"`
}

func (a *API) listProfessors(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.Professor, error) {
		return a.st.ListProfessors(r.Context(), importer.NameKey(params(r).get("q")), p)
	}, func(x store.Professor) int64 { return x.ID })
}

func (a *API) getProfessor(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Professor, error) { return a.st.GetProfessor(r.Context(), id) })(w, r)
}

func (a *API) saveProfessor(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *professorIn) {
		v.name("name", in.Name)
		v.check(importer.NameKey(in.Name) != "", "name", "must contain letters")
	}, func(id int64, in *professorIn) (store.Professor, error) {
		p := store.Professor{ID: id, Name: strings.Join(strings.Fields(in.Name), " "), NameKey: importer.NameKey(in.Name), LowMobility: in.LowMobility,
			PreferredRoomIDs: in.PreferredRoomIDs, PreferredCharacteristicIDs: in.PreferredCharacteristicIDs}
		if p.PreferredRoomIDs == nil {
			p.PreferredRoomIDs = []int64{}
		}
		if p.PreferredCharacteristicIDs == nil {
			p.PreferredCharacteristicIDs = []int64{}
		}
		return a.st.SaveProfessor(r.Context(), actor(r), p)
	})
}

// --- rules

type ruleIn struct {
	Kind             string `json:"kind"`
	DisciplineCode   string `json:"discipline_code"`
	RoomTypeID       *int64 `json:"room_type_id"`
	RoomID           *int64 `json:"room_id"`
	CharacteristicID *int64 `json:"characteristic_id"`
	Priority         int    `json:"priority"`
	Description      string `json:"description"`
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.Rule, error) {
		return a.st.ListRules(r.Context(), strings.ToUpper(params(r).get("discipline_code")), p)
	}, func(x store.Rule) int64 { return x.ID })
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Rule, error) { return a.st.GetRule(r.Context(), id) })(w, r)
}

func (a *API) saveRule(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *ruleIn) {
		v.check(disciplineCode.MatchString(strings.ToUpper(in.DisciplineCode)), "discipline_code", "must be a discipline code such as FUP0001")
		switch in.Kind {
		case store.RuleNeedsRoomType:
			v.check(in.RoomTypeID != nil && in.RoomID == nil && in.CharacteristicID == nil, "room_type_id", "needs_room_type takes room_type_id only")
			v.check(in.Priority == 0, "priority", "hard rules have no priority")
		case store.RuleNeedsRoom:
			v.check(in.RoomID != nil && in.RoomTypeID == nil && in.CharacteristicID == nil, "room_id", "needs_room takes room_id only")
			v.check(in.Priority == 0, "priority", "hard rules have no priority")
		case store.RulePrefersCharacteristic:
			v.check(in.CharacteristicID != nil && in.RoomID == nil && in.RoomTypeID == nil, "characteristic_id", "prefers_characteristic takes characteristic_id only")
			v.check(in.Priority >= 1 && in.Priority <= 10, "priority", "must be 1–10")
		default:
			v.check(false, "kind", "must be needs_room_type, needs_room or prefers_characteristic")
		}
	}, func(id int64, in *ruleIn) (store.Rule, error) {
		return a.st.SaveRule(r.Context(), actor(r), store.Rule{ID: id, Kind: in.Kind, DisciplineCode: strings.ToUpper(in.DisciplineCode), RoomTypeID: in.RoomTypeID,
			RoomID: in.RoomID, CharacteristicID: in.CharacteristicID, Priority: in.Priority, Description: in.Description})
	})
}

// --- room holds

type holdIn struct {
	SemesterID   int64  `json:"semester_id"`
	RoomID       int64  `json:"room_id"`
	Label        string `json:"label"`
	InternalNote string `json:"internal_note"`
	Schedule     string `json:"schedule"`
}

func (a *API) listHolds(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.RoomHold, error) {
		return a.st.ListHolds(r.Context(), params(r).id("semester_id"), p)
	}, func(x store.RoomHold) int64 { return x.ID })
}

func (a *API) getHold(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.RoomHold, error) { return a.st.GetHold(r.Context(), id) })(w, r)
}

func (a *API) saveHold(w http.ResponseWriter, r *http.Request) error {
	var sch timegrid.Schedule
	return saveBy(w, r, func(v *validator, in *holdIn) {
		v.check(in.SemesterID > 0, "semester_id", "is required")
		v.check(in.RoomID > 0, "room_id", "is required")
		v.name("label", in.Label)
		var perr error
		sch, perr = a.grid.Parse(in.Schedule)
		v.check(perr == nil && !sch.Empty(), "schedule", scheduleReason(perr))
	}, func(id int64, in *holdIn) (store.RoomHold, error) {
		var days, blocks []int16
		for _, c := range sch.Cells() {
			days = append(days, int16(c.Day))
			blocks = append(blocks, int16(c.Block))
		}
		h := store.RoomHold{ID: id, SemesterID: in.SemesterID, RoomID: in.RoomID, Label: strings.TrimSpace(in.Label), InternalNote: in.InternalNote,
			Schedule: a.grid.Format(sch), Cells: importer.Cells(a.grid, sch)}
		return a.st.SaveHold(r.Context(), actor(r), h, days, blocks)
	})
}

func scheduleReason(err error) string {
	if err != nil {
		return err.Error()
	}
	return "must be a schedule string such as 24M12 6T34"
}

// --- change log

func (a *API) listChangeLog(w http.ResponseWriter, r *http.Request) error {
	return listBy(r, w, func(p store.Page) ([]store.ChangeLogEntry, error) {
		return a.st.ListChangeLog(r.Context(), params(r).get("entity"), p)
	}, func(x store.ChangeLogEntry) int64 { return x.ID })
}
