package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/solver"
	"github.com/planta-dev/planta/services/allocation/internal/store"
)

// solve runs a solve job of semester sem in mode and returns the finished job.
func (e *env) solve(sem int64, mode string) map[string]any {
	e.t.Helper()
	var body any
	if mode != "" {
		body = map[string]any{"mode": mode}
	}
	job := e.must(202, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, sem), body)).json(e.t)
	e.runner.Wait()
	j := e.must(200, e.admin("GET", base+"/solve-jobs/"+job["id"].(string), nil)).json(e.t)
	if j["status"] != "succeeded" {
		e.t.Fatalf("job: %v", j)
	}
	return j
}

// roomsOf maps "demand/day" to the room of every allocation of the semester.
func (e *env) roomsOf(sem int64) map[string]int64 {
	e.t.Helper()
	out := map[string]int64{}
	items := e.must(200, e.admin("GET", fmt.Sprintf("%s/allocations?semester_id=%d&limit=500", base, sem), nil)).json(e.t)["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out[fmt.Sprintf("%v/%v", m["demand_id"], m["day"])] = int64(m["room_id"].(float64))
	}
	return out
}

func (e *env) verifyHard(sem int64) {
	e.t.Helper()
	si, err := e.st.LoadSemester(context.Background(), sem)
	if err != nil {
		e.t.Fatal(err)
	}
	if vs := solver.Verify(si.Input, si.Current()); len(vs) > 0 {
		e.t.Fatalf("hard constraints violated: %+v", vs)
	}
}

func TestMinimalPerturbationResolve(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	for _, n := range []string{"AT-03", "AT-04", "AT-05"} {
		e.must(201, e.admin("POST", base+"/rooms", map[string]any{"building_id": e.building, "name": n, "floor": 0, "capacity": 50, "room_type_id": e.classroom}))
	}
	schedules := []string{"24M12", "24M12", "24M12", "35M34", "35M34", "2T12", "3T12", "6N12", "246M12"}
	for i, s := range schedules {
		e.demand(fmt.Sprintf("FUP%04d", 100+i), "T1", s, 30+i)
	}
	// Minimal perturbation needs a publication.
	e.must(409, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, e.sem), map[string]any{"mode": "minimal_perturbation"}))
	e.must(422, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, e.sem), map[string]any{"mode": "fast"}))

	first := e.solve(e.sem, "")["result"].(map[string]any)
	if first["mode"] != "full" || first["placed"] != first["section_days"] {
		t.Fatalf("full solve: %v", first)
	}
	pub := e.must(201, e.admin("POST", fmt.Sprintf("%s/semesters/%d/publish", base, e.sem), map[string]any{"note": "first week"})).json(t)
	published := e.roomsOf(e.sem)
	if int(pub["section_days"].(float64)) != len(published) || len(published) != 16 {
		t.Fatalf("publication %v vs %d allocations", pub, len(published))
	}
	got := e.must(200, e.admin("GET", fmt.Sprintf("%s/publications/%d", base, int64(pub["id"].(float64))), nil)).json(t)
	if len(got["allocations"].([]any)) != 16 {
		t.Fatalf("publication allocations: %v", got)
	}
	if l := e.must(200, e.admin("GET", fmt.Sprintf("%s/semesters/%d/publications", base, e.sem), nil)).json(t)["items"].([]any); len(l) != 1 {
		t.Fatalf("publications: %v", l)
	}

	// Close the busiest room.
	count := map[int64]int{}
	for _, r := range published {
		count[r]++
	}
	var closed int64
	for r, n := range count {
		if n > count[closed] || (n == count[closed] && r < closed) {
			closed = r
		}
	}
	room := e.must(200, e.admin("GET", fmt.Sprintf("%s/rooms/%d", base, closed), nil)).json(t)
	room["active"] = false
	for _, k := range []string{"id", "building", "room_type", "characteristics"} {
		delete(room, k)
	}
	e.must(200, e.admin("PUT", fmt.Sprintf("%s/rooms/%d", base, closed), room))

	res := e.solve(e.sem, "minimal_perturbation")["result"].(map[string]any)
	after := e.roomsOf(e.sem)
	if res["mode"] != "minimal_perturbation" || res["placed"] != res["section_days"] {
		t.Fatalf("minimal solve: %v", res)
	}
	moved := 0
	for k, r := range published {
		if after[k] == r {
			continue
		}
		moved++
		if r != closed {
			t.Errorf("%s moved from open room %d to %d", k, r, after[k])
		}
	}
	if moved != count[closed] || moved == 0 {
		t.Errorf("moved %d section-days, the closed room had %d", moved, count[closed])
	}
	if int(res["published_moved"].(float64)) != moved || int(res["published_section_days"].(float64)) != 16 || len(res["moves"].([]any)) != moved {
		t.Errorf("result counts: %v", res)
	}
	for _, m := range res["moves"].([]any) {
		if int64(m.(map[string]any)["from_room_id"].(float64)) != closed {
			t.Errorf("move not from the closed room: %v", m)
		}
	}
	e.verifyHard(e.sem)
	if _, ok := res["notes"].([]any); !ok {
		t.Errorf("result has no notes list: %v", res)
	}
}

