package session_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/redisx/redistest"

	"github.com/planta-dev/planta/services/session/internal/session"
	"github.com/planta-dev/planta/services/session/internal/store"
)

// dropBehindTheBack deletes a session in Redis without telling anyone (no revocation is
// published): only a validation that asks Redis can notice. The tests use it to tell a
// cached answer from a round trip.
func (f *fixture) dropBehindTheBack(t testing.TB, token string) {
	t.Helper()
	if err := f.client.Del(f.ctx, f.keys.Prefix+"sess:v2:"+session.HashToken(token)).Err(); err != nil {
		t.Fatal(err)
	}
}

// eventuallyInvalid waits (real time, the fake clock stays where it is) until token is
// refused: with a frozen clock no cached answer can expire, so only the revocation feed
// can make that happen.
func (f *fixture) eventuallyInvalid(t testing.TB, token, why string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := f.m.Validate(f.ctx, token, false); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still valid on the other replica after 5 s", why)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestValidateCacheAnswersForAtMostItsTTL(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.login(t, "u1", session.RoleCliente)
	f.mustValidate(t, tok, true) // a round trip that slides: cached
	f.dropBehindTheBack(t, tok)
	f.mustValidate(t, tok, true) // answered from memory
	f.clock.Advance(cacheTTL - time.Millisecond)
	f.mustValidate(t, tok, false)
	f.clock.Advance(time.Millisecond)
	f.mustBeInvalid(t, tok, "a cached answer one TTL old")

	// A validation that does not touch is never stored: it did not slide the idle timer,
	// so memory could not vouch for the session's idle expiry.
	tok2, _ := f.login(t, "u2", session.RoleCliente)
	f.mustValidate(t, tok2, false)
	f.dropBehindTheBack(t, tok2)
	f.mustBeInvalid(t, tok2, "after an untouched validation")
}

func TestValidateCacheKeepsTheAbsoluteExpiry(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.login(t, "u1", session.RoleCliente)
	used := time.Duration(0)
	for ; used+idle/2 < absolute; used += idle / 2 {
		f.clock.Advance(idle / 2)
		f.mustValidate(t, tok, true) // busy all day
	}
	f.clock.Advance(absolute - used - cacheTTL/2)
	f.mustValidate(t, tok, true) // cached, with less than a TTL of life left
	f.clock.Advance(cacheTTL / 2)
	f.mustBeInvalid(t, tok, "at its absolute expiry, within the cache TTL")
}

func TestRevocationOnThisReplicaIsImmediate(t *testing.T) {
	f := newFixture(t)
	a, sa := f.login(t, "u1", session.RoleCliente)
	b, _ := f.login(t, "u1", session.RoleCliente)
	c, sc := f.login(t, "u1", session.RoleCliente)
	d, _ := f.login(t, "u1", session.RoleCliente)
	for _, tok := range []string{a, b, c, d} {
		f.mustValidate(t, tok, true)
	}
	if err := f.m.Revoke(f.ctx, b); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, b, "right after logout")
	if err := f.m.RevokeByID(f.ctx, "u1", sc.ID); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, c, "right after revoke by id")
	if _, err := f.m.RevokeAll(f.ctx, "u1", sa.ID); err != nil {
		t.Fatal(err)
	}
	f.mustBeInvalid(t, d, "right after revoke-all")
	f.mustValidate(t, a, true) // the kept session
}

