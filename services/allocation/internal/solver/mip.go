package solver

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Aggregated placement model of one conflict component of one day.
//
// Rooms of a class have identical sets of eligible section-days today (the
// class is built from the hard rules, blocked cells and pinned occupancy),
// so within a class any room can host any of the class's section-days. The
// model is
//
//	max Σ x[j,c]
//	Σ_c x[j,c] ≤ 1                              every section-day j
//	Σ_{j covers b} x[j,c] ≤ |c|                 every class c, block b
//
// and it is an exact reformulation of room-level placement when every
// section-day a class can host is an interval of blocks: the section-days
// chosen for a class form an interval graph, which is perfect, so a colouring
// with max-load ≤ |c| colours (rooms) exists and the greedy by start block
// finds it (disaggregate). Classes that could host a non-interval section-day
// (e.g. "2M12 2T34": two meetings on one day in one room) are split into
// single rooms by components(), where the capacity row is the room-level
// no-double-booking row, so exactness holds for them too.
//
// Section-days with the same block set and the same classes are
// interchangeable too, so the model is written over groups g of them with
// integer y[g,c] = how many of g go to class c (Σ_c y[g,c] ≤ |g|): the same
// integer program with the symmetry removed, several times smaller.
type aggModel struct {
	c      *component
	groups [][]int   // component job positions per group
	cols   [][]int32 // per group, per option (c.jobCls of its jobs): column
	m      *milp
}

func isInterval(m timegrid.BlockSet) bool {
	if m == 0 {
		return false
	}
	v := uint64(m) >> uint(tz(uint64(m)))
	return v&(v+1) == 0
}

// aggregated builds the model of component c as a minimisation of
// −(placed section-days), with the current placement as MIP start.
func (pl *placer) aggregated(c *component) *aggModel {
	p, st := pl.p, pl.st
	am := &aggModel{c: c, m: &milp{}}
	m := am.m
	roomCls := map[int32]int32{}
	for i := range c.jobs {
		for _, cl := range c.jobCls[i] {
			for _, r := range c.members[cl] {
				roomCls[r] = cl
			}
		}
	}
	// Groups: same mask, same option list.
	gidx := map[string]int{}
	for i, j := range c.jobs {
		key := make([]byte, 0, 8+4*len(c.jobCls[i]))
		for v, k := uint64(p.jobs[j].mask), 0; k < 8; k++ {
			key = append(key, byte(v>>(8*k)))
		}
		for _, cl := range c.jobCls[i] {
			key = append(key, byte(cl), byte(cl>>8), byte(cl>>16), byte(cl>>24))
		}
		g, ok := gidx[string(key)]
		if !ok {
			g = len(am.groups)
			gidx[string(key)] = g
			am.groups = append(am.groups, nil)
		}
		am.groups[g] = append(am.groups[g], i)
	}
	res := map[[2]int32][]int32{}
	var keys [][2]int32
	for _, grp := range am.groups {
		i0 := grp[0]
		opts := c.jobCls[i0]
		cols := make([]int32, len(opts))
		for k, cl := range opts {
			col := m.addCol(-1)
			cols[k] = col
			n := 0.0
			for _, i := range grp {
				if r := st.room[c.jobs[i]]; r >= 0 && roomCls[r] == cl {
					n++
				}
			}
			m.start = append(m.start, n)
			m.ub = append(m.ub, float64(min(len(grp), c.size[cl]*p.nb)))
			for b := uint64(p.jobs[c.jobs[i0]].mask); b != 0; b &= b - 1 {
				key := [2]int32{cl, int32(tz(b))}
				if res[key] == nil {
					keys = append(keys, key)
				}
				res[key] = append(res[key], col)
			}
		}
		am.cols = append(am.cols, cols)
		m.rows = append(m.rows, mrow{cols: cols, sense: 'L', rhs: float64(len(grp))})
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a][0] != keys[b][0] {
			return keys[a][0] < keys[b][0]
		}
		return keys[a][1] < keys[b][1]
	})
	for _, k := range keys {
		t := res[k]
		tot := 0.0
		for _, col := range t {
			tot += m.ub[col]
		}
		if tot > float64(c.size[k[0]]) {
			m.rows = append(m.rows, mrow{cols: t, sense: 'L', rhs: float64(c.size[k[0]])})
		}
	}
	return am
}

// choice maps the group counts of a solution to one option per section-day
// (−1 = unplaced), keeping each section-day in its current class where the
// counts allow it.
func (am *aggModel) choice(pl *placer, vals []float64) ([]int32, int) {
	c := am.c
	roomCls := map[int32]int32{}
	for i := range c.jobs {
		for _, cl := range c.jobCls[i] {
			for _, r := range c.members[cl] {
				roomCls[r] = cl
			}
		}
	}
	ch := make([]int32, len(c.jobs))
	for i := range ch {
		ch[i] = -1
	}
	got := 0
	for g, grp := range am.groups {
		opts := c.jobCls[grp[0]]
		left := make([]int, len(opts))
		for k, col := range am.cols[g] {
			left[k] = int(math.Round(vals[col]))
			got += left[k]
		}
		// Keep current classes first.
		for _, i := range grp {
			if r := pl.st.room[c.jobs[i]]; r >= 0 {
				for k, cl := range opts {
					if cl == roomCls[r] && left[k] > 0 {
						ch[i] = int32(k)
						left[k]--
						break
					}
				}
			}
		}
		for _, i := range grp {
			if ch[i] >= 0 {
				continue
			}
			for k := range opts {
				if left[k] > 0 {
					ch[i] = int32(k)
					left[k]--
					break
				}
			}
		}
		for k := range left {
			if left[k] > 0 { // more than the group holds: impossible (row Σ ≤ |g|)
				got -= left[k]
			}
		}
	}
	return ch, got
}

