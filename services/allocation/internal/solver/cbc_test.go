package solver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// randomClassInstance has several rooms with identical eligibility (so room
// classes have size > 1), interval and non-interval section-days (two
// meetings with a gap on one day), holds and pinned assignments.
func randomClassInstance(seed uint64, tiny bool) Input {
	rng := rand.New(rand.NewPCG(seed, 99))
	in := Input{}
	nr, ns := 3+rng.IntN(6), 20+rng.IntN(40)
	if tiny {
		nr, ns = 2+rng.IntN(2), 5+rng.IntN(4)
	}
	for i := 0; i < nr; i++ {
		r := room(fmt.Sprintf("R%d", i), []int{30, 40}[rng.IntN(2)], rng.IntN(2), []string{"Sala", "Sala", "Lab"}[rng.IntN(3)])
		in.Rooms = append(in.Rooms, r)
	}
	pats := []string{"M12", "M34", "M1234", "M23", "M2", "M45", "T12", "M5 %sT1", "M12345"}
	for i := 0; i < ns; i++ {
		s := Section{ID: fmt.Sprintf("S%02d", i), Discipline: fmt.Sprintf("D%d", rng.IntN(4)), Seats: []int{20, 35}[rng.IntN(2)]}
		days := []string{"2", "23", "3"}[rng.IntN(3)]
		pat := pats[rng.IntN(len(pats))]
		if strings.Contains(pat, "%s") { // M5 and T1 are adjacent blocks: one interval
			pat = fmt.Sprintf(pat, days)
		}
		s.Schedule = sch(days + pat)
		if rng.IntN(6) == 0 { // a second meeting with a gap on the first day
			s.Schedule.AddSet(s.Schedule.Days()[0], sch("2N12").Blocks(2))
		}
		in.Sections = append(in.Sections, s)
	}
	if rng.IntN(2) == 0 {
		in.RoomTypeRules = []RoomTypeRule{{Discipline: "D0", RoomType: "Lab"}}
	}
	if rng.IntN(2) == 0 {
		in.Blocked = append(in.Blocked, BlockedCell{RoomID: "R0", Day: 2, Block: timegrid.Block(rng.IntN(6)), Label: "hold"})
	}
	return in
}

