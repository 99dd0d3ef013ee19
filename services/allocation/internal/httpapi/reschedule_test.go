package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/httpapi"
)

func occDates(t *testing.T, r map[string]any) string {
	t.Helper()
	var out []string
	for _, o := range r["occurrences"].([]any) {
		m := o.(map[string]any)
		s := m["date"].(string)
		if m["cancelled"] == true {
			s += "(x)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestRescheduleReservationRechecksEveryOccurrence(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	d := e.demand("FUP0400", "T1", "3T2", 20) // Tuesdays T2
	e.must(201, e.admin("POST", base+"/allocations", map[string]any{"semester_id": e.sem, "demand_id": d, "day": 3, "room_id": e.ground}))
	a := e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Seminário", "requester": "Ana Lima", "blocks": []string{"T2"},
		"recurrence": map[string]any{"kind": "weekly", "start": "2025-09-01", "weekdays": []int{4}, "count": 4}})).json(t)
	aid := int64(a["id"].(float64))
	occ := int64(a["occurrences"].([]any)[1].(map[string]any)["id"].(float64)) // 2025-09-10
	e.must(200, e.admin("POST", fmt.Sprintf("%s/reservations/%d/occurrences/%d/cancel", base, aid, occ), nil))
	e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Banca B", "requester": "Ana Lima", "blocks": []string{"T2"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-09-25"}}))
	path := fmt.Sprintf("%s/reservations/%d", base, aid)
	before := occDates(t, e.must(200, e.admin("GET", path, nil)).json(t))
	if before != "2025-09-03 2025-09-10(x) 2025-09-17 2025-09-24" {
		t.Fatalf("before: %s", before)
	}
	put := func(weekdays []int) resp {
		return e.admin("PUT", path, map[string]any{"title": "Seminário", "requester": "Ana Lima",
			"recurrence": map[string]any{"kind": "weekly", "start": "2025-09-01", "weekdays": weekdays, "count": 4}})
	}
	// Onto the weekly class: refused, naming the first conflicting occurrence.
	res := e.must(409, put([]int{3}))
	if b := string(res.body); !strings.Contains(b, "occurrence 2025-09-02 T2") || !strings.Contains(b, "allocation FUP0400") {
		t.Errorf("conflict with the allocation: %s", b)
	}
	// Onto another reservation: refused, naming the occurrence.
	res = e.must(409, put([]int{5}))
	if b := string(res.body); !strings.Contains(b, "occurrence 2025-09-25 T2") || !strings.Contains(b, "Banca B") {
		t.Errorf("conflict with the reservation: %s", b)
	}
	if after := occDates(t, e.must(200, e.admin("GET", path, nil)).json(t)); after != before {
		t.Fatalf("a refused change altered the occurrences: %s", after)
	}
	// Bad rule names the field.
	bad := e.admin("PUT", path, map[string]any{"title": "Seminário", "requester": "Ana Lima",
		"recurrence": map[string]any{"kind": "weekly", "start": "2025-09-01", "weekdays": []int{9}, "count": 4}})
	if bad.status != 422 || !strings.Contains(string(bad.body), "recurrence.weekdays") {
		t.Errorf("bad weekdays: %d %s", bad.status, bad.body)
	}
	// Wednesdays and Fridays: accepted; the cancelled 10 Sep stays cancelled.
	ok := e.must(200, put([]int{4, 6})).json(t)
	if got := occDates(t, ok); got != "2025-09-03 2025-09-05 2025-09-10(x) 2025-09-12" {
		t.Errorf("rescheduled: %s", got)
	}
	if ok["recurrence"].(map[string]any)["weekdays"] == nil {
		t.Errorf("recurrence not stored: %v", ok["recurrence"])
	}
	// The old 17 Sep slot is free again; the new Friday slot is taken both ways.
	e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Livre", "requester": "Ana Lima", "blocks": []string{"T2"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-09-17"}}))
	e.must(409, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Ocupado", "requester": "Ana Lima", "blocks": []string{"T2"},
		"recurrence": map[string]any{"kind": "single", "start": "2025-09-12"}}))
	f := e.demand("FUP0500", "T1", "6T2", 20)
	e.must(409, e.admin("POST", base+"/allocations", map[string]any{"semester_id": e.sem, "demand_id": f, "day": 6, "room_id": e.ground}))
	// Blocks alone can change too (the stored recurrence is kept).
	blk := e.must(200, e.admin("PUT", path, map[string]any{"title": "Seminário", "requester": "Ana Lima", "blocks": []string{"N1", "N2"}})).json(t)
	if n := len(blk["occurrences"].([]any)); n != 8 {
		t.Errorf("blocks change: %d occurrences", n)
	}
	log := string(e.must(200, e.admin("GET", base+"/change-log?entity=reservation", nil)).body)
	if !strings.Contains(log, `"action":"reschedule"`) {
		t.Errorf("no reschedule in change log")
	}
}

func TestICalReservationSeriesIsOneRRule(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	// 2nd Tuesday × 4 at T2–T3; the October one cancelled only at T3 (partial), the
	// November one at both blocks.
	r := e.must(201, e.admin("POST", base+"/reservations", map[string]any{"room_id": e.ground, "title": "Colegiado", "requester": "Secretaria", "blocks": []string{"T3", "T2"},
		"recurrence": map[string]any{"kind": "monthly_by_weekday", "start": "2025-09-01", "position": 2, "weekday": 3, "count": 4}})).json(t)
	rid := int64(r["id"].(float64))
	for _, o := range r["occurrences"].([]any) {
		m := o.(map[string]any)
		if (m["date"] == "2025-10-14" && m["block"] == "T3") || m["date"] == "2025-11-11" {
			e.must(200, e.admin("POST", fmt.Sprintf("%s/reservations/%d/occurrences/%d/cancel", base, rid, int64(m["id"].(float64))), nil))
		}
	}
	body := string(e.must(200, e.do("", "GET", fmt.Sprintf("%s/rooms/%d/calendar.ics", httpapi.PublicBase, e.ground), nil)).body)
	for _, want := range []string{
		"DTSTART;TZID=America/Sao_Paulo:20250909T140000\r\nDTEND;TZID=America/Sao_Paulo:20250909T155000\r\nRRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=4\r\nEXDATE;TZID=America/Sao_Paulo:20251014T140000,20251111T140000\r\n",
		// The part of 14 Oct that still takes place.
		"UID:reservation-" + fmt.Sprint(rid) + "-2025-10-14-T2@allocation.planta.dev\r\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("ics lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("%d events:\n%s", n, body)
	}
	for _, l := range strings.Split(body, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line over 75 octets: %q", l)
		}
	}
}
