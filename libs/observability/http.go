package observability

import (
	"context"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
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

	// series caches the label-bound children per route and method, so the hot path does
	// not hash label values into the vectors on every request.
	series sync.Map // seriesKey → *routeSeries
}

type seriesKey struct{ route, method string }

// routeSeries are one route and method's metric children.
type routeSeries struct {
	duration prometheus.Observer
	codes    sync.Map // int → prometheus.Counter
	vec      *prometheus.CounterVec
	route    string
	method   string
}

func (s *routeSeries) counter(code int) prometheus.Counter {
	if c, ok := s.codes.Load(code); ok {
		return c.(prometheus.Counter)
	}
	c, _ := s.codes.LoadOrStore(code, s.vec.WithLabelValues(s.route, s.method, strconv.Itoa(code)))
	return c.(prometheus.Counter)
}

func (h *HTTPInstrumentation) seriesFor(route, method string) *routeSeries {
	k := seriesKey{route, method}
	if s, ok := h.series.Load(k); ok {
		return s.(*routeSeries)
	}
	s, _ := h.series.LoadOrStore(k, &routeSeries{
		duration: h.duration.WithLabelValues(route, method),
		vec:      h.requests, route: route, method: method,
	})
	return s.(*routeSeries)
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
//
// When the process's tracer provider is the no-op one (no exporter configured), a span
// would record nothing, so otelhttp is left out: the handler extracts an incoming W3C
// trace context (traceparent, tracestate, baggage) or, when there is none, starts a new
// unsampled one with fresh ids, so every request still has a trace id for its logs, the
// access and audit logs, and the calls it makes to other services.
func (h *HTTPInstrumentation) Handler(next http.Handler) http.Handler {
	return h.LoggedHandler(next, slog.LevelDebug)
}

// LoggedHandler is Handler that also writes one structured log line per request (method,
// route template, status, duration, trace id) at level: Info for a public listener,
// Debug for internal ones whose hot paths (session validate) would flood the logs. The
// raw path and query are not logged; Planta never puts secrets there, and route
// templates keep the lines groupable.
func (h *HTTPInstrumentation) LoggedHandler(next http.Handler, level slog.Level) http.Handler {
	if _, ok := h.tel.TracerProvider.(noop.TracerProvider); ok {
		prop := h.tel.Propagator
		var fields []string
		for _, f := range prop.Fields() {
			fields = append(fields, http.CanonicalHeaderKey(f))
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			for _, f := range fields {
				if _, ok := r.Header[f]; ok {
					ctx = prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
					break
				}
			}
			if !trace.SpanContextFromContext(ctx).IsValid() {
				ctx = trace.ContextWithSpanContext(ctx, newRootSpanContext())
			}
			h.measure(next, w, r, ctx, level)
		})
	}
	measured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.measure(next, w, r, r.Context(), level)
	})
	return otelhttp.NewHandler(measured, "http.server",
		otelhttp.WithTracerProvider(h.tel.TracerProvider),
		otelhttp.WithPropagators(h.tel.Propagator),
		otelhttp.WithFilter(traced),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// measure serves r with ctx (plus the route holder) and records the RED metrics.
func (h *HTTPInstrumentation) measure(next http.Handler, w http.ResponseWriter, r *http.Request, ctx context.Context, level slog.Level) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	r = r.WithContext(context.WithValue(ctx, routeKey{}, &rec.route))
	start := time.Now()
	h.inFlight.Inc()
	defer func() {
		h.inFlight.Dec()
		route := rec.route.template
		if route == "" {
			route = UnmatchedRoute
		}
		s := h.seriesFor(route, methodLabel(r.Method))
		s.counter(rec.status).Inc()
		elapsed := time.Since(start).Seconds()
		if h.tel.Logger.Enabled(r.Context(), level) && traced(r) {
			h.tel.Logger.LogAttrs(r.Context(), level, "request",
				slog.String("method", methodLabel(r.Method)), slog.String("route", route),
				slog.Int("status", rec.status), slog.Float64("duration_ms", elapsed*1000))
		}
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsSampled() {
			s.duration.(prometheus.ExemplarObserver).ObserveWithExemplar(elapsed, prometheus.Labels{"trace_id": sc.TraceID().String()})
			return
		}
		s.duration.Observe(elapsed)
	}()
	next.ServeHTTP(rec, r)
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
	route       routeHolder // allocated with the recorder: one allocation per request
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

// methodLabel bounds the method label: a client may send any token as a method, and each
// would otherwise become a new metric series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// newRootSpanContext is a new unsampled trace with random ids, as the SDK's default id
// generator makes them: unique, not secret (math/rand/v2's per-thread ChaCha8 source).
func newRootSpanContext() trace.SpanContext {
	var tid trace.TraceID
	var sid trace.SpanID
	binary.LittleEndian.PutUint64(tid[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(tid[8:], rand.Uint64())
	for sid == (trace.SpanID{}) {
		binary.LittleEndian.PutUint64(sid[:], rand.Uint64())
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid})
}
