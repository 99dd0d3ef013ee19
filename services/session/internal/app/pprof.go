package app

import (
	"net/http"
	"net/http/pprof"

	"github.com/planta-dev/planta/libs/authn"
)

// EnvPprof turns on Go's profiling endpoints under /debug/pprof/ on the internal
// listener (never the public one). Off by default: a profile exposes memory contents
// such as token hashes, so it is for a benchmark or an incident, not for normal running.
const EnvPprof = "PLANTA_SESSION_PPROF"

// registerPprof adds the profiling endpoints to the internal router.
func registerPprof(internal *authn.Router) {
	in := authn.Internal()
	internal.HandleFunc(http.MethodGet, "/debug/pprof/", in, pprof.Index)
	internal.HandleFunc(http.MethodGet, "/debug/pprof/cmdline", in, pprof.Cmdline)
	internal.HandleFunc(http.MethodGet, "/debug/pprof/profile", in, pprof.Profile)
	internal.HandleFunc(http.MethodGet, "/debug/pprof/symbol", in, pprof.Symbol)
	internal.HandleFunc(http.MethodGet, "/debug/pprof/trace", in, pprof.Trace)
	for _, name := range []string{"allocs", "heap", "goroutine", "block", "mutex", "threadcreate"} {
		internal.Handle(http.MethodGet, "/debug/pprof/"+name, in, pprof.Handler(name))
	}
}
