// Package lockout regulates login attempts per account, after Authelia's regulation: a
// run of MaxFailures failed logins within FindWindow locks the account for BanDuration,
// after which it unlocks by itself.
//
// Attempts are reserved atomically (one Lua round trip) before the password is checked,
// so that N parallel guesses cannot perform more than MaxFailures bcrypt compares: a
// reservation is refused once failures plus attempts in flight reach the limit. Failures
// recorded while the account is locked do not extend the lock; a success resets the run.
// State lives in Redis keyed by user id; the clock is injected (Lua gets "now" as an
// argument), so tests move time without sleeping.
package lockout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/redisx"
)

// ErrLocked means the account is locked (or has as many attempts in flight as it has
// failures left): the password must not be checked.
var ErrLocked = errors.New("account locked")

// Config holds the regulation's parameters.
type Config struct {
	MaxFailures int
	FindWindow  time.Duration
	BanDuration time.Duration
	// Lease bounds how long a reservation may stay in flight (a crashed process must
	// not hold one forever).
	Lease time.Duration
}

// DefaultConfig is ARCHITECTURE.md's rule: 5 failures ⇒ 15 minutes.
func DefaultConfig() Config {
	return Config{MaxFailures: 5, FindWindow: 15 * time.Minute, BanDuration: 15 * time.Minute, Lease: time.Minute}
}

// Regulator keeps the per-account counters.
type Regulator struct {
	rdb  redis.UniversalClient
	keys redisx.Keyspace
	cfg  Config
	now  func() time.Time
}

// New returns a Regulator; now is the clock (time.Now in production).
func New(rdb redis.UniversalClient, keys redisx.Keyspace, cfg Config, now func() time.Time) *Regulator {
	if now == nil {
		now = time.Now
	}
	return &Regulator{rdb: rdb, keys: keys, cfg: cfg, now: now}
}

// Config returns the parameters in force.
func (r *Regulator) Config() Config { return r.cfg }

// Reservation is one attempt in flight; pass it to Fail or Succeed exactly once.
type Reservation struct {
	userID string
	id     string
}

// The account's state is a hash (f: failures in the current run, lu: locked-until ms,
// lf: last failure ms) plus a sorted set of in-flight reservations scored by lease end.
// Both keys carry the user id as a hash tag so a Redis Cluster keeps them in one slot.
func (r *Regulator) stateKey(userID string) string {
	return r.keys.Key("lockout", "v1", "{"+userID+"}")
}
func (r *Regulator) flightKey(userID string) string {
	return r.keys.Key("lockout", "v1", "{"+userID+"}", "inflight")
}

// lockedIndex lists locked accounts (score: locked-until ms) for the admin views. It is
// maintained next to the scripts, not inside them, so the scripts stay single-slot; the
// state hash remains the truth.
func (r *Regulator) lockedIndex() string { return r.keys.Key("lockout", "v1", "locked") }

func (r *Regulator) ttl() int64 {
	d := r.cfg.FindWindow
	if r.cfg.BanDuration > d {
		d = r.cfg.BanDuration
	}
	return (d + r.cfg.Lease + time.Minute).Milliseconds()
}

var reserveScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local lease = tonumber(ARGV[6])
local h = redis.call('HMGET', KEYS[1], 'f', 'lu', 'lf')
local f = tonumber(h[1]) or 0
local lu = tonumber(h[2]) or 0
local lf = tonumber(h[3]) or 0
if lu > now then
  return {0, lu}
end
if lu > 0 then
  f = 0
  redis.call('HSET', KEYS[1], 'f', 0, 'lu', 0)
end
if f > 0 and now - lf > window then
  f = 0
  redis.call('HSET', KEYS[1], 'f', 0)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[2])
if f + inflight >= max then
  return {0, 0}
end
redis.call('ZADD', KEYS[2], now + lease, ARGV[5])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, 0}
`)

var completeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local ban = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[5])
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'f', 0, 'lu', 0)
  return {0, 0}
end
local h = redis.call('HMGET', KEYS[1], 'f', 'lu')
local f = tonumber(h[1]) or 0
local lu = tonumber(h[2]) or 0
if lu > now then
  return {0, lu}
end
f = f + 1
if f >= max then
  lu = now + ban
  redis.call('HSET', KEYS[1], 'f', 0, 'lu', lu, 'lf', now)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, lu}
end
redis.call('HSET', KEYS[1], 'f', f, 'lu', 0, 'lf', now)
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, 0}
`)

