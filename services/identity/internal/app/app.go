// Package app wires the identity service: configuration, stores and HTTP routes.
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"os"
	"time"

	"github.com/planta-dev/planta/libs/clientip"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/identity/internal/httpapi"
	"github.com/planta-dev/planta/services/identity/internal/lockout"
	"github.com/planta-dev/planta/services/identity/internal/password"
	"github.com/planta-dev/planta/services/identity/internal/ratelimit"
	"github.com/planta-dev/planta/services/identity/internal/sessionclient"
	"github.com/planta-dev/planta/services/identity/internal/store"
	"github.com/planta-dev/planta/services/identity/internal/user"
	"github.com/planta-dev/planta/services/identity/migrations"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// Spec describes the identity service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "identity", Version: version,
		Schema: "identity", Migrations: migrations.FS,
		NeedsRedis: true, NeedsSession: true,
		OpenAPI:      OpenAPI,
		Setup:        setup,
		AfterMigrate: bootstrapAfterMigrate,
		Commands: map[string]service.Command{
			"unlock-superadmin": {Help: "break-glass: clear the seeded superadmin's lockout", Run: unlockSuperadmin},
			"reset-password":    {Help: "break-glass: reset-password USER prints a temporary password once", Run: resetPassword},
		},
	}
}

// sessionAdapter presents the session client as the domain's SessionService.
type sessionAdapter struct{ c *sessionclient.Client }

func (s sessionAdapter) Start(ctx context.Context, r user.SessionRequest) (user.Session, error) {
	out, err := s.c.Create(ctx, sessionclient.CreateRequest{UserID: r.UserID, Username: r.Username, Role: string(r.Role),
		MustChangePassword: r.MustChangePassword, IP: r.IP, UserAgent: r.UserAgent})
	if err != nil {
		return user.Session{}, err
	}
	return user.Session{Token: out.Token, ID: out.Session.ID, ExpiresAt: out.Session.ExpiresAt}, nil
}

func (s sessionAdapter) End(ctx context.Context, token string) error { return s.c.Revoke(ctx, token) }

func (s sessionAdapter) EndAll(ctx context.Context, userID, except string) error {
	return s.c.RevokeAll(ctx, userID, except)
}

// Parts are the built dependencies, shared by serve and the subcommands (and tests).
type Parts struct {
	Manager   *user.Manager
	AccessLog *store.AccessLog
	API       *httpapi.API
}

// Build wires the manager and API from d and cfg. hasher may be nil (bcrypt at
// cfg.BcryptCost); tests pass a counting one.
func Build(ctx context.Context, d *service.Deps, cfg Config, hasher password.Hasher, now func() time.Time) (*Parts, error) {
	if now == nil {
		now = time.Now
	}
	if hasher == nil {
		hasher = password.Bcrypt{Cost: cfg.BcryptCost}
	}
	policy, err := password.NewPolicy()
	if err != nil {
		return nil, err
	}
	ips, err := clientip.New(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("PLANTA_TRUSTED_PROXIES: %w", err)
	}
	sessURL := d.Env.String("PLANTA_SESSION_URL", "http://127.0.0.1:9102")
	accessLog := store.NewAccessLog(d.Pool)
	m, err := user.NewManager(ctx, user.Deps{
		Store: store.NewUsers(d.Pool), AccessLog: accessLog, Hasher: hasher,
		Gate:            password.NewGate(cfg.BcryptConcurrency, cfg.BcryptQueue, cfg.BcryptQueueWait),
		Policy:          policy,
		Lockout:         lockout.New(d.Redis, d.Keys, cfg.Lockout, now),
		LoginLimiter:    ratelimit.New(d.Redis, d.Keys, "login", cfg.LoginRateLimit, cfg.LoginRateWindow, now),
		RegisterLimiter: ratelimit.New(d.Redis, d.Keys, "register", cfg.RegisterRateLimit, cfg.RegisterRateWindow, now),
		Sessions:        sessionAdapter{sessionclient.New(sessURL, d.HTTPClient)},
		Metrics:         user.NewMetrics(d.Tel.Registry),
		Log:             d.Log, Now: now,
	}, user.Config{RegistrationEnabled: cfg.RegistrationEnabled})
	if err != nil {
		return nil, err
	}
	return &Parts{Manager: m, AccessLog: accessLog, API: httpapi.New(m, accessLog, ips, d.Log, now)}, nil
}

