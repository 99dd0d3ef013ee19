package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// --- rate limit: an in-process token bucket per client IP

type bucket struct {
	tokens float64
	last   time.Time
}

type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or returns the seconds to wait.
func (l *limiter) allow(key string) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 10000 { // forget idle clients
		for k, b := range l.buckets {
			if now.Sub(b.last) > time.Minute {
				delete(l.buckets, k)
			}
		}
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false, int(math.Ceil((1 - b.tokens) / l.rate))
	}
	b.tokens--
	return true, 0
}

// bufferWriter captures a response to compute its ETag.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

type ctxNow struct{}

// publicMiddleware rate-limits per client IP and makes successful answers cacheable with
// a strong ETag (If-None-Match answers 304). Answers are served from the in-process
// cache (publiccache.go) when enabled; dep names the part of the clock the view reads.
func (a *API) publicMiddleware(dep clockDep, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := a.limiter.allow(a.cfg.ClientIPs.Of(r)); !ok {
			p := problem.New(http.StatusTooManyRequests, "rate-limited", "too many requests; slow down")
			p.RetryAfter = wait
			problem.Write(w, r, p)
			return
		}
		// One reading of the clock per request, shared by the cache key and the view.
		now := a.cfg.Now().In(a.loc)
		r = r.WithContext(context.WithValue(r.Context(), ctxNow{}, now))
		if !a.cache.enabled() {
			a.servePublic(w, r, next, "")
			return
		}
		ver, err := a.cache.version(r.Context())
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		key := publicKey(r, dep, now, ver)
		ans, f := a.cache.get(key)
		switch {
		case ans != nil: // hit
			writeAnswer(w, r, ans)
		case f == nil: // miss: this request computes the answer for everyone
			a.servePublic(w, r, next, key)
		default: // another request is computing it
			select {
			case <-f.done:
				if f.ans != nil {
					writeAnswer(w, r, f.ans)
				} else {
					a.servePublic(w, r, next, "")
				}
			case <-r.Context().Done():
				a.writeErr(w, r, r.Context().Err())
			}
		}
	})
}

// publicKey identifies an answer: method, path, sorted query, clock part and version.
func publicKey(r *http.Request, dep clockDep, now time.Time, ver int64) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.URL.Path)
	b.WriteByte('?')
	b.WriteString(canonicalQuery(r))
	b.WriteString(" @")
	switch dep {
	case clockDay:
		b.WriteString(now.Format("2006-01-02"))
	case clockSecond:
		b.WriteString(now.Format(time.RFC3339))
	}
	b.WriteString(" v")
	b.WriteString(strconv.FormatInt(ver, 10))
	return b.String()
}

// servePublic runs the view and answers; with a key, it stores a 200 answer in the cache
// (and always ends the key's flight).
func (a *API) servePublic(w http.ResponseWriter, r *http.Request, next http.Handler, key string) {
	var ans *cachedAnswer
	if key != "" {
		defer func() { a.cache.finish(key, ans) }()
	}
	bw := &bufferWriter{header: http.Header{}}
	next.ServeHTTP(bw, r)
	if bw.status == 0 {
		bw.status = http.StatusOK
	}
	if bw.status != http.StatusOK {
		for k, v := range bw.header {
			w.Header()[k] = v
		}
		w.WriteHeader(bw.status)
		_, _ = w.Write(bw.buf.Bytes())
		return
	}
	sum := sha256.Sum256(bw.buf.Bytes())
	ans = &cachedAnswer{header: bw.header, body: bw.buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, key: key}
	writeAnswer(w, r, ans)
}

// writeAnswer sends a 200 answer, or 304 when If-None-Match names its ETag.
func writeAnswer(w http.ResponseWriter, r *http.Request, ans *cachedAnswer) {
	h := w.Header()
	for k, v := range ans.header {
		h[k] = v
	}
	h.Set("ETag", ans.etag)
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("Vary", "Accept")
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(t); t == ans.etag || t == "*" || strings.TrimPrefix(t, "W/") == ans.etag {
				h.Del("Content-Length")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(ans.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ans.body)
}

// --- public views (no admin data: no professor restrictions, holds' notes or change log)

type pubRoom struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	BuildingID      int64    `json:"building_id"`
	Building        string   `json:"building"`
	Floor           int      `json:"floor"`
	Capacity        int      `json:"capacity"`
	RoomTypeID      int64    `json:"room_type_id"`
	RoomType        string   `json:"room_type"`
	Characteristics []string `json:"characteristics"`
}