// Reserve claims one attempt for userID before its password is checked. It returns
// ErrLocked when the account is locked or every remaining attempt is already in flight.
func (r *Regulator) Reserve(ctx context.Context, userID string) (Reservation, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return Reservation{}, err
	}
	res := Reservation{userID: userID, id: hex.EncodeToString(b)}
	out, err := reserveScript.Run(ctx, r.rdb, []string{r.stateKey(userID), r.flightKey(userID)},
		r.now().UnixMilli(), r.cfg.MaxFailures, r.cfg.FindWindow.Milliseconds(), r.ttl(), res.id, r.cfg.Lease.Milliseconds()).Int64Slice()
	if err != nil {
		return Reservation{}, fmt.Errorf("reserve login attempt: %w", err)
	}
	if out[0] != 1 {
		return Reservation{}, ErrLocked
	}
	return res, nil
}

// Succeed ends a reservation whose password matched: the failure run resets.
func (r *Regulator) Succeed(ctx context.Context, res Reservation) error {
	if _, err := r.complete(ctx, res, true); err != nil {
		return err
	}
	return r.rdb.ZRem(ctx, r.lockedIndex(), res.userID).Err()
}

// Fail ends a reservation whose password did not match. lockedNow reports whether this
// failure locked the account (for the lockouts counter).
func (r *Regulator) Fail(ctx context.Context, res Reservation) (lockedNow bool, err error) {
	out, err := r.complete(ctx, res, false)
	if err != nil {
		return false, err
	}
	if out[0] == 1 {
		if err := r.rdb.ZAdd(ctx, r.lockedIndex(), redis.Z{Score: float64(out[1]), Member: res.userID}).Err(); err != nil {
			return true, fmt.Errorf("index lockout: %w", err)
		}
		return true, nil
	}
	return false, nil
}

// Cancel releases a reservation without counting it (the attempt could not be judged,
// e.g. the hasher was unavailable).
func (r *Regulator) Cancel(ctx context.Context, res Reservation) error {
	return r.rdb.ZRem(ctx, r.flightKey(res.userID), res.id).Err()
}

func (r *Regulator) complete(ctx context.Context, res Reservation, success bool) ([]int64, error) {
	flag := "0"
	if success {
		flag = "1"
	}
	out, err := completeScript.Run(ctx, r.rdb, []string{r.stateKey(res.userID), r.flightKey(res.userID)},
		r.now().UnixMilli(), r.cfg.MaxFailures, r.cfg.BanDuration.Milliseconds(), r.ttl(), res.id, flag).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("record login attempt: %w", err)
	}
	return out, nil
}

// Status is an account's regulation state.
type Status struct {
	Failures    int
	LockedUntil time.Time // zero when not locked
}

// Locked reports whether the account is locked at now.
func (s Status) Locked(now time.Time) bool { return s.LockedUntil.After(now) }

// Status reads the state of one account.
func (r *Regulator) Status(ctx context.Context, userID string) (Status, error) {
	vals, err := r.rdb.HMGet(ctx, r.stateKey(userID), "f", "lu").Result()
	if err != nil {
		return Status{}, fmt.Errorf("read lockout state: %w", err)
	}
	var st Status
	if s, ok := vals[0].(string); ok {
		st.Failures, _ = strconv.Atoi(s)
	}
	if s, ok := vals[1].(string); ok {
		if ms, _ := strconv.ParseInt(s, 10, 64); ms > r.now().UnixMilli() {
			st.LockedUntil = time.UnixMilli(ms).UTC()
		}
	}
	return st, nil
}

// Unlock clears an account's failures and lock (admin action, break-glass).
func (r *Regulator) Unlock(ctx context.Context, userID string) error {
	if err := r.rdb.HSet(ctx, r.stateKey(userID), "f", 0, "lu", 0).Err(); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	if err := r.rdb.PExpire(ctx, r.stateKey(userID), time.Duration(r.ttl())*time.Millisecond).Err(); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return r.rdb.ZRem(ctx, r.lockedIndex(), userID).Err()
}

// Locked lists the accounts locked now with the end of each lock.
func (r *Regulator) Locked(ctx context.Context) (map[string]time.Time, error) {
	now := r.now().UnixMilli()
	if err := r.rdb.ZRemRangeByScore(ctx, r.lockedIndex(), "-inf", strconv.FormatInt(now, 10)).Err(); err != nil {
		return nil, fmt.Errorf("prune locked accounts: %w", err)
	}
	zs, err := r.rdb.ZRangeByScoreWithScores(ctx, r.lockedIndex(), &redis.ZRangeBy{
		Min: strconv.FormatInt(now+1, 10), Max: "+inf",
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("list locked accounts: %w", err)
	}
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		id, _ := z.Member.(string)
		// The hash is the truth (an unlock may have raced the index).
		st, err := r.Status(ctx, id)
		if err != nil {
			return nil, err
		}
		if st.Locked(time.UnixMilli(now)) {
			out[id] = st.LockedUntil
		}
	}
	return out, nil
}
