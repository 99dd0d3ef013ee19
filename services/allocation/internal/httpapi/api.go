// Package httpapi is the allocation service's HTTP API: the admin API under
// /api/v1/allocation/ (roles admin and superadmin) and the anonymous, read-only,
// rate-limited and cacheable public API under /api/v1/public/.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/clientip"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/allocation/internal/adjust"
	"github.com/planta-dev/planta/services/allocation/internal/importer"
	"github.com/planta-dev/planta/services/allocation/internal/reservation"
	"github.com/planta-dev/planta/services/allocation/internal/solvejob"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Base paths.
const (
	AdminBase  = "/api/v1/allocation"
	PublicBase = "/api/v1/public"
)

// Config builds an API.
type Config struct {
	// ClientIPs resolves callers behind trusted proxies for the public rate limit
	// (nil: the peer address).
	ClientIPs *clientip.Resolver
	Store     *store.Store
	Academic  *importer.Client
	// ExcludedPrograms are skipped at import unless the request names its own list.
	ExcludedPrograms []string
	Runner           *solvejob.Runner
	Log              *slog.Logger
	// Now is the clock (public "free rooms now", reservation horizon); nil = time.Now.
	Now func() time.Time
	// PublicRate and PublicBurst bound anonymous requests per client IP (per second).
	PublicRate  float64
	PublicBurst int
	// PublicCache bounds the in-process cache of public answers (publiccache.go).
	PublicCache PublicCacheConfig
}

// API holds the handlers.
type API struct {
	cfg     Config
	st      *store.Store
	grid    *timegrid.Grid
	loc     *time.Location
	limiter *limiter
	cache   *publicCache
	// observeQuery, when set (tests), sees every query parameter a handler reads.
	observeQuery atomic.Pointer[func(route, name string, declared bool)]
}

// New builds the API.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PublicRate <= 0 {
		cfg.PublicRate = 10
	}
	if cfg.PublicBurst <= 0 {
		cfg.PublicBurst = 60
	}
	g := timegrid.Default()
	loc, err := time.LoadLocation(g.Location)
	if err != nil {
		loc = time.UTC
	}
	return &API{cfg: cfg, st: cfg.Store, grid: g, loc: loc, limiter: newLimiter(cfg.PublicRate, cfg.PublicBurst, cfg.Now),
		cache: newPublicCache(cfg.Store, cfg.PublicCache)}
}

type handler func(w http.ResponseWriter, r *http.Request) error

// Route is one registered endpoint (also the source of the OpenAPI document).
type Route struct {
	Method, Path, Summary string
	Public                bool
	Tag                   string
	// Query lists the query parameters the route takes (params.go); any other is refused.
	Query []Param
	h     handler
	clock clockDep // public views: the part of the clock the answer reads
}

// Register adds every route to rt with its guard: admin routes require role admin or
// superadmin; public routes are anonymous, rate-limited and ETag-cached.
func (a *API) Register(rt *authn.Router) {
	admin := authn.RequireRole(authn.RoleAdmin, authn.RoleSuperadmin)
	for _, r := range a.Routes() {
		if r.Public {
			rt.Handle(r.Method, r.Path, authn.Public(), a.publicMiddleware(r.clock, a.wrap(r)))
		} else {
			rt.Handle(r.Method, r.Path, admin, a.wrap(r))
		}
	}
}

// wrap checks the query parameters against the route's declaration, then runs the
// handler and renders its error.
func (a *API) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := a.checkQuery(rt, r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		defer func() {
			if v := recover(); v != nil {
				u, ok := v.(undeclaredParam)
				if !ok {
					panic(v)
				}
				a.cfg.Log.ErrorContext(r.Context(), "handler reads an undeclared query parameter", "error", u.String())
				problem.Write(w, r, problem.Internal())
			}
		}()
		if err := rt.h(w, withQuery(r, q)); err != nil {
			a.writeErr(w, r, err)
		}
	})
}

// conflictProblem is a 409 problem listing the conflicts.
type conflictProblem struct {
	*problem.Problem
	Conflicts any `json:"conflicts,omitempty"`
}

