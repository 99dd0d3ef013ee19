// Package service is the common main of every Planta binary: subcommands (serve,
// migrate, version and service-specific ones), typed configuration from the environment,
// telemetry, Postgres/Redis/session clients, both listeners, and an orderly shutdown.
// A service's main.go declares a Spec and calls Main; the wiring stays explicit code.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/libs/audit"
	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/clientip"
	"github.com/planta-dev/planta/libs/config"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/redisx"
)

// Spec describes one service.
type Spec struct {
	Name    string
	Version string
	// Schema is the service's Postgres schema; empty for services without SQL.
	Schema string
	// Migrations holds the NNN_name.sql files at its root.
	Migrations fs.FS
	// AfterMigrate runs after the migrations (e.g. seeding the superadmin, which needs
	// Go's bcrypt and so can't be plain SQL); it must be idempotent.
	AfterMigrate func(ctx context.Context, d *Deps) error
	// NeedsRedis connects to PLANTA_REDIS_URL.
	NeedsRedis bool
	// NeedsSession validates sessions through the session service's internal API.
	NeedsSession bool
	// Validator, when set, replaces the session client (the session service validates
	// in-process).
	Validator func(d *Deps) (authn.Validator, error)
	// OpenAPI is served at /api/v1/<name>/openapi.json.
	OpenAPI []byte
	// Setup registers routes and readiness checks; it may read more configuration from
	// d.Env (problems are reported together with the common ones).
	Setup func(ctx context.Context, d *Deps) error
	// Commands are extra subcommands (e.g. identity's break-glass unlock).
	Commands map[string]Command
}

// Command is an extra subcommand.
type Command struct {
	Help string
	Run  func(ctx context.Context, d *Deps, args []string) error
}

// Deps is what a service's Setup builds on.
type Deps struct {
	Name      string
	Version   string
	Env       *config.Loader
	DevMode   bool
	Tel       *observability.Telemetry
	Log       *slog.Logger
	Server    *httpserver.Server
	Public    *authn.Router
	Internal  *authn.Router
	Pool      *pgxpool.Pool
	Redis     *redis.Client
	Keys      redisx.Keyspace
	Sessions  *authn.SessionClient
	Validator authn.Validator
	// ClientIPs resolves the caller's address, believing X-Forwarded-For only from the
	// proxies in PLANTA_TRUSTED_PROXIES.
	ClientIPs *clientip.Resolver
	// Audit sends audit events to the admin service (impersonated writes).
	Audit *audit.Client
	// HTTPClient is instrumented: calls to other services continue the trace.
	HTTPClient *http.Client
	// Stdout is where subcommands print.
	Stdout io.Writer

	onShutdown []func()
}

// OnShutdown registers fn to run after the listeners have drained and before the
// Postgres and Redis clients close (in reverse registration order).
func (d *Deps) OnShutdown(fn func()) { d.onShutdown = append(d.onShutdown, fn) }

// Main runs the binary and exits with its status.
func Main(spec Spec) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, spec, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", spec.Name, err)
		os.Exit(1)
	}
}

// Run executes one subcommand; Main's testable core.
func Run(ctx context.Context, spec Spec, args []string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		_, err := fmt.Fprintf(stdout, "%s %s\n", spec.Name, spec.Version)
		return err
	case "help", "-h", "--help":
		return usage(spec, stdout)
	case "serve", "migrate":
	default:
		if _, ok := spec.Commands[cmd]; !ok {
			_ = usage(spec, stdout)
			return fmt.Errorf("unknown command %q", cmd)
		}
	}
	d, cleanup, err := build(ctx, spec, cmd, stdout)
	if err != nil {
		return err
	}
	defer cleanup()
	switch cmd {
	case "migrate":
		return migrate(ctx, spec, d)
	case "serve":
		return serve(ctx, spec, d)
	}
	return spec.Commands[cmd].Run(ctx, d, args)
}

func usage(spec Spec, w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s <command>\n\n  serve     run the service (default)\n  migrate   apply database migrations\n  version   print the version\n", spec.Name)
	names := make([]string, 0, len(spec.Commands))
	for name := range spec.Commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "  %-9s %s\n", name, spec.Commands[name].Help)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// build reads configuration and opens every client the spec asks for.
