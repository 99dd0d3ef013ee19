// Package audit records who changed what while impersonating.
//
// The admin service owns the append-only audit log. Other services report to it through
// its internal API; ImpersonationWrites is the hook every service with tenant data
// installs, so that each successful write done by a superadmin acting as a cliente lands
// in the audit log with both identities.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/clientip"
	"github.com/planta-dev/planta/libs/observability"
)

// Event is one audit log entry.
type Event struct {
	Time            time.Time       `json:"time"`
	Service         string          `json:"service"`
	Action          string          `json:"action"`
	ActorID         string          `json:"actor_id"`
	ActorUsername   string          `json:"actor_username"`
	SubjectID       string          `json:"subject_id,omitempty"`
	SubjectUsername string          `json:"subject_username,omitempty"`
	Target          string          `json:"target,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	Before          json.RawMessage `json:"before,omitempty"`
	After           json.RawMessage `json:"after,omitempty"`
	Status          int             `json:"status,omitempty"`
	IP              string          `json:"ip,omitempty"`
	TraceID         string          `json:"trace_id,omitempty"`
}

// Sink stores events.
type Sink interface {
	Record(ctx context.Context, e Event) error
}

// EventsPath is the admin service's internal endpoint that receives events.
const EventsPath = "/internal/v1/audit-events"

// Client sends events to the admin service.
type Client struct {
	baseURL string
	http    *http.Client
}

// NewClient returns a Sink posting to the admin service's internal listener.
func NewClient(baseURL string, client *http.Client) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), http: client}
}

// Record implements Sink.
func (c *Client) Record(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+EventsPath, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build audit request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("send audit event: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("audit service answered %d", resp.StatusCode)
	}
	return nil
}

// ImpersonationWrites returns mux middleware that audits every successful state-changing
// request made while a superadmin impersonates a cliente. It records after the handler
// has answered; a failure to record is logged loudly (the write already happened and
// cannot be undone), and counted by the caller's logs-based alerting.
func ImpersonationWrites(service string, sink Sink, ips *clientip.Resolver, log *slog.Logger) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
				next.ServeHTTP(w, r)
				return
			}
			ctx, principal := authn.CapturePrincipal(r.Context())
			r = r.WithContext(ctx)
			rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			p, ok := principal()
			if !ok || !p.Impersonating() || rec.status >= 400 {
				return
			}
			route := r.URL.Path
			if cur := mux.CurrentRoute(r); cur != nil {
				if tpl, err := cur.GetPathTemplate(); err == nil {
					route = tpl
				}
			}
			e := Event{
				Time: time.Now().UTC(), Service: service, Action: r.Method + " " + route,
				ActorID: p.Act.UserID, ActorUsername: p.Act.Username,
				SubjectID: p.UserID, SubjectUsername: p.Username,
				Target: r.URL.Path, Status: rec.status, IP: ips.Of(r),
				TraceID: observability.TraceID(r.Context()),
			}
			if err := sink.Record(context.WithoutCancel(r.Context()), e); err != nil {
				log.ErrorContext(r.Context(), "audit event lost", "action", e.Action, "actor_id", e.ActorID, "subject_id", e.SubjectID, "error", err)
			}
		})
	}
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