// Bootstrap seeds the superadmin and syncs the declarative users (idempotent).
func Bootstrap(ctx context.Context, p *Parts, cfg Config, readFile func(string) ([]byte, error)) error {
	if _, err := p.Manager.Seed(ctx, cfg.SuperadminPassword, cfg.SuperadminMustChange); err != nil {
		return err
	}
	if cfg.DeclarativeUsersFile == "" {
		return nil
	}
	data, err := readFile(cfg.DeclarativeUsersFile)
	if err != nil {
		return fmt.Errorf("PLANTA_DECLARATIVE_USERS_FILE: %w", err)
	}
	declared, err := user.ParseDeclared(data)
	if err != nil {
		return err
	}
	return p.Manager.SyncDeclarative(ctx, declared)
}

// bootstrapAfterMigrate seeds the superadmin right after `identity migrate`, so the
// account exists as soon as the schema does (ARCHITECTURE.md §1).
func bootstrapAfterMigrate(ctx context.Context, d *service.Deps) error {
	cfg := LoadConfig(d.Env, d.DevMode, true)
	if err := d.Env.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	// A private registry: in dev mode serve runs this before Setup builds the real
	// manager, and metrics may be registered only once per registry.
	tel := *d.Tel
	tel.Registry = prometheus.NewRegistry()
	scoped := *d
	scoped.Tel = &tel
	p, err := Build(ctx, &scoped, cfg, nil, nil)
	if err != nil {
		return err
	}
	return Bootstrap(ctx, p, cfg, os.ReadFile)
}

func setup(ctx context.Context, d *service.Deps) error {
	cfg := LoadConfig(d.Env, d.DevMode, true)
	if err := d.Env.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	p, err := Build(ctx, d, cfg, nil, nil)
	if err != nil {
		return err
	}
	if err := Bootstrap(ctx, p, cfg, os.ReadFile); err != nil {
		return err
	}
	p.API.Register(d.Public, d.Internal)
	return nil
}

func breakGlassParts(ctx context.Context, d *service.Deps) (*Parts, error) {
	cfg := LoadConfig(d.Env, d.DevMode, false)
	if err := d.Env.Err(); err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	return Build(ctx, d, cfg, nil, nil)
}

func actor() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("identity break-glass CLI (host %s, uid %d)", host, os.Getuid())
}

func unlockSuperadmin(ctx context.Context, d *service.Deps, args []string) error {
	if len(args) != 0 {
		return errors.New("usage: identity unlock-superadmin")
	}
	p, err := breakGlassParts(ctx, d)
	if err != nil {
		return err
	}
	u, err := p.Manager.BreakGlassUnlock(ctx, actor())
	if err != nil {
		return fmt.Errorf("unlock superadmin: %w", err)
	}
	_, err = fmt.Fprintf(d.Stdout, "unlocked %s (%s); recorded in identity.access_log\n", u.Username, u.ID)
	return err
}

func resetPassword(ctx context.Context, d *service.Deps, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: identity reset-password USER")
	}
	p, err := breakGlassParts(ctx, d)
	if err != nil {
		return err
	}
	u, temp, err := p.Manager.BreakGlassReset(ctx, args[0], actor())
	if err != nil {
		return fmt.Errorf("reset password of %s: %w", args[0], err)
	}
	_, err = fmt.Fprintf(d.Stdout, "user: %s (%s)\ntemporary password (shown once; must be changed at next login): %s\n",
		u.Username, u.ID, temp)
	return err
}
