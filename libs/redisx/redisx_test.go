package redisx_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/planta-dev/planta/libs/redisx"
	"github.com/planta-dev/planta/libs/redisx/redistest"
)

func TestKeyspace(t *testing.T) {
	ks := redisx.Keyspace{Prefix: "planta:"}
	if got := ks.Key("sess", "v1", "abc"); got != "planta:sess:v1:abc" {
		t.Fatalf("key = %q", got)
	}
}

func TestTestKeyspacesAreIsolated(t *testing.T) {
	ctx := context.Background()
	c1, ks1 := redistest.New(t)
	_, ks2 := redistest.New(t)
	if ks1.Prefix == ks2.Prefix {
		t.Fatal("two tests got the same prefix")
	}
	if err := c1.Set(ctx, ks1.Key("k"), "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c1.Exists(ctx, ks2.Key("k")).Result(); n != 0 {
		t.Fatal("keyspaces overlap")
	}
	client, err := redisx.Connect(redistest.URL(), noop.NewTracerProvider())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	if err := redisx.Ping(client)(ctx); err != nil {
		t.Fatal(err)
	}
}
