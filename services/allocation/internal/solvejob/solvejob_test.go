package solvejob

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/allocation/internal/solver"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
	"github.com/planta-dev/planta/services/allocation/migrations"
)

func TestCompareWithPublication(t *testing.T) {
	g := timegrid.Default()
	sch, _ := g.Parse("24M12")
	si := &store.SemesterInput{Input: solver.Input{Sections: []solver.Section{{ID: "1", Schedule: sch}}},
		Demands: map[int64]store.Demand{1: {ID: 1, DisciplineCode: "FUP0001", Section: "T1"}}}
	pub := store.Publication{ID: 7, Allocations: []store.PublishedAllocation{
		{DemandID: 1, Day: 2, RoomID: 10}, {DemandID: 1, Day: 4, RoomID: 10},
		{DemandID: 1, Day: 6, RoomID: 10}, // the section no longer meets on Friday
		{DemandID: 2, Day: 2, RoomID: 11}, // the demand is gone
	}}
	cells := publishedCells(si, pub)
	if len(cells) != 2 {
		t.Fatalf("published cells %+v", cells)
	}
	sol := &solver.Solution{Assignments: []solver.Assignment{{SectionID: "1", Day: 2, RoomID: "10"}}} // Wednesday now unplaced
	res := &Result{}
	compareWithPublication(res, si, cells, sol)
	if res.PublishedSectionDays != 2 || res.PublishedMoved != 1 || len(res.Moves) != 1 || res.Moves[0].Day != 4 || res.Moves[0].ToRoomID != 0 || res.Moves[0].DisciplineCode != "FUP0001" {
		t.Errorf("%+v", res)
	}
}

func newRunner(t *testing.T) (*Runner, *store.Store, int64) {
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
	st := store.New(pool)
	c, _ := st.SaveCampus(ctx, "t", store.Campus{Name: "C"})
	b, _ := st.SaveBuilding(ctx, "t", store.Building{CampusID: c.ID, Name: "B"})
	typ, _ := st.SaveRoomType(ctx, "t", store.RoomType{Name: "Sala"})
	for _, n := range []string{"R1", "R2"} {
		if _, err := st.SaveRoom(ctx, "t", store.Room{BuildingID: b.ID, Name: n, Capacity: 40, RoomTypeID: typ.ID, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	sem, err := st.SaveSemester(ctx, "t", store.Semester{Name: "2025-2", StartDate: "2025-08-18", EndDate: "2025-12-20"})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"2M12", "2M12", "3M1"} {
		cells := map[string][]string{"2M12": {"2M1", "2M2"}, "3M1": {"3M1"}}[s]
		if _, err := st.SaveDemand(ctx, "t", store.Demand{SemesterID: sem.ID, ExternalID: string(rune('a' + i)), DisciplineCode: "FUP000" + string(rune('1'+i)), Section: "T1", Seats: 30, Schedule: s, Cells: cells}); err != nil {
			t.Fatal(err)
		}
	}
	r := &Runner{Store: st, Metrics: NewMetrics(prometheus.NewRegistry()), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Cleanup(r.Wait)
	return r, st, sem.ID
}

func TestRunnerModesAndCancel(t *testing.T) {
	r, st, sem := newRunner(t)
	ctx := context.Background()
	if _, err := r.Start(ctx, "t", sem, store.ModeMinimalPerturbation); !errors.Is(err, ErrNoPublication) {
		t.Fatalf("minimal without publication: %v", err)
	}
	j, err := r.Start(ctx, "t", sem, "")
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	if j, _ = st.GetJob(ctx, j.ID); j.Status != "succeeded" || j.Mode != "full" {
		t.Fatalf("full: %+v", j)
	}
	if _, err := st.Publish(ctx, "t", sem, ""); err != nil {
		t.Fatal(err)
	}
	j, _ = r.Start(ctx, "t", sem, store.ModeMinimalPerturbation)
	r.Wait()
	if j, _ = st.GetJob(ctx, j.ID); j.Status != "succeeded" || !contains(string(j.Result), `"published_moved": 0`) || !contains(string(j.Result), `"published_section_days": 3`) {
		t.Fatalf("minimal: %+v %s", j, j.Result)
	}
	// Cancel: hold the solve at its first progress report.
	held := make(chan struct{})
	first := true
	r.OnProgress = func(ctx context.Context, _ string, _ solver.Progress) {
		if first {
			first = false
			close(held)
			<-ctx.Done()
		}
	}
	j, _ = r.Start(ctx, "t", sem, store.ModeFull)
	<-held
	c, err := r.Cancel(ctx, "t", j.ID, 5*time.Second)
	if err != nil || c.Status != "cancelled" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if _, err := r.Cancel(ctx, "t", j.ID, time.Second); err == nil {
		t.Error("cancelled twice")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
