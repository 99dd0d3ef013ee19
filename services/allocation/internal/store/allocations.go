package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/allocation/internal/solver"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Allocation places one demand (section) on one weekday in one room.
type Allocation struct {
	ID             int64    `json:"id"`
	SemesterID     int64    `json:"semester_id"`
	DemandID       int64    `json:"demand_id"`
	Day            int      `json:"day"`
	RoomID         int64    `json:"room_id"`
	Source         string   `json:"source"`
	Pinned         bool     `json:"pinned"`
	Score          int      `json:"score"`
	Reason         string   `json:"reason"`
	CreatedBy      string   `json:"created_by"`
	DisciplineCode string   `json:"discipline_code"`
	DisciplineName string   `json:"discipline_name"`
	Section        string   `json:"section"`
	RoomName       string   `json:"room"`
	Building       string   `json:"building"`
	Blocks         []string `json:"blocks"`
}

const allocationSelect = `SELECT a.id, a.semester_id, a.demand_id, a.day, a.room_id, a.source, a.pinned, a.score, a.reason, a.created_by,
	d.discipline_code, d.discipline_name, d.section, r.name, b.name,
	ARRAY(SELECT substr(c, 2) FROM unnest(d.cells) c WHERE substr(c, 1, 1)::int = a.day)
	FROM allocation.allocations a JOIN allocation.demands d ON d.id = a.demand_id
	JOIN allocation.rooms r ON r.id = a.room_id JOIN allocation.buildings b ON b.id = r.building_id `

// AllocationFilter narrows an allocation list.
type AllocationFilter struct {
	SemesterID int64
	RoomID     int64
	DemandID   int64
	BuildingID int64
}

// ListAllocations lists allocations.
func (s *Store) ListAllocations(ctx context.Context, f AllocationFilter, p Page) ([]Allocation, error) {
	return listAllocations(ctx, s.pool, f, p)
}

func listAllocations(ctx context.Context, q querier, f AllocationFilter, p Page) ([]Allocation, error) {
	limit := p.limit()
	if p.Limit < 0 {
		limit = 1 << 30
	}
	rows, err := q.Query(ctx, allocationSelect+`WHERE a.id > $1 AND ($3 = 0 OR a.semester_id = $3) AND ($4 = 0 OR a.room_id = $4) AND ($5 = 0 OR a.demand_id = $5)
		AND ($6 = 0 OR r.building_id = $6) ORDER BY a.id LIMIT $2`, p.After, limit, f.SemesterID, f.RoomID, f.DemandID, f.BuildingID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Allocation])
}

// All is a Page with no limit (internal use: whole-semester loads).
var All = Page{Limit: -1}

