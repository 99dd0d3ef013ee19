// Package solver is the classroom allocation solver: it assigns one room to
// every (section, day) — all of the section's blocks that day in that room —
// under hard constraints (capacity, room-type and specific-room rules, low
// mobility, no double booking, blocked cells) and a lexicographic objective:
//
//  1. maximise the number of placed section-days (solved exactly: the result
//     carries a proven upper bound equal to the placed count, see Stats);
//  2. maximise the soft score (professor preferences, soft characteristic
//     rules, same room across a section's days, history continuity, and —
//     for minimal-perturbation re-solves — the previous published room);
//  3. minimise wasted capacity (room capacity − seats).
//
// Placement is exact: a fast combinatorial method per day (construction,
// ejection chains, components, Lagrangian bound) proves most components;
// the rest are decided by COIN-OR cbc on an aggregated room-class model that
// is an exact reformulation (see mip.go), disaggregated to rooms by interval
// colouring. The soft score is optimised by local search and, where the
// room-level model is small enough, exactly by cbc with the placed count
// fixed (see soft.go). cbc runs as a child process (Options.CBCPath,
// PLANTA_CBC_PATH); without it Solve still returns the combinatorial result
// and says so in Stats.Notes.
//
// Apart from running cbc on files in a scratch directory (Options.TempDir)
// the package is pure: no global mutable state. Verify is the independent
// hard-constraint checker, shared with manual adjustments; every solution is
// checked with it before it is returned.
package solver

