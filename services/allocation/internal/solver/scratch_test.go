package solver

import "testing"

func TestScratch(t *testing.T) {
	c := loadReal(t)
	for _, x := range []struct{ n string; in Input }{{"real", c.Input}, {"4x", Generate(Scale4x(1))}, {"10x", Generate(Scale10x(1))}} {
		sol := mustSolve(t, x.in)
		g, _ := Greedy(x.in)
		t.Logf("%s: %+v greedy=%d", x.n, sol.Stats, len(g))
	}
}
