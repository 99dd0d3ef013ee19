package solver

import (
	"context"
	"math"
	"sort"
)

// lagr is the Lagrangian relaxation of one component's placement problem:
// maximise Σ x[j,c] subject to Σ_c x[j,c] ≤ 1 per job and, per room class c
// and block b, Σ_{j∋b} x[j,c] ≤ |c| (the aggregated room × block capacity),
// with the capacity constraints dualised by μ ≥ 0:
//
//	L(μ) = Σ_{c,b} |c|·μ[c,b] + Σ_j max(0, max_c (1 − Σ_{b∈j} μ[c,b]))
//
// L(μ) bounds the placed count of the component from above for every μ ≥ 0
// (aggregating identical rooms only relaxes the problem further).
type lagr struct {
	cap  []float64 // per resource: |class|
	opts [][]lopt  // per component job position
	mu   []float64
	best float64
	bmu  []float64
}

type lopt struct {
	cls int32
	res []int32
}

func (pl *placer) newLagr(c *component) *lagr {
	p := pl.p
	L := &lagr{}
	idx := map[[2]int32]int32{}
	L.opts = make([][]lopt, len(c.jobs))
	for i, j := range c.jobs {
		for _, cl := range c.jobCls[i] {
			o := lopt{cls: cl}
			for v := uint64(p.jobs[j].mask); v != 0; v &= v - 1 {
				k := [2]int32{cl, int32(tz(v))}
				ri, ok := idx[k]
				if !ok {
					ri = int32(len(L.cap))
					idx[k] = ri
					L.cap = append(L.cap, float64(c.size[cl]))
				}
				o.res = append(o.res, ri)
			}
			L.opts[i] = append(L.opts[i], o)
		}
	}
	L.mu = make([]float64, len(L.cap))
	L.bmu = make([]float64, len(L.cap))
	L.best = math.Inf(1)
	return L
}

// eval returns L(μ) and fills the subgradient g.
func (L *lagr) eval(g []float64) float64 {
	v := 0.0
	for r, c := range L.cap {
		v += c * L.mu[r]
		g[r] = c
	}
	for _, os := range L.opts {
		bv, bo := 0.0, -1
		for k, o := range os {
			s := 1.0
			for _, r := range o.res {
				s -= L.mu[r]
			}
			if s > bv {
				bv, bo = s, k
			}
		}
		v += bv
		if bo >= 0 {
			for _, r := range os[bo].res {
				g[r]--
			}
		}
	}
	return v
}

// lagrange runs subgradient optimisation on the component's dual and
// reports whether floor(bound) == placed.
func (pl *placer) lagrange(c *component, placed, iters int) (int, bool) {
	L := pl.newLagr(c)
	c.lag = L
	return L.solve(placed, iters)
}

func (L *lagr) solve(placed, maxIter int) (int, bool) {
	g := make([]float64, len(L.cap))
	theta := 1.0
	stall := 0
	for it := 0; it < maxIter; it++ {
		v := L.eval(g)
		if v < L.best-1e-9 {
			L.best = v
			copy(L.bmu, L.mu)
			stall = 0
		} else if stall++; stall >= 40 {
			theta /= 2
			stall = 0
			copy(L.mu, L.bmu)
			if theta < 1e-6 {
				break
			}
			continue
		}
		if L.best < float64(placed)+1-1e-6 {
			break
		}
		norm := 0.0
		for r := range g {
			if g[r] < 0 || L.mu[r] > 0 {
				norm += g[r] * g[r]
			}
		}
		if norm == 0 {
			break
		}
		t := theta * (v - float64(placed)) / norm
		for r := range L.mu {
			L.mu[r] = math.Max(0, L.mu[r]-t*g[r])
		}
	}
	copy(L.mu, L.bmu)
	ub := int(math.Floor(L.best + 1e-7))
	return ub, ub <= placed
}

// branch runs depth-first branch and bound over the component's jobs. Rooms
// of one class whose occupancy is identical are tried once (symmetry). The
// bound at a node is placed-so-far plus the Lagrangian of the residual
// problem at the root multipliers. Returns the best placed count found (the
// state holds that placement) and a proven upper bound.
func (pl *placer) branch(ctx context.Context, c *component, placed int) (int, int) {
	p, st, d := pl.p, pl.st, pl.day
	L := c.lag
	rootUB := int(math.Floor(L.best + 1e-7))
	n := len(c.jobs)
	// Incumbent.
	best := placed
	bestRooms := make([]int32, n)
	for i, j := range c.jobs {
		bestRooms[i] = st.room[j]
		st.set(j, -1)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ja, jb := c.jobs[order[a]], c.jobs[order[b]]
		if la, lb := p.jobs[ja].mask.Len(), p.jobs[jb].mask.Len(); la != lb {
			return la > lb
		}
		return len(pl.el[ja]) < len(pl.el[jb])
	})
	resid := append([]float64(nil), L.cap...)
	clsOfRoom := map[int32]int32{}
	for i := range c.jobs {
		for _, cl := range c.jobCls[i] {
			for _, r := range c.members[cl] {
				clsOfRoom[r] = cl
			}
		}
	}
	maxNodes := pl.maxNodes
	startNodes := pl.nodes
	aborted := false
	cur := make([]int32, n)
	for i := range cur {
		cur[i] = -1
	}
	bound := func(k, got int) float64 {
		v := float64(got)
		for r, cp := range resid {
			if cp > 0 {
				v += cp * L.mu[r]
			}
		}
		for _, i := range order[k:] {
			bv := 0.0
			for _, o := range L.opts[i] {
				s := 1.0
				for _, r := range o.res {
					s -= L.mu[r]
				}
				if s > bv {
					bv = s
				}
			}
			v += bv
		}
		return v
	}
	var dfs func(k, got int)
	dfs = func(k, got int) {
		if aborted {
			return
		}
		pl.nodes++
		if pl.nodes-startNodes > maxNodes || (pl.nodes&1023 == 0 && ctx.Err() != nil) {
			aborted = true
			return
		}
		if got > best {
			best = got
			copy(bestRooms, cur)
		}
		if k == n || best >= rootUB {
			return
		}
		if bound(k, got) < float64(best)+1-1e-7 {
			return
		}
		i := order[k]
		j := c.jobs[i]
		m := p.jobs[j].mask
		for oi, o := range L.opts[i] {
			seen := map[uint64]bool{}
			for _, r := range c.members[o.cls] {
				if !st.free(d, r, m) {
					continue
				}
				// Symmetry: rooms of the class with the same occupancy
				// over today's blocks are interchangeable.
				sig := uint64(0)
				b0 := st.base(d, r)
				for b := 0; b < p.nb; b++ {
					if st.occ[b0+b] >= 0 {
						sig |= 1 << uint(b)
					}
				}
				if seen[sig] {
					continue
				}
				seen[sig] = true
				st.set(j, r)
				cur[i] = r
				for _, rr := range L.opts[i][oi].res {
					resid[rr]--
				}
				dfs(k+1, got+1)
				for _, rr := range L.opts[i][oi].res {
					resid[rr]++
				}
				st.set(j, -1)
				cur[i] = -1
				if aborted || best >= rootUB {
					return
				}
			}
		}
		dfs(k+1, got)
	}
	_ = clsOfRoom
	dfs(0, 0)
	for i, j := range c.jobs {
		st.set(j, bestRooms[i])
	}
	if aborted {
		return best, rootUB
	}
	return best, best
}
