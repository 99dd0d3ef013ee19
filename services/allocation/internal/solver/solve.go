package solver

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Solve allocates rooms. It is deterministic: the same Input and Options give
// the same Solution. It returns ctx.Err() when cancelled and *InputError when
// the input is inconsistent (unknown ids, infeasible pinned assignments).
func Solve(ctx context.Context, in Input, opt Options) (*Solution, error) {
	start := time.Now()
	report := func(pr Progress) {
		if opt.Progress != nil {
			opt.Progress(pr)
		}
	}
	if opt.MaxBranchNodes <= 0 {
		opt.MaxBranchNodes = 5000
	}
	if opt.ImprovePasses <= 0 {
		opt.ImprovePasses = 50
	}
	report(Progress{Phase: "prepare"})
	p, err := newProblem(&in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := newState(p)
	var stats Stats
	stats.SectionDays = len(p.jobs)
	pinnedCount := 0
	for _, r := range p.pinned {
		if r >= 0 {
			pinnedCount++
		}
	}
	cbcPath := ""
	if !opt.DisableCBC {
		if path, err := resolveCBC(opt.CBCPath); err == nil {
			cbcPath = path
		} else {
			stats.Notes = append(stats.Notes, fmt.Sprintf("cbc unavailable (%v): placement optimality is proven only by the combinatorial bounds; install coinor-cbc or set PLANTA_CBC_PATH", err))
		}
	}
	var deadline time.Time
	if opt.PlacementTimeLimit > 0 {
		deadline = start.Add(opt.PlacementTimeLimit)
	}
	var pending []*pendingComp
	placed, bound := pinnedCount, pinnedCount
	days := p.grid.Days
	stamp := make([]uint32, len(p.jobs))
	el := make([][]int32, len(p.jobs))
	for i, d := range days {
		report(Progress{Phase: "place", Done: i, Total: len(days), Placed: placed, Bound: bound})
		pl := &placer{p: p, st: st, day: d, el: el, stamp: stamp, maxNodes: opt.MaxBranchNodes,
			cbcPath: cbcPath, tmpDir: opt.TempDir, deadline: deadline, forceMIP: opt.forceMIP}
		res, err := pl.run(ctx)
		if err != nil {
			return nil, err
		}
		pending = append(pending, pl.pending...)
		// Jobs without any eligible room are neither placed nor in a component.
		placed += res.placed
		bound += res.bound
		stats.Components += res.components
		stats.LagrangianProofs += res.lagrangeProofs
		stats.BranchNodes += res.nodes
	}
	if len(pending) > 0 {
		report(Progress{Phase: "bound", Done: 0, Total: len(pending), Placed: placed, Bound: bound})
		dp, db, proofs, notes, err := resolvePending(ctx, pending, opt.Workers, func(done int, dp, db int) {
			report(Progress{Phase: "bound", Done: done, Total: len(pending), Placed: placed + dp, Bound: bound + db})
		})
		if err != nil {
			return nil, err
		}
		placed += dp
		bound += db
		stats.MIPProofs = proofs
		stats.Notes = append(stats.Notes, notes...)
	}
	report(Progress{Phase: "place", Done: len(days), Total: len(days), Placed: placed, Bound: bound})
	stats.Placed = placed
	stats.PlacedUpperBound = bound
	stats.PlacedProven = placed == bound

	report(Progress{Phase: "improve", Placed: placed, Bound: bound})
	if err := improve(ctx, p, st, el, opt.ImprovePasses); err != nil {
		return nil, err
	}
	softMethod := "local-search"
	var softRes *softOutcome
	if cbcPath != "" && opt.SoftTimeLimit >= 0 {
		limit := opt.SoftTimeLimit
		if limit == 0 {
			limit = defaultSoftTimeLimit
		}
		maxVars := opt.SoftMaxVariables
		if maxVars <= 0 {
			maxVars = defaultSoftMaxVariables
		}
		if n := softModelSize(p, el); n > maxVars {
			stats.Notes = append(stats.Notes, fmt.Sprintf("soft phase: local search only (room-level model would have %d variables > %d)", n, maxVars))
		} else {
			report(Progress{Phase: "improve", Done: 1, Total: 2, Placed: placed, Bound: bound})
			t0 := time.Now()
			maxNodes := opt.SoftMaxNodes
			if maxNodes <= 0 {
				maxNodes = defaultSoftMaxNodes
			}
			sr, err := softMIP(ctx, p, st, el, cbcPath, opt.TempDir, placed == bound, limit, maxNodes)
			switch {
			case err != nil && ctx.Err() != nil:
				return nil, ctx.Err()
			case err != nil:
				stats.Notes = append(stats.Notes, fmt.Sprintf("soft phase: cbc failed, local-search result kept: %v", err))
			default:
				softMethod, softRes = "mip", sr
				if sr.note != "" {
					stats.Notes = append(stats.Notes, sr.note)
				}
				if !sr.proven && time.Since(t0) >= limit {
					stats.Notes = append(stats.Notes, fmt.Sprintf("soft phase: cbc stopped at the %v time limit (result may vary between runs)", limit))
				}
				// Least wasted capacity among equal soft scores.
				if err := improve(ctx, p, st, el, opt.ImprovePasses); err != nil {
					return nil, err
				}
			}
		}
	}
	report(Progress{Phase: "explain", Placed: placed, Bound: bound})
	sol := buildSolution(p, st, el)
	sol.Stats.SectionDays = stats.SectionDays
	sol.Stats.PlacedUpperBound = stats.PlacedUpperBound
	sol.Stats.Components = stats.Components
	sol.Stats.LagrangianProofs = stats.LagrangianProofs
	sol.Stats.BranchNodes = stats.BranchNodes
	sol.Stats.MIPProofs = stats.MIPProofs
	sol.Stats.CBCPath = cbcPath
	sol.Stats.Notes = append(sol.Stats.Notes, stats.Notes...)
	if sol.Stats.Placed > sol.Stats.PlacedUpperBound { // cannot happen; keep the bound honest
		sol.Stats.PlacedUpperBound = sol.Stats.Placed
	}
	sol.Stats.PlacedProven = sol.Stats.Placed == sol.Stats.PlacedUpperBound
	sol.Stats.Proven = sol.Stats.PlacedProven
	sol.Stats.SoftMethod = softMethod
	if softRes != nil && sol.Stats.PlacedProven {
		if softRes.bound < sol.Stats.SoftUpperBound {
			sol.Stats.SoftUpperBound = max(softRes.bound, sol.Stats.SoftScore)
		}
		sol.Stats.SoftProven = softRes.proven && sol.Stats.SoftScore >= softRes.bound
		if sol.Stats.SoftProven {
			sol.Stats.SoftUpperBound = sol.Stats.SoftScore
		}
	}
	// Independent check of every hard constraint (the cbc results are
	// disaggregated and applied by this package; trust, but verify).
	if v := Verify(in, sol.Assignments); len(v) > 0 {
		return nil, fmt.Errorf("solver: internal error: solution violates %s: %s", v[0].Kind, v[0].Message)
	}
	sol.Stats.Duration = time.Since(start)
	return sol, nil
}

// resolvePending runs cbc on the components the combinatorial bounds left
// open, concurrently (model building and cbc are read-only on the state;
// applying a result is serialised). It returns the changes of the placed
// count and bound, the number of components cbc proved, and notes. A cbc
// failure falls back to the node-limited branch and bound for that
// component and is reported in the notes, never as an error.
func resolvePending(ctx context.Context, pend []*pendingComp, workers int, progress func(done, dp, db int)) (dp, db, proofs int, notes []string, err error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Largest first: better packing of the workers.
	order := append([]*pendingComp(nil), pend...)
	sort.SliceStable(order, func(a, b int) bool { return len(order[a].c.jobs) > len(order[b].c.jobs) })
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		next    int
		done    int
		firstEr error
		failed  bool
	)
	work := func() {
		defer wg.Done()
		for {
			mu.Lock()
			if next >= len(order) || firstEr != nil {
				mu.Unlock()
				return
			}
			pc := order[next]
			next++
			skip := failed
			mu.Unlock()
			var out *mipOutcome
			var cerr error
			if !skip {
				out, cerr = pc.pl.mipSolve(ctx, pc.c, pc.placed, pc.ub, pc.pl.mipLimit())
			}
			mu.Lock()
			if ctx.Err() != nil {
				if firstEr == nil {
					firstEr = ctx.Err()
				}
				mu.Unlock()
				return
			}
			np, nub, ok := pc.placed, pc.ub, false
			if cerr == nil && out != nil {
				np, nub, ok, cerr = pc.pl.mipApply(pc.c, out, pc.placed)
			}
			if cerr != nil || skip {
				if cerr != nil && !failed {
					failed = true
					notes = append(notes, fmt.Sprintf("cbc failed, placement continued with branch and bound: %v", cerr))
				}
				np, nub = pc.pl.branch(ctx, pc.c, pc.placed)
				ok = np == nub
			}
			if ok {
				proofs++
			}
			dp += np - pc.placed
			db += nub - pc.ub
			done++
			progress(done, dp, db)
			mu.Unlock()
		}
	}
	for w := 0; w < min(workers, len(order)); w++ {
		wg.Add(1)
		go work()
	}
	wg.Wait()
	if firstEr != nil {
		return 0, 0, 0, nil, firstEr
	}
	return dp, db, proofs, notes, nil
}

