package session_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/redisx"
	"github.com/planta-dev/planta/libs/redisx/redistest"

	"github.com/planta-dev/planta/services/session/internal/session"
	"github.com/planta-dev/planta/services/session/internal/store"
)

// fakeClock is the injected clock: tests move time, Redis TTLs (real time) stay a backstop.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	m      *session.Manager
	clock  *fakeClock
	client *redis.Client
	keys   redisx.Keyspace
	ctx    context.Context
}

const (
	idle     = 30 * time.Minute
	absolute = 12 * time.Hour
)

// cacheTTL is the validation cache's lifetime in the fixtures: the production default.
const cacheTTL = time.Second

// newFixture is a Manager as production runs it: on a real Redis, with the validation
// cache on and its revocation feed subscribed, so every rule below is also proven with
// the cache in the way.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	client, keys := redistest.New(t)
	return newReplica(t, client, keys, &fakeClock{t: time.Now().UTC()})
}

// newReplica is one more session service replica on the same Redis keyspace and clock.
func newReplica(t testing.TB, client *redis.Client, keys redisx.Keyspace, clock *fakeClock) *fixture {
	t.Helper()
	st := store.New(client, keys)
	t.Cleanup(st.Close)
	m := session.NewManager(st, session.Config{IdleTimeout: idle, AbsoluteLifetime: absolute},
		session.Options{Clock: clock.Now, ValidateCacheTTL: cacheTTL})
	watch(t, m, st)
	return &fixture{m: m, clock: clock, client: client, keys: keys, ctx: context.Background()}
}

// watch runs m's revocation feed on feed until the test ends and waits until it is live.
func watch(t testing.TB, m *session.Manager, feed session.RevocationFeed) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	up, done := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		defer close(done)
		m.WatchRevocations(ctx, liveSignal{feed, func() { once.Do(func() { close(up) }) }})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatal("the revocation feed did not come up")
	}
}

// liveSignal passes a feed through and calls up when it first reports live.
type liveSignal struct {
	session.RevocationFeed
	up func()
}

func (l liveSignal) Watch(ctx context.Context, revoked func(string), live func(bool)) {
	l.RevocationFeed.Watch(ctx, revoked, func(b bool) {
		live(b)
		if b {
			l.up()
		}
	})
}

func (f *fixture) login(t testing.TB, userID string, role session.Role) (string, session.Session) {
	t.Helper()
	token, s, err := f.m.Create(f.ctx, session.NewSession{
		UserID: userID, Username: "user-" + userID, Role: role, IP: "192.0.2.7", UserAgent: "test-agent",
	})
	if err != nil {
		t.Fatalf("create session for %s: %v", userID, err)
	}
	return token, s
}

func (f *fixture) mustValidate(t testing.TB, token string, touch bool) session.Session {
	t.Helper()
	s, err := f.m.Validate(f.ctx, token, touch)
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	return s
}

func (f *fixture) mustBeInvalid(t testing.TB, token, why string) {
	t.Helper()
	if _, err := f.m.Validate(f.ctx, token, false); !errors.Is(err, session.ErrInvalidSession) {
		t.Fatalf("%s: validate = %v, want ErrInvalidSession", why, err)
	}
}

func TestTokensAre256BitRandomAndNewAtEveryLogin(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for range 20 {
		token, s := f.login(t, "u1", session.RoleCliente)
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %d bytes (%v), want 32 bytes of base64url", len(raw), err)
		}
		if seen[token] || seen[s.ID] {
			t.Fatal("a token or session id repeated")
		}
		if strings.Contains(token, s.ID) || s.ID == session.HashToken(token) {
			t.Fatal("the session id must not derive from the token")
		}
		seen[token], seen[s.ID] = true, true
	}
}

