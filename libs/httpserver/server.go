// Package httpserver runs a Planta service's two listeners: the public one (routed by
// the ingress) and the internal one (/metrics, /healthz, /readyz and service-to-service
// APIs). It owns the cross-cutting HTTP behaviour every service needs: timeouts, body
// limits, panic recovery, problem+json for unknown routes (405s with an Allow header),
// instrumentation, and a graceful shutdown that turns readiness off first, drains, then
// returns.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/problem"
)

// Config holds listener addresses and limits.
type Config struct {
	PublicAddr   string
	InternalAddr string
	// ShutdownDelay is how long readiness reports "not ready" before the listeners close,
	// so load balancers stop sending new traffic first.
	ShutdownDelay time.Duration
	// ShutdownTimeout bounds the drain of in-flight requests.
	ShutdownTimeout time.Duration
	// MaxBodyBytes limits every request body.
	MaxBodyBytes int64
	// WriteTimeout bounds a whole response; long-running work runs as jobs, not requests.
	WriteTimeout time.Duration
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	return Config{
		PublicAddr: ":8080", InternalAddr: ":9090",
		ShutdownDelay: 5 * time.Second, ShutdownTimeout: 25 * time.Second,
		MaxBodyBytes: 4 << 20, WriteTimeout: 60 * time.Second,
	}
}

// OperationalPaths are the internal listener's own endpoints, registered by New.
func OperationalPaths() []string { return []string{"/metrics", "/healthz", "/readyz"} }

// CheckFunc reports whether one dependency is usable.
type CheckFunc func(ctx context.Context) error

// Server is a service's pair of listeners.
type Server struct {
	cfg      Config
	log      *slog.Logger
	instr    *observability.HTTPInstrumentation
	Public   *mux.Router
	Internal *mux.Router

	draining atomic.Bool
	closing  atomic.Bool
	mu       sync.Mutex
	checks   map[string]CheckFunc
	depUp    *prometheus.GaugeVec
}

// New builds a server; routes are added to Public and Internal before Run.
func New(cfg Config, tel *observability.Telemetry) *Server {
	s := &Server{
		cfg: cfg, log: tel.Logger, instr: observability.NewHTTPInstrumentation(tel),
		Public: mux.NewRouter(), Internal: mux.NewRouter(), checks: map[string]CheckFunc{},
		depUp: promauto.With(tel.Registry).NewGaugeVec(prometheus.GaugeOpts{
			Name: "planta_dependency_up", Help: "1 when the last readiness check of a dependency passed.",
			ConstLabels: prometheus.Labels{"service": tel.Service},
		}, []string{"dependency"}),
	}
	for _, r := range []*mux.Router{s.Public, s.Internal} {
		r.Use(s.instr.RouteMiddleware)
		r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			problem.Write(w, r, problem.New(http.StatusNotFound, "not-found", "no such route"))
		})
		r.MethodNotAllowedHandler = MethodNotAllowed(r)
	}
	s.Internal.Handle("/metrics", promhttp.HandlerFor(tel.Registry, promhttp.HandlerOpts{EnableOpenMetrics: true})).Methods(http.MethodGet, http.MethodHead)
	s.Internal.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	}).Methods(http.MethodGet, http.MethodHead)
	s.Internal.HandleFunc("/readyz", s.serveReadiness).Methods(http.MethodGet, http.MethodHead)
	return s
}

