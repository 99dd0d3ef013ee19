package app

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"

	"github.com/planta-dev/planta/libs/config"
)

func loaderOf(env map[string]string) *config.Loader {
	return config.New(func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		func(string) ([]byte, error) { return nil, os.ErrNotExist })
}

// TestRegistrationDefaultFollowsIdentity: with nothing set, the /register page is shown
// exactly when identity's API accepts registrations (PLANTA_REGISTRATION_ENABLED's
// default), so an operator never sees a closed page over an open API.
func TestRegistrationDefaultFollowsIdentity(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "identity", "internal", "app", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"PLANTA_REGISTRATION_ENABLED",\s*(true|false)\)`).FindSubmatch(src)
	if m == nil {
		t.Fatal("identity's PLANTA_REGISTRATION_ENABLED default not found in services/identity/internal/app/config.go")
	}
	identityDefault, _ := strconv.ParseBool(string(m[1]))

	cfg, err := LoadConfig(loaderOf(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Registration != identityDefault {
		t.Fatalf("PLANTA_WEB_REGISTRATION defaults to %v, identity's PLANTA_REGISTRATION_ENABLED to %v", cfg.Registration, identityDefault)
	}
	cfg, err = LoadConfig(loaderOf(map[string]string{"PLANTA_WEB_REGISTRATION": "false"}))
	if err != nil || cfg.Registration {
		t.Fatalf("PLANTA_WEB_REGISTRATION=false: %v %v", cfg.Registration, err)
	}
}
