package solver

import (
	"fmt"
	"math/rand/v2"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// GenConfig describes a generated campus.
type GenConfig struct {
	Seed     uint64
	Rooms    int
	Sections int
	MinDays  int // meeting days per section
	MaxDays  int
	// HoldShare is the fraction of rooms held for other programmes on part
	// of the week (blocked cells), as in the real campus.
	HoldShare float64
}

// Scale4x is ≈ 4× the real semester's load: 60 rooms, 600 sections of 2–3 days.
func Scale4x(seed uint64) GenConfig {
	return GenConfig{Seed: seed, Rooms: 60, Sections: 600, MinDays: 2, MaxDays: 3, HoldShare: 0.1}
}

// Scale10x is 10× that: 600 rooms, 3,840 sections of 2–3 days (≈ 9,600 section-days).
func Scale10x(seed uint64) GenConfig {
	return GenConfig{Seed: seed, Rooms: 600, Sections: 3840, MinDays: 2, MaxDays: 3, HoldShare: 0.1}
}

var genChars = []string{"Projetor", "Quadro Branco", "Quadro de Giz", "Ar Condicionado", "Ventilador", "Computadores", "Equipamento de Som", "Mesas Redondas", "TV"}

var genLabs = []string{"Laboratório de Química", "Laboratório de Biologia", "Laboratório de Física e Geologia", "Laboratório de Informática", "Laboratório de Linguagens e Artes", "Laboratório de Matemática"}

// day patterns seen in the real semester (aligned block pairs and their unions), with weights
var genPatterns = []struct {
	code string
	w    int
}{
	{"M12", 8}, {"M34", 10}, {"M1234", 8}, {"T23", 8}, {"T45", 8}, {"T2345", 10}, {"N12", 8}, {"N34", 6}, {"N1234", 24},
}

// Generate builds a deterministic campus and semester from the config:
// rooms modelled on the real campus (classrooms 16–60 seats, auditoriums,
// six lab types, floors 0–2), sections with real-like day patterns, 15% lab
// sections with a hard room-type rule, a few specific-room rules, professors
// (1% low mobility) with preferences, soft characteristic rules, history and
// room holds.
func Generate(cfg GenConfig) Input {
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	g := timegrid.Default()
	in := Input{Grid: g}
	for i := 0; i < cfg.Rooms; i++ {
		r := Room{ID: fmt.Sprintf("R%04d", i), Building: fmt.Sprintf("B%d", i%((cfg.Rooms+29)/30)), Floor: rng.IntN(3), Active: rng.IntN(50) != 0}
		switch x := rng.IntN(100); {
		case x < 70:
			r.Type = "Sala de Aula"
			r.Capacity = []int{25, 30, 35, 40, 50, 50, 60}[rng.IntN(7)]
		case x < 75:
			r.Type = "Auditório"
			r.Capacity = []int{80, 120, 150}[rng.IntN(3)]
		default:
			r.Type = genLabs[rng.IntN(len(genLabs))]
			r.Capacity = []int{16, 20, 24, 36, 40}[rng.IntN(5)]
		}
		for _, c := range genChars {
			if rng.IntN(3) == 0 {
				r.Characteristics = append(r.Characteristics, c)
			}
		}
		in.Rooms = append(in.Rooms, r)
	}
	nProf := cfg.Sections/3 + 1
	for i := 0; i < nProf; i++ {
		p := Professor{ID: fmt.Sprintf("P%04d", i), LowMobility: rng.IntN(100) == 0}
		if rng.IntN(4) == 0 {
			p.PreferredRooms = append(p.PreferredRooms, in.Rooms[rng.IntN(cfg.Rooms)].ID)
		}
		if rng.IntN(3) == 0 {
			p.PreferredCharacteristics = append(p.PreferredCharacteristics, genChars[rng.IntN(len(genChars))])
		}
		in.Professors = append(in.Professors, p)
	}
	totalW := 0
	for _, p := range genPatterns {
		totalW += p.w
	}
	pick := func() timegrid.BlockSet {
		x := rng.IntN(totalW)
		for _, p := range genPatterns {
			if x < p.w {
				var m timegrid.BlockSet
				for _, ch := range p.code[1:] {
					b, _ := g.BlockOf(p.code[0], int(ch-'0'))
					m = m.With(b)
				}
				return m
			}
			x -= p.w
		}
		panic("unreachable")
	}
	nDisc := cfg.Sections/2 + 1
	for i := 0; i < nDisc; i++ {
		disc := fmt.Sprintf("D%05d", i)
		switch x := rng.IntN(100); {
		case x < 15:
			in.RoomTypeRules = append(in.RoomTypeRules, RoomTypeRule{Discipline: disc, RoomType: genLabs[rng.IntN(len(genLabs))]})
		case x < 16:
			in.RoomRules = append(in.RoomRules, RoomRule{Discipline: disc, RoomID: in.Rooms[rng.IntN(cfg.Rooms)].ID})
		case x < 30:
			in.CharacteristicRules = append(in.CharacteristicRules, CharacteristicRule{Discipline: disc, Characteristic: genChars[rng.IntN(len(genChars))], Priority: 1 + rng.IntN(10)})
		}
	}
	isLab := map[string]bool{}
	for _, r := range in.RoomTypeRules {
		isLab[r.Discipline] = true
	}
	for i := 0; i < cfg.Sections; i++ {
		disc := fmt.Sprintf("D%05d", rng.IntN(nDisc))
		s := Section{ID: fmt.Sprintf("S%05d", i), Discipline: disc, Name: fmt.Sprintf("T%d", 1+rng.IntN(3))}
		if isLab[disc] {
			s.Seats = []int{12, 16, 20, 24}[rng.IntN(4)]
		} else {
			s.Seats = []int{15, 20, 25, 30, 35, 40, 45, 50, 60, 90}[rng.IntN(10)]
		}
		nd := cfg.MinDays + rng.IntN(cfg.MaxDays-cfg.MinDays+1)
		days := rng.Perm(5)[:nd] // Mon–Fri
		if rng.IntN(10) == 0 {
			days[0] = 5 // Saturday
		}
		same := rng.IntN(2) == 0
		m := pick()
		for _, d := range days {
			if !same {
				m = pick()
			}
			s.Schedule.AddSet(timegrid.Day(d+2), m)
		}
		s.Professors = []string{in.Professors[rng.IntN(nProf)].ID}
		if rng.IntN(8) == 0 {
			s.Professors = append(s.Professors, in.Professors[rng.IntN(nProf)].ID)
		}
		if rng.IntN(2) == 0 {
			d := timegrid.Day(days[0] + 2)
			in.History = append(in.History, HistoryEntry{Discipline: disc, Day: d, RoomID: in.Rooms[rng.IntN(cfg.Rooms)].ID, Blocks: s.Schedule.Blocks(d).Len()})
		}
		in.Sections = append(in.Sections, s)
	}
	nHold := int(float64(cfg.Rooms) * cfg.HoldShare)
	for _, ri := range rng.Perm(cfg.Rooms)[:nHold] {
		for d := timegrid.Day(2); d <= 6; d++ {
			if rng.IntN(2) == 0 {
				continue
			}
			lo, hi := 0, 11 // mornings and afternoons
			if rng.IntN(2) == 0 {
				lo, hi = 11, 15
			}
			for b := lo; b < hi; b++ {
				in.Blocked = append(in.Blocked, BlockedCell{RoomID: in.Rooms[ri].ID, Day: d, Block: timegrid.Block(b), Label: "hold: programme"})
			}
		}
	}
	return in
}

// Greedy is the one-pass baseline (benchmarks only): section-days in input
// order, each takes its best-scoring free eligible room; no backtracking.
func Greedy(in Input) ([]Assignment, error) {
	p, err := newProblem(&in)
	if err != nil {
		return nil, err
	}
	st := newState(p)
	for j := range p.jobs {
		if r := p.pinned[j]; r >= 0 {
			st.set(j, r)
		}
	}
	var out []Assignment
	for j, jb := range p.jobs {
		if st.room[j] >= 0 {
			out = append(out, Assignment{SectionID: p.secs[jb.sec].ID, Day: jb.day, RoomID: p.rooms[st.room[j]].ID})
			continue
		}
		best, bestV := int32(-1), int64(-1<<62)
		for _, r := range p.elig[j] {
			if !st.free(jb.day, r, jb.mask) {
				continue
			}
			if v := p.value(st, j, r); v > bestV {
				best, bestV = r, v
			}
		}
		if best >= 0 {
			st.set(j, best)
			out = append(out, Assignment{SectionID: p.secs[jb.sec].ID, Day: jb.day, RoomID: p.rooms[best].ID})
		}
	}
	sortAssignments(out)
	return out, nil
}

// Score evaluates the soft score and wasted seats of an assignment list
// (assumed hard-feasible, e.g. checked with Verify) with the solver's objective.
func Score(in Input, asg []Assignment) (soft, waste int, err error) {
	p, err := newProblem(&in)
	if err != nil {
		return 0, 0, err
	}
	st := newState(p)
	for _, a := range asg {
		s, ok1 := p.secIdx[a.SectionID]
		r, ok2 := p.roomIdx[a.RoomID]
		j, ok3 := p.jobOfCell[[2]int{s, int(a.Day)}]
		if !ok1 || !ok2 || !ok3 {
			return 0, 0, fmt.Errorf("solver: unknown assignment %v", a)
		}
		st.set(j, int32(r))
	}
	sol := buildSolution(p, st, make([][]int32, len(p.jobs)))
	return sol.Stats.SoftScore, sol.Stats.WastedSeats, nil
}
