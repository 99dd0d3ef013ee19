// Package app wires the inventory service: configuration, stores and HTTP routes.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/planta-dev/planta/libs/audit"
	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/clientip"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/inventory/internal/httpapi"
	"github.com/planta-dev/planta/services/inventory/internal/seed"
	"github.com/planta-dev/planta/services/inventory/internal/store"
	"github.com/planta-dev/planta/services/inventory/migrations"
)

// Spec describes the inventory service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "inventory", Version: version,
		Schema: "inventory", Migrations: migrations.FS,
		NeedsSession: true,
		OpenAPI:      httpapi.OpenAPI,
		Setup: func(ctx context.Context, d *service.Deps) error {
			st := store.New(d.Pool, d.Tel.TracerProvider, d.Log, time.Now)
			Mount(d.Server, d.Public, st, d.Audit, d.ClientIPs, d.Log)
			MountMRP(d.Public, st, d.Tel.Registry, d.Tel.TracerProvider, d.Log)
			return nil
		},
		Commands: map[string]service.Command{
			"seed-demo": {Help: "create demo data for a tenant: seed-demo --tenant <uuid>", Run: seedDemo},
		},
	}
}

// Mount installs the impersonation audit hook and registers the API routes; tests call
// it with their own server, router and audit sink.
func Mount(srv *httpserver.Server, rt *authn.Router, st *store.Store, sink audit.Sink, ips *clientip.Resolver, log *slog.Logger) {
	srv.Public.Use(audit.ImpersonationWrites("inventory", sink, ips, log))
	httpapi.New(st, log, time.Now).Register(rt)
}

func seedDemo(ctx context.Context, d *service.Deps, args []string) error {
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant (cliente user) id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !store.ValidID(*tenant) {
		return errors.New("seed-demo: --tenant must be a uuid")
	}
	st := store.New(d.Pool, d.Tel.TracerProvider, d.Log, time.Now)
	sum, err := seed.Demo(ctx, st, store.Actor{TenantID: *tenant, UserID: *tenant})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(d.Stdout, sum)
	return err
}
