package httpserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/observability"
)

type running struct {
	srv              *httpserver.Server
	public, internal string
	cancel           context.CancelFunc
	done             chan error
	tel              *observability.Telemetry
}

func start(t *testing.T, cfg httpserver.Config, register func(*httpserver.Server)) *running {
	t.Helper()
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: "demo", LogOutput: io.Discard, Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(cfg, tel)
	if register != nil {
		register(srv)
	}
	pub, _ := net.Listen("tcp", "127.0.0.1:0")
	in, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, public: "http://" + pub.Addr().String(), internal: "http://" + in.Addr().String(),
		cancel: cancel, done: make(chan error, 1), tel: tel}
	go func() { r.done <- srv.Serve(ctx, pub, in) }()
	t.Cleanup(cancel)
	return r
}

func testConfig() httpserver.Config {
	cfg := httpserver.DefaultConfig()
	cfg.ShutdownDelay, cfg.ShutdownTimeout, cfg.MaxBodyBytes = 300*time.Millisecond, 5*time.Second, 1024
	return cfg
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Bool
	r := start(t, testConfig(), func(s *httpserver.Server) {
		s.Public.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
			started.Store(true)
			<-release
			_, _ = io.WriteString(w, "finished")
		})
	})
	if code, _ := get(t, r.internal+"/readyz"); code != 200 {
		t.Fatalf("ready before shutdown: %d", code)
	}
	inflight := make(chan string, 1)
	go func() {
		code, body := get(t, r.public+"/slow")
		inflight <- strings.TrimSpace(body) + ":" + http.StatusText(code)
	}()
	for !started.Load() {
		time.Sleep(5 * time.Millisecond)
	}

	r.cancel() // SIGTERM
	time.Sleep(50 * time.Millisecond)
	// Readiness goes false first, while the listeners are still open.
	if code, _ := get(t, r.internal+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readiness during drain: %d, want 503", code)
	}
	time.Sleep(400 * time.Millisecond) // past the shutdown delay: listeners close
	if code, msg := get(t, r.public+"/slow"); code != 0 {
		t.Fatalf("a new request after the drain began was served (%d %s)", code, msg)
	}
	close(release)
	if got := <-inflight; got != "finished:OK" {
		t.Fatalf("in-flight request did not complete: %q", got)
	}
	if err := <-r.done; err != nil {
		t.Fatalf("Serve returned %v", err)
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	r := start(t, testConfig(), func(s *httpserver.Server) {
		s.Public.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("secret internals") })
	})
	resp, err := http.Get(r.public + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if strings.Contains(string(body), "secret internals") || strings.Contains(string(body), "goroutine") {
		t.Fatalf("panic details leaked: %s", body)
	}
}

func TestBodyLimit(t *testing.T) {
	r := start(t, testConfig(), func(s *httpserver.Server) {
		s.Public.HandleFunc("/echo", func(w http.ResponseWriter, req *http.Request) {
			if _, err := io.ReadAll(req.Body); err != nil {
				var maxErr *http.MaxBytesError
				if errors.As(err, &maxErr) {
					w.WriteHeader(http.StatusRequestEntityTooLarge)
					return
				}
			}
		})
	})
	post := func(ctype, accept string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, r.public+"/echo", bytes.NewReader(make([]byte, 4096)))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp
	}
	// An API caller is refused before its handler runs (the problem, not the handler's
	// plain 413).
	if resp := post("application/json", "application/json"); resp.StatusCode != http.StatusRequestEntityTooLarge ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("oversized API body: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// A browser's form post reaches its handler, whose read stops at the limit, so the
	// page can explain it.
	if resp := post("application/x-www-form-urlencoded", "text/html,application/xhtml+xml"); resp.StatusCode != http.StatusRequestEntityTooLarge ||
		resp.Header.Get("Content-Type") == "application/problem+json" {
		t.Fatalf("oversized browser form: %d %s, want the handler's own answer", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestReadinessReflectsDependencies(t *testing.T) {
	var healthy atomic.Bool
	r := start(t, testConfig(), func(s *httpserver.Server) {
		s.AddReadinessCheck("postgres", func(context.Context) error {
			if healthy.Load() {
				return nil
			}
			return errors.New("connection refused")
		})
	})
	if code, _ := get(t, r.internal+"/readyz"); code != 503 {
		t.Fatalf("not ready with a failing dependency: %d", code)
	}
	want := `
# HELP planta_dependency_up 1 when the last readiness check of a dependency passed.
# TYPE planta_dependency_up gauge
planta_dependency_up{dependency="postgres",service="demo"} 0
`
	if err := testutil.GatherAndCompare(r.tel.Registry, strings.NewReader(want), "planta_dependency_up"); err != nil {
		t.Fatal(err)
	}
	healthy.Store(true)
	if code, _ := get(t, r.internal+"/readyz"); code != 200 {
		t.Fatalf("ready once healthy: %d", code)
	}
	if code, _ := get(t, r.internal+"/healthz"); code != 200 {
		t.Fatalf("liveness: %d", code)
	}
	if code, _ := get(t, r.public+"/metrics"); code != 404 {
		t.Fatalf("/metrics must not be on the public listener: %d", code)
	}
	if _, body := get(t, r.internal+"/metrics"); !strings.Contains(body, "planta_dependency_up") {
		t.Fatal("metrics lack planta_dependency_up")
	}
}