func TestIdleExpiryAndSliding(t *testing.T) {
	f := newFixture(t)
	token, _ := f.login(t, "u1", session.RoleCliente)
	// Used every 29 minutes, the session outlives several idle periods.
	for range 4 {
		f.clock.Advance(29 * time.Minute)
		s := f.mustValidate(t, token, true)
		if !s.LastSeenAt.Equal(f.clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("last seen %s, want %s", s.LastSeenAt, f.clock.Now())
		}
	}
	// Then 30 idle minutes end it.
	f.clock.Advance(30 * time.Minute)
	f.mustBeInvalid(t, token, "after 30 idle minutes")
	// A dead session is deleted, not merely refused.
	f.clock.Advance(-time.Hour)
	f.mustBeInvalid(t, token, "once expired, always expired")
}

func TestAbsoluteExpiryDespiteActivity(t *testing.T) {
	f := newFixture(t)
	token, s := f.login(t, "u1", session.RoleCliente)
	if want := s.CreatedAt.Add(absolute); !s.ExpiresAt.Equal(want) {
		t.Fatalf("expires at %s, want %s", s.ExpiresAt, want)
	}
	for elapsed := 20 * time.Minute; elapsed < absolute; elapsed += 20 * time.Minute {
		f.clock.Advance(20 * time.Minute)
		f.mustValidate(t, token, true)
	}
	f.clock.Advance(20 * time.Minute) // 12 h since login
	f.mustBeInvalid(t, token, "12 h after login, however active")
}

func TestValidateWithoutTouchDoesNotSlide(t *testing.T) {
	f := newFixture(t)
	token, created := f.login(t, "u1", session.RoleCliente)
	for range 3 {
		f.clock.Advance(9 * time.Minute)
		if s := f.mustValidate(t, token, false); !s.LastSeenAt.Equal(created.LastSeenAt) {
			t.Fatalf("touch=false moved last seen to %s", s.LastSeenAt)
		}
	}
	f.clock.Advance(4 * time.Minute) // 31 minutes after the only user activity
	f.mustBeInvalid(t, token, "internal validations must not keep a session alive")
}

func TestNotBeforeRevokesOlderSessions(t *testing.T) {
	f := newFixture(t)
	older, _ := f.login(t, "u1", session.RoleCliente)
	other, _ := f.login(t, "u2", session.RoleCliente)
	f.clock.Advance(time.Second)
	// Only the not-before marker, without deleting anything: the validate script alone
	// must refuse every session of u1 created before it.
	nbf := f.clock.Now().UnixMilli()
	if err := f.client.Set(f.ctx, f.keys.Key("user", "u1", "nbf"), nbf, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, older, "session older than the user's not-before")
	f.mustValidate(t, other, true) // another user is unaffected
	newer, _ := f.login(t, "u1", session.RoleCliente)
	f.mustValidate(t, newer, true)
}

func TestRevokeAllExceptCurrent(t *testing.T) {
	f := newFixture(t)
	current, cur := f.login(t, "u1", session.RoleCliente)
	others := []string{}
	for range 3 {
		tok, _ := f.login(t, "u1", session.RoleCliente)
		others = append(others, tok)
	}
	bystander, _ := f.login(t, "u2", session.RoleCliente)
	f.clock.Advance(time.Second)
	n, err := f.m.RevokeAll(f.ctx, "u1", cur.ID)
	if err != nil || n != 3 {
		t.Fatalf("revoke all = %d, %v; want 3 revoked", n, err)
	}
	for _, tok := range others {
		f.mustBeInvalid(t, tok, "revoked by revoke-all")
	}
	f.mustValidate(t, current, true)
	f.mustValidate(t, bystander, true)
	list, err := f.m.List(f.ctx, "u1")
	if err != nil || len(list) != 1 || list[0].ID != cur.ID {
		t.Fatalf("list after revoke-all = %+v, %v", list, err)
	}
	// Without an exception (disable, role change) nothing survives.
	if _, err := f.m.RevokeAll(f.ctx, "u1", ""); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, current, "revoke-all without exception")
}

