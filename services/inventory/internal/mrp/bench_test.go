package mrp

import (
	"runtime"
	"testing"
)

// benchPlan plans a generated problem of n items × 52 weekly buckets and
// reports ns per item-bucket, the figure the performance target is stated in.
func benchPlan(b *testing.B, n int) {
	if n >= 1_000_000 && testing.Short() {
		b.Skip("1M items: skipped with -short")
	}
	in := Generate(GenConfig{Items: n, Seed: 42})
	m, err := Compile(in)
	if err != nil {
		b.Fatal(err)
	}
	lines := len(in.BOM)
	// The run starts from a compiled model: drop the Input so the garbage
	// collector does not rescan millions of strings during the timed loop.
	in = Input{}
	// One untimed run first: a fresh process page-faults the order arena in
	// (≈0.8 GB at 1M items), which a long-running service pays once, and
	// b.Loop runs the 1M case only once.
	m.mustPlan()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var p *Plan
	for b.Loop() {
		p = m.mustPlan()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*m.Buckets()), "ns/item-bucket")
	b.ReportMetric(float64(p.NumOrders()), "orders")
	b.ReportMetric(float64(lines), "bom-lines")
}

func BenchmarkPlan10k(b *testing.B)  { benchPlan(b, 10_000) }
func BenchmarkPlan100k(b *testing.B) { benchPlan(b, 100_000) }
func BenchmarkPlan1M(b *testing.B)   { benchPlan(b, 1_000_000) }

// BenchmarkCompile100k measures validation, indexing and low-level codes,
// which a run from storage pays once per input version.
func BenchmarkCompile100k(b *testing.B) {
	in := Generate(GenConfig{Items: 100_000, Seed: 42})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetChange100k re-plans after one end item's demand changed, as
// a service does: each run starts from the previous run's plan (so it
// extends that plan's arena in place), alternating between two inputs.
func BenchmarkNetChange100k(b *testing.B) {
	in := Generate(GenConfig{Items: 100_000, Seed: 42})
	m1, err := Compile(in)
	if err != nil {
		b.Fatal(err)
	}
	in2 := in.Clone()
	in2.Demand[0].Quantity += 17
	m2, err := Compile(in2)
	if err != nil {
		b.Fatal(err)
	}
	in, in2 = Input{}, Input{}
	changed := []ItemID{m1.ID(0)}
	if d := m1.demIdx[0]; d != 0 { // the changed demand belongs to item 0
		b.Fatalf("generator changed: demand 0 is not item 0's first")
	}
	p := m1.mustPlan()
	models := [2]*Model{m2, m1}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	k := 0
	for b.Loop() {
		p, err = models[k%2].PlanNetChange(p, changed)
		if err != nil {
			b.Fatal(err)
		}
		k++
	}
	b.ReportMetric(float64(len(p.Replanned())), "items-replanned")
}

// BenchmarkPegging10k computes full pegging, which the API serves on demand.
func BenchmarkPegging10k(b *testing.B) {
	m, err := Compile(Generate(GenConfig{Items: 10_000, Seed: 42}))
	if err != nil {
		b.Fatal(err)
	}
	p := m.mustPlan()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(p.Pegging())
	}
	b.ReportMetric(float64(n), "pegs")
}

// BenchmarkNetChangePatch100k is a net change as the inventory service runs
// it after one end item's demand changed: Patch the previous model with the
// edited input and the changed item, then PlanNetChange from the previous
// plan. Each run starts from the previous run's model and plan, alternating
// between two inputs. The Compile baseline it replaces is
// BenchmarkCompile100k.
func BenchmarkNetChangePatch100k(b *testing.B) {
	in := Generate(GenConfig{Items: 100_000, Seed: 42})
	m, err := Compile(in)
	if err != nil {
		b.Fatal(err)
	}
	in2 := in.Clone()
	in2.Demand[0].Quantity += 17
	inputs := [2]Input{in2, in}
	changed := []ItemID{in.Demand[0].Item}
	p := m.mustPlan()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	k := 0
	for b.Loop() {
		if m, err = m.Patch(inputs[k%2], changed); err != nil {
			b.Fatal(err)
		}
		if p, err = m.PlanNetChange(p, changed); err != nil {
			b.Fatal(err)
		}
		k++
	}
	b.ReportMetric(float64(len(p.Replanned())), "items-replanned")
}
