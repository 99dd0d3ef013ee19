package pages

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Cell is one (block, day) of a room's weekly grid.
type Cell struct {
	Kind  string // "", class, hold, event
	Label string
	Title string
}

// RoomGrid is a room's week as rows of blocks × columns of days.
type RoomGrid struct {
	Room allocation.Room
	Rows []GridRow
}

// GridRow is one block of the grid.
type GridRow struct {
	Block allocation.Block
	Cells []Cell
}

// grids turns the API's merged entries into one table per room.
func grids(w allocation.Week) []RoomGrid {
	blockIdx := map[string]int{}
	for i, b := range w.Blocks {
		blockIdx[b.Code] = i
	}
	dayIdx := map[int]int{}
	for i, d := range w.Days {
		dayIdx[d] = i
	}
	out := make([]RoomGrid, len(w.Rooms))
	byRoom := map[int64]int{}
	for i, r := range w.Rooms {
		byRoom[r.ID] = i
		out[i].Room = r
		out[i].Rows = make([]GridRow, len(w.Blocks))
		for j, b := range w.Blocks {
			out[i].Rows[j] = GridRow{Block: b, Cells: make([]Cell, len(w.Days))}
		}
	}
	for _, e := range w.Entries {
		ri, ok := byRoom[e.RoomID]
		di, ok2 := dayIdx[e.Day]
		if !ok || !ok2 {
			continue
		}
		label := e.Title
		if e.DisciplineCode != "" {
			label = e.DisciplineCode + " " + e.Section
		}
		title := e.Title
		if len(e.Professors) > 0 {
			title += " — " + strings.Join(e.Professors, ", ")
		}
		for b := blockIdx[e.FirstBlock]; b <= blockIdx[e.LastBlock] && b < len(w.Blocks); b++ {
			out[ri].Rows[b].Cells[di] = Cell{Kind: e.Kind, Label: label, Title: title}
		}
	}
	return out
}

// weekData is a grid page.
type weekData struct {
	Week      allocation.Week
	Grids     []RoomGrid
	Rooms     []allocation.Room
	Buildings []allocation.Building
	Semesters []allocation.Semester
	Filter    url.Values
	ICS       string
}

func (s *Site) rooms(w http.ResponseWriter, r *http.Request) {
	s.renderRooms(w, r, s.view(r), http.StatusOK)
}

// semestersData is the semesters page, with the last import report or solver job.
type semestersData struct {
	Semesters    []allocation.Semester
	Report       *allocation.ImportReport
	Publications map[int64][]allocation.Publication
	// FormFor is the semester whose import form the field errors belong to.
	FormFor int64
}

func (s *Site) semesters(w http.ResponseWriter, r *http.Request) {
	s.renderSemesters(w, r, s.view(r), http.StatusOK, nil)
}

func (s *Site) renderSemesters(w http.ResponseWriter, r *http.Request, v *View, status int, rep *allocation.ImportReport) {
	s.renderSemestersFor(w, r, v, status, rep, 0)
}

