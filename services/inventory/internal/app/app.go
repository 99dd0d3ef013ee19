// Package app wires the inventory service: configuration, stores and HTTP routes.
package app

import (
	"context"

	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/inventory/migrations"
)

// Spec describes the inventory service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "inventory", Version: version,
		Schema: "inventory", Migrations: migrations.FS,
		NeedsSession: true,
		Setup:        func(ctx context.Context, d *service.Deps) error { return nil },
	}
}
