package allocation

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// DemandInput is the body of POST/PUT /demands: one section of a semester entered by hand.
type DemandInput struct {
	SemesterID     int64    `json:"semester_id"`
	ExternalID     string   `json:"external_id"`
	ProgramCode    string   `json:"program_code"`
	DisciplineCode string   `json:"discipline_code"`
	DisciplineName string   `json:"discipline_name"`
	Section        string   `json:"section"`
	Seats          *int     `json:"seats"`
	Schedule       string   `json:"schedule"`
	Professors     []string `json:"professors"`
}

// Demand returns one demand.
func (c *Client) Demand(ctx context.Context, id int64) (Demand, error) {
	return get[Demand](ctx, c.c, AdminBase+"/demands/"+itoa(id), nil)
}

// SaveDemand creates (id 0) or updates a demand.
func (c *Client) SaveDemand(ctx context.Context, id int64, in DemandInput) (Demand, error) {
	var d Demand
	method, path := http.MethodPost, AdminBase+"/demands"
	if id > 0 {
		method, path = http.MethodPut, path+"/"+itoa(id)
	}
	err := c.c.Do(ctx, method, path, nil, in, &d)
	return d, err
}

// DeleteDemand deletes a demand; the API refuses (409 in-use) one that still has
// allocations.
func (c *Client) DeleteDemand(ctx context.Context, id int64) error {
	return c.c.Do(ctx, http.MethodDelete, AdminBase+"/demands/"+itoa(id), nil, nil, nil)
}

// AssignInput is the body of POST /allocations: place one section-day in a room.
type AssignInput struct {
	SemesterID int64 `json:"semester_id"`
	DemandID   int64 `json:"demand_id"`
	Day        int   `json:"day"`
	RoomID     int64 `json:"room_id"`
	Pinned     *bool `json:"pinned,omitempty"`
}

// Assign places a section-day in a room (409 hard-constraint names every conflict).
func (c *Client) Assign(ctx context.Context, in AssignInput) (Allocation, error) {
	var a Allocation
	err := c.c.Do(ctx, http.MethodPost, AdminBase+"/allocations", nil, in, &a)
	return a, err
}

// PublishedAllocation is one section-day of a publication.
type PublishedAllocation struct {
	DemandID       int64  `json:"demand_id"`
	Day            int    `json:"day"`
	RoomID         int64  `json:"room_id"`
	DisciplineCode string `json:"discipline_code"`
	Section        string `json:"section"`
	Room           string `json:"room"`
}

// PublicationDetail is a publication with its section-days.
type PublicationDetail struct {
	Publication
	Allocations []PublishedAllocation `json:"allocations"`
}

// PublicationByID returns one publication with its section-days.
func (c *Client) PublicationByID(ctx context.Context, id int64) (PublicationDetail, error) {
	return get[PublicationDetail](ctx, c.c, AdminBase+"/publications/"+itoa(id), nil)
}

// DetailLine is one "key: value" of a change's detail.
type DetailLine struct {
	Key, Value string
}

// DetailLines summarises the change's JSON detail as key: value lines, keys sorted;
// strings as they are, other values as compact JSON. A detail that is not an object
// is one line with an empty key.
func (ch Change) DetailLines() []DetailLine {
	raw := strings.TrimSpace(string(ch.Detail))
	if raw == "" || raw == "null" || raw == "{}" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ch.Detail, &m); err != nil {
		return []DetailLine{{Value: detailValue(ch.Detail)}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]DetailLine, 0, len(keys))
	for _, k := range keys {
		out = append(out, DetailLine{Key: k, Value: detailValue(m[k])})
	}
	return out
}

func detailValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, len(list))
		for i, x := range list {
			if str, ok := x.(string); ok {
				parts[i] = str
			} else {
				b, _ := json.Marshal(x)
				parts[i] = string(b)
			}
		}
		return strings.Join(parts, ", ")
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return string(raw)
}
