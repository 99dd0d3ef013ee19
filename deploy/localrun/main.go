// Command localrun is `make run`: it migrates and starts every Planta service as a local
// process, waits until each is ready, and serves the route table of deploy/routes.yaml
// on one port, exactly as the Kubernetes ingress will. Ctrl-C stops everything cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/planta-dev/planta/libs/ingress"
	"github.com/planta-dev/planta/libs/observability"
)

// serviceSpec is one process to run.
type serviceSpec struct {
	name           string
	public, intern int
	migrates       bool
}

// services lists what `make run` starts, in start order (session first: others
// validate through it). Ports follow docs/conventions.md.
func services() []serviceSpec {
	return []serviceSpec{
		{"session", 8102, 9102, false},
		{"identity", 8101, 9101, true},
		{"inventory", 8103, 9103, true},
		{"allocation", 8104, 9104, true},
		{"admin", 8105, 9105, true},
		// The web calls every API above; start it last.
		{"web", 8106, 9106, false},
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localrun:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", envOr("PLANTA_INGRESS_ADDR", defaultIngressAddr),
		"local ingress address (PLANTA_INGRESS_ADDR); loopback by default: the dev superadmin password is well known")
	upstreamTimeout := flag.Duration("upstream-timeout", ingress.DefaultUpstreamTimeout,
		"how long the ingress waits for a service's response headers before answering 504")
	binDir := flag.String("bin", "bin", "directory holding the service binaries")
	routes := flag.String("routes", "deploy/routes.yaml", "route table")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tel, err := observability.Setup(ctx, observability.Options{Service: "ingress", Version: "local", LogOutput: os.Stderr})
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*routes)
	if err != nil {
		return fmt.Errorf("read route table: %w", err)
	}
	table, err := ingress.Parse(data)
	if err != nil {
		return err
	}

	pgURL := envOr("PLANTA_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/planta?sslmode=disable")
	if err := ensureDatabase(ctx, pgURL); err != nil {
		return err
	}
	env := append(os.Environ(),
		"PLANTA_DEV_MODE=true",
		"PLANTA_SHUTDOWN_DELAY=100ms",
		"PLANTA_POSTGRES_URL="+pgURL,
		"PLANTA_REDIS_URL="+envOr("PLANTA_REDIS_URL", "redis://127.0.0.1:6379/0"),
		"PLANTA_SESSION_URL=http://127.0.0.1:9102",
		"PLANTA_IDENTITY_URL=http://127.0.0.1:9101",
		"PLANTA_ADMIN_URL=http://127.0.0.1:9105",
		// The web's server-side calls go to the services' public listeners.
		"PLANTA_WEB_IDENTITY_API_BASE=http://127.0.0.1:8101",
		"PLANTA_WEB_SESSION_API_BASE=http://127.0.0.1:8102",
		"PLANTA_WEB_INVENTORY_API_BASE=http://127.0.0.1:8103",
		"PLANTA_WEB_ALLOCATION_API_BASE=http://127.0.0.1:8104",
		"PLANTA_WEB_ADMIN_API_BASE=http://127.0.0.1:8105",
	)
	backends := map[string]*url.URL{}
	var procs []*exec.Cmd
	var wg sync.WaitGroup
	exited := make(chan string, len(services()))
	defer func() { stopAll(procs, &wg) }()

	for _, svc := range services() {
		bin := filepath.Join(*binDir, svc.name)
		svcEnv := append(env,
			fmt.Sprintf("PLANTA_PUBLIC_ADDR=127.0.0.1:%d", svc.public),
			fmt.Sprintf("PLANTA_INTERNAL_ADDR=127.0.0.1:%d", svc.intern))
		if svc.migrates {
			if err := runOnce(ctx, bin, svcEnv, "migrate"); err != nil {
				return fmt.Errorf("%s migrate: %w", svc.name, err)
			}
		}
		if err := portFree(svc.public, svc.intern); err != nil {
			return fmt.Errorf("%s: %w (is another `make run` still running?)", svc.name, err)
		}
		cmd := exec.Command(bin, "serve")
		cmd.Env, cmd.Stdout, cmd.Stderr = svcEnv, prefixed(svc.name, os.Stdout), prefixed(svc.name, os.Stderr)
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", svc.name, err)
		}
		procs = append(procs, cmd)
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			_ = cmd.Wait()
			exited <- name
		}(svc.name)
		if err := waitReady(ctx, svc.intern, exited); err != nil {
			return fmt.Errorf("%s: %w", svc.name, err)
		}
		backends[svc.name] = &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", svc.public)}
		fmt.Printf("  %-10s ready  public :%d  internal :%d\n", svc.name, svc.public, svc.intern)
	}

	if err := seedDemo(ctx, *binDir, env); err != nil {
		return err
	}

	proxy, err := ingress.NewProxy(table, backends, tel, ingress.WithUpstreamTimeout(*upstreamTimeout))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("ingress listen %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()

	host, exposed := browseHost(ln.Addr().String())
	if exposed {
		fmt.Printf("\nWARNING: the ingress listens on %s, reachable from other machines, and runs in dev mode\n"+
			"(well-known passwords). Unset PLANTA_INGRESS_ADDR to listen on 127.0.0.1 only.\n", ln.Addr())
	}
	superadmin := superadminLine(readSuperadminState(ctx, pgURL), os.Getenv("PLANTA_SUPERADMIN_PASSWORD") != "")
	fmt.Printf(`
Planta is running at http://%s

  superadmin login:  %s
  demo cliente:      username "demo",   password "planta-demo-2026"   (inventory & MRP)
  campus admin:      username "campus", password "planta-campus-2026" (classroom allocation)
  try:               curl http://%s/api/v1/inventory/info
  metrics:           curl http://127.0.0.1:9101/metrics   (internal ports 9101-9106)

Press Ctrl-C to stop.
`, host, superadmin, host)

	select {
	case <-ctx.Done():
	case name := <-exited:
		err = fmt.Errorf("%s exited unexpectedly", name)
	}
	fmt.Println("\nstopping…")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return err
}

