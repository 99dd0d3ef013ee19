// Package app wires the session service: configuration, the Redis store and HTTP routes.
package app

import (
	"context"

	"github.com/planta-dev/planta/libs/service"
)

// Spec describes the session service to the common main.
func Spec(version string) service.Spec {
	return service.Spec{
		Name: "session", Version: version,
		NeedsRedis: true,
		Setup:      func(ctx context.Context, d *service.Deps) error { return nil },
	}
}
