package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/httpserver"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/redisx"
	"github.com/planta-dev/planta/libs/redisx/redistest"

	"github.com/planta-dev/planta/services/session/internal/httpapi"
	"github.com/planta-dev/planta/services/session/internal/session"
	"github.com/planta-dev/planta/services/session/internal/store"
)

// benchService wires the service as production does (tracing SDK on, Redis instrumented,
// metrics registered) and returns its internal listener and one session token.
func benchService(b *testing.B) (*httptest.Server, *session.Manager, string) {
	b.Helper()
	ctx := context.Background()
	tel, err := observability.Setup(ctx, observability.Options{Service: "session", LogOutput: io.Discard, Getenv: func(string) string { return "" }})
	if err != nil {
		b.Fatal(err)
	}
	_, keys := redistest.New(b)
	client, err := redisx.Connect(redistest.URL(), tel.TracerProvider)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Close() })
	srv := httpserver.New(httpserver.DefaultConfig(), tel)
	st := store.New(client, keys)
	b.Cleanup(st.Close)
	m := session.NewManager(st, session.DefaultConfig(), session.Options{
		Logger: tel.Logger, TracerProvider: tel.TracerProvider, Metrics: session.NewMetrics(tel.Registry),
	})
	httpapi.Register(authn.NewRouter(srv.Public, httpapi.Validator{M: m}, tel.Logger), authn.NewRouter(srv.Internal, nil, tel.Logger), m, tel.Logger)
	ts := httptest.NewServer(srv.Handler(srv.Internal))
	b.Cleanup(ts.Close)
	token, _, err := m.Create(ctx, session.NewSession{UserID: "bench", Username: "bench", Role: session.RoleCliente})
	if err != nil {
		b.Fatal(err)
	}
	return ts, m, token
}

// BenchmarkValidateHTTP is the hot path as other services call it: POST validate with
// touch=true over HTTP (50 concurrent clients per GOMAXPROCS unit / parallelism).
func BenchmarkValidateHTTP(b *testing.B) {
	ts, _, token := benchService(b)
	body, _ := json.Marshal(authn.ValidateRequest{Token: token, Touch: true})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(25)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(ts.URL+authn.ValidatePath, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkValidateInProcess is the Manager alone: one Lua round trip to Redis.
func BenchmarkValidateInProcess(b *testing.B) {
	_, m, token := benchService(b)
	ctx := context.Background()
	b.SetParallelism(25)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Validate(ctx, token, true); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
