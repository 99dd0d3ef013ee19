// Package app wires the allocation service: configuration, stores and HTTP routes.
package app

import (
	"context"

	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/allocation/migrations"
)

// Spec describes the allocation service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "allocation", Version: version,
		Schema: "allocation", Migrations: migrations.FS,
		NeedsSession: true,
		Setup:        func(ctx context.Context, d *service.Deps) error { return nil },
	}
}
