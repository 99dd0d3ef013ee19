package apicall

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/planta-dev/planta/libs/lru"
)

// ETagCache keeps the last 200 answer of anonymous GET requests, per URL and Accept, with
// its ETag, so the next request for the same URL is revalidated with If-None-Match and a
// 304 reuses the stored body instead of transferring it again. It never answers on its
// own: every call still reaches the API, which stays the judge of freshness (clock-
// dependent views, rate limits). It is bounded by entry count and total body bytes,
// evicting the least recently used answer first, and safe for concurrent use.
//
// Only answers that cannot belong to a session are stored: the request carried no
// session token (the client never sends one with a cached call), and the answer has no
// Set-Cookie and is not marked private or no-store.
type ETagCache struct {
	maxBytes int

	mu      sync.Mutex
	answers *lru.Cache[*etagEntry] // sized by body bytes
}

type etagEntry struct {
	etag   string
	header http.Header
	body   []byte
}

// NewETagCache returns a cache of at most maxEntries answers and maxBytes of bodies in
// total (an answer larger than maxBytes is never stored).
func NewETagCache(maxEntries, maxBytes int) *ETagCache {
	if maxEntries < 1 {
		maxEntries = 1
	}
	size := func(_ string, e *etagEntry) int { return len(e.body) }
	return &ETagCache{maxBytes: maxBytes, answers: lru.New(maxEntries, maxBytes, size)}
}

// Len is the number of stored answers.
func (c *ETagCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answers.Len()
}

// lookup returns the stored answer for key (marking it recently used).
func (c *ETagCache) lookup(key string) (etag string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.answers.Get(key)
	if !ok {
		return "", false
	}
	return e.etag, true
}

// reuse returns a copy of the stored answer for key if its ETag is still etag (another
// request may have replaced it between the lookup and the 304).
func (c *ETagCache) reuse(key, etag string) (*Response, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.answers.Peek(key); !ok || e.etag != etag {
		return nil, false
	}
	e, _ := c.answers.Get(key)
	return &Response{Status: http.StatusOK, Header: e.header.Clone(), Body: bytes.Clone(e.body)}, true
}

// store keeps a 200 answer if it is cacheable; otherwise it forgets key.
func (c *ETagCache) store(key string, resp *http.Response, body []byte) {
	etag := resp.Header.Get("ETag")
	if etag == "" || !cacheable(resp.Header) || len(body) > c.maxBytes {
		c.forget(key)
		return
	}
	e := &etagEntry{etag: etag, header: resp.Header.Clone(), body: bytes.Clone(body)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers.Add(key, e)
}

// forget drops key's answer.
func (c *ETagCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers.Remove(key)
}

// cacheable reports whether an answer may be shared between callers: not tied to a
// session (Set-Cookie) and not marked private or no-store.
func cacheable(h http.Header) bool {
	if len(h.Values("Set-Cookie")) > 0 {
		return false
	}
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "no-store" || d == "private" || strings.HasPrefix(d, "private=") {
				return false
			}
		}
	}
	return true
}

// Anonymous returns ctx without the caller's session token: the call is made as an
// anonymous visitor (the caller's address and user agent are still forwarded).
func Anonymous(ctx context.Context) context.Context {
	c := CallerFrom(ctx)
	c.Token = ""
	return WithCaller(ctx, c)
}

// WithCache returns a client for the same API whose GET calls without a session token
// are revalidated against cache (see ETagCache).
func (c *Client) WithCache(cache *ETagCache) *Client {
	cp := *c
	cp.cache = cache
	return &cp
}
