package audit_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/audit"
	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/authn/authntest"
	"github.com/planta-dev/planta/libs/clientip"
)

type memorySink struct {
	mu     sync.Mutex
	events []audit.Event
}

func (m *memorySink) Record(_ context.Context, e audit.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}

func TestImpersonatedWritesAreAudited(t *testing.T) {
	sessions := authntest.NewServer(t, nil)
	sink := &memorySink{}
	m := mux.NewRouter()
	ips, _ := clientip.New(nil)
	m.Use(audit.ImpersonationWrites("inventory", sink, ips, slog.New(slog.NewTextHandler(io.Discard, nil))))
	rt := authn.NewRouter(m, authn.NewSessionClient(sessions.URL, sessions.Client()), slog.Default())
	rt.HandleFunc(http.MethodPost, "/stock/{id}", authn.RequireTenant(), func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/bad") {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	rt.HandleFunc(http.MethodGet, "/stock/{id}", authn.RequireTenant(), func(http.ResponseWriter, *http.Request) {})

	viewing := sessions.Issue(authn.Principal{UserID: "c1", Username: "acme", Role: authn.RoleCliente,
		Act: &authn.Actor{UserID: "s1", Username: "superadmin"}})
	own := sessions.Issue(authn.Principal{UserID: "c1", Username: "acme", Role: authn.RoleCliente})
	call := func(method, path, token string) {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		m.ServeHTTP(httptest.NewRecorder(), req)
	}
	call(http.MethodPost, "/stock/7", viewing) // audited
	call(http.MethodPost, "/stock/bad", viewing)
	call(http.MethodGet, "/stock/7", viewing)
	call(http.MethodPost, "/stock/7", own)

	if len(sink.events) != 1 {
		t.Fatalf("want exactly the one successful impersonated write audited, got %+v", sink.events)
	}
	e := sink.events[0]
	if e.ActorID != "s1" || e.SubjectID != "c1" || e.Action != "POST /stock/{id}" || e.Target != "/stock/7" || e.Status != 201 {
		t.Fatalf("unexpected event %+v", e)
	}
}

func TestClientPostsToAdminService(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Method + " " + r.URL.Path + " " + string(b)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	err := audit.NewClient(srv.URL, srv.Client()).Record(context.Background(), audit.Event{Action: "x", ActorID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "POST "+audit.EventsPath) || !strings.Contains(got, `"actor_id":"s1"`) {
		t.Fatalf("got %q", got)
	}
}
