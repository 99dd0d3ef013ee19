package mrp

import "math"

// wagnerWhitin solves the uncapacitated lot-sizing problem exactly on the
// net requirements r[t] = need[t]-need[t-1] of buckets start..h-1 (the first
// one includes everything short before the fence) and records, for each
// bucket, the last bucket covered by the lot that contains it (segEnd).
//
// F[j] is the least cost of covering the first j buckets; a bucket with no
// requirement may be left out of every lot, otherwise the last lot starts
// at some i with r[i] > 0 and costs S plus h per unit per bucket carried.
// The inner loop walks i downwards and updates the holding cost
// incrementally, and stops at the start of the last lot of the optimum for
// j-1: by the Wagner–Whitin planning-horizon theorem some optimum for a
// longer horizon orders last no earlier than that. Worst case O(n²), in
// practice about n × lot length, with no allocation.
func (p *planner) wagnerWhitin(start int, s, hc float64) {
	need := p.need
	n := p.m.h - start
	r := p.wwR[:n]
	r[0] = need[start]
	for t := 1; t < n; t++ {
		r[t] = need[start+t] - need[start+t-1]
	}
	F, choice := p.wwF[:n+1], p.wwChoice[:n+1]
	F[0] = 0
	last := 0 // start of the last lot in the optimum for the previous j
	for j := 1; j <= n; j++ {
		best, bi := math.Inf(1), int32(-1)
		if r[j-1] <= Tolerance {
			best = F[j-1] // nothing to cover in bucket j-1
		}
		hold, carried := 0.0, 0.0
		for i := j - 1; i >= last; i-- {
			if i < j-1 {
				carried += r[i+1]
				hold += carried
			}
			if r[i] > Tolerance {
				if c := F[i] + s + hc*hold; c < best {
					best, bi = c, int32(i)
				}
			}
		}
		F[j], choice[j] = best, bi
		if bi >= 0 {
			last = int(bi)
		}
	}
	for j := n; j > 0; {
		i := int(choice[j])
		if i < 0 {
			p.segEnd[start+j-1] = int32(start + j - 1)
			j--
			continue
		}
		for l := i; l < j; l++ {
			p.segEnd[start+l] = int32(start + j - 1)
		}
		j = i
	}
}

// silverMeal returns the last bucket covered by a lot starting at t: the lot
// grows while the average cost per bucket covered, (S + holding)/length,
// does not increase.
func (p *planner) silverMeal(t int, s, hc float64) int {
	need := p.need
	h := p.m.h
	k, hold, avg := t, 0.0, s
	for k+1 < h {
		r := need[k+1] - need[k]
		nhold := hold + hc*float64(k+1-t)*r
		navg := (s + nhold) / float64(k+2-t)
		if navg > avg {
			break
		}
		k, hold, avg = k+1, nhold, navg
	}
	return k
}
