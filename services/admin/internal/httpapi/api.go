// Package httpapi is the admin service's HTTP surface: the superadmin's user, lockout,
// session, impersonation, access-log and audit-log routes under /api/v1/admin, and the
// internal audit-events endpoint other services report impersonated writes to.
//
// Every route is registered through authn.Router with an explicit guard. The guard for
// almost everything is RequireRole(superadmin): an impersonating superadmin carries the
// cliente's role, so while impersonating every admin route answers 403.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/planta-dev/planta/libs/audit"
	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/clientip"
	"github.com/planta-dev/planta/libs/observability"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
	"github.com/planta-dev/planta/services/admin/internal/impersonation"
	"github.com/planta-dev/planta/services/admin/internal/sessionclient"
)

// Base is the prefix of every public route.
const Base = "/api/v1/admin"

// Identity is what the admin service asks of the identity service.
type Identity interface {
	ListUsers(ctx context.Context, f identityclient.UserFilter) (identityclient.Page[identityclient.User], error)
	GetUser(ctx context.Context, id string) (identityclient.User, error)
	CreateUser(ctx context.Context, u identityclient.NewUser) (identityclient.User, error)
	UpdateUser(ctx context.Context, id string, ch identityclient.UserChange) (identityclient.User, error)
	DisableUser(ctx context.Context, id string) (identityclient.User, error)
	EnableUser(ctx context.Context, id string) (identityclient.User, error)
	DeleteUser(ctx context.Context, id string) error
	ResetPassword(ctx context.Context, id string) (identityclient.PasswordReset, error)
	Unlock(ctx context.Context, id string) (identityclient.User, error)
	Lockouts(ctx context.Context) ([]identityclient.Lockout, error)
	AccessLogs(ctx context.Context, f identityclient.AccessLogFilter) (identityclient.Page[identityclient.AccessLogEntry], error)
	AccessLogKPIs(ctx context.Context, from, to time.Time) (identityclient.KPIs, error)
}

// Sessions is what the admin service asks of the session service (besides validation
// and impersonation).
type Sessions interface {
	List(ctx context.Context, userID string) ([]sessionclient.Session, error)
	Revoke(ctx context.Context, userID, sessionID string) error
	RevokeAll(ctx context.Context, userID, exceptSessionID string) error
}

// API holds the handlers' dependencies.
type API struct {
	Identity      Identity
	Sessions      Sessions
	Impersonation *impersonation.Service
	Audit         auditlog.Store
	// ClientIPs resolves the caller's address behind trusted proxies (nil: the peer).
	ClientIPs *clientip.Resolver
	Log       *slog.Logger
	// Now is the clock (lockout time remaining, default KPI period, event times).
	Now func() time.Time
}

// Register adds every route: public ones on public, the audit-events sink on internal.
func (a *API) Register(public, internal *authn.Router) {
	super := authn.RequireRole(authn.RoleSuperadmin)
	h := func(method, path string, g authn.Guard, fn http.HandlerFunc) {
		public.HandleFunc(method, Base+path, g, fn)
	}
	// The self view is the one route the allocation admin may call here.
	h(http.MethodGet, "/me", authn.RequireRole(authn.RoleAdmin, authn.RoleSuperadmin).NotImpersonating(), a.me)

	h(http.MethodGet, "/users", super, a.listUsers)
	h(http.MethodGet, "/users.csv", super, a.exportUsers)
	h(http.MethodPost, "/users", super, a.createUser)
	h(http.MethodGet, "/users/{user_id}", super, a.getUser)
	h(http.MethodPatch, "/users/{user_id}", super, a.updateUser)
	h(http.MethodDelete, "/users/{user_id}", super, a.deleteUser)
	h(http.MethodPost, "/users/{user_id}/disable", super, a.disableUser)
	h(http.MethodPost, "/users/{user_id}/enable", super, a.enableUser)
	h(http.MethodPost, "/users/{user_id}/reset-password", super, a.resetPassword)
	h(http.MethodPost, "/users/{user_id}/unlock", super, a.unlockUser)

	h(http.MethodGet, "/lockouts", super, a.listLockouts)

	h(http.MethodGet, "/users/{user_id}/sessions", super, a.listSessions)
	h(http.MethodDelete, "/users/{user_id}/sessions", super, a.terminateAllSessions)
	h(http.MethodDelete, "/users/{user_id}/sessions/{session_id}", super, a.terminateSession)

	h(http.MethodPost, "/impersonation", super, a.startImpersonation)
	// Stopping is the one action of an impersonating principal here; the handler refuses
	// anyone who is not impersonating.
	h(http.MethodDelete, "/impersonation", stopGuard(), a.stopImpersonation)

	h(http.MethodGet, "/access-logs", super, a.listAccessLogs)
	h(http.MethodGet, "/access-logs.csv", super, a.exportAccessLogs)
	h(http.MethodGet, "/access-logs/kpis", super, a.accessLogKPIs)

	h(http.MethodGet, "/audit-events", super, a.listAuditEvents)
	h(http.MethodGet, "/audit-events.csv", super, a.exportAuditEvents)

	internal.HandleFunc(http.MethodPost, audit.EventsPath, authn.Internal(), a.receiveAuditEvent)
}

func (a *API) now() time.Time {
	if a.Now == nil {
		return time.Now().UTC()
	}
	return a.Now().UTC()
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p, _ := authn.FromContext(r.Context())
	writeJSON(w, http.StatusOK, p)
}

// record appends an admin action to the audit log. The action has already happened, so
// a failure cannot undo it: it is logged as an error for alerting.
func (a *API) record(r *http.Request, e auditlog.Entry) {
	ctx := r.Context()
	p, _ := authn.FromContext(ctx)
	e.Time, e.Service = a.now(), "admin"
	e.ActorID, e.ActorUsername = p.UserID, p.Username
	e.IP, e.TraceID = a.ClientIPs.Of(r), observability.TraceID(ctx)
	if e.Target == "" {
		e.Target = requestTarget(r)
	}
	if _, err := a.Audit.Append(context.WithoutCancel(ctx), e); err != nil {
		a.Log.ErrorContext(ctx, "audit entry lost", "action", e.Action, "actor_id", e.ActorID,
			"subject_id", e.SubjectID, "error", err)
	}
}

func requestTarget(r *http.Request) string {
	t := r.Method + " " + r.URL.Path
	if len(t) > auditlog.MaxTargetLen {
		t = strings.ToValidUTF8(t[:auditlog.MaxTargetLen], "")
	}
	return t
}

func (a *API) auditContext(r *http.Request) impersonation.Context {
	return impersonation.Context{IP: a.ClientIPs.Of(r), TraceID: observability.TraceID(r.Context()), Target: requestTarget(r)}
}
