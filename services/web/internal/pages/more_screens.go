package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// --- edit a project (PUT /budgets/{id}) ---

func (s *Site) updateBudget(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	in := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")), "notes": strings.TrimSpace(r.PostFormValue("notes"))}
	if d := decimalField(r, "amount_pen"); d != nil {
		in["amount_pen"] = d
	}
	if d := decimalField(r, "amount_usd"); d != nil {
		in["amount_usd"] = d
	}
	err := s.api.Inventory.UpdateBudget(ctxFor(r), id, in)
	s.afterWrite(w, r, err, "/app/budgets/"+url.PathEscape(id), "flash.saved", func(v *View, st int) { s.renderBudget(w, r, v, st) })
}

// --- one demand: create and edit ---

// demandData is one demand's edit page.
type demandData struct {
	D         allocation.Demand
	Semesters []allocation.Semester
}

func demandInput(r *http.Request) allocation.DemandInput {
	in := allocation.DemandInput{SemesterID: formInt(r, "semester_id"), ExternalID: strings.TrimSpace(r.PostFormValue("external_id")),
		ProgramCode: strings.TrimSpace(r.PostFormValue("program_code")), DisciplineCode: strings.ToUpper(strings.TrimSpace(r.PostFormValue("discipline_code"))),
		DisciplineName: strings.TrimSpace(r.PostFormValue("discipline_name")), Section: strings.TrimSpace(r.PostFormValue("section")),
		Schedule: strings.TrimSpace(r.PostFormValue("schedule")), Professors: []string{}}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("seats"))); err == nil {
		in.Seats = &n
	}
	for _, p := range strings.FieldsFunc(r.PostFormValue("professors"), func(c rune) bool { return c == '\n' || c == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			in.Professors = append(in.Professors, p)
		}
	}
	return in
}

func (s *Site) createDemand(w http.ResponseWriter, r *http.Request) {
	in := demandInput(r)
	d, err := s.api.Allocation.SaveDemand(ctxFor(r), 0, in)
	target := "/allocation/demands?semester_id=" + strconv.FormatInt(in.SemesterID, 10)
	if err == nil && d.ID > 0 {
		target = "/allocation/demands/" + strconv.FormatInt(d.ID, 10)
	}
	s.afterWrite(w, r, err, target, "flash.saved", func(v *View, st int) {
		r.URL.RawQuery = "semester_id=" + strconv.FormatInt(in.SemesterID, 10)
		s.renderDemands(w, r, v, st)
	})
}

func (s *Site) demandForm(w http.ResponseWriter, r *http.Request) {
	s.renderDemand(w, r, s.view(r), http.StatusOK)
}

func (s *Site) renderDemand(w http.ResponseWriter, r *http.Request, v *View, status int) {
	ctx := ctxFor(r)
	d, err := s.api.Allocation.Demand(ctx, pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sems, err := s.api.Allocation.Semesters(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(v.Form) == 0 {
		v.Form = url.Values{"semester_id": {strconv.FormatInt(d.SemesterID, 10)}, "external_id": {d.ExternalID}, "program_code": {d.ProgramCode},
			"discipline_code": {d.DisciplineCode}, "discipline_name": {d.DisciplineName}, "section": {d.Section},
			"seats": {strconv.Itoa(d.Seats)}, "schedule": {d.Schedule}, "professors": {strings.Join(d.ProfessorNames, "\n")}}
	}
	v.Data = demandData{D: d, Semesters: sems}
	s.render(w, r, status, "demand", v)
}

func (s *Site) updateDemand(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	_, err := s.api.Allocation.SaveDemand(ctxFor(r), id, demandInput(r))
	s.afterWrite(w, r, err, "/allocation/demands/"+strconv.FormatInt(id, 10), "flash.saved", func(v *View, st int) { s.renderDemand(w, r, v, st) })
}

// deleteDemand deletes a demand and goes back to its semester's list (semester_id is
// only where to go back to). The API refuses a demand that still has allocations (409
// in-use): the list is shown again saying so.
func (s *Site) deleteDemand(w http.ResponseWriter, r *http.Request) {
	target := "/allocation/demands"
	if sem := formInt(r, "semester_id"); sem > 0 {
		target += "?semester_id=" + strconv.FormatInt(sem, 10)
	}
	err := s.api.Allocation.DeleteDemand(ctxFor(r), pathInt(r, "id"))
	s.afterWrite(w, r, err, target, "flash.demand_deleted", func(v *View, st int) {
		if p, ok := apicall.AsProblem(err); ok && p.Slug() == "in-use" {
			v.Flash = &Flash{Kind: "error", Text: v.L.T("demand.in_use")}
		}
		v.Form = url.Values{}
		_, r.URL.RawQuery, _ = strings.Cut(target, "?")
		s.renderDemands(w, r, v, st)
	})
}

// --- assign an unallocated section-day (POST /allocations) ---

func (s *Site) assign(w http.ResponseWriter, r *http.Request) {
	in := allocation.AssignInput{SemesterID: formInt(r, "semester_id"), DemandID: formInt(r, "demand_id"), RoomID: formInt(r, "room_id")}
	in.Day = int(formInt(r, "day"))
	if r.PostFormValue("pinned") == "true" {
		t := true
		in.Pinned = &t
	}
	a, err := s.api.Allocation.Assign(ctxFor(r), in)
	target := "/allocation/allocations?semester_id=" + strconv.FormatInt(in.SemesterID, 10) + "&demand_id=" + strconv.FormatInt(in.DemandID, 10)
	if err == nil && a.ID > 0 {
		target = "/allocation/allocations/" + strconv.FormatInt(a.ID, 10)
	}
	s.afterWrite(w, r, err, target, "flash.assigned", func(v *View, st int) {
		r.URL.RawQuery = "semester_id=" + strconv.FormatInt(in.SemesterID, 10)
		s.renderReports(w, r, v, st)
	})
}

// --- one publication ---

// publicationData is one publication's page.
type publicationData struct {
	P allocation.PublicationDetail
}

func (s *Site) publication(w http.ResponseWriter, r *http.Request) {
	p, err := s.api.Allocation.PublicationByID(ctxFor(r), pathInt(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(r)
	v.Data = publicationData{P: p}
	s.render(w, r, http.StatusOK, "publication", v)
}
