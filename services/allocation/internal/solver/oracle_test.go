package solver

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// requireCBC fails (never skips) when the cbc binary is missing.
func requireCBC(t testing.TB) string {
	t.Helper()
	path, err := resolveCBC("")
	if err != nil {
		t.Fatalf("the optimality oracle and the exact solver phases need COIN-OR cbc (PLANTA_CBC_PATH or `cbc` on PATH): run `make deps-test` (deploy/local/ensure-infra.sh installs Debian's coinor-cbc; or apt-get install -y coinor-cbc): %v", err)
	}
	return path
}

// oracleModel writes the exact integer program of an instance in CPLEX LP
// format. Variables x_j_r (section-day j in room r, hard-eligible and free of
// blocked cells; pinned section-days are fixed). Objective: placedWeight per
// placed section-day plus, if soft, the single-room soft score, previous-room
// bonus and same-room pairs (y_s_k_r ≤ x of both consecutive days), all
// lexicographically below a placed section-day (placedWeight large).
func oracleModel(p *problem, soft bool, placedWeight int64) string {
	type con struct {
		terms []string // "+ v" or "- v"
		rel   string
		rhs   int
	}
	var obj []string
	var cons []con
	var bins []string
	x := func(j int, r int32) string { return fmt.Sprintf("x_%d_%d", j, r) }
	cell := map[[3]int][]string{}
	for j := range p.jobs {
		var row []string
		for k, r := range p.elig[j] {
			if p.pinned[j] >= 0 && p.pinned[j] != r {
				continue
			}
			v := x(j, r)
			bins = append(bins, v)
			row = append(row, "+ "+v)
			w := placedWeight
			if soft {
				w += int64(p.soft[j][k])
				if p.prev[j] == r {
					w += int64(p.w.PreviousRoom)
				}
			}
			obj = append(obj, fmt.Sprintf("+ %d %s", w, v))
			for _, bl := range p.jobs[j].mask.Blocks() {
				key := [3]int{int(r), int(p.jobs[j].day), int(bl)}
				cell[key] = append(cell[key], "+ "+v)
			}
		}
		if len(row) > 0 {
			rel := "<="
			if p.pinned[j] >= 0 {
				rel = "="
			}
			cons = append(cons, con{row, rel, 1})
		}
	}
	keys := make([][3]int, 0, len(cell))
	for k := range cell {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		if vs := cell[k]; len(vs) > 1 {
			cons = append(cons, con{vs, "<=", 1})
		}
	}
	if soft && p.w.SameRoomAcrossDays > 0 {
		for s := range p.secs {
			sj := p.secJobs[s]
			for k := 1; k < len(sj); k++ {
				a, c := sj[k-1], sj[k]
				for _, r := range p.elig[a] {
					if _, ok := p.softOf(c, r); !ok {
						continue
					}
					y := fmt.Sprintf("y_%d_%d_%d", s, k, r)
					bins = append(bins, y)
					obj = append(obj, fmt.Sprintf("+ %d %s", p.w.SameRoomAcrossDays, y))
					cons = append(cons, con{[]string{"+ " + y, "- " + x(a, r)}, "<=", 0}, con{[]string{"+ " + y, "- " + x(c, r)}, "<=", 0})
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("Maximize\n obj:")
	if len(obj) == 0 {
		obj = []string{"+ 0 dummy"}
		bins = append(bins, "dummy")
	}
	writeTerms(&b, obj)
	b.WriteString("\nSubject To\n")
	for i, c := range cons {
		fmt.Fprintf(&b, " c%d:", i)
		writeTerms(&b, c.terms)
		fmt.Fprintf(&b, " %s %d\n", c.rel, c.rhs)
	}
	b.WriteString("Binaries\n")
	for _, v := range bins {
		b.WriteString(" " + v + "\n")
	}
	b.WriteString("End\n")
	return b.String()
}

func writeTerms(b *strings.Builder, terms []string) {
	for i, t := range terms {
		if i > 0 && i%8 == 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(" " + t)
	}
}

func sortKeys(k [][3]int) {
	less := func(a, b [3]int) bool {
		for i := 0; i < 3; i++ {
			if a[i] != b[i] {
				return a[i] < b[i]
			}
		}
		return false
	}
	for i := 1; i < len(k); i++ {
		for j := i; j > 0 && less(k[j], k[j-1]); j-- {
			k[j], k[j-1] = k[j-1], k[j]
		}
	}
}

var cbcObj = regexp.MustCompile(`Objective value:\s*(-?[0-9.eE+]+)`)

// cbcOptimum solves the model with cbc and returns the optimal objective.
func cbcOptimum(t testing.TB, model string) float64 {
	t.Helper()
	cbc := requireCBC(t)
	dir := t.TempDir()
	lp := filepath.Join(dir, "m.lp")
	if err := os.WriteFile(lp, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(cbc, lp, "solve", "quit").CombinedOutput()
	if err != nil {
		t.Fatalf("cbc: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	status := ""
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Result - ") {
			status = line
		}
		if m := cbcObj.FindStringSubmatch(line); m != nil {
			if !strings.Contains(status, "Optimal") {
				t.Fatalf("cbc did not prove optimality: %s", status)
			}
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no objective in cbc output:\n%s", out)
	return 0
}
