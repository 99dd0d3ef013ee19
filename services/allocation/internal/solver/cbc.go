package solver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file runs COIN-OR cbc (Debian package coinor-cbc) as a child process
// on an integer program written in CPLEX LP format. cbc is the exact engine
// behind the placement proof (aggregated model, see mip.go) and the soft
// phase (room-level model, see soft.go); the package never implements a
// general LP/MIP method itself.

// DefaultCBCPath is the cbc executable used when Options.CBCPath is empty
// and PLANTA_CBC_PATH is unset: "cbc" looked up on PATH.
const DefaultCBCPath = "cbc"

// CBCPathFromEnv returns PLANTA_CBC_PATH, or DefaultCBCPath when unset.
func CBCPathFromEnv() string {
	if v := strings.TrimSpace(os.Getenv("PLANTA_CBC_PATH")); v != "" {
		return v
	}
	return DefaultCBCPath
}

// ErrNoCBC is returned (wrapped) when the cbc executable cannot be found.
var ErrNoCBC = errors.New("solver: cbc executable not found")

// resolveCBC finds the cbc executable: an explicit path (absolute or with a
// separator) must exist; a bare name is looked up on PATH.
func resolveCBC(path string) (string, error) {
	if path == "" {
		path = CBCPathFromEnv()
	}
	full, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%w (%q): %v", ErrNoCBC, path, err)
	}
	return full, nil
}

// errCBCKilled marks a cbc run stopped by the hard deadline.
var errCBCKilled = errors.New("solver: cbc stopped")

// mipStatus is cbc's verdict.
type mipStatus int

const (
	mipOptimal    mipStatus = iota // proven optimal
	mipFeasible                    // stopped (time limit) with a solution
	mipInfeasible                  // proven infeasible
	mipNoSolution                  // stopped without a solution
)

// mipResult is a parsed cbc run. Every model is a minimisation:
// Bound ≤ Objective.
type mipResult struct {
	Status    mipStatus
	Objective float64
	Bound     float64 // best proven lower bound (= Objective when optimal; -Inf if unknown)
	Values    []float64
	Raw       string // tail of cbc's log, for diagnostics
}

// milp is an integer program: minimise Σ obj·x subject to rows; every
// column is an integer in [0, ub] (ub nil = binary). Columns are named
// x<index> in the files cbc reads and writes.
type milp struct {
	obj  []float64
	ub   []float64
	rows []mrow
	// start is an optional MIP start (a feasible vector), len(obj) or 0.
	start []float64
}

type mrow struct {
	cols  []int32
	coefs []float64 // nil = all ones
	sense byte      // 'L' (≤), 'G' (≥) or 'E' (=)
	rhs   float64
}

func (m *milp) addCol(c float64) int32 {
	m.obj = append(m.obj, c)
	return int32(len(m.obj) - 1)
}

// mps writes the model in free MPS format (faster for cbc to read than LP).
func (m *milp) mps() []byte {
	type ent struct {
		row  int32
		coef float64
	}
	cols := make([][]ent, len(m.obj))
	for i, r := range m.rows {
		for k, c := range r.cols {
			v := 1.0
			if r.coefs != nil {
				v = r.coefs[k]
			}
			cols[c] = append(cols[c], ent{int32(i), v})
		}
	}
	var b strings.Builder
	b.Grow(32 * (len(m.obj) + 4*len(cols)))
	b.WriteString("NAME planta FREE\nROWS\n N obj\n")
	for i, r := range m.rows {
		fmt.Fprintf(&b, " %c r%d\n", r.sense, i)
	}
	b.WriteString("COLUMNS\n MARKER 'MARKER' 'INTORG'\n")
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for c, es := range cols {
		if m.obj[c] != 0 || len(es) == 0 {
			fmt.Fprintf(&b, " x%d obj %s\n", c, num(m.obj[c]))
		}
		for _, e := range es {
			fmt.Fprintf(&b, " x%d r%d %s\n", c, e.row, num(e.coef))
		}
	}
	b.WriteString(" MARKER 'MARKER' 'INTEND'\nRHS\n")
	for i, r := range m.rows {
		if r.rhs != 0 {
			fmt.Fprintf(&b, " rhs r%d %s\n", i, num(r.rhs))
		}
	}
	b.WriteString("BOUNDS\n")
	for c := range m.obj {
		u := 1.0
		if m.ub != nil {
			u = m.ub[c]
		}
		fmt.Fprintf(&b, " UP BND x%d %s\n", c, num(u))
	}
	b.WriteString("ENDATA\n")
	return []byte(b.String())
}

