package observability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/planta-dev/planta/libs/observability"
)

func setup(t *testing.T, logs *bytes.Buffer, exp *tracetest.InMemoryExporter) *observability.Telemetry {
	t.Helper()
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: "demo", Version: "test", LogOutput: logs, Exporter: exp,
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	return tel
}

func TestLogsCarryTraceIDs(t *testing.T) {
	var logs bytes.Buffer
	exp := tracetest.NewInMemoryExporter()
	tel := setup(t, &logs, exp)
	ctx, span := tel.Tracer("test").Start(context.Background(), "op")
	tel.Logger.InfoContext(ctx, "hello")
	span.End()

	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log is not JSON: %v: %s", err, logs.String())
	}
	if line["trace_id"] != span.SpanContext().TraceID().String() || line["service"] != "demo" {
		t.Fatalf("log line lacks trace id or service: %v", line)
	}
}

func TestNoEndpointMeansNoOpTracingThatStillPropagates(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"no endpoint":  {},
		"sdk disabled": {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"},
	} {
		tel, err := observability.Setup(context.Background(), observability.Options{
			Service: "demo", LogOutput: &bytes.Buffer{}, Getenv: func(k string) string { return env[k] },
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, span := tel.Tracer("t").Start(context.Background(), "op"); span.IsRecording() {
			t.Fatalf("%s: spans must not be recorded", name)
		}
		// A caller's trace id still reaches the logs.
		var logs bytes.Buffer
		tel2, _ := observability.Setup(context.Background(), observability.Options{
			Service: "demo", LogOutput: &logs, Getenv: func(k string) string { return env[k] },
		})
		h := observability.NewHTTPInstrumentation(tel2).Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			tel2.Logger.InfoContext(r.Context(), "handled")
		}))
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if !strings.Contains(logs.String(), "4bf92f3577b34da6a3ce929d0e0e4736") {
			t.Fatalf("%s: incoming trace id not in logs: %s", name, logs.String())
		}
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadLogLevelIsAnError(t *testing.T) {
	if _, err := observability.Setup(context.Background(), observability.Options{Service: "x", LogLevel: "loud"}); err == nil {
		t.Fatal("unknown log level accepted")
	}
}

func TestHTTPMetricsUseRouteTemplates(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel := setup(t, &bytes.Buffer{}, exp)
	instr := observability.NewHTTPInstrumentation(tel)
	r := mux.NewRouter()
	r.Use(instr.RouteMiddleware)
	r.HandleFunc("/items/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := instr.Handler(r)
	for _, path := range []string{"/items/1", "/items/2", "/items/3", "/random/probe/1", "/random/probe/2"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	for _, method := range []string{"FROB", "XYZZY"} { // invented methods share one label
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/random", nil))
	}
	want := `
# HELP planta_http_requests_total HTTP requests by route template, method and status code.
# TYPE planta_http_requests_total counter
planta_http_requests_total{code="404",method="GET",route="unmatched",service="demo"} 2
planta_http_requests_total{code="404",method="OTHER",route="unmatched",service="demo"} 2
planta_http_requests_total{code="418",method="GET",route="/items/{id}",service="demo"} 3
`
	if err := testutil.GatherAndCompare(tel.Registry, strings.NewReader(want), "planta_http_requests_total"); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 7 || spans[0].Name != "GET /items/{id}" {
		t.Fatalf("span names should be route templates, got %d spans, first %q", len(spans), spans[0].Name)
	}
}

func TestHealthEndpointsAreNotTraced(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel := setup(t, &bytes.Buffer{}, exp)
	h := observability.NewHTTPInstrumentation(tel).Handler(http.NotFoundHandler())
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	if n := len(exp.GetSpans()); n != 0 {
		t.Fatalf("%d spans for operational endpoints", n)
	}
}

// Without an exporter the handler skips otelhttp; it must still label metrics by route
// template and pass an incoming W3C trace context on to outgoing calls.
func TestNoOpTracingStillMeasuresAndPropagates(t *testing.T) {
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: "demo", LogOutput: &bytes.Buffer{}, Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	var forwarded string
	downstream := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		forwarded = r.Header.Get("traceparent")
	}))
	defer downstream.Close()
	client := tel.HTTPClient(5 * time.Second)

	instr := observability.NewHTTPInstrumentation(tel)
	r := mux.NewRouter()
	r.Use(instr.RouteMiddleware)
	r.HandleFunc("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, downstream.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		_ = resp.Body.Close()
		w.WriteHeader(http.StatusAccepted)
	})
	h := instr.Handler(r)
	for _, path := range []string{"/items/1", "/items/2", "/nope"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	if !strings.HasPrefix(forwarded, "00-4bf92f3577b34da6a3ce929d0e0e4736-") {
		t.Fatalf("outgoing call carried traceparent %q, want the incoming trace id", forwarded)
	}
	want := `
# HELP planta_http_requests_total HTTP requests by route template, method and status code.
# TYPE planta_http_requests_total counter
planta_http_requests_total{code="202",method="GET",route="/items/{id}",service="demo"} 2
planta_http_requests_total{code="404",method="GET",route="unmatched",service="demo"} 1
`
	if err := testutil.GatherAndCompare(tel.Registry, strings.NewReader(want), "planta_http_requests_total"); err != nil {
		t.Fatal(err)
	}
	// The sampled caller's trace id is the exemplar of the latency histogram.
	mfs, err := tel.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() != "planta_http_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, b := range m.GetHistogram().GetBucket() {
				for _, l := range b.GetExemplar().GetLabel() {
					found = found || l.GetValue() == "4bf92f3577b34da6a3ce929d0e0e4736"
				}
			}
		}
	}
	if !found {
		t.Fatal("no exemplar with the incoming trace id")
	}
}

