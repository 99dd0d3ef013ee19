package app

import (
	"runtime"
	"time"

	"github.com/planta-dev/planta/libs/config"

	"github.com/planta-dev/planta/services/identity/internal/lockout"
	"github.com/planta-dev/planta/services/identity/internal/password"
)

// DevSuperadminPassword is the seeded superadmin's password in dev mode only (with
// must-change at first login).
const DevSuperadminPassword = "Admin123!"

// Config is identity's own configuration (the common part is read by libs/service).
type Config struct {
	SuperadminPassword   string
	SuperadminMustChange bool
	BcryptCost           int
	BcryptConcurrency    int
	BcryptQueue          int
	BcryptQueueWait      time.Duration
	RegistrationEnabled  bool
	TrustedProxies       []string
	LoginRateLimit       int
	LoginRateWindow      time.Duration
	RegisterRateLimit    int
	RegisterRateWindow   time.Duration
	Lockout              lockout.Config
	DeclarativeUsersFile string
}

// LoadConfig reads identity's variables; problems accumulate in env. needSuperadmin is
// false for the break-glass subcommands, which never seed.
func LoadConfig(env *config.Loader, devMode, needSuperadmin bool) Config {
	cores := runtime.GOMAXPROCS(0)
	c := Config{
		SuperadminPassword:   env.Secret("PLANTA_SUPERADMIN_PASSWORD", ""),
		BcryptCost:           env.Int("PLANTA_BCRYPT_COST", password.DefaultCost, password.MinCost, 16),
		BcryptConcurrency:    env.Int("PLANTA_BCRYPT_CONCURRENCY", cores, 1, 1024),
		BcryptQueue:          env.Int("PLANTA_BCRYPT_QUEUE", 2*cores, 0, 10000),
		BcryptQueueWait:      env.Duration("PLANTA_BCRYPT_QUEUE_WAIT", 2*time.Second),
		RegistrationEnabled:  env.Bool("PLANTA_REGISTRATION_ENABLED", true),
		TrustedProxies:       env.List("PLANTA_TRUSTED_PROXIES"),
		LoginRateLimit:       env.Int("PLANTA_LOGIN_RATE_LIMIT", 30, 0, 1_000_000),
		LoginRateWindow:      env.Duration("PLANTA_LOGIN_RATE_WINDOW", time.Minute),
		RegisterRateLimit:    env.Int("PLANTA_REGISTER_RATE_LIMIT", 10, 0, 1_000_000),
		RegisterRateWindow:   env.Duration("PLANTA_REGISTER_RATE_WINDOW", time.Hour),
		DeclarativeUsersFile: env.String("PLANTA_DECLARATIVE_USERS_FILE", ""),
		Lockout:              lockout.DefaultConfig(),
	}
	c.Lockout.MaxFailures = env.Int("PLANTA_LOCKOUT_MAX_FAILURES", c.Lockout.MaxFailures, 1, 100)
	c.Lockout.BanDuration = env.Duration("PLANTA_LOCKOUT_DURATION", c.Lockout.BanDuration)
	c.Lockout.FindWindow = env.Duration("PLANTA_LOCKOUT_WINDOW", c.Lockout.FindWindow)
	if needSuperadmin && c.SuperadminPassword == "" {
		if devMode {
			c.SuperadminPassword, c.SuperadminMustChange = DevSuperadminPassword, true
		} else {
			env.Require("PLANTA_SUPERADMIN_PASSWORD (or PLANTA_SUPERADMIN_PASSWORD_FILE; only dev mode has a default)", "")
		}
	}
	if n := len(c.SuperadminPassword); n > 0 && (n < password.MinBytes || n > password.MaxBytes) {
		env.Check(errorf("PLANTA_SUPERADMIN_PASSWORD must be %d–%d bytes", password.MinBytes, password.MaxBytes))
	}
	return c
}
