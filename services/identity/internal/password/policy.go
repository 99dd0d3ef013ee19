package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"strings"
)

// MinBytes and MaxBytes bound a password's length in bytes. bcrypt reads at most 72 bytes;
// a longer password is refused rather than silently truncated.
const (
	MinBytes = 8
	MaxBytes = 72
)

// Policy violations. Each is a *Violation so callers can show the reason.
var (
	ErrTooShort       = &Violation{Reason: fmt.Sprintf("must be at least %d bytes", MinBytes)}
	ErrTooLong        = &Violation{Reason: fmt.Sprintf("must be at most %d bytes", MaxBytes)}
	ErrCommon         = &Violation{Reason: "is too common; choose a less guessable password"}
	ErrEqualsUsername = &Violation{Reason: "must not be the username"}
)

// Violation says why a password is refused.
type Violation struct{ Reason string }

func (v *Violation) Error() string { return "password " + v.Reason }

//go:embed common-passwords.txt.gz
var commonGz []byte

// Policy checks new passwords. Build it once with NewPolicy (it decompresses the list).
type Policy struct {
	common map[string]struct{}
}

// NewPolicy loads the embedded list of common passwords.
func NewPolicy() (*Policy, error) {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		return nil, fmt.Errorf("open common password list: %w", err)
	}
	common := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			common[strings.ToLower(w)] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read common password list: %w", err)
	}
	if len(common) < 10000 {
		return nil, errors.New("common password list is unexpectedly short")
	}
	return &Policy{common: common}, nil
}

// CommonCount is the size of the list (for tests and the docs).
func (p *Policy) CommonCount() int { return len(p.common) }

// Check returns nil or a *Violation for a new password of username.
func (p *Policy) Check(username, pw string) error {
	switch {
	case len(pw) < MinBytes:
		return ErrTooShort
	case len(pw) > MaxBytes:
		return ErrTooLong
	case username != "" && strings.EqualFold(pw, username):
		return ErrEqualsUsername
	}
	if _, ok := p.common[strings.ToLower(pw)]; ok {
		return ErrCommon
	}
	return nil
}
