package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"regexp"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Token and id sizes.
const (
	tokenBytes = 32 // 256-bit tokens
	idBytes    = 16 // 128-bit session ids
	// TokenLen is the length of a token: 32 bytes in unpadded base64url.
	TokenLen = 43
	// maxUserAgent bounds the stored user agent; longer ones are cut (it is
	// informational, and refusing a login over it would help nobody).
	maxUserAgent = 512
	maxReason    = 500
)

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
	userIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// Config holds the lifetimes of sessions.
type Config struct {
	// IdleTimeout ends a session that is not used for this long (sliding).
	IdleTimeout time.Duration
	// AbsoluteLifetime ends a session this long after login, whatever its activity.
	AbsoluteLifetime time.Duration
}

// DefaultConfig is 30 minutes idle, 12 hours absolute (ARCHITECTURE.md §2).
func DefaultConfig() Config {
	return Config{IdleTimeout: 30 * time.Minute, AbsoluteLifetime: 12 * time.Hour}
}

// Check reports a configuration that cannot work.
func (c Config) Check() error {
	switch {
	case c.IdleTimeout < time.Second:
		return errors.New("session idle timeout must be at least 1s")
	case c.AbsoluteLifetime < c.IdleTimeout:
		return fmt.Errorf("session absolute lifetime %s is shorter than the idle timeout %s", c.AbsoluteLifetime, c.IdleTimeout)
	}
	return nil
}

// Options are the Manager's injected dependencies; zero values pick production ones.
type Options struct {
	// Clock returns the current time (time.Now when nil).
	Clock func() time.Time
	// Random is the source of tokens and ids (crypto/rand when nil).
	Random io.Reader
	// Logger receives one structured line per create, revoke and impersonation.
	Logger *slog.Logger
	// TracerProvider makes the domain spans (no-op when nil).
	TracerProvider trace.TracerProvider
	// Metrics records the domain metrics (none when nil).
	Metrics *Metrics
	// ValidateCacheTTL, when positive, lets Validate answer from memory for that long
	// after a touching round trip found the session alive (see validCache); it needs
	// WatchRevocations running. Zero: every validation asks the store.
	ValidateCacheTTL time.Duration
	// ValidateCacheSize bounds the cached sessions (DefaultValidateCacheSize when 0).
	ValidateCacheSize int
}

// DefaultValidateCacheSize bounds the validation cache: an entry holds the decoded
// session (up to ≈ 1 KiB with a long user agent), so at most ≈ 50 MiB — sessions
// validated in the last TTL, swept once per TTL.
const DefaultValidateCacheSize = 50_000

// Manager applies the session rules.
type Manager struct {
	store   Store
	cfg     Config
	now     func() time.Time
	random  io.Reader
	log     *slog.Logger
	tracer  trace.Tracer
	metrics *Metrics
	cache   *validCache // nil: no cache
}

