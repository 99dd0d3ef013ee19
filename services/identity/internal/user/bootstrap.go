package user

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/planta-dev/planta/services/identity/internal/accesslog"
	"github.com/planta-dev/planta/services/identity/internal/password"
)

// SeededEmail is the seeded superadmin's initial email.
const SeededEmail = "superadmin@planta.local"

// Seed creates the built-in superadmin if it does not exist yet, with initialPassword
// (from the secret, or the dev-mode default with mustChange). An existing account is
// left as it is: the secret is the initial password, not a way to reset it.
func (m *Manager) Seed(ctx context.Context, initialPassword string, mustChange bool) (bool, error) {
	if len(initialPassword) < password.MinBytes || len(initialPassword) > password.MaxBytes {
		return false, fmt.Errorf("superadmin password must be %d–%d bytes", password.MinBytes, password.MaxBytes)
	}
	hash, err := m.Hasher.Hash(ctx, initialPassword)
	if err != nil {
		return false, err
	}
	created, err := m.Store.EnsureSeeded(ctx, SeededEmail, hash, mustChange)
	if err != nil {
		return false, fmt.Errorf("seed superadmin: %w", err)
	}
	if created {
		m.Log.InfoContext(ctx, "seeded the superadmin account", "must_change_password", mustChange)
	}
	return created, nil
}

// declaredFile is the declarative users file.
type declaredFile struct {
	Users []struct {
		Username     string `yaml:"username"`
		Email        string `yaml:"email"`
		FullName     string `yaml:"full_name"`
		PasswordHash string `yaml:"password_hash"`
		Role         Role   `yaml:"role"`
	} `yaml:"users"`
}

// ParseDeclared reads and validates the declarative users file, reporting every problem.
func ParseDeclared(data []byte) ([]User, error) {
	var f declaredFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("declarative users file: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	out := make([]User, 0, len(f.Users))
	for i, d := range f.Users {
		var v validator
		v.username("username", d.Username)
		v.email("email", d.Email)
		v.fullName("full_name", d.FullName, false)
		v.role("role", d.Role)
		if strings.EqualFold(d.Username, SeededUsername) {
			v.add("username", "is reserved for the seeded superadmin")
		}
		if err := password.CheckHash(d.PasswordHash); err != nil {
			v.add("password_hash", err.Error())
		}
		key := strings.ToLower(d.Username)
		if seen[key] {
			v.add("username", "is declared twice")
		}
		seen[key] = true
		if err := v.err(); err != nil {
			errs = append(errs, fmt.Errorf("users[%d] (%s): %w", i, d.Username, err))
			continue
		}
		out = append(out, User{Username: d.Username, Email: d.Email, FullName: strings.TrimSpace(d.FullName),
			PasswordHash: d.PasswordHash, Role: d.Role, Active: true, Declarative: true})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("declarative users file:\n%w", errors.Join(errs...))
	}
	return out, nil
}

// SyncDeclarative makes the declarative accounts match the file: new ones are created,
// changed ones updated, ones no longer declared disabled; accounts whose role, hash or
// state changed lose their sessions.
func (m *Manager) SyncDeclarative(ctx context.Context, declared []User) error {
	changed, err := m.Store.SyncDeclarative(ctx, declared)
	if err != nil {
		return fmt.Errorf("sync declarative users: %w", err)
	}
	for _, id := range changed {
		if err := m.Sessions.EndAll(ctx, id, ""); err != nil {
			// At start the session service may not be up yet; a changed account's old
			// sessions are the exception, so warn rather than refuse to start.
			m.Log.WarnContext(ctx, "could not end sessions of a changed declarative account", "user_id", id, "error", err)
		}
	}
	m.Log.InfoContext(ctx, "declarative users synced", "declared", len(declared), "changed", len(changed))
	return nil
}

// BreakGlassUnlock clears the seeded superadmin's lockout (CLI), recording it in the
// access log.
func (m *Manager) BreakGlassUnlock(ctx context.Context, actor string) (User, error) {
	u, err := m.Store.ByLogin(ctx, SeededUsername)
	if err != nil {
		return User{}, err
	}
	if err := m.Lockout.Unlock(ctx, u.ID); err != nil {
		return User{}, err
	}
	m.record(ctx, accesslog.Entry{Username: u.Username, UserID: u.ID, UserAgent: accesslog.Clean(actor, 512)}, accesslog.BreakGlassUnlock)
	return u, nil
}

// BreakGlassReset sets a temporary password on username (CLI), clears its lockout and
// ends its sessions (best effort: the session service may be what is broken), recording
// it in the access log. The password is returned once.
func (m *Manager) BreakGlassReset(ctx context.Context, username, actor string) (User, string, error) {
	u, err := m.Store.ByLogin(ctx, username)
	if err != nil {
		return User{}, "", err
	}
	if u.Declarative {
		return User{}, "", ErrDeclarative
	}
	temp, err := password.Temporary(m.Random)
	if err != nil {
		return User{}, "", err
	}
	hash, err := m.Hasher.Hash(ctx, temp)
	if err != nil {
		return User{}, "", err
	}
	u, err = m.Store.Update(ctx, u.ID, func(cur *User, _ SuperadminCounter) error {
		cur.PasswordHash, cur.MustChangePassword, cur.PasswordChangedAt = hash, true, m.Now().UTC()
		return nil
	})
	if err != nil {
		return User{}, "", err
	}
	if err := m.Lockout.Unlock(ctx, u.ID); err != nil {
		m.Log.ErrorContext(ctx, "unlock after break-glass reset", "error", err, "user_id", u.ID)
	}
	if err := m.Sessions.EndAll(ctx, u.ID, ""); err != nil {
		m.Log.WarnContext(ctx, "could not end sessions after break-glass reset", "error", err, "user_id", u.ID)
	}
	m.record(ctx, accesslog.Entry{Username: u.Username, UserID: u.ID, UserAgent: accesslog.Clean(actor, 512)}, accesslog.BreakGlassReset)
	return u, temp, nil
}