// runCBC solves m with cbc. dir is the scratch directory (empty = the OS
// temporary directory: /tmp in the image, an emptyDir in the chart).
func runCBC(ctx context.Context, cbcPath, dir string, m *milp, limit time.Duration, extra ...string) (*mipResult, error) {
	tmp, err := os.MkdirTemp(dir, "planta-cbc-")
	if err != nil {
		return nil, fmt.Errorf("solver: cbc scratch dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	model := filepath.Join(tmp, "m.mps")
	data := m.mps()
	if err := os.WriteFile(model, data, 0o600); err != nil {
		return nil, fmt.Errorf("solver: write model: %w", err)
	}
	solu := filepath.Join(tmp, "sol.txt")
	args := []string{model}
	if limit > 0 {
		args = append(args, "-sec", strconv.FormatFloat(math.Max(limit.Seconds(), 0.05), 'f', 2, 64))
	}
	if len(m.start) == len(m.obj) && len(m.obj) > 0 {
		var b strings.Builder
		for c, v := range m.start {
			if v != 0 {
				fmt.Fprintf(&b, "x%d %g\n", c, v)
			}
		}
		ms := filepath.Join(tmp, "start.txt")
		if err := os.WriteFile(ms, []byte(b.String()), 0o600); err != nil {
			return nil, fmt.Errorf("solver: write MIP start: %w", err)
		}
		args = append(args, "-mips", ms)
	}
	args = append(args, extra...)
	args = append(args, "-solve", "-solu", solu, "-quit")
	// cbc checks its own limit only between nodes (not inside a long root
	// LP), so the process is also killed at twice the limit plus a second.
	rctx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, 2*limit+time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(rctx, cbcPath, args...)
	cmd.Dir = tmp
	cmd.WaitDelay = time.Second
	out, runErr := cmd.CombinedOutput()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rctx.Err() != nil {
		return nil, fmt.Errorf("%w: cbc ignored its %v time limit and was stopped", errCBCKilled, limit)
	}
	if runErr != nil {
		return nil, fmt.Errorf("solver: cbc failed: %v: %s", runErr, tail(string(out), 800))
	}
	return parseCBC(string(out), solu, len(m.obj))
}

var (
	reCBCObj   = regexp.MustCompile(`(?m)^Objective value:\s*(\S+)`)
	reCBCBound = regexp.MustCompile(`(?m)^Lower bound:\s*(\S+)`)
)

func parseCBC(log, soluPath string, ncols int) (*mipResult, error) {
	res := &mipResult{Bound: math.Inf(-1), Raw: tail(log, 1500), Values: make([]float64, ncols)}
	f, err := os.Open(soluPath)
	if err != nil {
		return nil, fmt.Errorf("solver: cbc wrote no solution file: %v: %s", err, res.Raw)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	if !sc.Scan() {
		return nil, fmt.Errorf("solver: empty cbc solution file: %s", res.Raw)
	}
	head := sc.Text()
	switch {
	case strings.HasPrefix(head, "Optimal"):
		res.Status = mipOptimal
	case strings.Contains(head, "nfeasible"):
		res.Status = mipInfeasible
	case strings.Contains(head, "no integer solution"):
		res.Status = mipNoSolution
	case strings.HasPrefix(head, "Stopped"):
		res.Status = mipFeasible
	default:
		return nil, fmt.Errorf("solver: unexpected cbc status %q: %s", head, res.Raw)
	}
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		// "idx name value reduced-cost"; infeasible columns are prefixed "**".
		if len(fs) > 0 && fs[0] == "**" {
			fs = fs[1:]
		}
		if len(fs) < 3 || len(fs[1]) < 2 || fs[1][0] != 'x' {
			continue
		}
		c, err1 := strconv.Atoi(fs[1][1:])
		v, err2 := strconv.ParseFloat(fs[2], 64)
		if err1 != nil || err2 != nil || c < 0 || c >= ncols {
			continue
		}
		res.Values[c] = v
	}
	if m := reCBCObj.FindAllStringSubmatch(log, -1); len(m) > 0 {
		if v, err := strconv.ParseFloat(m[len(m)-1][1], 64); err == nil {
			res.Objective = v
		}
	} else if res.Status == mipOptimal || res.Status == mipFeasible {
		return nil, fmt.Errorf("solver: no objective in cbc output: %s", res.Raw)
	}
	switch res.Status {
	case mipOptimal:
		res.Bound = res.Objective
	case mipFeasible, mipNoSolution:
		if m := reCBCBound.FindAllStringSubmatch(log, -1); len(m) > 0 {
			if v, err := strconv.ParseFloat(m[len(m)-1][1], 64); err == nil {
				res.Bound = v
			}
		}
	}
	return res, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