func toPub(r store.Room) pubRoom {
	return pubRoom{ID: r.ID, Name: r.Name, Description: r.Description, BuildingID: r.BuildingID, Building: r.Building, Floor: r.Floor, Capacity: r.Capacity,
		RoomTypeID: r.RoomTypeID, RoomType: r.RoomType, Characteristics: r.Characteristics}
}

// Entry is a run of consecutive blocks of one class, hold or event in one room and day.
type Entry struct {
	RoomID         int64    `json:"room_id"`
	Day            int      `json:"day"`
	Date           string   `json:"date,omitempty"`
	FirstBlock     string   `json:"first_block"`
	LastBlock      string   `json:"last_block"`
	Start          string   `json:"start"`
	End            string   `json:"end"`
	Kind           string   `json:"kind"`
	Title          string   `json:"title"`
	DisciplineCode string   `json:"discipline_code,omitempty"`
	Section        string   `json:"section,omitempty"`
	Professors     []string `json:"professors,omitempty"`
	first, last    int
	ref            int64
}

// merge joins consecutive blocks of the same item (room, day, date, kind, ref).
func merge(g *timegrid.Grid, slots []store.Slot) []Entry {
	sort.SliceStable(slots, func(i, j int) bool {
		a, b := slots[i], slots[j]
		if a.RoomID != b.RoomID {
			return a.RoomID < b.RoomID
		}
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return a.Block < b.Block
	})
	var out []Entry
	for _, s := range slots {
		if n := len(out); n > 0 {
			e := &out[n-1]
			if e.RoomID == s.RoomID && e.Day == s.Day && e.Date == s.Date && e.Kind == s.Kind && e.ref == s.RefID && e.last+1 == s.Block {
				e.last = s.Block
				continue
			}
		}
		out = append(out, Entry{RoomID: s.RoomID, Day: s.Day, Date: s.Date, Kind: s.Kind, Title: s.Title, DisciplineCode: s.DisciplineCode,
			Section: s.Section, Professors: s.Professors, first: s.Block, last: s.Block, ref: s.RefID})
	}
	for i := range out {
		e := &out[i]
		a, _ := g.BlockTimes(timegrid.Block(e.first))
		z, _ := g.BlockTimes(timegrid.Block(e.last))
		e.FirstBlock, e.LastBlock = g.BlockCode(timegrid.Block(e.first)), g.BlockCode(timegrid.Block(e.last))
		e.Start, e.End = a.Start.String(), z.End.String()
	}
	if out == nil {
		out = []Entry{}
	}
	return out
}

type blockInfo struct {
	Code  string `json:"code"`
	Start string `json:"start"`
	End   string `json:"end"`
}

func (a *API) blocks() []blockInfo {
	out := make([]blockInfo, a.grid.NumBlocks())
	for i := range out {
		d, _ := a.grid.BlockTimes(timegrid.Block(i))
		out[i] = blockInfo{a.grid.BlockCode(timegrid.Block(i)), d.Start.String(), d.End.String()}
	}
	return out
}

// today is the request's clock reading (taken once by publicMiddleware), else now.
func (a *API) today(r *http.Request) time.Time {
	if t, ok := r.Context().Value(ctxNow{}).(time.Time); ok {
		return t
	}
	return a.cfg.Now().In(a.loc)
}

func timeParseDate(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }

// publicSemester picks ?semester_id, else the semester containing date, else the active one.
func (a *API) publicSemester(r *http.Request, date string) (store.Semester, error) {
	if id := params(r).id("semester_id"); id != 0 {
		return a.st.GetSemester(r.Context(), id)
	}
	if date != "" {
		if s, err := a.st.SemesterOn(r.Context(), date); err == nil {
			return s, nil
		}
	}
	s, err := a.st.ActiveSemester(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		return s, problem.NotFound("active semester")
	}
	return s, err
}

func (a *API) pubSemesters(w http.ResponseWriter, r *http.Request) error {
	items, err := a.allSemesters(r)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[store.Semester]{Items: nonNil(items)})
	return nil
}

func (a *API) pubBuildings(w http.ResponseWriter, r *http.Request) error {
	items, err := allRows(func(p store.Page) ([]store.Building, error) { return a.st.ListBuildings(r.Context(), 0, p) },
		func(x store.Building) int64 { return x.ID })
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[store.Building]{Items: nonNil(items)})
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *API) activeRooms(r *http.Request, buildingID int64) ([]store.Room, error) {
	return a.allRooms(r, store.RoomFilter{BuildingID: buildingID, ActiveOnly: true})
}

func (a *API) pubRooms(w http.ResponseWriter, r *http.Request) error {
	rooms, err := a.activeRooms(r, params(r).id("building_id"))
	if err != nil {
		return err
	}
	out := make([]pubRoom, len(rooms))
	for i, x := range rooms {
		out[i] = toPub(x)
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[pubRoom]{Items: out})
	return nil
}