// defaultIngressAddr is loopback only: `make run` is dev mode, with a superadmin whose
// initial password is printed in the README.
const defaultIngressAddr = "127.0.0.1:8080"

// browseHost is the host:port to print for the listener at addr, and whether it is
// reachable from other machines (not bound to a loopback address).
func browseHost(addr string) (string, bool) {
	h, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, false
	}
	ip := net.ParseIP(h)
	switch {
	case h == "" || (ip != nil && ip.IsUnspecified()):
		return net.JoinHostPort("localhost", port), true
	case h == "localhost" || (ip != nil && ip.IsLoopback()):
		// "localhost" rather than 127.0.0.1: browsers keep Secure cookies there.
		return net.JoinHostPort("localhost", port), false
	}
	return net.JoinHostPort(h, port), true
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func runOnce(ctx context.Context, bin string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
	return cmd.Run()
}

func portFree(ports ...int) error {
	for _, p := range ports {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return fmt.Errorf("port %d is taken", p)
		}
		_ = ln.Close()
	}
	return nil
}

func waitReady(ctx context.Context, internalPort int, exited <-chan string) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", internalPort)
	deadline := time.After(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case name := <-exited:
			return fmt.Errorf("%s exited before becoming ready", name)
		case <-deadline:
			return errors.New("not ready after 60s")
		case <-time.After(150 * time.Millisecond):
		}
	}
}

// stopAll sends SIGTERM in reverse start order and waits for every process.
func stopAll(procs []*exec.Cmd, wg *sync.WaitGroup) {
	for i := len(procs) - 1; i >= 0; i-- {
		if p := procs[i].Process; p != nil {
			_ = p.Signal(syscall.SIGTERM)
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		for _, c := range procs {
			if c.Process != nil {
				_ = c.Process.Kill()
			}
		}
	}
}
