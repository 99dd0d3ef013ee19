package observability

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// UnmatchedRoute labels requests that matched no route, so that scanners probing random
// paths cannot blow up metric cardinality.
const UnmatchedRoute = "unmatched"

// HTTPInstrumentation adds RED metrics and a server span to every request. Metrics and
// span names use the route template (/api/v1/inventory/warehouses/{id}), never the raw
// path, to keep cardinality bounded.
type HTTPInstrumentation struct {
	tel      *Telemetry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewHTTPInstrumentation registers the HTTP metrics on tel's registry. Create one per process.
func NewHTTPInstrumentation(tel *Telemetry) *HTTPInstrumentation {
	f := promauto.With(tel.Registry)
	constLabels := prometheus.Labels{"service": tel.Service}
	return &HTTPInstrumentation{
		tel: tel,
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "planta_http_requests_total", Help: "HTTP requests by route template, method and status code.",
			ConstLabels: constLabels,
		}, []string{"route", "method", "code"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name: "planta_http_request_duration_seconds", Help: "HTTP request latency by route template and method.",
			ConstLabels: constLabels,
			Buckets:     []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{
			Name: "planta_http_requests_in_flight", Help: "HTTP requests being served.", ConstLabels: constLabels,
		}),
	}
}

type routeKey struct{}

// routeHolder is filled by RouteMiddleware, deep inside the router, and read by Handler,
// outside it: mux hands inner handlers a new request, so a pointer is the way back out.
type routeHolder struct{ template string }

// traced keeps operational endpoints out of traces (they would drown real traffic).
func traced(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return true
}

// Handler is the outermost wrapper of a listener: it starts the server span (continuing
// a W3C trace context from the caller) and records the RED metrics.
func (h *HTTPInstrumentation) Handler(next http.Handler) http.Handler {
	measured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		holder := &routeHolder{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, holder))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		h.inFlight.Inc()
		defer func() {
			h.inFlight.Dec()
			route := holder.template
			if route == "" {
				route = UnmatchedRoute
			}
			h.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
			obs := h.duration.WithLabelValues(route, r.Method)
			elapsed := time.Since(start).Seconds()
			if sc := trace.SpanContextFromContext(r.Context()); sc.IsSampled() {
				obs.(prometheus.ExemplarObserver).ObserveWithExemplar(elapsed, prometheus.Labels{"trace_id": sc.TraceID().String()})
				return
			}
			obs.Observe(elapsed)
		}()
		next.ServeHTTP(rec, r)
	})
	return otelhttp.NewHandler(measured, "http.server",
		otelhttp.WithTracerProvider(h.tel.TracerProvider),
		otelhttp.WithPropagators(h.tel.Propagator),
		otelhttp.WithFilter(traced),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// RouteMiddleware is installed with mux.Router.Use: it names the span and the metric
// labels after the matched route template.
func (h *HTTPInstrumentation) RouteMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route := mux.CurrentRoute(r); route != nil {
			if tpl, err := route.GetPathTemplate(); err == nil {
				SetRoute(r.Context(), tpl)
				span := trace.SpanFromContext(r.Context())
				span.SetName(r.Method + " " + tpl)
				span.SetAttributes(attribute.String("http.route", tpl))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SetRoute records the route label for a request handled outside gorilla/mux.
func SetRoute(ctx context.Context, template string) {
	if holder, ok := ctx.Value(routeKey{}).(*routeHolder); ok {
		holder.template = template
	}
}

// HTTPClient returns a client whose requests carry the trace context and make client spans.
func (t *Telemetry) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: otelhttp.NewTransport(http.DefaultTransport.(*http.Transport).Clone(),
			otelhttp.WithTracerProvider(t.TracerProvider),
			otelhttp.WithPropagators(t.Propagator),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
				return r.Method + " " + r.URL.Path
			})),
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines of the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