// weekRange returns Monday..Sunday of the week containing ?date (YYYY-MM-DD), or "" when absent.
func weekRange(r *http.Request) (from, to string) {
	t, err := timeParseDate(params(r).get("date"))
	if err != nil { // absent (checked by wrap when present)
		return "", ""
	}
	mon := timegrid.DateOfWeek(t, 2)
	return mon.Format("2006-01-02"), mon.AddDate(0, 0, 6).Format("2006-01-02")
}

type weekOut struct {
	Semester store.Semester `json:"semester"`
	WeekFrom string         `json:"week_from,omitempty"`
	WeekTo   string         `json:"week_to,omitempty"`
	Days     []int          `json:"days"`
	Blocks   []blockInfo    `json:"blocks"`
	Rooms    []pubRoom      `json:"rooms"`
	Entries  []Entry        `json:"entries"`
}

func (a *API) week(w http.ResponseWriter, r *http.Request, rooms []store.Room) error {
	from, to := weekRange(r)
	sem, err := a.publicSemester(r, from)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rooms))
	out := weekOut{Semester: sem, WeekFrom: from, WeekTo: to, Blocks: a.blocks(), Rooms: make([]pubRoom, len(rooms))}
	for i, x := range rooms {
		ids[i] = x.ID
		out.Rooms[i] = toPub(x)
	}
	for _, d := range a.grid.Days {
		out.Days = append(out.Days, int(d))
	}
	slots, err := a.st.Slots(r.Context(), store.SlotFilter{SemesterID: sem.ID, RoomIDs: ids, From: from, To: to})
	if err != nil {
		return err
	}
	if from != "" && (from > sem.EndDate || to < sem.StartDate) {
		slots = onlyDated(slots) // the week is outside the semester: no classes that week
	}
	out.Entries = merge(a.grid, slots)
	jsonbody.Write(w, http.StatusOK, out)
	return nil
}

func onlyDated(slots []store.Slot) []store.Slot {
	var out []store.Slot
	for _, s := range slots {
		if s.Date != "" {
			out = append(out, s)
		}
	}
	return out
}

func (a *API) pubRoomWeek(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	room, err := a.st.GetRoom(r.Context(), id)
	if err != nil || !room.Active {
		return problem.NotFound("room")
	}
	return a.week(w, r, []store.Room{room})
}

func (a *API) pubBuildingWeek(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.st.GetBuilding(r.Context(), id); err != nil {
		return err
	}
	rooms, err := a.activeRooms(r, id)
	if err != nil {
		return err
	}
	return a.week(w, r, rooms)
}

// pubSearch finds rooms free at all requested cells: ?day=2..7 (weekly) or ?date=YYYY-MM-DD,
// ?blocks=M1,M2 (default: all), capacity, characteristic (repeatable, names), building_id,
// room_type_id.
func (a *API) pubSearch(w http.ResponseWriter, r *http.Request) error {
	q := params(r) // each value is checked by wrap; here only how they combine
	day, date := 0, q.get("date")
	if t, err := timeParseDate(date); err == nil {
		day = int(timegrid.DayOf(t.Weekday()))
	}
	if d := q.int("day", 0); d != 0 {
		if date != "" && d != day {
			return problem.Field("day", "does not match date")
		}
		day = d
	}
	var blocks []int
	if bs := q.get("blocks"); bs != "" {
		for _, c := range strings.Split(bs, ",") {
			b, err := a.grid.ParseBlockCode(strings.TrimSpace(c))
			if err != nil {
				return problem.Field("blocks", fmt.Sprintf("%q is not a block", c))
			}
			blocks = append(blocks, int(b))
		}
	} else {
		for b := 0; b < a.grid.NumBlocks(); b++ {
			blocks = append(blocks, b)
		}
	}
	capacity := q.int("capacity", 0)
	building, rtype := q.id("building_id"), q.id("room_type_id")
	rooms, err := a.activeRooms(r, building)
	if err != nil {
		return err
	}
	wantCh := q.all("characteristic")
	var cand []store.Room
	for _, room := range rooms {
		if room.Capacity < capacity || (rtype != 0 && room.RoomTypeID != rtype) || !hasAll(room.Characteristics, wantCh) {
			continue
		}
		cand = append(cand, room)
	}
	busy := map[int64]bool{}
	if day != 0 {
		sem, err := a.publicSemester(r, date)
		if err != nil {
			return err
		}
		semID := sem.ID
		if date != "" && (date < sem.StartDate || date > sem.EndDate) {
			semID = 0
		}
		busy, err = a.st.BusyRooms(r.Context(), semID, day, date, blocks)
		if err != nil {
			return err
		}
	}
	out := []pubRoom{}
	for _, room := range cand {
		if !busy[room.ID] {
			out = append(out, toPub(room))
		}
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[pubRoom]{Items: out})
	return nil
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h, w)
		}
		if !found {
			return false
		}
	}
	return true
}

