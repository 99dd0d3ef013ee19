package solver

import (
	"context"
	"testing"
)

// go test -run=NONE -bench=. -benchtime=1x ./internal/solver/
func benchSolve(b *testing.B, in Input) {
	g, err := Greedy(in)
	if err != nil {
		b.Fatal(err)
	}
	gSoft, _, _ := Score(in, g)
	var sol *Solution
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sol, err = Solve(context.Background(), in, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !sol.Stats.PlacedProven {
		b.Errorf("placement not proven optimal: %+v", sol.Stats)
	}
	for _, n := range sol.Stats.Notes {
		b.Logf("note: %s", n)
	}
	if v := Verify(in, sol.Assignments); len(v) > 0 {
		b.Fatalf("violations: %v", v[0])
	}
	s := sol.Stats
	b.ReportMetric(float64(s.SectionDays), "section-days")
	b.ReportMetric(float64(s.Placed), "placed")
	b.ReportMetric(float64(s.PlacedUpperBound), "placed-bound")
	b.ReportMetric(float64(s.PlacedUpperBound-s.Placed), "placed-gap")
	b.ReportMetric(float64(s.SoftScore), "soft")
	b.ReportMetric(float64(s.SoftUpperBound), "soft-bound")
	b.ReportMetric(100*float64(s.SoftUpperBound-s.SoftScore)/float64(max(s.SoftUpperBound, 1)), "soft-gap-%")
	b.ReportMetric(b2f(s.PlacedProven), "proven")
	b.ReportMetric(b2f(s.SoftProven), "soft-proven")
	b.ReportMetric(float64(s.MIPProofs), "cbc-proofs")
	b.ReportMetric(float64(s.LagrangianProofs), "lagrange-proofs")
	b.ReportMetric(float64(len(g)), "greedy-placed")
	b.ReportMetric(float64(gSoft), "greedy-soft")
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func BenchmarkRealSemester(b *testing.B) { benchSolve(b, loadReal(b).Input) }
func BenchmarkScale4x(b *testing.B)      { benchSolve(b, Generate(Scale4x(1))) }
func BenchmarkScale10x(b *testing.B)     { benchSolve(b, Generate(Scale10x(1))) }