func TestRequestLogLine(t *testing.T) {
	var logs bytes.Buffer
	tel := setup(t, &logs, tracetest.NewInMemoryExporter())
	instr := observability.NewHTTPInstrumentation(tel)
	r := mux.NewRouter()
	r.Use(instr.RouteMiddleware)
	r.HandleFunc("/items/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	h := instr.LoggedHandler(r, slog.LevelInfo)
	req := httptest.NewRequest(http.MethodPost, "/items/42?secret=should-not-appear", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one request line (health checks are not logged), got %q", logs.String())
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line["route"] != "/items/{id}" || line["status"] != float64(201) || line["method"] != "POST" || line["trace_id"] == nil {
		t.Fatalf("unexpected request log %v", line)
	}
	if strings.Contains(logs.String(), "should-not-appear") {
		t.Fatal("the query string reached the log")
	}
}

// Without an exporter and without an incoming traceparent, every request still gets its
// own trace id: in the request's context (for the access and audit logs), in its log
// line, and on the calls it makes (unsampled, so nobody downstream records it).
func TestNoOpTracingStartsATraceWhenNoneCameIn(t *testing.T) {
	logs := &bytes.Buffer{}
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: "demo", LogOutput: logs, Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	var forwarded []string
	downstream := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		forwarded = append(forwarded, r.Header.Get("traceparent"))
	}))
	defer downstream.Close()
	client := tel.HTTPClient(5 * time.Second)
	var seen []string
	h := observability.NewHTTPInstrumentation(tel).LoggedHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, trace.SpanContextFromContext(r.Context()).TraceID().String())
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, downstream.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		_ = resp.Body.Close()
	}), slog.LevelInfo)
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	}
	if len(seen) != 2 || seen[0] == seen[1] || seen[0] == (trace.TraceID{}).String() || seen[1] == (trace.TraceID{}).String() {
		t.Fatalf("trace ids %v: want two different valid ids", seen)
	}
	for i, tp := range forwarded {
		if want := "00-" + seen[i] + "-"; !strings.HasPrefix(tp, want) || !strings.HasSuffix(tp, "-00") {
			t.Errorf("outgoing traceparent %q, want %s…-00 (unsampled)", tp, want)
		}
	}
	for _, id := range seen {
		if !strings.Contains(logs.String(), `"trace_id":"`+id+`"`) {
			t.Errorf("no log line carries trace id %s:\n%s", id, logs.String())
		}
	}
}
