package user

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/planta-dev/planta/services/identity/internal/accesslog"
	"github.com/planta-dev/planta/services/identity/internal/lockout"
	"github.com/planta-dev/planta/services/identity/internal/password"
	"github.com/planta-dev/planta/services/identity/internal/ratelimit"
)

// SessionRequest asks the session service for a new session.
type SessionRequest struct {
	UserID             string
	Username           string
	Role               Role
	MustChangePassword bool
	IP                 string
	UserAgent          string
}

// Session is a session just started. Token is a secret: never log it.
type Session struct {
	Token     string
	ID        string
	ExpiresAt time.Time
}

// SessionService starts and ends sessions (the session service's internal API).
type SessionService interface {
	Start(ctx context.Context, req SessionRequest) (Session, error)
	End(ctx context.Context, token string) error
	EndAll(ctx context.Context, userID, exceptSessionID string) error
}

// RateLimiter limits requests per client key.
type RateLimiter interface {
	Allow(ctx context.Context, key string) (ratelimit.Decision, error)
}

// Metrics are the domain counters.
type Metrics struct {
	attempts *prometheus.CounterVec
	lockouts prometheus.Counter
}

// NewMetrics registers the login counters on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	m := &Metrics{
		attempts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "planta_login_attempts_total", Help: "Login attempts by outcome.",
		}, []string{"outcome"}),
		lockouts: f.NewCounter(prometheus.CounterOpts{
			Name: "planta_lockouts_total", Help: "Accounts locked after repeated failed logins.",
		}),
	}
	for _, o := range []accesslog.Outcome{accesslog.Success, accesslog.BadCredentials, accesslog.Locked,
		accesslog.Disabled, accesslog.RateLimited, accesslog.Error} {
		m.attempts.WithLabelValues(string(o))
	}
	return m
}

// Config is the manager's behaviour.
type Config struct {
	RegistrationEnabled bool
}

// Deps are the manager's collaborators.
type Deps struct {
	Store           Store
	AccessLog       accesslog.Recorder
	Hasher          password.Hasher
	Gate            *password.Gate
	Policy          *password.Policy
	Lockout         *lockout.Regulator
	LoginLimiter    RateLimiter
	RegisterLimiter RateLimiter
	Sessions        SessionService
	Metrics         *Metrics
	Log             *slog.Logger
	// Now is the clock; Random the source of temporary passwords (crypto/rand when nil).
	Now    func() time.Time
	Random io.Reader
}

// Manager implements the identity use cases.
type Manager struct {
	Deps
	cfg       Config
	dummyHash string
}

// NewManager builds a manager; it hashes one random password at the configured cost to
// have the dummy target that equalises the cost of failed logins.
func NewManager(ctx context.Context, d Deps, cfg Config) (*Manager, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	dummy, err := password.DummyHash(ctx, d.Hasher)
	if err != nil {
		return nil, fmt.Errorf("dummy hash: %w", err)
	}
	return &Manager{Deps: d, cfg: cfg, dummyHash: dummy}, nil
}

// Attempt is one login attempt.
type Attempt struct {
	Username  string
	Password  string
	IP        string
	UserAgent string
	TraceID   string
}

// LoginResult is a successful login.
type LoginResult struct {
	User    User
	Session Session
}

