package browsertest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/planta-dev/planta/services/web/internal/i18n"
)

// clickSubmit clicks a submit button as a user would (its formaction and its form's
// data-confirm apply) and waits for the next document.
func (b *browser) clickSubmit(sel string) {
	b.t.Helper()
	found := b.eval(`window.__planta_old = true; (() => { const el = document.querySelector(` + strconv.Quote(sel) + `);
		if (!el) return "missing"; setTimeout(() => el.click(), 0); return "ok" })()`)
	if found != "ok" {
		b.t.Fatalf("no %s on %s", sel, b.location())
	}
	b.waitNewDocument("clicking "+sel, "true")
}

// answerConfirm makes the page's confirmation dialogs (app.js asks window.confirm before
// a data-confirm form is sent) answer yes or no, keeping the question in sessionStorage,
// which outlives the navigation.
func (b *browser) answerConfirm(yes bool) {
	b.t.Helper()
	b.eval(`sessionStorage.removeItem("planta_confirm"); window.confirm = (m) => { sessionStorage.setItem("planta_confirm", m); return ` +
		strconv.FormatBool(yes) + `; }; "ok"`)
}

// confirmed is the last confirmation question asked.
func (b *browser) confirmed() string {
	b.t.Helper()
	return b.eval(`sessionStorage.getItem("planta_confirm") || ""`)
}

// clickDeclined clicks a destructive button, answers its confirmation with no, and
// checks that nothing was sent (the page stays).
func (b *browser) clickDeclined(sel, question string) {
	b.t.Helper()
	b.answerConfirm(false)
	if got := b.eval(`window.__planta_old = true; (() => { const el = document.querySelector(` + strconv.Quote(sel) + `);
		if (!el) return "missing"; el.click(); return "ok" })()`); got != "ok" {
		b.t.Fatalf("no %s on %s", sel, b.location())
	}
	time.Sleep(400 * time.Millisecond)
	if b.eval(`window.__planta_old === true ? "same" : "new"`) != "same" {
		b.t.Fatalf("declining the confirmation of %s still sent the form (at %s)", sel, b.location())
	}
	if got := b.confirmed(); got != question {
		b.t.Fatalf("confirmation of %s asked %q, want %q", sel, got, question)
	}
}

// clickConfirmed clicks a destructive button, answers its confirmation with yes and
// waits for the answer page.
func (b *browser) clickConfirmed(sel, question string) {
	b.t.Helper()
	b.answerConfirm(true)
	b.clickSubmit(sel)
	if got := b.confirmed(); got != question {
		b.t.Fatalf("confirmation of %s asked %q, want %q", sel, got, question)
	}
}

// wantFlash checks that the page came back from a write with the flash key (in the URL)
// and shows a success message.
func (b *browser) wantFlash(key string) {
	b.t.Helper()
	if loc := b.location(); !strings.Contains(loc, "ok="+key) {
		var msg string
		_ = chromedp.Run(b.ctx, chromedp.Evaluate(`(document.querySelector(".flash") || document.querySelector("main")).textContent`, &msg))
		b.t.Fatalf("want %s, at %s: %.600s", key, loc, strings.TrimSpace(msg))
	}
	if f := b.text(".flash.ok"); strings.TrimSpace(f) == "" {
		b.t.Fatalf("empty success message for %s", key)
	}
}

// locale is the current page's language (its <html lang>), to say what the page should show.
func (b *browser) locale() i18n.Locale {
	b.t.Helper()
	lang, ok := i18n.Parse(b.eval(`document.documentElement.lang`))
	if !ok {
		b.t.Fatalf("page %s has no known language", b.location())
	}
	return b.catalog.Locale(lang, time.UTC)
}

// tr is a catalog message in the current page's language.
func (b *browser) tr(key string, args ...any) string {
	b.t.Helper()
	return b.locale().T(key, args...)
}

func apiToken(t *testing.T, p *platform, user, password string) string {
	t.Helper()
	var tok struct{ Token string }
	if st := p.api(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password}, &tok); st != 200 {
		t.Fatalf("%s API login: %d", user, st)
	}
	return tok.Token
}