// NewManager returns a Manager over store.
func NewManager(store Store, cfg Config, opts Options) *Manager {
	m := &Manager{store: store, cfg: cfg, now: opts.Clock, random: opts.Random, log: opts.Logger, metrics: opts.Metrics}
	if m.now == nil {
		m.now = time.Now
	}
	if m.random == nil {
		m.random = rand.Reader
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	tp := opts.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	m.tracer = tp.Tracer("github.com/planta-dev/planta/services/session/internal/session")
	if opts.ValidateCacheTTL > 0 {
		size := opts.ValidateCacheSize
		if size <= 0 {
			size = DefaultValidateCacheSize
		}
		m.cache = newValidCache(opts.ValidateCacheTTL, size)
		m.metrics.watchCache(m.cache)
	}
	return m
}

// Config returns the lifetimes in force.
func (m *Manager) Config() Config { return m.cfg }

// clock returns now at the store's millisecond resolution, in UTC.
func (m *Manager) clock() time.Time { return m.now().UTC().Truncate(time.Millisecond) }

// HashToken is the at-rest form of a token: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether token could have been issued by newToken, so garbage is
// refused without a store round trip.
func wellFormed(token string) bool {
	if len(token) != TokenLen {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ValidID reports whether id has the shape of a session id (for input validation).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// ValidUserID reports whether id is an acceptable user id.
func ValidUserID(id string) bool { return userIDPattern.MatchString(id) }

func (m *Manager) randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(m.random, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newRecord fills the identity of a fresh session: token, hash, id and times.
func (m *Manager) newRecord(now time.Time) (token string, rec Record, err error) {
	if token, err = m.randomString(tokenBytes); err != nil {
		return "", Record{}, err
	}
	if rec.ID, err = m.randomString(idBytes); err != nil {
		return "", Record{}, err
	}
	rec.TokenHash = HashToken(token)
	rec.CreatedAt, rec.LastSeenAt, rec.ValidSince = now, now, now
	rec.ExpiresAt = now.Add(m.cfg.AbsoluteLifetime)
	return token, rec, nil
}

// NewSession is what a login knows about the user.
type NewSession struct {
	UserID             string
	Username           string
	Role               Role
	MustChangePassword bool
	IP                 string
	UserAgent          string
}

func checkUser(prefix, userID, username string, role Role) error {
	switch {
	case !ValidUserID(userID):
		return invalid(prefix+"user_id", "must be 1-64 characters of A-Z a-z 0-9 . _ -")
	case username == "" || len(username) > 128 || !utf8.ValidString(username):
		return invalid(prefix+"username", "must be 1-128 bytes of UTF-8")
	case !role.Valid():
		return invalid(prefix+"role", "must be one of superadmin, admin, cliente")
	}
	return nil
}

func (n *NewSession) check() error {
	if err := checkUser("", n.UserID, n.Username, n.Role); err != nil {
		return err
	}
	if n.IP != "" {
		addr, err := netip.ParseAddr(n.IP)
		if err != nil {
			return invalid("ip", "must be an IPv4 or IPv6 address")
		}
		n.IP = addr.String()
	}
	n.UserAgent = truncate(n.UserAgent, maxUserAgent)
	return nil
}

func truncate(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // replaces invalid bytes
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Create starts a session for a user who just logged in: a new token every time.
func (m *Manager) Create(ctx context.Context, in NewSession) (token string, s Session, err error) {
	ctx, span := m.tracer.Start(ctx, "session.Create")
	defer func() { endSpan(span, err) }()
	if err := in.check(); err != nil {
		return "", Session{}, err
	}
	now := m.clock()
	token, rec, err := m.newRecord(now)
	if err != nil {
		return "", Session{}, err
	}
	rec.UserID, rec.Username, rec.Role, rec.MustChangePassword = in.UserID, in.Username, in.Role, in.MustChangePassword
	rec.IP, rec.UserAgent, rec.Owner = in.IP, in.UserAgent, in.UserID
	if err := m.store.Insert(ctx, rec, now, m.cfg.IdleTimeout); err != nil {
		return "", Session{}, err
	}
	span.SetAttributes(attribute.String("session.id", rec.ID), attribute.String("user.id", rec.UserID))
	m.metrics.created("login")
	m.log.InfoContext(ctx, "session created", "session_id", rec.ID, "user_id", rec.UserID, "role", string(rec.Role))
	return token, rec.Session, nil
}

// Validate resolves a token. touch slides the idle timer: user requests do, internal
// calls do not. With the validation cache on, a session a touching call found alive
// less than the cache TTL ago is answered from memory (validCache says why that is
// safe, and what it relaxes).
func (m *Manager) Validate(ctx context.Context, token string, touch bool) (s Session, err error) {
	// The hot path makes no span of its own: the caller's span (the HTTP server span of
	// validate, or of the public route) gets the attributes, and the Redis call its span.
	start := time.Now()
	hit := false
	defer func() { m.metrics.validated(err, time.Since(start), hit) }()
	if !wellFormed(token) {
		return Session{}, ErrInvalidSession
	}
	hash := HashToken(token)
	now := m.clock()
	rec, hit := m.cache.get(hash, now)
	if !hit {
		gen := m.cache.generation()
		if rec, err = m.store.Validate(ctx, hash, now, m.cfg.IdleTimeout, touch); err != nil {
			return Session{}, err
		}
		if touch {
			m.cache.put(hash, rec, now, gen)
		}
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("session.id", rec.ID), attribute.String("user.id", rec.UserID))
	return rec.Session, nil
}

// validate asks the store, never the cache: for the operations that build on a session
// (impersonation start and stop) rather than merely authenticate a request.
func (m *Manager) validate(ctx context.Context, token string, touch bool) (Record, error) {
	if !wellFormed(token) {
		return Record{}, ErrInvalidSession
	}
	return m.store.Validate(ctx, HashToken(token), m.clock(), m.cfg.IdleTimeout, touch)
}

// forget drops the cached answers a revocation of userID's sessions (or of sessions
// userID owns) makes wrong; with an empty userID (not known: the store failed midway)
// it drops them all. Called after the store operation, whatever its outcome: a failed
// call may still have been applied.
func (m *Manager) forget(userID string) {
	if userID == "" {
		m.cache.forgetAll()
		return
	}
	m.cache.forgetUser(userID)
}

// Revoke ends the session of token (logout). Logging out of an impersonation session
// ends the superadmin session behind it too: the browser holds no other token for it.
// An unknown token is not an error.
func (m *Manager) Revoke(ctx context.Context, token string) (err error) {
	ctx, span := m.tracer.Start(ctx, "session.Revoke")
	defer func() { endSpan(span, err) }()
	if !wellFormed(token) {
		return nil
	}
	rec, ok, err := m.store.Delete(ctx, HashToken(token))
	if ok || err != nil {
		m.forget(rec.Owner)
	}
	if err != nil || !ok {
		return err
	}
	m.metrics.revoked("logout", 1)
	m.log.InfoContext(ctx, "session revoked", "session_id", rec.ID, "user_id", rec.UserID, "reason", "logout")
	if rec.ParentHash != "" {
		parent, ok, err := m.store.Delete(ctx, rec.ParentHash)
		if ok || err != nil {
			m.forget(parent.Owner)
		}
		if err != nil {
			return err
		}
		if ok {
			m.metrics.revoked("logout", 1)
			m.log.InfoContext(ctx, "session revoked", "session_id", parent.ID, "user_id", parent.UserID, "reason", "logout of impersonation")
		}
	}
	return nil
}

// List returns userID's live sessions, oldest first. Impersonation sessions are listed
// under the superadmin who started them, not under the impersonated cliente.
func (m *Manager) List(ctx context.Context, userID string) (ss []Session, err error) {
	ctx, span := m.tracer.Start(ctx, "session.List")
	defer func() { endSpan(span, err) }()
	if !ValidUserID(userID) {
		return nil, invalid("user_id", "must be 1-64 characters of A-Z a-z 0-9 . _ -")
	}
	recs, err := m.store.ListByOwner(ctx, userID, m.clock(), m.cfg.IdleTimeout)
	if err != nil {
		return nil, err
	}
	ss = make([]Session, len(recs))
	for i, r := range recs {
		ss[i] = r.Session
	}
	return ss, nil
}

// RevokeByID ends one of userID's sessions; ErrNotFound when userID has no such
// session (another user's session is "not found" too).
func (m *Manager) RevokeByID(ctx context.Context, userID, sessionID string) (err error) {
	ctx, span := m.tracer.Start(ctx, "session.RevokeByID")
	defer func() { endSpan(span, err) }()
	if !ValidUserID(userID) || !ValidID(sessionID) {
		return ErrNotFound
	}
	ok, err := m.store.DeleteByID(ctx, userID, sessionID)
	m.forget(userID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	m.metrics.revoked("user", 1)
	m.log.InfoContext(ctx, "session revoked", "session_id", sessionID, "user_id", userID, "reason", "by id")
	return nil
}

// RevokeAll ends every session of userID except exceptSessionID (empty: none kept) and
// sets the user's not-before instant, so nothing older survives: password change keeps
// the current session; disable and role change keep none.
func (m *Manager) RevokeAll(ctx context.Context, userID, exceptSessionID string) (n int, err error) {
	ctx, span := m.tracer.Start(ctx, "session.RevokeAll")
	defer func() { endSpan(span, err) }()
	if !ValidUserID(userID) {
		return 0, invalid("user_id", "must be 1-64 characters of A-Z a-z 0-9 . _ -")
	}
	if exceptSessionID != "" && !ValidID(exceptSessionID) {
		return 0, invalid("except_session_id", "is not a session id")
	}
	// The not-before marker only has to outlive every session it can kill.
	n, err = m.store.RevokeAll(ctx, userID, exceptSessionID, m.clock(), m.cfg.AbsoluteLifetime+time.Minute)
	m.forget(userID)
	if err != nil {
		return 0, err
	}
	m.metrics.revoked("revoke_all", n)
	m.log.InfoContext(ctx, "sessions revoked for user", "user_id", userID, "revoked", n, "kept_session_id", exceptSessionID)
	return n, nil
}

// Target is the user a superadmin impersonates.
type Target struct {
	UserID   string
	Username string
	Role     Role
}

// StartImpersonation lets the superadmin of actorToken act as target (a cliente; the
// caller has checked that the account is active). The new session is bound to the
// superadmin's session: it never outlives it and dies with it.
func (m *Manager) StartImpersonation(ctx context.Context, actorToken string, target Target, reason string) (token string, s Session, err error) {
	ctx, span := m.tracer.Start(ctx, "session.StartImpersonation")
	defer func() { endSpan(span, err) }()
	if err := checkUser("target.", target.UserID, target.Username, target.Role); err != nil {
		return "", Session{}, err
	}
	if target.Role != RoleCliente {
		return "", Session{}, invalid("target.role", "only a cliente can be impersonated")
	}
	if len(reason) == 0 || len(reason) > maxReason || !utf8.ValidString(reason) {
		return "", Session{}, invalid("reason", fmt.Sprintf("must be 1-%d bytes of UTF-8", maxReason))
	}
	actor, err := m.validate(ctx, actorToken, false)
	if err != nil {
		return "", Session{}, err
	}
	switch {
	case actor.Impersonating():
		return "", Session{}, ErrNestedImpersonation
	case actor.Role != RoleSuperadmin:
		return "", Session{}, ErrActorNotSuperadmin
	}
	now := m.clock()
	token, rec, err := m.newRecord(now)
	if err != nil {
		return "", Session{}, err
	}
	rec.UserID, rec.Username, rec.Role = target.UserID, target.Username, target.Role
	rec.IP, rec.UserAgent = actor.IP, actor.UserAgent
	rec.Act = &Actor{UserID: actor.UserID, Username: actor.Username, SessionID: actor.ID}
	rec.Owner, rec.ParentHash = actor.UserID, actor.TokenHash
	if actor.ExpiresAt.Before(rec.ExpiresAt) {
		rec.ExpiresAt = actor.ExpiresAt
	}
	if err := m.store.Insert(ctx, rec, now, m.cfg.IdleTimeout); err != nil {
		return "", Session{}, err
	}
	span.SetAttributes(attribute.String("session.id", rec.ID), attribute.String("user.id", rec.UserID),
		attribute.String("actor.user.id", actor.UserID))
	m.metrics.created("impersonation")
	m.log.InfoContext(ctx, "impersonation started", "session_id", rec.ID, "user_id", rec.UserID,
		"actor_user_id", actor.UserID, "actor_session_id", actor.ID, "reason", reason)
	return token, rec.Session, nil
}

// StopImpersonation ends an impersonation session and the superadmin session behind it,
// and returns a new superadmin session (a new token at every privilege change). The new
// session keeps the old one's absolute expiry: rotating is not logging in again.
func (m *Manager) StopImpersonation(ctx context.Context, token string) (newToken string, s Session, err error) {
	ctx, span := m.tracer.Start(ctx, "session.StopImpersonation")
	defer func() { endSpan(span, err) }()
	child, err := m.validate(ctx, token, false)
	if err != nil {
		return "", Session{}, err
	}
	if !child.Impersonating() || child.ParentHash == "" {
		return "", Session{}, ErrNotImpersonating
	}
	parent, err := m.store.Get(ctx, child.ParentHash)
	if err != nil {
		return "", Session{}, err
	}
	now := m.clock()
	newToken, rec, err := m.newRecord(now)
	if err != nil {
		return "", Session{}, err
	}
	rec.UserID, rec.Username, rec.Role, rec.MustChangePassword = parent.UserID, parent.Username, parent.Role, parent.MustChangePassword
	rec.IP, rec.UserAgent, rec.Owner = parent.IP, parent.UserAgent, parent.Owner
	rec.ExpiresAt = parent.ExpiresAt
	if !now.Before(rec.ExpiresAt) {
		return "", Session{}, ErrInvalidSession
	}
	err = m.store.Replace(ctx, []string{child.TokenHash, parent.TokenHash}, rec, now, m.cfg.IdleTimeout)
	m.forget(parent.Owner)
	if err != nil {
		return "", Session{}, err
	}
	span.SetAttributes(attribute.String("session.id", rec.ID), attribute.String("user.id", rec.UserID))
	m.metrics.revoked("impersonation_stop", 2)
	m.metrics.created("rotation")
	m.log.InfoContext(ctx, "impersonation stopped", "session_id", child.ID, "user_id", child.UserID,
		"actor_user_id", parent.UserID, "actor_session_id", parent.ID, "new_session_id", rec.ID)
	return newToken, rec.Session, nil
}

// endSpan records err on span, except the expected "invalid session" answers.
func endSpan(span trace.Span, err error) {
	if err != nil && !errors.Is(err, ErrInvalidSession) && !errors.Is(err, ErrNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
