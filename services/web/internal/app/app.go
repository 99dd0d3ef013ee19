// Package app wires the web service: configuration, the typed API clients and the pages.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/config"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/web/internal/api/admin"
	"github.com/planta-dev/planta/services/web/internal/api/allocation"
	"github.com/planta-dev/planta/services/web/internal/api/apicall"
	"github.com/planta-dev/planta/services/web/internal/api/identity"
	"github.com/planta-dev/planta/services/web/internal/api/inventory"
	"github.com/planta-dev/planta/services/web/internal/api/sessions"
	"github.com/planta-dev/planta/services/web/internal/i18n"
	"github.com/planta-dev/planta/services/web/internal/pages"
	"github.com/planta-dev/planta/services/web/internal/static"
)

// Spec describes the web service to the common main: no database, sessions validated
// through the session service like every API.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "web", Version: version,
		NeedsSession: true,
		Setup: func(ctx context.Context, d *service.Deps) error {
			cfg, err := LoadConfig(d.Env)
			if err != nil {
				return err
			}
			site, err := Build(cfg, d.HTTPClient, d.Log)
			if err != nil {
				return err
			}
			Mount(d.Server, d.Public, site)
			return nil
		},
	}
}

// Config is the web's own configuration (docs/conventions.md).
type Config struct {
	IdentityAPI, SessionAPI, AdminAPI, InventoryAPI, AllocationAPI string
	MRPZone, AllocationZone                                        *time.Location
	Registration                                                   bool
}

// DefaultRegistration is whether the /register page is shown when PLANTA_WEB_REGISTRATION
// is unset: the same default as identity's PLANTA_REGISTRATION_ENABLED (open), so that the
// page and the API agree out of the box. Closing self-registration means turning both off
// (the Helm charts do it with one value, global.registration.enabled).
const DefaultRegistration = true

// LoadConfig reads the PLANTA_WEB_* variables.
func LoadConfig(env *config.Loader) (Config, error) {
	cfg := Config{
		IdentityAPI:   env.String("PLANTA_WEB_IDENTITY_API_BASE", "http://127.0.0.1:8101"),
		SessionAPI:    env.String("PLANTA_WEB_SESSION_API_BASE", "http://127.0.0.1:8102"),
		InventoryAPI:  env.String("PLANTA_WEB_INVENTORY_API_BASE", "http://127.0.0.1:8103"),
		AllocationAPI: env.String("PLANTA_WEB_ALLOCATION_API_BASE", "http://127.0.0.1:8104"),
		AdminAPI:      env.String("PLANTA_WEB_ADMIN_API_BASE", "http://127.0.0.1:8105"),
		Registration:  env.Bool("PLANTA_WEB_REGISTRATION", DefaultRegistration),
	}
	var err error
	for _, z := range []struct {
		name, def string
		dst       **time.Location
	}{{"PLANTA_WEB_MRP_TIMEZONE", "America/Lima", &cfg.MRPZone}, {"PLANTA_WEB_ALLOCATION_TIMEZONE", "America/Sao_Paulo", &cfg.AllocationZone}} {
		name := env.String(z.name, z.def)
		if *z.dst, err = time.LoadLocation(name); err != nil {
			env.Check(fmt.Errorf("%s: %w", z.name, err))
		}
	}
	return cfg, env.Err()
}

// The public schedule's answers kept for revalidation (ETag / If-None-Match): a few
// hundred URLs (rooms, buildings, searches) of at most a few MiB in total.
const (
	publicCacheEntries = 512
	publicCacheBytes   = 16 << 20
)

// Build creates the site: API clients (hc is instrumented, so every API call is a child
// span of the page's span), catalogs, templates and assets.
func Build(cfg Config, hc *http.Client, log *slog.Logger) (*pages.Site, error) {
	catalog, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	assets, err := static.Load()
	if err != nil {
		return nil, err
	}
	return pages.New(pages.Clients{
		Identity:   identity.New(cfg.IdentityAPI, hc),
		Sessions:   sessions.New(cfg.SessionAPI, hc),
		Admin:      admin.New(cfg.AdminAPI, hc),
		Inventory:  inventory.New(cfg.InventoryAPI, hc),
		Allocation: allocation.New(cfg.AllocationAPI, hc, allocation.WithPublicCache(apicall.NewETagCache(publicCacheEntries, publicCacheBytes))),
	}, pages.Config{MRPZone: cfg.MRPZone, AllocationZone: cfg.AllocationZone, Registration: cfg.Registration},
		catalog, assets, log)
}

// Mount registers every page on the public listener; tests call it with their own router.
func Mount(srv *httpserver.Server, rt *authn.Router, site *pages.Site) {
	site.Register(rt, srv.Public)
}
