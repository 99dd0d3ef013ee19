// Package identitytest assembles the identity service for tests: a fresh Postgres
// database with the migrations applied, a private Redis keyspace, the session-service
// stand-in, a counting bcrypt hasher at cost 4, a fake clock and captured logs, wired
// through the production app.Build and served by real routers.
package identitytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/config"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"
	"github.com/planta-dev/planta/libs/redisx/redistest"
	"github.com/planta-dev/planta/libs/service"
	"github.com/redis/go-redis/v9"

	"github.com/planta-dev/planta/services/identity/internal/app"
	"github.com/planta-dev/planta/services/identity/internal/password"
	"github.com/planta-dev/planta/services/identity/internal/sessionclient/sessionfake"
	"github.com/planta-dev/planta/services/identity/migrations"
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// CountingHasher is bcrypt at cost 4 that counts compares, per hash and in total.
type CountingHasher struct {
	inner  password.Bcrypt
	mu     sync.Mutex
	byHash map[string]int
	total  int
}

// NewCountingHasher returns a cost-4 counting hasher.
func NewCountingHasher() *CountingHasher {
	return &CountingHasher{inner: password.Bcrypt{Cost: 4}, byHash: map[string]int{}}
}

// Hash implements password.Hasher.
func (h *CountingHasher) Hash(ctx context.Context, pw string) (string, error) {
	return h.inner.Hash(ctx, pw)
}

// Compare implements password.Hasher.
func (h *CountingHasher) Compare(ctx context.Context, hash, pw string) error {
	h.mu.Lock()
	h.byHash[hash]++
	h.total++
	h.mu.Unlock()
	return h.inner.Compare(ctx, hash, pw)
}

// Total counts every compare; Against counts compares against one hash.
func (h *CountingHasher) Total() int { h.mu.Lock(); defer h.mu.Unlock(); return h.total }

// Against counts compares against hash.
func (h *CountingHasher) Against(hash string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byHash[hash]
}

