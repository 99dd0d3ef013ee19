package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/config"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/redisx"
	"github.com/planta-dev/planta/libs/redisx/redistest"
	"github.com/planta-dev/planta/libs/service"

	"github.com/planta-dev/planta/services/session/internal/app"
	"github.com/planta-dev/planta/services/session/internal/session"
)

// syncBuffer collects log lines written from handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// service is the session service wired exactly as service.Main wires it (app.Spec's
// Validator and Setup on real listeners' routers), with captured logs and spans.
type svc struct {
	t        *testing.T
	public   *httptest.Server
	internal *httptest.Server
	logs     *syncBuffer
	spans    *tracetest.InMemoryExporter
	deps     *service.Deps
}

// start wires the service on the Redis at redisURL under keys.
func start(t *testing.T, redisURL string, keys redisx.Keyspace) *svc {
	t.Helper()
	ctx := context.Background()
	logs, spans := &syncBuffer{}, tracetest.NewInMemoryExporter()
	tel, err := observability.Setup(ctx, observability.Options{
		Service: "session", Version: "test", LogLevel: "debug", LogOutput: logs, Exporter: spans,
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	client, err := redisx.Connect(redisURL, tel.TracerProvider)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	cfg := httpserver.DefaultConfig()
	d := &service.Deps{
		Name: "session", Version: "test", Tel: tel, Log: tel.Logger,
		Env:    config.New(func(string) (string, bool) { return "", false }, nil),
		Server: httpserver.New(cfg, tel), Redis: client, Keys: keys,
	}
	spec := app.Spec("test")
	if spec.Validator == nil || spec.OpenAPI == nil {
		t.Fatal("the session service must validate in-process and serve its OpenAPI document")
	}
	if d.Validator, err = spec.Validator(d); err != nil {
		t.Fatal(err)
	}
	d.Public = authn.NewRouter(d.Server.Public, d.Validator, d.Log)
	d.Internal = authn.NewRouter(d.Server.Internal, nil, d.Log)
	if err := spec.Setup(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := d.Env.Err(); err != nil {
		t.Fatal(err)
	}
	if err := d.Public.CheckGuarded(d.Server.Public); err != nil {
		t.Fatal(err)
	}
	if err := d.Internal.CheckGuarded(d.Server.Internal, httpserver.OperationalPaths()...); err != nil {
		t.Fatal(err)
	}
	s := &svc{t: t, logs: logs, spans: spans, deps: d,
		public:   httptest.NewServer(d.Server.Handler(d.Server.Public)),
		internal: httptest.NewServer(d.Server.Handler(d.Server.Internal)),
	}
	t.Cleanup(s.public.Close)
	t.Cleanup(s.internal.Close)
	return s
}

func newSvc(t *testing.T) *svc {
	_, keys := redistest.New(t)
	return start(t, redistest.URL(), keys)
}

type response struct {
	status int
	body   []byte
	ctype  string
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func do(t *testing.T, base, method, path, bearer string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: b, ctype: resp.Header.Get("Content-Type")}
}

type issued struct {
	Token   string         `json:"token"`
	Session map[string]any `json:"session"`
}

func (s *svc) login(userID, role string) issued {
	s.t.Helper()
	r := do(s.t, s.internal.URL, "POST", "/internal/v1/sessions", "", map[string]any{
		"user_id": userID, "username": "name-" + userID, "role": role,
		"must_change_password": false, "ip": "198.51.100.4", "user_agent": "Mozilla/5.0 test",
	})
	if r.status != http.StatusCreated {
		s.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var out issued
	r.json(s.t, &out)
	return out
}

func (s *svc) validate(token string, touch bool) response {
	s.t.Helper()
	return do(s.t, s.internal.URL, "POST", authn.ValidatePath, "", authn.ValidateRequest{Token: token, Touch: touch})
}

func TestInternalAPIContract(t *testing.T) {
	s := newSvc(t)
	sa := s.login("s1", "superadmin")
	wantKeys := []string{"id", "user_id", "created_at", "last_seen_at", "idle_expires_at", "expires_at", "ip", "user_agent", "impersonation"}
	for _, k := range wantKeys {
		if _, ok := sa.Session[k]; !ok {
			t.Errorf("session lacks %q: %v", k, sa.Session)
		}
	}
	if sa.Session["impersonation"] != false || len(sa.Token) != session.TokenLen {
		t.Fatalf("created %+v", sa)
	}
	if again := s.login("s1", "superadmin"); again.Token == sa.Token {
		t.Fatal("a new token at every login")
	}

	r := s.validate(sa.Token, true)
	var p authn.Principal
	r.json(t, &p)
	if r.status != 200 || p.UserID != "s1" || p.Role != authn.RoleSuperadmin || p.SessionID != sa.Session["id"] {
		t.Fatalf("validate: %d %s", r.status, r.body)
	}
	if r := s.validate("forged", true); r.status != 401 || r.ctype != "application/problem+json" {
		t.Fatalf("forged token: %d %s", r.status, r.ctype)
	}
	// Strict input: unknown fields and bad values are 400/422 and change nothing.
	if r := do(t, s.internal.URL, "POST", "/internal/v1/sessions", "", map[string]any{"user_id": "u", "username": "u", "role": "root"}); r.status != 422 {
		t.Fatalf("bad role: %d", r.status)
	}
	if r := do(t, s.internal.URL, "POST", "/internal/v1/sessions", "", map[string]any{"user_id": "u", "password": "x"}); r.status != 400 {
		t.Fatalf("unknown field: %d", r.status)
	}

	// Impersonation: 422 non-cliente target, 403 non-superadmin actor, 401 bad actor, 409 nesting.
	target := map[string]any{"user_id": "c1", "username": "acme", "role": "cliente"}
	adminTok := s.login("a1", "admin").Token
	cases := []struct {
		actor  string
		target map[string]any
		status int
	}{
		{adminTok, target, 403},
		{"nope", target, 401},
		{sa.Token, map[string]any{"user_id": "a1", "username": "adm", "role": "admin"}, 422},
	}
	for _, c := range cases {
		r := do(t, s.internal.URL, "POST", "/internal/v1/impersonations", "", map[string]any{"actor_token": c.actor, "target": c.target, "reason": "support"})
		if r.status != c.status {
			t.Errorf("impersonation %v: %d %s, want %d", c.target, r.status, r.body, c.status)
		}
	}
	r = do(t, s.internal.URL, "POST", "/internal/v1/impersonations", "", map[string]any{"actor_token": sa.Token, "target": target, "reason": "support"})
	if r.status != 201 {
		t.Fatalf("start impersonation: %d %s", r.status, r.body)
	}
	var imp issued
	r.json(t, &imp)
	if imp.Session["impersonation"] != true {
		t.Fatalf("impersonation session %v", imp.Session)
	}
	r = s.validate(imp.Token, true)
	r.json(t, &p)
	if p.UserID != "c1" || p.Act == nil || p.Act.UserID != "s1" || p.Act.SessionID != sa.Session["id"] {
		t.Fatalf("impersonation principal %s", r.body)
	}
	if r := do(t, s.internal.URL, "POST", "/internal/v1/impersonations", "", map[string]any{"actor_token": imp.Token, "target": target, "reason": "x"}); r.status != 409 {
		t.Fatalf("nested impersonation: %d", r.status)
	}
	r = do(t, s.internal.URL, "POST", "/internal/v1/impersonations/stop", "", map[string]any{"token": imp.Token})
	if r.status != 200 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	var back issued
	r.json(t, &back)
	if s.validate(sa.Token, false).status != 401 || s.validate(imp.Token, false).status != 401 || s.validate(back.Token, false).status != 200 {
		t.Fatal("stop must invalidate both old tokens and return a valid new one")
	}

	// Lists, delete by id, revoke-all.
	c := s.login("c9", "cliente")
	c2 := s.login("c9", "cliente")
	var list struct {
		Items []map[string]any `json:"items"`
	}
	r = do(t, s.internal.URL, "GET", "/internal/v1/users/c9/sessions", "", nil)
	r.json(t, &list)
	if r.status != 200 || len(list.Items) != 2 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if r := do(t, s.internal.URL, "DELETE", "/internal/v1/users/s1/sessions/"+c.Session["id"].(string), "", nil); r.status != 404 {
		t.Fatalf("delete through another user: %d", r.status)
	}
	if r := do(t, s.internal.URL, "DELETE", "/internal/v1/users/c9/sessions/"+c.Session["id"].(string), "", nil); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	c3 := s.login("c9", "cliente")
	r = do(t, s.internal.URL, "POST", "/internal/v1/users/c9/sessions/revoke-all", "", map[string]any{"except_session_id": c3.Session["id"]})
	if r.status != 204 || s.validate(c2.Token, false).status != 401 || s.validate(c3.Token, false).status != 200 {
		t.Fatalf("revoke-all except: %d", r.status)
	}
	if r := do(t, s.internal.URL, "POST", "/internal/v1/users/c9/sessions/revoke-all", "", nil); r.status != 204 || s.validate(c3.Token, false).status != 401 {
		t.Fatalf("revoke-all without body: %d", r.status)
	}
	if r := do(t, s.internal.URL, "POST", "/internal/v1/sessions/revoke", "", map[string]any{"token": back.Token}); r.status != 204 || s.validate(back.Token, false).status != 401 {
		t.Fatalf("revoke: %d", r.status)
	}
}

// TestPublicRouteGuards proves every public route's guard, registration included.
func TestPublicRouteGuards(t *testing.T) {
	s := newSvc(t)
	want := map[string]string{
		"GET /api/v1/sessions":                "authenticated",
		"DELETE /api/v1/sessions/{id}":        "authenticated,not-impersonating",
		"POST /api/v1/sessions/revoke-others": "authenticated,not-impersonating",
	}
	got := map[string]string{}
	for _, r := range s.deps.Public.Routes() {
		got[r.Method+" "+r.Path] = r.Guard.Name()
	}
	for route, guard := range want {
		if got[route] != guard {
			t.Errorf("%s: guard %q, want %q", route, got[route], guard)
		}
	}
	for _, r := range s.deps.Internal.Routes() {
		if r.Guard.Name() != "internal" {
			t.Errorf("internal route %s %s has guard %s", r.Method, r.Path, r.Guard.Name())
		}
	}

	sa := s.login("s1", "superadmin")
	r := do(t, s.internal.URL, "POST", "/internal/v1/impersonations", "", map[string]any{
		"actor_token": sa.Token, "target": map[string]any{"user_id": "c1", "username": "acme", "role": "cliente"}, "reason": "r"})
	var imp issued
	r.json(t, &imp)
	user := s.login("u1", "cliente")
	calls := []struct{ method, path string }{
		{"GET", "/api/v1/sessions"},
		{"DELETE", "/api/v1/sessions/" + user.Session["id"].(string)},
		{"POST", "/api/v1/sessions/revoke-others"},
	}
	for _, c := range calls {
		if r := do(t, s.public.URL, c.method, c.path, "", nil); r.status != 401 {
			t.Errorf("%s %s anonymous: %d, want 401", c.method, c.path, r.status)
		}
		if r := do(t, s.public.URL, c.method, c.path, "garbage", nil); r.status != 401 {
			t.Errorf("%s %s bad token: %d, want 401", c.method, c.path, r.status)
		}
		if c.method != "GET" {
			if r := do(t, s.public.URL, c.method, c.path, imp.Token, nil); r.status != 403 {
				t.Errorf("%s %s impersonating: %d, want 403", c.method, c.path, r.status)
			}
		}
	}
	if s.validate(user.Token, false).status != 200 {
		t.Fatal("refused calls must change nothing")
	}
}

func TestUsersSeeAndDeleteOnlyTheirOwnSessions(t *testing.T) {
	s := newSvc(t)
	a1, a2 := s.login("alice", "cliente"), s.login("alice", "cliente")
	b := s.login("bob", "cliente")

	var list struct {
		Items []struct {
			ID      string `json:"id"`
			UserID  string `json:"user_id"`
			Current *bool  `json:"current"`
		} `json:"items"`
	}
	r := do(t, s.public.URL, "GET", "/api/v1/sessions", a1.Token, nil)
	r.json(t, &list)
	if r.status != 200 || len(list.Items) != 2 {
		t.Fatalf("alice's list: %d %s", r.status, r.body)
	}
	for _, it := range list.Items {
		if it.UserID != "alice" || it.ID == b.Session["id"] {
			t.Fatalf("alice sees a session of %s", it.UserID)
		}
		if it.Current == nil || *it.Current != (it.ID == a1.Session["id"]) {
			t.Fatalf("current marking wrong: %+v", it)
		}
	}
	// Bob cannot delete Alice's session: 404, and it still works.
	if r := do(t, s.public.URL, "DELETE", "/api/v1/sessions/"+a2.Session["id"].(string), b.Token, nil); r.status != 404 {
		t.Fatalf("bob deleting alice's session: %d", r.status)
	}
	if s.validate(a2.Token, false).status != 200 {
		t.Fatal("alice's session was deleted by bob")
	}
	// Revoke-others of Bob leaves Alice alone; Alice's keeps her current session.
	if r := do(t, s.public.URL, "POST", "/api/v1/sessions/revoke-others", b.Token, nil); r.status != 204 {
		t.Fatalf("bob revoke-others: %d %s", r.status, r.body)
	}
	if s.validate(a1.Token, false).status != 200 || s.validate(a2.Token, false).status != 200 || s.validate(b.Token, false).status != 200 {
		t.Fatal("revoke-others touched the wrong sessions")
	}
	if r := do(t, s.public.URL, "DELETE", "/api/v1/sessions/"+a2.Session["id"].(string), a1.Token, nil); r.status != 204 {
		t.Fatalf("alice deleting her own session: %d", r.status)
	}
	if r := do(t, s.public.URL, "POST", "/api/v1/sessions/revoke-others", a1.Token, nil); r.status != 204 {
		t.Fatalf("alice revoke-others: %d", r.status)
	}
	if s.validate(a2.Token, false).status != 401 || s.validate(a1.Token, false).status != 200 {
		t.Fatal("alice's own deletes did not apply")
	}
}

// TestTokenNeverInLogsOrSpans drives every operation, failures included, and searches
// the captured JSON logs and every span (names, attributes, events) for tokens and their
// hashes.
func TestTokenNeverInLogsOrSpans(t *testing.T) {
	s := newSvc(t)
	sa := s.login("s1", "superadmin")
	cl := s.login("c1", "cliente")
	s.validate(sa.Token, true)
	do(t, s.public.URL, "GET", "/api/v1/sessions", sa.Token, nil)
	r := do(t, s.internal.URL, "POST", "/internal/v1/impersonations", "", map[string]any{
		"actor_token": sa.Token, "target": map[string]any{"user_id": "c1", "username": "acme", "role": "cliente"}, "reason": "r"})
	var imp issued
	r.json(t, &imp)
	s.validate(imp.Token, true)
	do(t, s.internal.URL, "POST", "/internal/v1/impersonations", "", map[string]any{
		"actor_token": imp.Token, "target": map[string]any{"user_id": "c2", "username": "b", "role": "cliente"}, "reason": "r"})
	r = do(t, s.internal.URL, "POST", "/internal/v1/impersonations/stop", "", map[string]any{"token": imp.Token})
	var back issued
	r.json(t, &back)
	do(t, s.public.URL, "POST", "/api/v1/sessions/revoke-others", back.Token, nil)
	do(t, s.internal.URL, "POST", "/internal/v1/sessions/revoke", "", map[string]any{"token": cl.Token})
	s.validate(cl.Token, true) // now invalid

	tokens := []string{sa.Token, cl.Token, imp.Token, back.Token}
	logs := s.logs.String()
	spans := s.spans.GetSpans()
	if !strings.Contains(logs, "impersonation started") || !strings.Contains(logs, sa.Session["id"].(string)) || len(spans) < 10 {
		t.Fatalf("the capture is not seeing the service (%d spans, logs:\n%s)", len(spans), logs)
	}
	var spanText strings.Builder
	for _, sp := range spans {
		fmt.Fprintln(&spanText, sp.Name, sp.Status.Description)
		for _, a := range sp.Attributes {
			fmt.Fprintln(&spanText, a.Key, a.Value.Emit())
		}
		for _, e := range sp.Events {
			fmt.Fprintln(&spanText, e.Name)
			for _, a := range e.Attributes {
				fmt.Fprintln(&spanText, a.Key, a.Value.Emit())
			}
		}
	}
	for i, tok := range tokens {
		for what, text := range map[string]string{"logs": logs, "spans": spanText.String()} {
			if strings.Contains(text, tok) {
				t.Errorf("token %d appears in the %s", i, what)
			}
			if strings.Contains(text, session.HashToken(tok)) {
				t.Errorf("token hash %d appears in the %s", i, what)
			}
		}
	}
}

// redisServer runs a private redis-server on a free port.
type redisServer struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func (r *redisServer) start() {
	r.t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		r.t.Fatalf("redis-server is required for this test (apt-get install redis-server): %v", err)
	}
	r.cmd = exec.Command(bin, "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	client := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), MaxRetries: -1})
	defer func() { _ = client.Close() }()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if client.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("redis-server did not come up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func TestRedisDownAnswers503AndRecovers(t *testing.T) {
	rs := &redisServer{t: t, port: freePort(t)}
	rs.start()
	t.Cleanup(rs.stop)
	s := start(t, fmt.Sprintf("redis://127.0.0.1:%d/0", rs.port), redisx.Keyspace{Prefix: "planta:"})
	s.waitFeed(1)
	before := s.login("u1", "cliente")
	if s.validate(before.Token, true).status != 200 {
		t.Fatal("validate before the outage")
	}
	s.validate(before.Token, true) // answered from the validation cache

	rs.stop()
	// The revocation feed's connection dies with the server: the cache is dropped as
	// soon as that is read, and from then on every validation needs Redis.
	s.waitFeed(0)
	if r := s.validate(before.Token, true); r.status != 503 || r.ctype != "application/problem+json" {
		t.Fatalf("validate with Redis down: %d %s, want 503 (never allow)", r.status, r.body)
	}
	if r := do(t, s.internal.URL, "POST", "/internal/v1/sessions", "", map[string]any{"user_id": "u1", "username": "u", "role": "cliente"}); r.status != 503 {
		t.Fatalf("create with Redis down: %d", r.status)
	}
	if r := do(t, s.public.URL, "GET", "/api/v1/sessions", before.Token, nil); r.status != 503 {
		t.Fatalf("public route with Redis down: %d", r.status)
	}

	rs.start()
	// The same client recovers by itself (reconnects, reloads the scripts).
	deadline := time.Now().Add(10 * time.Second)
	for s.validate(before.Token, true).status == 503 {
		if time.Now().After(deadline) {
			t.Fatal("the service did not recover after Redis came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.waitFeed(1) // resubscribed by itself
	// That Redis kept nothing (--save ''): the old session is gone, which is a 401, not a 503.
	if r := s.validate(before.Token, true); r.status != 401 {
		t.Fatalf("old session after a Redis restart without persistence: %d", r.status)
	}
	after := s.login("u1", "cliente")
	if s.validate(after.Token, true).status != 200 {
		t.Fatal("new session after recovery")
	}
	if r := do(t, s.public.URL, "GET", "/api/v1/sessions", after.Token, nil); r.status != 200 {
		t.Fatalf("public route after recovery: %d", r.status)
	}
}

// waitFeed waits until planta_session_revocation_feed_up is want.
func (s *svc) waitFeed(want float64) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		families, err := s.deps.Tel.Registry.Gather()
		if err != nil {
			s.t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "planta_session_revocation_feed_up" && f.GetMetric()[0].GetGauge().GetValue() == want {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("planta_session_revocation_feed_up did not become %v", want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMetricsExposed(t *testing.T) {
	s := newSvc(t)
	s.waitFeed(1)
	tok := s.login("u1", "cliente").Token
	s.login("u2", "cliente")
	s.validate(tok, true)
	s.validate(tok, true)
	do(t, s.internal.URL, "POST", "/internal/v1/sessions/revoke", "", map[string]any{"token": tok})
	r := do(t, s.internal.URL, "GET", "/metrics", "", nil)
	text := string(r.body)
	for _, want := range []string{
		`planta_sessions_active{service="session"} 1`,
		`planta_session_validate_duration_seconds_count{result="valid",service="session"} 2`,
		`planta_session_validate_cache_total{result="hit",service="session"} 1`,
		`planta_session_validate_cache_total{result="miss",service="session"} 1`,
		`planta_session_validate_cache_entries{service="session"} 0`, // the logout dropped it
		`planta_session_revocation_feed_up{service="session"} 1`,
		`planta_sessions_created_total{kind="login",service="session"} 2`,
		`planta_sessions_revoked_total{reason="logout",service="session"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOpenAPIDocumentsEveryPublicRoute(t *testing.T) {
	s := newSvc(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(app.Spec("test").OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	for _, r := range s.deps.Public.Routes() {
		if _, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, r.Path)
		}
	}
}

// wireWithEnv builds the session service's Manager (through Spec.Validator) with the
// given environment, and returns the Deps so the test can read its config errors and
// metrics.
func wireWithEnv(t *testing.T, env map[string]string) *service.Deps {
	t.Helper()
	client, keys := redistest.New(t)
	tel, err := observability.Setup(context.Background(), observability.Options{
		Service: "session", Version: "test", LogLevel: "error", LogOutput: io.Discard,
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	d := &service.Deps{Name: "session", Tel: tel, Log: tel.Logger, Redis: client, Keys: keys,
		Env: config.New(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)}
	if _, err := app.Spec("test").Validator(d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestValidateCacheSettingsAreChecked(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"TTL as long as the idle timeout": {app.EnvValidateCacheTTL: "30m"},
		"negative TTL":                    {app.EnvValidateCacheTTL: "-1s"},
		"TTL beyond a short idle timeout": {app.EnvIdleTimeout: "2s", app.EnvValidateCacheTTL: "5s"},
		"size zero":                       {app.EnvValidateCacheSize: "0"},
	} {
		t.Run(name, func(t *testing.T) {
			if wireWithEnv(t, env).Env.Err() == nil {
				t.Fatalf("%v was accepted", env)
			}
		})
	}
}

func TestValidateCacheCanBeTurnedOff(t *testing.T) {
	d := wireWithEnv(t, map[string]string{app.EnvValidateCacheTTL: "0"})
	if err := d.Env.Err(); err != nil {
		t.Fatalf("TTL 0: %v", err)
	}
	families, _ := d.Tel.Registry.Gather()
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "planta_session_validate_cache") {
			t.Errorf("%s exported with the cache off", f.GetName())
		}
	}
}