const (
	defaultSoftTimeLimit    = 20 * time.Second
	defaultSoftMaxNodes     = 1000
	defaultSoftMaxVariables = 8_000
)

const wasteScale = 10_000_000 // one soft point outweighs any waste difference

// objective parts of job j in room r (r ≥ 0): single-room soft score plus
// previous-room bonus, and same-room pairs with the section's neighbouring days.
func (p *problem) value(st *state, j int, r int32) int64 {
	s, ok := p.softOf(j, r)
	if !ok {
		return -1 << 60
	}
	v := int64(s)
	if p.prev[j] == r {
		v += int64(p.w.PreviousRoom)
	}
	v += int64(p.pairs(st, j, r) * p.w.SameRoomAcrossDays)
	return v*wasteScale - int64(p.rooms[r].Capacity-p.secs[p.jobs[j].sec].Seats)
}

// pairs counts the section's neighbouring meeting days (previous and next in
// day order) placed in room r.
func (p *problem) pairs(st *state, j int, r int32) int {
	sj := p.secJobs[p.jobs[j].sec]
	n := 0
	for k, x := range sj {
		if x != j {
			continue
		}
		if k > 0 && st.room[sj[k-1]] == r {
			n++
		}
		if k+1 < len(sj) && st.room[sj[k+1]] == r {
			n++
		}
	}
	return n
}

