// Command web runs Planta's web service: the server-rendered pages of both products.
// See docs/architecture.md.
package main

import (
	// The distroless image has no zoneinfo: embed it for America/Lima and America/Sao_Paulo.
	_ "time/tzdata"

	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/web/internal/app"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func main() { service.Main(app.Spec(version)) }
