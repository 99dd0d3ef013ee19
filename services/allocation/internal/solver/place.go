package solver

import (
	"context"
	"hash/fnv"
	"math"
	"sort"
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// placer maximises the number of placed section-days of one day.
//
// Method (exact):
//  1. a constructive pass (most constrained first, previous room first);
//  2. augmenting ejection chains — Kuhn's augmenting-path search generalised
//     to jobs whose block sets differ (a job may eject up to two occupants,
//     each re-placed recursively; every job is visited at most once per
//     search, so each search is polynomial) — repeated until no chain exists;
//  3. decomposition into independent conflict components (jobs that can
//     compete for a common room × block); rooms whose sets of eligible jobs
//     are identical are merged into classes (they are interchangeable);
//  4. a proof per component: all jobs placed; or all jobs share one block
//     set, where the search of step 2 is exactly Kuhn's bipartite matching
//     and no augmenting path exists (Berge's theorem); or the Lagrangian dual
//     bound (room-class × block capacities relaxed, subgradient with Polyak
//     steps) is below placed+1; otherwise
//  5. with cbc available: the aggregated MIP of the component (mip.go),
//     solved by cbc from the current placement (Solve runs these
//     concurrently); without cbc, or if cbc fails: branch and bound with that
//     Lagrangian bound under a node budget, which either finds a better
//     placement, proves the current one optimal, or leaves an honest gap.
type placer struct {
	p     *problem
	st    *state
	day   timegrid.Day
	jobs  []int     // unpinned jobs of the day
	el    [][]int32 // per job index (global): rooms eligible today (static, blocked, pinned)
	stamp []uint32
	cur   uint32
	buf   []int32

	maxNodes int
	nodes    int

	cbcPath  string    // resolved cbc executable; "" = combinatorial only
	tmpDir   string    // scratch directory for LP files ("" = os.TempDir())
	deadline time.Time // placement MIPs stop here (zero = no limit)
	forceMIP bool
	pending  []*pendingComp
}

// pendingComp is a component whose optimality the combinatorial bounds did
// not prove; cbc decides it.
type pendingComp struct {
	pl         *placer
	c          *component
	placed, ub int // provisional (combinatorial) values
}

// mipLimit is the time left for one placement MIP.
func (pl *placer) mipLimit() time.Duration {
	if pl.deadline.IsZero() {
		return 0
	}
	return max(time.Until(pl.deadline), 50*time.Millisecond)
}

// dayResult reports a day's placement.
type dayResult struct {
	placed, bound  int // over unpinned jobs
	components     int
	lagrangeProofs int
	mipProofs      int
	nodes          int
}

func (pl *placer) run(ctx context.Context) (dayResult, error) {
	p, st, d := pl.p, pl.st, pl.day
	var res dayResult
	// Pinned first.
	for _, j := range p.dayJobs[d] {
		if p.pinned[j] >= 0 {
			st.set(j, p.pinned[j])
		} else {
			pl.jobs = append(pl.jobs, j)
		}
	}
	pl.buf = make([]int32, 0, 16)
	for _, j := range pl.jobs {
		var el []int32
		for _, r := range p.elig[j] {
			if st.free(d, r, p.jobs[j].mask) {
				el = append(el, r)
			}
		}
		pl.el[j] = el
	}
	// Previous rooms (minimal perturbation), then most constrained first.
	for _, j := range pl.jobs {
		if r := p.prev[j]; r >= 0 && pl.eligible(j, r) && st.free(d, r, p.jobs[j].mask) {
			st.set(j, r)
		}
	}
	order := append([]int(nil), pl.jobs...)
	sort.SliceStable(order, func(a, b int) bool {
		ja, jb := order[a], order[b]
		if len(pl.el[ja]) != len(pl.el[jb]) {
			return len(pl.el[ja]) < len(pl.el[jb])
		}
		return ja < jb
	})
	sort.SliceStable(order, func(a, b int) bool {
		return p.jobs[order[a]].mask.Len() < p.jobs[order[b]].mask.Len()
	})
	for _, j := range order {
		if st.room[j] >= 0 {
			continue
		}
		best, bestKey := int32(-1), int64(math.MinInt64)
		for k, r := range pl.el[j] {
			if !st.free(d, r, p.jobs[j].mask) {
				continue
			}
			// Pack: prefer rooms already busy around this job's blocks
			// (keeps whole free rooms for long meetings), then soft score,
			// then least waste.
			busy := int64(0)
			b0 := st.base(d, r)
			for b := 0; b < p.nb; b++ {
				if st.occ[b0+b] >= 0 && p.jobs[j].mask&(near(p.jobs[j].mask)) != 0 && near(p.jobs[j].mask).Has(timegrid.Block(b)) {
					busy++
				}
			}
			key := busy<<40 + int64(p.soft[j][p.eligPos(j, r, k)])*1e7 - int64(p.rooms[r].Capacity-p.secs[p.jobs[j].sec].Seats)
			if key > bestKey {
				best, bestKey = r, key
			}
		}
		if best >= 0 {
			st.set(j, best)
		}
	}
	if err := pl.augmentAll(ctx); err != nil {
		return res, err
	}
	// Components and proofs.
	comps := pl.components()
	res.components = len(comps)
	for _, c := range comps {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		placed := 0
		for _, j := range c.jobs {
			if st.room[j] >= 0 {
				placed++
			}
		}
		ub := len(c.jobs)
		if pl.forceMIP && pl.cbcPath != "" && placed < ub {
			for _, j := range c.jobs {
				st.set(j, -1)
			}
			pl.pending = append(pl.pending, &pendingComp{pl: pl, c: c, placed: 0, ub: ub})
			res.bound += ub
			continue
		}
		if placed < ub && !c.sameMask {
			iters := 4000
			if pl.cbcPath != "" {
				iters = 300 // cbc's LP bound is exact and cheaper than a long subgradient run
			}
			lb, proven := pl.lagrange(c, placed, iters)
			if proven {
				res.lagrangeProofs++
				ub = lb
			} else if pl.cbcPath != "" {
				// Resolved later by cbc (Solve runs these concurrently).
				ub = min(ub, lb)
				pl.pending = append(pl.pending, &pendingComp{pl: pl, c: c, placed: placed, ub: ub})
			} else {
				np, nub := pl.branch(ctx, c, placed)
				placed, ub = np, nub
			}
		} else if placed < ub {
			ub = placed // Berge: no augmenting path from any unplaced job
		}
		res.placed += placed
		res.bound += ub
	}
	res.nodes = pl.nodes
	return res, nil
}

// eligPos finds the index of room r in p.elig[j]; hint is a position in
// pl.el[j] (ignored when it does not match).
func (p *problem) eligPos(j int, r int32, _ int) int {
	el := p.elig[j]
	k := sort.Search(len(el), func(i int) bool { return el[i] >= r })
	return k
}

func (pl *placer) eligible(j int, r int32) bool {
	el := pl.el[j]
	k := sort.Search(len(el), func(i int) bool { return el[i] >= r })
	return k < len(el) && el[k] == r
}

// augmentAll repeats augmenting searches from every unplaced job until a
// full pass finds none.
func (pl *placer) augmentAll(ctx context.Context) error {
	st := pl.st
	for {
		improved := false
		for _, j := range pl.jobs {
			if st.room[j] >= 0 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			pl.cur++
			st.logging = true
			st.journal = st.journal[:0]
			if pl.augment(j) {
				improved = true
			}
			st.logging = false
			st.journal = st.journal[:0]
		}
		if !improved {
			return nil
		}
	}
}

// augment tries to place job j, ejecting at most two occupants of one room
// and re-placing them recursively. On failure the state is unchanged.
func (pl *placer) augment(j int) bool {
	p, st, d := pl.p, pl.st, pl.day
	m := p.jobs[j].mask
	for _, r := range pl.el[j] {
		if st.free(d, r, m) {
			st.set(j, r)
			return true
		}
	}
	for _, r := range pl.el[j] {
		cs := st.conflicts(d, r, m, pl.buf[:0])
		if len(cs) > 2 {
			continue
		}
		ok := true
		for _, c := range cs {
			if pl.stamp[c] == pl.cur || p.pinned[c] >= 0 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		var cc [2]int32
		n := copy(cc[:], cs)
		for _, c := range cc[:n] {
			pl.stamp[c] = pl.cur
		}
		cp := len(st.journal)
		for _, c := range cc[:n] {
			st.set(int(c), -1)
		}
		st.set(j, r)
		for _, c := range cc[:n] {
			if !pl.augment(int(c)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
		st.rollback(cp)
	}
	return false
}

// component is a set of jobs that can compete for a common room × block,
// with rooms merged into classes of identical eligibility.
type component struct {
	jobs     []int
	sameMask bool
	classes  []int     // class ids used by the component
	size     []int     // per class id (global to the day): number of rooms
	jobCls   [][]int32 // per component job position: class ids
	members  [][]int32 // per class id: rooms
	lag      *lagr
}

// components groups today's unpinned jobs (that have an eligible room) into
// independent components.
func (pl *placer) components() []*component {
	p := pl.p
	// Room classes: rooms with identical sets of eligible jobs today.
	roomJobs := make([][]int32, p.nR)
	for _, j := range pl.jobs {
		for _, r := range pl.el[j] {
			roomJobs[r] = append(roomJobs[r], int32(j))
		}
	}
	classOf := make([]int32, p.nR)
	byHash := map[uint64][]int32{}
	var members [][]int32
	for r := 0; r < p.nR; r++ {
		classOf[r] = -1
		if len(roomJobs[r]) == 0 {
			continue
		}
		h := fnv.New64a()
		var b [4]byte
		for _, j := range roomJobs[r] {
			b[0], b[1], b[2], b[3] = byte(j), byte(j>>8), byte(j>>16), byte(j>>24)
			h.Write(b[:])
		}
		key := h.Sum64()
		found := int32(-1)
		for _, c := range byHash[key] {
			if equalI32(roomJobs[members[c][0]], roomJobs[r]) {
				found = c
				break
			}
		}
		if found < 0 {
			found = int32(len(members))
			members = append(members, nil)
			byHash[key] = append(byHash[key], found)
		}
		members[found] = append(members[found], int32(r))
		classOf[r] = found
	}
	// A class that can host a non-interval section-day (two meetings with a
	// gap on one day) is split into single rooms: the aggregated capacity
	// model is exact only for interval section-days (see aggModel).
	for c, n := 0, len(members); c < n; c++ {
		if len(members[c]) < 2 {
			continue
		}
		gapped := false
		for _, j := range roomJobs[members[c][0]] {
			if !isInterval(p.jobs[j].mask) {
				gapped = true
				break
			}
		}
		if !gapped {
			continue
		}
		for _, r := range members[c][1:] {
			classOf[r] = int32(len(members))
			members = append(members, []int32{r})
		}
		members[c] = members[c][:1]
	}
	// Union-find over jobs via (class, block) resources.
	parent := map[int]int{}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	first := map[[2]int32]int{}
	var jobsWithRoom []int
	for _, j := range pl.jobs {
		if len(pl.el[j]) == 0 {
			continue
		}
		jobsWithRoom = append(jobsWithRoom, j)
		parent[j] = j
		seen := map[int32]bool{}
		for _, r := range pl.el[j] {
			c := classOf[r]
			if seen[c] {
				continue
			}
			seen[c] = true
			for v := uint64(p.jobs[j].mask); v != 0; v &= v - 1 {
				k := [2]int32{c, int32(tz(v))}
				if o, ok := first[k]; ok {
					a, b := find(o), find(j)
					if a != b {
						if a < b {
							parent[b] = a
						} else {
							parent[a] = b
						}
					}
				} else {
					first[k] = j
				}
			}
		}
	}
	size := make([]int, len(members))
	for c := range members {
		size[c] = len(members[c])
	}
	byRoot := map[int]*component{}
	var comps []*component
	for _, j := range jobsWithRoom {
		rt := find(j)
		c := byRoot[rt]
		if c == nil {
			c = &component{sameMask: true, size: size, members: members}
			byRoot[rt] = c
			comps = append(comps, c)
		}
		if len(c.jobs) > 0 && p.jobs[c.jobs[0]].mask != p.jobs[j].mask {
			c.sameMask = false
		}
		c.jobs = append(c.jobs, j)
		var cls []int32
		for _, r := range pl.el[j] {
			cls = appendUnique(cls, classOf[r])
		}
		c.jobCls = append(c.jobCls, cls)
	}
	return comps
}

func equalI32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// near widens a block set by two blocks on each side (the neighbouring
// aligned pair).
func near(m timegrid.BlockSet) timegrid.BlockSet {
	return m | m<<1 | m<<2 | m>>1 | m>>2
}
