// Package store keeps sessions in Redis. Each operation is one Lua script (one round
// trip, atomic); the expiry rules of the hot path run inside the validate script with
// the instant the caller passes, so a fake clock drives them in tests.
package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/redisx"

	"github.com/planta-dev/planta/services/session/internal/session"
)

// Redis implements session.Store.
type Redis struct {
	client redis.UniversalClient
	keys   redisx.Keyspace
	batch  *batcher
	// prefixArg is keys.Prefix as a script argument, boxed once instead of per call.
	prefixArg any
}

var _ session.Store = (*Redis)(nil)

// New returns a store over client with every key under keys' prefix. It starts the
// goroutines that pipeline concurrent validations; Close stops them.
func New(client redis.UniversalClient, keys redisx.Keyspace) *Redis {
	return NewWithValidateClient(client, client, keys)
}

// NewWithValidateClient is New with a separate client for the validate pipeline (the hot
// path), for instance one without tracing hooks when tracing is off.
func NewWithValidateClient(client, validate redis.UniversalClient, keys redisx.Keyspace) *Redis {
	return &Redis{client: client, keys: keys, prefixArg: keys.Prefix, batch: newBatcher(validate)}
}

// Close stops the validation pipeline goroutines (the client stays open).
func (s *Redis) Close() { s.batch.close() }

func (s *Redis) sessionKey(hash string) string { return s.keys.Prefix + "sess:v2:" + hash }
func (s *Redis) idKey(id string) string        { return s.keys.Prefix + "sid:v1:" + id }
func (s *Redis) userKey(uid string) string     { return s.keys.Prefix + "user:" + uid + ":sessions" }
func (s *Redis) nbfKey(uid string) string      { return s.keys.Prefix + "user:" + uid + ":nbf" }
func (s *Redis) activeKey() string             { return s.keys.Prefix + "sessions:active" }

func ms(t time.Time) int64        { return t.UnixMilli() }
func fromMS(v int64) time.Time    { return time.UnixMilli(v).UTC() }
func durMS(d time.Duration) int64 { return d.Milliseconds() }
func unavailable(op string, err error) error {
	return fmt.Errorf("%w: %s: %v", session.ErrUnavailable, op, err)
}

func insertArgs(rec session.Record, now time.Time, idle time.Duration, prefix string) []any {
	return []any{ms(now), durMS(idle), prefix, rec.ID, ms(rec.ExpiresAt), rec.TokenHash}
}

// Insert implements session.Store.
func (s *Redis) Insert(ctx context.Context, rec session.Record, now time.Time, idle time.Duration) error {
	if !now.Before(rec.ExpiresAt) {
		return session.ErrInvalidSession
	}
	value, err := encode(rec)
	if err != nil {
		return err
	}
	args := append(insertArgs(rec, now, idle, s.keys.Prefix), rec.ParentHash, value)
	n, err := insertScript.Run(ctx, s.client,
		[]string{s.sessionKey(rec.TokenHash), s.idKey(rec.ID), s.userKey(rec.Owner)}, args...).Int()
	if err != nil {
		return unavailable("insert session", err)
	}
	if n == 0 {
		return session.ErrInvalidSession
	}
	return nil
}

// Validate implements session.Store.
func (s *Redis) Validate(ctx context.Context, tokenHash string, now time.Time, idle time.Duration, touch bool) (session.Record, error) {
	touchArg := "0"
	if touch {
		touchArg = "1"
	}
	reply, err := s.batch.do(ctx, s.sessionKey(tokenHash), [4]any{ms(now), durMS(idle), touchArg, s.prefixArg})
	switch {
	case errors.Is(err, redis.Nil):
		return session.Record{}, session.ErrInvalidSession
	case err != nil:
		return session.Record{}, unavailable("validate session", err)
	}
	return parse(reply, tokenHash)
}

// Get implements session.Store.
func (s *Redis) Get(ctx context.Context, tokenHash string) (session.Record, error) {
	v, err := s.client.Get(ctx, s.sessionKey(tokenHash)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return session.Record{}, session.ErrInvalidSession
	case err != nil:
		return session.Record{}, unavailable("get session", err)
	}
	return decode(v, tokenHash)
}

// Delete implements session.Store.
func (s *Redis) Delete(ctx context.Context, tokenHash string) (session.Record, bool, error) {
	reply, err := deleteScript.Run(ctx, s.client, []string{s.sessionKey(tokenHash)}, s.keys.Prefix).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return session.Record{}, false, nil
	case err != nil:
		return session.Record{}, false, unavailable("delete session", err)
	}
	rec, err := parse(reply, tokenHash)
	if err != nil {
		return session.Record{}, false, err
	}
	return rec, true, nil
}

// DeleteByID implements session.Store.
func (s *Redis) DeleteByID(ctx context.Context, owner, id string) (bool, error) {
	n, err := deleteByIDScript.Run(ctx, s.client, []string{s.idKey(id), s.userKey(owner)},
		s.keys.Prefix, owner, id).Int()
	if err != nil {
		return false, unavailable("delete session by id", err)
	}
	return n == 1, nil
}

// ListByOwner implements session.Store.
func (s *Redis) ListByOwner(ctx context.Context, owner string, now time.Time, idle time.Duration) ([]session.Record, error) {
	reply, err := listScript.Run(ctx, s.client, []string{s.userKey(owner)}, ms(now), durMS(idle), s.keys.Prefix).Slice()
	if err != nil {
		return nil, unavailable("list sessions", err)
	}
	out := make([]session.Record, 0, len(reply))
	for _, item := range reply {
		rec, err := parse(item, "")
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// RevokeAll implements session.Store.
func (s *Redis) RevokeAll(ctx context.Context, userID, exceptID string, now time.Time, ttl time.Duration) (int, error) {
	n, err := revokeAllScript.Run(ctx, s.client, []string{s.userKey(userID), s.nbfKey(userID)},
		ms(now), exceptID, durMS(ttl), s.keys.Prefix, userID).Int()
	if err != nil {
		return 0, unavailable("revoke sessions", err)
	}
	return n, nil
}

// Replace implements session.Store.
func (s *Redis) Replace(ctx context.Context, oldHashes []string, rec session.Record, now time.Time, idle time.Duration) error {
	if !now.Before(rec.ExpiresAt) {
		return session.ErrInvalidSession
	}
	args := append(insertArgs(rec, now, idle, s.keys.Prefix), len(oldHashes))
	for _, h := range oldHashes {
		args = append(args, h)
	}
	value, err := encode(rec)
	if err != nil {
		return err
	}
	args = append(args, value)
	n, err := replaceScript.Run(ctx, s.client,
		[]string{s.sessionKey(rec.TokenHash), s.idKey(rec.ID), s.userKey(rec.Owner)}, args...).Int()
	if err != nil {
		return unavailable("replace sessions", err)
	}
	if n == 0 {
		return session.ErrInvalidSession
	}
	return nil
}

// CountActive implements session.Store: one ZCOUNT of the expiry index.
func (s *Redis) CountActive(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.client.ZCount(ctx, s.activeKey(), "("+strconv.FormatInt(ms(now), 10), "+inf").Result()
	if err != nil {
		return 0, unavailable("count sessions", err)
	}
	return n, nil
}
