package app_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/config"

	"github.com/planta-dev/planta/services/identity/internal/app"
)

func loader(vars map[string]string) *config.Loader {
	return config.New(func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		func(string) ([]byte, error) { return nil, fs.ErrNotExist })
}

func TestBcryptCostDefaultsTo12AndNeverBelow10(t *testing.T) {
	env := loader(map[string]string{"PLANTA_SUPERADMIN_PASSWORD": "a-long-secret"})
	if c := app.LoadConfig(env, false, true); c.BcryptCost != 12 || env.Err() != nil {
		t.Fatalf("default cost %d, err %v", c.BcryptCost, env.Err())
	}
	env = loader(map[string]string{"PLANTA_SUPERADMIN_PASSWORD": "a-long-secret", "PLANTA_BCRYPT_COST": "9"})
	app.LoadConfig(env, false, true)
	if env.Err() == nil || !strings.Contains(env.Err().Error(), "PLANTA_BCRYPT_COST") {
		t.Fatalf("cost 9 must be refused, got %v", env.Err())
	}
	env = loader(map[string]string{"PLANTA_SUPERADMIN_PASSWORD": "a-long-secret", "PLANTA_BCRYPT_COST": "10"})
	if c := app.LoadConfig(env, false, true); c.BcryptCost != 10 || env.Err() != nil {
		t.Fatalf("cost 10: %d %v", c.BcryptCost, env.Err())
	}
}

func TestSuperadminSecretRequiredOutsideDevMode(t *testing.T) {
	env := loader(map[string]string{})
	app.LoadConfig(env, false, true)
	if env.Err() == nil || !strings.Contains(env.Err().Error(), "PLANTA_SUPERADMIN_PASSWORD") {
		t.Fatalf("missing secret outside dev mode: %v", env.Err())
	}
	env = loader(map[string]string{})
	c := app.LoadConfig(env, true, true)
	if env.Err() != nil || c.SuperadminPassword != "Admin123!" || !c.SuperadminMustChange {
		t.Fatalf("dev mode default: %+v %v", c, env.Err())
	}
	env = loader(map[string]string{"PLANTA_SUPERADMIN_PASSWORD_FILE": "/nope"})
	app.LoadConfig(env, false, true)
	if !errors.Is(env.Err(), fs.ErrNotExist) {
		t.Fatalf("unreadable secret file: %v", env.Err())
	}
	// The break-glass subcommands do not need it.
	env = loader(map[string]string{})
	app.LoadConfig(env, false, false)
	if env.Err() != nil {
		t.Fatal(env.Err())
	}
}

func TestOpenAPIIsValidJSON31(t *testing.T) {
	if !strings.Contains(string(app.OpenAPI), `"openapi": "3.1.0"`) {
		t.Fatal("OpenAPI 3.1 document expected")
	}
}
