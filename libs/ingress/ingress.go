// Package ingress is Planta's route table and the local ingress that serves it.
//
// deploy/routes.yaml is the single source of routes: the umbrella Helm chart renders it
// into a Kubernetes Ingress or Gateway API HTTPRoute, and `make run` serves it with Proxy.
// Matching follows Kubernetes' pathType Prefix: a prefix matches whole path elements and
// the longest matching prefix wins.
package ingress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"sigs.k8s.io/yaml"

	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/problem"
)

// Route sends requests under Prefix to Service's public listener.
type Route struct {
	Prefix  string `json:"prefix"`
	Service string `json:"service"`
}

// Table is the ordered route table (longest prefix first after Parse).
type Table struct {
	Routes []Route `json:"routes"`
}

// Parse reads and validates a route table.
func Parse(data []byte) (Table, error) {
	var t Table
	if err := yaml.UnmarshalStrict(data, &t); err != nil {
		return Table{}, fmt.Errorf("parse route table: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for i, r := range t.Routes {
		switch {
		case !strings.HasPrefix(r.Prefix, "/"):
			errs = append(errs, fmt.Errorf("routes[%d].prefix %q must start with /", i, r.Prefix))
		case len(r.Prefix) > 1 && strings.HasSuffix(r.Prefix, "/"):
			errs = append(errs, fmt.Errorf("routes[%d].prefix %q must not end with /", i, r.Prefix))
		case seen[r.Prefix]:
			errs = append(errs, fmt.Errorf("routes[%d].prefix %q is listed twice", i, r.Prefix))
		}
		if r.Service == "" {
			errs = append(errs, fmt.Errorf("routes[%d].service is required", i))
		}
		seen[r.Prefix] = true
	}
	if len(t.Routes) == 0 {
		errs = append(errs, errors.New("route table has no routes"))
	}
	if err := errors.Join(errs...); err != nil {
		return Table{}, err
	}
	sort.SliceStable(t.Routes, func(i, j int) bool { return len(t.Routes[i].Prefix) > len(t.Routes[j].Prefix) })
	return t, nil
}

// Match returns the route serving path.
func (t Table) Match(path string) (Route, bool) {
	for _, r := range t.Routes {
		if r.Prefix == "/" || path == r.Prefix || strings.HasPrefix(path, r.Prefix+"/") {
			return r, true
		}
	}
	return Route{}, false
}

// Services lists the distinct services the table routes to.
func (t Table) Services() []string {
	set := map[string]bool{}
	for _, r := range t.Routes {
		set[r.Service] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// DefaultUpstreamTimeout is how long the proxy waits for a service's response headers.
// Every service bounds a response with its server's WriteTimeout (60 s,
// libs/httpserver.DefaultConfig); long work (the allocation solver) runs as jobs, and the
// slowest synchronous endpoint (POST /api/v1/mrp/runs, a whole MRP regeneration) is
// bounded by that too. A few seconds more than that lets such an answer through, while a
// stopped or wedged service (SIGSTOP, a deadlock) no longer hangs the caller forever.
const DefaultUpstreamTimeout = 65 * time.Second

// Option adjusts NewProxy.
type Option func(*proxyOptions)

type proxyOptions struct {
	upstreamTimeout time.Duration
}

// WithUpstreamTimeout sets how long to wait for a service's response headers
// (DefaultUpstreamTimeout when not given or not positive). A service that does not
// answer in time gets the caller a 504.
func WithUpstreamTimeout(d time.Duration) Option {
	return func(o *proxyOptions) {
		if d > 0 {
			o.upstreamTimeout = d
		}
	}
}

// NewProxy serves the table, forwarding each request to backends[service] (a public
// listener's base URL). Every service of the table must have a backend. A service that
// is down answers 502, one that does not send its response headers within the upstream
// timeout 504, both as problem+json.
func NewProxy(t Table, backends map[string]*url.URL, tel *observability.Telemetry, opts ...Option) (http.Handler, error) {
	o := proxyOptions{upstreamTimeout: DefaultUpstreamTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	proxies := map[string]*httputil.ReverseProxy{}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ResponseHeaderTimeout = o.upstreamTimeout
	transport := otelhttp.NewTransport(base,
		otelhttp.WithTracerProvider(tel.TracerProvider), otelhttp.WithPropagators(tel.Propagator))
	for _, svc := range t.Services() {
		target, ok := backends[svc]
		if !ok {
			return nil, fmt.Errorf("route table names service %q but no backend is configured", svc)
		}
		proxies[svc] = &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.SetXForwarded()
				pr.Out.Host = pr.In.Host // services see the public host, as behind a real ingress
			},
			Transport: transport,
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if isTimeout(err) && r.Context().Err() == nil {
					tel.Logger.WarnContext(r.Context(), "backend timed out", "service", svc, "timeout", o.upstreamTimeout, "error", err)
					problem.Write(w, r, problem.New(http.StatusGatewayTimeout, "gateway-timeout",
						fmt.Sprintf("%s did not answer within %s", svc, o.upstreamTimeout)))
					return
				}
				tel.Logger.WarnContext(r.Context(), "backend unreachable", "service", svc, "error", err)
				problem.Write(w, r, problem.New(http.StatusBadGateway, "bad-gateway", svc+" is not reachable"))
			},
		}
	}
	instr := observability.NewHTTPInstrumentation(tel)
	return instr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := t.Match(r.URL.Path)
		if !ok {
			problem.Write(w, r, problem.New(http.StatusNotFound, "not-found", "no such route"))
			return
		}
		observability.SetRoute(r.Context(), route.Prefix)
		proxies[route.Service].ServeHTTP(w, r)
	})), nil
}

// isTimeout reports whether a round trip failed for lack of an answer in time (the
// transport's response-header timeout), as opposed to a refused or reset connection.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
