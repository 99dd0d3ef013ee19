package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Occupant is one existing use of a room cell, described for people.
type Occupant struct {
	RoomID int64  `json:"room_id"`
	Day    int    `json:"day"`
	Block  int    `json:"-"`
	Code   string `json:"block"`
	Date   string `json:"date,omitempty"` // reservations only
	Kind   string `json:"kind"`           // allocation, hold, reservation
	What   string `json:"what"`
	// Occurrence is the requested occurrence's date this use conflicts with (dated checks).
	Occurrence string `json:"occurrence,omitempty"`
}

func (o Occupant) String() string {
	when := fmt.Sprintf("%s %s", timegrid.Day(o.Day), o.Code)
	if o.Date != "" {
		when = o.Date + " " + o.Code
	}
	msg := fmt.Sprintf("room %d at %s is taken by %s %s", o.RoomID, when, o.Kind, o.What)
	if o.Occurrence != "" {
		msg = fmt.Sprintf("occurrence %s %s: %s", o.Occurrence, o.Code, msg)
	}
	return msg
}

const occupantSelect = `SELECT o.room_id, o.day, o.block, coalesce(to_char(ro.date,'YYYY-MM-DD'), ''),
	CASE WHEN o.allocation_id IS NOT NULL THEN 'allocation' WHEN o.hold_id IS NOT NULL THEN 'hold' ELSE 'reservation' END,
	CASE WHEN o.allocation_id IS NOT NULL THEN d.discipline_code || ' ' || d.section
	     WHEN o.hold_id IS NOT NULL THEN h.label ELSE '"' || rv.title || '" (reservation ' || rv.id || ')' END
	FROM allocation.occupancies o
	LEFT JOIN allocation.allocations a ON a.id = o.allocation_id
	LEFT JOIN allocation.demands d ON d.id = a.demand_id
	LEFT JOIN allocation.room_holds h ON h.id = o.hold_id
	LEFT JOIN allocation.reservation_occurrences ro ON ro.id = o.occurrence_id
	LEFT JOIN allocation.reservations rv ON rv.id = ro.reservation_id `

func scanOccupant(r pgx.CollectableRow) (Occupant, error) {
	var o Occupant
	err := r.Scan(&o.RoomID, &o.Day, &o.Block, &o.Date, &o.Kind, &o.What)
	o.Code = timegrid.Default().BlockCode(timegrid.Block(o.Block))
	return o, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// weeklyConflicts lists what occupies the room's weekly cells during the semester.
func weeklyConflicts(ctx context.Context, q querier, semesterID, roomID int64, days, blocks []int16) ([]Occupant, error) {
	rows, err := q.Query(ctx, occupantSelect+`
		JOIN unnest($3::smallint[], $4::smallint[]) AS c(day, block) ON c.day = o.day AND c.block = o.block
		WHERE o.room_id = $1 AND o.during && (SELECT daterange(start_date, end_date, '[]') FROM allocation.semesters WHERE id = $2)
		ORDER BY o.day, o.block, ro.date LIMIT 20`, roomID, semesterID, days, blocks)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanOccupant)
}

// datedConflicts lists what occupies the room at the given (date, block) pairs.
func datedConflicts(ctx context.Context, q querier, roomID int64, dates []string, blocks []int16) ([]Occupant, error) {
	sel := strings.Replace(occupantSelect, "SELECT o.room_id,", "SELECT to_char(c.date, 'YYYY-MM-DD'), o.room_id,", 1)
	rows, err := q.Query(ctx, sel+`
		JOIN unnest($2::date[], $3::smallint[]) AS c(date, block) ON o.day = extract(dow FROM c.date) + 1 AND o.block = c.block AND o.during @> c.date
		WHERE o.room_id = $1
		ORDER BY c.date, o.block LIMIT 50`, roomID, dates, blocks)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Occupant, error) {
		var o Occupant
		err := r.Scan(&o.Occurrence, &o.RoomID, &o.Day, &o.Block, &o.Date, &o.Kind, &o.What)
		o.Code = timegrid.Default().BlockCode(timegrid.Block(o.Block))
		return o, err
	})
}

func doubleBooking(cs []Occupant) *ConflictError {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = c.String()
	}
	return &ConflictError{Slug: "double-booking", Detail: strings.Join(lines, "; "), Conflicts: lines}
}
