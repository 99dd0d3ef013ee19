package session

import (
	"errors"
	"fmt"
)

// Errors of the session rules. internal/httpapi maps each to one problem type.
var (
	// ErrInvalidSession: the token is unknown, expired or revoked.
	ErrInvalidSession = errors.New("invalid session")
	// ErrUnavailable: the session store cannot answer. Callers must deny, never allow.
	ErrUnavailable = errors.New("session store unavailable")
	// ErrNotFound: no such session for that user (also another user's session: ids
	// cannot be probed).
	ErrNotFound = errors.New("session not found")
	// ErrActorNotSuperadmin: only a superadmin may impersonate.
	ErrActorNotSuperadmin = errors.New("only a superadmin may impersonate")
	// ErrNestedImpersonation: an impersonation session cannot start another one.
	ErrNestedImpersonation = errors.New("already impersonating")
	// ErrNotImpersonating: stop was called with a session that is not an impersonation.
	ErrNotImpersonating = errors.New("not an impersonation session")
)

// ValidationError names the input field at fault.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }
