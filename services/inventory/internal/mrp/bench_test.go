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
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var p *Plan
	for b.Loop() {
		p = m.Plan()
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

// BenchmarkNetChange100k re-plans after one end item's demand changed.
func BenchmarkNetChange100k(b *testing.B) {
	in := Generate(GenConfig{Items: 100_000, Seed: 42})
	m, err := Compile(in)
	if err != nil {
		b.Fatal(err)
	}
	prev := m.Plan()
	in2 := in
	in2.Demand = append([]Demand(nil), in.Demand...)
	in2.Demand[0].Quantity += 17
	m2, err := Compile(in2)
	if err != nil {
		b.Fatal(err)
	}
	changed := []ItemID{in2.Demand[0].Item}
	b.ReportAllocs()
	b.ResetTimer()
	var p *Plan
	for b.Loop() {
		p, err = m2.PlanNetChange(prev, changed)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Replanned())), "items-replanned")
}