// improve is a count-preserving local search on the soft objective
// (then waste): relocations to free rooms and swaps of two section-days of
// the same day, first-improvement, in a fixed order, until a local optimum
// or the pass limit. It never unplaces a section-day.
func improve(ctx context.Context, p *problem, st *state, el [][]int32, passes int) error {
	for pass := 0; pass < passes; pass++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		changed := false
		for _, d := range p.grid.Days {
			js := p.dayJobs[d]
			// Relocations (and late placements if a room frees up).
			for _, j := range js {
				if p.pinned[j] >= 0 {
					continue
				}
				m := p.jobs[j].mask
				cur := st.room[j]
				curV := int64(-1 << 62)
				if cur >= 0 {
					curV = p.value(st, j, cur)
				}
				best, bestV := cur, curV
				for _, r := range el[j] {
					if r == cur || !st.freeExcept(d, r, m, j) {
						continue
					}
					if v := p.value(st, j, r); v > bestV {
						best, bestV = r, v
					}
				}
				if best != cur {
					st.set(j, best)
					changed = true
				}
			}
			// Swaps between placed section-days of the day.
			groups := map[timegrid.BlockSet][]int{}
			var masks []timegrid.BlockSet
			for _, j := range js {
				if p.pinned[j] >= 0 || st.room[j] < 0 {
					continue
				}
				m := p.jobs[j].mask
				if groups[m] == nil {
					masks = append(masks, m)
				}
				groups[m] = append(groups[m], j)
			}
			sort.Slice(masks, func(a, b int) bool { return masks[a] < masks[b] })
			for _, m := range masks {
				g := groups[m]
				for a := 0; a < len(g); a++ {
					for b := a + 1; b < len(g); b++ {
						ja, jb := g[a], g[b]
						ra, rb := st.room[ja], st.room[jb]
						if _, ok := p.softOf(ja, rb); !ok {
							continue
						}
						if _, ok := p.softOf(jb, ra); !ok {
							continue
						}
						before := p.value(st, ja, ra) + p.value(st, jb, rb)
						st.set(ja, -1)
						st.set(jb, -1)
						st.set(ja, rb)
						st.set(jb, ra)
						after := p.value(st, ja, rb) + p.value(st, jb, ra)
						if after > before {
							changed = true
							continue
						}
						st.set(ja, -1)
						st.set(jb, -1)
						st.set(ja, ra)
						st.set(jb, rb)
					}
				}
			}
		}
		if !changed {
			return nil
		}
	}
	return nil
}

