// Package app wires the admin service: configuration, stores, clients and HTTP routes.
package app

import (
	"context"
	"time"

	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/admin/internal/httpapi"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
	"github.com/planta-dev/planta/services/admin/internal/impersonation"
	"github.com/planta-dev/planta/services/admin/internal/sessionclient"
	"github.com/planta-dev/planta/services/admin/internal/store"
	"github.com/planta-dev/planta/services/admin/migrations"
)

// Spec describes the admin service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "admin", Version: version,
		Schema: "admin", Migrations: migrations.FS,
		NeedsSession: true,
		OpenAPI:      httpapi.OpenAPI,
		Setup:        Setup,
	}
}

// Setup builds the admin service on d: the audit log store, the identity and session
// clients, and every route.
func Setup(_ context.Context, d *service.Deps) error {
	identityURL := d.Env.String("PLANTA_IDENTITY_URL", "http://127.0.0.1:9101")
	sessionURL := d.Env.String("PLANTA_SESSION_URL", "http://127.0.0.1:9102")
	now := func() time.Time { return time.Now().UTC() }

	identity := identityclient.New(identityURL, d.HTTPClient)
	sessions := sessionclient.New(sessionURL, d.HTTPClient)
	auditLog := store.NewAuditLog(d.Pool)
	api := &httpapi.API{
		Identity: identity, Sessions: sessions, Audit: auditLog, ClientIPs: d.ClientIPs, Log: d.Log, Now: now,
		Impersonation: impersonation.New(identity, sessions, auditLog, now, d.Log),
	}
	api.Register(d.Public, d.Internal)
	return nil
}
