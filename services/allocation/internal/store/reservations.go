package store

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Reservation is an event booking of a room with a recurrence; its occurrences are
// materialised one row per date × block.
type Reservation struct {
	ID          int64           `json:"id"`
	RoomID      int64           `json:"room_id"`
	Title       string          `json:"title"`
	Requester   string          `json:"requester"`
	Responsible string          `json:"responsible"`
	Blocks      []string        `json:"blocks"`
	Recurrence  json.RawMessage `json:"recurrence"`
	CreatedBy   string          `json:"created_by"`
	Occurrences []Occurrence    `json:"occurrences"`
}

// Occurrence is one dated block of a reservation.
type Occurrence struct {
	ID        int64  `json:"id"`
	Date      string `json:"date"`
	Block     string `json:"block"`
	Cancelled bool   `json:"cancelled"`
}

const reservationSelect = `SELECT id, room_id, title, requester, responsible, blocks, recurrence, created_by FROM allocation.reservations `

func scanReservation(r pgx.CollectableRow) (Reservation, error) {
	var x Reservation
	err := r.Scan(&x.ID, &x.RoomID, &x.Title, &x.Requester, &x.Responsible, &x.Blocks, &x.Recurrence, &x.CreatedBy)
	x.Occurrences = []Occurrence{}
	return x, err
}

// ReservationFilter narrows a reservation list.
type ReservationFilter struct {
	RoomID   int64
	From, To string // occurrence dates, inclusive; empty = open
}

// ListReservations lists reservations (without occurrences).
func (s *Store) ListReservations(ctx context.Context, f ReservationFilter, p Page) ([]Reservation, error) {
	rows, err := s.pool.Query(ctx, reservationSelect+`WHERE id > $1 AND ($3 = 0 OR room_id = $3)
		AND ($4 = '' OR EXISTS (SELECT 1 FROM allocation.reservation_occurrences o WHERE o.reservation_id = reservations.id AND o.date >= $4::date))
		AND ($5 = '' OR EXISTS (SELECT 1 FROM allocation.reservation_occurrences o WHERE o.reservation_id = reservations.id AND o.date <= $5::date))
		ORDER BY id LIMIT $2`, p.After, p.limit(), f.RoomID, f.From, f.To)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanReservation)
}

// GetReservation returns a reservation with its occurrences.
func (s *Store) GetReservation(ctx context.Context, id int64) (Reservation, error) {
	rows, _ := s.pool.Query(ctx, reservationSelect+`WHERE id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, scanReservation)
	if err != nil {
		return x, mapErr(err)
	}
	rows, err = s.pool.Query(ctx, `SELECT id, to_char(date,'YYYY-MM-DD'), block, cancelled FROM allocation.reservation_occurrences WHERE reservation_id = $1 ORDER BY date, block`, id)
	if err != nil {
		return x, err
	}
	g := timegrid.Default()
	x.Occurrences, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Occurrence, error) {
		var o Occurrence
		var b int
		err := r.Scan(&o.ID, &o.Date, &b, &o.Cancelled)
		o.Block = g.BlockCode(timegrid.Block(b))
		return o, err
	})
	return x, err
}

// ReservationConflicts lists what occupies the room at the (date, block) pairs.
func (s *Store) ReservationConflicts(ctx context.Context, roomID int64, dates []string, blocks []int16) ([]Occupant, error) {
	return datedConflicts(ctx, s.pool, roomID, dates, blocks)
}

// CreateReservation writes the reservation and its occurrences (parallel dates/blocks) in
// one transaction. Any taken cell — allocation, hold or other reservation — fails the
// whole series with a *ConflictError naming the cells; the exclusion constraint settles races.
func (s *Store) CreateReservation(ctx context.Context, actor string, r Reservation, dates []string, blocks []int16) (Reservation, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM allocation.rooms WHERE id = $1`, r.RoomID).Scan(&active); err != nil {
			if err == pgx.ErrNoRows {
				return &InvalidRefError{Field: "room_id", Detail: "no such room"}
			}
			return err
		}
		if !active {
			return &ConflictError{Slug: "inactive-room", Detail: "the room is inactive and cannot be reserved"}
		}
		cs, err := datedConflicts(ctx, tx, r.RoomID, dates, blocks)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			return doubleBooking(cs)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO allocation.reservations (room_id, title, requester, responsible, blocks, recurrence, created_by)
			VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, r.RoomID, r.Title, r.Requester, r.Responsible, r.Blocks, r.Recurrence, actor).Scan(&r.ID); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.reservation_occurrences (reservation_id, date, block) SELECT $1, d, b FROM unnest($2::date[], $3::smallint[]) AS c(d, b)`,
			r.ID, dates, blocks); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.occupancies (room_id, day, block, during, occurrence_id)
			SELECT $2, extract(dow FROM o.date) + 1, o.block, daterange(o.date, o.date, '[]'), o.id FROM allocation.reservation_occurrences o WHERE o.reservation_id = $1`,
			r.ID, r.RoomID); err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "create", Entity: "reservation", EntityID: r.ID, Detail: map[string]any{"room_id": r.RoomID, "title": r.Title, "occurrences": len(dates)}})
	})
	if err != nil {
		return Reservation{}, err
	}
	return s.GetReservation(ctx, r.ID)
}