// GetAllocation returns one allocation.
func (s *Store) GetAllocation(ctx context.Context, id int64) (Allocation, error) {
	rows, _ := s.pool.Query(ctx, allocationSelect+`WHERE a.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Allocation])
	return x, mapErr(err)
}

// SemesterInput is a semester loaded as a solver problem, with the rows behind it.
type SemesterInput struct {
	Semester    Semester
	Input       solver.Input
	Allocations []Allocation
	Demands     map[int64]Demand
	Rooms       map[int64]Room
}

// Current returns the current allocations as solver assignments.
func (si *SemesterInput) Current() []solver.Assignment {
	out := make([]solver.Assignment, len(si.Allocations))
	for i, a := range si.Allocations {
		out[i] = solver.Assignment{SectionID: ID(a.DemandID), Day: timegrid.Day(a.Day), RoomID: ID(a.RoomID)}
	}
	return out
}

// ID formats a row id as a solver id.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// ParseID parses a solver id.
func ParseID(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

// ParseCells turns "2M1" cells into a schedule.
func ParseCells(g *timegrid.Grid, cells []string) (timegrid.Schedule, error) {
	var sch timegrid.Schedule
	for _, c := range cells {
		if len(c) < 3 {
			return sch, fmt.Errorf("bad cell %q", c)
		}
		b, err := g.ParseBlockCode(c[1:])
		if err != nil {
			return sch, err
		}
		sch.Add(timegrid.Day(c[0]-'0'), b)
	}
	return sch, nil
}

// LoadSemester loads everything the solver and the hard-constraint checks need.
func (s *Store) LoadSemester(ctx context.Context, semesterID int64) (*SemesterInput, error) {
	var out *SemesterInput
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		out, err = loadSemester(ctx, tx, semesterID)
		return err
	})
	return out, mapErr(err)
}

func loadSemester(ctx context.Context, tx pgx.Tx, semesterID int64) (*SemesterInput, error) {
	g := timegrid.Default()
	si := &SemesterInput{Demands: map[int64]Demand{}, Rooms: map[int64]Room{}}
	rows, _ := tx.Query(ctx, semesterSelect+`WHERE id = $1`, semesterID)
	sem, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Semester])
	if err != nil {
		return nil, mapErr(err)
	}
	si.Semester = sem
	in := solver.Input{Grid: g}
	rows, err = tx.Query(ctx, roomSelect+`ORDER BY r.id`)
	if err != nil {
		return nil, err
	}
	rooms, err := pgx.CollectRows(rows, scanRoom)
	if err != nil {
		return nil, err
	}
	for _, r := range rooms {
		si.Rooms[r.ID] = r
		ch := make([]string, len(r.CharacteristicIDs))
		for i, c := range r.CharacteristicIDs {
			ch[i] = ID(c)
		}
		in.Rooms = append(in.Rooms, solver.Room{ID: ID(r.ID), Building: r.Building, Floor: r.Floor, Capacity: r.Capacity, Type: ID(r.RoomTypeID), Characteristics: ch, Active: r.Active})
	}
	rows, err = tx.Query(ctx, demandSelect+`WHERE d.semester_id = $1 AND NOT d.withdrawn ORDER BY d.id`, semesterID)
	if err != nil {
		return nil, err
	}
	demands, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Demand])
	if err != nil {
		return nil, err
	}
	for _, d := range demands {
		si.Demands[d.ID] = d
		sch, err := ParseCells(g, d.Cells)
		if err != nil {
			return nil, fmt.Errorf("demand %d: %w", d.ID, err)
		}
		profs := make([]string, len(d.ProfessorIDs))
		for i, p := range d.ProfessorIDs {
			profs[i] = ID(p)
		}
		in.Sections = append(in.Sections, solver.Section{ID: ID(d.ID), Discipline: d.DisciplineCode, Name: d.Section, Seats: d.Seats, Schedule: sch, Professors: profs})
	}
	rows, err = tx.Query(ctx, professorSelect+`ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	profs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Professor])
	if err != nil {
		return nil, err
	}
	for _, p := range profs {
		sp := solver.Professor{ID: ID(p.ID), LowMobility: p.LowMobility}
		for _, r := range p.PreferredRoomIDs {
			sp.PreferredRooms = append(sp.PreferredRooms, ID(r))
		}
		for _, c := range p.PreferredCharacteristicIDs {
			sp.PreferredCharacteristics = append(sp.PreferredCharacteristics, ID(c))
		}
		in.Professors = append(in.Professors, sp)
	}
	rows, err = tx.Query(ctx, ruleSelect+`ORDER BY id`)
	if err != nil {
		return nil, err
	}
	rules, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Rule])
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		switch r.Kind {
		case RuleNeedsRoomType:
			in.RoomTypeRules = append(in.RoomTypeRules, solver.RoomTypeRule{Discipline: r.DisciplineCode, RoomType: ID(*r.RoomTypeID)})
		case RuleNeedsRoom:
			in.RoomRules = append(in.RoomRules, solver.RoomRule{Discipline: r.DisciplineCode, RoomID: ID(*r.RoomID)})
		case RulePrefersCharacteristic:
			in.CharacteristicRules = append(in.CharacteristicRules, solver.CharacteristicRule{Discipline: r.DisciplineCode, Characteristic: ID(*r.CharacteristicID), Priority: r.Priority})
		}
	}
	// Blocked cells: the semester's holds, and every reservation occurrence within its dates.
	rows, err = tx.Query(ctx, `SELECT o.room_id, o.day, o.block, CASE WHEN o.hold_id IS NOT NULL THEN 'hold: ' || h.label ELSE 'reservation: ' || rv.title || ' on ' || to_char(ro.date, 'YYYY-MM-DD') END
		FROM allocation.occupancies o
		LEFT JOIN allocation.room_holds h ON h.id = o.hold_id
		LEFT JOIN allocation.reservation_occurrences ro ON ro.id = o.occurrence_id
		LEFT JOIN allocation.reservations rv ON rv.id = ro.reservation_id
		WHERE o.allocation_id IS NULL AND o.during && daterange($1::date, $2::date, '[]')
		ORDER BY o.room_id, o.day, o.block, ro.date`, sem.StartDate, sem.EndDate)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var room int64
		var day, block int
		var label string
		if err := rows.Scan(&room, &day, &block, &label); err != nil {
			return nil, err
		}
		in.Blocked = append(in.Blocked, solver.BlockedCell{RoomID: ID(room), Day: timegrid.Day(day), Block: timegrid.Block(block), Label: label})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Weekly allocations of other semesters whose dates overlap also block cells.
	rows, err = tx.Query(ctx, `SELECT o.room_id, o.day, o.block, s.name FROM allocation.occupancies o JOIN allocation.semesters s ON s.id = o.semester_id
		WHERE o.allocation_id IS NOT NULL AND o.semester_id <> $1 AND o.during && daterange($2::date, $3::date, '[]')`, semesterID, sem.StartDate, sem.EndDate)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var room int64
		var day, block int
		var name string
		if err := rows.Scan(&room, &day, &block, &name); err != nil {
			return nil, err
		}
		in.Blocked = append(in.Blocked, solver.BlockedCell{RoomID: ID(room), Day: timegrid.Day(day), Block: timegrid.Block(block), Label: "semester " + name})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if si.Allocations, err = listAllocations(ctx, tx, AllocationFilter{SemesterID: semesterID}, All); err != nil {
		return nil, err
	}
	for _, a := range si.Allocations {
		asg := solver.Assignment{SectionID: ID(a.DemandID), Day: timegrid.Day(a.Day), RoomID: ID(a.RoomID)}
		if a.Pinned {
			in.Pinned = append(in.Pinned, asg)
		}
	}
	// History continuity: the latest semester that ended before this one started.
	rows, err = tx.Query(ctx, `SELECT d.discipline_code, d.section, a.day, a.room_id,
			(SELECT count(*) FROM unnest(d.cells) c WHERE substr(c, 1, 1)::int = a.day)
		FROM allocation.allocations a JOIN allocation.demands d ON d.id = a.demand_id
		WHERE a.semester_id = (SELECT id FROM allocation.semesters WHERE end_date < $1::date ORDER BY end_date DESC LIMIT 1)`, sem.StartDate)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var h solver.HistoryEntry
		var day int
		var room int64
		if err := rows.Scan(&h.Discipline, &h.Section, &day, &room, &h.Blocks); err != nil {
			return nil, err
		}
		h.Day, h.RoomID = timegrid.Day(day), ID(room)
		in.History = append(in.History, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	si.Input = in
	return si, nil
}

