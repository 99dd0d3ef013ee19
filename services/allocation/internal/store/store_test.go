package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/migrations"
)

type fx struct {
	st                 *store.Store
	building, typ      int64
	roomA, roomB, sem  int64
	demandMon, demandT int64
}

func newStore(t *testing.T) (*store.Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	pool := pgxtest.NewPool(t)
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgxx.Migrate(ctx, pool, "allocation", ms); err != nil {
		t.Fatal(err)
	}
	return store.New(pool), ctx
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func fixture(t *testing.T) (*fx, context.Context) {
	st, ctx := newStore(t)
	f := &fx{st: st}
	c := must[store.Campus](t)(st.SaveCampus(ctx, "ana", store.Campus{Name: "FUP"}))
	f.building = must[store.Building](t)(st.SaveBuilding(ctx, "ana", store.Building{CampusID: c.ID, Name: "UAC"})).ID
	f.typ = must[store.RoomType](t)(st.SaveRoomType(ctx, "ana", store.RoomType{Name: "Sala"})).ID
	f.roomA = must[store.Room](t)(st.SaveRoom(ctx, "ana", store.Room{BuildingID: f.building, Name: "AT-01", Capacity: 50, RoomTypeID: f.typ, Active: true})).ID
	f.roomB = must[store.Room](t)(st.SaveRoom(ctx, "ana", store.Room{BuildingID: f.building, Name: "AT-02", Capacity: 50, RoomTypeID: f.typ, Active: true})).ID
	f.sem = must[store.Semester](t)(st.SaveSemester(ctx, "ana", store.Semester{Name: "2025-2", StartDate: "2025-08-18", EndDate: "2025-12-20"})).ID
	f.demandMon = must[store.Demand](t)(st.SaveDemand(ctx, "ana", store.Demand{SemesterID: f.sem, ExternalID: "1", DisciplineCode: "FUP0001", Section: "T1", Seats: 30, Schedule: "2M12", Cells: []string{"2M1", "2M2"}})).ID
	f.demandT = must[store.Demand](t)(st.SaveDemand(ctx, "ana", store.Demand{SemesterID: f.sem, ExternalID: "2", DisciplineCode: "FUP0002", Section: "T1", Seats: 30, Schedule: "3M1", Cells: []string{"3M1"}})).ID
	return f, ctx
}

func conflictSlug(err error) string {
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return ce.Slug
	}
	return ""
}

func TestSpaceCRUDAndConstraints(t *testing.T) {
	f, ctx := fixture(t)
	st := f.st
	r, err := st.GetRoom(ctx, f.roomA)
	if err != nil || r.Name != "AT-01" || r.Building != "UAC" || !r.Active {
		t.Fatalf("get room: %+v %v", r, err)
	}
	r.Capacity, r.Active = 45, false
	if r, err = st.SaveRoom(ctx, "ana", r); err != nil || r.Capacity != 45 || r.Active {
		t.Fatalf("update room: %+v %v", r, err)
	}
	if _, err := st.SaveRoom(ctx, "ana", store.Room{BuildingID: f.building, Name: "AT-01", Capacity: 1, RoomTypeID: f.typ}); conflictSlug(err) != "duplicate" {
		t.Errorf("duplicate room: %v", err)
	}
	var re *store.InvalidRefError
	if _, err := st.SaveRoom(ctx, "ana", store.Room{BuildingID: 9999, Name: "X", Capacity: 1, RoomTypeID: f.typ}); !errors.As(err, &re) || re.Field != "building_id" {
		t.Errorf("unknown building: %v", err)
	}
	if err := st.DeleteRoomType(ctx, "ana", f.typ); conflictSlug(err) != "in-use" {
		t.Errorf("delete used type: %v", err)
	}
	if err := st.DeleteRoom(ctx, "ana", f.roomB); err != nil {
		t.Errorf("delete unused room: %v", err)
	}
	if _, err := st.GetRoom(ctx, f.roomB); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted room: %v", err)
	}
	if err := st.DeleteRoom(ctx, "ana", f.roomB); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	// Exactly one active semester.
	s2 := must[store.Semester](t)(st.SaveSemester(ctx, "ana", store.Semester{Name: "2026-1", StartDate: "2026-03-01", EndDate: "2026-07-10", Active: true}))
	if a, _ := st.ActiveSemester(ctx); a.ID != s2.ID {
		t.Errorf("active %+v", a)
	}
	if err := st.DeleteSemester(ctx, "ana", s2.ID); conflictSlug(err) != "active-semester" {
		t.Errorf("delete active: %v", err)
	}
	log, _ := st.ListChangeLog(ctx, "room", store.Page{})
	if len(log) < 3 || log[0].Username != "ana" {
		t.Errorf("change log: %+v", log)
	}
}