// pubCalendar lists the dated entries of a day or week (?date, ?view=day|week, ?room_id, ?building_id).
func (a *API) pubCalendar(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	date := q.get("date")
	if date == "" {
		date = a.today(r).Format("2006-01-02")
	}
	t, err := timeParseDate(date)
	if err != nil {
		return problem.Field("date", "must be a date YYYY-MM-DD")
	}
	from, to := t, t
	if q.get("view") == "week" { // else day (the only other value wrap lets through)
		from = timegrid.DateOfWeek(t, 2)
		to = from.AddDate(0, 0, 6)
	}
	roomID := q.id("room_id")
	rooms, err := a.activeRooms(r, q.id("building_id"))
	if err != nil {
		return err
	}
	var ids []int64
	for _, x := range rooms {
		if roomID == 0 || x.ID == roomID {
			ids = append(ids, x.ID)
		}
	}
	if len(ids) == 0 {
		ids = []int64{-1}
	}
	entries, err := a.datedEntries(r, ids, from, to)
	if err != nil {
		return err
	}
	jsonbody.Write(w, http.StatusOK, map[string]any{"from": from.Format("2006-01-02"), "to": to.Format("2006-01-02"), "items": entries})
	return nil
}

// datedEntries expands weekly classes and holds onto the dates of [from, to] that fall in
// their semester, plus reservation occurrences; each entry carries its date.
func (a *API) datedEntries(r *http.Request, roomIDs []int64, from, to time.Time) ([]Entry, error) {
	sems, err := a.allSemesters(r)
	if err != nil {
		return nil, err
	}
	f, t := from.Format("2006-01-02"), to.Format("2006-01-02")
	dated, err := a.st.Slots(r.Context(), store.SlotFilter{RoomIDs: roomIDs, From: f, To: t})
	if err != nil {
		return nil, err
	}
	all := dated
	for _, sem := range sems {
		if sem.EndDate < f || sem.StartDate > t {
			continue
		}
		weekly, err := a.st.Slots(r.Context(), store.SlotFilter{SemesterID: sem.ID, RoomIDs: roomIDs})
		if err != nil {
			return nil, err
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			ds := d.Format("2006-01-02")
			if ds < sem.StartDate || ds > sem.EndDate {
				continue
			}
			day := int(timegrid.DayOf(d.Weekday()))
			for _, s := range weekly {
				if s.Day == day {
					s.Date = ds
					all = append(all, s)
				}
			}
		}
	}
	return merge(a.grid, all), nil
}

// pubFreeNow lists rooms free at the current block (America/Sao_Paulo), or the next
// block today when between blocks.
func (a *API) pubFreeNow(w http.ResponseWriter, r *http.Request) error {
	now := a.today(r)
	date := now.Format("2006-01-02")
	day := int(timegrid.DayOf(now.Weekday()))
	minute := timegrid.Clock(now.Hour()*60 + now.Minute())
	block := -1
	if a.grid.HasDay(timegrid.Day(day)) {
		for b := 0; b < a.grid.NumBlocks(); b++ {
			d, _ := a.grid.BlockTimes(timegrid.Block(b))
			if minute < d.End {
				block = b
				break
			}
		}
	}
	out := map[string]any{"now": now.Format(time.RFC3339), "date": date, "day": day, "block": nil, "items": []pubRoom{}}
	if block < 0 {
		out["message"] = "no teaching block remains today"
		jsonbody.Write(w, http.StatusOK, out)
		return nil
	}
	d, _ := a.grid.BlockTimes(timegrid.Block(block))
	out["block"] = blockInfo{a.grid.BlockCode(timegrid.Block(block)), d.Start.String(), d.End.String()}
	rooms, err := a.activeRooms(r, 0)
	if err != nil {
		return err
	}
	var semID int64
	if sem, err := a.st.SemesterOn(r.Context(), date); err == nil {
		semID = sem.ID
	}
	busy, err := a.st.BusyRooms(r.Context(), semID, day, date, []int{block})
	if err != nil {
		return err
	}
	items := []pubRoom{}
	for _, room := range rooms {
		if !busy[room.ID] {
			items = append(items, toPub(room))
		}
	}
	out["items"] = items
	jsonbody.Write(w, http.StatusOK, out)
	return nil
}