import (
	"time"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Room is a teaching space.
type Room struct {
	ID              string
	Building        string
	Floor           int // 0 = ground floor
	Capacity        int
	Type            string
	Characteristics []string
	Active          bool
}

// Section is one class of a discipline with its weekly meetings.
type Section struct {
	ID         string // unique key (e.g. external offer id or "FUP0001-T1")
	Discipline string // discipline code, matched exactly (never by substring)
	Name       string // section label, e.g. "T1"
	Seats      int
	Schedule   timegrid.Schedule
	Professors []string // Professor IDs
}

// Professor carries the professor-level soft preferences and the hard
// low-mobility flag.
type Professor struct {
	ID                       string
	LowMobility              bool // hard: only ground-floor rooms (Floor == 0)
	PreferredRooms           []string
	PreferredCharacteristics []string
}

// RoomTypeRule (hard): sections of Discipline need a room of type RoomType.
// Several type rules for one discipline mean "any of these types".
type RoomTypeRule struct {
	Discipline string
	RoomType   string
}

// RoomRule (hard): sections of Discipline need room RoomID. Several room rules
// for one discipline mean "any of these rooms". Combined with type rules, both
// must hold.
type RoomRule struct {
	Discipline string
	RoomID     string
}

// CharacteristicRule (soft): sections of Discipline prefer rooms with
// Characteristic; worth Priority × Weights.SoftRulePerPriority points.
type CharacteristicRule struct {
	Discipline     string
	Characteristic string
	Priority       int // 1–10
}

// BlockedCell makes a room unavailable at one (day, block): a room hold for
// another programme or an event reservation.
type BlockedCell struct {
	RoomID string
	Day    timegrid.Day
	Block  timegrid.Block
	Label  string // e.g. "hold: Ledoc" or "reservation: Defesa de TCC"
}

// HistoryEntry says a discipline (optionally a given section label) used a
// room on a weekday for Blocks blocks in a past semester.
type HistoryEntry struct {
	Discipline string
	Section    string // empty = any section of the discipline
	Day        timegrid.Day
	RoomID     string
	Blocks     int
}

// Assignment places one section on one day in one room.
type Assignment struct {
	SectionID string
	Day       timegrid.Day
	RoomID    string
}

// Weights are the soft-score points. DefaultWeights follows the replaced
// system's effective configuration where it had one.
type Weights struct {
	PreferredRoom           int // per professor whose preferred rooms include the room (old: 4)
	PreferredCharacteristic int // per professor with ≥1 preferred characteristic in the room (old: 4, one match max)
	SoftRulePerPriority     int // per priority point of a satisfied soft characteristic rule (new)
	HistoryPerBlock         int // per historical block of the discipline in that room that weekday (old: 2)
	HistoryCap              int // cap of the history points per section-day (old: 20)
	SameRoomAcrossDays      int // per pair of consecutive meeting days of a section in the same room (new)
	PreviousRoom            int // minimal perturbation: section-day keeps its previously published room
}

// DefaultWeights returns the default soft-score weights.
func DefaultWeights() Weights {
	return Weights{
		PreferredRoom:           4,
		PreferredCharacteristic: 4,
		SoftRulePerPriority:     2,
		HistoryPerBlock:         2,
		HistoryCap:              20,
		SameRoomAcrossDays:      4,
		PreviousRoom:            1000,
	}
}

// Input is one allocation problem (one semester).
type Input struct {
	Grid                *timegrid.Grid // nil = timegrid.Default()
	Rooms               []Room
	Sections            []Section
	Professors          []Professor
	RoomTypeRules       []RoomTypeRule
	RoomRules           []RoomRule
	CharacteristicRules []CharacteristicRule
	Blocked             []BlockedCell
	History             []HistoryEntry
	// Pinned assignments are kept as they are (manual decisions); they must
	// satisfy every hard constraint, otherwise Solve returns an *InputError.
	Pinned []Assignment
	// Previous is the last published solution; when set, each section-day
	// that keeps its previous room earns Weights.PreviousRoom
	// (minimal-perturbation re-solve).
	Previous []Assignment
	Weights  *Weights // nil = DefaultWeights()
}

// Progress is reported through Options.Progress while solving.
type Progress struct {
	Phase string // "prepare", "place", "bound", "improve", "explain"
	Done  int    // units done in the phase (days)
	Total int
	// Placed and Bound are the running totals of the placement phase.
	Placed, Bound int
}

// Options tune a solve.
type Options struct {
	Progress func(Progress) // optional, called synchronously
	// MaxBranchNodes bounds the branch-and-bound search per component used
	// when the Lagrangian bound alone does not prove optimality (0 = 5000).
	MaxBranchNodes int
	// ImprovePasses bounds the local-search passes of the soft phase (0 = 50).
	ImprovePasses int

	// CBCPath is the COIN-OR cbc executable (Debian package coinor-cbc)
	// used to prove placement optimality where the combinatorial bounds do
	// not, and to optimise the soft score exactly where the instance is
	// small enough. Empty = $PLANTA_CBC_PATH, else "cbc" on PATH. When cbc
	// cannot be found the solve still succeeds with the combinatorial
	// result (Stats.PlacedProven may then be false) and Stats.Notes says so.
	CBCPath string
	// DisableCBC solves with the combinatorial method only.
	DisableCBC bool
	// Workers is the number of cbc runs in parallel (0 = GOMAXPROCS).
	Workers int
	// TempDir holds cbc's LP and solution files ("" = os.TempDir(); in the
	// cluster /tmp is an emptyDir, the root filesystem is read-only).
	TempDir string
	// PlacementTimeLimit bounds the placement phase's cbc runs, measured
	// from the start of Solve (0 = no limit). A component whose MIP is cut
	// off keeps the best placement found and an honest bound
	// (PlacedProven false).
	PlacementTimeLimit time.Duration
	// SoftTimeLimit is a safety net for the exact soft phase (room-level MIP
	// with the placed count fixed at its optimum; 0 = 20 s; negative = skip
	// it and use local search only). cbc is killed at twice the limit plus
	// 1 s if it overruns (it checks the limit only between nodes). A result
	// cut by the clock may differ between runs; SoftMaxNodes is the limit
	// meant to bind, because it keeps solves deterministic.
	SoftTimeLimit time.Duration
	// SoftMaxNodes bounds cbc's branch-and-bound nodes in the soft phase
	// (0 = 1,000).
	SoftMaxNodes int
	// SoftMaxVariables skips the exact soft phase when the room-level model
	// would have more variables (0 = 8,000; the real semester has ≈ 4,000 and
	// solves to a proven soft optimum in under a second, a 30-room generated
	// campus has ≈ 15,000 and cbc does not finish its root node in 20 s).
	SoftMaxVariables int

	// forceMIP (tests): every component not fully placed is cleared and
	// handed to cbc, so the aggregated model and its disaggregation decide
	// the whole placement.
	forceMIP bool
}

// ReasonCode classifies why a section-day could not be placed.
type ReasonCode string

// Reason codes, in the order the filters are applied.
const (
	ReasonNoActiveRoom ReasonCode = "no_active_room"
	ReasonRoomType     ReasonCode = "room_type_rule"
	ReasonRoomRule     ReasonCode = "room_rule"
	ReasonCapacity     ReasonCode = "capacity"
	ReasonLowMobility  ReasonCode = "low_mobility"
	ReasonBlocked      ReasonCode = "blocked"
	ReasonBusy         ReasonCode = "all_eligible_rooms_busy"
)

// Explanation says why a section-day is unplaced.
type Explanation struct {
	Code    ReasonCode
	Message string
	// Conflicts lists, for ReasonBusy and ReasonBlocked, what occupies each
	// eligible room (at most 10 entries).
	Conflicts []string
}

// Breakdown is the score of a placed section-day.
type Breakdown struct {
	PreferredRoom           int
	PreferredCharacteristic int
	SoftRules               int
	History                 int
	SameRoomAcrossDays      int // points of pairs involving this day, halved per side (rounded down for odd)
	PreviousRoom            int
	Total                   int
	WastedSeats             int
	Notes                   []string
}

// SectionDayResult is the outcome for one (section, day).
type SectionDayResult struct {
	SectionID string
	Day       timegrid.Day
	Blocks    timegrid.BlockSet
	RoomID    string // empty when unplaced
	Pinned    bool
	Score     Breakdown
	Unplaced  *Explanation
}

// Stats summarises a solve.
type Stats struct {
	SectionDays int // total section-days
	Placed      int
	// PlacedUpperBound is a proven upper bound on the placed count;
	// PlacedProven reports PlacedUpperBound == Placed (the count is optimal).
	PlacedUpperBound int
	PlacedProven     bool
	SoftScore        int // total soft score (includes SameRoomAcrossDays pairs and PreviousRoom)
	SoftUpperBound   int // Σ best single-room score per placed-able section-day + all same-room pairs
	WastedSeats      int
	Moved            int // section-days whose room differs from Previous (placed ones that had a previous room)
	Components       int // independent conflict components
	LagrangianProofs int // components proven by the Lagrangian bound
	BranchNodes      int // branch-and-bound nodes explored
	Duration         time.Duration

	// Proven equals PlacedProven: the placed count is optimal, proven by
	// the combinatorial bounds or by cbc reporting optimality of the exact
	// aggregated model. Never set from a heuristic.
	Proven bool
	// MIPProofs counts components whose placement cbc proved optimal.
	MIPProofs int
	// CBCPath is the cbc executable used ("" = none).
	CBCPath string
	// SoftProven reports that the soft score is optimal given the optimal
	// placed count (cbc proved the room-level model optimal);
	// SoftUpperBound is then SoftScore.
	SoftProven bool
	// SoftMethod is "mip" (room-level model solved by cbc, possibly cut
	// off by SoftTimeLimit) or "local-search".
	SoftMethod string
	// Notes are operator-facing remarks (cbc missing or failing, time
	// limits hit). Empty on a clean run.
	Notes []string
}

// Solution is the solver's result.
type Solution struct {
	Assignments []Assignment       // placed section-days, sorted by section then day
	Results     []SectionDayResult // every section-day, sorted by section then day
	Stats       Stats
}