// Reset zeroes the counters.
func (h *CountingHasher) Reset() {
	h.mu.Lock()
	h.byHash, h.total = map[string]int{}, 0
	h.mu.Unlock()
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Env is an assembled identity service.
type Env struct {
	T        testing.TB
	Pool     *pgxpool.Pool
	Redis    *redis.Client
	Sessions *sessionfake.Server
	Hasher   *CountingHasher
	Clock    *Clock
	Config   app.Config
	Parts    *app.Parts
	Public   http.Handler
	Internal http.Handler
	Routers  [2]*authn.Router
	Server   *httpserver.Server
	logs     *syncBuffer
}

// Logs returns everything logged so far (JSON lines).
func (e *Env) Logs() string { return e.logs.String() }

// Options adjust the environment.
type Options struct {
	Vars map[string]string
	// Configure edits the configuration after it is loaded.
	Configure func(*app.Config)
	// DeclarativeYAML, when set, is the declarative users file.
	DeclarativeYAML string
	// DevMode is PLANTA_DEV_MODE.
	DevMode bool
	// Hasher replaces the counting cost-4 hasher (benchmarks use production cost).
	Hasher password.Hasher
}

// New assembles the service. Superadmin password: "Superadmin-Test-1" unless Vars says otherwise.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	ctx := context.Background()
	pool := pgxtest.NewPool(t)
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgxx.Migrate(ctx, pool, "identity", ms); err != nil {
		t.Fatal(err)
	}
	rdb, keys := redistest.New(t)
	sessions := sessionfake.New(t)
	logs := &syncBuffer{}
	vars := map[string]string{
		"PLANTA_SUPERADMIN_PASSWORD": "Superadmin-Test-1",
		"PLANTA_SESSION_URL":         sessions.URL,
		"PLANTA_LOGIN_RATE_LIMIT":    "1000",
		"PLANTA_BCRYPT_CONCURRENCY":  "64",
		"PLANTA_BCRYPT_QUEUE":        "64",
	}
	for k, v := range opts.Vars {
		if v == "" {
			delete(vars, k)
			continue
		}
		vars[k] = v
	}
	env := config.New(func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		func(string) ([]byte, error) { return []byte(opts.DeclarativeYAML), nil })
	tel, err := observability.Setup(ctx, observability.Options{Service: "identity", LogLevel: "debug", LogOutput: logs,
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(httpserver.DefaultConfig(), tel)
	d := &service.Deps{
		Name: "identity", Env: env, Tel: tel, Log: tel.Logger, Server: srv,
		Pool: pool, Redis: rdb, Keys: keys, HTTPClient: sessions.Client(),
		Sessions: authn.NewSessionClient(sessions.URL, sessions.Client()),
	}
	d.Validator = d.Sessions
	d.Public = authn.NewRouter(srv.Public, d.Validator, d.Log)
	d.Internal = authn.NewRouter(srv.Internal, nil, d.Log)
	cfg := app.LoadConfig(env, opts.DevMode, true)
	if opts.DeclarativeYAML != "" {
		cfg.DeclarativeUsersFile = "users.yaml"
	}
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	clock := &Clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	hasher := NewCountingHasher()
	var h password.Hasher = hasher
	if opts.Hasher != nil {
		h = opts.Hasher
	}
	parts, err := app.Build(ctx, d, cfg, h, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Bootstrap(ctx, parts, cfg, func(string) ([]byte, error) { return []byte(opts.DeclarativeYAML), nil }); err != nil {
		t.Fatal(err)
	}
	parts.API.Register(d.Public, d.Internal)
	return &Env{T: t, Pool: pool, Redis: rdb, Sessions: sessions, Hasher: hasher, Clock: clock, Config: cfg,
		Parts: parts, Public: srv.Handler(srv.Public), Internal: srv.Handler(srv.Internal),
		Routers: [2]*authn.Router{d.Public, d.Internal}, Server: srv, logs: logs}
}

// Request describes one call.
type Request struct {
	Method, Path string
	JSON         any
	Form         string
	Token        string
	Header       map[string]string
	RemoteAddr   string
}

// Do sends r to the public handler.
func (e *Env) Do(r Request) *httptest.ResponseRecorder { return e.serve(e.Public, r) }

// DoInternal sends r to the internal handler.
func (e *Env) DoInternal(r Request) *httptest.ResponseRecorder { return e.serve(e.Internal, r) }

func (e *Env) serve(h http.Handler, r Request) *httptest.ResponseRecorder {
	var body io.Reader
	ct := ""
	switch {
	case r.Form != "":
		body, ct = strings.NewReader(r.Form), "application/x-www-form-urlencoded"
	case r.JSON != nil:
		b, err := json.Marshal(r.JSON)
		if err != nil {
			e.T.Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = "198.51.100.7:40000"
	if r.RemoteAddr != "" {
		req.RemoteAddr = r.RemoteAddr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Login logs in and returns the recorder.
func (e *Env) Login(username, pw string) *httptest.ResponseRecorder {
	return e.Do(Request{Method: "POST", Path: "/api/v1/auth/login", JSON: map[string]string{"username": username, "password": pw}})
}

// MustLogin logs in and returns the token.
func (e *Env) MustLogin(username, pw string) string {
	e.T.Helper()
	rec := e.Login(username, pw)
	if rec.Code != 200 {
		e.T.Fatalf("login %s: %d %s", username, rec.Code, rec.Body)
	}
	var out struct {
		Token string `json:"token"`
	}
	Decode(e.T, rec, &out)
	return out.Token
}

// CreateUser creates an account through the internal API and returns its id.
func (e *Env) CreateUser(username, role, pw string) string {
	e.T.Helper()
	rec := e.DoInternal(Request{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{
		"username": username, "email": username + "@example.com", "full_name": "Test " + username,
		"role": role, "password": pw, "must_change_password": false,
	}})
	if rec.Code != 201 {
		e.T.Fatalf("create %s: %d %s", username, rec.Code, rec.Body)
	}
	var out struct {
		ID string `json:"id"`
	}
	Decode(e.T, rec, &out)
	return out.ID
}

// Decode unmarshals a response body.
func Decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}