func TestRevocationsReachEveryReplica(t *testing.T) {
	client, keys := redistest.New(t)
	clock := &fakeClock{t: time.Now().UTC()} // frozen: no cached answer expires
	a := newReplica(t, client, keys, clock)
	b := newReplica(t, client, keys, clock)
	target := session.Target{UserID: "c1", Username: "acme", Role: session.RoleCliente}

	t.Run("logout", func(t *testing.T) {
		tok, _ := a.login(t, "u1", session.RoleCliente)
		b.mustValidate(t, tok, true)
		if err := a.m.Revoke(a.ctx, tok); err != nil {
			t.Fatal(err)
		}
		b.eventuallyInvalid(t, tok, "logout")
	})
	t.Run("revoke by id", func(t *testing.T) {
		tok, s := a.login(t, "u2", session.RoleCliente)
		b.mustValidate(t, tok, true)
		if err := a.m.RevokeByID(a.ctx, "u2", s.ID); err != nil {
			t.Fatal(err)
		}
		b.eventuallyInvalid(t, tok, "revoke by id")
	})
	t.Run("password change keeps only the current session", func(t *testing.T) {
		keep, ks := a.login(t, "u3", session.RoleCliente)
		other, _ := a.login(t, "u3", session.RoleCliente)
		b.mustValidate(t, keep, true)
		b.mustValidate(t, other, true)
		if _, err := a.m.RevokeAll(a.ctx, "u3", ks.ID); err != nil {
			t.Fatal(err)
		}
		b.eventuallyInvalid(t, other, "revoke-all")
		b.mustValidate(t, keep, true)
	})
	t.Run("the superadmin's logout ends the impersonation", func(t *testing.T) {
		sa, _ := a.login(t, "s1", session.RoleSuperadmin)
		imp, _, err := a.m.StartImpersonation(a.ctx, sa, target, "support ticket")
		if err != nil {
			t.Fatal(err)
		}
		b.mustValidate(t, imp, true)
		if err := a.m.Revoke(a.ctx, sa); err != nil {
			t.Fatal(err)
		}
		b.eventuallyInvalid(t, imp, "parent logout")
	})
	t.Run("disabling the impersonated cliente ends the impersonation", func(t *testing.T) {
		sa, _ := a.login(t, "s2", session.RoleSuperadmin)
		imp, _, err := a.m.StartImpersonation(a.ctx, sa, session.Target{UserID: "c2", Username: "c2", Role: session.RoleCliente}, "r")
		if err != nil {
			t.Fatal(err)
		}
		b.mustValidate(t, imp, true)
		clock.Advance(time.Millisecond) // not-before kills what is older, at ms resolution
		if _, err := a.m.RevokeAll(a.ctx, "c2", ""); err != nil {
			t.Fatal(err)
		}
		b.eventuallyInvalid(t, imp, "revoke-all of the impersonated user")
		b.mustValidate(t, sa, true)
	})
	t.Run("stopping an impersonation", func(t *testing.T) {
		sa, _ := a.login(t, "s3", session.RoleSuperadmin)
		imp, _, err := a.m.StartImpersonation(a.ctx, sa, target, "r")
		if err != nil {
			t.Fatal(err)
		}
		b.mustValidate(t, imp, true)
		b.mustValidate(t, sa, true)
		if _, _, err := a.m.StopImpersonation(a.ctx, imp); err != nil {
			t.Fatal(err)
		}
		b.eventuallyInvalid(t, imp, "impersonation stop (child)")
		b.eventuallyInvalid(t, sa, "impersonation stop (the parent, rotated)")
	})
}

// switchFeed is a RevocationFeed the test turns on and off; it delivers nothing.
type switchFeed struct{ live chan func(bool) }

func (s switchFeed) Watch(ctx context.Context, _ func(string), live func(bool)) {
	s.live <- live
	<-ctx.Done()
}

func TestNothingIsCachedWhileTheFeedIsDown(t *testing.T) {
	client, keys := redistest.New(t)
	clock := &fakeClock{t: time.Now().UTC()}
	st := store.New(client, keys)
	t.Cleanup(st.Close)
	m := session.NewManager(st, session.Config{IdleTimeout: idle, AbsoluteLifetime: absolute},
		session.Options{Clock: clock.Now, ValidateCacheTTL: cacheTTL})
	f := &fixture{m: m, clock: clock, client: client, keys: keys, ctx: context.Background()}
	feed := switchFeed{live: make(chan func(bool))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.WatchRevocations(ctx, feed) }()
	t.Cleanup(func() { cancel(); <-done })
	setLive := <-feed.live

	// Not yet subscribed: every validation asks Redis.
	t0, _ := f.login(t, "u0", session.RoleCliente)
	f.mustValidate(t, t0, true)
	f.dropBehindTheBack(t, t0)
	f.mustBeInvalid(t, t0, "before the feed is live")

	setLive(true)
	t1, _ := f.login(t, "u1", session.RoleCliente)
	f.mustValidate(t, t1, true)
	f.dropBehindTheBack(t, t1)
	f.mustValidate(t, t1, true) // cached: the feed is live

	setLive(false) // lost: what is cached may have missed a revocation
	f.mustBeInvalid(t, t1, "after the feed was lost")
	t2, _ := f.login(t, "u2", session.RoleCliente)
	f.mustValidate(t, t2, true)
	f.dropBehindTheBack(t, t2)
	f.mustBeInvalid(t, t2, "while the feed is down")

	setLive(true)
	t3, _ := f.login(t, "u3", session.RoleCliente)
	f.mustValidate(t, t3, true)
	f.dropBehindTheBack(t, t3)
	f.mustValidate(t, t3, true) // cached again
}

