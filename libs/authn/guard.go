package authn

import (
	"fmt"
	"slices"
	"strings"
)

// Guard decides who may call a route. Build one with Public, RequireAuthenticated,
// RequireRole or RequireTenant; the zero Guard is invalid and registering it panics.
type Guard struct {
	name         string
	authenticate bool
	allow        func(Principal) error
	// mustChangeOK admits sessions whose password must be changed first; only the
	// routes needed to change it (profile, password, logout) set it.
	mustChangeOK bool
}

// Name describes the guard (for route listings and the authorization matrix tests).
func (g Guard) Name() string { return g.name }

// Authenticates reports whether the guard needs a session.
func (g Guard) Authenticates() bool { return g.authenticate }

// Allow applies the guard's rule to an authenticated principal.
func (g Guard) Allow(p Principal) error {
	if g.allow == nil {
		return nil
	}
	return g.allow(p)
}

// Public marks a route that anyone may call, with or without a session.
func Public() Guard { return Guard{name: "public"} }

// RequireAuthenticated admits any valid session.
func RequireAuthenticated() Guard { return Guard{name: "authenticated", authenticate: true} }

// RequireRole admits sessions whose role is one of roles. An impersonating superadmin
// has the impersonated cliente's role, so RequireRole(RoleSuperadmin) refuses it.
func RequireRole(roles ...Role) Guard {
	if len(roles) == 0 {
		panic("authn: RequireRole needs at least one role")
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return Guard{
		name:         "role:" + strings.Join(names, "|"),
		authenticate: true,
		allow: func(p Principal) error {
			if slices.Contains(roles, p.Role) {
				return nil
			}
			return fmt.Errorf("role %s may not call this route", p.Role)
		},
	}
}

// RequireTenant admits callers with an inventory tenant: a cliente, or a superadmin
// impersonating one.
func RequireTenant() Guard {
	return Guard{
		name:         "tenant",
		authenticate: true,
		allow: func(p Principal) error {
			if _, ok := p.TenantID(); ok {
				return nil
			}
			return fmt.Errorf("only a cliente (or a superadmin viewing as one) may call this route")
		},
	}
}

// AllowMustChangePassword admits sessions that must change their password before doing
// anything else. Every other authenticated route refuses them with 403.
func (g Guard) AllowMustChangePassword() Guard {
	g.mustChangeOK = true
	g.name += ",must-change-ok"
	return g
}

// NotImpersonating refuses the route while a superadmin is acting as someone else:
// password, session and user management stay with the real owner.
func (g Guard) NotImpersonating() Guard {
	inner := g.allow
	return Guard{
		name:         g.name + ",not-impersonating",
		authenticate: true,
		mustChangeOK: g.mustChangeOK,
		allow: func(p Principal) error {
			if p.Impersonating() {
				return fmt.Errorf("not allowed while impersonating")
			}
			if inner != nil {
				return inner(p)
			}
			return nil
		},
	}
}

// Internal marks a route of the internal listener: service-to-service APIs that the
// ingress never routes and NetworkPolicy admits only from Planta's own pods.
func Internal() Guard { return Guard{name: "internal"} }
