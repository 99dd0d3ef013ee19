package session

import (
	"sync"
	"sync/atomic"
	"time"
)

// validCache remembers, for at most ttl, the sessions a touching validation found alive,
// so that a session used many times a second (a page load fans out into several API
// calls, each validated) costs one Redis round trip per ttl instead of one per call.
//
// What keeps it exact:
//   - Revocation. Every store operation that ends or weakens a session publishes its
//     owner's user id (RevocationFeed); the Manager also forgets locally before it
//     returns. A message drops every entry whose user or owner is that id, which covers
//     impersonation sessions bound to a revoked superadmin session.
//   - Lost messages. Entries are stored only while the feed is subscribed; losing the
//     subscription (Redis down, a reconnect) drops everything, and the feed only counts
//     as live again after Redis confirms the new subscription.
//   - Races. A validation reads the generation before its round trip and stores its
//     answer only if no invalidation happened meanwhile, so a reply computed before a
//     revocation cannot outlive the message that announces it.
//   - Expiry. Only touching validations are stored: that round trip slid the session
//     (and an impersonation's parent) to the fetch instant, so both stay alive for the
//     idle timeout (≥ 1 s, more than ttl); the absolute expiry is checked on every hit.
//
// The one rule it relaxes, by at most ttl: a hit does not slide the idle timer again,
// so a session's idle expiry counts from its last round trip, up to ttl earlier than the
// strict rule (never later). Whatever goes wrong with the feed, no answer is older than
// ttl.
type validCache struct {
	ttl        time.Duration
	maxEntries int

	mu        sync.RWMutex
	entries   map[string]cacheEntry // by token hash
	lastSweep time.Time             // when put last dropped the expired entries

	gen  atomic.Uint64 // bumped by every invalidation
	live atomic.Bool   // the revocation feed is subscribed
}

type cacheEntry struct {
	rec     Record
	fetched time.Time // the instant the store validated (and slid) the session
}

func newValidCache(ttl time.Duration, maxEntries int) *validCache {
	return &validCache{ttl: ttl, maxEntries: maxEntries, entries: make(map[string]cacheEntry)}
}

// get returns the record cached for hash if it is still usable at now.
func (c *validCache) get(hash string, now time.Time) (Record, bool) {
	if c == nil {
		return Record{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[hash]
	c.mu.RUnlock()
	// A clock that went backwards (now before fetched) also misses.
	if !ok || now.Before(e.fetched) || now.Sub(e.fetched) >= c.ttl || !now.Before(e.rec.ExpiresAt) {
		return Record{}, false
	}
	return e.rec, true
}

// generation is read before a round trip whose answer may be stored with put.
func (c *validCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.gen.Load()
}

// put stores rec, validated with touch at fetched, unless an invalidation happened
// since gen was read or the feed is not live.
func (c *validCache) put(hash string, rec Record, fetched time.Time, gen uint64) {
	if c == nil || !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Checked under the lock: forget bumps the generation while holding it.
	if c.gen.Load() != gen {
		return
	}
	// Expired entries go at most once per TTL (one pass over the map), or when full.
	if len(c.entries) >= c.maxEntries || fetched.Sub(c.lastSweep) >= c.ttl || fetched.Before(c.lastSweep) {
		c.sweepLocked(fetched)
		c.lastSweep = fetched
		if len(c.entries) >= c.maxEntries {
			return // full of live entries: answer from the store until some expire
		}
	}
	c.entries[hash] = cacheEntry{rec: rec, fetched: fetched}
}

// sweepLocked drops the entries that get would refuse at now.
func (c *validCache) sweepLocked(now time.Time) {
	for h, e := range c.entries {
		if now.Before(e.fetched) || now.Sub(e.fetched) >= c.ttl {
			delete(c.entries, h)
		}
	}
}

// forgetUser drops every entry of userID's sessions and of the sessions userID owns.
func (c *validCache) forgetUser(userID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for h, e := range c.entries {
		if e.rec.UserID == userID || e.rec.Owner == userID {
			delete(c.entries, h)
		}
	}
}

// forgetAll drops every entry.
func (c *validCache) forgetAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	clear(c.entries)
}

// setLive records whether the revocation feed is subscribed. Every change drops
// everything, since messages may have been missed while it was down. The order matters
// to a put racing with it: going down, stop storing before dropping; coming up, drop
// (bumping the generation, which voids answers fetched while down) before storing again.
func (c *validCache) setLive(live bool) {
	if c == nil {
		return
	}
	if !live {
		c.live.Store(false)
		c.forgetAll()
		return
	}
	c.forgetAll()
	c.live.Store(true)
}

// len is the number of entries (for tests and the size gauge).
func (c *validCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
