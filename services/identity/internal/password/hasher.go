package password

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the production bcrypt cost; MinCost is the lowest configuration allows.
const (
	DefaultCost = 12
	MinCost     = 10
)

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("password does not match")

// Hasher hashes and verifies passwords. Login code depends on this interface so tests can
// count bcrypt invocations.
type Hasher interface {
	Hash(ctx context.Context, pw string) (string, error)
	// Compare returns nil on a match, ErrMismatch otherwise.
	Compare(ctx context.Context, hash, pw string) error
}

// Bcrypt is the production Hasher.
type Bcrypt struct{ Cost int }

// Hash implements Hasher. Passwords over MaxBytes are refused, never truncated.
func (b Bcrypt) Hash(_ context.Context, pw string) (string, error) {
	if len(pw) > MaxBytes {
		return "", ErrTooLong
	}
	var h []byte
	var err error
	lowPriority(func() { h, err = bcrypt.GenerateFromPassword([]byte(pw), b.Cost) })
	if err != nil {
		return "", fmt.Errorf("bcrypt: %w", err)
	}
	return string(h), nil
}

// Compare implements Hasher. x/crypto's bcrypt silently reads only the first 72 bytes of
// the candidate, so a longer one would match a hash of its prefix: it is refused here,
// after spending the same bcrypt work so that the answer's timing says nothing. Hash and
// Compare run at background priority (lowPriority).
func (b Bcrypt) Compare(_ context.Context, hash, pw string) error {
	var err error
	if len(pw) > MaxBytes {
		lowPriority(func() { _ = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw[:MaxBytes])) })
		return ErrMismatch
	}
	if lowPriority(func() { err = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) }); err != nil {
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return ErrMismatch
		}
		return fmt.Errorf("bcrypt: %w", err)
	}
	return nil
}

// CheckHash reports whether s is a bcrypt hash this service can verify (declarative users).
func CheckHash(s string) error {
	cost, err := bcrypt.Cost([]byte(s))
	if err != nil {
		return fmt.Errorf("not a bcrypt hash: %w", err)
	}
	if cost < MinCost {
		return fmt.Errorf("bcrypt cost %d is below the minimum %d", cost, MinCost)
	}
	return nil
}

// DummyHash hashes a random password with h: the target of the compare spent for unknown,
// locked and disabled accounts so that every failed login costs one bcrypt.
func DummyHash(ctx context.Context, h Hasher) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return h.Hash(ctx, fmt.Sprintf("%x", b))
}
