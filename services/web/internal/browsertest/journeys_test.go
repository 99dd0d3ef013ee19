package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// eval runs JavaScript in the page and returns its string result.
func (b *browser) eval(js string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(js, &s))
	return s
}

// evalAsync awaits a JavaScript promise and returns its string result.
func (b *browser) evalAsync(js string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(js, &s, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	return s
}

// submit submits the form holding sel and waits until the next document has loaded (the
// old one is marked first, so a page that still shows "main" does not count).
func (b *browser) submit(sel string) {
	b.t.Helper()
	// The form is submitted from a timer, after this call has returned: chromedp.Submit
	// could race the navigation it starts ("No node with given id found").
	b.run(chromedp.Evaluate(`window.__planta_old = true; (() => { const el = document.querySelector(`+strconv.Quote(sel)+`);
		const f = el.tagName === "FORM" ? el : el.form; setTimeout(() => f.submit(), 0); return true })()`, nil))
	b.waitNewDocument("submitting "+sel, "true")
}

// waitNewDocument waits until a document loaded after window.__planta_old was set shows
// "main" and cond (JavaScript) holds.
func (b *browser) waitNewDocument(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(25 * time.Second)
	for time.Now().Before(deadline) {
		var done bool
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		// Errors are expected while the old document is torn down: retry.
		err := chromedp.Run(ctx, chromedp.Evaluate(`!window.__planta_old && document.readyState === "complete" && !!document.querySelector("main") && (`+cond+`)`, &done))
		cancel()
		if err == nil && done {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	b.t.Fatalf("no new page after %s (at %s)", what, b.location())
}

// changeForcedPassword completes the first-login password change when identity asks for it.
func (b *browser) changeForcedPassword(old, next string) {
	b.t.Helper()
	if b.location() != "/account/password" {
		return
	}
	b.run(chromedp.SetValue("#current_password", old, chromedp.ByQuery),
		chromedp.SetValue("#new_password", next, chromedp.ByQuery),
		chromedp.SetValue("#new_password_confirm", next, chromedp.ByQuery))
	b.submit("#password-form")
}

// clienteDispatchJourney: demo data for the cliente's tenant, then in the browser create a
// requirement (reserved automatically), dispatch it, and download its delivery note PDF.
func clienteDispatchJourney(t *testing.T, p *platform, b *browser, tenant string) {
	p.cli(t, "inventory", "seed-demo", "--tenant", tenant)
	var tok struct{ Token string }
	if st := p.api(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "cliente1", "password": "Cliente-456!"}, &tok); st != 200 {
		t.Fatalf("cliente API login: %d", st)
	}
	// A principal-store line with stock available, and an active project it may serve.
	var lines struct {
		Items []struct {
			MaterialID string  `json:"material_id"`
			BudgetID   *string `json:"budget_id"`
			Available  string  `json:"available"`
			Frozen     bool    `json:"frozen"`
		}
	}
	p.api(t, "GET", "/api/v1/inventory/stock-lines?warehouse_type=principal&limit=200", tok.Token, nil, &lines)
	var budgets struct {
		Items []struct{ ID, Status string }
	}
	p.api(t, "GET", "/api/v1/inventory/budgets?limit=100", tok.Token, nil, &budgets)
	active := map[string]bool{}
	anyActive := ""
	for _, x := range budgets.Items {
		if x.Status == "active" {
			active[x.ID] = true
			anyActive = x.ID
		}
	}
	material, budget := "", ""
	for _, l := range lines.Items {
		avail, _ := strconv.ParseFloat(l.Available, 64)
		if avail < 1 || l.Frozen {
			continue
		}
		if l.BudgetID == nil && anyActive != "" {
			material, budget = l.MaterialID, anyActive
			break
		}
		if l.BudgetID != nil && active[*l.BudgetID] {
			material, budget = l.MaterialID, *l.BudgetID
			break
		}
	}
	if material == "" {
		t.Fatalf("no principal stock to dispatch in the demo data: %+v", lines.Items)
	}

	b.login("cliente1", "Cliente-456!")
	b.open("/app/requirements")
	b.run(chromedp.SetValue("#budget_id", budget, chromedp.ByQuery),
		chromedp.SetValue("#material_0", material, chromedp.ByQuery),
		chromedp.SetValue("#qty_0", "1", chromedp.ByQuery),
		chromedp.SetValue("#notes", "journey: browser test", chromedp.ByQuery))
	b.submit("#requirement-form")
	if msg := b.text(".flash"); !strings.Contains(b.location(), "flash.requirement_created") {
		t.Fatalf("requirement not created (at %s): %s", b.location(), msg)
	}
	b.shot("cliente-requirement-created")
	href := b.eval(`document.querySelector('details a[href^="/app/dispatches?requirement_id="]').getAttribute("href")`)
	b.visit("cliente-dispatch-form", href)
	b.submit("#dispatch-form")
	if loc := b.location(); !strings.Contains(loc, "flash.dispatched") {
		t.Fatalf("dispatch not created: at %s: %s", loc, b.text("main"))
	}
	number := regexp.MustCompile(`GR-\d{8}-\d{5}`).FindString(b.location())
	b.shot("cliente-dispatched")
	pdf := b.eval(`document.querySelector('#dispatches-table a[href$="delivery-note.pdf"]').getAttribute("href")`)
	// The browser fetches the PDF link with its own cookie, as a click would.
	got := b.evalAsync(`(async () => { const r = await fetch(` + strconv.Quote(pdf) + `); const buf = new Uint8Array(await r.arrayBuffer());
		return r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(...buf.slice(0, 5)) + " " + buf.length; })()`)
	if !strings.HasPrefix(got, "200 application/pdf %PDF-") {
		t.Fatalf("delivery note %s (%s): %q", pdf, number, got)
	}
	t.Logf("dispatch %s, delivery note: %s", number, got)
	b.logout()
}

// allocationJourney: an admin imports the 2025-2 offers CSV in the browser, runs the
// solver from the UI, moves a class to a new room (and sees a refused move's conflict
// named), then the public weekly grid of that room shows the class.
func allocationJourney(t *testing.T, p *platform, b *browser, superToken string) {
	b.run(network.ClearBrowserCookies())
	out := p.cli(t, "allocation", "seed-demo")
	t.Log(strings.TrimSpace(out))
	if st := p.api(t, "POST", "/api/v1/admin/users", superToken, map[string]string{"username": "espacos", "email": "espacos@example.br",
		"full_name": "Gestão de Espaços", "role": "admin", "password": "Espacos-123!"}, nil); st != 201 {
		t.Fatalf("create the admin: %d", st)
	}
	b.login("espacos", "Espacos-123!")
	b.changeForcedPassword("Espacos-123!", "Espacos-456!")
	if loc := b.location(); !strings.HasPrefix(loc, "/allocation") {
		t.Fatalf("admin landed at %s", loc)
	}
	var tok struct{ Token string }
	p.api(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "espacos", "password": "Espacos-456!"}, &tok)

	// Import: upload the reference CSV to the active semester.
	b.open("/allocation/semesters")
	fileInput := b.eval(`document.querySelector('input[type=file]').id`)
	semID := strings.TrimPrefix(fileInput, "file-")
	csv := filepath.Join(p.root, "services", "allocation", "internal", "demo", "data", "offers-2025-2.csv")
	b.run(chromedp.SetUploadFiles("#"+fileInput, []string{csv}, chromedp.ByQuery))
	b.submit("#" + fileInput)
	b.run(chromedp.WaitVisible("#import-report", chromedp.ByQuery))
	if rep := b.text("#import-report"); !strings.Contains(rep, "185") {
		t.Fatalf("import report: %q", rep)
	}
	b.shot("allocation-import-report")
	b.axeCheck("allocation-import-report")

	// Solve from the UI and follow the job until it ends.
	b.submit(`form[action="/allocation/semesters/` + semID + `/solve"] button`)
	if !strings.HasPrefix(b.location(), "/allocation/jobs/") {
		t.Fatalf("solve went to %s: %s", b.location(), b.text("main"))
	}
	b.run(chromedp.Poll(`!document.querySelector("#job[hx-get]")`, nil, chromedp.WithPollingTimeout(25*time.Second)))
	if st := b.text("#job-status"); !strings.Contains(st, "Conclu") && !strings.Contains(st, "Termin") && !strings.Contains(st, "ucceed") {
		t.Logf("job status %q", st)
	}
	b.visit("allocation-solve-job", b.location())

	// The admin screens, with demo data in them.
	var allocs struct {
		Items []struct {
			ID             int64    `json:"id"`
			DemandID       int64    `json:"demand_id"`
			Day            int      `json:"day"`
			RoomID         int64    `json:"room_id"`
			DisciplineCode string   `json:"discipline_code"`
			Blocks         []string `json:"blocks"`
		}
	}
	p.api(t, "GET", "/api/v1/allocation/allocations?limit=500&semester_id="+semID, tok.Token, nil, &allocs)
	if len(allocs.Items) == 0 {
		t.Fatal("the solve placed nothing")
	}
	// a and busy meet on the same day at a common block in different rooms: moving a into
	// busy's room is refused (double booking).
	overlap := func(x, y []string) bool {
		for _, i := range x {
			for _, j := range y {
				if i == j {
					return true
				}
			}
		}
		return false
	}
	type alloc = struct {
		ID             int64    `json:"id"`
		DemandID       int64    `json:"demand_id"`
		Day            int      `json:"day"`
		RoomID         int64    `json:"room_id"`
		DisciplineCode string   `json:"discipline_code"`
		Blocks         []string `json:"blocks"`
	}
	var a, busy alloc
	for _, x := range allocs.Items {
		for _, y := range allocs.Items {
			if a.ID == 0 && x.Day == y.Day && x.RoomID != y.RoomID && overlap(x.Blocks, y.Blocks) {
				a, busy = x, y
			}
		}
	}
	if a.ID == 0 {
		t.Fatal("no two classes share a block")
	}
	var room struct {
		BuildingID int64 `json:"building_id"`
		RoomTypeID int64 `json:"room_type_id"`
	}
	p.api(t, "GET", fmt.Sprintf("/api/v1/allocation/rooms/%d", a.RoomID), tok.Token, nil, &room)
	for _, pg := range []struct{ name, path string }{
		{"allocation-rooms", "/allocation"}, {"allocation-space", "/allocation/space"}, {"allocation-professors", "/allocation/professors"},
		{"allocation-rules", "/allocation/rules"}, {"allocation-semesters", "/allocation/semesters"}, {"allocation-demands", "/allocation/demands"},
		{"allocation-allocations", "/allocation/allocations"}, {"allocation-reports", "/allocation/reports"},
		{"allocation-reservations", "/allocation/reservations"},
		{"allocation-grid-building", fmt.Sprintf("/allocation/grid?building_id=%d", room.BuildingID)},
	} {
		b.visit(pg.name, pg.path)
	}

	// A new, empty, ground-floor room of the same type, created in the UI.
	newRoom := func(name, active string) string {
		b.open("/allocation")
		b.run(chromedp.SetValue("#building_id", strconv.FormatInt(room.BuildingID, 10), chromedp.ByQuery),
			chromedp.SetValue("#name", name, chromedp.ByQuery), chromedp.SetValue("#floor", "0", chromedp.ByQuery),
			chromedp.SetValue("#capacity", "500", chromedp.ByQuery),
			chromedp.SetValue("#room_type_id", strconv.FormatInt(room.RoomTypeID, 10), chromedp.ByQuery),
			chromedp.SetValue("#active", active, chromedp.ByQuery))
		b.submit("#room-form")
		id := b.eval(`(() => { const a = [...document.querySelectorAll('#rooms-table a[href^="/allocation/rooms/"]')].find(x => x.textContent.includes(` +
			strconv.Quote(name) + `)); return a ? a.getAttribute("href").split("/").pop() : ""; })()`)
		if id == "" {
			t.Fatalf("room %s not created: %s", name, b.text("main"))
		}
		return id
	}
	free := newRoom("Sala Jornada Web", "true")

	// A refused move names the conflict.
	b.open(fmt.Sprintf("/allocation/allocations/%d", a.ID))
	b.run(chromedp.SetValue("#move-room", strconv.FormatInt(busy.RoomID, 10), chromedp.ByQuery))
	b.submit("#move-form")
	b.run(chromedp.WaitVisible("#conflicts", chromedp.ByQuery))
	b.shot("allocation-move-refused")
	b.axeCheck("allocation-move-refused")
	if c := b.text("#conflicts"); len(strings.TrimSpace(c)) < 10 {
		t.Fatalf("conflict not named: %q", c)
	}
	// The move to the free room succeeds.
	b.run(chromedp.SetValue("#move-room", free, chromedp.ByQuery))
	b.submit("#move-form")
	if r := b.text("#allocation-room"); !strings.Contains(r, "Sala Jornada Web") {
		t.Fatalf("after the move the allocation is in %q: %s", r, b.text("main"))
	}
	b.shot("allocation-moved")

	// The screens added last, with data in them: a publication, a reservation in the new
	// room, one demand's edit page, room holds and the change log (axe + screenshots).
	var pub struct{ ID int64 }
	if st := p.api(t, "POST", "/api/v1/allocation/semesters/"+semID+"/publish", tok.Token, map[string]string{"note": "Jornada <b>web</b>"}, &pub); st != 201 {
		t.Fatalf("publish: %d", st)
	}
	day := time.Now().AddDate(0, 0, 14)
	for day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	var res struct{ ID int64 }
	if st := p.api(t, "POST", "/api/v1/allocation/reservations", tok.Token, map[string]any{"room_id": json.Number(free), "title": "Colegiado <i>web</i>",
		"requester": "Secretaria", "blocks": []string{"M1", "M2"}, "recurrence": map[string]any{"kind": "single", "start": day.Format("2006-01-02")}}, &res); st != 201 {
		t.Fatalf("create a reservation: %d", st)
	}
	var demands struct{ Items []struct{ ID int64 } }
	p.api(t, "GET", "/api/v1/allocation/demands?limit=1&semester_id="+semID, tok.Token, nil, &demands)
	if len(demands.Items) == 0 {
		t.Fatal("no demand after the import")
	}
	for _, pg := range []struct{ name, path string }{
		{"allocation-publication", fmt.Sprintf("/allocation/publications/%d", pub.ID)},
		{"allocation-reservation", fmt.Sprintf("/allocation/reservations/%d", res.ID)},
		{"allocation-demand", fmt.Sprintf("/allocation/demands/%d", demands.Items[0].ID)},
		{"allocation-holds", "/allocation/holds"},
		{"allocation-change-log", "/allocation/change-log"},
	} {
		b.visit(pg.name, pg.path)
	}
	if l := b.text("#change-log-table"); !strings.Contains(l, ":") || strings.Contains(l, "{\"") {
		t.Errorf("change log detail is not key: value lines: %.300s", l)
	}

	demandDeletion(t, p, b, tok.Token, semID, a.DemandID)

	// The public weekly grid of the room shows the class, without login.
	b.logout()
	b.visit("public-room-week", "/public/rooms/"+free)
	if g := b.text("main"); !strings.Contains(g, a.DisciplineCode) {
		t.Fatalf("public grid of room %s lacks %s:\n%s", free, a.DisciplineCode, g)
	}
	// Seen again, the week is revalidated: the allocation API answers 304 Not Modified and
	// the web renders the body it kept (api/apicall.ETagCache).
	weekRoute := []string{`route="/api/v1/public/rooms/`, `/week"`, `method="GET"`}
	notModified, full := p.requests(t, "allocation", append(weekRoute, `code="304"`)...), p.requests(t, "allocation", append(weekRoute, `code="200"`)...)
	b.open("/public/rooms/" + free)
	if g := b.text("main"); !strings.Contains(g, a.DisciplineCode) {
		t.Fatalf("public grid of room %s seen again lacks %s:\n%s", free, a.DisciplineCode, g)
	}
	if n, f := p.requests(t, "allocation", append(weekRoute, `code="304"`)...), p.requests(t, "allocation", append(weekRoute, `code="200"`)...); n != notModified+1 || f != full {
		t.Errorf("the week seen again: %d more 304 and %d more 200 answers from the allocation API, want 1 and 0", n-notModified, f-full)
	}
	b.visit("public-building-week", fmt.Sprintf("/public/buildings/%d", room.BuildingID))
	b.visit("public-calendar", "/public/calendar?view=week&date=2025-09-15")
	b.visit("public-free-now", "/public/free-now")
}

// wrkPublicGrid measures the public weekly grid page (web → allocation API → Postgres,
// through the ingress) and a hello-world Go handler on the same machine, same run.
func wrkPublicGrid(t *testing.T, p *platform) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatal("wrk missing: apt-get install -y wrk")
	}
	hello := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("hello world\n"))
	}))
	defer hello.Close()
	var rooms struct{ Items []struct{ ID int64 } }
	p.api(t, "GET", "/api/v1/public/rooms", "", nil, &rooms)
	if len(rooms.Items) == 0 {
		t.Fatal("no rooms")
	}
	dur := os.Getenv("PLANTA_WEB_WRK_DURATION")
	if dur == "" {
		dur = "10s"
	}
	var report strings.Builder
	for _, target := range []struct{ name, url string }{
		{"hello-world", hello.URL + "/"},
		{"public-room-week", fmt.Sprintf("http://127.0.0.1:%s/public/rooms/%d", strings.TrimPrefix(p.base, "http://localhost:"), rooms.Items[0].ID)},
		{"public-room-week-direct", fmt.Sprintf("http://127.0.0.1:%d/public/rooms/%d", p.port["web"], rooms.Items[0].ID)},
	} {
		out, err := exec.Command(wrk, "-t4", "-c50", "-d"+dur, "--latency", target.url).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk %s: %v\n%s", target.name, err, out)
		}
		fmt.Fprintf(&report, "### %s %s\n%s\n", target.name, target.url, out)
	}
	_ = os.WriteFile(filepath.Join(p.root, "services", "web", "internal", "browsertest", "artifacts", "wrk.txt"), []byte(report.String()), 0o644)
	t.Log(report.String())
}
