package httpapi

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/planta-dev/planta/libs/lru"

	"github.com/planta-dev/planta/services/allocation/internal/store"
)

// The public views are read-only and change only when an admin writes, so their rendered
// answers are cached in process:
//
//   - key: method, path, sorted query, the clock the view depends on (none; today's date for
//     the calendar and the iCal feed; the current second for "free rooms now"), and the
//     public version — the counter every transaction changing public data bumps at commit
//     (migration 004). An answer is stored under the version read before it was computed,
//     so it is never older than its key; once a write commits, the next version read
//     misses every older entry.
//   - version reads: at most one query per TTL (default 1 s) per replica, and immediately
//     after any write transaction finished by this process (store.Writes), so a write made
//     through this replica's API is visible on its next public read whatever the TTL. A
//     write made through another replica is visible here within the TTL. TTL 0 reads the
//     version on every request (one primary-key lookup).
//   - bounded: least recently used entries are evicted beyond MaxBytes of bodies or
//     MaxEntries answers; entries of older versions are dropped when a new version is seen.
//   - concurrent misses of one key compute it once (the others wait for that answer).
//
// Only 200 answers are cached; errors are computed every time.

// clockDep says which part of the clock a public view's answer depends on.
type clockDep int

const (
	clockNone   clockDep = iota
	clockDay             // today's date (site time zone)
	clockSecond          // the current second
)

type cachedAnswer struct {
	header http.Header // immutable once stored
	body   []byte
	etag   string
	key    string
}

func (c *cachedAnswer) size() int { return len(c.body) + len(c.key) + 256 }

type versionState struct {
	version int64
	writes  uint64 // store.Writes() before the version was read
	at      time.Time
}

type flight struct {
	done chan struct{}
	ans  *cachedAnswer // nil: not cacheable; waiters compute their own
}

// PublicCacheConfig bounds the public answer cache.
type PublicCacheConfig struct {
	// TTL is how long a read public version is trusted without asking Postgres again
	// (writes through this process always re-read it). 0 = ask on every request.
	TTL time.Duration
	// MaxBytes bounds the cached bodies (0 = 32 MiB; negative disables the cache).
	MaxBytes int
	// MaxEntries bounds the number of cached answers (0 = 10,000).
	MaxEntries int
}

type publicCache struct {
	st       *store.Store
	ttl      time.Duration
	maxBytes int
	now      func() time.Time // real time, for the TTL

	state  atomic.Pointer[versionState]
	loadMu sync.Mutex // one version query at a time

	mu      sync.Mutex
	answers *lru.Cache[*cachedAnswer] // sized by cachedAnswer.size
	seenVer int64
	flights map[string]*flight
}

func newPublicCache(st *store.Store, cfg PublicCacheConfig) *publicCache {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 32 << 20
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 10000
	}
	if cfg.TTL < 0 {
		cfg.TTL = 0
	}
	size := func(_ string, a *cachedAnswer) int { return a.size() }
	return &publicCache{st: st, ttl: cfg.TTL, maxBytes: cfg.MaxBytes, now: time.Now,
		answers: lru.New(cfg.MaxEntries, cfg.MaxBytes, size), flights: map[string]*flight{}}
}

func (c *publicCache) enabled() bool { return c != nil && c.maxBytes > 0 }

// version returns the public version to key answers by.
func (c *publicCache) version(ctx context.Context) (int64, error) {
	fresh := func(s *versionState) bool {
		return s != nil && c.ttl > 0 && s.writes == c.st.Writes() && c.now().Sub(s.at) < c.ttl
	}
	if s := c.state.Load(); fresh(s) {
		return s.version, nil
	}
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	if s := c.state.Load(); fresh(s) {
		return s.version, nil
	}
	writes := c.st.Writes() // before the query: a write finishing later makes this state stale
	v, err := c.st.PublicVersion(ctx)
	if err != nil {
		return 0, err
	}
	c.state.Store(&versionState{version: v, writes: writes, at: c.now()})
	c.mu.Lock()
	if v != c.seenVer {
		c.seenVer = v
		c.answers.RemoveIf(func(string, *cachedAnswer) bool { return true })
	}
	c.mu.Unlock()
	return v, nil
}

// get returns the cached answer of key, or a flight to wait for, or (nil, nil) when the
// caller must compute it and then call finish.
func (c *publicCache) get(key string) (*cachedAnswer, *flight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.answers.Get(key); ok {
		return a, nil
	}
	if f, ok := c.flights[key]; ok {
		return nil, f
	}
	c.flights[key] = &flight{done: make(chan struct{})}
	return nil, nil
}

// finish stores ans (nil = not cacheable) under key and wakes the waiters.
func (c *publicCache) finish(key string, ans *cachedAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.flights[key]
	delete(c.flights, key)
	if ans != nil {
		c.answers.Add(key, ans) // one larger than the whole bound is not stored
	}
	if f != nil {
		f.ans = ans
		close(f.done)
	}
}

// stats reports the number of cached answers and their accounted bytes (tests).
func (c *publicCache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answers.Len(), c.answers.Size()
}
