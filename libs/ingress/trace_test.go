package ingress_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/ingress"
	"github.com/planta-dev/planta/libs/observability"
)

func telemetry(t *testing.T, service string, exp *tracetest.InMemoryExporter) *observability.Telemetry {
	t.Helper()
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: service, LogOutput: io.Discard, Exporter: exp, Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return tel
}

// A request through the ingress into inventory, which validates the session with the
// session service, must yield ONE trace whose spans chain across both hops.
func TestTraceCrossesIngressAndServiceHops(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()

	// The session service (validate endpoint) with its own telemetry.
	sessionTel := telemetry(t, "session", exp)
	sessions := authntest.NewServer(t, observability.NewHTTPInstrumentation(sessionTel).Handler)
	token := sessions.Issue(authn.Principal{UserID: "c1", Username: "acme", Role: authn.RoleCliente})

	// The inventory service: a guarded route; validation goes over traced HTTP.
	invTel := telemetry(t, "inventory", exp)
	srv := httpserver.New(httpserver.Config{ShutdownTimeout: time.Second, MaxBodyBytes: 1 << 20, WriteTimeout: 5 * time.Second}, invTel)
	rt := authn.NewRouter(srv.Public, authn.NewSessionClient(sessions.URL, invTel.HTTPClient(5*time.Second)), invTel.Logger)
	rt.HandleFunc(http.MethodGet, "/api/v1/inventory/warehouses", authn.RequireTenant(), func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"items":[]}`)
	})
	pub, _ := net.Listen("tcp", "127.0.0.1:0")
	internal, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Serve(ctx, pub, internal) }()

	// The ingress in front.
	table, err := ingress.Parse([]byte("routes: [{prefix: /api/v1/inventory, service: inventory}]"))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := ingress.NewProxy(table, map[string]*url.URL{"inventory": {Scheme: "http", Host: pub.Addr().String()}},
		telemetry(t, "ingress", exp))
	if err != nil {
		t.Fatal(err)
	}
	front := &http.Server{Handler: proxy}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = front.Serve(ln) }()
	defer func() { _ = front.Close() }()

	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/api/v1/inventory/warehouses", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}

	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
		if s.SpanContext.TraceID() != spans[0].SpanContext.TraceID() {
			t.Fatalf("spans belong to different traces: %s vs %s", s.Name, spans[0].Name)
		}
	}
	// Walk from the session service's server span up to the root.
	var leaf tracetest.SpanStub
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindServer && serviceOf(s) == "session" {
			leaf = s
		}
	}
	if !leaf.SpanContext.IsValid() {
		t.Fatalf("no server span in the session service among %d spans", len(spans))
	}
	var chain []string
	for s, ok := leaf, true; ok; s, ok = byID[s.Parent.SpanID()] {
		chain = append(chain, serviceOf(s)+":"+s.SpanKind.String())
	}
	want := []string{"session:server", "inventory:client", "inventory:server", "ingress:client", "ingress:server"}
	if len(chain) != len(want) {
		t.Fatalf("span chain %v, want %v", chain, want)
	}
	for i := range want {
		if chain[i] != want[i] {
			t.Fatalf("span chain %v, want %v", chain, want)
		}
	}
	for _, s := range spans {
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.Emit(), token) {
				t.Fatalf("span %s attribute %s carries the session token", s.Name, a.Key)
			}
		}
	}
}

func serviceOf(s tracetest.SpanStub) string {
	for _, a := range s.Resource.Attributes() {
		if a.Key == "service.name" {
			return a.Value.AsString()
		}
	}
	return ""
}
