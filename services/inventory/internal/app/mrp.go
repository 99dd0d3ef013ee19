package app

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/inventory/internal/httpapi"
	"github.com/planta-dev/planta/services/inventory/internal/mrprun"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// MountMRP registers the MRP API (/api/v1/mrp/...) with its runner, whose metrics go to
// reg; tests call it next to Mount.
func MountMRP(rt *authn.Router, st *store.Store, reg prometheus.Registerer, tp trace.TracerProvider, log *slog.Logger) *mrprun.Runner {
	runner := mrprun.New(st, reg, tp, log, time.Now)
	httpapi.NewMRP(httpapi.New(st, log, time.Now), runner).Register(rt)
	return runner
}