// History continuity: the latest earlier semester's room of a discipline wins over the
// room with less waste.
func TestHistoryFromPreviousSemesterChangesRoom(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	// Without history, 40 seats go to a 50-seat room rather than A1-01 (60): less waste.
	d := e.demand("FUP0100", "T1", "2M12", 40)
	e.solve(e.sem, "")
	if r := e.roomsOf(e.sem)[fmt.Sprintf("%d/2", d)]; r == e.upper {
		t.Fatalf("without history: room %d, want a 50-seat room", r)
	}
	// The same discipline used A1-01 last semester.
	prev := e.must(201, e.admin("POST", base+"/semesters", map[string]any{"name": "2025-1", "start_date": "2025-03-01", "end_date": "2025-07-15"})).id(t)
	pd := e.must(201, e.admin("POST", base+"/demands", map[string]any{"semester_id": prev, "discipline_code": "FUP0100", "discipline_name": "X",
		"section": "T1", "seats": 40, "schedule": "2M12"})).id(t)
	e.must(201, e.admin("POST", base+"/allocations", map[string]any{"semester_id": prev, "demand_id": pd, "day": 2, "room_id": e.upper}))
	j := e.solve(e.sem, "full")
	if r := e.roomsOf(e.sem)[fmt.Sprintf("%d/2", d)]; r != e.upper {
		t.Fatalf("with history: room %d, want A1-01 %d (%v)", r, e.upper, j["result"])
	}
	a := e.must(200, e.admin("GET", fmt.Sprintf("%s/allocations?semester_id=%d", base, e.sem), nil)).json(t)["items"].([]any)[0].(map[string]any)
	if reason := a["reason"].(string); !strings.Contains(reason, "history +") {
		t.Errorf("reason lacks history: %s", reason)
	}
	e.verifyHard(e.sem)
}

func TestCancelRunningSolve(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.demand("FUP0100", "T1", "24M12", 40)
	e.demand("FUP0200", "T1", "3M12", 40)
	held := make(chan struct{})
	var once bool
	// Hold the solve at its first progress report until its context is cancelled.
	e.runner.OnProgress = func(ctx context.Context, _ string, _ solver.Progress) {
		if once {
			return
		}
		once = true
		close(held)
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
		}
	}
	job := e.must(202, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, e.sem), nil)).json(t)
	id := job["id"].(string)
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the solve never reported progress")
	}
	// One running solve per semester.
	e.must(409, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, e.sem), nil))
	c := e.must(200, e.admin("POST", base+"/solve-jobs/"+id+"/cancel", nil)).json(t)
	if c["status"] != "cancelled" || c["cancel_requested"] != true {
		t.Fatalf("cancel answered %v", c)
	}
	e.runner.Wait()
	if n := len(e.roomsOf(e.sem)); n != 0 {
		t.Errorf("a cancelled solve wrote %d allocations", n)
	}
	e.must(409, e.admin("POST", base+"/solve-jobs/"+id+"/cancel", nil))
	e.must(404, e.admin("POST", base+"/solve-jobs/00000000-0000-4000-8000-000000000000/cancel", nil))
	// The semester can be solved again.
	e.runner.OnProgress = nil
	e.solve(e.sem, "")
}

// A cancel recorded by another replica reaches the running job through the polled flag.
func TestCancelFlagFromAnotherReplica(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.demand("FUP0100", "T1", "24M12", 40)
	e.runner.CancelPoll = 20 * time.Millisecond
	held := make(chan string, 1)
	var once bool
	e.runner.OnProgress = func(ctx context.Context, id string, _ solver.Progress) {
		if once {
			return
		}
		once = true
		held <- id
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
		}
	}
	e.must(202, e.admin("POST", fmt.Sprintf("%s/semesters/%d/solve", base, e.sem), nil))
	id := <-held
	if _, err := e.st.RequestCancel(context.Background(), "other-replica", id); err != nil {
		t.Fatal(err)
	}
	e.runner.Wait()
	j, err := e.st.GetJob(context.Background(), id)
	if err != nil || j.Status != "cancelled" {
		t.Fatalf("job %+v %v", j, err)
	}
}

// Solver notes (here: cbc unavailable) are surfaced in the job result.
func TestSolverNotesInJobResult(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.demand("FUP0100", "T1", "24M12", 40)
	e.runner.Options = solver.Options{CBCPath: "/nonexistent/cbc"}
	j := e.solve(e.sem, "")
	var res struct {
		Notes []string `json:"notes"`
	}
	b, _ := json.Marshal(j["result"])
	_ = json.Unmarshal(b, &res)
	if len(res.Notes) == 0 {
		t.Fatalf("no notes: %s", b)
	}
	_ = store.ModeFull
}
