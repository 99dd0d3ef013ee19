package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/planta-dev/planta/services/web/internal/i18n"
)

// chromiumPath finds Debian's chromium; the test fails (never skips) without it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("headless Chromium is missing: `make deps` installs it (apt-get install -y chromium); browser tests never skip")
	return ""
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artifacts string
	axe       string
	perf      map[string]pagePerf
	// catalog gives the words the pages should show in the page's language.
	catalog *i18n.Catalog
}

// pagePerf is what a cold load of a page cost the browser (performance entries).
type pagePerf struct {
	Path     string `json:"path"`
	Requests int    `json:"requests"`
	Transfer int    `json:"transfer_bytes"` // on the wire, compressed, headers included
	Decoded  int    `json:"decoded_bytes"`  // uncompressed bodies
	HTML     int    `json:"html_bytes"`     // the document, uncompressed
	LoadMS   int    `json:"load_ms"`        // navigation start to load event end
}

func newBrowser(t *testing.T, p *platform) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("lang", "es-PE"), chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	axe, err := os.ReadFile(filepath.Join(p.root, "services", "web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core missing: run `make -C services/web assets` (npm ci): %v", err)
	}
	dir := filepath.Join(p.root, "services", "web", "internal", "browsertest", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: p.base, artifacts: dir, axe: string(axe), perf: map[string]pagePerf{}, catalog: catalog}
	// The first Run starts the browser and ties it to its context: use the long-lived one.
	// The cache is off so every page's performance entries describe a first (cold) visit.
	if err := chromedp.Run(ctx, network.Enable(), network.SetCacheDisabled(true), chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, body string
		_ = chromedp.Run(b.ctx, chromedp.Location(&loc), chromedp.OuterHTML("body", &body, chromedp.ByQuery))
		b.t.Fatalf("browser: %v\nat %s\n%s", err, loc, tail(body, 2000))
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitReady("main", chromedp.ByQuery))
}

func (b *browser) location() string {
	var loc string
	b.run(chromedp.Location(&loc))
	return strings.TrimPrefix(loc, b.base)
}