func TestRevokeByIDIsScopedToTheOwner(t *testing.T) {
	f := newFixture(t)
	tokA, a := f.login(t, "alice", session.RoleCliente)
	if err := f.m.RevokeByID(f.ctx, "bob", a.ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("bob deleting alice's session: %v, want ErrNotFound", err)
	}
	f.mustValidate(t, tokA, true)
	if err := f.m.RevokeByID(f.ctx, "alice", a.ID); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, tokA, "deleted by id")
	if err := f.m.RevokeByID(f.ctx, "alice", a.ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestLogoutRevokes(t *testing.T) {
	f := newFixture(t)
	token, _ := f.login(t, "u1", session.RoleCliente)
	if err := f.m.Revoke(f.ctx, token); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, token, "after logout")
	if err := f.m.Revoke(f.ctx, token); err != nil {
		t.Fatalf("logout is idempotent: %v", err)
	}
}

func TestListCleansExpiredIndexEntries(t *testing.T) {
	f := newFixture(t)
	f.login(t, "u1", session.RoleCliente)
	f.clock.Advance(20 * time.Minute)
	live, _ := f.login(t, "u1", session.RoleCliente)
	f.clock.Advance(15 * time.Minute) // the first one is idle-dead, the second is not
	list, err := f.m.List(f.ctx, "u1")
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v; want only the live session", list, err)
	}
	f.mustValidate(t, live, false)
	if n, _ := f.client.ZCard(f.ctx, f.keys.Key("user", "u1", "sessions")).Result(); n != 1 {
		t.Fatalf("user index has %d entries after listing, want the dead one cleaned", n)
	}
}

