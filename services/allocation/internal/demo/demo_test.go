package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/allocation/internal/demo"
	"github.com/planta-dev/planta/services/allocation/internal/solvejob"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/migrations"
)

// The real campus and semester load, solve completely and the result holds: the
// database accepted every placed section-day next to the holds.
func TestSeedRealSemesterAndSolve(t *testing.T) {
	ctx := context.Background()
	pool := pgxtest.NewPool(t)
	ms, _ := pgxx.LoadMigrations(migrations.FS, ".")
	if _, err := pgxx.Migrate(ctx, pool, "allocation", ms); err != nil {
		t.Fatal(err)
	}
	st := store.New(pool)
	sum, err := demo.Seed(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rooms != 33 || sum.Professors != 142 || sum.Demands != 185 || sum.Holds == 0 {
		t.Fatalf("%+v", sum)
	}
	if again, err := demo.Seed(ctx, st); err != nil || !again.Skipped {
		t.Fatalf("second seed: %+v %v", again, err)
	}
	r := &solvejob.Runner{Store: st, Metrics: solvejob.NewMetrics(prometheus.NewRegistry()), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	job, err := r.Start(ctx, "test", sum.SemesterID, store.ModeFull)
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	if job, err = st.GetJob(ctx, job.ID); err != nil || job.Status != "succeeded" {
		t.Fatalf("%+v %v", job, err)
	}
	allocs, err := st.ListAllocations(ctx, store.AllocationFilter{SemesterID: sum.SemesterID}, store.All)
	if err != nil || len(allocs) < 240 {
		t.Fatalf("%d allocations, %v", len(allocs), err)
	}
}