// AddReadinessCheck makes /readyz depend on a dependency (postgres, redis, session...).
func (s *Server) AddReadinessCheck(name string, check CheckFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

func (s *Server) serveReadiness(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		problem.Write(w, r, problem.Unavailable("shutting down"))
		return
	}
	s.mu.Lock()
	checks := make(map[string]CheckFunc, len(s.checks))
	for k, v := range s.checks {
		checks[k] = v
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var failed []string
	for name, check := range checks {
		if err := check(ctx); err != nil {
			s.depUp.WithLabelValues(name).Set(0)
			s.log.WarnContext(ctx, "readiness check failed", "dependency", name, "error", err)
			failed = append(failed, name)
			continue
		}
		s.depUp.WithLabelValues(name).Set(1)
	}
	if len(failed) > 0 {
		problem.Write(w, r, problem.Unavailable(fmt.Sprintf("dependencies not ready: %v", failed)))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ready\n"))
}

// Handler returns the full middleware chain around a router; exported for tests and for
// in-process composition (the local ingress test).
func (s *Server) Handler(router http.Handler) http.Handler { return s.handler(router, slog.LevelDebug) }

func (s *Server) handler(router http.Handler, logLevel slog.Level) http.Handler {
	return s.instr.LoggedHandler(s.recoverPanics(s.refuseWhenClosing(s.limitBody(router))), logLevel)
}

// Run listens on both addresses and serves until ctx is cancelled, then shuts down.
func (s *Server) Run(ctx context.Context) error {
	pub, err := net.Listen("tcp", s.cfg.PublicAddr)
	if err != nil {
		return fmt.Errorf("listen public %s: %w", s.cfg.PublicAddr, err)
	}
	internal, err := net.Listen("tcp", s.cfg.InternalAddr)
	if err != nil {
		_ = pub.Close()
		return fmt.Errorf("listen internal %s: %w", s.cfg.InternalAddr, err)
	}
	return s.Serve(ctx, pub, internal)
}

// Serve is Run on listeners the caller opened (tests use port 0).
func (s *Server) Serve(ctx context.Context, public, internal net.Listener) error {
	servers := []*http.Server{
		s.httpServer(s.handler(s.Public, slog.LevelInfo)),
		s.httpServer(s.handler(s.Internal, slog.LevelDebug)),
	}
	listeners := []net.Listener{public, internal}
	errs := make(chan error, len(servers))
	for i, srv := range servers {
		go func() {
			if err := srv.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- err
			}
		}()
	}
	s.log.Info("listening", "public", public.Addr().String(), "internal", internal.Addr().String())

	select {
	case err := <-errs:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Not ready first, so the load balancer stops sending; then close and drain.
	s.draining.Store(true)
	s.log.Info("shutting down: readiness off", "delay", s.cfg.ShutdownDelay.String())
	time.Sleep(s.cfg.ShutdownDelay)
	s.closing.Store(true)
	drainCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var shutdownErr error
	for _, srv := range servers {
		if err := srv.Shutdown(drainCtx); err != nil {
			shutdownErr = errors.Join(shutdownErr, fmt.Errorf("drain: %w", err))
		}
	}
	s.log.Info("shut down", "error", shutdownErr)
	return shutdownErr
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// refuseWhenClosing answers requests that still arrive on kept-alive connections after
// the drain began with a clean 503 and closes the connection.
func (s *Server) refuseWhenClosing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.closing.Load() {
			w.Header().Set("Connection", "close")
			problem.Write(w, r, problem.Unavailable("shutting down"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A browser's form post goes on to the handler, whose read then fails at the limit
		// (http.MaxBytesError), so a page can tell the user in their language; an API
		// caller gets the problem at once.
		if r.ContentLength > s.cfg.MaxBodyBytes && !browserForm(r) {
			problem.Write(w, r, problem.New(http.StatusRequestEntityTooLarge, "body-too-large",
				fmt.Sprintf("request body exceeds %d bytes", s.cfg.MaxBodyBytes)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// browserForm reports whether r is an HTML form submission from a browser.
func browserForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	form := strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
	return form && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// recoverPanics turns a handler panic into a logged 500 problem; the stack trace goes to
// the log, never to the client.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "handler panic", "panic", fmt.Sprint(v), "method", r.Method, "path", r.URL.Path)
				problem.Write(w, r, problem.Internal())
			}
		}()
		next.ServeHTTP(w, r)
	})
}