// pausingStore holds a validation's answer until the test releases it, so the test can
// revoke the session while the answer is in flight.
type pausingStore struct {
	session.Store
	fetched chan struct{}
	release chan struct{}
	armed   atomic.Bool
}

func (p *pausingStore) Validate(ctx context.Context, hash string, now time.Time, idle time.Duration, touch bool) (session.Record, error) {
	rec, err := p.Store.Validate(ctx, hash, now, idle, touch)
	if p.armed.CompareAndSwap(true, false) {
		p.fetched <- struct{}{}
		<-p.release
	}
	return rec, err
}

// revokedSignal passes a feed through and reports each revocation it delivers.
type revokedSignal struct {
	session.RevocationFeed
	revoked chan string
}

func (r revokedSignal) Watch(ctx context.Context, revoked func(string), live func(bool)) {
	r.RevocationFeed.Watch(ctx, func(uid string) {
		revoked(uid)
		r.revoked <- uid
	}, live)
}

func TestAnAnswerFromBeforeARevocationIsNotCached(t *testing.T) {
	client, keys := redistest.New(t)
	clock := &fakeClock{t: time.Now().UTC()}
	a := newReplica(t, client, keys, clock)

	st := store.New(client, keys)
	t.Cleanup(st.Close)
	ps := &pausingStore{Store: st, fetched: make(chan struct{}), release: make(chan struct{})}
	m := session.NewManager(ps, session.Config{IdleTimeout: idle, AbsoluteLifetime: absolute},
		session.Options{Clock: clock.Now, ValidateCacheTTL: cacheTTL})
	revoked := make(chan string, 16)
	watch(t, m, revokedSignal{st, revoked})
	b := &fixture{m: m, clock: clock, client: client, keys: keys, ctx: context.Background()}

	tok, _ := a.login(t, "u1", session.RoleCliente)
	ps.armed.Store(true)
	answer := make(chan error, 1)
	go func() { _, err := b.m.Validate(b.ctx, tok, true); answer <- err }()
	<-ps.fetched // Redis said "valid"; the answer has not reached the cache yet
	if err := a.m.Revoke(a.ctx, tok); err != nil {
		t.Fatal(err)
	}
	for uid := range revoked {
		if uid == "u1" {
			break // b's feed has delivered the revocation
		}
	}
	close(ps.release)
	if err := <-answer; err != nil {
		t.Fatalf("the in-flight validation was answered before the revocation: %v", err)
	}
	b.mustBeInvalid(t, tok, "the answer fetched before the revocation must not have been cached")
}

