package session

import "context"

// RevocationFeed delivers the revocations every replica makes: the store publishes the
// owner's user id whenever it ends or weakens sessions, and Watch hands each id to
// revoked. live reports whether the subscription is in place (true once the store
// confirms it, false as soon as it is lost); nothing published while it was down is
// delivered later.
type RevocationFeed interface {
	Watch(ctx context.Context, revoked func(userID string), live func(up bool))
}

// WatchRevocations keeps the validation cache in step with revocations made by any
// replica, until ctx ends. Without a cache it returns at once. Until the feed is live
// the cache stores nothing, so every validation goes to the store.
func (m *Manager) WatchRevocations(ctx context.Context, feed RevocationFeed) {
	if m.cache == nil {
		return
	}
	defer m.cache.setLive(false)
	up := false
	feed.Watch(ctx, m.cache.forgetUser, func(now bool) {
		m.cache.setLive(now)
		m.metrics.setFeedUp(now)
		if now == up {
			return
		}
		up = now
		if now {
			m.log.InfoContext(ctx, "revocation feed subscribed: validation cache on")
		} else if ctx.Err() == nil {
			m.log.WarnContext(ctx, "revocation feed lost: every validation goes to Redis until it is back")
		}
	})
}
