package solver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func loadReal(t testing.TB) *Campus {
	t.Helper()
	open := func(n string) *os.File {
		f, err := os.Open(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	c, err := LoadCampus(open("rooms.csv"), open("offers-2025-2.csv"), open("allocation-2025-2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustSolve(t testing.TB, in Input) *Solution {
	t.Helper()
	sol, err := Solve(context.Background(), in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := Verify(in, sol.Assignments); len(v) > 0 {
		t.Fatalf("solver produced %d hard violations, first: %+v", len(v), v[0])
	}
	return sol
}
