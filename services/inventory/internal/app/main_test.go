package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/planta-dev/planta/libs/audit"
	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/pgxx"
	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/planta-dev/planta/services/inventory/internal/app"
	"github.com/planta-dev/planta/services/inventory/internal/store"
	"github.com/planta-dev/planta/services/inventory/migrations"
)

// pool is the package's one database: tests isolate themselves by tenant.
var pool *pgxpool.Pool

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inventory tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// run creates the shared database (pgxtest's naming, dropped afterwards) and migrates it.
func run(m *testing.M) (int, error) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgxtest.ServerURL())
	if err != nil {
		return 0, fmt.Errorf("connect to test postgres: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "planta_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return 0, err
	}
	defer func() {
		if pool != nil {
			pool.Close()
		}
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close(context.Background())
	}()
	u, _ := url.Parse(pgxtest.ServerURL())
	u.Path = "/" + name
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return 0, err
	}
	cfg.MaxConns = 40
	if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return 0, err
	}
	ms, err := pgxx.LoadMigrations(migrations.FS, ".")
	if err != nil {
		return 0, err
	}
	if _, err := pgxx.Migrate(ctx, pool, "inventory", ms); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// fakeSink records audit events.
type fakeSink struct {
	mu     sync.Mutex
	events []audit.Event
}

func (s *fakeSink) Record(_ context.Context, e audit.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
	return nil
}

func (s *fakeSink) all() []audit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]audit.Event(nil), s.events...)
}

// env is one running inventory API behind the real middleware chain.
type env struct {
	t      testing.TB
	url    string
	auth   *authntest.Server
	sink   *fakeSink
	router *authn.Router
	server *httpserver.Server
	store  *store.Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: "inventory", LogLevel: "error", LogOutput: io.Discard,
		Getenv: func(k string) string {
			if k == "OTEL_SDK_DISABLED" {
				return "true"
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	auth := authntest.NewServer(t, nil)
	srv := httpserver.New(httpserver.DefaultConfig(), tel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := authn.NewRouter(srv.Public, authn.NewSessionClient(auth.URL, &http.Client{Timeout: 10 * time.Second}), log)
	st := store.New(pool, tel.TracerProvider, log, time.Now)
	sink := &fakeSink{}
	app.Mount(srv, rt, st, sink, nil, log)
	// Every net-change run in these tests checks that the change journal missed nothing:
	// the patched input must equal a full reload and Patch must equal Compile.
	app.MountMRP(rt, st, tel.Registry, tel.TracerProvider, log).VerifyNetChange(true)
	hs := httptest.NewServer(srv.Handler(srv.Public))
	t.Cleanup(hs.Close)
	return &env{t: t, url: hs.URL, auth: auth, sink: sink, router: rt, server: srv, store: st}
}

// client calls the API as one principal.
type client struct {
	e      *env
	token  string
	tenant string
}

func (e *env) cliente() *client {
	id := uuid.NewString()
	return &client{e: e, tenant: id, token: e.auth.Issue(authn.Principal{UserID: id, Username: "c-" + id[:8], Role: authn.RoleCliente})}
}

func (e *env) as(p authn.Principal) *client {
	tenant, _ := p.TenantID()
	return &client{e: e, tenant: tenant, token: e.auth.Issue(p)}
}

var httpc = &http.Client{Timeout: 30 * time.Second}

// do sends a request; body may be nil, a string (raw) or a value (JSON).
func (c *client) do(method, path string, body any) (int, []byte, http.Header) {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	if !strings.HasPrefix(path, "/api/") {
		path = "/api/v1/inventory" + path
	}
	req, err := http.NewRequest(method, c.e.url+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

// must sends a request, fails unless the status is want, and decodes into out.
func (c *client) must(method, path string, body any, want int, out any) {
	c.e.t.Helper()
	code, b, _ := c.do(method, path, body)
	if code != want {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.e.t.Fatalf("%s %s: decode: %v: %s", method, path, err, b)
		}
	}
}

type obj = map[string]any

func (c *client) create(path string, body any) obj {
	c.e.t.Helper()
	var o obj
	c.must(http.MethodPost, path, body, http.StatusCreated, &o)
	return o
}

// fixture is a tenant's basic master data.
type fixture struct {
	principal, obra, budget string
	materials               []string
}

func (c *client) setup(materials int) fixture {
	c.e.t.Helper()
	f := fixture{}
	c.must(http.MethodPut, "/tenant-profile", obj{"company_name": "Constructora <Prueba> SAC", "tax_id": "20100000001", "address": "Av. Lima 1"}, 200, nil)
	f.principal = c.create("/warehouses", obj{"name": "Central", "type": "principal", "location": "Lima", "address": "Av. 1"})["id"].(string)
	f.obra = c.create("/warehouses", obj{"name": "Obra Norte", "type": "obra", "location": "Lima", "address": "Av. 2"})["id"].(string)
	f.budget = c.create("/budgets", obj{"name": "Proyecto A", "amount_pen": "100000", "amount_usd": "25000"})["id"].(string)
	for i := 0; i < materials; i++ {
		m := c.create("/materials", obj{"code": fmt.Sprintf("MAT-%03d", i), "name": fmt.Sprintf("Material %d", i), "unit": "kg", "price_pen": "12.50", "price_usd": "3.40"})
		f.materials = append(f.materials, m["id"].(string))
	}
	return f
}

func (c *client) addStock(f fixture, material, qty string, budget *string) obj {
	c.e.t.Helper()
	body := obj{"warehouse_id": f.principal, "material_id": material, "qty": qty}
	if budget != nil {
		body["budget_id"] = *budget
	}
	return c.create("/stock-additions", body)
}

// reconcile asks the reconciliation endpoint and fails on a mismatch.
func (c *client) reconcile() {
	c.e.t.Helper()
	var rec struct {
		Balanced   bool  `json:"balanced"`
		Lines      int   `json:"lines_checked"`
		Mismatches []obj `json:"mismatches"`
	}
	c.must(http.MethodGet, "/reconciliation", nil, 200, &rec)
	if !rec.Balanced {
		c.e.t.Fatalf("ledger does not reconcile: %v", rec.Mismatches)
	}
}

func mustJSON(t testing.TB, b []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