func buildSolution(p *problem, st *state, el [][]int32) *Solution {
	sol := &Solution{}
	order := make([]int, len(p.jobs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ja, jb := p.jobs[order[a]], p.jobs[order[b]]
		if ia, ib := p.secs[ja.sec].ID, p.secs[jb.sec].ID; ia != ib {
			return ia < ib
		}
		return ja.day < jb.day
	})
	softUB := 0
	for _, j := range order {
		jb := p.jobs[j]
		sec := &p.secs[jb.sec]
		res := SectionDayResult{SectionID: sec.ID, Day: jb.day, Blocks: jb.mask, Pinned: p.pinned[j] >= 0}
		bestSingle := -1
		for k, r := range p.elig[j] {
			v := int(p.soft[j][k])
			if p.prev[j] == r {
				v += p.w.PreviousRoom
			}
			if v > bestSingle {
				bestSingle = v
			}
		}
		if bestSingle > 0 {
			softUB += bestSingle
		}
		if r := st.room[j]; r >= 0 {
			res.RoomID = p.rooms[r].ID
			b := p.breakdown(j, int(r), true)
			if p.prev[j] == r {
				b.PreviousRoom = p.w.PreviousRoom
				b.Notes = append(b.Notes, "kept its previously published room")
			} else if p.prev[j] >= 0 {
				sol.Stats.Moved++
				b.Notes = append(b.Notes, fmt.Sprintf("moved from %s", p.rooms[p.prev[j]].ID))
			}
			pairs := p.pairs(st, j, r)
			b.SameRoomAcrossDays = pairs * p.w.SameRoomAcrossDays
			if pairs > 0 {
				b.Notes = append(b.Notes, fmt.Sprintf("same room as %d neighbouring meeting day(s)", pairs))
			}
			b.WastedSeats = p.rooms[r].Capacity - sec.Seats
			b.Notes = append(b.Notes, fmt.Sprintf("capacity %d ≥ %d seats", p.rooms[r].Capacity, sec.Seats))
			if res.Pinned {
				b.Notes = append(b.Notes, "pinned by a manual decision")
			}
			// Pairs are shared by two section-days: count each pair once in
			// the total (credited to the later day).
			b.Total = b.PreferredRoom + b.PreferredCharacteristic + b.SoftRules + b.History + b.PreviousRoom
			sol.Stats.SoftScore += b.Total
			sol.Stats.WastedSeats += b.WastedSeats
			b.Total += b.SameRoomAcrossDays
			res.Score = b
			sol.Stats.Placed++
			sol.Assignments = append(sol.Assignments, Assignment{SectionID: sec.ID, Day: jb.day, RoomID: p.rooms[r].ID})
		} else {
			res.Unplaced = explain(p, st, el, j)
		}
		sol.Results = append(sol.Results, res)
	}
	// Same-room pairs, once each.
	for s := range p.secs {
		sj := p.secJobs[s]
		for k := 1; k < len(sj); k++ {
			softUB += p.w.SameRoomAcrossDays
			if r := st.room[sj[k]]; r >= 0 && st.room[sj[k-1]] == r {
				sol.Stats.SoftScore += p.w.SameRoomAcrossDays
			}
		}
	}
	sol.Stats.SoftUpperBound = softUB
	return sol
}

