// Package browsertest drives headless Chromium (Debian's chromium package, through
// chromedp) against the real platform: every service binary built and started on free
// ports with a fresh database and Redis prefix, behind the real ingress route table.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/ingress"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"
	"github.com/planta-dev/planta/libs/redisx/redistest"
)

// platform is a running Planta.
type platform struct {
	base string              // http://localhost:<ingress port>
	root string              // repository root
	bin  string              // the built service binaries
	env  map[string][]string // each service's environment
	port map[string]int      // each service's public port
}

// cli runs a service binary's subcommand (seed-demo) with that service's environment.
func (p *platform) cli(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	cmd.Env = p.env[name]
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

type svc struct {
	name           string
	migrates       bool
	public, intern int
}

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", ".."))
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPlatform builds every service, migrates a fresh database and starts them.
func startPlatform(t *testing.T) *platform {
	t.Helper()
	root := repoRoot(t)
	bin := t.TempDir()
	services := []*svc{{name: "session"}, {name: "identity", migrates: true}, {name: "inventory", migrates: true},
		{name: "allocation", migrates: true}, {name: "admin", migrates: true}, {name: "web"}}
	args := []string{"build", "-o", bin + string(os.PathSeparator)}
	for _, s := range services {
		args = append(args, "github.com/planta-dev/planta/services/"+s.name+"/cmd/"+s.name)
	}
	build := exec.Command("go", args...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the services: %v\n%s", err, out)
	}
	dbURL := pgxtest.NewDatabase(t)
	_, keys := redistest.New(t)
	for _, s := range services {
		s.public, s.intern = freePort(t), freePort(t)
	}
	port := map[string]int{}
	for _, s := range services {
		port[s.name] = s.public
	}
	env := append(os.Environ(),
		"PLANTA_DEV_MODE=true", "PLANTA_SHUTDOWN_DELAY=10ms", "PLANTA_LOG_LEVEL=warn", "OTEL_SDK_DISABLED=true",
		"PLANTA_POSTGRES_URL="+dbURL, "PLANTA_REDIS_URL="+redistest.URL(), "PLANTA_REDIS_PREFIX="+keys.Prefix,
		"PLANTA_BCRYPT_COST=10",
		// The web calls identity for the browser: believe its X-Forwarded-For (client IP, rate limits).
		"PLANTA_TRUSTED_PROXIES=127.0.0.1",
		// Every browser request and the wrk run come from 127.0.0.1: no public rate limit.
		"PLANTA_PUBLIC_RATE_PER_SECOND=10000", "PLANTA_PUBLIC_RATE_BURST=100000",
	)
	for _, s := range services {
		env = append(env, fmt.Sprintf("PLANTA_%s_URL=http://127.0.0.1:%d", strings.ToUpper(s.name), s.intern),
			fmt.Sprintf("PLANTA_WEB_%s_API_BASE=http://127.0.0.1:%d", strings.ToUpper(s.name), s.public))
	}
	backends := map[string]*url.URL{}
	envs := map[string][]string{}
	for _, s := range services {
		svcEnv := append(append([]string{}, env...),
			fmt.Sprintf("PLANTA_PUBLIC_ADDR=127.0.0.1:%d", s.public), fmt.Sprintf("PLANTA_INTERNAL_ADDR=127.0.0.1:%d", s.intern))
		envs[s.name] = svcEnv
		path := filepath.Join(bin, s.name)
		if s.migrates {
			cmd := exec.Command(path, "migrate")
			cmd.Env = svcEnv
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s migrate: %v\n%s", s.name, err, out)
			}
		}
		var logs bytes.Buffer
		cmd := exec.Command(path, "serve")
		cmd.Env, cmd.Stdout, cmd.Stderr = svcEnv, &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		name := s.name
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
			}
			if t.Failed() {
				t.Logf("%s logs:\n%s", name, tail(logs.String(), 3000))
			}
		})
		waitReady(t, s.name, s.intern, &logs)
		backends[s.name] = &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", s.public)}
	}
	data, err := os.ReadFile(filepath.Join(root, "deploy", "routes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := ingress.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	tel, err := observability.Setup(context.Background(), observability.Options{Service: "ingress", Version: "test", LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := ingress.NewProxy(table, backends, tel)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	// "localhost" is a secure context for Chromium: the Secure __Host- cookie is kept over http.
	return &platform{base: "http://localhost:" + p, root: root, bin: bin, env: envs, port: port}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func waitReady(t *testing.T, name string, port int, logs *bytes.Buffer) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready:\n%s", name, tail(logs.String(), 3000))
}

// api calls the platform's JSON API through the ingress.
func (p *platform) api(t *testing.T, method, path, token string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode
}

// requests sums a service's planta_http_requests_total samples (its internal /metrics)
// whose labels contain every one of parts.
func (p *platform) requests(t *testing.T, service string, parts ...string) int {
	t.Helper()
	addr := ""
	for _, kv := range p.env[service] {
		if v, ok := strings.CutPrefix(kv, "PLANTA_INTERNAL_ADDR="); ok {
			addr = v
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(resp.Body)
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "planta_http_requests_total{") {
			continue
		}
		labels, value, _ := strings.Cut(line, "} ")
		match := true
		for _, part := range parts {
			match = match && strings.Contains(labels, part)
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); match && err == nil {
			n += int(v)
		}
	}
	return n
}
