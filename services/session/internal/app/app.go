// Package app wires the session service: configuration, the Redis store, the domain
// Manager, HTTP routes and the in-process validator.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/session/internal/httpapi"
	"github.com/planta-dev/planta/services/session/internal/session"
	"github.com/planta-dev/planta/services/session/internal/store"
)

// Configuration variables of the session service (besides the common ones).
const (
	EnvIdleTimeout      = "PLANTA_SESSION_IDLE_TIMEOUT"
	EnvAbsoluteLifetime = "PLANTA_SESSION_ABSOLUTE_LIFETIME"
	// EnvValidateCacheTTL is how long a validation may be answered from memory after a
	// touching round trip (0 turns the cache off); EnvValidateCacheSize bounds it.
	EnvValidateCacheTTL  = "PLANTA_SESSION_VALIDATE_CACHE_TTL"
	EnvValidateCacheSize = "PLANTA_SESSION_VALIDATE_CACHE_SIZE"
)

// DefaultValidateCacheTTL: one Redis round trip per second per busy session, and the
// idle timer slides at that resolution (30 min idle: 0.06 %).
const DefaultValidateCacheTTL = time.Second

// Spec describes the session service to the common main. The session service validates
// tokens in-process (Spec.Validator), so its own public routes never call it over HTTP.
func Spec(version string) service.Spec {
	w := &wiring{}
	return service.Spec{
		Name: "session", Version: version,
		NeedsRedis: true,
		OpenAPI:    httpapi.OpenAPI,
		Validator: func(d *service.Deps) (authn.Validator, error) {
			return httpapi.Validator{M: w.manager(d)}, nil
		},
		Setup: func(ctx context.Context, d *service.Deps) error {
			httpapi.Register(d.Public, d.Internal, w.manager(d), d.Log)
			if d.Env.Bool(EnvPprof, false) {
				registerPprof(d.Internal)
			}
			return nil
		},
	}
}

// wiring builds the Manager once; Validator runs before Setup and both need it.
type wiring struct{ m *session.Manager }

func (w *wiring) manager(d *service.Deps) *session.Manager {
	if w.m != nil {
		return w.m
	}
	cfg := session.DefaultConfig()
	cfg.IdleTimeout = d.Env.Duration(EnvIdleTimeout, cfg.IdleTimeout)
	cfg.AbsoluteLifetime = d.Env.Duration(EnvAbsoluteLifetime, cfg.AbsoluteLifetime)
	d.Env.Check(cfg.Check())
	cacheTTL := d.Env.DurationOrZero(EnvValidateCacheTTL, DefaultValidateCacheTTL)
	if cacheTTL < 0 || cacheTTL >= cfg.IdleTimeout {
		d.Env.Check(fmt.Errorf("%s must be between 0 (off) and the idle timeout %s, got %s", EnvValidateCacheTTL, cfg.IdleTimeout, cacheTTL))
	}
	st := store.NewWithValidateClient(d.Redis, validateClient(d), d.Keys)
	d.OnShutdown(st.Close) // stop the validate pipeliner before the Redis client closes
	d.Tel.Registry.MustRegister(session.NewActiveCollector(st, nil))
	w.m = session.NewManager(st, cfg, session.Options{
		Logger:            d.Log,
		TracerProvider:    d.Tel.TracerProvider,
		Metrics:           session.NewMetrics(d.Tel.Registry),
		ValidateCacheTTL:  cacheTTL,
		ValidateCacheSize: d.Env.Int(EnvValidateCacheSize, session.DefaultValidateCacheSize, 1, 10_000_000),
	})
	if cacheTTL > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.m.WatchRevocations(ctx, st)
		}()
		d.OnShutdown(func() { cancel(); <-done }) // before the Redis client closes
	}
	return w.m
}

// validateClient is the client of the validate pipeline. With tracing off (the no-op
// tracer provider) it is a second client on the same options without redisotel's hooks
// — their spans would record nothing, but the pipeline hook still renders every command
// of every batch as text (≈ 3 % of the service's CPU under load) — and on RESP2, which
// skips go-redis' check for RESP3 push notifications before every reply (≈ 2 %; the
// validate script's replies are the same in both protocols). With tracing on it is the
// instrumented client, so validate pipelines keep their spans.
func validateClient(d *service.Deps) redis.UniversalClient {
	if _, ok := d.Tel.TracerProvider.(noop.TracerProvider); !ok {
		return d.Redis
	}
	opts := *d.Redis.Options()
	opts.Protocol = 2
	c := redis.NewClient(&opts)
	d.OnShutdown(func() { _ = c.Close() })
	return c
}
