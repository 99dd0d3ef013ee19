// Package app wires the admin service: configuration, stores and HTTP routes.
package app

import (
	"context"

	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/admin/migrations"
)

// Spec describes the admin service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "admin", Version: version,
		Schema: "admin", Migrations: migrations.FS,
		NeedsSession: true,
		Setup:        func(ctx context.Context, d *service.Deps) error { return nil },
	}
}