func TestConcurrentValidationsNeverOutliveARevocation(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.login(t, "u1", session.RoleCliente)
	f.mustValidate(t, tok, true)
	var revoked atomic.Bool
	var stale atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load() // read before the call: a call that starts after the revocation
				if _, err := f.m.Validate(f.ctx, tok, true); err == nil && after {
					stale.Add(1)
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := f.m.Revoke(f.ctx, tok); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := stale.Load(); n > 0 {
		t.Fatalf("%d validations that started after the logout returned found the session valid", n)
	}
}

func TestValidateCacheIsBounded(t *testing.T) {
	client, keys := redistest.New(t)
	clock := &fakeClock{t: time.Now().UTC()}
	st := store.New(client, keys)
	t.Cleanup(st.Close)
	m := session.NewManager(st, session.Config{IdleTimeout: idle, AbsoluteLifetime: absolute},
		session.Options{Clock: clock.Now, ValidateCacheTTL: cacheTTL, ValidateCacheSize: 2})
	watch(t, m, st)
	f := &fixture{m: m, clock: clock, client: client, keys: keys, ctx: context.Background()}
	var toks []string
	for _, u := range []string{"u1", "u2", "u3"} {
		tok, _ := f.login(t, u, session.RoleCliente)
		f.mustValidate(t, tok, true)
		toks = append(toks, tok)
	}
	f.dropBehindTheBack(t, toks[2])
	f.mustBeInvalid(t, toks[2], "a session validated when the cache was full")
	f.dropBehindTheBack(t, toks[0])
	f.mustValidate(t, toks[0], false) // the first two are cached
}

// A Redis user with the prefix's keys but none of its channels (Redis 7's default for new
// ACL users): revocations still work, and since the feed cannot subscribe, nothing is
// ever answered from memory.
func TestRedisUserWithoutChannelsRevokesAndNeverCaches(t *testing.T) {
	admin, keys := redistest.New(t)
	user := "planta-test-" + strings.TrimSuffix(strings.TrimPrefix(keys.Prefix, "test:"), ":")
	if err := admin.Do(context.Background(), "ACL", "SETUSER", user, "reset", "on", ">"+user,
		"~"+keys.Prefix+"*", "resetchannels", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Do(context.Background(), "ACL", "DELUSER", user) })
	opts := *admin.Options()
	opts.Username, opts.Password = user, user
	client := redis.NewClient(&opts)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Publish(context.Background(), keys.Prefix+"sessions:revoked", "x").Err(); err == nil {
		t.Fatal("the restricted user may publish: the test would prove nothing")
	}

	clock := &fakeClock{t: time.Now().UTC()}
	st := store.New(client, keys)
	t.Cleanup(st.Close)
	m := session.NewManager(st, session.Config{IdleTimeout: idle, AbsoluteLifetime: absolute},
		session.Options{Clock: clock.Now, ValidateCacheTTL: cacheTTL})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.WatchRevocations(ctx, st) }()
	t.Cleanup(func() { cancel(); <-done })
	f := &fixture{m: m, clock: clock, client: client, keys: keys, ctx: context.Background()}

	tok, s := f.login(t, "u1", session.RoleCliente)
	other, _ := f.login(t, "u1", session.RoleCliente)
	f.mustValidate(t, tok, true)
	f.mustValidate(t, other, true)
	time.Sleep(100 * time.Millisecond) // time for the feed to try (and fail) to subscribe
	f.dropBehindTheBack(t, other)
	f.mustBeInvalid(t, other, "no cache without the feed")
	if err := f.m.Revoke(f.ctx, tok); err != nil {
		t.Fatalf("logout without channel permission: %v", err)
	}
	f.mustBeInvalid(t, tok, "after logout")
	tok2, _ := f.login(t, "u1", session.RoleCliente)
	if _, err := f.m.RevokeAll(f.ctx, "u1", s.ID); err != nil {
		t.Fatalf("revoke-all without channel permission: %v", err)
	}
	clock.Advance(time.Millisecond)
	f.mustBeInvalid(t, tok2, "after revoke-all")
}

// Entries older than the TTL leave memory on the next store after a TTL, not only when
// the cache is full.
func TestValidateCacheSweepsExpiredEntries(t *testing.T) {
	client, keys := redistest.New(t)
	clock := &fakeClock{t: time.Now().UTC()}
	st := store.New(client, keys)
	t.Cleanup(st.Close)
	reg := prometheus.NewRegistry()
	m := session.NewManager(st, session.Config{IdleTimeout: idle, AbsoluteLifetime: absolute},
		session.Options{Clock: clock.Now, ValidateCacheTTL: cacheTTL, Metrics: session.NewMetrics(reg)})
	watch(t, m, st)
	f := &fixture{m: m, clock: clock, client: client, keys: keys, ctx: context.Background()}
	for _, u := range []string{"u1", "u2", "u3"} {
		tok, _ := f.login(t, u, session.RoleCliente)
		f.mustValidate(t, tok, true)
	}
	if n := gauge(t, reg, "planta_session_validate_cache_entries"); n != 3 {
		t.Fatalf("entries = %v, want 3", n)
	}
	clock.Advance(cacheTTL)
	tok, _ := f.login(t, "u4", session.RoleCliente)
	f.mustValidate(t, tok, true)
	if n := gauge(t, reg, "planta_session_validate_cache_entries"); n != 1 {
		t.Fatalf("entries after a TTL = %v, want 1 (the expired ones swept)", n)
	}
}

// gauge reads the value of the gauge registered on reg under name.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s not registered", name)
	return 0
}
