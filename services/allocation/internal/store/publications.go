package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Publication is a snapshot of a semester's allocations as announced to students and
// professors. A minimal-perturbation re-solve keeps as many of its section-days as it can.
type Publication struct {
	ID          int64                 `json:"id"`
	SemesterID  int64                 `json:"semester_id"`
	Note        string                `json:"note"`
	PublishedAt string                `json:"published_at"`
	PublishedBy string                `json:"published_by"`
	SectionDays int                   `json:"section_days"`
	Allocations []PublishedAllocation `json:"allocations,omitempty"`
}

// PublishedAllocation is one published section-day.
type PublishedAllocation struct {
	DemandID       int64  `json:"demand_id"`
	Day            int    `json:"day"`
	RoomID         int64  `json:"room_id"`
	DisciplineCode string `json:"discipline_code"`
	Section        string `json:"section"`
	RoomName       string `json:"room"`
}

const publicationSelect = `SELECT p.id, p.semester_id, p.note, to_char(p.published_at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS"Z"'), p.published_by,
	(SELECT count(*) FROM allocation.publication_allocations pa WHERE pa.publication_id = p.id)::int
	FROM allocation.publications p `

func scanPublication(r pgx.CollectableRow) (Publication, error) {
	var x Publication
	err := r.Scan(&x.ID, &x.SemesterID, &x.Note, &x.PublishedAt, &x.PublishedBy, &x.SectionDays)
	return x, err
}

// Publish snapshots the semester's current allocations, under the semester's lock.
func (s *Store) Publish(ctx context.Context, actor string, semesterID int64, note string) (Publication, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockSemester(ctx, tx, semesterID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO allocation.publications (semester_id, note, published_by) VALUES ($1,$2,$3) RETURNING id`,
			semesterID, note, actor).Scan(&id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO allocation.publication_allocations (publication_id, demand_id, day, room_id)
			SELECT $1, demand_id, day, room_id FROM allocation.allocations WHERE semester_id = $2`, id, semesterID)
		if err != nil {
			return err
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: "publish", Entity: "semester", EntityID: semesterID,
			Detail: map[string]any{"publication_id": id, "section_days": tag.RowsAffected(), "note": note}})
	})
	if err != nil {
		return Publication{}, err
	}
	return s.GetPublication(ctx, id)
}

// ListPublications lists a semester's publications, oldest first.
func (s *Store) ListPublications(ctx context.Context, semesterID int64, p Page) ([]Publication, error) {
	rows, err := s.pool.Query(ctx, publicationSelect+`WHERE p.semester_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3`, semesterID, p.After, p.limit())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanPublication)
}

// GetPublication returns a publication with its section-days.
func (s *Store) GetPublication(ctx context.Context, id int64) (Publication, error) {
	rows, _ := s.pool.Query(ctx, publicationSelect+`WHERE p.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, scanPublication)
	if err != nil {
		return x, mapErr(err)
	}
	rows, err = s.pool.Query(ctx, `SELECT pa.demand_id, pa.day, pa.room_id, d.discipline_code, d.section, r.name
		FROM allocation.publication_allocations pa JOIN allocation.demands d ON d.id = pa.demand_id JOIN allocation.rooms r ON r.id = pa.room_id
		WHERE pa.publication_id = $1 ORDER BY pa.demand_id, pa.day`, id)
	if err != nil {
		return x, err
	}
	x.Allocations, err = pgx.CollectRows(rows, pgx.RowToStructByPos[PublishedAllocation])
	if x.Allocations == nil {
		x.Allocations = []PublishedAllocation{}
	}
	return x, err
}

// LatestPublication returns the semester's most recent publication with its section-days.
func (s *Store) LatestPublication(ctx context.Context, semesterID int64) (Publication, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT id FROM allocation.publications WHERE semester_id = $1 ORDER BY id DESC LIMIT 1`, semesterID).Scan(&id); err != nil {
		return Publication{}, mapErr(err)
	}
	return s.GetPublication(ctx, id)
}