// UpdateReservation changes the descriptive fields (title, requester, responsible).
func (s *Store) UpdateReservation(ctx context.Context, actor string, r Reservation) (Reservation, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE allocation.reservations SET title=$2, requester=$3, responsible=$4 WHERE id=$1`, r.ID, r.Title, r.Requester, r.Responsible)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "update", Entity: "reservation", EntityID: r.ID, Detail: map[string]string{"title": r.Title, "requester": r.Requester, "responsible": r.Responsible}})
	})
	if err != nil {
		return Reservation{}, err
	}
	return s.GetReservation(ctx, r.ID)
}

// RescheduleReservation changes a reservation's blocks and recurrence (and its descriptive
// fields) in one transaction: its occurrences from today on are replaced by the new
// (dates, blocks) — earlier ones are kept as history — and every new occurrence is checked
// against allocations, holds and other reservations (the exclusion constraint settles
// races). A conflict refuses the change with a *ConflictError naming each conflicting
// occurrence; nothing changes. Cancelled occurrences stay cancelled where the new series
// still has them.
func (s *Store) RescheduleReservation(ctx context.Context, actor string, r Reservation, today string, dates []string, blocks []int16) (Reservation, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var room int64
		if err := tx.QueryRow(ctx, `SELECT room_id FROM allocation.reservations WHERE id = $1 FOR UPDATE`, r.ID).Scan(&room); err != nil {
			return mapErr(err)
		}
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM allocation.rooms WHERE id = $1`, room).Scan(&active); err != nil {
			return err
		}
		if !active {
			return &ConflictError{Slug: "inactive-room", Detail: "the room is inactive and cannot be reserved"}
		}
		rows, err := tx.Query(ctx, `SELECT to_char(date, 'YYYY-MM-DD'), block FROM allocation.reservation_occurrences
			WHERE reservation_id = $1 AND cancelled AND date >= $2::date`, r.ID, today)
		if err != nil {
			return err
		}
		var cd []string
		var cb []int16
		for rows.Next() {
			var d string
			var b int16
			if err := rows.Scan(&d, &b); err != nil {
				return err
			}
			cd, cb = append(cd, d), append(cb, b)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// Free the reservation's own future cells first, so the check sees only others.
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.reservation_occurrences WHERE reservation_id = $1 AND date >= $2::date`, r.ID, today); err != nil {
			return err
		}
		cs, err := datedConflicts(ctx, tx, room, dates, blocks)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			return doubleBooking(cs)
		}
		tag, err := tx.Exec(ctx, `UPDATE allocation.reservations SET title=$2, requester=$3, responsible=$4, blocks=$5, recurrence=$6 WHERE id=$1`,
			r.ID, r.Title, r.Requester, r.Responsible, r.Blocks, r.Recurrence)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.reservation_occurrences (reservation_id, date, block, cancelled)
			SELECT $1, c.d, c.b, EXISTS (SELECT 1 FROM unnest($4::date[], $5::smallint[]) AS x(d, b) WHERE x.d = c.d AND x.b = c.b)
			FROM unnest($2::date[], $3::smallint[]) AS c(d, b)`, r.ID, dates, blocks, cd, cb); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.occupancies (room_id, day, block, during, occurrence_id)
			SELECT $2, extract(dow FROM o.date) + 1, o.block, daterange(o.date, o.date, '[]'), o.id FROM allocation.reservation_occurrences o
			WHERE o.reservation_id = $1 AND o.date >= $3::date AND NOT o.cancelled`, r.ID, room, today); err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "reschedule", Entity: "reservation", EntityID: r.ID,
			Detail: map[string]any{"blocks": r.Blocks, "recurrence": r.Recurrence, "occurrences": len(dates)}})
	})
	if err != nil {
		return Reservation{}, err
	}
	return s.GetReservation(ctx, r.ID)
}

// CancelOccurrence cancels one occurrence and frees its slot.
func (s *Store) CancelOccurrence(ctx context.Context, actor string, reservationID, occurrenceID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE allocation.reservation_occurrences SET cancelled = true WHERE id = $1 AND reservation_id = $2`, occurrenceID, reservationID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.occupancies WHERE occurrence_id = $1`, occurrenceID); err != nil {
			return err
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "cancel_occurrence", Entity: "reservation", EntityID: reservationID, Detail: map[string]int64{"occurrence_id": occurrenceID}})
	})
}

// DeleteReservation deletes a reservation and frees all its slots.
func (s *Store) DeleteReservation(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "reservations", "reservation", id)
}
