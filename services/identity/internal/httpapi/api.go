// Package httpapi is identity's HTTP layer: the public API (login, logout, registration,
// the caller's own profile and password) and the internal API the admin service uses
// (accounts, lockouts, access log). Handlers decode and validate input, call the user
// manager and map its errors to problem+json in one place (errors.go).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/clientip"

	"github.com/planta-dev/planta/services/identity/internal/accesslog"
	"github.com/planta-dev/planta/services/identity/internal/user"
)

// AccessLogQuerier reads the access log.
type AccessLogQuerier interface {
	Query(ctx context.Context, f accesslog.Filter) ([]accesslog.Entry, int64, error)
	KPIs(ctx context.Context, from, to time.Time) (accesslog.KPIs, error)
}

// API holds the handlers' dependencies.
type API struct {
	users     *user.Manager
	accessLog AccessLogQuerier
	ips       *clientip.Resolver
	log       *slog.Logger
	now       func() time.Time
}

// New returns the API.
func New(users *user.Manager, accessLog AccessLogQuerier, ips *clientip.Resolver, log *slog.Logger, now func() time.Time) *API {
	if now == nil {
		now = time.Now
	}
	return &API{users: users, accessLog: accessLog, ips: ips, log: log, now: now}
}

// Register adds every route, each with its guard.
func (a *API) Register(public, internal *authn.Router) {
	public.HandleFunc(http.MethodPost, "/api/v1/auth/login", authn.Public(), a.login)
	public.HandleFunc(http.MethodPost, "/api/v1/auth/logout", authn.Public(), a.logout)
	public.HandleFunc(http.MethodPost, "/api/v1/auth/register", authn.Public(), a.register)
	// A session that must change its password reaches only these two (and logout).
	public.HandleFunc(http.MethodGet, "/api/v1/me", authn.RequireAuthenticated().AllowMustChangePassword(), a.me)
	public.HandleFunc(http.MethodPatch, "/api/v1/me", authn.RequireAuthenticated().NotImpersonating(), a.updateMe)
	public.HandleFunc(http.MethodPost, "/api/v1/me/password", authn.RequireAuthenticated().AllowMustChangePassword().NotImpersonating(), a.changePassword)

	in := authn.Internal()
	internal.HandleFunc(http.MethodGet, "/internal/v1/users", in, a.listUsers)
	internal.HandleFunc(http.MethodPost, "/internal/v1/users", in, a.createUser)
	internal.HandleFunc(http.MethodGet, "/internal/v1/users/by-username/{username}", in, a.getUserByUsername)
	internal.HandleFunc(http.MethodGet, "/internal/v1/users/{id}", in, a.getUser)
	internal.HandleFunc(http.MethodPatch, "/internal/v1/users/{id}", in, a.updateUser)
	internal.HandleFunc(http.MethodDelete, "/internal/v1/users/{id}", in, a.deleteUser)
	internal.HandleFunc(http.MethodPost, "/internal/v1/users/{id}/disable", in, a.setActive(false))
	internal.HandleFunc(http.MethodPost, "/internal/v1/users/{id}/enable", in, a.setActive(true))
	internal.HandleFunc(http.MethodPost, "/internal/v1/users/{id}/reset-password", in, a.resetPassword)
	internal.HandleFunc(http.MethodPost, "/internal/v1/users/{id}/unlock", in, a.unlock)
	internal.HandleFunc(http.MethodGet, "/internal/v1/lockouts", in, a.listLockouts)
	internal.HandleFunc(http.MethodGet, "/internal/v1/access-log", in, a.queryAccessLog)
	internal.HandleFunc(http.MethodGet, "/internal/v1/access-log/kpis", in, a.accessLogKPIs)
}
