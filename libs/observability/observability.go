// Package observability sets up Planta's three signals once per process: traces
// (OpenTelemetry, exported with OTLP when the standard OTEL_* variables ask for it), logs
// (log/slog JSON carrying trace_id and span_id) and metrics (a Prometheus registry that is
// injected, never the global default).
package observability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Options configures Setup.
type Options struct {
	Service string
	Version string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogOutput receives JSON log lines; os.Stdout when nil.
	LogOutput io.Writer
	// Exporter, when set, replaces the OTLP exporter (tests use an in-memory one).
	Exporter sdktrace.SpanExporter
	// Getenv reads OTEL_* variables; os.Getenv when nil.
	Getenv func(string) string
}

// Telemetry holds the process's logger, metrics registry and tracer provider.
type Telemetry struct {
	Service        string
	Logger         *slog.Logger
	Registry       *prometheus.Registry
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
	shutdown       func(context.Context) error
}

// Tracer returns a named tracer from the process's provider.
func (t *Telemetry) Tracer(name string) trace.Tracer { return t.TracerProvider.Tracer(name) }

// Shutdown flushes and stops the tracer provider.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}

// Setup builds the Telemetry for one service. Without an OTLP endpoint (or with
// OTEL_SDK_DISABLED=true) the tracer is a no-op: nothing is recorded or exported, and an
// incoming W3C trace context still flows through to logs and outgoing calls.
func Setup(ctx context.Context, opts Options) (*Telemetry, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	out := opts.LogOutput
	if out == nil {
		out = os.Stdout
	}
	level, err := ParseLevel(opts.LogLevel)
	if err != nil {
		return nil, err
	}
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level}))).
		With("service", opts.Service)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	tel := &Telemetry{Service: opts.Service, Logger: logger, Registry: reg, Propagator: prop}

	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || (opts.Exporter == nil && !otlpConfigured(getenv)) {
		tel.TracerProvider = noop.NewTracerProvider()
		return tel, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", opts.Service),
		attribute.String("service.version", opts.Version),
	))
	if err != nil {
		return nil, fmt.Errorf("build otel resource: %w", err)
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if opts.Exporter != nil {
		tpOpts = append(tpOpts, sdktrace.WithSyncer(opts.Exporter))
	} else {
		exporter, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("create otlp exporter: %w", err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exporter))
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)
	tel.TracerProvider = tp
	tel.shutdown = tp.Shutdown
	return tel, nil
}

func otlpConfigured(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// ParseLevel maps a level name to a slog.Level; empty means info.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, errors.New("log level " + s + " is not one of debug, info, warn, error")
}

// NewLogHandler wraps h so that every record logged with a context carrying a span gets
// trace_id and span_id attributes.
func NewLogHandler(h slog.Handler) slog.Handler { return traceHandler{h} }

type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

// TraceID returns the current trace id in ctx, or "" when there is none.
func TraceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return sc.TraceID().String()
	}
	return ""
}
