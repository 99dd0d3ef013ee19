package pages

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
)

// --- room holds ---

// holdsData is the holds page (list of a semester + create form) or one hold's edit page.
type holdsData struct {
	semesterList
	Holds     []allocation.Hold
	Hold      *allocation.Hold
	RoomNames map[int64]string
}

func (s *Site) holdChoices(r *http.Request, d *holdsData) error {
	if err := s.withSemester(r, &d.semesterList); err != nil {
		return err
	}
	rooms, err := s.api.Allocation.Rooms(ctxFor(r))
	if err != nil {
		return err
	}
	d.Rooms = rooms
	d.RoomNames = map[int64]string{}
	for _, x := range rooms {
		d.RoomNames[x.ID] = x.Building + " · " + x.Name
	}
	return nil
}

func (s *Site) holds(w http.ResponseWriter, r *http.Request) {
	s.renderHolds(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderHolds(w http.ResponseWriter, r *http.Request, v *View, status int) {
	var d holdsData
	if err := s.holdChoices(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Semester.ID > 0 {
		list, err := s.api.Allocation.Holds(ctxFor(r), url.Values{"semester_id": {strconv.FormatInt(d.Semester.ID, 10)}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Holds = list
	}
	v.Data = d
	s.render(w, r, status, "holds", v)
}

func (s *Site) holdForm(w http.ResponseWriter, r *http.Request) {
	s.renderHold(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderHold(w http.ResponseWriter, r *http.Request, v *View, status int) {
	h, err := s.api.Allocation.Hold(ctxFor(r), pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := holdsData{Hold: &h}
	if err := s.holdChoices(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "holds", v)
}

func holdInput(r *http.Request) allocation.Hold {
	return allocation.Hold{SemesterID: formInt(r, "semester_id"), RoomID: formInt(r, "room_id"),
		Label: strings.TrimSpace(r.PostFormValue("label")), InternalNote: strings.TrimSpace(r.PostFormValue("internal_note")),
		Schedule: strings.TrimSpace(r.PostFormValue("schedule"))}
}

func (s *Site) createHold(w http.ResponseWriter, r *http.Request) {
	in := holdInput(r)
	err := s.api.Allocation.SaveSpace(ctxFor(r), "room-holds", 0, in)
	s.afterWrite(w, r, err, "/allocation/holds?semester_id="+strconv.FormatInt(in.SemesterID, 10), "flash.saved",
		func(v *View, st int) { s.renderHolds(w, r, v, st) })
}

func (s *Site) updateHold(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	err := s.api.Allocation.SaveSpace(ctxFor(r), "room-holds", id, holdInput(r))
	s.afterWrite(w, r, err, "/allocation/holds/"+strconv.FormatInt(id, 10), "flash.saved", func(v *View, st int) { s.renderHold(w, r, v, st) })
}

func (s *Site) deleteHold(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.DeleteSpace(ctxFor(r), "room-holds", pathInt(r, "id"))
	s.afterWrite(w, r, err, "/allocation/holds", "flash.deleted", func(v *View, st int) { s.renderHold(w, r, v, st) })
}

// --- publish, re-solve, cancel ---

func (s *Site) publish(w http.ResponseWriter, r *http.Request) {
	_, err := s.api.Allocation.Publish(ctxFor(r), pathInt(r, "id"), strings.TrimSpace(r.PostFormValue("note")))
	s.afterWrite(w, r, err, "/allocation/semesters", "flash.published", func(v *View, st int) { s.renderSemesters(w, r, v, st, nil) })
}

func (s *Site) cancelSolve(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	_, err := s.api.Allocation.CancelSolve(ctxFor(r), id)
	s.afterWrite(w, r, err, "/allocation/jobs/"+url.PathEscape(id), "flash.solve_cancelled", func(v *View, st int) {
		job, jerr := s.api.Allocation.SolveJob(ctxFor(r), id)
		if jerr != nil {
			s.fail(w, r, jerr)
			return
		}
		v.Data = jobData{Job: job}
		s.render(w, r, st, "solve_job", v)
	})
}

// --- change log ---

// changeLogData is the change log page.
type changeLogData struct {
	Items  []allocation.Change
	Filter url.Values
	Next   string
}

func (s *Site) changeLog(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	q := r.URL.Query()
	p, err := s.api.Allocation.ChangeLog(ctxFor(r), pick(q, "entity", "cursor"))
	if err != nil {
		if s.formErrors(v, err) {
			v.Data = changeLogData{Filter: q}
			s.render(w, r, http.StatusUnprocessableEntity, "change_log", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	v.Data = changeLogData{Items: p.Items, Filter: q, Next: nextLink("/allocation/change-log", pick(q, "entity"), p.NextCursor)}
	s.render(w, r, http.StatusOK, "change_log", v)
}

// --- one reservation: edit, delete, cancel an occurrence ---

// reservationData is one reservation's page.
type reservationData struct {
	R          allocation.Reservation
	Recurrence recurrence
	// Form is the edit form's values: the stored reservation, or what a refused
	// submission held.
	Form  url.Values
	Rooms []allocation.Room
	Names map[int64]string
	// Active counts the occurrences not cancelled.
	Active int
}

// recurrence is a reservation's stored rule.
type recurrence struct {
	Kind       string `json:"kind"`
	Start      string `json:"start"`
	Interval   int    `json:"interval"`
	Weekdays   []int  `json:"weekdays"`
	DayOfMonth int    `json:"day_of_month"`
	Position   int    `json:"position"`
	Weekday    int    `json:"weekday"`
	Until      string `json:"until"`
	Count      int    `json:"count"`
}

// formValues is the recurrence as the form's fields.
func (rc recurrence) formValues(res allocation.Reservation) url.Values {
	f := url.Values{"title": {res.Title}, "requester": {res.Requester}, "responsible": {res.Responsible},
		"kind": {rc.Kind}, "start": {rc.Start}, "until": {rc.Until}, "blocks": res.Blocks}
	for name, n := range map[string]int{"interval": rc.Interval, "day_of_month": rc.DayOfMonth, "position": rc.Position, "weekday": rc.Weekday, "count": rc.Count} {
		if n != 0 {
			f.Set(name, strconv.Itoa(n))
		}
	}
	for _, d := range rc.Weekdays {
		f.Add("weekdays", strconv.Itoa(d))
	}
	return f
}

func (s *Site) reservationPage(w http.ResponseWriter, r *http.Request) {
	s.renderReservation(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderReservation(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	res, err := s.api.Allocation.Reservation(ctx, pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rooms, err := s.api.Allocation.Rooms(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := reservationData{R: res, Rooms: rooms, Names: map[int64]string{}}
	for _, x := range rooms {
		d.Names[x.ID] = x.Building + " · " + x.Name
	}
	_ = json.Unmarshal(res.Recurrence, &d.Recurrence)
	d.Form = d.Recurrence.formValues(res)
	if len(v.Form) > 0 {
		d.Form = v.Form
	}
	for _, o := range res.Occurrences {
		if !o.Cancelled {
			d.Active++
		}
	}
	v.Data = d
	s.render(w, r, status, "reservation", v)
}

// updateReservation changes the descriptive fields; blocks and the recurrence only when
// "reschedule" is ticked (they re-schedule the occurrences from today on).
func (s *Site) updateReservation(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	in := map[string]any{"title": strings.TrimSpace(r.PostFormValue("title")),
		"requester": strings.TrimSpace(r.PostFormValue("requester")), "responsible": strings.TrimSpace(r.PostFormValue("responsible"))}
	if r.PostFormValue("reschedule") == "true" {
		in["blocks"] = r.PostForm["blocks"]
		in["recurrence"] = recurrenceInput(r)
	}
	err := s.api.Allocation.UpdateReservation(ctxFor(r), id, in)
	s.afterWrite(w, r, err, "/allocation/reservations/"+strconv.FormatInt(id, 10), "flash.saved", func(v *View, st int) { s.renderReservation(w, r, v, st) })
}

func (s *Site) deleteReservation(w http.ResponseWriter, r *http.Request) {
	err := s.api.Allocation.DeleteReservation(ctxFor(r), pathInt(r, "id"))
	s.afterWrite(w, r, err, "/allocation/reservations", "flash.deleted", func(v *View, st int) { s.renderReservation(w, r, v, st) })
}

func (s *Site) cancelOccurrence(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	err := s.api.Allocation.CancelOccurrence(ctxFor(r), id, pathInt(r, "occurrence"))
	s.afterWrite(w, r, err, "/allocation/reservations/"+strconv.FormatInt(id, 10), "flash.occurrence_cancelled", func(v *View, st int) { s.renderReservation(w, r, v, st) })
}

// recurrenceInput reads the recurrence fields of a reservation form.
func recurrenceInput(r *http.Request) map[string]any {
	rec := map[string]any{"kind": r.PostFormValue("kind"), "start": r.PostFormValue("start")}
	if c, err := strconv.Atoi(r.PostFormValue("count")); err == nil && c > 0 {
		rec["count"] = c
	}
	if u := r.PostFormValue("until"); u != "" {
		rec["until"] = u
	}
	for _, f := range []string{"interval", "day_of_month", "position", "weekday"} {
		if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(f))); err == nil && n != 0 {
			rec[f] = n
		}
	}
	if wd := r.PostForm["weekdays"]; len(wd) > 0 {
		var days []int
		for _, d := range wd {
			if n, err := strconv.Atoi(d); err == nil {
				days = append(days, n)
			}
		}
		rec["weekdays"] = days
	}
	return rec
}
