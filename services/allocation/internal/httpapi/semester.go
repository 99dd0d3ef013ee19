package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/adjust"
	"github.com/planta-dev/planta/services/allocation/internal/importer"
	"github.com/planta-dev/planta/services/allocation/internal/report"
	"github.com/planta-dev/planta/services/allocation/internal/solvejob"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

var (
	semesterName   = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}$`)
	disciplineCode = importer.DisciplineCode
)

// --- import

type importIn struct {
	ExcludedPrograms *[]string `json:"excluded_programs"`
}

func (a *API) importAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in importIn
	if r.ContentLength != 0 {
		if err := jsonbody.Decode(w, r, &in); err != nil {
			return err
		}
	}
	sem, err := a.st.GetSemester(r.Context(), id)
	if err != nil {
		return err
	}
	if a.cfg.Academic == nil {
		return importer.ErrNotConfigured
	}
	offers, err := a.cfg.Academic.Fetch(r.Context(), sem.Name)
	if err != nil {
		if errors.Is(err, importer.ErrNotConfigured) {
			return err
		}
		return problem.New(http.StatusBadGateway, "academic-api", err.Error())
	}
	return a.runImport(w, r, sem, offers, in.ExcludedPrograms, "api", true)
}

func (a *API) importCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "body must be text/csv")
	}
	sem, err := a.st.GetSemester(r.Context(), id)
	if err != nil {
		return err
	}
	offers, err := importer.ParseCSV(http.MaxBytesReader(w, r.Body, 8<<20))
	if err != nil {
		return problem.Field("body", err.Error())
	}
	q := params(r)
	var excluded *[]string
	if ex := q.get("excluded_programs"); ex != "" {
		list := strings.Split(ex, ",")
		excluded = &list
	}
	return a.runImport(w, r, sem, offers, excluded, "csv", q.boolean("mark_withdrawn"))
}

func (a *API) runImport(w http.ResponseWriter, r *http.Request, sem store.Semester, offers []importer.Offer, excluded *[]string, source string, markWithdrawn bool) error {
	ex := a.cfg.ExcludedPrograms
	if excluded != nil {
		ex = *excluded
	}
	known, err := a.st.ProfessorKeys(r.Context())
	if err != nil {
		return err
	}
	demands, skipped, unmatched := importer.Convert(a.grid, offers, ex, known)
	rep := importer.Report{Source: source, Semester: sem.Name, Received: len(offers), Skipped: skipped, UnmatchedProfessors: unmatched, Withdrawn: []string{}}
	if rep.Skipped == nil {
		rep.Skipped = []importer.Skipped{}
	}
	outs, withdrawn, err := a.st.UpsertDemands(r.Context(), actor(r), sem.ID, demands, markWithdrawn,
		map[string]any{"source": source, "received": len(offers), "accepted": len(demands), "skipped": len(skipped)})
	if err != nil {
		return err
	}
	if withdrawn != nil {
		rep.Withdrawn = withdrawn
	}
	rep.Rows = outs
	for _, o := range outs {
		switch o.Outcome {
		case "created":
			rep.Created++
		case "updated":
			rep.Updated++
		default:
			rep.Unchanged++
		}
	}
	jsonbody.Write(w, http.StatusOK, rep)
	return nil
}

// --- demands

type demandIn struct {
	SemesterID     int64    `json:"semester_id"`
	ExternalID     string   `json:"external_id"`
	ProgramCode    string   `json:"program_code"`
	DisciplineCode string   `json:"discipline_code"`
	DisciplineName string   `json:"discipline_name"`
	Section        string   `json:"section"`
	Seats          *int     `json:"seats"`
	Schedule       string   `json:"schedule"`
	Professors     []string `json:"professors"`
}

func (a *API) listDemands(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	f := store.DemandFilter{SemesterID: q.id("semester_id"), DisciplineCode: strings.ToUpper(q.get("discipline_code"))}
	list := func(p store.Page) ([]store.Demand, error) { return a.st.ListDemands(r.Context(), f, p) }
	id := func(x store.Demand) int64 { return x.ID }
	if wantsCSV(r) {
		return streamCSV(a, w, r, "demands.csv", []string{"id", "offer_id", "program_code", "course_code", "course_name", "section", "seats", "schedule", "professors", "withdrawn"},
			list, id, func(d store.Demand) []string {
				return []string{itoa(d.ID), d.ExternalID, d.ProgramCode, d.DisciplineCode, d.DisciplineName, d.Section, strconv.Itoa(d.Seats), d.Schedule, strings.Join(d.ProfessorNames, "|"), strconv.FormatBool(d.Withdrawn)}
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

func (a *API) getDemand(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Demand, error) { return a.st.GetDemand(r.Context(), id) })(w, r)
}

// demandField names an offer field (importer.CheckOffer) as POST /demands spells it.
var demandField = map[string]string{"course_code": "discipline_code", "course_name": "discipline_name", "offer_id": "external_id"}

func demandOffer(in *demandIn) importer.Offer {
	return importer.Offer{OfferID: in.ExternalID, ProgramCode: in.ProgramCode, CourseCode: in.DisciplineCode, CourseName: in.DisciplineName,
		Section: in.Section, Schedule: in.Schedule, Seats: in.Seats, Professors: in.Professors}
}

func (a *API) saveDemand(w http.ResponseWriter, r *http.Request) error {
	return saveBy(w, r, func(v *validator, in *demandIn) {
		v.check(in.SemesterID > 0, "semester_id", "is required")
		// The same per-field check as the CSV and academic API imports.
		_, issues := importer.CheckOffer(a.grid, demandOffer(in))
		for _, is := range issues {
			field := is.Field
			if f, ok := demandField[field]; ok {
				field = f
			}
			v.check(false, field, is.Detail)
		}
	}, func(id int64, in *demandIn) (store.Demand, error) {
		ds, skipped, _ := importer.Convert(a.grid, []importer.Offer{demandOffer(in)}, nil, nil)
		if len(ds) != 1 {
			return store.Demand{}, problem.Field("body", skipped[0].Detail)
		}
		d := ds[0]
		d.ID, d.SemesterID = id, in.SemesterID
		return a.st.SaveDemand(r.Context(), actor(r), d)
	})
}

// --- solver

// SolveIn is the body of POST /semesters/{id}/solve (optional).
type SolveIn struct {
	// Mode is "full" (default) or "minimal_perturbation" (stay close to the latest publication).
	Mode string `json:"mode"`
}

func (a *API) startSolve(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in SolveIn
	if r.ContentLength != 0 {
		if err := jsonbody.Decode(w, r, &in); err != nil {
			return err
		}
	}
	if in.Mode == "" {
		in.Mode = store.ModeFull
	}
	if in.Mode != store.ModeFull && in.Mode != store.ModeMinimalPerturbation {
		return problem.Field("mode", "must be full or minimal_perturbation")
	}
	if a.cfg.Runner == nil {
		return problem.Unavailable("the solver is not available")
	}
	job, err := a.cfg.Runner.Start(r.Context(), actor(r), id, in.Mode)
	if err != nil {
		return err
	}
	w.Header().Set("Location", AdminBase+"/solve-jobs/"+job.ID)
	jsonbody.Write(w, http.StatusAccepted, job)
	return nil
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) error {
	job, err := a.st.GetJob(r.Context(), mux.Vars(r)["job"])
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, job)
	return nil
}

func (a *API) cancelJob(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Runner == nil {
		return problem.Unavailable("the solver is not available")
	}
	job, err := a.cfg.Runner.Cancel(r.Context(), actor(r), mux.Vars(r)["job"], 5*time.Second)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, job)
	return nil
}

// --- publications

// PublishIn is the body of POST /semesters/{id}/publish (optional).
type PublishIn struct {
	Note string `json:"note"`
}

func (a *API) publish(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in PublishIn
	if r.ContentLength != 0 {
		if err := jsonbody.Decode(w, r, &in); err != nil {
			return err
		}
	}
	if len(in.Note) > 500 {
		return problem.Field("note", "at most 500 characters")
	}
	pub, err := a.st.Publish(r.Context(), actor(r), id, strings.TrimSpace(in.Note))
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusCreated, pub)
	return nil
}

func (a *API) listPublications(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := params(r).page()
	if _, err := a.st.GetSemester(r.Context(), id); err != nil {
		return err
	}
	items, err := a.st.ListPublications(r.Context(), id, p)
	if err != nil {
		return err
	}
	listResp(w, items, p, func(x store.Publication) int64 { return x.ID })
	return nil
}

func (a *API) getPublication(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Publication, error) {
		return a.st.GetPublication(r.Context(), id)
	})(w, r)
}

// --- allocations

func (a *API) listAllocations(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	f := store.AllocationFilter{SemesterID: q.id("semester_id"), RoomID: q.id("room_id"), DemandID: q.id("demand_id"), BuildingID: q.id("building_id")}
	list := func(p store.Page) ([]store.Allocation, error) { return a.st.ListAllocations(r.Context(), f, p) }
	id := func(x store.Allocation) int64 { return x.ID }
	if wantsCSV(r) {
		return streamCSV(a, w, r, "allocations.csv", []string{"id", "semester_id", "course_code", "course_name", "section", "day", "blocks", "building", "room", "source", "pinned", "score"},
			list, id, func(x store.Allocation) []string {
				return []string{itoa(x.ID), itoa(x.SemesterID), x.DisciplineCode, x.DisciplineName, x.Section, strconv.Itoa(x.Day), strings.Join(x.Blocks, " "), x.Building, x.RoomName, x.Source, strconv.FormatBool(x.Pinned), strconv.Itoa(x.Score)}
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

func (a *API) getAllocation(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Allocation, error) { return a.st.GetAllocation(r.Context(), id) })(w, r)
}

type assignIn struct {
	SemesterID int64 `json:"semester_id"`
	DemandID   int64 `json:"demand_id"`
	Day        int   `json:"day"`
	RoomID     int64 `json:"room_id"`
	Pinned     *bool `json:"pinned"`
}

func (a *API) assign(w http.ResponseWriter, r *http.Request) error {
	var in assignIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	var v validator
	v.check(in.SemesterID > 0, "semester_id", "is required")
	v.check(in.DemandID > 0, "demand_id", "is required")
	v.check(in.RoomID > 0, "room_id", "is required")
	v.check(in.Day >= 1 && in.Day <= 7, "day", "must be a day code 2 (Monday) … 7 (Saturday)")
	if err := v.err(); err != nil {
		return err
	}
	pinned := in.Pinned == nil || *in.Pinned
	ids, err := a.st.Adjust(r.Context(), in.SemesterID, func(si *store.SemesterInput) (store.AdjustPlan, error) {
		return adjust.Assign(si, in.DemandID, in.Day, in.RoomID, pinned, actor(r))
	})
	if err != nil {
		return err
	}
	out, err := a.st.GetAllocation(r.Context(), ids[0])
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusCreated, out)
	return nil
}

type moveIn struct {
	RoomID int64 `json:"room_id"`
}

func (a *API) move(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in moveIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	if in.RoomID <= 0 {
		return problem.Field("room_id", "is required")
	}
	cur, err := a.st.GetAllocation(r.Context(), id)
	if err != nil {
		return err
	}
	ids, err := a.st.Adjust(r.Context(), cur.SemesterID, func(si *store.SemesterInput) (store.AdjustPlan, error) {
		return adjust.Move(si, id, in.RoomID, actor(r))
	})
	if err != nil {
		return err
	}
	out, err := a.st.GetAllocation(r.Context(), ids[0])
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, out)
	return nil
}

type swapIn struct {
	AllocationIDs []int64 `json:"allocation_ids"`
}

func (a *API) swap(w http.ResponseWriter, r *http.Request) error {
	var in swapIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	if len(in.AllocationIDs) != 2 || in.AllocationIDs[0] == in.AllocationIDs[1] {
		return problem.Field("allocation_ids", "must name two different allocations")
	}
	first, err := a.st.GetAllocation(r.Context(), in.AllocationIDs[0])
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return problem.Field("allocation_ids", "no such allocation")
		}
		return err
	}
	ids, err := a.st.Adjust(r.Context(), first.SemesterID, func(si *store.SemesterInput) (store.AdjustPlan, error) {
		return adjust.Swap(si, in.AllocationIDs[0], in.AllocationIDs[1], actor(r))
	})
	if err != nil {
		return err
	}
	var out []store.Allocation
	for _, id := range ids {
		x, err := a.st.GetAllocation(r.Context(), id)
		if err != nil {
			return err
		}
		out = append(out, x)
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[store.Allocation]{Items: out})
	return nil
}

type pinIn struct {
	Pinned bool `json:"pinned"`
}

func (a *API) pin(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pinIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	if err := a.st.SetPinned(r.Context(), actor(r), id, in.Pinned); err != nil {
		return err
	}
	return a.getAllocation(w, r)
}

func (a *API) unassign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := a.st.GetAllocation(r.Context(), id)
	if err != nil {
		return err
	}
	if _, err := a.st.Adjust(r.Context(), cur.SemesterID, func(si *store.SemesterInput) (store.AdjustPlan, error) {
		return adjust.Unassign(si, id, actor(r))
	}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- reports

func (a *API) semesterRoomsSlots(r *http.Request) (store.Semester, []store.Room, []store.Slot, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Semester{}, nil, nil, err
	}
	sem, err := a.st.GetSemester(r.Context(), id)
	if err != nil {
		return sem, nil, nil, err
	}
	rooms, err := a.allRooms(r, store.RoomFilter{})
	if err != nil {
		return sem, nil, nil, err
	}
	// Weekly uses and the reservation occurrences within the semester's dates.
	slots, err := a.st.Slots(r.Context(), store.SlotFilter{SemesterID: id, From: sem.StartDate, To: sem.EndDate})
	return sem, rooms, slots, err
}

func (a *API) reportHeatmap(w http.ResponseWriter, r *http.Request) error {
	sem, rooms, slots, err := a.semesterRoomsSlots(r)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, report.BuildHeatmap(a.grid, report.PeriodOf(sem), rooms, slots))
	return nil
}

func (a *API) reportBuildings(w http.ResponseWriter, r *http.Request) error {
	sem, rooms, slots, err := a.semesterRoomsSlots(r)
	if err != nil {
		return err
	}
	bs := report.Buildings(rooms, report.RoomsUse(a.grid, report.PeriodOf(sem), rooms, slots))
	if wantsCSV(r) {
		csvHeaders(w, "buildings.csv")
		rows := make([][]string, len(bs))
		for i, b := range bs {
			rows[i] = []string{b.Building, strconv.Itoa(b.Rooms), strconv.Itoa(b.Capacity), strconv.Itoa(b.Busy), strconv.Itoa(b.EventOccurrences), fmt.Sprintf("%.1f", b.EventBlocks), strconv.Itoa(b.Available), fmt.Sprintf("%.1f", b.Percent)}
		}
		return report.WriteCSV(w, []string{"building", "rooms", "capacity", "busy_blocks", "event_occurrences", "event_blocks", "available_blocks", "percent"}, rows)
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[report.BuildingUse]{Items: bs})
	return nil
}

func (a *API) reportUnderUsed(w http.ResponseWriter, r *http.Request) error {
	threshold := params(r).float("threshold", 30)
	sem, rooms, slots, err := a.semesterRoomsSlots(r)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[report.RoomUse]{Items: report.UnderUsed(report.RoomsUse(a.grid, report.PeriodOf(sem), rooms, slots), threshold)})
	return nil
}

func (a *API) reportUnallocated(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	si, err := a.st.LoadSemester(r.Context(), id)
	if err != nil {
		return err
	}
	reasons := map[[2]int64]solvejob.Unplaced{}
	if job, err := a.st.LatestJob(r.Context(), id); err == nil && job.Result != nil {
		var res solvejob.Result
		if json.Unmarshal(job.Result, &res) == nil {
			for _, u := range res.Unplaced {
				reasons[[2]int64{u.DemandID, int64(u.Day)}] = u
			}
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	placed := map[[2]int64]bool{}
	for _, al := range si.Allocations {
		placed[[2]int64{al.DemandID, int64(al.Day)}] = true
	}
	items := []solvejob.Unplaced{}
	for _, s := range si.Input.Sections {
		did := store.ParseID(s.ID)
		for _, d := range s.Schedule.Days() {
			k := [2]int64{did, int64(d)}
			if placed[k] {
				continue
			}
			u, ok := reasons[k]
			if !ok {
				dm := si.Demands[did]
				u = solvejob.Unplaced{DemandID: did, DisciplineCode: dm.DisciplineCode, Section: dm.Section, Day: int(d), Code: "not_solved", Message: "not placed yet: run the solver or assign it manually"}
			}
			items = append(items, u)
		}
	}
	if wantsCSV(r) {
		csvHeaders(w, "unallocated.csv")
		rows := make([][]string, len(items))
		for i, u := range items {
			rows[i] = []string{itoa(u.DemandID), u.DisciplineCode, u.Section, strconv.Itoa(u.Day), u.Code, u.Message}
		}
		return report.WriteCSV(w, []string{"demand_id", "course_code", "section", "day", "reason_code", "message"}, rows)
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[solvejob.Unplaced]{Items: items})
	return nil
}

func (a *API) writePDF(w http.ResponseWriter, r *http.Request, semID int64, roomID int64) error {
	sem, err := a.st.GetSemester(r.Context(), semID)
	if err != nil {
		return err
	}
	var rooms []store.Room
	var ids []int64
	if roomID != 0 {
		room, err := a.st.GetRoom(r.Context(), roomID)
		if err != nil {
			return err
		}
		rooms, ids = []store.Room{room}, []int64{roomID}
	} else if rooms, err = a.allRooms(r, store.RoomFilter{ActiveOnly: true}); err != nil {
		return err
	}
	slots, err := a.st.Slots(r.Context(), store.SlotFilter{SemesterID: semID, RoomIDs: ids})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="schedule-%s.pdf"`, sem.Name))
	return report.RoomSchedulePDF(w, a.grid, sem.Name, rooms, slots)
}

func (a *API) semesterPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return a.writePDF(w, r, id, 0)
}

func (a *API) roomPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sem := params(r).id("semester_id")
	if sem == 0 {
		s, err := a.st.ActiveSemester(r.Context())
		if err != nil {
			return problem.Field("semester_id", "no active semester; name one")
		}
		sem = s.ID
	}
	return a.writePDF(w, r, sem, id)
}

var (
	_ = io.EOF
	_ = timegrid.Default
)
