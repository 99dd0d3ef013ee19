package solver

import (
	"fmt"
	"sort"
	"strings"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// InputError lists the problems that make an Input unsolvable as given
// (unknown ids, duplicate ids, pinned assignments violating hard constraints).
type InputError struct {
	Problems []string
}

func (e *InputError) Error() string {
	return "solver: invalid input: " + strings.Join(e.Problems, "; ")
}

// job is one section-day.
type job struct {
	sec  int
	day  timegrid.Day
	mask timegrid.BlockSet
}

// problem is the indexed, validated form of an Input.
type problem struct {
	in    *Input
	grid  *timegrid.Grid
	w     Weights
	nb    int // blocks per day
	nR    int
	rooms []Room
	secs  []Section

	roomIdx map[string]int
	secIdx  map[string]int

	jobs      []job
	secJobs   [][]int                   // per section: its jobs by ascending day
	dayJobs   [8][]int                  // per day: job indices ascending
	elig      [][]int32                 // per job: statically eligible rooms (hard rules) minus blocked cells
	soft      [][]int32                 // per job, parallel to elig: soft points (without same-room pairs)
	blocked   [][8]timegrid.BlockSet    // per room, per day: blocked cells
	blockLbl  map[[3]int]string         // (room, day, block) -> label
	pinned    []int32                   // per job: pinned room or -1
	prev      []int32                   // per job: previous room or -1
	staticEl  func(s, r int) ReasonCode // "" when room r is statically eligible for section s
	jobOfCell map[[2]int]int            // (sec, day) -> job

	profs     map[string]*Professor
	charRules map[string][]CharacteristicRule
	roomChars []map[string]bool
	hist      map[histKey][]HistoryEntry
}

type histKey struct {
	disc string
	day  timegrid.Day
	room int
}

func newProblem(in *Input) (*problem, error) {
	p := &problem{in: in, grid: in.Grid, roomIdx: map[string]int{}, secIdx: map[string]int{}, jobOfCell: map[[2]int]int{}, blockLbl: map[[3]int]string{}}
	if p.grid == nil {
		p.grid = timegrid.Default()
	}
	if in.Weights != nil {
		p.w = *in.Weights
	} else {
		p.w = DefaultWeights()
	}
	var probs []string
	if err := p.grid.Validate(); err != nil {
		probs = append(probs, err.Error())
	}
	p.nb = p.grid.NumBlocks()
	p.rooms = in.Rooms
	p.secs = in.Sections
	p.nR = len(p.rooms)
	for i, r := range p.rooms {
		if _, dup := p.roomIdx[r.ID]; dup {
			probs = append(probs, fmt.Sprintf("room %q defined twice", r.ID))
		}
		p.roomIdx[r.ID] = i
	}
	for i, s := range p.secs {
		if _, dup := p.secIdx[s.ID]; dup {
			probs = append(probs, fmt.Sprintf("section %q defined twice", s.ID))
		}
		p.secIdx[s.ID] = i
	}
	profs := map[string]*Professor{}
	for i := range in.Professors {
		profs[in.Professors[i].ID] = &in.Professors[i]
	}
	typeRules := map[string]map[string]bool{}
	for _, r := range in.RoomTypeRules {
		if typeRules[r.Discipline] == nil {
			typeRules[r.Discipline] = map[string]bool{}
		}
		typeRules[r.Discipline][r.RoomType] = true
	}
	roomRules := map[string]map[string]bool{}
	for _, r := range in.RoomRules {
		if _, ok := p.roomIdx[r.RoomID]; !ok {
			probs = append(probs, fmt.Sprintf("room rule for %s names unknown room %q", r.Discipline, r.RoomID))
		}
		if roomRules[r.Discipline] == nil {
			roomRules[r.Discipline] = map[string]bool{}
		}
		roomRules[r.Discipline][r.RoomID] = true
	}
	lowMob := make([]bool, len(p.secs))
	for i, s := range p.secs {
		for _, pid := range s.Professors {
			if pr := profs[pid]; pr != nil && pr.LowMobility {
				lowMob[i] = true
			}
		}
	}
	p.staticEl = func(s, r int) ReasonCode {
		room := &p.rooms[r]
		sec := &p.secs[s]
		if !room.Active {
			return ReasonNoActiveRoom
		}
		if tr := typeRules[sec.Discipline]; tr != nil && !tr[room.Type] {
			return ReasonRoomType
		}
		if rr := roomRules[sec.Discipline]; rr != nil && !rr[room.ID] {
			return ReasonRoomRule
		}
		if room.Capacity < sec.Seats {
			return ReasonCapacity
		}
		if lowMob[s] && room.Floor != 0 {
			return ReasonLowMobility
		}
		return ""
	}

	// Blocked cells.
	p.blocked = make([][8]timegrid.BlockSet, p.nR)
	for _, b := range in.Blocked {
		r, ok := p.roomIdx[b.RoomID]
		if !ok {
			probs = append(probs, fmt.Sprintf("blocked cell names unknown room %q", b.RoomID))
			continue
		}
		if !p.grid.HasDay(b.Day) || int(b.Block) < 0 || int(b.Block) >= p.nb {
			probs = append(probs, fmt.Sprintf("blocked cell %s %v/%d outside the grid", b.RoomID, b.Day, b.Block))
			continue
		}
		p.blocked[r][b.Day] = p.blocked[r][b.Day].With(b.Block)
		k := [3]int{r, int(b.Day), int(b.Block)}
		if _, ok := p.blockLbl[k]; !ok {
			p.blockLbl[k] = b.Label
		}
	}

	// Jobs.
	p.secJobs = make([][]int, len(p.secs))
	for s, sec := range p.secs {
		for _, d := range sec.Schedule.Days() {
			if !p.grid.HasDay(d) {
				probs = append(probs, fmt.Sprintf("section %q meets on day %d outside the grid", sec.ID, d))
				continue
			}
			m := sec.Schedule.Blocks(d)
			if m>>uint(p.nb) != 0 {
				probs = append(probs, fmt.Sprintf("section %q uses blocks outside the grid on day %d", sec.ID, d))
				continue
			}
			j := len(p.jobs)
			p.jobs = append(p.jobs, job{sec: s, day: d, mask: m})
			p.secJobs[s] = append(p.secJobs[s], j)
			p.dayJobs[d] = append(p.dayJobs[d], j)
			p.jobOfCell[[2]int{s, int(d)}] = j
		}
	}

	// Soft-score ingredients.
	type hk = histKey
	hist := map[hk][]HistoryEntry{}
	for _, h := range in.History {
		if r, ok := p.roomIdx[h.RoomID]; ok {
			k := hk{h.Discipline, h.Day, r}
			hist[k] = append(hist[k], h)
		}
	}
	charRules := map[string][]CharacteristicRule{}
	for _, cr := range in.CharacteristicRules {
		charRules[cr.Discipline] = append(charRules[cr.Discipline], cr)
	}
	roomChars := make([]map[string]bool, p.nR)
	for i, r := range p.rooms {
		roomChars[i] = map[string]bool{}
		for _, c := range r.Characteristics {
			roomChars[i][c] = true
		}
	}
	p.profs, p.charRules, p.roomChars, p.hist = profs, charRules, roomChars, hist
	p.elig = make([][]int32, len(p.jobs))
	p.soft = make([][]int32, len(p.jobs))
	static := make([][]int32, len(p.secs))
	for s := range p.secs {
		for r := 0; r < p.nR; r++ {
			if p.staticEl(s, r) == "" {
				static[s] = append(static[s], int32(r))
			}
		}
	}
	for j, jb := range p.jobs {
		for _, r := range static[jb.sec] {
			if p.blocked[r][jb.day]&jb.mask != 0 {
				continue
			}
			p.elig[j] = append(p.elig[j], r)
			p.soft[j] = append(p.soft[j], int32(p.breakdown(j, int(r), false).Total))
		}
	}

	// Pinned and previous assignments.
	p.pinned = make([]int32, len(p.jobs))
	p.prev = make([]int32, len(p.jobs))
	for j := range p.jobs {
		p.pinned[j], p.prev[j] = -1, -1
	}
	for _, a := range in.Previous {
		s, ok1 := p.secIdx[a.SectionID]
		r, ok2 := p.roomIdx[a.RoomID]
		if j, ok3 := p.jobOfCell[[2]int{s, int(a.Day)}]; ok1 && ok2 && ok3 {
			p.prev[j] = int32(r)
		}
	}
	pinOcc := map[[3]int]int{}
	for _, a := range in.Pinned {
		s, ok1 := p.secIdx[a.SectionID]
		r, ok2 := p.roomIdx[a.RoomID]
		if !ok1 || !ok2 {
			probs = append(probs, fmt.Sprintf("pinned %s/%d/%s: unknown section or room", a.SectionID, a.Day, a.RoomID))
			continue
		}
		j, ok := p.jobOfCell[[2]int{s, int(a.Day)}]
		if !ok {
			probs = append(probs, fmt.Sprintf("pinned %s on day %d: the section does not meet that day", a.SectionID, a.Day))
			continue
		}
		if p.pinned[j] >= 0 {
			probs = append(probs, fmt.Sprintf("pinned %s on day %d twice", a.SectionID, a.Day))
			continue
		}
		if code := p.staticEl(s, r); code != "" {
			probs = append(probs, fmt.Sprintf("pinned %s on day %d in %s violates %s", a.SectionID, a.Day, a.RoomID, code))
			continue
		}
		if p.blocked[r][a.Day]&p.jobs[j].mask != 0 {
			probs = append(probs, fmt.Sprintf("pinned %s on day %d in %s hits a blocked cell", a.SectionID, a.Day, a.RoomID))
			continue
		}
		clash := false
		for _, b := range p.jobs[j].mask.Blocks() {
			k := [3]int{r, int(a.Day), int(b)}
			if o, ok := pinOcc[k]; ok {
				probs = append(probs, fmt.Sprintf("pinned %s and %s both in %s on day %d block %s", a.SectionID, p.secs[p.jobs[o].sec].ID, a.RoomID, a.Day, p.grid.BlockCode(b)))
				clash = true
				break
			}
		}
		if clash {
			continue
		}
		for _, b := range p.jobs[j].mask.Blocks() {
			pinOcc[[3]int{r, int(a.Day), int(b)}] = j
		}
		p.pinned[j] = int32(r)
	}
	if len(probs) > 0 {
		return nil, &InputError{Problems: probs}
	}
	return p, nil
}

// scoreParts computes the single-room soft score of a section-day
// (everything except the same-room-across-days pairs).
func (p *problem) breakdown(j, r int, notes bool) Breakdown {
	jb := p.jobs[j]
	sec := &p.secs[jb.sec]
	profs, charRules, roomChars := p.profs, p.charRules, p.roomChars
	var b Breakdown
	room := &p.rooms[r]
	for _, pid := range sec.Professors {
		pr := profs[pid]
		if pr == nil {
			continue
		}
		for _, id := range pr.PreferredRooms {
			if id == room.ID {
				b.PreferredRoom += p.w.PreferredRoom
				if notes {
					b.Notes = append(b.Notes, fmt.Sprintf("preferred room of professor %s", pid))
				}
				break
			}
		}
		for _, c := range pr.PreferredCharacteristics {
			if roomChars[r][c] {
				b.PreferredCharacteristic += p.w.PreferredCharacteristic
				if notes {
					b.Notes = append(b.Notes, fmt.Sprintf("has %s preferred by professor %s", c, pid))
				}
				break
			}
		}
	}
	for _, cr := range charRules[sec.Discipline] {
		if roomChars[r][cr.Characteristic] {
			b.SoftRules += cr.Priority * p.w.SoftRulePerPriority
			if notes {
				b.Notes = append(b.Notes, fmt.Sprintf("soft rule: %s (priority %d)", cr.Characteristic, cr.Priority))
			}
		}
	}
	hb := 0
	for _, h := range p.hist[histKey{sec.Discipline, jb.day, r}] {
		if h.Section == "" || h.Section == sec.Name {
			hb += h.Blocks
		}
	}
	if hb > 0 {
		b.History = hb * p.w.HistoryPerBlock
		if b.History > p.w.HistoryCap {
			b.History = p.w.HistoryCap
		}
		if notes {
			b.Notes = append(b.Notes, fmt.Sprintf("history: %d past blocks here on %s", hb, jb.day))
		}
	}
	b.Total = b.PreferredRoom + b.PreferredCharacteristic + b.SoftRules + b.History
	return b
}

// softOf returns the precomputed single-room soft score of job j in room r
// (binary search in the sorted eligibility list), and whether r is eligible.
func (p *problem) softOf(j int, r int32) (int32, bool) {
	el := p.elig[j]
	k := sort.Search(len(el), func(i int) bool { return el[i] >= r })
	if k < len(el) && el[k] == r {
		return p.soft[j][k], true
	}
	return 0, false
}
