package store

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/services/session/internal/session"
)

var _ session.RevocationFeed = (*Redis)(nil)

// How the revocation feed notices a dead subscription: a connection that dies with its
// server fails the blocked read at once; one that goes silent (a partition, a NAT that
// forgot it) is pinged after feedQuiet without traffic and declared lost when the pong
// does not come within another feedQuiet.
const (
	feedQuiet      = time.Second
	feedBackoffMin = 50 * time.Millisecond
	feedBackoffMax = 2 * time.Second
)

func (s *Redis) revokedChannel() string { return s.keys.Prefix + "sessions:revoked" }

// Watch implements session.RevocationFeed: it subscribes to the channel the scripts
// publish on (announce) and resubscribes, with backoff, whenever the subscription is
// lost, until ctx ends.
func (s *Redis) Watch(ctx context.Context, revoked func(userID string), live func(up bool)) {
	backoff := feedBackoffMin
	for ctx.Err() == nil {
		ps := s.client.Subscribe(ctx, s.revokedChannel())
		// A blocked read does not watch ctx: closing the subscription ends it at once.
		stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
		if s.watchOnce(ctx, ps, revoked, live) {
			backoff = feedBackoffMin // it was up: retry soon
		}
		stop()
		_ = ps.Close()
		live(false)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, feedBackoffMax)
	}
}

// watchOnce reads one subscription until it fails; it reports whether it was ever
// confirmed.
func (s *Redis) watchOnce(ctx context.Context, ps *redis.PubSub, revoked func(string), live func(bool)) (wasUp bool) {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, feedQuiet)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !pinged && ctx.Err() == nil {
				if ps.Ping(ctx) == nil {
					pinged = true
					continue
				}
			}
			return wasUp
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == s.revokedChannel() {
				wasUp = true
				live(true)
			}
		case *redis.Message:
			revoked(m.Payload)
		}
	}
}