func TestOccupancyExclusionConstraint(t *testing.T) {
	f, ctx := fixture(t)
	st := f.st
	// An allocation's weekly cells, then direct SQL overlapping them is refused by the database.
	ids, err := st.Adjust(ctx, f.sem, func(si *store.SemesterInput) (store.AdjustPlan, error) {
		return store.AdjustPlan{Insert: []store.NewAllocation{{DemandID: f.demandMon, Day: 2, RoomID: f.roomA, Source: "manual"}}, Change: store.Change{Actor: "ana", Action: "assign", Entity: "allocation"}}, nil
	})
	if err != nil || len(ids) != 1 {
		t.Fatalf("adjust: %v %v", ids, err)
	}
	var n int
	_ = st.Pool().QueryRow(ctx, `SELECT count(*) FROM allocation.occupancies WHERE allocation_id = $1`, ids[0]).Scan(&n)
	if n != 2 {
		t.Errorf("occupancies %d", n)
	}
	_, err = st.Pool().Exec(ctx, `INSERT INTO allocation.occupancies (room_id, day, block, during, hold_id)
		SELECT $1, 2, 0, daterange('2025-09-01','2025-09-01','[]'), h.id FROM (SELECT 1) x LEFT JOIN allocation.room_holds h ON false`, f.roomA)
	if err == nil {
		t.Fatal("a row without owner was accepted")
	}
	// Reservation on a Monday M1 of the semester: refused, naming the occurrence; a Monday after it is fine.
	_, err = st.CreateReservation(ctx, "ana", store.Reservation{RoomID: f.roomA, Title: "X", Requester: "Y", Blocks: []string{"M1"}, Recurrence: []byte(`{}`)},
		[]string{"2025-09-01"}, []int16{0})
	if conflictSlug(err) != "double-booking" || !strings.Contains(err.Error(), "occurrence 2025-09-01 M1") {
		t.Errorf("reservation over a class: %v", err)
	}
	res, err := st.CreateReservation(ctx, "ana", store.Reservation{RoomID: f.roomA, Title: "X", Requester: "Y", Blocks: []string{"M1"}, Recurrence: []byte(`{}`)},
		[]string{"2025-12-22"}, []int16{0})
	if err != nil {
		t.Fatal(err)
	}
	// Both ways: widening the semester over the reservation is refused by the constraint.
	sem, _ := st.GetSemester(ctx, f.sem)
	sem.EndDate = "2025-12-23"
	if _, err := st.SaveSemester(ctx, "ana", sem); conflictSlug(err) != "double-booking" {
		t.Errorf("semester over a reservation: %v", err)
	}
	// Reschedule onto the class: refused and nothing changes.
	if _, err := st.RescheduleReservation(ctx, "ana", store.Reservation{ID: res.ID, Title: "X", Requester: "Y", Blocks: []string{"M1"}, Recurrence: []byte(`{"kind":"single"}`)},
		"2025-09-01", []string{"2025-09-08"}, []int16{0}); conflictSlug(err) != "double-booking" {
		t.Errorf("reschedule over a class: %v", err)
	}
	if got, _ := st.GetReservation(ctx, res.ID); len(got.Occurrences) != 1 || got.Occurrences[0].Date != "2025-12-22" {
		t.Errorf("after refused reschedule: %+v", got.Occurrences)
	}
	// Cancelling frees the slot.
	if err := st.CancelOccurrence(ctx, "ana", res.ID, res.Occurrences[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSemester(ctx, "ana", sem); err != nil {
		t.Errorf("semester after cancel: %v", err)
	}
}

func TestPublicationsAndJobs(t *testing.T) {
	f, ctx := fixture(t)
	st := f.st
	if _, err := st.LatestPublication(ctx, f.sem); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no publication yet: %v", err)
	}
	if err := st.ReplaceSolverResult(ctx, "solver", f.sem, []store.NewAllocation{
		{DemandID: f.demandMon, Day: 2, RoomID: f.roomA, Source: "solver"}, {DemandID: f.demandT, Day: 3, RoomID: f.roomB, Source: "solver"},
	}, nil); err != nil {
		t.Fatal(err)
	}
	p := must[store.Publication](t)(st.Publish(ctx, "ana", f.sem, "v1"))
	if p.SectionDays != 2 || len(p.Allocations) != 2 || p.PublishedBy != "ana" {
		t.Fatalf("publication %+v", p)
	}
	// The snapshot does not follow later changes.
	if err := st.ReplaceSolverResult(ctx, "solver", f.sem, []store.NewAllocation{{DemandID: f.demandMon, Day: 2, RoomID: f.roomB, Source: "solver"}}, nil); err != nil {
		t.Fatal(err)
	}
	l := must[store.Publication](t)(st.LatestPublication(ctx, f.sem))
	if l.ID != p.ID || l.Allocations[0].RoomID != f.roomA {
		t.Errorf("latest %+v", l)
	}
	if err := st.DeleteRoom(ctx, "ana", f.roomA); conflictSlug(err) != "in-use" {
		t.Errorf("published room deleted: %v", err)
	}
	// Jobs: one running per semester, cancel flag, finish.
	j := must[store.SolveJob](t)(st.CreateJob(ctx, "ana", f.sem, store.ModeMinimalPerturbation))
	if j.Status != "running" || j.Mode != "minimal_perturbation" {
		t.Errorf("job %+v", j)
	}
	if _, err := st.CreateJob(ctx, "ana", f.sem, ""); conflictSlug(err) != "solve-running" {
		t.Errorf("second running job: %v", err)
	}
	if c, _ := st.CancelRequested(ctx, j.ID); c {
		t.Error("cancel flag set")
	}
	if j, err := st.RequestCancel(ctx, "ana", j.ID); err != nil || !j.CancelRequested {
		t.Errorf("cancel: %+v %v", j, err)
	}
	if err := st.FinishJob(ctx, j.ID, "cancelled", nil, "cancelled"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RequestCancel(ctx, "ana", j.ID); conflictSlug(err) != "not-running" {
		t.Errorf("cancel finished: %v", err)
	}
	if _, err := st.RequestCancel(ctx, "ana", "00000000-0000-4000-8000-000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancel unknown: %v", err)
	}
}
