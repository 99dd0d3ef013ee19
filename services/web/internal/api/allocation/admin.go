package allocation

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Campus groups buildings.
type Campus struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// BuildingFull is a building as the admin API answers it.
type BuildingFull struct {
	ID          int64  `json:"id"`
	CampusID    int64  `json:"campus_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Named is a room type or a characteristic.
type Named struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// RoomInput creates or updates a room.
type RoomInput struct {
	BuildingID        int64   `json:"building_id"`
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	Floor             int     `json:"floor"`
	Capacity          int     `json:"capacity"`
	RoomTypeID        int64   `json:"room_type_id"`
	Active            bool    `json:"active"`
	CharacteristicIDs []int64 `json:"characteristic_ids"`
}

// RoomFull is a room with its characteristic ids (the edit form).
type RoomFull struct {
	Room
	CharacteristicIDs []int64 `json:"characteristic_ids"`
}

// Professor is a teacher with restrictions and preferences (admin only).
type Professor struct {
	ID                         int64   `json:"id"`
	Name                       string  `json:"name"`
	LowMobility                bool    `json:"low_mobility"`
	PreferredRoomIDs           []int64 `json:"preferred_room_ids"`
	PreferredCharacteristicIDs []int64 `json:"preferred_characteristic_ids"`
}

// Rule is a discipline's allocation rule.
type Rule struct {
	ID               int64  `json:"id,omitempty"`
	Kind             string `json:"kind"`
	DisciplineCode   string `json:"discipline_code"`
	RoomTypeID       *int64 `json:"room_type_id,omitempty"`
	RoomID           *int64 `json:"room_id,omitempty"`
	CharacteristicID *int64 `json:"characteristic_id,omitempty"`
	Priority         int    `json:"priority"`
	Description      string `json:"description"`
}

// Demand is one section of a semester with its meeting cells.
type Demand struct {
	ID             int64    `json:"id"`
	SemesterID     int64    `json:"semester_id"`
	ExternalID     string   `json:"external_id"`
	ProgramCode    string   `json:"program_code"`
	DisciplineCode string   `json:"discipline_code"`
	DisciplineName string   `json:"discipline_name"`
	Section        string   `json:"section"`
	Seats          int      `json:"seats"`
	Schedule       string   `json:"schedule"`
	ProfessorNames []string `json:"professor_names"`
	Withdrawn      bool     `json:"withdrawn"`
}

// Allocation places one section-day in a room.
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
	Room           string   `json:"room"`
	Building       string   `json:"building"`
	Blocks         []string `json:"blocks"`
}

// Conflict is one reason a manual adjustment or a reservation was refused (409).
type Conflict struct {
	Kind    string `json:"kind"`
	Day     int    `json:"day"`
	Block   string `json:"block"`
	Other   string `json:"other"`
	Message string `json:"message"`
	Date    string `json:"date"`
}

// Conflicts decodes a 409 problem's conflicts (any shape: objects with a message, or strings).
func Conflicts(raw json.RawMessage) []Conflict {
	if len(raw) == 0 {
		return nil
	}
	var list []Conflict
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var texts []string
	if json.Unmarshal(raw, &texts) == nil {
		for _, t := range texts {
			list = append(list, Conflict{Message: t})
		}
	}
	return list
}

// Preview is a reservation's occurrences with their conflicts, before creating it.
type Preview struct {
	Count       int `json:"count"`
	Conflicting int `json:"conflicting"`
	Occurrences []struct {
		Date      string   `json:"date"`
		Day       int      `json:"day"`
		Block     string   `json:"block"`
		Conflicts []string `json:"conflicts"`
	} `json:"occurrences"`
}

// Heatmap is the share of rooms busy per day and block.
type Heatmap struct {
	Days    []int       `json:"days"`
	Blocks  []string    `json:"blocks"`
	Rooms   int         `json:"rooms"`
	Busy    [][]int     `json:"busy"`
	Percent [][]float64 `json:"percent"`
}

// Use is the occupancy of a room or a building.
type Use struct {
	RoomID     int64   `json:"room_id"`
	Room       string  `json:"room"`
	BuildingID int64   `json:"building_id"`
	Building   string  `json:"building"`
	Rooms      int     `json:"rooms"`
	Capacity   int     `json:"capacity"`
	Busy       int     `json:"busy_blocks"`
	Available  int     `json:"available_blocks"`
	Percent    float64 `json:"percent"`
}

// Unplaced is a section-day the solver could not place, with the reason.
type Unplaced struct {
	DemandID       int64  `json:"demand_id"`
	DisciplineCode string `json:"discipline_code"`
	Section        string `json:"section"`
	Day            int    `json:"day"`
	Code           string `json:"reason_code"`
	Message        string `json:"message"`
}

// CalendarEntry is a dated occupation of a room.
type CalendarEntry struct {
	RoomID         int64    `json:"room_id"`
	Room           string   `json:"room"`
	Building       string   `json:"building"`
	Date           string   `json:"date"`
	Day            int      `json:"day"`
	FirstBlock     string   `json:"first_block"`
	LastBlock      string   `json:"last_block"`
	Start          string   `json:"start"`
	End            string   `json:"end"`
	Kind           string   `json:"kind"`
	Title          string   `json:"title"`
	DisciplineCode string   `json:"discipline_code"`
	Section        string   `json:"section"`
	Professors     []string `json:"professors"`
}

// Calendar is a day or a week of dated entries.
type Calendar struct {
	From  string          `json:"from"`
	To    string          `json:"to"`
	Items []CalendarEntry `json:"items"`
}

// FreeNow is the rooms free at the current (or next) block.
type FreeNow struct {
	Now     string `json:"now"`
	Date    string `json:"date"`
	Day     int    `json:"day"`
	Block   *Block `json:"block"`
	Message string `json:"message"`
	Items   []Room `json:"items"`
}

// list reads every page of a paged list (apicall.All): the pages that use it show (or
// choose from) the whole list, so stopping at the first page would hide rows.
func list[T any](ctx context.Context, c *apicall.Client, path string, q url.Values) ([]T, error) {
	return apicall.All(ctx, func(ctx context.Context, q url.Values) (apicall.Page[T], error) {
		return get[apicall.Page[T]](ctx, c, path, q)
	}, q)
}

// report reads a list-shaped answer that is never paged (the reports): no page size.
func report[T any](ctx context.Context, c *apicall.Client, path string, q url.Values) ([]T, error) {
	p, err := get[apicall.Page[T]](ctx, c, path, q)
	return p.Items, err
}

// Campuses lists campuses.
func (c *Client) Campuses(ctx context.Context) ([]Campus, error) {
	return list[Campus](ctx, c.c, AdminBase+"/campuses", nil)
}

// Buildings lists buildings (admin).
func (c *Client) Buildings(ctx context.Context) ([]BuildingFull, error) {
	return list[BuildingFull](ctx, c.c, AdminBase+"/buildings", nil)
}

// RoomTypes lists room types.
func (c *Client) RoomTypes(ctx context.Context) ([]Named, error) {
	return list[Named](ctx, c.c, AdminBase+"/room-types", nil)
}

// Characteristics lists room characteristics.
func (c *Client) Characteristics(ctx context.Context) ([]Named, error) {
	return list[Named](ctx, c.c, AdminBase+"/characteristics", nil)
}

// SaveSpace creates (id 0) or updates one campus, building, room type, characteristic,
// room, professor or rule ("campuses", "buildings", ...).
func (c *Client) SaveSpace(ctx context.Context, kind string, id int64, in any) error {
	if id == 0 {
		return c.c.Do(ctx, http.MethodPost, AdminBase+"/"+kind, nil, in, nil)
	}
	return c.c.Do(ctx, http.MethodPut, AdminBase+"/"+kind+"/"+itoa(id), nil, in, nil)
}

// DeleteSpace deletes one object of kind.
func (c *Client) DeleteSpace(ctx context.Context, kind string, id int64) error {
	return c.c.Do(ctx, http.MethodDelete, AdminBase+"/"+kind+"/"+itoa(id), nil, nil, nil)
}

// Room returns a room with its characteristic ids.
func (c *Client) Room(ctx context.Context, id int64) (RoomFull, error) {
	return get[RoomFull](ctx, c.c, AdminBase+"/rooms/"+itoa(id), nil)
}

// Professors lists professors (q = name).
func (c *Client) Professors(ctx context.Context, q url.Values) ([]Professor, error) {
	return list[Professor](ctx, c.c, AdminBase+"/professors", q)
}

// Professor returns one professor.
func (c *Client) Professor(ctx context.Context, id int64) (Professor, error) {
	return get[Professor](ctx, c.c, AdminBase+"/professors/"+itoa(id), nil)
}

// Rules lists rules (discipline_code).
func (c *Client) Rules(ctx context.Context, q url.Values) ([]Rule, error) {
	return list[Rule](ctx, c.c, AdminBase+"/rules", q)
}

// Rule returns one rule.
func (c *Client) Rule(ctx context.Context, id int64) (Rule, error) {
	return get[Rule](ctx, c.c, AdminBase+"/rules/"+itoa(id), nil)
}

// Demands lists a semester's demands (semester_id, discipline_code).
func (c *Client) Demands(ctx context.Context, q url.Values) ([]Demand, error) {
	return list[Demand](ctx, c.c, AdminBase+"/demands", q)
}

// Allocations lists allocations (semester_id, room_id, demand_id, building_id).
func (c *Client) Allocations(ctx context.Context, q url.Values) ([]Allocation, error) {
	return list[Allocation](ctx, c.c, AdminBase+"/allocations", q)
}

// Allocation returns one allocation.
func (c *Client) Allocation(ctx context.Context, id int64) (Allocation, error) {
	return get[Allocation](ctx, c.c, AdminBase+"/allocations/"+itoa(id), nil)
}

// Move moves an allocation to another room (409 hard-constraint names the conflicts); the
// moved placement is a new allocation, returned.
func (c *Client) Move(ctx context.Context, id, roomID int64) (Allocation, error) {
	var a Allocation
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/allocations/"+itoa(id)+"/move", nil, map[string]int64{"room_id": roomID}, &a)
	return a, err
}

// Swap exchanges the rooms of two allocations.
func (c *Client) Swap(ctx context.Context, a, b int64) error {
	return c.c.Do(ctx, http.MethodPost, AdminBase+"/allocations/swap", nil, map[string][]int64{"allocation_ids": {a, b}}, nil)
}

// Pin pins or unpins an allocation.
func (c *Client) Pin(ctx context.Context, id int64, pinned bool) error {
	return c.c.Do(ctx, http.MethodPost, AdminBase+"/allocations/"+itoa(id)+"/pin", nil, map[string]bool{"pinned": pinned}, nil)
}

// Unassign removes an allocation.
func (c *Client) Unassign(ctx context.Context, id int64) error {
	return c.c.Do(ctx, http.MethodDelete, AdminBase+"/allocations/"+itoa(id), nil, nil, nil)
}

// PreviewReservation expands a reservation and checks every occurrence; it writes nothing.
func (c *Client) PreviewReservation(ctx context.Context, in map[string]any) (Preview, error) {
	var p Preview
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/reservations/preview", nil, in, &p)
	return p, err
}

// Heatmap is the semester's occupancy per day and block.
func (c *Client) Heatmap(ctx context.Context, semesterID int64) (Heatmap, error) {
	return get[Heatmap](ctx, c.c, AdminBase+"/semesters/"+itoa(semesterID)+"/reports/heatmap", nil)
}

// BuildingsReport is the occupancy per building.
func (c *Client) BuildingsReport(ctx context.Context, semesterID int64) ([]Use, error) {
	return report[Use](ctx, c.c, AdminBase+"/semesters/"+itoa(semesterID)+"/reports/buildings", nil)
}

// UnderUsed lists rooms below threshold percent.
func (c *Client) UnderUsed(ctx context.Context, semesterID int64, threshold string) ([]Use, error) {
	q := url.Values{}
	if threshold != "" {
		q.Set("threshold", threshold)
	}
	return report[Use](ctx, c.c, AdminBase+"/semesters/"+itoa(semesterID)+"/reports/under-used", q)
}

// Unallocated lists the section-days without a room, with reasons.
func (c *Client) Unallocated(ctx context.Context, semesterID int64) ([]Unplaced, error) {
	return report[Unplaced](ctx, c.c, AdminBase+"/semesters/"+itoa(semesterID)+"/reports/unallocated", nil)
}

// Calendar lists dated entries of a day or week (date, view, room_id, building_id).
func (c *Client) Calendar(ctx context.Context, q url.Values) (Calendar, error) {
	return public[Calendar](ctx, c, PublicBase+"/calendar", q)
}

// FreeRooms lists the rooms free at the current (or next) block.
func (c *Client) FreeRooms(ctx context.Context) (FreeNow, error) {
	return public[FreeNow](ctx, c, PublicBase+"/free-rooms", nil)
}
