package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Campus is a university campus.
type Campus struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Building belongs to a campus.
type Building struct {
	ID          int64  `json:"id"`
	CampusID    int64  `json:"campus_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// RoomType is a kind of room (classroom, chemistry lab, ...).
type RoomType struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Characteristic is a room feature (projector, air conditioning, ...).
type Characteristic struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Room is a teaching space.
type Room struct {
	ID                int64    `json:"id"`
	BuildingID        int64    `json:"building_id"`
	Building          string   `json:"building"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Floor             int      `json:"floor"`
	Capacity          int      `json:"capacity"`
	RoomTypeID        int64    `json:"room_type_id"`
	RoomType          string   `json:"room_type"`
	Active            bool     `json:"active"`
	CharacteristicIDs []int64  `json:"characteristic_ids"`
	Characteristics   []string `json:"characteristics"`
}

// --- campuses

// ListCampuses lists campuses by id.
func (s *Store) ListCampuses(ctx context.Context, p Page) ([]Campus, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, description FROM allocation.campuses WHERE id > $1 ORDER BY id LIMIT $2`, p.After, p.limit())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Campus])
}

// GetCampus returns one campus.
func (s *Store) GetCampus(ctx context.Context, id int64) (Campus, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, name, description FROM allocation.campuses WHERE id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Campus])
	return c, mapErr(err)
}

// SaveCampus creates (ID 0) or updates a campus.
func (s *Store) SaveCampus(ctx context.Context, actor string, c Campus) (Campus, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if c.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.campuses (name, description) VALUES ($1,$2) RETURNING id`, c.Name, c.Description).Scan(&c.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.campuses SET name=$2, description=$3, updated_at=now() WHERE id=$1 RETURNING id`, c.ID, c.Name, c.Description).Scan(&c.ID)
		}
		if err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "campus", EntityID: c.ID, Detail: c})
	})
	return c, err
}

// DeleteCampus deletes a campus without buildings.
func (s *Store) DeleteCampus(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "campuses", "campus", id)
}

// --- buildings

// ListBuildings lists buildings, optionally of one campus.
func (s *Store) ListBuildings(ctx context.Context, campusID int64, p Page) ([]Building, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, campus_id, name, description FROM allocation.buildings
		WHERE id > $1 AND ($3 = 0 OR campus_id = $3) ORDER BY id LIMIT $2`, p.After, p.limit(), campusID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Building])
}

// GetBuilding returns one building.
func (s *Store) GetBuilding(ctx context.Context, id int64) (Building, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, campus_id, name, description FROM allocation.buildings WHERE id = $1`, id)
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Building])
	return b, mapErr(err)
}

// SaveBuilding creates (ID 0) or updates a building.
func (s *Store) SaveBuilding(ctx context.Context, actor string, b Building) (Building, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if b.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.buildings (campus_id, name, description) VALUES ($1,$2,$3) RETURNING id`, b.CampusID, b.Name, b.Description).Scan(&b.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.buildings SET campus_id=$2, name=$3, description=$4, updated_at=now() WHERE id=$1 RETURNING id`, b.ID, b.CampusID, b.Name, b.Description).Scan(&b.ID)
		}
		if err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "building", EntityID: b.ID, Detail: b})
	})
	return b, err
}

// DeleteBuilding deletes a building without rooms.
func (s *Store) DeleteBuilding(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "buildings", "building", id)
}

// --- room types and characteristics (name-only catalogs)

func (s *Store) listNamed(ctx context.Context, table string, p Page) ([]RoomType, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM allocation.`+table+` WHERE id > $1 ORDER BY id LIMIT $2`, p.After, p.limit())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[RoomType])
}

