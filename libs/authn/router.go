package authn

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/problem"
)

// CookieName is the browser session cookie. The __Host- prefix pins it to Secure,
// Path=/ and no Domain, so a sibling subdomain cannot set or read it.
const CookieName = "__Host-planta_session"

// Router registers routes on a gorilla/mux router, each with its Guard.
type Router struct {
	mux       *mux.Router
	validator Validator
	log       *slog.Logger

	mu     sync.Mutex
	routes map[*mux.Route]RouteInfo
}

// RouteInfo describes a registered route.
type RouteInfo struct {
	Method string
	Path   string
	Guard  Guard
}

// NewRouter wraps m. validator may be nil only if every route is Public.
func NewRouter(m *mux.Router, validator Validator, log *slog.Logger) *Router {
	return &Router{mux: m, validator: validator, log: log, routes: map[*mux.Route]RouteInfo{}}
}

// Handle registers h for method and path behind guard; a GET route also answers HEAD.
// Before h runs, the router refuses path, query and form input that is not valid UTF-8
// or contains NUL, and marks answers of authenticated routes Cache-Control: no-store.
func (rt *Router) Handle(method, path string, guard Guard, h http.Handler) *mux.Route {
	if guard.name == "" {
		panic(fmt.Sprintf("authn: route %s %s registered without a guard", method, path))
	}
	if guard.authenticate && rt.validator == nil {
		panic(fmt.Sprintf("authn: route %s %s needs a session validator", method, path))
	}
	methods := []string{method}
	if method == http.MethodGet {
		// RFC 9110 §9.3.2: HEAD is GET without the body (net/http discards it). Same
		// route, so the guard and CheckGuarded cover both.
		methods = append(methods, http.MethodHead)
	}
	route := rt.mux.Handle(path, rt.wrap(guard, h)).Methods(methods...)
	rt.mu.Lock()
	rt.routes[route] = RouteInfo{Method: method, Path: path, Guard: guard}
	rt.mu.Unlock()
	return route
}

// HandleFunc is Handle for a function.
func (rt *Router) HandleFunc(method, path string, guard Guard, h http.HandlerFunc) *mux.Route {
	return rt.Handle(method, path, guard, h)
}

// Routes lists every registered route, sorted by path then method.
func (rt *Router) Routes() []RouteInfo {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]RouteInfo, 0, len(rt.routes))
	for _, info := range rt.routes {
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// CheckGuarded walks m and returns an error naming every route that was not registered
// through rt (and so has no guard), except the exempt path templates (the operational
// endpoints of the internal listener). Services call it at start and in their tests.
func (rt *Router) CheckGuarded(m *mux.Router, exempt ...string) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var unguarded []string
	err := m.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if route.GetHandler() == nil {
			return nil // a subrouter, not an endpoint
		}
		if _, ok := rt.routes[route]; !ok {
			tpl, _ := route.GetPathTemplate()
			if !slices.Contains(exempt, tpl) {
				unguarded = append(unguarded, tpl)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk routes: %w", err)
	}
	if len(unguarded) > 0 {
		return fmt.Errorf("routes without a guard: %s", strings.Join(unguarded, ", "))
	}
	return nil
}

func (rt *Router) wrap(guard Guard, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, fromCookie := TokenFromRequest(r)
		if isUnsafe(r.Method) && (fromCookie || !guard.authenticate) {
			// Cookie-authenticated writes, and anonymous writes such as login, must come
			// from our own pages: a cross-site form can ride a cookie or plant a session.
			if err := CheckSameOrigin(r, fromCookie); err != nil {
				problem.Write(w, r, problem.Forbidden(err.Error()))
				return
			}
		}
		if !guard.authenticate {
			next := r
			if token != "" && rt.validator != nil {
				// Public routes still learn who is calling when a session is present.
				if p, err := rt.validator.Validate(r.Context(), token, false); err == nil {
					next = r.WithContext(WithPrincipal(r.Context(), p))
				}
			}
			if p := checkInput(w, next); p != nil {
				problem.Write(w, next, p)
				return
			}
			h.ServeHTTP(w, next)
			return
		}
		if token == "" {
			problem.Write(w, r, problem.Unauthorized())
			return
		}
		p, err := rt.validator.Validate(r.Context(), token, true)
		switch {
		case errors.Is(err, ErrInvalidSession):
			problem.Write(w, r, problem.Unauthorized())
			return
		case err != nil:
			rt.log.ErrorContext(r.Context(), "session validation unavailable", "error", err)
			problem.Write(w, r, problem.Unavailable("session service unavailable"))
			return
		}
		if p.MustChangePassword && !guard.mustChangeOK {
			problem.Write(w, r, problem.New(http.StatusForbidden, "password-change-required",
				"the password must be changed before anything else"))
			return
		}
		if err := guard.Allow(p); err != nil {
			problem.Write(w, r, problem.Forbidden(err.Error()))
			return
		}
		recordCapture(r.Context(), p)
		// Input is checked after the guard: an anonymous caller learns nothing more than
		// 401, and a form body is not buffered for one.
		if p := checkInput(w, r); p != nil {
			problem.Write(w, r, p)
			return
		}
		// Answers for a session are private: no shared or browser cache may keep them
		// unless the handler (or a middleware before it) chose a policy itself.
		if w.Header().Get("Cache-Control") == "" {
			w.Header().Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// TokenFromRequest returns the session token and whether it came from the cookie. The
// Authorization header wins over the cookie.
func TokenFromRequest(r *http.Request) (token string, fromCookie bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), false
		}
		return "", false
	}
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

func isUnsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// CheckSameOrigin is the CSRF defence for state-changing requests: Fetch Metadata when
// the browser sends it, else the Origin header against the request's host. A request
// with neither is a non-browser client: allowed unless strict (cookie-authenticated).
func CheckSameOrigin(r *http.Request, strict bool) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" || site == "none" {
			return nil
		}
		return fmt.Errorf("cross-site request refused (Sec-Fetch-Site: %s)", site)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		if strict {
			return errors.New("cross-site request refused: no Origin on a cookie-authenticated write")
		}
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return errors.New("cross-site request refused: bad Origin")
	}
	host := r.Host
	if fwd := r.Header.Get("X-Forwarded-Host"); fwd != "" {
		host = fwd
	}
	if !strings.EqualFold(u.Host, host) {
		return fmt.Errorf("cross-site request refused: origin %s is not %s", u.Host, host)
	}
	return nil
}
