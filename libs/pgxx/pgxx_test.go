package pgxx_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"
)

func migrations(t *testing.T, files fstest.MapFS) []pgxx.Migration {
	t.Helper()
	ms, err := pgxx.LoadMigrations(files, "m")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestMigrateAppliesInOrderOnce(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxx.Connect(ctx, pgxtest.NewDatabase(t), noop.NewTracerProvider())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	files := fstest.MapFS{
		"m/002_add_col.sql": {Data: []byte(`ALTER TABLE things ADD COLUMN label text;`)},
		"m/001_things.sql":  {Data: []byte(`CREATE TABLE things (id int PRIMARY KEY);`)},
	}
	applied, err := pgxx.Migrate(ctx, pool, "demo", migrations(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 2 || applied[0] != "001_things.sql" {
		t.Fatalf("applied = %v", applied)
	}
	// Tables land in the service's schema, not public.
	if _, err := pool.Exec(ctx, `INSERT INTO demo.things (id, label) VALUES (1, 'x')`); err != nil {
		t.Fatal(err)
	}
	again, err := pgxx.Migrate(ctx, pool, "demo", migrations(t, files))
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v, err %v", again, err)
	}
	files["m/001_things.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE things (id bigint PRIMARY KEY);`)}
	if _, err := pgxx.Migrate(ctx, pool, "demo", migrations(t, files)); !errors.Is(err, pgxx.ErrChecksumMismatch) {
		t.Fatalf("edited migration: err = %v", err)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgxtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	files := fstest.MapFS{"m/001_bad.sql": {Data: []byte(`CREATE TABLE half (id int); SELECT broken_sql(;`)}}
	if _, err := pgxx.Migrate(ctx, pool, "demo", migrations(t, files)); err == nil {
		t.Fatal("broken migration must fail")
	}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('demo.half') IS NOT NULL`).Scan(&exists); err != nil || exists {
		t.Fatalf("partial migration left table behind (exists=%v err=%v)", exists, err)
	}
}

func TestConcurrentMigrationsDoNotRace(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgxtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Without the advisory lock, two runners would both try to apply 001 and one would
	// fail on the duplicate table.
	files := fstest.MapFS{
		"m/001_a.sql": {Data: []byte(`CREATE TABLE a (id int); SELECT pg_sleep(0.2);`)},
		"m/002_b.sql": {Data: []byte(`CREATE TABLE b (id int);`)},
	}
	ms := migrations(t, files)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	counts := make([]int, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied, err := pgxx.Migrate(ctx, pool, "demo", ms)
			errs[i], counts[i] = err, len(applied)
		}()
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("runner %d: %v", i, err)
		}
		total += counts[i]
	}
	if total != 2 {
		t.Fatalf("migrations applied %d times in total, want 2", total)
	}
}

func TestBadMigrationNames(t *testing.T) {
	for _, name := range []string{"m/1_x.sql", "m/001-x.sql", "m/001_X.sql"} {
		if _, err := pgxx.LoadMigrations(fstest.MapFS{name: {Data: []byte("SELECT 1")}}, "m"); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	dup := fstest.MapFS{"m/001_a.sql": {Data: []byte("")}, "m/001_b.sql": {Data: []byte("")}}
	if _, err := pgxx.LoadMigrations(dup, "m"); err == nil {
		t.Error("duplicate versions accepted")
	}
}