func (b *browser) text(sel string) string {
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

func (b *browser) login(user, password string) {
	b.t.Helper()
	b.open("/login")
	b.run(chromedp.SetValue("#username", user, chromedp.ByQuery), chromedp.SetValue("#password", password, chromedp.ByQuery))
	b.submit("#login-form")
}

func (b *browser) logout() {
	b.t.Helper()
	b.run(chromedp.Click("#logout", chromedp.ByQuery), chromedp.WaitVisible("#login-form", chromedp.ByQuery))
}

// shot saves a full-page screenshot as a test artifact.
func (b *browser) shot(name string) {
	b.t.Helper()
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(b.artifacts, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axeCheck runs axe-core (WCAG 2 A/AA) on the current page and fails on serious or
// critical violations. Script evaluation through DevTools is not subject to the CSP.
func (b *browser) axeCheck(page string) {
	b.t.Helper()
	var res json.RawMessage
	b.run(chromedp.Evaluate(b.axe, nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
			.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))))`,
			&res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var s string
	_ = json.Unmarshal(res, &s)
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(s), &violations); err != nil {
		b.t.Fatalf("axe result: %v: %s", err, s)
	}
	_ = os.WriteFile(filepath.Join(b.artifacts, page+".axe.json"), []byte(s), 0o644)
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("%s: axe %s (%s): %s on %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
}

// visit opens a page, checks it rendered without an error page, screenshots it and runs axe.
func (b *browser) visit(name, path string) {
	b.t.Helper()
	b.open(path)
	var h1 string
	b.run(chromedp.Text("h1", &h1, chromedp.ByQuery))
	if strings.Contains(h1, "Algo salió mal") {
		var body string
		b.run(chromedp.Text("main", &body, chromedp.ByQuery))
		b.t.Errorf("%s (%s): error page: %s", name, path, body)
	}
	b.measure(name, path)
	b.shot(name)
	b.axeCheck(name)
}

// measure records the current page's request count and weight from its performance entries.
func (b *browser) measure(name, path string) {
	b.t.Helper()
	var s string
	b.run(chromedp.Poll(`document.readyState === "complete" && performance.getEntriesByType("navigation")[0].loadEventEnd > 0`, nil,
		chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`(() => { const n = performance.getEntriesByType("navigation")[0]; const rs = performance.getEntriesByType("resource");
			const sum = (k) => rs.reduce((a, r) => a + (r[k] || 0), 0);
			return JSON.stringify({requests: 1 + rs.length, transfer_bytes: n.transferSize + sum("transferSize"),
				decoded_bytes: n.decodedBodySize + sum("decodedBodySize"), html_bytes: n.decodedBodySize, load_ms: Math.round(n.loadEventEnd)}); })()`, &s))
	var pp pagePerf
	if err := json.Unmarshal([]byte(s), &pp); err != nil {
		b.t.Fatalf("performance entries: %v: %s", err, s)
	}
	pp.Path = path
	b.perf[name] = pp
}

// writePerf saves every measured page's weight as an artifact (docs/benchmarks.md quotes it).
func (b *browser) writePerf() {
	data, _ := json.MarshalIndent(b.perf, "", "  ")
	_ = os.WriteFile(filepath.Join(b.artifacts, "perf.json"), data, 0o644)
}

// TestBrowserJourneys runs the main journey of each role against the real platform.
func TestBrowserJourneys(t *testing.T) {
	chromiumPath(t)
	p := startPlatform(t)
	b := newBrowser(t, p)
	const superPass = "Sup3r-Secret!"

	t.Run("public schedule without login", func(t *testing.T) {
		b.t = t
		// Switch the language with the header's selector (a cookie the pages honour).
		b.open("/public")
		// The selector submits itself on change (app.js, data-autosubmit): wait for the new
		// document rather than submitting too (a second submit raced that navigation).
		b.run(chromedp.Evaluate(`window.__planta_old = true`, nil), chromedp.SetValue("#lang-select", "es", chromedp.ByQuery))
		b.waitNewDocument("choosing Español", `document.documentElement.lang === "es"`)
		b.visit("public", "/public")
		b.visit("public-search", "/public/search")
	})

	t.Run("superadmin first login forces a password change", func(t *testing.T) {
		b.t = t
		b.visit("login", "/login")
		b.login("superadmin", "Admin123!")
		if loc := b.location(); loc != "/account/password" {
			t.Fatalf("after first login at %s, want the forced password change", loc)
		}
		b.shot("password-forced")
		b.axeCheck("password-forced")
		b.run(chromedp.SetValue("#current_password", "Admin123!", chromedp.ByQuery),
			chromedp.SetValue("#new_password", superPass, chromedp.ByQuery),
			chromedp.SetValue("#new_password_confirm", superPass, chromedp.ByQuery),
			chromedp.Submit("#password-form", chromedp.ByQuery), chromedp.WaitReady("main", chromedp.ByQuery))
		if loc := b.location(); !strings.HasPrefix(loc, "/admin/users") {
			t.Fatalf("after the change at %s", loc)
		}
	})

	// Users for the other journeys, created through the admin API.
	var login struct{ Token string }
	if st := p.api(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "superadmin", "password": superPass}, &login); st != 200 {
		t.Fatalf("superadmin API login: %d", st)
	}
	var cli struct{ ID string }
	for _, u := range []string{"cliente1", "locky"} {
		var created struct{ ID string }
		if st := p.api(t, "POST", "/api/v1/admin/users", login.Token, map[string]string{"username": u, "email": u + "@example.pe",
			"full_name": `Ana <script>alert(1)</script>`, "role": "cliente", "password": "Cliente-123!"}, &created); st != 201 {
			t.Fatalf("create %s: %d", u, st)
		}
		if u == "cliente1" {
			cli = created
		}
	}

	t.Run("superadmin pages", func(t *testing.T) {
		b.t = t
		b.visit("admin-users", "/admin/users")
		b.visit("admin-user", "/admin/users/"+cli.ID)
		var name string
		b.run(chromedp.Text("#user-full-name", &name, chromedp.ByQuery))
		if name != `Ana <script>alert(1)</script>` {
			t.Errorf("full name shown as %q (must be escaped text)", name)
		}
		b.visit("admin-user-new", "/admin/users/new")
		b.visit("admin-lockouts", "/admin/lockouts")
		b.visit("admin-access-logs", "/admin/access-logs")
		b.visit("admin-audit", "/admin/audit")
		b.visit("account-sessions", "/account/sessions")
		b.visit("account-profile", "/account/profile")
	})

	t.Run("impersonation start and stop", func(t *testing.T) {
		b.t = t
		b.open("/admin/users/" + cli.ID)
		b.run(chromedp.SetValue("#reason", "support ticket 42", chromedp.ByQuery),
			chromedp.Submit("#impersonate-form", chromedp.ByQuery), chromedp.WaitVisible("#impersonation-banner", chromedp.ByQuery))
		if banner := b.text("#impersonation-banner"); !strings.Contains(banner, "cliente1") || !strings.Contains(banner, "superadmin") {
			t.Fatalf("banner: %q", banner)
		}
		b.visit("cliente-dashboard-impersonated", "/app")
		b.open("/app/warehouses") // the banner stays on every page
		b.run(chromedp.WaitVisible("#impersonation-banner", chromedp.ByQuery))
		b.run(chromedp.Click("#impersonation-banner button", chromedp.ByQuery),
			chromedp.WaitNotPresent("#impersonation-banner", chromedp.ByQuery), chromedp.WaitReady("#users-table", chromedp.ByQuery))
		if loc := b.location(); !strings.HasPrefix(loc, "/admin/users") {
			t.Fatalf("after stop at %s", loc)
		}
		b.logout()
	})

	t.Run("cliente login, pages, logout", func(t *testing.T) {
		b.t = t
		b.login("cliente1", "Cliente-123!")
		if loc := b.location(); loc != "/account/password" && loc != "/app" {
			t.Fatalf("cliente landed at %s", loc)
		}
		if b.location() == "/account/password" { // created by an administrator: must change first
			b.run(chromedp.SetValue("#current_password", "Cliente-123!", chromedp.ByQuery),
				chromedp.SetValue("#new_password", "Cliente-456!", chromedp.ByQuery),
				chromedp.SetValue("#new_password_confirm", "Cliente-456!", chromedp.ByQuery),
				chromedp.Submit("#password-form", chromedp.ByQuery), chromedp.WaitReady("main", chromedp.ByQuery))
		}
		if loc := b.location(); !strings.HasPrefix(loc, "/app") {
			t.Fatalf("cliente at %s, want the dashboard", loc)
		}
		for _, pg := range []struct{ name, path string }{
			{"cliente-dashboard", "/app"}, {"cliente-warehouses", "/app/warehouses"}, {"cliente-materials", "/app/materials"},
			{"cliente-stock", "/app/stock"}, {"cliente-requirements", "/app/requirements"}, {"cliente-dispatches", "/app/dispatches"},
			{"cliente-receipts", "/app/receipts"}, {"cliente-movements", "/app/movements"}, {"cliente-budgets", "/app/budgets"},
		} {
			b.visit(pg.name, pg.path)
		}
		b.open("/admin/users") // a cliente may not see administration
		if h := b.text("h1"); !strings.Contains(h, "Algo salió mal") {
			t.Errorf("cliente on /admin/users sees %q", h)
		}
		b.open("/app")
		b.logout()
		b.open("/app")
		if loc := b.location(); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("after logout /app is at %s", loc)
		}
	})

	t.Run("wrong password and lockout show one message", func(t *testing.T) {
		b.t = t
		var first string
		for i := range 6 {
			b.login("locky", "wrong-password")
			msg := b.text(".flash.error")
			if !strings.Contains(msg, "15 minutos") {
				t.Fatalf("attempt %d: %q", i+1, msg)
			}
			if first == "" {
				first = msg
			} else if msg != first {
				t.Fatalf("the message changed: %q then %q", first, msg)
			}
		}
		b.login("locky", "Cliente-123!") // right password, but locked now: same message
		if msg := b.text(".flash.error"); msg != first {
			t.Fatalf("locked account answer %q differs from %q", msg, first)
		}
		b.login("nobody-at-all", "whatever-1A!")
		if msg := b.text(".flash.error"); msg != first {
			t.Fatalf("unknown user answer %q differs from %q", msg, first)
		}
		b.shot("login-failed")
		b.axeCheck("login-failed")
		b.login("superadmin", superPass)
		b.visit("admin-lockouts-with-locky", "/admin/lockouts")
		if !strings.Contains(b.text("main"), "locky") {
			t.Error("locky not in the locked accounts")
		}
		b.logout()
	})
	t.Run("cliente full dispatch with the delivery-note PDF", func(t *testing.T) {
		b.t = t
		clienteDispatchJourney(t, p, b, cli.ID)
	})
	t.Run("cliente MRP run: planned orders and the record grid", func(t *testing.T) {
		b.t = t
		mrpJourney(t, p, b)
	})

	t.Run("cliente projects and stock lines: edit, lifecycle, count, reassign, freeze, deletions", func(t *testing.T) {
		b.t = t
		stockProjectJourney(t, p, b)
	})

	t.Run("allocation admin: import, solve, adjust, public grid shows it", func(t *testing.T) {
		b.t = t
		allocationJourney(t, p, b, login.Token)
	})

	if os.Getenv("PLANTA_WEB_WRK") != "" {
		t.Run("wrk: public weekly grid against hello world", func(t *testing.T) { wrkPublicGrid(t, p) })
	}
	b.writePerf()
	fmt.Fprintln(os.Stderr, "screenshots, axe reports and perf.json in", b.artifacts)
}