// The aggregated model (room classes) disaggregated by interval colouring
// always gives a hard-feasible assignment, and its count is the optimum.
func TestAggregatedDisaggregationVerifies(t *testing.T) {
	requireCBC(t)
	for seed := uint64(0); seed < 40; seed++ {
		tiny := seed%2 == 0
		in := randomClassInstance(seed, tiny)
		sol, err := Solve(context.Background(), in, Options{forceMIP: true, SoftTimeLimit: -1})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if v := Verify(in, sol.Assignments); len(v) > 0 {
			t.Fatalf("seed %d: disaggregated placement violates %s: %s", seed, v[0].Kind, v[0].Message)
		}
		comb, err := Solve(context.Background(), in, Options{DisableCBC: true, SoftTimeLimit: -1, MaxBranchNodes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if !sol.Stats.PlacedProven {
			t.Fatalf("seed %d: cbc did not prove the placement: %+v", seed, sol.Stats)
		}
		if comb.Stats.PlacedProven && comb.Stats.Placed != sol.Stats.Placed {
			t.Fatalf("seed %d: aggregated MIP placed %d, combinatorial proven optimum %d", seed, sol.Stats.Placed, comb.Stats.Placed)
		}
		if tiny {
			if want := bruteForce(in); sol.Stats.Placed != want {
				t.Fatalf("seed %d: aggregated MIP placed %d, brute force %d", seed, sol.Stats.Placed, want)
			}
		}
	}
}

// Without cbc and with a tiny branch-and-bound budget, an instance whose
// Lagrangian bound is not tight must not be reported as proven, and its
// bound must stay above the true optimum (cbc's).
func TestProvenNeverClaimedWithoutProof(t *testing.T) {
	requireCBC(t)
	in := Generate(Scale4x(1))
	exact := mustSolve(t, in)
	if !exact.Stats.PlacedProven {
		t.Fatalf("cbc did not prove the 4x instance: %+v", exact.Stats)
	}
	weak, err := Solve(context.Background(), in, Options{DisableCBC: true, MaxBranchNodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if weak.Stats.PlacedUpperBound < exact.Stats.Placed {
		t.Fatalf("bound %d below the optimum %d", weak.Stats.PlacedUpperBound, exact.Stats.Placed)
	}
	if weak.Stats.Placed < weak.Stats.PlacedUpperBound && (weak.Stats.PlacedProven || weak.Stats.Proven) {
		t.Fatalf("claimed proven with a gap: %+v", weak.Stats)
	}
	if weak.Stats.PlacedUpperBound == weak.Stats.Placed {
		t.Fatalf("expected an open gap without cbc on this instance (Lagrangian bound is not tight): %+v", weak.Stats)
	}
	t.Logf("without cbc: placed %d, bound %d (not proven); with cbc: %d proven", weak.Stats.Placed, weak.Stats.PlacedUpperBound, exact.Stats.Placed)
}

// fakeCBC writes a shell script standing in for cbc: it writes solution
// file text and prints log text.
func fakeCBC(t *testing.T, solution, log string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "cbc")
	script := "#!/bin/sh\nout=\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -solu ]; then out=$2; fi; shift; done\n" +
		"cat > \"$out\" <<'EOF'\n" + solution + "\nEOF\ncat <<'EOF'\n" + log + "\nEOF\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// A cbc that stops without proving (time limit), or that claims optimality
// for a solution worse than the incumbent, never yields Proven.
func TestProvenOnlyFromCBCOptimal(t *testing.T) {
	in := Generate(Scale4x(1))
	cases := map[string]string{
		"stopped":       fakeCBC(t, "Stopped on time - objective value 0.00000000", "Result - Stopped on time limit\n\nObjective value: 0\nLower bound: -99999\n"),
		"bogus optimal": fakeCBC(t, "Optimal - objective value 0.00000000", "Result - Optimal solution found\n\nObjective value: 0\n"),
		"garbage":       fakeCBC(t, "what", "nothing"),
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			sol, err := Solve(context.Background(), in, Options{CBCPath: path, MaxBranchNodes: 1, SoftTimeLimit: -1})
			if err != nil {
				t.Fatal(err)
			}
			if v := Verify(in, sol.Assignments); len(v) > 0 {
				t.Fatalf("violation: %s", v[0].Message)
			}
			s := sol.Stats
			if s.Proven || s.PlacedProven || s.Placed == s.PlacedUpperBound {
				t.Fatalf("proven from a cbc run that proved nothing: placed %d bound %d", s.Placed, s.PlacedUpperBound)
			}
			if name == "garbage" && !strings.Contains(strings.Join(s.Notes, " "), "cbc failed") {
				t.Fatalf("no note about the failing cbc: %v", s.Notes)
			}
		})
	}
}

// A missing cbc (production misconfiguration) degrades gracefully: the
// combinatorial result, Proven=false where it is not proven, and a note.
func TestCBCMissingGraceful(t *testing.T) {
	t.Setenv("PLANTA_CBC_PATH", "/nonexistent/planta/cbc")
	in := Generate(Scale4x(1))
	sol, err := Solve(context.Background(), in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := Verify(in, sol.Assignments); len(v) > 0 {
		t.Fatalf("violation: %s", v[0].Message)
	}
	s := sol.Stats
	if s.CBCPath != "" || s.MIPProofs != 0 || s.SoftMethod != "local-search" {
		t.Fatalf("cbc reported as used: %+v", s)
	}
	if !strings.Contains(strings.Join(s.Notes, " "), "cbc unavailable") {
		t.Fatalf("no note about the missing cbc: %v", s.Notes)
	}
	if s.Proven != (s.Placed == s.PlacedUpperBound) {
		t.Fatalf("Proven %v inconsistent with placed %d / bound %d", s.Proven, s.Placed, s.PlacedUpperBound)
	}
	if s.Proven {
		t.Fatalf("4x instance proven without cbc (the combinatorial bound is not tight there): %+v", s)
	}
}