// NewAllocation is an allocation to write.
type NewAllocation struct {
	DemandID int64
	Day      int
	RoomID   int64
	Source   string
	Pinned   bool
	Score    int
	Reason   string
}

// AdjustPlan is the outcome of a checked manual change: rows to delete and to write.
type AdjustPlan struct {
	Delete []int64
	Insert []NewAllocation
	Change Change
}

// Adjust runs a manual change under the semester's lock: plan sees the freshly loaded
// semester (so every hard constraint is checked against current data), and its plan is
// applied in the same transaction. Returns the written allocation ids.
func (s *Store) Adjust(ctx context.Context, semesterID int64, plan func(*SemesterInput) (AdjustPlan, error)) ([]int64, error) {
	var ids []int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockSemester(ctx, tx, semesterID); err != nil {
			return err
		}
		si, err := loadSemester(ctx, tx, semesterID)
		if err != nil {
			return err
		}
		p, err := plan(si)
		if err != nil {
			return err
		}
		ids, err = applyPlan(ctx, tx, si, p)
		if err != nil {
			return err
		}
		return logChange(ctx, tx, p.Change)
	})
	return ids, err
}

func lockSemester(ctx context.Context, tx pgx.Tx, semesterID int64) error {
	var id int64
	return mapErr(tx.QueryRow(ctx, `SELECT id FROM allocation.semesters WHERE id = $1 FOR UPDATE`, semesterID).Scan(&id))
}

