// Package ratelimit limits requests per client key (the client IP) with fixed windows
// counted in Redis, in front of the per-account lockout: it slows down password spraying
// across many accounts from one address, which the lockout alone cannot see.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/redisx"
)

// Limiter allows Limit requests per Window per key. The clock is injected.
type Limiter struct {
	rdb    redis.UniversalClient
	keys   redisx.Keyspace
	name   string
	limit  int64
	window time.Duration
	now    func() time.Time
}

// New returns a limiter named name (part of its Redis keys: "login", "register").
func New(rdb redis.UniversalClient, keys redisx.Keyspace, name string, limit int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rdb: rdb, keys: keys, name: name, limit: int64(limit), window: window, now: now}
}

// Decision is the outcome of Allow.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until the window resets (when refused).
	RetryAfter time.Duration
}

var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// Allow counts one request for key and says whether it is within the limit.
func (l *Limiter) Allow(ctx context.Context, key string) (Decision, error) {
	if l.limit <= 0 {
		return Decision{Allowed: true}, nil
	}
	now := l.now()
	win := now.UnixMilli() / l.window.Milliseconds()
	k := l.keys.Key("ratelimit", l.name, key, strconv.FormatInt(win, 10))
	n, err := incrScript.Run(ctx, l.rdb, []string{k}, (l.window + time.Second).Milliseconds()).Int64()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit: %w", err)
	}
	if n <= l.limit {
		return Decision{Allowed: true}, nil
	}
	reset := time.UnixMilli((win + 1) * l.window.Milliseconds())
	return Decision{RetryAfter: reset.Sub(now)}, nil
}