func build(ctx context.Context, spec Spec, cmd string, stdout io.Writer) (*Deps, func(), error) {
	env := config.FromEnv()
	tel, err := observability.Setup(ctx, observability.Options{
		Service: spec.Name, Version: spec.Version, LogLevel: env.String("PLANTA_LOG_LEVEL", "info"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("telemetry: %w", err)
	}
	d := &Deps{
		Name: spec.Name, Version: spec.Version, Env: env, Tel: tel, Log: tel.Logger, Stdout: stdout,
		DevMode:    env.Bool("PLANTA_DEV_MODE", false),
		HTTPClient: tel.HTTPClient(10 * time.Second),
		Keys:       redisx.Keyspace{Prefix: env.String("PLANTA_REDIS_PREFIX", "planta:")},
	}
	srvCfg := httpserver.DefaultConfig()
	srvCfg.PublicAddr = env.String("PLANTA_PUBLIC_ADDR", srvCfg.PublicAddr)
	srvCfg.InternalAddr = env.String("PLANTA_INTERNAL_ADDR", srvCfg.InternalAddr)
	srvCfg.ShutdownDelay = env.Duration("PLANTA_SHUTDOWN_DELAY", srvCfg.ShutdownDelay)
	pgURL := env.Secret("PLANTA_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/planta?sslmode=disable")
	redisURL := env.Secret("PLANTA_REDIS_URL", "redis://127.0.0.1:6379/0")
	sessionURL := env.String("PLANTA_SESSION_URL", "http://127.0.0.1:9102")
	adminURL := env.String("PLANTA_ADMIN_URL", "http://127.0.0.1:9105")
	ips, err := clientip.New(env.List("PLANTA_TRUSTED_PROXIES"))
	env.Check(err)
	d.ClientIPs = ips
	if err := env.Err(); err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}

	var closers []func()
	cleanup := func() {
		for i := len(d.onShutdown) - 1; i >= 0; i-- {
			d.onShutdown[i]()
		}
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(shutdownCtx); err != nil {
			tel.Logger.Warn("telemetry shutdown", "error", err)
		}
	}
	fail := func(err error) (*Deps, func(), error) { cleanup(); return nil, nil, err }

	d.Server = httpserver.New(srvCfg, tel)
	d.Audit = audit.NewClient(adminURL, d.HTTPClient)
	if spec.Schema != "" {
		if d.Pool, err = pgxx.Connect(ctx, pgURL, tel.TracerProvider); err != nil {
			return fail(err)
		}
		closers = append(closers, d.Pool.Close)
		d.Server.AddReadinessCheck("postgres", pgxx.Ping(d.Pool))
	}
	if spec.NeedsRedis {
		if d.Redis, err = redisx.Connect(redisURL, tel.TracerProvider); err != nil {
			return fail(err)
		}
		closers = append(closers, func() { _ = d.Redis.Close() })
		d.Server.AddReadinessCheck("redis", redisx.Ping(d.Redis))
	}
	if spec.NeedsSession {
		d.Sessions = authn.NewSessionClient(sessionURL, d.HTTPClient)
		d.Validator = d.Sessions
		d.Server.AddReadinessCheck("session", d.Sessions.Ping)
	}
	if spec.Validator != nil {
		if d.Validator, err = spec.Validator(d); err != nil {
			return fail(fmt.Errorf("session validator: %w", err))
		}
	}
	if cmd == "serve" && spec.Schema != "" && d.DevMode {
		// Dev mode only: in a cluster the migration Job runs before the pods start.
		if err := migrate(ctx, spec, d); err != nil {
			return fail(err)
		}
	}
	d.Public = authn.NewRouter(d.Server.Public, d.Validator, d.Log)
	d.Internal = authn.NewRouter(d.Server.Internal, nil, d.Log)
	return d, cleanup, nil
}

func migrate(ctx context.Context, spec Spec, d *Deps) error {
	if spec.Schema == "" {
		_, err := fmt.Fprintf(d.Stdout, "%s has no database\n", spec.Name)
		return err
	}
	ms, err := pgxx.LoadMigrations(spec.Migrations, ".")
	if err != nil {
		return err
	}
	applied, err := pgxx.Migrate(ctx, d.Pool, spec.Schema, ms)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", spec.Schema, err)
	}
	d.Log.Info("migrations applied", "schema", spec.Schema, "applied", applied, "known", len(ms))
	if spec.AfterMigrate != nil {
		if err := spec.AfterMigrate(ctx, d); err != nil {
			return fmt.Errorf("after migrate: %w", err)
		}
	}
	return nil
}

func serve(ctx context.Context, spec Spec, d *Deps) error {
	started := time.Now().UTC()
	base := "/api/v1/" + spec.Name
	d.Public.HandleFunc(http.MethodGet, base+"/info", authn.Public(), func(w http.ResponseWriter, r *http.Request) {
		jsonbody.Write(w, http.StatusOK, map[string]any{
			"service": spec.Name, "version": spec.Version, "started_at": started,
		})
	})
	if spec.OpenAPI != nil {
		d.Public.HandleFunc(http.MethodGet, base+"/openapi.json", authn.Public(), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(spec.OpenAPI)
		})
	}
	if spec.Setup != nil {
		if err := spec.Setup(ctx, d); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	if err := d.Env.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	// A route that bypassed the guarded routers would be reachable without a decision
	// about who may call it: refuse to start.
	if err := d.Public.CheckGuarded(d.Server.Public); err != nil {
		return fmt.Errorf("public listener: %w", err)
	}
	if err := d.Internal.CheckGuarded(d.Server.Internal, httpserver.OperationalPaths()...); err != nil {
		return fmt.Errorf("internal listener: %w", err)
	}
	if err := d.Server.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
