package solver

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Exact soft phase: the room-level integer program with the placed count
// fixed at its optimum, solved by cbc from the local-search solution as MIP
// start, under a time limit.
//
//	max Σ (soft[j,r] + prev[j,r])·x[j,r] + SameRoomAcrossDays·Σ y[s,k,r]
//	Σ_r x[j,r] ≤ 1                            every section-day j
//	Σ_{j covers b} x[j,r] ≤ 1                 every room r, day, block b
//	Σ x = P*                                  (placed count, when proven)
//	y[s,k,r] ≤ x[a,r], y[s,k,r] ≤ x[c,r]      consecutive meeting days a, c of s
//
// Room preferences, history and same-room pairs are per room, so the class
// aggregation of the placement model does not apply here. The objective is
// exactly the one buildSolution scores (SoftScore), so cbc's bound is a
// bound on SoftScore given the optimal placed count.
type softModel struct {
	m        *milp
	x        map[[2]int32]int32 // (job, room) -> column
	constant int64              // score of pinned section-days and pinned pairs
	vars     int
}

// softModelSize counts the columns of the room-level model without building it.
func softModelSize(p *problem, el [][]int32) int {
	n := 0
	for j := range p.jobs {
		if p.pinned[j] < 0 {
			n += len(el[j])
		}
	}
	if p.w.SameRoomAcrossDays > 0 {
		for s := range p.secs {
			sj := p.secJobs[s]
			for k := 1; k < len(sj); k++ {
				n += min(len(el[sj[k-1]]), len(el[sj[k]]))
			}
		}
	}
	return n
}

func buildSoftModel(p *problem, st *state, el [][]int32, placedUnpinned int, exact bool) *softModel {
	sm := &softModel{m: &milp{}, x: map[[2]int32]int32{}}
	m := sm.m
	cellRows := map[[3]int32][]int32{} // (day, room, block) -> columns
	var cellKeys [][3]int32
	var all []int32
	for j := range p.jobs {
		jb := p.jobs[j]
		if r := p.pinned[j]; r >= 0 {
			s, _ := p.softOf(j, r)
			sm.constant += int64(s)
			if p.prev[j] == r {
				sm.constant += int64(p.w.PreviousRoom)
			}
			continue
		}
		var row []int32
		for _, r := range el[j] {
			s, _ := p.softOf(j, r)
			v := float64(s)
			if p.prev[j] == r {
				v += float64(p.w.PreviousRoom)
			}
			col := m.addCol(-v)
			sm.x[[2]int32{int32(j), r}] = col
			row = append(row, col)
			all = append(all, col)
			x := 0.0
			if st.room[j] == r {
				x = 1
			}
			m.start = append(m.start, x)
			for b := uint64(jb.mask); b != 0; b &= b - 1 {
				key := [3]int32{int32(jb.day), r, int32(tz(b))}
				if cellRows[key] == nil {
					cellKeys = append(cellKeys, key)
				}
				cellRows[key] = append(cellRows[key], col)
			}
		}
		if len(row) > 1 {
			m.rows = append(m.rows, mrow{cols: row, sense: 'L', rhs: 1})
		}
	}
	for _, k := range cellKeys {
		if t := cellRows[k]; len(t) > 1 {
			m.rows = append(m.rows, mrow{cols: t, sense: 'L', rhs: 1})
		}
	}
	if len(all) > 0 {
		sense := byte('E')
		if !exact {
			sense = 'G'
		}
		m.rows = append(m.rows, mrow{cols: all, sense: sense, rhs: float64(placedUnpinned)})
	}
	if w := p.w.SameRoomAcrossDays; w > 0 {
		for s := range p.secs {
			sj := p.secJobs[s]
			for k := 1; k < len(sj); k++ {
				a, c := sj[k-1], sj[k]
				ra, rc := p.pinned[a], p.pinned[c]
				switch {
				case ra >= 0 && rc >= 0:
					if ra == rc {
						sm.constant += int64(w)
					}
				case ra >= 0 || rc >= 0:
					free, r := c, ra
					if rc >= 0 {
						free, r = a, rc
					}
					if col, ok := sm.x[[2]int32{int32(free), r}]; ok {
						m.obj[col] -= float64(w)
					}
				default:
					for _, r := range el[a] {
						xa, ok1 := sm.x[[2]int32{int32(a), r}]
						xc, ok2 := sm.x[[2]int32{int32(c), r}]
						if !ok1 || !ok2 {
							continue
						}
						y := m.addCol(-float64(w))
						v := 0.0
						if st.room[a] == r && st.room[c] == r {
							v = 1
						}
						m.start = append(m.start, v)
						m.rows = append(m.rows,
							mrow{cols: []int32{y, xa}, coefs: []float64{1, -1}, sense: 'L', rhs: 0},
							mrow{cols: []int32{y, xc}, coefs: []float64{1, -1}, sense: 'L', rhs: 0})
					}
				}
			}
		}
	}
	sm.vars = len(m.obj)
	return sm
}

