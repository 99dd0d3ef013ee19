// Package authn authenticates requests against the session service and authorizes them
// with explicit per-route guards.
//
// The session token comes from the __Host-planta_session cookie (browsers) or an
// Authorization: Bearer header (API clients). The session service's internal validate
// endpoint turns it into a Principal. Every route is registered through Router.Handle
// with a Guard; there is no way to register a route without one, and CheckGuarded proves
// in a test that no route slipped past the Router.
package authn

import (
	"context"
	"errors"
)

// Role is a user's role.
type Role string

// The roles of ARCHITECTURE.md §1.
const (
	RoleSuperadmin Role = "superadmin"
	RoleAdmin      Role = "admin"
	RoleCliente    Role = "cliente"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleSuperadmin, RoleAdmin, RoleCliente:
		return true
	}
	return false
}

// Actor is the party really acting during impersonation (RFC 8693 "act" claim shape).
type Actor struct {
	UserID    string `json:"user_id"`
	Username  string `json:"username"`
	SessionID string `json:"session_id,omitempty"`
}

// Principal is the authenticated caller. During impersonation it describes the
// impersonated cliente and Act names the superadmin behind it.
type Principal struct {
	UserID             string `json:"user_id"`
	Username           string `json:"username"`
	Role               Role   `json:"role"`
	SessionID          string `json:"session_id"`
	Act                *Actor `json:"act,omitempty"`
	MustChangePassword bool   `json:"must_change_password,omitempty"`
}

// Impersonating reports whether a superadmin is acting as this principal.
func (p Principal) Impersonating() bool { return p.Act != nil }

// TenantID is the inventory tenant the principal may see: a cliente's own id (also when
// a superadmin impersonates that cliente). Other roles have no tenant.
func (p Principal) TenantID() (string, bool) {
	if p.Role == RoleCliente && p.UserID != "" {
		return p.UserID, true
	}
	return "", false
}

// Errors a Validator returns.
var (
	// ErrInvalidSession means the token is unknown, expired or revoked: answer 401.
	ErrInvalidSession = errors.New("invalid session")
	// ErrUnavailable means the session store cannot answer: answer 503, never allow.
	ErrUnavailable = errors.New("session service unavailable")
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, if the route authenticated one.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

type captureKey struct{}

type capture struct{ p *Principal }

// CapturePrincipal lets middleware that runs outside the guarded handler (audit, access
// logs) learn the principal the guard authenticated: call the returned function after the
// handler has run.
func CapturePrincipal(ctx context.Context) (context.Context, func() (Principal, bool)) {
	c := &capture{}
	return context.WithValue(ctx, captureKey{}, c), func() (Principal, bool) {
		if c.p == nil {
			return Principal{}, false
		}
		return *c.p, true
	}
}

func recordCapture(ctx context.Context, p Principal) {
	if c, ok := ctx.Value(captureKey{}).(*capture); ok {
		c.p = &p
	}
}