// renderSemestersFor renders the semesters page with the field errors of v shown on the
// forms of semester formFor (0: none).
func (s *Site) renderSemestersFor(w http.ResponseWriter, r *http.Request, v *View, status int, rep *allocation.ImportReport, formFor int64) {
	list, err := s.api.Allocation.Semesters(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pubs := map[int64][]allocation.Publication{}
	for _, x := range list {
		p, err := s.api.Allocation.Publications(ctxFor(r), x.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pubs[x.ID] = p
	}
	v.Data = semestersData{Semesters: list, Report: rep, Publications: pubs, FormFor: formFor}
	s.render(w, r, status, "semesters", v)
}

func (s *Site) createSemester(w http.ResponseWriter, r *http.Request) {
	_, err := s.api.Allocation.CreateSemester(ctxFor(r), strings.TrimSpace(r.PostFormValue("name")),
		r.PostFormValue("start_date"), r.PostFormValue("end_date"))
	if err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderSemesters(w, r, v, http.StatusUnprocessableEntity, nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/allocation/semesters?ok=flash.saved", http.StatusSeeOther)
}

func pathInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(mux.Vars(r)[name], 10, 64)
	return n
}

func (s *Site) activateSemester(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Allocation.ActivateSemester(ctxFor(r), pathInt(r, "id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/allocation/semesters?ok=flash.saved", http.StatusSeeOther)
}

// importDemands imports from the academic API, or from an uploaded CSV when the upload
// form (multipart) is sent: that form without a file is refused on the page, never
// taken for an academic import.
func (s *Site) importDemands(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	var rep allocation.ImportReport
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		f, hdr, ferr := r.FormFile("file")
		if ferr != nil || hdr.Size == 0 {
			if ferr == nil {
				_ = f.Close()
			}
			v := s.view(r)
			v.Errors["file"] = v.L.T("import.no_file")
			v.Flash = &Flash{Kind: "error", Text: v.L.T("error.form", v.L.T("import.no_file"))}
			s.renderSemestersFor(w, r, v, http.StatusUnprocessableEntity, nil, id)
			return
		}
		data, rerr := io.ReadAll(io.LimitReader(f, 8<<20))
		_ = f.Close()
		if rerr != nil {
			s.fail(w, r, rerr)
			return
		}
		rep, err = s.api.Allocation.ImportCSV(ctxFor(r), id, data)
	} else {
		rep, err = s.api.Allocation.ImportAcademic(ctxFor(r), id)
	}
	v := s.view(r)
	if err != nil {
		if s.formErrors(v, err) {
			s.renderSemestersFor(w, r, v, http.StatusUnprocessableEntity, nil, id)
			return
		}
		// The API's own reason for not importing (e.g. 503 "academic API URL is not
		// configured") is shown on the page; an outage without one stays a 502 page.
		if p, ok := apicall.AsProblem(err); ok && p.Status == http.StatusServiceUnavailable && strings.TrimSpace(p.Detail) != "" {
			v.Flash = &Flash{Kind: "error", Text: v.L.T("import.failed", p.Detail)}
			s.renderSemestersFor(w, r, v, http.StatusServiceUnavailable, nil, id)
			return
		}
		s.fail(w, r, err)
		return
	}
	v.Flash = &Flash{Kind: "ok", Text: v.L.T("import.done", rep.Created, rep.Updated, rep.Unchanged, len(rep.Skipped))}
	s.renderSemesters(w, r, v, http.StatusOK, &rep)
}

func (s *Site) solve(w http.ResponseWriter, r *http.Request) {
	job, err := s.api.Allocation.SolveWithMode(ctxFor(r), pathInt(r, "id"), r.PostFormValue("mode"))
	if err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			s.renderSemesters(w, r, v, http.StatusConflict, nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/allocation/jobs/"+url.PathEscape(job.ID), http.StatusSeeOther)
}

// jobData is the solver job page.
type jobData struct {
	Job      allocation.SolveJob
	Progress map[string]any
	// RoomNames names the rooms of the result's moves (loaded only when there are some).
	RoomNames map[int64]string
}

// solveJob shows a run's progress; while it runs, htmx refreshes the panel every second
// (without JavaScript, a meta-free "refresh" link does).
func (s *Site) solveJob(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	job, err := s.api.Allocation.SolveJob(ctxFor(r), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := jobData{Job: job}
	_ = json.Unmarshal(job.Progress, &d.Progress)
	if job.Result != nil && len(job.Result.Moves) > 0 {
		rooms, err := s.api.Allocation.Rooms(ctxFor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.RoomNames = map[int64]string{}
		for _, x := range rooms {
			d.RoomNames[x.ID] = x.Building + " · " + x.Name
		}
	}
	v.Data = d
	if r.Header.Get("HX-Request") == "true" {
		s.renderBlock(w, r, "solve_job", "job", v)
		return
	}
	s.render(w, r, http.StatusOK, "solve_job", v)
}

func (s *Site) adminGrid(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	ctx := ctxFor(r)
	q := r.URL.Query()
	d := weekData{Filter: q}
	var err error
	if d.Rooms, err = s.api.Allocation.Rooms(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Semesters, err = s.api.Allocation.Semesters(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Buildings, err = s.api.Allocation.PublicBuildings(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	room, _ := strconv.ParseInt(q.Get("room_id"), 10, 64)
	building, _ := strconv.ParseInt(q.Get("building_id"), 10, 64)
	if room > 0 || building > 0 {
		if room > 0 {
			d.Week, err = s.api.Allocation.RoomWeek(ctx, room, pick(q, "semester_id", "date"))
		} else {
			d.Week, err = s.api.Allocation.BuildingWeek(ctx, building, pick(q, "semester_id", "date"))
		}
		if err != nil {
			if !s.formErrors(v, err) {
				s.fail(w, r, err)
				return
			}
		}
		d.Grids = grids(d.Week)
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "grid", v)
}

func (s *Site) reservations(w http.ResponseWriter, r *http.Request) {
	s.renderReservations(w, r, s.view(r), http.StatusOK)
}

// reservationsData is the reservations page.
type reservationsData struct {
	Items []allocation.Reservation
	Rooms []allocation.Room
	Names map[int64]string
}

func (s *Site) renderReservations(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	list, err := s.api.Allocation.Reservations(ctx, pick(r.URL.Query(), "room_id", "from", "to"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rooms, err := s.api.Allocation.Rooms(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, x := range rooms {
		names[x.ID] = x.Building + " · " + x.Name
	}
	v.Data = reservationsData{Items: list, Rooms: rooms, Names: names}
	s.render(w, r, status, "reservations", v)
}

func (s *Site) createReservation(w http.ResponseWriter, r *http.Request) {
	room, _ := strconv.ParseInt(r.PostFormValue("room_id"), 10, 64)
	rec := recurrenceInput(r)
	in := map[string]any{"room_id": room, "title": strings.TrimSpace(r.PostFormValue("title")),
		"requester": strings.TrimSpace(r.PostFormValue("requester")), "responsible": strings.TrimSpace(r.PostFormValue("responsible")),
		"blocks": r.PostForm["blocks"], "recurrence": rec}
	if r.PostFormValue("preview") != "" {
		v := s.view(r)
		v.Form = r.PostForm
		p, err := s.api.Allocation.PreviewReservation(ctxFor(r), in)
		if err != nil {
			if !s.formErrors(v, err) {
				s.fail(w, r, err)
				return
			}
			s.renderReservations(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		v.Preview = &p
		s.renderReservations(w, r, v, http.StatusOK)
		return
	}
	if _, err := s.api.Allocation.CreateReservation(ctxFor(r), in); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			s.renderReservations(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/allocation/reservations?ok=flash.saved", http.StatusSeeOther)
}
