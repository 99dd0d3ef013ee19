package pages

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/allocation"
)

// publicHomeData lists buildings and rooms.
type publicHomeData struct {
	Buildings []allocation.Building
	Rooms     []allocation.Room
}

func (s *Site) publicHome(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	ctx := ctxFor(r)
	b, err := s.api.Allocation.PublicBuildings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rooms, err := s.api.Allocation.PublicRooms(ctx, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = publicHomeData{Buildings: b, Rooms: rooms}
	s.render(w, r, http.StatusOK, "public", v)
}

func (s *Site) publicRoom(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	id, _ := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	week, err := s.api.Allocation.RoomWeek(ctxFor(r), id, pick(r.URL.Query(), "date"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = weekData{Week: week, Grids: grids(week), Filter: r.URL.Query(),
		ICS: allocation.PublicBase + "/rooms/" + strconv.FormatInt(id, 10) + "/calendar.ics"}
	s.render(w, r, http.StatusOK, "public_week", v)
}

func (s *Site) publicBuilding(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	id, _ := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	week, err := s.api.Allocation.BuildingWeek(ctxFor(r), id, pick(r.URL.Query(), "date"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = weekData{Week: week, Grids: grids(week), Filter: r.URL.Query()}
	s.render(w, r, http.StatusOK, "public_week", v)
}

// searchData is the free-room search.
type searchData struct {
	Filter    url.Values
	Searched  bool
	Results   []allocation.Room
	Buildings []allocation.Building
	Blocks    []string
}

var gridBlocks = []string{"M1", "M2", "M3", "M4", "M5", "T1", "T2", "T3", "T4", "T5", "T6", "N1", "N2", "N3", "N4"}

func (s *Site) publicSearch(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	ctx := ctxFor(r)
	q := r.URL.Query()
	d := searchData{Filter: q, Blocks: gridBlocks}
	var err error
	if d.Buildings, err = s.api.Allocation.PublicBuildings(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Get("day") != "" || q.Get("date") != "" {
		sq := pick(q, "day", "date", "capacity", "building_id")
		if bl := q["blocks"]; len(bl) > 0 {
			sq.Set("blocks", joinComma(bl))
		}
		if ch := q.Get("characteristic"); ch != "" {
			sq.Set("characteristic", ch)
		}
		d.Searched = true
		if d.Results, err = s.api.Allocation.Search(ctx, sq); err != nil {
			if !s.formErrors(v, err) {
				s.fail(w, r, err)
				return
			}
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "public_search", v)
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
