package httpserver

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/problem"
)

// MethodNotAllowed is m's 405 handler: a problem+json answer whose Allow header lists
// the methods m does route for the request's URL, as RFC 9110 §15.5.6 requires.
func MethodNotAllowed(m *mux.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := AllowedMethods(m, r)
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
		}
		problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, "method-not-allowed", r.Method+" is not allowed here"))
	})
}

// AllowedMethods returns, sorted, the methods of m's routes that match r apart from the
// method. It asks each route with one of its own methods, so path variables' patterns,
// hosts and other matchers count exactly as in routing.
func AllowedMethods(m *mux.Router, r *http.Request) []string {
	var allowed []string
	probe := r.WithContext(r.Context()) // a shallow copy whose method can change
	_ = m.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		methods, err := route.GetMethods()
		if err != nil || len(methods) == 0 || route.GetHandler() == nil {
			return nil // no method matcher (never a 405) or a subrouter
		}
		probe.Method = methods[0]
		var match mux.RouteMatch
		if route.Match(probe, &match) && match.MatchErr == nil {
			allowed = append(allowed, methods...)
		}
		return nil
	})
	slices.Sort(allowed)
	return slices.Compact(allowed)
}