// Login checks credentials and starts a session.
//
// Every failure returns ErrInvalidCredentials after exactly one bcrypt compare, whatever
// the reason (unknown user, wrong password, locked, disabled), so status, body and timing
// say nothing about which. The attempt is reserved with the lockout before the compare
// against the account's hash, so parallel guesses cannot outrun the limit. Other errors:
// *RateLimitedError, password.ErrBusy, ErrUnavailable, *ValidationError.
func (m *Manager) Login(ctx context.Context, a Attempt) (LoginResult, error) {
	var v validator
	if a.Username == "" {
		v.add("username", "is required")
	}
	if a.Password == "" {
		v.add("password", "is required")
	}
	if err := v.err(); err != nil {
		return LoginResult{}, err
	}
	entry := accesslog.Entry{Username: accesslog.Clean(a.Username, 255), IP: a.IP,
		UserAgent: accesslog.Clean(a.UserAgent, 512), TraceID: a.TraceID}

	if d, err := m.LoginLimiter.Allow(ctx, a.IP); err != nil {
		m.record(ctx, entry, accesslog.Error)
		return LoginResult{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	} else if !d.Allowed {
		m.record(ctx, entry, accesslog.RateLimited)
		return LoginResult{}, &RateLimitedError{RetryAfter: d.RetryAfter}
	}
	release, err := m.Gate.Acquire(ctx)
	if err != nil {
		m.record(ctx, entry, accesslog.RateLimited)
		return LoginResult{}, err
	}
	defer release()

	u, err := m.Store.ByLogin(ctx, a.Username)
	switch {
	case errors.Is(err, ErrNotFound):
		m.equalise(ctx, a.Password)
		m.record(ctx, entry, accesslog.BadCredentials)
		return LoginResult{}, ErrInvalidCredentials
	case err != nil:
		m.record(ctx, entry, accesslog.Error)
		return LoginResult{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	entry.UserID = u.ID
	if !u.Active {
		m.equalise(ctx, a.Password)
		m.record(ctx, entry, accesslog.Disabled)
		return LoginResult{}, ErrInvalidCredentials
	}
	res, err := m.Lockout.Reserve(ctx, u.ID)
	switch {
	case errors.Is(err, lockout.ErrLocked):
		m.equalise(ctx, a.Password)
		m.record(ctx, entry, accesslog.Locked)
		return LoginResult{}, ErrInvalidCredentials
	case err != nil:
		// Redis down: deny, never allow an unregulated guess.
		m.record(ctx, entry, accesslog.Error)
		return LoginResult{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := m.Hasher.Compare(ctx, u.PasswordHash, a.Password); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			_ = m.Lockout.Cancel(ctx, res)
			m.record(ctx, entry, accesslog.Error)
			return LoginResult{}, fmt.Errorf("verify password: %w", err)
		}
		lockedNow, lerr := m.Lockout.Fail(ctx, res)
		if lerr != nil {
			m.Log.ErrorContext(ctx, "record failed login", "error", lerr, "user_id", u.ID)
		}
		if lockedNow {
			m.Metrics.lockouts.Inc()
			m.Log.WarnContext(ctx, "account locked after repeated failed logins", "user_id", u.ID)
		}
		m.record(ctx, entry, accesslog.BadCredentials)
		return LoginResult{}, ErrInvalidCredentials
	}
	if err := m.Lockout.Succeed(ctx, res); err != nil {
		m.Log.ErrorContext(ctx, "reset lockout after login", "error", err, "user_id", u.ID)
	}
	sess, err := m.Sessions.Start(ctx, SessionRequest{UserID: u.ID, Username: u.Username, Role: u.Role,
		MustChangePassword: u.MustChangePassword, IP: a.IP, UserAgent: a.UserAgent})
	if err != nil {
		m.record(ctx, entry, accesslog.Error)
		return LoginResult{}, fmt.Errorf("%w: start session: %v", ErrUnavailable, err)
	}
	m.record(ctx, entry, accesslog.Success)
	return LoginResult{User: u, Session: sess}, nil
}

// equalise spends the bcrypt compare a failed login would have spent.
func (m *Manager) equalise(ctx context.Context, pw string) {
	_ = m.Hasher.Compare(ctx, m.dummyHash, pw)
}

func (m *Manager) record(ctx context.Context, e accesslog.Entry, o accesslog.Outcome) {
	e.Outcome = o
	e.At = m.Now().UTC()
	if o != accesslog.BreakGlassReset && o != accesslog.BreakGlassUnlock {
		m.Metrics.attempts.WithLabelValues(string(o)).Inc()
	}
	if err := m.AccessLog.Record(ctx, e); err != nil {
		m.Log.ErrorContext(ctx, "write access log", "error", err, "outcome", string(o))
	}
}

// Logout ends the session of token.
func (m *Manager) Logout(ctx context.Context, token string) error {
	if err := m.Sessions.End(ctx, token); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// RegisterInput is a public self-registration.
type RegisterInput struct {
	Username, Email, FullName, Password string
	IP                                  string
}

// Register creates a cliente account.
func (m *Manager) Register(ctx context.Context, in RegisterInput) (User, error) {
	if !m.cfg.RegistrationEnabled {
		return User{}, ErrRegistrationClosed
	}
	if d, err := m.RegisterLimiter.Allow(ctx, in.IP); err != nil {
		return User{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	} else if !d.Allowed {
		return User{}, &RateLimitedError{RetryAfter: d.RetryAfter}
	}
	return m.create(ctx, CreateInput{Username: in.Username, Email: in.Email, FullName: in.FullName,
		Password: in.Password, Role: RoleCliente}, true)
}

// CreateInput is an administrator's new account.
type CreateInput struct {
	Username, Email, FullName, Password string
	Role                                Role
	MustChangePassword                  bool
}

// Create makes an account of any role (internal API).
func (m *Manager) Create(ctx context.Context, in CreateInput) (User, error) {
	return m.create(ctx, in, false)
}

func (m *Manager) create(ctx context.Context, in CreateInput, fullNameRequired bool) (User, error) {
	var v validator
	v.username("username", in.Username)
	v.email("email", in.Email)
	v.fullName("full_name", in.FullName, fullNameRequired)
	v.role("role", in.Role)
	if strings.EqualFold(in.Username, SeededUsername) {
		v.add("username", "is reserved")
	}
	if err := m.Policy.Check(in.Username, in.Password); err != nil {
		v.add("password", policyReason(err))
	}
	if err := v.err(); err != nil {
		return User{}, err
	}
	hash, err := m.hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	return m.Store.Create(ctx, User{Username: in.Username, Email: in.Email, FullName: strings.TrimSpace(in.FullName),
		Role: in.Role, Active: true, PasswordHash: hash, MustChangePassword: in.MustChangePassword})
}

func policyReason(err error) string {
	var pv *password.Violation
	if errors.As(err, &pv) {
		return pv.Reason
	}
	return err.Error()
}

// hash runs bcrypt through the gate, like logins: registrations cannot flood the CPU.
func (m *Manager) hash(ctx context.Context, pw string) (string, error) {
	release, err := m.Gate.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return m.Hasher.Hash(ctx, pw)
}

// Get returns a live account.
func (m *Manager) Get(ctx context.Context, id string) (User, error) { return m.Store.ByID(ctx, id) }

// ProfileInput changes one's own profile; nil fields stay.
type ProfileInput struct {
	FullName *string
	Email    *string
}

// UpdateProfile changes the caller's own name and email.
func (m *Manager) UpdateProfile(ctx context.Context, id string, in ProfileInput) (User, error) {
	return m.Update(ctx, id, UpdateInput{FullName: in.FullName, Email: in.Email})
}

// UpdateInput is an administrator's change; nil fields stay.
type UpdateInput struct {
	FullName *string
	Email    *string
	Role     *Role
}

// Update changes name, email and role. A role change ends every session of the account
// (new privileges need a new login).
func (m *Manager) Update(ctx context.Context, id string, in UpdateInput) (User, error) {
	var v validator
	if in.FullName != nil {
		// Present means "set it": an account keeps a name, so blanking it is refused.
		v.fullName("full_name", *in.FullName, true)
	}
	if in.Email != nil {
		v.email("email", *in.Email)
	}
	if in.Role != nil {
		v.role("role", *in.Role)
	}
	if err := v.err(); err != nil {
		return User{}, err
	}
	roleChanged := false
	return m.Store.Update(ctx, id, func(u *User, others SuperadminCounter) error {
		if u.Declarative {
			return ErrDeclarative
		}
		if in.FullName != nil {
			u.FullName = strings.TrimSpace(*in.FullName)
		}
		if in.Email != nil {
			u.Email = *in.Email
		}
		if in.Role != nil && *in.Role != u.Role {
			if u.Seeded {
				return ErrProtected
			}
			if u.Role == RoleSuperadmin && u.Active {
				if err := lastSuperadmin(ctx, others); err != nil {
					return err
				}
			}
			u.Role, roleChanged = *in.Role, true
		}
		if roleChanged {
			return m.endAll(ctx, u.ID)
		}
		return nil
	})
}

func lastSuperadmin(ctx context.Context, others SuperadminCounter) error {
	n, err := others(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastSuperadmin
	}
	return nil
}

// endAll ends every session of a user; it runs inside the store transaction so that a
// session service outage rolls the change back instead of leaving live sessions behind.
func (m *Manager) endAll(ctx context.Context, userID string) error {
	if err := m.Sessions.EndAll(ctx, userID, ""); err != nil {
		return fmt.Errorf("%w: end sessions: %v", ErrUnavailable, err)
	}
	return nil
}

// SetActive disables or enables an account; disabling ends all its sessions at once.
func (m *Manager) SetActive(ctx context.Context, id string, active bool) (User, error) {
	return m.Store.Update(ctx, id, func(u *User, others SuperadminCounter) error {
		if u.Declarative {
			return ErrDeclarative
		}
		if active || !u.Active {
			u.Active = active
			return nil
		}
		if u.Seeded {
			return ErrProtected
		}
		if u.Role == RoleSuperadmin {
			if err := lastSuperadmin(ctx, others); err != nil {
				return err
			}
		}
		u.Active = false
		return m.endAll(ctx, u.ID)
	})
}

// Delete soft-deletes an account and ends its sessions.
func (m *Manager) Delete(ctx context.Context, id string) error {
	_, err := m.Store.Update(ctx, id, func(u *User, others SuperadminCounter) error {
		if u.Seeded {
			return ErrProtected
		}
		if u.Declarative {
			return ErrDeclarative
		}
		if u.Role == RoleSuperadmin && u.Active {
			if err := lastSuperadmin(ctx, others); err != nil {
				return err
			}
		}
		now := m.Now().UTC()
		u.DeletedAt, u.Active = &now, false
		return m.endAll(ctx, u.ID)
	})
	return err
}

// ResetPassword gives the account a generated temporary password that must be changed at
// the next login, clears its lockout and ends its sessions. The password is returned
// once and stored only as a hash.
func (m *Manager) ResetPassword(ctx context.Context, id string) (User, string, error) {
	temp, err := password.Temporary(m.Random)
	if err != nil {
		return User{}, "", err
	}
	hash, err := m.hash(ctx, temp)
	if err != nil {
		return User{}, "", err
	}
	u, err := m.Store.Update(ctx, id, func(u *User, _ SuperadminCounter) error {
		if u.Declarative {
			return ErrDeclarative
		}
		u.PasswordHash, u.MustChangePassword, u.PasswordChangedAt = hash, true, m.Now().UTC()
		return m.endAll(ctx, u.ID)
	})
	if err != nil {
		return User{}, "", err
	}
	if err := m.Lockout.Unlock(ctx, u.ID); err != nil {
		m.Log.ErrorContext(ctx, "unlock after password reset", "error", err, "user_id", u.ID)
	}
	return u, temp, nil
}

// ChangePasswordInput is a user's own password change.
type ChangePasswordInput struct {
	UserID          string
	CurrentPassword string
	NewPassword     string
	IP, UserAgent   string
}

// ChangePassword verifies the current password, sets the new one, clears the
// must-change flag, ends every session of the user and starts a fresh one (the old
// session carried the must-change flag; a new token at every privilege change).
// A wrong current password counts towards the lockout like a failed login.
func (m *Manager) ChangePassword(ctx context.Context, in ChangePasswordInput) (User, Session, error) {
	u, err := m.Store.ByID(ctx, in.UserID)
	if err != nil {
		return User{}, Session{}, err
	}
	if u.Declarative {
		return User{}, Session{}, ErrDeclarative
	}
	var v validator
	if in.CurrentPassword == "" {
		v.add("current_password", "is required")
	}
	if err := m.Policy.Check(u.Username, in.NewPassword); err != nil {
		v.add("new_password", policyReason(err))
	} else if in.NewPassword == in.CurrentPassword {
		v.add("new_password", "must differ from the current password")
	}
	if err := v.err(); err != nil {
		return User{}, Session{}, err
	}
	release, err := m.Gate.Acquire(ctx)
	if err != nil {
		return User{}, Session{}, err
	}
	res, err := m.Lockout.Reserve(ctx, u.ID)
	switch {
	case errors.Is(err, lockout.ErrLocked):
		m.equalise(ctx, in.CurrentPassword)
		release()
		return User{}, Session{}, ErrWrongPassword
	case err != nil:
		release()
		return User{}, Session{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	cerr := m.Hasher.Compare(ctx, u.PasswordHash, in.CurrentPassword)
	var hash string
	if cerr == nil {
		hash, err = m.Hasher.Hash(ctx, in.NewPassword)
	}
	release()
	if cerr != nil {
		if errors.Is(cerr, password.ErrMismatch) {
			if lockedNow, _ := m.Lockout.Fail(ctx, res); lockedNow {
				m.Metrics.lockouts.Inc()
			}
			return User{}, Session{}, ErrWrongPassword
		}
		_ = m.Lockout.Cancel(ctx, res)
		return User{}, Session{}, cerr
	}
	_ = m.Lockout.Succeed(ctx, res)
	if err != nil {
		return User{}, Session{}, err
	}
	changedAt := u.PasswordChangedAt
	u, err = m.Store.Update(ctx, u.ID, func(cur *User, _ SuperadminCounter) error {
		if !cur.PasswordChangedAt.Equal(changedAt) {
			return ErrWrongPassword // changed concurrently: the verified password is stale
		}
		cur.PasswordHash, cur.MustChangePassword, cur.PasswordChangedAt = hash, false, m.Now().UTC()
		return m.endAll(ctx, cur.ID)
	})
	if err != nil {
		return User{}, Session{}, err
	}
	// Again after commit: closes the window in which a login with the old password could
	// have started a session between the first revocation and the commit.
	if err := m.Sessions.EndAll(ctx, u.ID, ""); err != nil {
		m.Log.ErrorContext(ctx, "end sessions after password change", "error", err, "user_id", u.ID)
	}
	sess, err := m.Sessions.Start(ctx, SessionRequest{UserID: u.ID, Username: u.Username, Role: u.Role,
		IP: in.IP, UserAgent: in.UserAgent})
	if err != nil {
		return u, Session{}, fmt.Errorf("%w: start session: %v", ErrUnavailable, err)
	}
	return u, sess, nil
}

// List returns one page of accounts; locked filters on the live lockout state.
func (m *Manager) List(ctx context.Context, f ListFilter, locked *bool) ([]User, string, error) {
	if locked != nil {
		lk, err := m.Lockout.Locked(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		ids := make([]string, 0, len(lk))
		for id := range lk {
			ids = append(ids, id)
		}
		if *locked {
			if len(ids) == 0 {
				return []User{}, "", nil
			}
			f.OnlyIDs = ids
		} else {
			f.ExcludeIDs = ids
		}
	}
	return m.Store.List(ctx, f)
}

// LockStatus returns when the account's lock ends (zero when not locked) and its current
// run of failures.
func (m *Manager) LockStatus(ctx context.Context, id string) (lockout.Status, error) {
	st, err := m.Lockout.Status(ctx, id)
	if err != nil {
		return lockout.Status{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return st, nil
}

// Locked lists the accounts locked now.
func (m *Manager) Locked(ctx context.Context) ([]LockedAccount, error) {
	lk, err := m.Lockout.Locked(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	out := make([]LockedAccount, 0, len(lk))
	for id, until := range lk {
		u, err := m.Store.ByID(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, LockedAccount{User: u, LockedUntil: until})
	}
	sortLocked(out)
	return out, nil
}

// Unlock clears an account's lockout.
func (m *Manager) Unlock(ctx context.Context, id string) (User, error) {
	u, err := m.Store.ByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if err := m.Lockout.Unlock(ctx, u.ID); err != nil {
		return User{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return u, nil
}

// GetByUsername returns a live account by username (case-insensitive).
func (m *Manager) GetByUsername(ctx context.Context, username string) (User, error) {
	if strings.Contains(username, "@") {
		return User{}, ErrNotFound
	}
	return m.Store.ByLogin(ctx, username)
}
