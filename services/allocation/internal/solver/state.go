package solver

import "github.com/planta-dev/planta/services/allocation/internal/timegrid"

// state is a (partial) assignment with a room × day × block occupancy index
// and an undo journal.
type state struct {
	p       *problem
	room    []int32 // per job: room or -1
	occ     []int32 // ((day*nR)+room)*nb + block -> job or -1
	journal []change
	logging bool
}

type change struct {
	job  int
	room int32 // previous room
}

func newState(p *problem) *state {
	st := &state{p: p, room: make([]int32, len(p.jobs)), occ: make([]int32, 8*p.nR*p.nb)}
	for i := range st.room {
		st.room[i] = -1
	}
	for i := range st.occ {
		st.occ[i] = -1
	}
	return st
}

func (st *state) base(d timegrid.Day, r int32) int { return (int(d)*st.p.nR + int(r)) * st.p.nb }

// free reports whether room r has none of mask's cells taken on day d.
func (st *state) free(d timegrid.Day, r int32, mask timegrid.BlockSet) bool {
	b0 := st.base(d, r)
	for v := uint64(mask); v != 0; v &= v - 1 {
		if st.occ[b0+tz(v)] >= 0 {
			return false
		}
	}
	return true
}

// freeExcept is free ignoring cells held by job skip.
func (st *state) freeExcept(d timegrid.Day, r int32, mask timegrid.BlockSet, skip int) bool {
	b0 := st.base(d, r)
	for v := uint64(mask); v != 0; v &= v - 1 {
		if o := st.occ[b0+tz(v)]; o >= 0 && int(o) != skip {
			return false
		}
	}
	return true
}

// conflicts appends to buf the distinct jobs holding mask's cells in room r.
func (st *state) conflicts(d timegrid.Day, r int32, mask timegrid.BlockSet, buf []int32) []int32 {
	b0 := st.base(d, r)
	for v := uint64(mask); v != 0; v &= v - 1 {
		o := st.occ[b0+tz(v)]
		if o < 0 {
			continue
		}
		dup := false
		for _, x := range buf {
			if x == o {
				dup = true
				break
			}
		}
		if !dup {
			buf = append(buf, o)
		}
	}
	return buf
}

// set moves job j to room r (-1 = unassign), journaling when logging.
func (st *state) set(j int, r int32) {
	old := st.room[j]
	if old == r {
		return
	}
	jb := st.p.jobs[j]
	if old >= 0 {
		b0 := st.base(jb.day, old)
		for v := uint64(jb.mask); v != 0; v &= v - 1 {
			st.occ[b0+tz(v)] = -1
		}
	}
	if r >= 0 {
		b0 := st.base(jb.day, r)
		for v := uint64(jb.mask); v != 0; v &= v - 1 {
			st.occ[b0+tz(v)] = int32(j)
		}
	}
	st.room[j] = r
	if st.logging {
		st.journal = append(st.journal, change{j, old})
	}
}

func (st *state) rollback(to int) {
	lg := st.logging
	st.logging = false
	for i := len(st.journal) - 1; i >= to; i-- {
		st.set(st.journal[i].job, st.journal[i].room)
	}
	st.journal = st.journal[:to]
	st.logging = lg
}