// explain says why job j has no room: the first hard filter that leaves no
// room, or what occupies every remaining eligible room.
func explain(p *problem, st *state, el [][]int32, j int) *Explanation {
	jb := p.jobs[j]
	sec := &p.secs[jb.sec]
	cnt := map[ReasonCode]int{}
	maxCap := -1
	for r := 0; r < p.nR; r++ {
		code := p.staticEl(jb.sec, r)
		cnt[code]++
		if code == "" || code == ReasonCapacity || code == ReasonLowMobility {
			if p.rooms[r].Capacity > maxCap {
				maxCap = p.rooms[r].Capacity
			}
		}
	}
	left := p.nR
	steps := []struct {
		code ReasonCode
		msg  string
	}{
		{ReasonNoActiveRoom, "no active room"},
		{ReasonRoomType, fmt.Sprintf("no active room of the type required for %s", sec.Discipline)},
		{ReasonRoomRule, fmt.Sprintf("the room required for %s is inactive or of the wrong type", sec.Discipline)},
		{ReasonCapacity, fmt.Sprintf("no room with capacity ≥ %d allowed by the rules (largest: %d)", sec.Seats, maxCap)},
		{ReasonLowMobility, fmt.Sprintf("low mobility: no ground-floor room with capacity ≥ %d allowed by the rules", sec.Seats)},
	}
	for _, s := range steps {
		left -= cnt[s.code]
		if left == 0 {
			return &Explanation{Code: s.code, Message: s.msg}
		}
	}
	// Statically eligible rooms exist: blocked cells or busy.
	var conflicts []string
	blockedAll := true
	for r := 0; r < p.nR; r++ {
		if p.staticEl(jb.sec, r) != "" {
			continue
		}
		if bm := p.blocked[r][jb.day] & jb.mask; bm != 0 {
			b := bm.Blocks()[0]
			if len(conflicts) < 10 {
				conflicts = append(conflicts, fmt.Sprintf("%s at %s %s: %s", p.rooms[r].ID, jb.day, p.grid.BlockCode(b), p.blockLbl[[3]int{r, int(jb.day), int(b)}]))
			}
			continue
		}
		blockedAll = false
		b0 := st.base(jb.day, int32(r))
		for _, b := range jb.mask.Blocks() {
			if o := st.occ[b0+int(b)]; o >= 0 {
				tag := ""
				if p.pinned[o] >= 0 {
					tag = " (pinned)"
				}
				if len(conflicts) < 10 {
					conflicts = append(conflicts, fmt.Sprintf("%s at %s %s: section %s%s", p.rooms[r].ID, jb.day, p.grid.BlockCode(b), p.secs[p.jobs[o].sec].ID, tag))
				}
				break
			}
		}
	}
	if blockedAll {
		return &Explanation{Code: ReasonBlocked, Message: fmt.Sprintf("every eligible room (%d) is held or reserved at %s %s", cnt[""], jb.day, blockList(p, jb.mask)), Conflicts: conflicts}
	}
	return &Explanation{Code: ReasonBusy, Message: fmt.Sprintf("all %d eligible rooms are busy at %s %s (the placed count is maximal: no chain of moves frees one)", cnt[""], jb.day, blockList(p, jb.mask)), Conflicts: conflicts}
}

func blockList(p *problem, m timegrid.BlockSet) string {
	s := ""
	for i, b := range m.Blocks() {
		if i > 0 {
			s += ","
		}
		s += p.grid.BlockCode(b)
	}
	return s
}
