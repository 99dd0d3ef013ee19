// Package user is the identity domain: accounts, their roles and credentials, login with
// lockout and timing equalisation, self-registration, profile and password changes, the
// administrators' operations, the seeded superadmin and the declarative accounts.
//
// It knows neither HTTP nor SQL: persistence is the Store interface (internal/store),
// sessions are the SessionService interface (the session service's client).
package user

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is an account's role (ARCHITECTURE.md §1).
type Role string

// Roles.
const (
	RoleSuperadmin Role = "superadmin"
	RoleAdmin      Role = "admin"
	RoleCliente    Role = "cliente"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleSuperadmin || r == RoleAdmin || r == RoleCliente
}

// SeededUsername is the built-in superadmin's username.
const SeededUsername = "superadmin"

// User is an account.
type User struct {
	ID                 string
	Username           string
	Email              string
	FullName           string
	Role               Role
	Active             bool
	PasswordHash       string
	MustChangePassword bool
	// Declarative accounts come from the mounted YAML file and are read-only here.
	Declarative bool
	// Seeded marks the built-in superadmin: never deleted, disabled or demoted.
	Seeded            bool
	DeletedAt         *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	PasswordChangedAt time.Time
}

// Domain errors, mapped to problem types in one place (internal/httpapi).
var (
	// ErrInvalidCredentials is the one answer to every failed login: unknown user, wrong
	// password, locked and disabled accounts are indistinguishable from outside.
	ErrInvalidCredentials = errors.New("invalid username or password")
	ErrNotFound           = errors.New("user not found")
	ErrUsernameTaken      = errors.New("username is taken")
	ErrEmailTaken         = errors.New("email is taken")
	// ErrProtected: the seeded superadmin cannot be deleted, disabled or demoted.
	ErrProtected = errors.New("the seeded superadmin cannot be deleted, disabled or demoted")
	// ErrLastSuperadmin: the last active superadmin cannot be removed, disabled or demoted.
	ErrLastSuperadmin = errors.New("the last active superadmin cannot be deleted, disabled or demoted")
	// ErrDeclarative: the account is managed by the declarative users file.
	ErrDeclarative         = errors.New("the account is declared in the users file and is read-only")
	ErrRegistrationClosed  = errors.New("self-registration is turned off")
	ErrWrongPassword       = errors.New("current password is incorrect")
	ErrPasswordChangeFirst = errors.New("the password must be changed first")
	// ErrUnavailable: a dependency (Redis, the session service) did not answer; nothing
	// was granted.
	ErrUnavailable = errors.New("a dependency is unavailable")
)

// RateLimitedError means the client exceeded its request rate.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string { return "too many requests" }

// FieldError is invalid input in one field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// ValidationError lists every invalid field of a request.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

type validator struct{ fields []FieldError }

func (v *validator) add(field, reason string) { v.fields = append(v.fields, FieldError{field, reason}) }

func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{2,31}$`)

func (v *validator) username(field, s string) {
	if !usernamePattern.MatchString(s) {
		v.add(field, "must be 3–32 characters: letters, digits, '_', '.', '-' (not starting with '.' or '-')")
	}
}

func (v *validator) email(field, s string) {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		v.add(field, "must be a plain email address such as name@example.com")
	}
}

func (v *validator) fullName(field, s string, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case required && strings.TrimSpace(s) == "":
		v.add(field, "is required")
	case utf8.RuneCountInString(s) > 200:
		v.add(field, "must be at most 200 characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "must not contain control characters")
	}
}

func (v *validator) role(field string, r Role) {
	if !r.Valid() {
		v.add(field, "must be one of superadmin, admin, cliente")
	}
}
