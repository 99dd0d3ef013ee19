// Package session holds the rules of Planta's sessions: opaque 256-bit tokens of which
// only a hash is stored, a sliding idle timeout inside an absolute lifetime, a per-user
// not-before instant that kills every older session at once, and impersonation sessions
// bound to the superadmin session that started them.
//
// The package has no HTTP and no Redis: Manager applies the rules and Store (implemented
// by internal/store) keeps the records. The expiry checks of the hot path run inside the
// store, in one round trip, with the instant the Manager passes from its injected clock.
package session

import (
	"time"
)

// Role is a user's role (the same names as authn.Role).
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

// Actor is the superadmin really acting behind an impersonation session.
type Actor struct {
	UserID    string
	Username  string
	SessionID string
}

// Session is one login (or one impersonation) as the rest of Planta sees it. Its ID is
// a random identifier unrelated to the token, safe to show in APIs and logs.
type Session struct {
	ID                 string
	UserID             string
	Username           string
	Role               Role
	MustChangePassword bool
	CreatedAt          time.Time
	LastSeenAt         time.Time
	// ExpiresAt is the absolute end of the session, whatever its activity.
	ExpiresAt time.Time
	IP        string
	UserAgent string
	// Act is set on impersonation sessions: the principal is the impersonated cliente
	// and Act the superadmin.
	Act *Actor
}

// Impersonating reports whether the session is an impersonation session.
func (s Session) Impersonating() bool { return s.Act != nil }

// IdleExpiresAt is when the session ends unless it is used again.
func (s Session) IdleExpiresAt(idle time.Duration) time.Time {
	t := s.LastSeenAt.Add(idle)
	if t.After(s.ExpiresAt) {
		return s.ExpiresAt
	}
	return t
}

// Record is a session as stored: the session plus bookkeeping that never leaves the
// service.
type Record struct {
	Session
	// TokenHash is the hex SHA-256 of the token, the only form of the token at rest.
	TokenHash string
	// Owner is the user whose session index lists the record: the user for a login,
	// the superadmin for an impersonation session.
	Owner string
	// ParentHash is, for an impersonation session, the token hash of the superadmin
	// session it is bound to.
	ParentHash string
	// ValidSince is compared with the user's not-before instant: a session valid only
	// since before it is dead. It starts at CreatedAt; revoke-all moves it forward on the
	// one session it keeps.
	ValidSince time.Time
}

// Alive applies the expiry rules to a record read at now: the idle timeout, the
// absolute lifetime and the user's not-before instant (zero when unset). The store's
// validate script applies the same rules in Redis.
func (r Record) Alive(now time.Time, idle time.Duration, notBefore time.Time) bool {
	if !now.Before(r.ExpiresAt) || !now.Before(r.LastSeenAt.Add(idle)) {
		return false
	}
	return !r.ValidSince.Before(notBefore)
}
