package user

import (
	"context"
	"time"
)

// Store persists accounts (internal/store implements it on Postgres).
type Store interface {
	// ByID returns a live (not deleted) account or ErrNotFound.
	ByID(ctx context.Context, id string) (User, error)
	// ByLogin finds a live account by username, or by email when login contains '@',
	// case-insensitively.
	ByLogin(ctx context.Context, login string) (User, error)
	// Create inserts u (ID and timestamps are assigned) or returns ErrUsernameTaken /
	// ErrEmailTaken.
	Create(ctx context.Context, u User) (User, error)
	// Update locks the live account id, lets change mutate it and writes it back, all in
	// one transaction; an error from change rolls everything back. change may call
	// others to count the other active superadmins (locked until commit).
	Update(ctx context.Context, id string, change func(u *User, others SuperadminCounter) error) (User, error)
	// List returns one page of accounts, newest first.
	List(ctx context.Context, f ListFilter) (users []User, next string, err error)
	// EnsureSeeded inserts the seeded superadmin if it does not exist.
	EnsureSeeded(ctx context.Context, email, hash string, mustChange bool) (created bool, err error)
	// SyncDeclarative makes the declarative accounts match declared (creating, updating
	// and disabling) and returns the ids whose sessions must end.
	SyncDeclarative(ctx context.Context, declared []User) (changed []string, err error)
}

// SuperadminCounter counts the active superadmins other than the account being changed.
type SuperadminCounter func(ctx context.Context) (int, error)

// ListFilter selects accounts; zero values do not filter.
type ListFilter struct {
	Role   Role
	Active *bool
	// Query matches username, email or full name (case-insensitive substring).
	Query string
	// OnlyIDs / ExcludeIDs implement the "locked" filter (lock state lives in Redis).
	OnlyIDs    []string
	ExcludeIDs []string
	Cursor     string
	Limit      int
}

// LockedAccount is an account locked now.
type LockedAccount struct {
	User        User
	LockedUntil time.Time
}