// stockProjectJourney: a cliente, in the browser only, creates two projects and edits
// one; adds stock to a site warehouse for it, counts it, notes it, moves it to the other
// project and withdraws some; deletes that project (its stock is frozen) and unfreezes
// the stock into the first; deletes the line, restores it, deletes it again and writes
// it off as lost (the project's consumption shows each step); then runs the first
// project through its whole lifecycle and reads it back in the history. Every step checks
// what the page shows afterwards.
func stockProjectJourney(t *testing.T, p *platform, b *browser) {
	tok := apiToken(t, p, "cliente1", "Cliente-456!")
	var whs struct {
		Items []struct{ ID, Name, Type string }
	}
	p.api(t, "GET", "/api/v1/inventory/warehouses?limit=200", tok, nil, &whs)
	site := ""
	for _, w := range whs.Items {
		if w.Type == "obra" {
			site = w.ID
		}
	}
	var mats struct {
		Items []struct {
			ID, Code, Name string
			PricePEN       string `json:"price_pen"`
			Active         bool
		}
	}
	p.api(t, "GET", "/api/v1/inventory/materials?limit=200", tok, nil, &mats)
	material, materialName := "", ""
	for _, m := range mats.Items {
		if price, _ := strconv.ParseFloat(m.PricePEN, 64); m.Active && price > 0 {
			material, materialName = m.ID, m.Name
		}
	}
	if site == "" || material == "" {
		t.Fatalf("the demo data has no site warehouse (%+v) or priced material (%+v)", whs.Items, mats.Items)
	}

	b.login("cliente1", "Cliente-456!")

	// --- projects: create two, edit one ---
	projectID := func(name string) string {
		return b.eval(`(() => { const d = [...document.querySelectorAll("main details")].find(x => x.querySelector("summary").textContent.includes(` +
			strconv.Quote(name) + `)); const a = d && d.querySelector('a[href^="/app/budgets/"]'); return a ? a.getAttribute("href").split("/").pop() : ""; })()`)
	}
	createProject := func(name, amount string) string {
		b.open("/app/budgets")
		b.run(chromedp.SetValue("#name", name, chromedp.ByQuery), chromedp.SetValue("#amount_pen", amount, chromedp.ByQuery),
			chromedp.SetValue("#notes", "jornada del navegador", chromedp.ByQuery))
		b.submit("#budget-form")
		b.wantFlash("flash.saved")
		id := projectID(name)
		if id == "" {
			t.Fatalf("project %q not listed after creating it: %s", name, b.text("main"))
		}
		return id
	}
	north := createProject("Obra Jornada Norte", "5000")
	south := createProject("Obra Jornada Sur", "2000")
	b.shot("cliente-budgets-created")

	b.visit("cliente-budget", "/app/budgets/"+north)
	if h := b.text("h1"); !strings.Contains(h, "Obra Jornada Norte") || b.text("h1 .badge") != "active" {
		t.Fatalf("project page heading %q", h)
	}
	zero := b.locale().Money("PEN", "0")
	if amount, want := b.text("#c-amount td"), b.locale().Money("PEN", "5000"); amount != want {
		t.Fatalf("amount shown %q, want %q", amount, want)
	}
	if locked := b.text("#c-locked td"); locked != zero {
		t.Fatalf("a new project shows %q locked", locked)
	}
	const northName = "Obra Jornada Norte (ampliada)"
	b.run(chromedp.SetValue("#name", northName, chromedp.ByQuery), chromedp.SetValue("#amount_pen", "6500.50", chromedp.ByQuery),
		chromedp.SetValue("#notes", "Torre B incluida", chromedp.ByQuery))
	b.submit("#budget-edit-form")
	b.wantFlash("flash.saved")
	if h := b.text("h1"); !strings.Contains(h, northName) {
		t.Fatalf("after the edit the heading is %q", h)
	}
	if amount, want := b.text("#c-amount td"), b.locale().Money("PEN", "6500.50"); amount != want {
		t.Fatalf("after the edit the amount is %q, want %q", amount, want)
	}
	if ev := b.text("#events-table"); !strings.Contains(ev, b.tr("budget.event.edited")) || !strings.Contains(ev, b.tr("budget.event.created")) {
		t.Fatalf("history after the edit: %q", ev)
	}
	b.shot("cliente-budget-edited")

	// --- stock: add to the site warehouse for the first project ---
	b.visit("cliente-stock-before", "/app/stock")
	b.run(chromedp.SetValue("#warehouse_id", site, chromedp.ByQuery), chromedp.SetValue("#material_id", material, chromedp.ByQuery),
		chromedp.SetValue("#budget_id", north, chromedp.ByQuery), chromedp.SetValue("#qty", "40", chromedp.ByQuery),
		chromedp.SetValue("#note", "ingreso de la jornada", chromedp.ByQuery))
	b.submit("#add-stock-form")
	b.wantFlash("flash.stock_added")
	b.open("/app/stock?budget_id=" + north)
	if row := b.text("#stock-table tbody"); !strings.Contains(row, materialName) || !strings.Contains(row, "40") {
		t.Fatalf("the project's stock after adding 40: %q", row)
	}
	line := strings.TrimPrefix(b.eval(`document.querySelector('#stock-table a[href^="/app/stock/lines/"]').getAttribute("href")`), "/app/stock/lines/")
	onHand := func(want string) {
		t.Helper()
		if got := b.text("#line-on-hand"); got != want {
			t.Fatalf("stock line shows %q on hand, want %q (at %s)", got, want, b.location())
		}
	}
	b.open("/app/budgets/" + north)
	if locked := b.text("#c-locked td"); locked == zero {
		t.Fatal("stock added to an active project locked no cost")
	}

	// --- the line: physical count, note ---
	b.visit("cliente-stock-line", "/app/stock/lines/"+line)
	onHand("40")
	b.run(chromedp.SetValue("#counted", "37", chromedp.ByQuery), chromedp.SetValue("#adjust-reason", "conteo físico de la jornada", chromedp.ByQuery))
	b.submit("#adjust-form")
	b.wantFlash("flash.saved")
	onHand("37")
	movements := b.eval(`document.querySelector('main a[href^="/app/movements"]').getAttribute("href")`)
	b.open(movements)
	if m := b.text("main"); !strings.Contains(m, "conteo físico de la jornada") {
		t.Fatalf("the count is not in the movement ledger: %.800s", m)
	}
	b.open("/app/stock/lines/" + line)
	b.run(chromedp.SetValue("#line-note", "Pallet 3, pasillo B", chromedp.ByQuery))
	b.submit("#note-form")
	b.wantFlash("flash.saved")
	if n := b.text("#line-note-text"); n != "Pallet 3, pasillo B" {
		t.Fatalf("note shown %q", n)
	}

	// --- reassign to the second project, withdraw from it ---
	b.run(chromedp.SetValue("#reassign-budget", south, chromedp.ByQuery))
	b.submit("#reassign-form")
	b.wantFlash("flash.saved")
	if bud := b.text("#line-budget"); !strings.Contains(bud, "Obra Jornada Sur") {
		t.Fatalf("after the reassignment the line belongs to %q", bud)
	}
	onHand("37")
	line = strings.TrimPrefix(b.location(), "/app/stock/lines/")
	line = line[:strings.IndexByte(line, '?')]
	b.shot("cliente-stock-line-reassigned")

	withdraw := func(qty string) {
		b.open("/app/stock")
		b.run(chromedp.SetValue("#w-warehouse_id", site, chromedp.ByQuery), chromedp.SetValue("#w-material_id", material, chromedp.ByQuery),
			chromedp.SetValue("#w-scope", south, chromedp.ByQuery), chromedp.SetValue("#w-qty", qty, chromedp.ByQuery),
			chromedp.SetValue("#w-reason", "consumo en obra", chromedp.ByQuery))
		b.submit("#withdraw-form")
	}
	withdraw("500") // more than there is: refused, the reason named
	if msg := b.text(".flash.error"); strings.TrimSpace(msg) == "" || strings.Contains(b.location(), "ok=") {
		t.Fatalf("an over-withdrawal was not refused: %q at %s", msg, b.location())
	}
	b.shot("cliente-withdraw-refused")
	b.axeCheck("cliente-withdraw-refused")
	withdraw("7")
	b.wantFlash("flash.withdrawn")
	b.open("/app/stock/lines/" + line)
	onHand("30")

	// --- delete the second project: its stock is frozen, then unfrozen into the first ---
	b.visit("cliente-budget-south", "/app/budgets/"+south)
	budgetQuestion := b.tr("budget.delete_confirm")
	b.clickDeclined("#budget-delete-form button", budgetQuestion)
	b.clickConfirmed("#budget-delete-form button", budgetQuestion)
	b.wantFlash("flash.budget_deleted")
	if id := projectID("Obra Jornada Sur"); id != "" {
		t.Fatal("a deleted project is still listed")
	}
	b.visit("cliente-stock-line-frozen", "/app/stock/lines/"+line)
	frozen := b.tr("stock.frozen")
	if bud := b.text("#line-budget"); !strings.Contains(bud, frozen) {
		t.Fatalf("the deleted project's line is not shown frozen: %q", bud)
	}
	onHand("30")
	b.run(chromedp.SetValue("#unfreeze-budget", north, chromedp.ByQuery))
	b.submit("#unfreeze-form")
	b.wantFlash("flash.saved")
	if bud := b.text("#line-budget"); !strings.Contains(bud, northName) || strings.Contains(bud, frozen) {
		t.Fatalf("after unfreezing the line belongs to %q", bud)
	}
	onHand("30")
	line = strings.TrimPrefix(b.location(), "/app/stock/lines/")
	line = line[:strings.IndexByte(line, '?')]

	// --- delete the line, restore it, delete it again and write it off as lost ---
	deleteQuestion := b.tr("stock.delete_confirm")
	pendingDeletion := func() string {
		var dels struct{ Items []struct{ ID string } }
		p.api(t, "GET", "/api/v1/inventory/stock-deletions?status=pending&budget_id="+north, tok, nil, &dels)
		if len(dels.Items) != 1 {
			t.Fatalf("%d pending deletions of the project, want 1", len(dels.Items))
		}
		return dels.Items[0].ID
	}
	deleteLine := func() string {
		b.open("/app/stock/lines/" + line)
		b.run(chromedp.SetValue("#delete-reason", "rotura en obra", chromedp.ByQuery))
		b.clickConfirmed("#line-delete-form button", deleteQuestion)
		b.wantFlash("flash.saved")
		id := pendingDeletion()
		row := b.eval(`(() => { const f = document.querySelector('#deletions-table form[action="/app/stock/deletions/` + id + `/restore"]'); return f ? f.closest("tr").textContent : ""; })()`)
		if !strings.Contains(row, materialName) || !strings.Contains(row, "30") {
			t.Fatalf("the deleted line is not among the pending deletions: %q", row)
		}
		return id
	}
	pendingCost := func() string {
		b.open("/app/budgets/" + north)
		return b.text("#c-pending-deleted td")
	}
	b.open("/app/stock/lines/" + line)
	b.clickDeclined("#line-delete-form button", deleteQuestion)
	del := deleteLine()
	b.shot("cliente-stock-deleted")
	b.axeCheck("cliente-stock-deleted")
	if c := pendingCost(); c == zero {
		t.Fatal("the project's consumption does not count the pending deletion")
	}
	b.open("/app/stock")
	b.clickSubmit(`#deletions-table form[action="/app/stock/deletions/` + del + `/restore"] button`)
	b.wantFlash("flash.saved")
	if b.eval(`document.querySelector('#deletions-table form[action^="/app/stock/deletions/`+del+`/"]') ? "yes" : "no"`) != "no" {
		t.Fatal("a restored deletion is still pending")
	}
	b.open("/app/stock/lines/" + line)
	onHand("30")
	if c := pendingCost(); c != zero {
		t.Fatalf("after the restore the project still counts %s pending deletion", c)
	}
	del = deleteLine()
	b.clickSubmit(`#deletions-table form[action="/app/stock/deletions/` + del + `/lost"] button`)
	b.wantFlash("flash.saved")
	if b.eval(`document.querySelector('#deletions-table form[action^="/app/stock/deletions/`+del+`/"]') ? "yes" : "no"`) != "no" {
		t.Fatal("a deletion written off as lost is still pending")
	}
	b.visit("cliente-budget-consumption", "/app/budgets/"+north)
	if lost := b.text("#c-lost td"); lost == zero {
		t.Fatal("the project's consumption does not count the lost stock")
	}
	if c := b.text("#c-pending-deleted td"); c != zero {
		t.Fatalf("a deletion written off still counts as pending: %s", c)
	}

	// --- the first project's lifecycle, from the projects list ---
	status := func() string {
		b.t.Helper()
		s := b.eval(`(() => { const d = [...document.querySelectorAll("main details")].find(x => x.querySelector('a[href="/app/budgets/` + north +
			`"]')); return d ? d.querySelector("summary .badge").textContent : "missing"; })()`)
		return s
	}
	lifecycle := func(action, reason, date string) {
		b.t.Helper()
		b.open("/app/budgets")
		b.eval(`document.querySelectorAll("main details").forEach(d => { if (d.querySelector('a[href="/app/budgets/` + north + `"]')) d.open = true; }); "ok"`)
		if got := b.eval(`(() => { const r = document.getElementById("reason-` + north + `"), d = document.getElementById("react-` + north + `");
			if (!r || !d) return "missing"; r.value = ` + strconv.Quote(reason) + `; d.value = ` + strconv.Quote(date) + `; return r.value + "|" + d.value; })()`); got != reason+"|"+date {
			t.Fatalf("%s: the lifecycle form took %q", action, got)
		}
		btn := fmt.Sprintf(`form[action="/app/budgets/%s/deactivate"] button[formaction="/app/budgets/%s/%s"]`, north, north, action)
		if action == "deactivate" {
			btn = fmt.Sprintf(`form[action="/app/budgets/%s/deactivate"] button:not([formaction])`, north)
		}
		b.clickSubmit(btn)
	}
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }
	for _, step := range []struct {
		action, reason, date, want string
	}{
		{"deactivate", "obra paralizada por lluvias", day(30), "inactive"},
		{"extend", "la lluvia sigue", day(60), "inactive"},
		{"reactivate", "se reanuda la obra", "", "active"},
		{"reopen", "", "", ""}, // an active project cannot be reopened: refused, status unchanged
		{"finish", "obra entregada", "", "finished"},
		{"reopen", "observaciones del cliente", "", "active"},
	} {
		lifecycle(step.action, step.reason, step.date)
		if step.want == "" {
			if msg := b.text(".flash.error"); strings.TrimSpace(msg) == "" {
				t.Fatalf("%s of an active project was not refused", step.action)
			}
			b.shot("cliente-budget-transition-refused")
			b.axeCheck("cliente-budget-transition-refused")
			b.open("/app/budgets")
			if s := status(); s != "active" {
				t.Fatalf("a refused %s changed the status to %q", step.action, s)
			}
			continue
		}
		b.wantFlash("flash.saved")
		if s := status(); s != step.want {
			t.Fatalf("after %s the project is %q, want %q", step.action, s, step.want)
		}
	}
	b.visit("cliente-budget-history", "/app/budgets/"+north)
	if s := b.text("h1 .badge"); s != "active" {
		t.Fatalf("project page status %q after reopening", s)
	}
	hist := b.text("#events-table")
	wants := []string{"obra paralizada por lluvias", "la lluvia sigue", "observaciones del cliente"}
	for _, k := range []string{"created", "edited", "deactivated", "extended", "reactivated", "finished", "reopened"} {
		wants = append(wants, b.tr("budget.event."+k))
	}
	for _, want := range wants {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q: %s", want, hist)
		}
	}
	// The extension's new date, shown in the page's format.
	if d := b.locale().DateISO(day(60)); !strings.Contains(hist, d) {
		t.Errorf("history lacks the extension date %s: %s", d, hist)
	}
	b.logout()
}
