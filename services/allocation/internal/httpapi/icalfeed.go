package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/ical"
	"github.com/planta-dev/planta/services/allocation/internal/recurrence"
	"github.com/planta-dev/planta/services/allocation/internal/reservation"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// pubICal is a room's iCalendar feed (times in America/Sao_Paulo with a VTIMEZONE): each
// weekly class and hold of the semesters overlapping [30 days ago, a year ahead] is one
// VEVENT with a weekly RRULE until the semester's end; each reservation with an
// occurrence in that window is one VEVENT per run of consecutive blocks with the RRULE
// of its recurrence and EXDATEs for cancelled occurrences (occurrences the rule no longer
// describes — kept from before a reschedule, or a run only partly cancelled — are
// single VEVENTs).
func (a *API) pubICal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	room, err := a.st.GetRoom(r.Context(), id)
	if err != nil || !room.Active {
		return problem.NotFound("room")
	}
	today := a.today(r)
	from, to := today.AddDate(0, 0, -30).Format("2006-01-02"), today.AddDate(1, 0, 0).Format("2006-01-02")
	where := room.Building + " " + room.Name
	cal := ical.Calendar{Name: where, Zone: a.loc, Stamp: time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, a.loc)}

	sems, err := a.allSemesters(r)
	if err != nil {
		return err
	}
	for _, sem := range sems {
		if sem.EndDate < from || sem.StartDate > to {
			continue
		}
		slots, err := a.st.Slots(r.Context(), store.SlotFilter{SemesterID: sem.ID, RoomIDs: []int64{id}})
		if err != nil {
			return err
		}
		start, _ := timeParseDate(sem.StartDate)
		end, _ := timeParseDate(sem.EndDate)
		for _, e := range merge(a.grid, slots) {
			first := start
			for first.Weekday() != timegrid.Day(e.Day).Weekday() {
				first = first.AddDate(0, 0, 1)
			}
			if first.After(end) {
				continue
			}
			s, _, err1 := a.grid.Interval(first, timegrid.Block(e.first))
			_, f, err2 := a.grid.Interval(first, timegrid.Block(e.last))
			if err1 != nil || err2 != nil {
				continue
			}
			summary, desc := e.Title, ""
			if e.Kind == "class" {
				summary = e.DisciplineCode + " " + e.Section + " – " + e.Title
				desc = strings.Join(e.Professors, ", ")
			}
			cal.Events = append(cal.Events, ical.Event{
				UID:   fmt.Sprintf("%s-%d-%s-%d-%s@allocation.planta.dev", e.Kind, e.ref, sem.Name, e.Day, a.grid.BlockCode(timegrid.Block(e.first))),
				Start: s, End: f, Summary: summary, Description: desc, Location: where,
				RRule: "FREQ=WEEKLY;UNTIL=" + ical.EndOfDay(end.Year(), end.Month(), end.Day(), a.loc),
			})
		}
	}

	list, err := allRows(func(p store.Page) ([]store.Reservation, error) {
		return a.st.ListReservations(r.Context(), store.ReservationFilter{RoomID: id, From: from, To: to}, p)
	}, func(x store.Reservation) int64 { return x.ID })
	if err != nil {
		return err
	}
	for _, l := range list {
		res, err := a.st.GetReservation(r.Context(), l.ID)
		if err != nil {
			return err
		}
		cal.Events = append(cal.Events, a.reservationEvents(res, where)...)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="room-%d.ics"`, id))
	return ical.Write(w, cal)
}

// reservationEvents renders a reservation: per run of consecutive blocks one VEVENT with
// the recurrence's RRULE over the dates where the whole run takes place, EXDATE for the
// rule's other dates, and single VEVENTs for taking-place occurrences not so covered.
func (a *API) reservationEvents(res store.Reservation, where string) []ical.Event {
	type cell struct {
		date  string
		block int
	}
	live := map[cell]bool{} // stored, not cancelled
	for _, o := range res.Occurrences {
		b, err := a.grid.ParseBlockCode(o.Block)
		if err == nil && !o.Cancelled {
			live[cell{o.Date, int(b)}] = true
		}
	}
	covered := map[cell]bool{}
	var out []ical.Event
	var rule recurrence.Rule
	var dates []recurrence.Date
	var rec reservation.Recurrence
	if json.Unmarshal(res.Recurrence, &rec) == nil {
		if ru, err := rec.Rule(); err == nil {
			// Until or count bound the series (both enforced at write time).
			if ds, err := recurrence.Expand(ru, ru.Start, ru.Start.AddDays(3660)); err == nil {
				rule, dates = ru, ds
			}
		}
	}
	var blocks []int
	for _, c := range res.Blocks {
		if b, err := a.grid.ParseBlockCode(c); err == nil {
			blocks = append(blocks, int(b))
		}
	}
	sort.Ints(blocks)
	for i := 0; i < len(blocks) && len(dates) > 0; {
		j := i
		for j+1 < len(blocks) && blocks[j+1] == blocks[j]+1 {
			j++
		}
		run := blocks[i : j+1]
		i = j + 1
		var ex []time.Time
		var first *time.Time
		var firstEnd time.Time
		for _, d := range dates {
			day, _ := timeParseDate(d.String())
			s, _, err1 := a.grid.Interval(day, timegrid.Block(run[0]))
			_, e, err2 := a.grid.Interval(day, timegrid.Block(run[len(run)-1]))
			if err1 != nil || err2 != nil {
				continue
			}
			whole := true
			for _, b := range run {
				whole = whole && live[cell{d.String(), b}]
			}
			if first == nil {
				first, firstEnd = &s, e
			}
			if !whole {
				ex = append(ex, s)
				continue
			}
			for _, b := range run {
				covered[cell{d.String(), b}] = true
			}
		}
		if first == nil || len(ex) == len(dates) {
			continue
		}
		out = append(out, ical.Event{
			UID:   fmt.Sprintf("reservation-%d-%s@allocation.planta.dev", res.ID, a.grid.BlockCode(timegrid.Block(run[0]))),
			Start: *first, End: firstEnd, Summary: res.Title, Location: where,
			RRule: ical.RRule(rule, a.loc), ExDates: ex,
		})
	}
	// Occurrences the series does not describe: single events, consecutive blocks merged.
	var rest []store.Slot
	for c := range live {
		if !covered[c] {
			rest = append(rest, store.Slot{RoomID: res.RoomID, Date: c.date, Block: c.block, Kind: "event", RefID: res.ID, Title: res.Title})
		}
	}
	for _, e := range merge(a.grid, rest) {
		day, _ := timeParseDate(e.Date)
		s, _, err1 := a.grid.Interval(day, timegrid.Block(e.first))
		_, f, err2 := a.grid.Interval(day, timegrid.Block(e.last))
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, ical.Event{
			UID:   fmt.Sprintf("reservation-%d-%s-%s@allocation.planta.dev", res.ID, e.Date, a.grid.BlockCode(timegrid.Block(e.first))),
			Start: s, End: f, Summary: res.Title, Location: where,
		})
	}
	return out
}