// disaggregate turns the class choice per section-day into concrete rooms
// (interval colouring per class, greedy by start block) and writes it to the
// state. It returns false, leaving the state unchanged, if some class cannot
// be coloured — impossible for a feasible solution of the model (see
// aggModel), but checked rather than assumed.
func (pl *placer) disaggregate(c *component, choice []int32) bool {
	p, st, d := pl.p, pl.st, pl.day
	old := make([]int32, len(c.jobs))
	for i, j := range c.jobs {
		old[i] = st.room[j]
		st.set(j, -1)
	}
	byCls := map[int32][]int{}
	var cls []int32
	for i, k := range choice {
		if k < 0 {
			continue
		}
		cl := c.jobCls[i][k]
		if byCls[cl] == nil {
			cls = append(cls, cl)
		}
		byCls[cl] = append(byCls[cl], i)
	}
	sort.Slice(cls, func(a, b int) bool { return cls[a] < cls[b] })
	ok := true
	for _, cl := range cls {
		is := byCls[cl]
		sort.SliceStable(is, func(a, b int) bool {
			ma, mb := p.jobs[c.jobs[is[a]]].mask, p.jobs[c.jobs[is[b]]].mask
			if sa, sb := tz(uint64(ma)), tz(uint64(mb)); sa != sb {
				return sa < sb
			}
			return is[a] < is[b]
		})
		for _, i := range is {
			j := c.jobs[i]
			placed := false
			// Prefer the room the section-day already had (keeps the
			// combinatorial placement, and Previous rooms, where possible).
			if r := old[i]; r >= 0 && containsI32(c.members[cl], r) && st.free(d, r, p.jobs[j].mask) {
				st.set(j, r)
				placed = true
			}
			for _, r := range c.members[cl] {
				if placed {
					break
				}
				if st.free(d, r, p.jobs[j].mask) {
					st.set(j, r)
					placed = true
				}
			}
			if !placed {
				ok = false
				break
			}
		}
		if !ok {
			break
		}
	}
	if !ok {
		for i, j := range c.jobs {
			st.set(j, -1)
			_ = i
		}
		for i, j := range c.jobs {
			st.set(j, old[i])
		}
	}
	return ok
}

func containsI32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// mipOutcome is cbc's answer for one component.
type mipOutcome struct {
	choice []int32 // per component job position: option index or -1
	got    int
	bound  int // proven upper bound on the component's placed count
	proven bool
}

// mipSolve solves component c's aggregated model with cbc (read-only on the
// state: safe to run for several components concurrently). placed is the
// incumbent (the MIP start), ub a bound already known.
func (pl *placer) mipSolve(ctx context.Context, c *component, placed, ub int, limit time.Duration) (*mipOutcome, error) {
	am := pl.aggregated(c)
	// The aggregated model's LP relaxation is usually integral at the
	// optimum: primal simplex at the root, no preprocessing and no
	// heuristics (the MIP start is the incumbent) make the common case a
	// single LP solve; cbc's cuts and branching handle the rest.
	res, err := runCBC(ctx, pl.cbcPath, pl.tmpDir, am.m, limit, "-preprocess", "off", "-heuristicsOnOff", "off", "-primalSimplex")
	if err != nil {
		return nil, err
	}
	if res.Status == mipInfeasible {
		return nil, fmt.Errorf("solver: cbc reports the placement model infeasible (it is not: x = 0 is feasible): %s", res.Raw)
	}
	out := &mipOutcome{bound: ub}
	out.choice, out.got = am.choice(pl, res.Values)
	if res.Status == mipNoSolution {
		out.got, out.choice = 0, nil
	}
	if res.Status == mipFeasible && !math.IsInf(res.Bound, -1) {
		// Bound is a lower bound on −placed: placed ≤ floor(−Bound).
		if b := int(math.Floor(-res.Bound + 1e-6)); b < out.bound {
			out.bound = b
		}
	}
	if res.Status == mipOptimal {
		// Trust the claim only if it is consistent: the objective matches
		// the solution, and it is no worse than the MIP start (a feasible
		// placement of `placed` section-days).
		if math.Abs(res.Objective+float64(out.got)) < 0.5 && out.got >= placed {
			out.bound = out.got
			out.proven = true
		}
	}
	if out.bound < max(out.got, placed) { // inconsistent with a known placement: ignore cbc's bound
		out.bound = ub
		out.proven = false
	}
	return out, nil
}

// mipApply writes a MIP outcome to the state when it beats the incumbent
// and returns the component's placed count, bound and whether it is proven.
func (pl *placer) mipApply(c *component, out *mipOutcome, placed int) (int, int, bool, error) {
	if out.got > placed {
		if !pl.disaggregate(c, out.choice) {
			return placed, out.bound, false, fmt.Errorf("solver: internal error: aggregated placement could not be disaggregated")
		}
		placed = out.got
	}
	return placed, out.bound, out.proven && out.bound == placed, nil
}
