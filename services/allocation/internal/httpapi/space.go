package httpapi

import (
	"context"
	"net/http"
)

func clocked(r Route, dep clockDep) Route {
	r.clock = dep
	return r
}

// Routes lists every endpoint.
func (a *API) Routes() []Route {
	A := func(method, path, tag, summary string, h handler, query ...Param) Route {
		return Route{Method: method, Path: AdminBase + path, Tag: tag, Summary: summary, h: h, Query: query}
	}
	P := func(path, tag, summary string, h handler, query ...Param) Route {
		return Route{Method: http.MethodGet, Path: PublicBase + path, Tag: tag, Summary: summary, Public: true, h: h, Query: query}
	}
	const id = "/{id:[0-9]+}"
	var (
		semesterID = pID("semester_id", "filter: only what belongs to this semester")
		roomID     = pID("room_id", "filter: only what is in this room")
		buildingID = pID("building_id", "filter: only what is in this building")
		demandID   = pID("demand_id", "filter: only this demand's (section's)")
		discipline = Param{Name: "discipline_code", kind: kindDisciplineCode, desc: "only this discipline code (exact, case-insensitive)"}
		from       = pDate("from", "only reservations with an occurrence on or after this date")
		to         = pDate("to", "only reservations with an occurrence on or before this date")
		// Public views: which semester's weekly classes (default: the one containing
		// date, else the active one) and which week or day.
		pubSemester = pID("semester_id", "the semester whose weekly classes to show (default: the semester containing date, else the active one)")
		weekDate    = pDate("date", "show the week containing this date, with that week's events (default: the weekly grid only)")
		roomsCSV    = []Param{buildingID, {Name: "active", kind: kindBool, desc: "true: only active rooms"}}
		demandsCSV  = []Param{semesterID, discipline}
		allocsCSV   = []Param{semesterID, roomID, demandID, buildingID}
		resCSV      = []Param{roomID, from, to}
	)
	rs := []Route{
		A("GET", "/campuses", "space", "List campuses", a.listCampuses, paged...),
		A("POST", "/campuses", "space", "Create a campus", a.saveCampus),
		A("GET", "/campuses"+id, "space", "Get a campus", a.getCampus),
		A("PUT", "/campuses"+id, "space", "Update a campus", a.saveCampus),
		A("DELETE", "/campuses"+id, "space", "Delete a campus", a.deleteBy(a.st.DeleteCampus)),
		A("GET", "/buildings", "space", "List buildings", a.listBuildings, with(paged, pID("campus_id", "filter: only this campus's buildings"))...),
		A("POST", "/buildings", "space", "Create a building", a.saveBuilding),
		A("GET", "/buildings"+id, "space", "Get a building", a.getBuilding),
		A("PUT", "/buildings"+id, "space", "Update a building", a.saveBuilding),
		A("DELETE", "/buildings"+id, "space", "Delete a building", a.deleteBy(a.st.DeleteBuilding)),
		A("GET", "/room-types", "space", "List room types", a.listRoomTypes, paged...),
		A("POST", "/room-types", "space", "Create a room type", a.saveRoomType),
		A("GET", "/room-types"+id, "space", "Get a room type", a.getRoomType),
		A("PUT", "/room-types"+id, "space", "Update a room type", a.saveRoomType),
		A("DELETE", "/room-types"+id, "space", "Delete a room type", a.deleteBy(a.st.DeleteRoomType)),
		A("GET", "/characteristics", "space", "List characteristics", a.listCharacteristics, paged...),
		A("POST", "/characteristics", "space", "Create a characteristic", a.saveCharacteristic),
		A("GET", "/characteristics"+id, "space", "Get a characteristic", a.getCharacteristic),
		A("PUT", "/characteristics"+id, "space", "Update a characteristic", a.saveCharacteristic),
		A("DELETE", "/characteristics"+id, "space", "Delete a characteristic", a.deleteBy(a.st.DeleteCharacteristic)),
		A("GET", "/rooms", "space", "List rooms (filters building_id, active)", a.listRooms, with(paged, roomsCSV...)...),
		A("GET", "/rooms.csv", "space", "Rooms as CSV", a.listRooms, roomsCSV...),
		A("POST", "/rooms", "space", "Create a room", a.saveRoom),
		A("GET", "/rooms"+id, "space", "Get a room", a.getRoom),
		A("PUT", "/rooms"+id, "space", "Update a room", a.saveRoom),
		A("DELETE", "/rooms"+id, "space", "Delete a room (deactivate it if it has history)", a.deleteBy(a.st.DeleteRoom)),
		A("GET", "/rooms"+id+"/schedule.pdf", "reports", "PDF schedule of a room (semester_id, default active)", a.roomPDF,
			pID("semester_id", "the semester to print (default: the active one)")),

		A("GET", "/semesters", "semesters", "List semesters", a.listSemesters, paged...),
		A("POST", "/semesters", "semesters", "Create a semester", a.saveSemester),
		A("GET", "/semesters"+id, "semesters", "Get a semester", a.getSemester),
		A("PUT", "/semesters"+id, "semesters", "Update a semester", a.saveSemester),
		A("DELETE", "/semesters"+id, "semesters", "Delete a semester without data", a.deleteBy(a.st.DeleteSemester)),
		A("POST", "/semesters"+id+"/activate", "semesters", "Make the semester the active one", a.activateSemester),
		A("POST", "/semesters"+id+"/import", "demands", "Import demands from the academic system's API", a.importAPI),
		A("POST", "/semesters"+id+"/import.csv", "demands", "Import demands from a CSV upload (text/csv)", a.importCSV,
			Param{Name: "excluded_programs", kind: kindText(1000), desc: "comma-separated program codes to skip (default: PLANTA_ALLOCATION_EXCLUDED_PROGRAMS)"},
			Param{Name: "mark_withdrawn", kind: kindBool, desc: "true: flag the semester's offers missing from the file as withdrawn"}),
		A("POST", "/semesters"+id+"/solve", "solver", "Start an allocation solve (202 with the job)", a.startSolve),
		A("GET", "/solve-jobs/{job:[0-9a-f-]{36}}", "solver", "Get a solve job's progress and result", a.getJob),
		A("POST", "/solve-jobs/{job:[0-9a-f-]{36}}/cancel", "solver", "Cancel a running solve job (nothing is written)", a.cancelJob),
		A("POST", "/semesters"+id+"/publish", "solver", "Publish the semester's current allocations (snapshot)", a.publish),
		A("GET", "/semesters"+id+"/publications", "solver", "List the semester's publications", a.listPublications, paged...),
		A("GET", "/publications"+id, "solver", "Get a publication with its section-days", a.getPublication),
		A("GET", "/semesters"+id+"/reports/heatmap", "reports", "Occupancy heatmap (day × block)", a.reportHeatmap),
		A("GET", "/semesters"+id+"/reports/buildings", "reports", "Use per building", a.reportBuildings),
		A("GET", "/semesters"+id+"/reports/buildings.csv", "reports", "Use per building as CSV", a.reportBuildings),
		A("GET", "/semesters"+id+"/reports/under-used", "reports", "Rooms below threshold percent occupancy", a.reportUnderUsed,
			Param{Name: "threshold", kind: kindPercent, desc: "list rooms below this percent occupancy (default 30)"}),
		A("GET", "/semesters"+id+"/reports/unallocated", "reports", "Unallocated section-days with reasons", a.reportUnallocated),
		A("GET", "/semesters"+id+"/reports/unallocated.csv", "reports", "Unallocated section-days as CSV", a.reportUnallocated),
		A("GET", "/semesters"+id+"/schedule.pdf", "reports", "PDF schedule of every active room", a.semesterPDF),

		A("GET", "/demands", "demands", "List demands (semester_id, discipline_code)", a.listDemands, with(paged, demandsCSV...)...),
		A("GET", "/demands.csv", "demands", "Demands as CSV", a.listDemands, demandsCSV...),
		A("POST", "/demands", "demands", "Create a demand manually", a.saveDemand),
		A("GET", "/demands"+id, "demands", "Get a demand", a.getDemand),
		A("PUT", "/demands"+id, "demands", "Update a demand", a.saveDemand),
		A("DELETE", "/demands"+id, "demands", "Delete a demand without allocations", a.deleteBy(a.st.DeleteDemand)),

		A("GET", "/professors", "professors", "List professors (q = name)", a.listProfessors,
			with(paged, Param{Name: "q", kind: kindText(200), desc: "only professors whose name contains this (accents, case and spacing ignored)"})...),
		A("POST", "/professors", "professors", "Create a professor", a.saveProfessor),
		A("GET", "/professors"+id, "professors", "Get a professor", a.getProfessor),
		A("PUT", "/professors"+id, "professors", "Update a professor", a.saveProfessor),
		A("DELETE", "/professors"+id, "professors", "Delete a professor", a.deleteBy(a.st.DeleteProfessor)),

		A("GET", "/rules", "rules", "List rules (discipline_code)", a.listRules, with(paged, discipline)...),
		A("POST", "/rules", "rules", "Create a rule", a.saveRule),
		A("GET", "/rules"+id, "rules", "Get a rule", a.getRule),
		A("PUT", "/rules"+id, "rules", "Update a rule", a.saveRule),
		A("DELETE", "/rules"+id, "rules", "Delete a rule", a.deleteBy(a.st.DeleteRule)),

		A("GET", "/room-holds", "holds", "List room holds (semester_id)", a.listHolds, with(paged, semesterID)...),
		A("POST", "/room-holds", "holds", "Create a room hold", a.saveHold),
		A("GET", "/room-holds"+id, "holds", "Get a room hold", a.getHold),
		A("PUT", "/room-holds"+id, "holds", "Update a room hold", a.saveHold),
		A("DELETE", "/room-holds"+id, "holds", "Delete a room hold", a.deleteBy(a.st.DeleteHold)),

		A("GET", "/allocations", "allocations", "List allocations (semester_id, room_id, demand_id, building_id)", a.listAllocations, with(paged, allocsCSV...)...),
		A("GET", "/allocations.csv", "allocations", "Allocations as CSV", a.listAllocations, allocsCSV...),
		A("POST", "/allocations", "allocations", "Assign a section-day to a room (every hard constraint checked)", a.assign),
		A("GET", "/allocations"+id, "allocations", "Get an allocation", a.getAllocation),
		A("POST", "/allocations"+id+"/move", "allocations", "Move an allocation to another room", a.move),
		A("POST", "/allocations/swap", "allocations", "Swap the rooms of two allocations", a.swap),
		A("POST", "/allocations"+id+"/pin", "allocations", "Pin or unpin an allocation", a.pin),
		A("DELETE", "/allocations"+id, "allocations", "Unassign an allocation", a.unassign),

		A("GET", "/reservations", "reservations", "List reservations (room_id, from, to)", a.listReservations, with(paged, resCSV...)...),
		A("GET", "/reservations.csv", "reservations", "Reservations as CSV", a.listReservations, resCSV...),
		A("POST", "/reservations", "reservations", "Create a reservation (conflict-checked)", a.createReservation),
		A("POST", "/reservations/preview", "reservations", "Preview a reservation's occurrences and conflicts", a.previewReservation),
		A("GET", "/reservations"+id, "reservations", "Get a reservation with occurrences", a.getReservation),
		A("PUT", "/reservations"+id, "reservations", "Update a reservation (title, requester, responsible; new blocks or recurrence re-check every occurrence)", a.updateReservation),
		A("DELETE", "/reservations"+id, "reservations", "Delete a reservation", a.deleteBy(a.st.DeleteReservation)),
		A("POST", "/reservations"+id+"/occurrences/{occurrence:[0-9]+}/cancel", "reservations", "Cancel one occurrence", a.cancelOccurrence),

		A("GET", "/change-log", "audit", "Who changed what (entity filter)", a.listChangeLog,
			with(paged, Param{Name: "entity", kind: kindEntity, desc: "only changes of this entity kind (room, semester, demand, allocation, reservation, ...)"})...),

		P("/semesters", "public", "Semesters", a.pubSemesters),
		P("/buildings", "public", "Buildings", a.pubBuildings),
		P("/rooms", "public", "Active rooms", a.pubRooms, buildingID),
		P("/rooms/search", "public", "Find free rooms by time, capacity, characteristic, building, type", a.pubSearch,
			Param{Name: "day", kind: kindDay, desc: "weekday code 2 (Monday) … 7 (Saturday): rooms free every week at these blocks"},
			pDate("date", "a date: rooms free on that date (events included); day, if also given, must match it"),
			Param{Name: "blocks", kind: kindBlocks, desc: "comma-separated block codes (default: every block)"},
			Param{Name: "capacity", kind: kindCapacity, desc: "at least this many seats"},
			Param{Name: "characteristic", kind: kindText(200), Repeated: true, desc: "has this characteristic (name, case-insensitive); repeat for several"},
			buildingID, pID("room_type_id", "filter: only rooms of this type"),
			pID("semester_id", "the semester whose weekly classes count (default: the semester containing date, else the active one)")),
		P("/rooms"+id+"/week", "public", "Weekly grid of a room", a.pubRoomWeek, weekDate, pubSemester),
		P("/buildings"+id+"/week", "public", "Weekly grid of a building's rooms", a.pubBuildingWeek, weekDate, pubSemester),
		clocked(P("/calendar", "public", "Calendar of a day or week", a.pubCalendar,
			pDate("date", "the day, or a day of the week, to show (default: today, São Paulo)"),
			Param{Name: "view", kind: kindEnum("day", "week"), desc: "day (default) or the Monday–Sunday week containing date"},
			roomID, buildingID), clockDay),
		clocked(P("/free-rooms", "public", "Rooms free now", a.pubFreeNow), clockSecond),
		clocked(P("/rooms"+id+"/calendar.ics", "public", "iCal feed of a room", a.pubICal), clockDay),
	}
	return rs
}

func (a *API) deleteBy(del func(context.Context, string, int64) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := del(r.Context(), actor(r), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
