package session

import (
	"context"
	"time"
)

// Store keeps session records. Every method returns an error wrapping ErrUnavailable
// when the backing store cannot answer.
type Store interface {
	// Insert stores a new record and indexes it under its owner. When rec has a
	// ParentHash (an impersonation session), the insert happens only if that session
	// still exists, atomically; otherwise it returns ErrInvalidSession.
	Insert(ctx context.Context, rec Record, now time.Time, idle time.Duration) error
	// Validate reads the record of tokenHash and checks, in one round trip, that it
	// exists, is within its idle and absolute lifetime at now, is not older than its
	// user's not-before instant and, for an impersonation session, that its parent is
	// alive. With touch it slides the idle timer (of the parent too). A dead record is
	// deleted and ErrInvalidSession returned.
	Validate(ctx context.Context, tokenHash string, now time.Time, idle time.Duration, touch bool) (Record, error)
	// Get reads a record without checks; ErrInvalidSession when absent.
	Get(ctx context.Context, tokenHash string) (Record, error)
	// Delete removes the record of tokenHash; ok is false when there was none.
	Delete(ctx context.Context, tokenHash string) (rec Record, ok bool, err error)
	// DeleteByID removes session id if owner's index lists it; ok is false otherwise.
	DeleteByID(ctx context.Context, owner, id string) (ok bool, err error)
	// ListByOwner returns the live sessions in owner's index, oldest first, and cleans
	// out dead entries.
	ListByOwner(ctx context.Context, owner string, now time.Time, idle time.Duration) ([]Record, error)
	// RevokeAll sets userID's not-before instant to now (kept for ttl) and deletes
	// every session in the user's index except exceptID, whose ValidSince moves to now.
	// It returns how many sessions it deleted.
	RevokeAll(ctx context.Context, userID, exceptID string, now time.Time, ttl time.Duration) (int, error)
	// Replace atomically deletes the records of oldHashes and inserts rec; if any of
	// them is already gone it changes nothing and returns ErrInvalidSession.
	Replace(ctx context.Context, oldHashes []string, rec Record, now time.Time, idle time.Duration) error
	// CountActive approximates the number of live sessions at now.
	CountActive(ctx context.Context, now time.Time) (int64, error)
}