func writeProblemWith(w http.ResponseWriter, r *http.Request, p *problem.Problem, conflicts any) {
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", problem.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(conflictProblem{Problem: p, Conflicts: conflicts})
}

func (a *API) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ce  *store.ConflictError
		re  *store.InvalidRefError
		ve  *adjust.ViolationError
		ie  *adjust.InvalidError
		fe  *reservation.FieldError
		cfe *conflictErr
	)
	switch {
	case problem.From(err) != nil:
		problem.Write(w, r, problem.From(err))
	case errors.Is(err, store.ErrNotFound):
		problem.Write(w, r, problem.NotFound("resource"))
	case errors.As(err, &ce):
		p := problem.Conflict(ce.Slug, ce.Detail)
		if ce.Field != "" {
			p.Errors = []problem.FieldError{{Field: ce.Field, Reason: ce.Detail}}
		}
		writeProblemWith(w, r, p, ce.Conflicts)
	case errors.As(err, &re):
		problem.Write(w, r, problem.Field(re.Field, re.Detail))
	case errors.As(err, &ve):
		type v struct {
			Kind      string `json:"kind"`
			SectionID string `json:"demand_id"`
			Day       int    `json:"day"`
			RoomID    string `json:"room_id"`
			Block     string `json:"block,omitempty"`
			Other     string `json:"other,omitempty"`
			Message   string `json:"message"`
		}
		list := make([]v, len(ve.Violations))
		for i, x := range ve.Violations {
			list[i] = v{string(x.Kind), x.SectionID, int(x.Day), x.RoomID, x.Block, x.Other, x.Message}
		}
		writeProblemWith(w, r, problem.Conflict("hard-constraint", ve.Error()), list)
	case errors.As(err, &ie):
		problem.Write(w, r, problem.Field(ie.Field, ie.Reason))
	case errors.As(err, &fe):
		problem.Write(w, r, problem.Field(fe.Field, fe.Reason))
	case errors.As(err, &cfe):
		writeProblemWith(w, r, problem.Conflict(cfe.slug, cfe.detail), cfe.list)
	case errors.Is(err, importer.ErrNotConfigured):
		problem.Write(w, r, problem.Unavailable(err.Error()))
	case errors.Is(err, context.Canceled):
		problem.Write(w, r, problem.Unavailable("request cancelled"))
	default:
		a.cfg.Log.ErrorContext(r.Context(), "allocation request failed", "path", r.URL.Path, "error", err)
		problem.Write(w, r, problem.Internal())
	}
}

type conflictErr struct {
	slug, detail string
	list         any
}

func (e *conflictErr) Error() string { return e.detail }

// actor is the username writes are recorded under.
func actor(r *http.Request) string {
	p, ok := authn.FromContext(r.Context())
	if !ok {
		return "anonymous"
	}
	if p.Act != nil {
		return p.Act.Username + " as " + p.Username
	}
	return p.Username
}

// --- input helpers

func pathID(r *http.Request, name string) (int64, error) {
	v := mux.Vars(r)[name]
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.NotFound(name)
	}
	return id, nil
}

func listResp[T any](w http.ResponseWriter, items []T, p store.Page, id func(T) int64) {
	if items == nil {
		items = []T{}
	}
	out := jsonbody.List[T]{Items: items}
	if len(items) == p.Limit && len(items) > 0 {
		out.NextCursor = strconv.FormatInt(id(items[len(items)-1]), 10)
	}
	jsonbody.Write(w, http.StatusOK, out)
}

// validator accumulates field errors.
type validator struct{ errs []problem.FieldError }

func (v *validator) check(ok bool, field, reason string) {
	if !ok {
		v.errs = append(v.errs, problem.FieldError{Field: field, Reason: reason})
	}
}

func (v *validator) name(field, s string) {
	v.check(strings.TrimSpace(s) != "" && len(s) <= 200, field, "is required (at most 200 characters)")
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	names := make([]string, len(v.errs))
	for i, e := range v.errs {
		names[i] = e.Field
	}
	return problem.Invalid("invalid fields: "+strings.Join(names, ", "), v.errs...)
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

func wantsCSV(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, ".csv") || strings.Contains(r.Header.Get("Accept"), "text/csv")
}

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
