// Package redistest gives each test its own key prefix on the real Redis server named by
// PLANTA_TEST_REDIS_URL (default redis://127.0.0.1:6379/0) and deletes its keys after.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/redisx"
)

// DefaultURL is used when PLANTA_TEST_REDIS_URL is unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL is the test server's URL.
func URL() string {
	if u := os.Getenv("PLANTA_TEST_REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns a client and a keyspace unique to t. The test fails, never skips, when
// Redis is unreachable.
func New(t testing.TB) (*redis.Client, redisx.Keyspace) {
	t.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("redistest: parse url: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("redistest: ping %s (start Redis or set PLANTA_TEST_REDIS_URL; `make deps` does it): %v", opts.Addr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	ks := redisx.Keyspace{Prefix: "test:" + hex.EncodeToString(b) + ":"}
	t.Cleanup(func() {
		defer func() { _ = client.Close() }()
		ctx := context.Background()
		iter := client.Scan(ctx, 0, ks.Prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("redistest: clean up %s*: %v", ks.Prefix, err)
		}
	})
	return client, ks
}