func (s *Store) getNamed(ctx context.Context, table string, id int64) (RoomType, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, name FROM allocation.`+table+` WHERE id = $1`, id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[RoomType])
	return t, mapErr(err)
}

func (s *Store) saveNamed(ctx context.Context, actor, table, entity string, t RoomType) (RoomType, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if t.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.`+table+` (name) VALUES ($1) RETURNING id`, t.Name).Scan(&t.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.`+table+` SET name=$2 WHERE id=$1 RETURNING id`, t.ID, t.Name).Scan(&t.ID)
		}
		if err != nil {
			return mapErr(err)
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: entity, EntityID: t.ID, Detail: t})
	})
	return t, err
}

// ListRoomTypes lists room types.
func (s *Store) ListRoomTypes(ctx context.Context, p Page) ([]RoomType, error) {
	return s.listNamed(ctx, "room_types", p)
}

// GetRoomType returns one room type.
func (s *Store) GetRoomType(ctx context.Context, id int64) (RoomType, error) {
	return s.getNamed(ctx, "room_types", id)
}

// SaveRoomType creates or updates a room type.
func (s *Store) SaveRoomType(ctx context.Context, actor string, t RoomType) (RoomType, error) {
	return s.saveNamed(ctx, actor, "room_types", "room_type", t)
}

// DeleteRoomType deletes an unused room type.
func (s *Store) DeleteRoomType(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "room_types", "room_type", id)
}

// ListCharacteristics lists characteristics.
func (s *Store) ListCharacteristics(ctx context.Context, p Page) ([]Characteristic, error) {
	ts, err := s.listNamed(ctx, "characteristics", p)
	out := make([]Characteristic, len(ts))
	for i, t := range ts {
		out[i] = Characteristic(t)
	}
	return out, err
}

// GetCharacteristic returns one characteristic.
func (s *Store) GetCharacteristic(ctx context.Context, id int64) (Characteristic, error) {
	t, err := s.getNamed(ctx, "characteristics", id)
	return Characteristic(t), err
}

// SaveCharacteristic creates or updates a characteristic.
func (s *Store) SaveCharacteristic(ctx context.Context, actor string, c Characteristic) (Characteristic, error) {
	t, err := s.saveNamed(ctx, actor, "characteristics", "characteristic", RoomType(c))
	return Characteristic(t), err
}

// DeleteCharacteristic deletes an unused characteristic.
func (s *Store) DeleteCharacteristic(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "characteristics", "characteristic", id)
}

// --- rooms

const roomSelect = `SELECT r.id, r.building_id, b.name, r.name, r.description, r.floor, r.capacity, r.room_type_id, t.name, r.active,
	coalesce((SELECT array_agg(c.id ORDER BY c.id) FROM allocation.room_characteristics rc JOIN allocation.characteristics c ON c.id = rc.characteristic_id WHERE rc.room_id = r.id), '{}'),
	coalesce((SELECT array_agg(c.name ORDER BY c.id) FROM allocation.room_characteristics rc JOIN allocation.characteristics c ON c.id = rc.characteristic_id WHERE rc.room_id = r.id), '{}')
	FROM allocation.rooms r JOIN allocation.buildings b ON b.id = r.building_id JOIN allocation.room_types t ON t.id = r.room_type_id `

func scanRoom(r pgx.CollectableRow) (Room, error) {
	var x Room
	err := r.Scan(&x.ID, &x.BuildingID, &x.Building, &x.Name, &x.Description, &x.Floor, &x.Capacity, &x.RoomTypeID, &x.RoomType, &x.Active, &x.CharacteristicIDs, &x.Characteristics)
	return x, err
}

// RoomFilter narrows a room list.
type RoomFilter struct {
	BuildingID int64
	ActiveOnly bool
}

// ListRooms lists rooms.
func (s *Store) ListRooms(ctx context.Context, f RoomFilter, p Page) ([]Room, error) {
	rows, err := s.pool.Query(ctx, roomSelect+`WHERE r.id > $1 AND ($3 = 0 OR r.building_id = $3) AND (NOT $4 OR r.active) ORDER BY r.id LIMIT $2`,
		p.After, p.limit(), f.BuildingID, f.ActiveOnly)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRoom)
}

// GetRoom returns one room.
func (s *Store) GetRoom(ctx context.Context, id int64) (Room, error) {
	rows, _ := s.pool.Query(ctx, roomSelect+`WHERE r.id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, scanRoom)
	return r, mapErr(err)
}

// SaveRoom creates (ID 0) or updates a room, replacing its characteristics.
func (s *Store) SaveRoom(ctx context.Context, actor string, r Room) (Room, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		action := "create"
		var err error
		if r.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO allocation.rooms (building_id, name, description, floor, capacity, room_type_id, active)
				VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, r.BuildingID, r.Name, r.Description, r.Floor, r.Capacity, r.RoomTypeID, r.Active).Scan(&r.ID)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE allocation.rooms SET building_id=$2, name=$3, description=$4, floor=$5, capacity=$6, room_type_id=$7, active=$8, updated_at=now()
				WHERE id=$1 RETURNING id`, r.ID, r.BuildingID, r.Name, r.Description, r.Floor, r.Capacity, r.RoomTypeID, r.Active).Scan(&r.ID)
		}
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM allocation.room_characteristics WHERE room_id = $1`, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO allocation.room_characteristics (room_id, characteristic_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, r.ID, r.CharacteristicIDs); err != nil {
			if e := mapErr(err); e != nil {
				if ref, ok := e.(*InvalidRefError); ok {
					ref.Field = "characteristic_ids"
				}
				return e
			}
		}
		return logChange(ctx, tx, Change{Actor: actor, Action: action, Entity: "room", EntityID: r.ID, Detail: r})
	})
	if err != nil {
		return Room{}, err
	}
	return s.GetRoom(ctx, r.ID)
}

// DeleteRoom deletes a room that nothing refers to (deactivate it otherwise: history stays).
func (s *Store) DeleteRoom(ctx context.Context, actor string, id int64) error {
	return s.deleteRow(ctx, actor, "rooms", "room", id)
}
