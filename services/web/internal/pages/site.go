// Package pages is the web's HTTP layer: one handler per screen, each registered with
// an authn guard (the role is checked on the server for every page), rendering
// html/template views with data fetched from the services' public APIs with the
// user's own session.
package pages

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/web/internal/api/admin"
	"github.com/planta-dev/planta/services/web/internal/api/allocation"
	"github.com/planta-dev/planta/services/web/internal/api/apicall"
	"github.com/planta-dev/planta/services/web/internal/api/identity"
	"github.com/planta-dev/planta/services/web/internal/api/inventory"
	"github.com/planta-dev/planta/services/web/internal/api/sessions"
	"github.com/planta-dev/planta/services/web/internal/i18n"
	"github.com/planta-dev/planta/services/web/internal/security"
	"github.com/planta-dev/planta/services/web/internal/static"
	"github.com/planta-dev/planta/services/web/internal/templates"
)

// Clients are the typed API clients.
type Clients struct {
	Identity   *identity.Client
	Sessions   *sessions.Client
	Admin      *admin.Client
	Inventory  *inventory.Client
	Allocation *allocation.Client
}

// Config is the site's behaviour.
type Config struct {
	// MRPZone is the inventory product's time zone (America/Lima); AllocationZone the
	// campus's (America/Sao_Paulo).
	MRPZone, AllocationZone *time.Location
	// Registration shows the self-registration link (identity decides whether it is open).
	Registration bool
}

// Site serves every page.
type Site struct {
	api     Clients
	cfg     Config
	tpl     *templates.Set
	catalog *i18n.Catalog
	assets  *static.Assets
	log     *slog.Logger
	csp     string
	// compress wraps every page (see compressor).
	compress func(http.Handler) http.Handler
}

// New parses the templates and builds the site.
func New(api Clients, cfg Config, catalog *i18n.Catalog, assets *static.Assets, log *slog.Logger) (*Site, error) {
	if cfg.MRPZone == nil {
		cfg.MRPZone = time.UTC
	}
	if cfg.AllocationZone == nil {
		cfg.AllocationZone = time.UTC
	}
	s := &Site{api: api, cfg: cfg, catalog: catalog, assets: assets, log: log, csp: security.DefaultCSP().String()}
	tpl, err := templates.Load(template.FuncMap{
		"asset": assets.URL,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join":      strings.Join,
		"add":       func(a, b int) int { return a + b },
		"derefBool": func(b *bool) bool { return b != nil && *b },
		"split":     strings.Fields,
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"minutes": func(sec int) int { return (sec + 59) / 60 },
		"has":     has,
		"has2": func(f url.Values, name, v string) bool {
			for _, x := range f[name] {
				if x == v {
					return true
				}
			}
			return false
		},
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"ruleTarget": ruleTarget,
		// ts formats an RFC 3339 timestamp string in the page's time zone.
		"ts": func(l i18n.Locale, s string) string {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return s
			}
			return l.DateTime(t)
		},
		// fv is a form field's value: what was submitted (a refused form shown again),
		// else the stored value.
		"fv": func(v *View, name string, stored any) any {
			if _, ok := v.Form[name]; ok {
				return v.Form.Get(name)
			}
			return stored
		},
		"pct": func(f float64) string { return strconv.Itoa(int(f+0.5)) + " %" },
		"i64": func(n int64) string { return strconv.FormatInt(n, 10) },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				k, _ := kv[i].(string)
				m[k] = kv[i+1]
			}
			return m
		},
		"fnum": func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		"ms":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"gridArgs": func(l i18n.Locale, days []int, g []RoomGrid) gridArgs {
			return gridArgs{L: l, Days: days, Grids: g}
		},
	})
	if err != nil {
		return nil, err
	}
	s.tpl = tpl
	if s.compress, err = compressor(); err != nil {
		return nil, err
	}
	return s, nil
}

// gridArgs feeds the shared "weekgrid" template.
type gridArgs struct {
	L     i18n.Locale
	Days  []int
	Grids []RoomGrid
}

// Flash is a one-line message above the page.
type Flash struct {
	Kind string // ok, error, warn
	Text string
}

// NavItem is one menu entry.
type NavItem struct {
	Href, Label string
	Current     bool
}

// View is what every template receives.
type View struct {
	L             i18n.Locale
	P             *authn.Principal
	Impersonating bool
	CSRF          string
	Path          string
	Nav           []NavItem
	Flash         *Flash
	Errors        map[string]string
	Form          url.Values
	Registration  bool
	// Conflicts are what a 409 refusal named (manual adjustments, reservations).
	Conflicts []allocation.Conflict
	// Preview is a reservation's occurrences and conflicts, shown before creating it.
	Preview *allocation.Preview
	Data    any
}

// Err returns the message for a form field.
func (v *View) Err(field string) string { return v.Errors[field] }

// Val returns a submitted form value (to refill a form after an error).
func (v *View) Val(field string) string { return v.Form.Get(field) }

// view builds the common part of a page.
func (s *Site) view(r *http.Request) *View {
	lang := i18n.Negotiate(r)
	v := &View{Path: r.URL.RequestURI(), Registration: s.cfg.Registration, Errors: map[string]string{}, Form: url.Values{}}
	loc := s.cfg.MRPZone
	if p, ok := authn.FromContext(r.Context()); ok {
		v.P = &p
		v.Impersonating = p.Impersonating()
		if token, _ := authn.TokenFromRequest(r); token != "" {
			v.CSRF = security.CSRFToken(token)
		}
		if p.Role == authn.RoleAdmin {
			loc = s.cfg.AllocationZone
		}
	}
	if strings.HasPrefix(r.URL.Path, "/allocation") || strings.HasPrefix(r.URL.Path, "/public") {
		loc = s.cfg.AllocationZone
	}
	v.L = s.catalog.Locale(lang, loc)
	v.Nav = s.nav(v.P, r.URL.Path)
	if key := r.URL.Query().Get("ok"); strings.HasPrefix(key, "flash.") && s.catalog.Has(lang, key) {
		v.Flash = &Flash{Kind: "ok", Text: v.L.T(key)}
	}
	return v
}