// softOutcome is the result of the exact soft phase.
type softOutcome struct {
	proven bool
	bound  int // upper bound on SoftScore given the placed count (math.MaxInt if unknown)
	note   string
}

// softMIP optimises the soft score exactly (within limit) and writes the
// solution to the state when it is at least as good as the current one.
func softMIP(ctx context.Context, p *problem, st *state, el [][]int32, cbcPath, tmpDir string, placedProven bool, limit time.Duration, maxNodes int) (*softOutcome, error) {
	placedUnpinned := 0
	for j := range p.jobs {
		if p.pinned[j] < 0 && st.room[j] >= 0 {
			placedUnpinned++
		}
	}
	sm := buildSoftModel(p, st, el, placedUnpinned, placedProven)
	out := &softOutcome{bound: math.MaxInt}
	if len(sm.m.obj) == 0 {
		out.proven = true
		out.bound = int(sm.constant)
		return out, nil
	}
	// The node limit, not the clock, is what normally stops a hard soft phase: cbc is
	// single-threaded, so a node limit keeps the result the same on a busy machine.
	res, err := runCBC(ctx, cbcPath, tmpDir, sm.m, limit, "-maxNodes", strconv.Itoa(maxNodes))
	if err != nil {
		return nil, err
	}
	if res.Status == mipInfeasible {
		return nil, fmt.Errorf("solver: cbc reports the soft model infeasible (the MIP start is feasible): %s", tail(res.Raw, 400))
	}
	if !math.IsInf(res.Bound, -1) {
		out.bound = int(math.Floor(-res.Bound+1e-6)) + int(sm.constant)
	}
	if res.Status == mipNoSolution {
		out.note = "soft MIP: cbc found no solution within the time limit; local-search result kept"
		return out, nil
	}
	// Current objective (minimisation sense) of the MIP start.
	cur := 0.0
	for c, v := range sm.m.start {
		cur += sm.m.obj[c] * v
	}
	if res.Objective > cur+1e-6 {
		// Worse than the MIP start (cbc rejected it): keep the state.
		out.note = "soft MIP: cbc's solution is worse than the local-search start; kept the start"
		if res.Status == mipOptimal {
			out.bound = int(math.Floor(-res.Objective+1e-6)) + int(sm.constant)
		}
		return out, nil
	}
	old := make([]int32, len(p.jobs))
	for j := range p.jobs {
		old[j] = st.room[j]
		if p.pinned[j] < 0 {
			st.set(j, -1)
		}
	}
	ok := true
	for key, col := range sm.x {
		if res.Values[col] > 0.5 {
			j, r := int(key[0]), key[1]
			if st.room[j] >= 0 || !st.free(p.jobs[j].day, r, p.jobs[j].mask) {
				ok = false
				break
			}
			st.set(j, r)
		}
	}
	if !ok {
		for j := range p.jobs {
			if p.pinned[j] < 0 {
				st.set(j, -1)
			}
		}
		for j := range p.jobs {
			if p.pinned[j] < 0 {
				st.set(j, old[j])
			}
		}
		return nil, fmt.Errorf("solver: cbc's soft solution double-books a room")
	}
	got := 0.0
	for c, v := range res.Values {
		got += sm.m.obj[c] * math.Round(v)
	}
	if res.Status == mipOptimal && math.Abs(got-res.Objective) < 0.5 {
		out.proven = true
		out.bound = int(math.Round(-res.Objective)) + int(sm.constant)
	}
	return out, nil
}
