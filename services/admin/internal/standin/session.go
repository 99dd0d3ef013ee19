// Package standin holds in-process stand-ins of the identity and session services'
// internal APIs for the admin service's tests. They follow the contracts (paths, bodies,
// status codes) and the rules the real services enforce, in memory and small; they are
// not the real services.
package standin

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/problem"
)

// Sessions is a stand-in of the session service's internal API: validate, a user's
// sessions (list, revoke one, revoke all) and impersonation start/stop. As in the real
// service, an impersonation session is owned by (listed under) the superadmin, bound to
// the superadmin's session, never outlives it and dies with it.
type Sessions struct {
	*httptest.Server
	mu       sync.Mutex
	byToken  map[string]*sessionRec
	calls    []string
	down     bool
	Lifetime time.Duration
}

type sessionRec struct {
	principal authn.Principal
	owner     string
	parent    string // token of the superadmin session behind an impersonation
	created   time.Time
	expires   time.Time
	reason    string
}

// NewSessions starts the stand-in; it stops when t ends.
func NewSessions(t testing.TB) *Sessions {
	s := &Sessions{byToken: map[string]*sessionRec{}, Lifetime: 12 * time.Hour}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+authn.ValidatePath, s.validate)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {})
	mux.HandleFunc("GET /internal/v1/users/{user_id}/sessions", s.list)
	mux.HandleFunc("DELETE /internal/v1/users/{user_id}/sessions/{session_id}", s.revoke)
	mux.HandleFunc("POST /internal/v1/users/{user_id}/sessions/revoke-all", s.revokeAll)
	mux.HandleFunc("POST /internal/v1/impersonations", s.startImpersonation)
	mux.HandleFunc("POST /internal/v1/impersonations/stop", s.stopImpersonation)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, r.Method+" "+r.URL.Path)
		down := s.down
		s.mu.Unlock()
		if down {
			problem.Write(w, r, problem.Unavailable("redis down"))
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Login issues a session for p (as identity's login would) and returns its token.
func (s *Sessions) Login(p authn.Principal) string {
	token := randomString(32)
	if p.SessionID == "" {
		p.SessionID = randomString(16)
	}
	now := time.Now().UTC()
	s.mu.Lock()
	s.byToken[token] = &sessionRec{principal: p, owner: p.UserID, created: now, expires: now.Add(s.Lifetime)}
	s.mu.Unlock()
	return token
}

// SetExpiry changes a session's absolute expiry (tests of "expiry never extended").
func (s *Sessions) SetExpiry(token string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.byToken[token]; rec != nil {
		rec.expires = t
	}
}

// Expiry returns a session's absolute expiry.
func (s *Sessions) Expiry(token string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.byToken[token]; rec != nil {
		return rec.expires
	}
	return time.Time{}
}

// SetDown makes every call answer 503.
func (s *Sessions) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Calls lists "METHOD path" of every call received, in order.
func (s *Sessions) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// Principal validates token without touching it; ok is false for a dead session.
func (s *Sessions) Principal(token string) (authn.Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.alive(token)
	if rec == nil {
		return authn.Principal{}, false
	}
	return rec.principal, true
}

// alive applies expiry and the binding of impersonation sessions to their parent.
func (s *Sessions) alive(token string) *sessionRec {
	rec := s.byToken[token]
	if rec == nil {
		return nil
	}
	if !time.Now().Before(rec.expires) {
		delete(s.byToken, token)
		return nil
	}
	if rec.parent != "" && s.alive(rec.parent) == nil {
		delete(s.byToken, token)
		return nil
	}
	return rec
}

func (s *Sessions) validate(w http.ResponseWriter, r *http.Request) {
	var req authn.ValidateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem.Write(w, r, problem.BadRequest("bad body"))
		return
	}
	p, ok := s.Principal(req.Token)
	if !ok {
		problem.Write(w, r, problem.Unauthorized())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type sessionView struct {
	ID            string       `json:"id"`
	UserID        string       `json:"user_id"`
	CreatedAt     time.Time    `json:"created_at"`
	LastSeenAt    time.Time    `json:"last_seen_at"`
	IdleExpiresAt time.Time    `json:"idle_expires_at"`
	ExpiresAt     time.Time    `json:"expires_at"`
	IP            string       `json:"ip"`
	UserAgent     string       `json:"user_agent"`
	Impersonation bool         `json:"impersonation"`
	Act           *authn.Actor `json:"act,omitempty"`
}

func view(rec *sessionRec) sessionView {
	v := sessionView{ID: rec.principal.SessionID, UserID: rec.principal.UserID, CreatedAt: rec.created,
		LastSeenAt: rec.created, IdleExpiresAt: minTime(rec.created.Add(30*time.Minute), rec.expires),
		ExpiresAt: rec.expires, IP: "192.0.2.10", UserAgent: "stand-in",
		Impersonation: rec.principal.Act != nil, Act: rec.principal.Act}
	return v
}

func (s *Sessions) list(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user_id")
	s.mu.Lock()
	items := []sessionView{}
	for token, rec := range s.byToken {
		if rec.owner == user && s.alive(token) != nil {
			items = append(items, view(rec))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Sessions) revoke(w http.ResponseWriter, r *http.Request) {
	user, id := r.PathValue("user_id"), r.PathValue("session_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for token, rec := range s.byToken {
		if rec.owner == user && rec.principal.SessionID == id {
			delete(s.byToken, token)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	problem.Write(w, r, problem.NotFound("session"))
}

func (s *Sessions) revokeAll(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExceptSessionID string `json:"except_session_id"`
	}
	if err := decodeStrict(r, &req); err != nil {
		problem.Write(w, r, problem.BadRequest(err.Error()))
		return
	}
	user := r.PathValue("user_id")
	s.mu.Lock()
	for token, rec := range s.byToken {
		if rec.owner == user && rec.principal.SessionID != req.ExceptSessionID {
			delete(s.byToken, token)
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sessions) startImpersonation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ActorToken string `json:"actor_token"`
		Target     struct {
			UserID   string     `json:"user_id"`
			Username string     `json:"username"`
			Role     authn.Role `json:"role"`
		} `json:"target"`
		Reason string `json:"reason"`
	}
	if err := decodeStrict(r, &req); err != nil {
		problem.Write(w, r, problem.BadRequest(err.Error()))
		return
	}
	switch {
	case req.Target.UserID == "" || req.Target.Username == "":
		problem.Write(w, r, problem.Field("target.user_id", "required"))
		return
	case req.Target.Role != authn.RoleCliente:
		problem.Write(w, r, problem.Field("target.role", "only a cliente can be impersonated"))
		return
	case req.Reason == "" || len(req.Reason) > 500:
		problem.Write(w, r, problem.Field("reason", "must be 1-500 bytes of UTF-8"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actor := s.alive(req.ActorToken)
	switch {
	case actor == nil:
		problem.Write(w, r, problem.Unauthorized())
		return
	case actor.principal.Impersonating():
		problem.Write(w, r, problem.Conflict("impersonation-nested", "an impersonation session cannot start another impersonation"))
		return
	case actor.principal.Role != authn.RoleSuperadmin:
		problem.Write(w, r, problem.Forbidden("only a superadmin may impersonate"))
		return
	}
	now := time.Now().UTC()
	token := randomString(32)
	rec := &sessionRec{
		principal: authn.Principal{UserID: req.Target.UserID, Username: req.Target.Username, Role: req.Target.Role,
			SessionID: randomString(16), Act: &authn.Actor{UserID: actor.principal.UserID, Username: actor.principal.Username, SessionID: actor.principal.SessionID}},
		owner: actor.principal.UserID, parent: req.ActorToken, created: now,
		expires: minTime(now.Add(s.Lifetime), actor.expires), reason: req.Reason,
	}
	s.byToken[token] = rec
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "session": view(rec)})
}

func (s *Sessions) stopImpersonation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	if err := decodeStrict(r, &req); err != nil {
		problem.Write(w, r, problem.BadRequest(err.Error()))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	child := s.alive(req.Token)
	switch {
	case child == nil:
		problem.Write(w, r, problem.Unauthorized())
		return
	case child.parent == "":
		problem.Write(w, r, problem.Conflict("not-impersonating", "the session is not an impersonation session"))
		return
	}
	parent := s.byToken[child.parent]
	delete(s.byToken, req.Token)
	delete(s.byToken, child.parent)
	p := parent.principal
	p.SessionID = randomString(16)
	token := randomString(32)
	rec := &sessionRec{principal: p, owner: parent.owner, created: time.Now().UTC(), expires: parent.expires}
	s.byToken[token] = rec
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "session": view(rec)})
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