func (s *Site) nav(p *authn.Principal, current string) []NavItem {
	var items []NavItem
	add := func(href, label string) {
		items = append(items, NavItem{Href: href, Label: label,
			Current: current == href || (href != "/app" && strings.HasPrefix(current, href+"/"))})
	}
	switch {
	case p == nil:
		add("/public", "nav.public")
	case p.Role == authn.RoleCliente:
		add("/app", "nav.dashboard")
		add("/app/warehouses", "nav.warehouses")
		add("/app/materials", "nav.materials")
		add("/app/stock", "nav.stock")
		add("/app/requirements", "nav.requirements")
		add("/app/dispatches", "nav.dispatches")
		add("/app/receipts", "nav.receipts")
		add("/app/movements", "nav.movements")
		add("/app/budgets", "nav.budgets")
		add("/app/mrp", "nav.mrp")
	case p.Role == authn.RoleSuperadmin:
		add("/admin/users", "nav.users")
		add("/admin/lockouts", "nav.lockouts")
		add("/admin/access-logs", "nav.access_logs")
		add("/admin/audit", "nav.audit")
		add("/allocation", "nav.allocation")
	case p.Role == authn.RoleAdmin:
		add("/allocation", "nav.rooms")
		add("/allocation/space", "nav.space")
		add("/allocation/professors", "nav.professors")
		add("/allocation/rules", "nav.rules")
		add("/allocation/semesters", "nav.semesters")
		add("/allocation/demands", "nav.demands")
		add("/allocation/allocations", "nav.allocations")
		add("/allocation/grid", "nav.grid")
		add("/allocation/reservations", "nav.reservations")
		add("/allocation/holds", "nav.holds")
		add("/allocation/reports", "nav.reports")
		add("/allocation/change-log", "nav.change_log")
		add("/public", "nav.public")
	}
	if p != nil {
		add("/account/sessions", "nav.sessions")
	}
	return items
}

// render writes a full page with status.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, v *View) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var buf strings.Builder
	if err := s.tpl.Render(&buf, name, v); err != nil {
		s.log.ErrorContext(r.Context(), "render", "view", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// renderBlock writes one block of a view (htmx fragment).
func (s *Site) renderBlock(w http.ResponseWriter, r *http.Request, name, block string, v *View) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.tpl.RenderBlock(w, name, block, v); err != nil {
		s.log.ErrorContext(r.Context(), "render block", "view", name, "block", block, "error", err)
	}
}

// ctx returns the request context carrying the caller (session token, address, agent)
// for the API clients.
func ctxFor(r *http.Request) context.Context {
	token, _ := authn.TokenFromRequest(r)
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := host
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		ip = fwd + ", " + host
	}
	return apicall.WithCaller(r.Context(), apicall.Caller{Token: token, ClientIP: ip, UserAgent: r.UserAgent()})
}

// fail renders an API error: a lost session goes to login, a refused page to 403, an
// outage to 503, anything else to a generic error page.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, ok := apicall.AsProblem(err)
	switch {
	case ok && p.Status == http.StatusUnauthorized:
		s.toLogin(w, r)
		return
	case ok && p.Status == http.StatusForbidden && p.Slug() == "password-change-required":
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		return
	}
	v := s.view(r)
	status := http.StatusBadGateway
	msg := v.L.T("error.unavailable")
	switch {
	case ok && p.Status == http.StatusForbidden:
		status, msg = http.StatusForbidden, v.L.T("error.forbidden")
	case ok && p.Status == http.StatusNotFound:
		status, msg = http.StatusNotFound, v.L.T("error.not_found")
	case ok && p.Status == http.StatusTooManyRequests:
		status, msg = http.StatusTooManyRequests, v.L.T("error.rate_limited")
	case ok && p.Status < 500:
		status, msg = p.Status, p.Detail
	default:
		s.log.ErrorContext(r.Context(), "api call failed", "path", r.URL.Path, "error", err)
	}
	v.Data = msg
	s.render(w, r, status, "error", v)
}

// formErrors turns a validation problem into per-field messages and a flash; other
// errors are not form errors (ok false).
func (s *Site) formErrors(v *View, err error) bool {
	p, ok := apicall.AsProblem(err)
	if !ok || p.Status >= 500 || p.Status == http.StatusUnauthorized {
		return false
	}
	if p.Status == http.StatusForbidden && p.Slug() == "password-change-required" {
		return false
	}
	for _, fe := range p.Errors {
		v.Errors[fe.Field] = fe.Reason
	}
	v.Conflicts = allocation.Conflicts(p.Conflicts)
	text := p.Detail
	if text == "" {
		text = p.Title
	}
	v.Flash = &Flash{Kind: "error", Text: v.L.T("error.form", text)}
	return true
}

func (s *Site) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// home is where a principal lands.
func home(p authn.Principal) string {
	switch p.Role {
	case authn.RoleCliente:
		return "/app"
	case authn.RoleSuperadmin:
		return "/admin/users"
	case authn.RoleAdmin:
		return "/allocation"
	}
	return "/account/profile"
}

var errCSRF = errors.New("csrf token missing or wrong")
