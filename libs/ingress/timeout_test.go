package ingress_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/ingress"
)

// proxyTo builds the ingress in front of one backend for every path.
func proxyTo(t *testing.T, backend *url.URL, opts ...ingress.Option) http.Handler {
	t.Helper()
	table, err := ingress.Parse([]byte("routes: [{prefix: /, service: web}]"))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := ingress.NewProxy(table, map[string]*url.URL{"web": backend}, telemetry(t, "ingress", tracetest.NewInMemoryExporter()), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return proxy
}

// wantProblem checks a problem+json answer with the status and type slug.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, slug string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != status || p.Type != "https://planta.dev/problems/"+slug {
		t.Fatalf("problem %+v (%v): %s", p, err, rec.Body.String())
	}
}

// TestStalledBackendAnswers504: a service that accepts the connection but never answers
// (SIGSTOPped, wedged) gets the caller a 504 after the upstream timeout instead of a
// request that hangs forever.
func TestStalledBackendAnswers504(t *testing.T) {
	release := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer stalled.Close()
	defer close(release)
	backend, _ := url.Parse(stalled.URL)
	proxy := proxyTo(t, backend, ingress.WithUpstreamTimeout(300*time.Millisecond))

	done := make(chan *httptest.ResponseRecorder, 1)
	start := time.Now()
	go func() {
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app", nil))
		done <- rec
	}()
	select {
	case rec := <-done:
		wantProblem(t, rec, http.StatusGatewayTimeout, "gateway-timeout")
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("answered after %s, before the timeout", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request through the proxy still hangs after 10s: no upstream timeout")
	}
}

// TestDownBackendAnswers502: nothing listening behind the route is a 502 problem.
func TestDownBackendAnswers502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	proxy := proxyTo(t, &url.URL{Scheme: "http", Host: addr})
	rec := httptest.NewRecorder()
	proxy.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app", nil))
	wantProblem(t, rec, http.StatusBadGateway, "bad-gateway")
}

// TestSlowButTimelyBackendPasses: an answer within the timeout is relayed untouched.
func TestSlowButTimelyBackendPasses(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusCreated)
	}))
	defer slow.Close()
	backend, _ := url.Parse(slow.URL)
	rec := httptest.NewRecorder()
	proxyTo(t, backend, ingress.WithUpstreamTimeout(2*time.Second)).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/mrp/runs", nil))
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d", rec.Code)
	}
}

// TestDefaultUpstreamTimeoutOutlastsServices: the default leaves room for the slowest
// synchronous answer, which every service bounds with its server's write timeout.
func TestDefaultUpstreamTimeoutOutlastsServices(t *testing.T) {
	wt := httpserver.DefaultConfig().WriteTimeout
	if ingress.DefaultUpstreamTimeout <= wt || ingress.DefaultUpstreamTimeout > wt+30*time.Second {
		t.Fatalf("DefaultUpstreamTimeout %s: want a little more than the services' write timeout %s", ingress.DefaultUpstreamTimeout, wt)
	}
}