func applyPlan(ctx context.Context, tx pgx.Tx, si *SemesterInput, p AdjustPlan) ([]int64, error) {
	if len(p.Delete) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.allocations WHERE id = ANY ($1) AND semester_id = $2`, p.Delete, si.Semester.ID); err != nil {
			return nil, err
		}
	}
	g := timegrid.Default()
	ids := make([]int64, 0, len(p.Insert))
	actor := p.Change.Actor
	for _, a := range p.Insert {
		d, ok := si.Demands[a.DemandID]
		if !ok {
			return nil, &InvalidRefError{Field: "demand_id", Detail: "no such demand in this semester"}
		}
		sch, err := ParseCells(g, d.Cells)
		if err != nil {
			return nil, err
		}
		var days, blocks []int16
		for _, b := range sch.Blocks(timegrid.Day(a.Day)).Blocks() {
			days = append(days, int16(a.Day))
			blocks = append(blocks, int16(b))
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO allocation.allocations (semester_id, demand_id, day, room_id, source, pinned, score, reason, created_by)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`, si.Semester.ID, a.DemandID, a.Day, a.RoomID, a.Source, a.Pinned, a.Score, a.Reason, actor).Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		if err := insertWeekly(ctx, tx, si.Semester.ID, a.RoomID, days, blocks, "allocation_id", id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// SetPinned pins or unpins an allocation (pinned ones survive re-solves).
func (s *Store) SetPinned(ctx context.Context, actor string, id int64, pinned bool) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE allocation.allocations SET pinned = $2 WHERE id = $1`, id, pinned)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "pin", Entity: "allocation", EntityID: id, Detail: map[string]bool{"pinned": pinned}})
	})
}

// ReplaceSolverResult swaps the semester's unpinned allocations for a solver result, in
// one transaction. Data that changed meanwhile makes it fail (double-booking conflict).
func (s *Store) ReplaceSolverResult(ctx context.Context, actor string, semesterID int64, ins []NewAllocation, detail any) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockSemester(ctx, tx, semesterID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.allocations WHERE semester_id = $1 AND NOT pinned`, semesterID); err != nil {
			return err
		}
		si, err := loadSemester(ctx, tx, semesterID)
		if err != nil {
			return err
		}
		kept := map[[2]int64]bool{}
		for _, a := range si.Allocations {
			kept[[2]int64{a.DemandID, int64(a.Day)}] = true
		}
		var todo []NewAllocation
		for _, a := range ins {
			if !kept[[2]int64{a.DemandID, int64(a.Day)}] {
				todo = append(todo, a)
			}
		}
		if _, err := applyPlan(ctx, tx, si, AdjustPlan{Insert: todo, Change: Change{Actor: actor}}); err != nil {
			return err
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "solve", Entity: "semester", EntityID: semesterID, Detail: detail})
	})
}
