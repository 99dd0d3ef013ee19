// Package app wires the allocation service: configuration, stores and HTTP routes.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/allocation/internal/demo"
	"github.com/planta-dev/planta/services/allocation/internal/httpapi"
	"github.com/planta-dev/planta/services/allocation/internal/importer"
	"github.com/planta-dev/planta/services/allocation/internal/solvejob"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/migrations"
)

// Spec describes the allocation service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "allocation", Version: version,
		Schema: "allocation", Migrations: migrations.FS,
		NeedsSession: true,
		OpenAPI:      httpapi.OpenAPI(version),
		Setup:        setup,
		Commands: map[string]service.Command{
			"seed-demo": {Help: "load the real campus and the 2025-2 semester, then solve it", Run: seedDemo},
		},
	}
}

func setup(ctx context.Context, d *service.Deps) error {
	st := store.New(d.Pool)
	if err := st.FailRunningJobs(ctx); err != nil {
		return fmt.Errorf("reset solve jobs: %w", err)
	}
	runner := &solvejob.Runner{Store: st, Metrics: solvejob.NewMetrics(d.Tel.Registry), Log: d.Log, Base: ctx}
	api := httpapi.New(httpapi.Config{
		Store:            st,
		ClientIPs:        d.ClientIPs,
		Academic:         &importer.Client{BaseURL: d.Env.String("PLANTA_ACADEMIC_API_URL", ""), HTTP: d.HTTPClient},
		ExcludedPrograms: listOr(d.Env.List("PLANTA_ALLOCATION_EXCLUDED_PROGRAMS"), []string{"LEDOC", "OUTROS"}),
		Runner:           runner,
		Log:              d.Log,
		PublicRate:       float64(d.Env.Int("PLANTA_PUBLIC_RATE_PER_SECOND", 10, 1, 10000)),
		PublicBurst:      d.Env.Int("PLANTA_PUBLIC_RATE_BURST", 60, 1, 100000),
		PublicCache:      publicCacheConfig(d),
	})
	api.Register(d.Public)
	return nil
}

// publicCacheConfig reads the public answer cache's bounds: PLANTA_PUBLIC_CACHE_TTL_MS
// (how long a replica trusts the public version it read, default 1000; 0 = read it on every
// request) and PLANTA_PUBLIC_CACHE_MB (cached bodies, default 32; 0 = no cache).
func publicCacheConfig(d *service.Deps) httpapi.PublicCacheConfig {
	c := httpapi.PublicCacheConfig{
		TTL:      time.Duration(d.Env.Int("PLANTA_PUBLIC_CACHE_TTL_MS", 1000, 0, 60000)) * time.Millisecond,
		MaxBytes: d.Env.Int("PLANTA_PUBLIC_CACHE_MB", 32, 0, 4096) << 20,
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = -1
	}
	return c
}

func listOr(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

// seedDemo migrates, loads the demo data into an empty schema and solves the semester.
func seedDemo(ctx context.Context, d *service.Deps, _ []string) error {
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		return err
	}
	if _, err := pgxx.Migrate(ctx, d.Pool, "allocation", ms); err != nil {
		return err
	}
	st := store.New(d.Pool)
	sum, err := demo.Seed(ctx, st)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if sum.Skipped {
		_, err := fmt.Fprintln(d.Stdout, "allocation seed-demo: data already present, nothing to do")
		return err
	}
	runner := &solvejob.Runner{Store: st, Metrics: solvejob.NewMetrics(d.Tel.Registry), Log: d.Log, Base: ctx}
	job, err := runner.Start(ctx, demo.Actor, sum.SemesterID, store.ModeFull)
	if err != nil {
		return err
	}
	runner.Wait()
	job, err = st.GetJob(ctx, job.ID)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(d.Stdout, "allocation seed-demo: %d rooms, %d professors, %d demands, %d rules, %d holds; solve %s %s\n",
		sum.Rooms, sum.Professors, sum.Demands, sum.Rules, sum.Holds, job.Status, string(job.Result))
	return err
}