// TestTokensHashedAtRest inspects every key and value under the test's prefix.
func TestTokensHashedAtRest(t *testing.T) {
	f := newFixture(t)
	sa, _ := f.login(t, "s1", session.RoleSuperadmin)
	cl, _ := f.login(t, "c1", session.RoleCliente)
	imp, _, err := f.m.StartImpersonation(f.ctx, sa, session.Target{UserID: "c1", Username: "acme", Role: session.RoleCliente}, "ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	f.mustValidate(t, imp, true)
	tokens := []string{sa, cl, imp}
	var dump strings.Builder
	iter := f.client.Scan(f.ctx, 0, f.keys.Prefix+"*", 100).Iterator()
	keys := 0
	for iter.Next(f.ctx) {
		key := iter.Val()
		keys++
		fmt.Fprintln(&dump, key)
		switch typ := f.client.Type(f.ctx, key).Val(); typ {
		case "hash":
			for k, v := range f.client.HGetAll(f.ctx, key).Val() {
				fmt.Fprintln(&dump, k, v)
			}
		case "string":
			fmt.Fprintln(&dump, f.client.Get(f.ctx, key).Val())
		case "zset":
			for _, v := range f.client.ZRange(f.ctx, key, 0, -1).Val() {
				fmt.Fprintln(&dump, v)
			}
		default:
			t.Fatalf("unexpected key type %s for %s", typ, key)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if keys < 8 {
		t.Fatalf("only %d keys under the prefix; the scan is not looking at the sessions", keys)
	}
	for _, tok := range tokens {
		if strings.Contains(dump.String(), tok) {
			t.Fatal("a raw token is stored in Redis")
		}
		if !strings.Contains(dump.String(), "sess:v2:"+session.HashToken(tok)) {
			t.Fatal("sessions must be keyed by sess:v2:<sha256 of the token>")
		}
	}
}

func TestImpersonation(t *testing.T) {
	target := session.Target{UserID: "c1", Username: "acme", Role: session.RoleCliente}
	t.Run("refuses a non-superadmin actor", func(t *testing.T) {
		f := newFixture(t)
		for _, role := range []session.Role{session.RoleAdmin, session.RoleCliente} {
			tok, _ := f.login(t, "x-"+string(role), role)
			if _, _, err := f.m.StartImpersonation(f.ctx, tok, target, "r"); !errors.Is(err, session.ErrActorNotSuperadmin) {
				t.Fatalf("%s actor: %v, want ErrActorNotSuperadmin", role, err)
			}
		}
		if _, _, err := f.m.StartImpersonation(f.ctx, "not-a-token", target, "r"); !errors.Is(err, session.ErrInvalidSession) {
			t.Fatalf("invalid actor token: %v", err)
		}
	})
	t.Run("refuses a target that is not a cliente", func(t *testing.T) {
		f := newFixture(t)
		sa, _ := f.login(t, "s1", session.RoleSuperadmin)
		for _, role := range []session.Role{session.RoleAdmin, session.RoleSuperadmin} {
			_, _, err := f.m.StartImpersonation(f.ctx, sa, session.Target{UserID: "a1", Username: "a", Role: role}, "r")
			var verr *session.ValidationError
			if !errors.As(err, &verr) || verr.Field != "target.role" {
				t.Fatalf("target %s: %v, want a validation error on target.role", role, err)
			}
		}
		if _, _, err := f.m.StartImpersonation(f.ctx, sa, target, ""); err == nil {
			t.Fatal("an impersonation needs a reason")
		}
	})
	t.Run("refuses nesting", func(t *testing.T) {
		f := newFixture(t)
		sa, _ := f.login(t, "s1", session.RoleSuperadmin)
		imp, _, err := f.m.StartImpersonation(f.ctx, sa, target, "r")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.m.StartImpersonation(f.ctx, imp, session.Target{UserID: "c2", Username: "b", Role: session.RoleCliente}, "r"); !errors.Is(err, session.ErrNestedImpersonation) {
			t.Fatalf("nested: %v, want ErrNestedImpersonation", err)
		}
	})
	t.Run("principal is the target acting as the superadmin, expiry within the parent's", func(t *testing.T) {
		f := newFixture(t)
		sa, parent := f.login(t, "s1", session.RoleSuperadmin)
		for range 33 { // 11 h of activity: 1 h of the superadmin's 12 h left
			f.clock.Advance(20 * time.Minute)
			f.mustValidate(t, sa, true)
		}
		imp, s, err := f.m.StartImpersonation(f.ctx, sa, target, "r")
		if err != nil {
			t.Fatal(err)
		}
		if s.ExpiresAt.After(parent.ExpiresAt) {
			t.Fatalf("impersonation expires %s, after its parent %s", s.ExpiresAt, parent.ExpiresAt)
		}
		p := f.mustValidate(t, imp, true)
		if p.UserID != "c1" || p.Role != session.RoleCliente || p.Act == nil ||
			p.Act.UserID != "s1" || p.Act.SessionID != parent.ID {
			t.Fatalf("principal %+v act %+v", p, p.Act)
		}
		// Activity through the impersonation keeps both alive, until the parent's end.
		for range 5 {
			f.clock.Advance(11 * time.Minute)
			f.mustValidate(t, imp, true)
		}
		f.clock.Advance(5 * time.Minute) // 12 h after the superadmin's login
		f.mustBeInvalid(t, imp, "past the parent's absolute expiry")
	})
	t.Run("killing the parent kills the impersonation", func(t *testing.T) {
		f := newFixture(t)
		sa, parent := f.login(t, "s1", session.RoleSuperadmin)
		imp, _, err := f.m.StartImpersonation(f.ctx, sa, target, "r")
		if err != nil {
			t.Fatal(err)
		}
		f.mustValidate(t, imp, true)
		if err := f.m.RevokeByID(f.ctx, "s1", parent.ID); err != nil {
			t.Fatal(err)
		}
		f.mustBeInvalid(t, imp, "parent session deleted")
	})
	t.Run("revoking the target's sessions ends the impersonation", func(t *testing.T) {
		f := newFixture(t)
		sa, _ := f.login(t, "s1", session.RoleSuperadmin)
		imp, _, err := f.m.StartImpersonation(f.ctx, sa, target, "r")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Millisecond)
		if _, err := f.m.RevokeAll(f.ctx, "c1", ""); err != nil { // the cliente is disabled
			t.Fatal(err)
		}
		f.mustBeInvalid(t, imp, "target's sessions revoked")
		f.mustValidate(t, sa, true)
	})
	t.Run("stop rotates the superadmin session", func(t *testing.T) {
		f := newFixture(t)
		sa, parent := f.login(t, "s1", session.RoleSuperadmin)
		imp, _, err := f.m.StartImpersonation(f.ctx, sa, target, "r")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.m.StopImpersonation(f.ctx, sa); !errors.Is(err, session.ErrNotImpersonating) {
			t.Fatalf("stop with a plain session: %v", err)
		}
		f.clock.Advance(time.Minute)
		fresh, s, err := f.m.StopImpersonation(f.ctx, imp)
		if err != nil {
			t.Fatal(err)
		}
		f.mustBeInvalid(t, imp, "impersonation token after stop")
		f.mustBeInvalid(t, sa, "old superadmin token after stop")
		p := f.mustValidate(t, fresh, true)
		if fresh == sa || s.ID == parent.ID || p.UserID != "s1" || p.Role != session.RoleSuperadmin || p.Act != nil {
			t.Fatalf("rotated session %+v", p)
		}
		if !s.ExpiresAt.Equal(parent.ExpiresAt) {
			t.Fatalf("rotation must keep the absolute expiry %s, got %s", parent.ExpiresAt, s.ExpiresAt)
		}
		if _, _, err := f.m.StopImpersonation(f.ctx, imp); !errors.Is(err, session.ErrInvalidSession) {
			t.Fatalf("second stop: %v", err)
		}
	})
}

// TestConcurrentCreateAndValidate runs 50 goroutines creating, validating (their own
// and each other's sessions) and revoking; run with -race.
func TestConcurrentCreateAndValidate(t *testing.T) {
	f := newFixture(t)
	const workers = 50
	tokens := make(chan string, workers*10)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			user := fmt.Sprintf("u%d", w%10)
			for i := range 10 {
				token, s, err := f.m.Create(f.ctx, session.NewSession{UserID: user, Username: user, Role: session.RoleCliente})
				if err != nil {
					errs <- err
					return
				}
				got, err := f.m.Validate(f.ctx, token, i%2 == 0)
				if err != nil || got.ID != s.ID || got.UserID != user {
					errs <- fmt.Errorf("validate own session: %+v, %v", got, err)
					return
				}
				select {
				case other := <-tokens:
					if _, err := f.m.Validate(f.ctx, other, true); err != nil {
						errs <- fmt.Errorf("validate another's session: %v", err)
						return
					}
				default:
				}
				tokens <- token
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for u := range 10 {
		list, err := f.m.List(f.ctx, fmt.Sprintf("u%d", u))
		if err != nil {
			t.Fatal(err)
		}
		total += len(list)
	}
	if total != workers*10 {
		t.Fatalf("%d sessions listed, want %d", total, workers*10)
	}
}

func TestInputValidation(t *testing.T) {
	f := newFixture(t)
	bad := []session.NewSession{
		{UserID: "", Username: "a", Role: session.RoleCliente},
		{UserID: "a:b", Username: "a", Role: session.RoleCliente},
		{UserID: "u", Username: "", Role: session.RoleCliente},
		{UserID: "u", Username: "a", Role: "root"},
		{UserID: "u", Username: "a", Role: session.RoleCliente, IP: "not-an-ip"},
	}
	for _, in := range bad {
		var verr *session.ValidationError
		if _, _, err := f.m.Create(f.ctx, in); !errors.As(err, &verr) {
			t.Errorf("%+v: %v, want a validation error", in, err)
		}
	}
	if n, _ := f.client.Keys(f.ctx, f.keys.Prefix+"*").Result(); len(n) != 0 {
		t.Fatalf("invalid input changed Redis: %v", n)
	}
}
