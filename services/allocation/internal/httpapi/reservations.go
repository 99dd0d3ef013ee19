package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/reservation"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

type reservationIn struct {
	RoomID      int64                  `json:"room_id"`
	Title       string                 `json:"title"`
	Requester   string                 `json:"requester"`
	Responsible string                 `json:"responsible"`
	Blocks      []string               `json:"blocks"`
	Recurrence  reservation.Recurrence `json:"recurrence"`
}

func (a *API) expandReservation(in reservationIn, full bool) (reservation.Occurrences, error) {
	var v validator
	v.check(in.RoomID > 0, "room_id", "is required")
	if full {
		v.name("title", in.Title)
		v.name("requester", in.Requester)
		v.check(len(in.Responsible) <= 200, "responsible", "at most 200 characters")
	}
	if err := v.err(); err != nil {
		return reservation.Occurrences{}, err
	}
	return reservation.Expand(a.grid, in.Blocks, in.Recurrence, a.cfg.Now().In(a.loc))
}

func (a *API) createReservation(w http.ResponseWriter, r *http.Request) error {
	var in reservationIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	occ, err := a.expandReservation(in, true)
	if err != nil {
		return err
	}
	rec, _ := json.Marshal(in.Recurrence)
	res, err := a.st.CreateReservation(r.Context(), actor(r), store.Reservation{RoomID: in.RoomID, Title: strings.TrimSpace(in.Title), Requester: strings.TrimSpace(in.Requester),
		Responsible: strings.TrimSpace(in.Responsible), Blocks: normBlocks(in.Blocks), Recurrence: rec}, occ.Dates, occ.Blocks)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusCreated, res)
	return nil
}

func normBlocks(bs []string) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = strings.TrimSpace(b)
	}
	return out
}

type previewOcc struct {
	Date      string   `json:"date"`
	Day       int      `json:"day"`
	Block     string   `json:"block"`
	Conflicts []string `json:"conflicts"`
}

func (a *API) previewReservation(w http.ResponseWriter, r *http.Request) error {
	var in reservationIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	occ, err := a.expandReservation(in, false)
	if err != nil {
		return err
	}
	if _, err := a.st.GetRoom(r.Context(), in.RoomID); err != nil {
		return problem.Field("room_id", "no such room")
	}
	cs, err := a.st.ReservationConflicts(r.Context(), in.RoomID, occ.Dates, occ.Blocks)
	if err != nil {
		return err
	}
	type key struct {
		day   int
		block int
		date  string
	}
	byCell := map[key][]string{}
	for _, c := range cs {
		k := key{c.Day, c.Block, c.Date}
		byCell[k] = append(byCell[k], c.Kind+" "+c.What)
	}
	items := make([]previewOcc, len(occ.Dates))
	conflicting := 0
	for i := range occ.Dates {
		d := dateDay(occ.Dates[i])
		p := previewOcc{Date: occ.Dates[i], Day: d, Block: a.grid.BlockCode(timegrid.Block(occ.Blocks[i])), Conflicts: []string{}}
		p.Conflicts = append(p.Conflicts, byCell[key{d, int(occ.Blocks[i]), ""}]...)
		p.Conflicts = append(p.Conflicts, byCell[key{d, int(occ.Blocks[i]), occ.Dates[i]}]...)
		if len(p.Conflicts) > 0 {
			conflicting++
		}
		items[i] = p
	}
	jsonbody.Write(w, http.StatusOK, map[string]any{"occurrences": items, "count": len(items), "conflicting": conflicting, "truncated_conflicts": len(cs) >= 50})
	return nil
}

func (a *API) listReservations(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	f := store.ReservationFilter{RoomID: q.id("room_id"), From: q.get("from"), To: q.get("to")}
	list := func(p store.Page) ([]store.Reservation, error) { return a.st.ListReservations(r.Context(), f, p) }
	id := func(x store.Reservation) int64 { return x.ID }
	if wantsCSV(r) {
		return streamCSV(a, w, r, "reservations.csv", []string{"id", "room_id", "title", "requester", "responsible", "blocks", "recurrence", "created_by"},
			list, id, func(x store.Reservation) []string {
				return []string{itoa(x.ID), itoa(x.RoomID), x.Title, x.Requester, x.Responsible, strings.Join(x.Blocks, " "), string(x.Recurrence), x.CreatedBy}
			})
	}
	p := q.page()
	items, err := list(p)
	if err != nil {
		return err
	}
	listResp(w, items, p, id)
	return nil
}

func (a *API) getReservation(w http.ResponseWriter, r *http.Request) error {
	return getJSON(func(r *http.Request, id int64) (store.Reservation, error) {
		return a.st.GetReservation(r.Context(), id)
	})(w, r)
}

// ReservationUpdateIn is the body of PUT /reservations/{id}: the descriptive fields and,
// optionally, new blocks and/or recurrence (which re-schedule the occurrences from today).
type ReservationUpdateIn struct {
	Title       string                  `json:"title"`
	Requester   string                  `json:"requester"`
	Responsible string                  `json:"responsible"`
	Blocks      []string                `json:"blocks,omitempty"`
	Recurrence  *reservation.Recurrence `json:"recurrence,omitempty"`
}

func (a *API) updateReservation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ReservationUpdateIn
	if err := jsonbody.Decode(w, r, &in); err != nil {
		return err
	}
	var v validator
	v.name("title", in.Title)
	v.name("requester", in.Requester)
	v.check(len(in.Responsible) <= 200, "responsible", "at most 200 characters")
	if err := v.err(); err != nil {
		return err
	}
	if in.Blocks != nil || in.Recurrence != nil {
		cur, err := a.st.GetReservation(r.Context(), id)
		if err != nil {
			return err
		}
		blocks, rec := in.Blocks, in.Recurrence
		if blocks == nil {
			blocks = cur.Blocks
		}
		if rec == nil {
			rec = &reservation.Recurrence{}
			if err := json.Unmarshal(cur.Recurrence, rec); err != nil {
				return err
			}
		}
		today := a.cfg.Now().In(a.loc)
		occ, err := reservation.Expand(a.grid, blocks, *rec, today)
		if err != nil {
			return err
		}
		recJSON, _ := json.Marshal(rec)
		out, err := a.st.RescheduleReservation(r.Context(), actor(r), store.Reservation{ID: id, Title: strings.TrimSpace(in.Title), Requester: strings.TrimSpace(in.Requester),
			Responsible: strings.TrimSpace(in.Responsible), Blocks: normBlocks(blocks), Recurrence: recJSON}, today.Format("2006-01-02"), occ.Dates, occ.Blocks)
		if err != nil {
			return err
		}
		jsonbody.Write(w, http.StatusOK, out)
		return nil
	}
	out, err := a.st.UpdateReservation(r.Context(), actor(r), store.Reservation{ID: id, Title: strings.TrimSpace(in.Title), Requester: strings.TrimSpace(in.Requester), Responsible: strings.TrimSpace(in.Responsible)})
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, out)
	return nil
}

func (a *API) cancelOccurrence(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	occ, err := pathID(r, "occurrence")
	if err != nil {
		return err
	}
	if err := a.st.CancelOccurrence(r.Context(), actor(r), id, occ); err != nil {
		return err
	}
	return a.getReservation(w, r)
}

// dateDay returns the academic day code of a YYYY-MM-DD date.
func dateDay(s string) int {
	t, err := timeParseDate(s)
	if err != nil {
		return 0
	}
	return int(timegrid.DayOf(t.Weekday()))
}

var _ = strconv.Itoa
