// Command session runs Planta's session service. See docs/architecture.md.
package main

import (
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/session/internal/app"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func main() { service.Main(app.Spec(version)) }
