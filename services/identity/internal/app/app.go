// Package app wires the identity service: configuration, stores and HTTP routes.
package app

import (
	"context"

	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/identity/migrations"
)

// Spec describes the identity service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "identity", Version: version,
		Schema: "identity", Migrations: migrations.FS,
		NeedsRedis: true, NeedsSession: true,
		Setup: func(ctx context.Context, d *service.Deps) error { return nil },
	}
}
