// Package sessionfake is an in-process stand-in for the session service's internal API
// (create, validate, revoke, revoke-all), for identity's tests. It speaks the real wire
// protocol so the production clients are what the tests exercise; the session service's
// own tests cover its Redis rules (idle/absolute expiry, hashing at rest).
package sessionfake

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

	"github.com/planta-dev/planta/services/identity/internal/sessionclient"
)

// Lifetime is the absolute lifetime of the fake's sessions.
const Lifetime = 12 * time.Hour

type session struct {
	principal authn.Principal
	info      sessionclient.Session
}

// Server is the stand-in.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	byToken  map[string]*session
	created  int
	revokes  int
	down     bool
	lastUser string
}

// New starts a stand-in, closed when t ends.
func New(t testing.TB) *Server {
	s := &Server{byToken: map[string]*session{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /internal/v1/sessions", s.create)
	mux.HandleFunc("POST "+authn.ValidatePath, s.validate)
	mux.HandleFunc("POST /internal/v1/sessions/revoke", s.revoke)
	mux.HandleFunc("POST /internal/v1/users/{user_id}/sessions/revoke-all", s.revokeAll)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// SetDown makes every endpoint answer 503.
func (s *Server) SetDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

// Created counts sessions created.
func (s *Server) Created() int { s.mu.Lock(); defer s.mu.Unlock(); return s.created }

// Live counts the live sessions of userID.
func (s *Server) Live(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.byToken {
		if ss.principal.UserID == userID {
			n++
		}
	}
	return n
}

// Issue creates a session directly (e.g. an impersonating principal) and returns its token.
func (s *Server) Issue(p authn.Principal) string {
	tok := newToken()
	if p.SessionID == "" {
		p.SessionID = newToken()[:16]
	}
	s.mu.Lock()
	s.byToken[tok] = &session{principal: p, info: sessionclient.Session{ID: p.SessionID, UserID: p.UserID}}
	s.mu.Unlock()
	return tok
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) isDown(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	return s.down
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	var req sessionclient.CreateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.UserID == "" || !authn.Role(req.Role).Valid() {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	now := time.Now().UTC()
	tok := newToken()
	info := sessionclient.Session{
		ID: newToken()[:16], UserID: req.UserID, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(30 * time.Minute), ExpiresAt: now.Add(Lifetime), IP: req.IP, UserAgent: req.UserAgent,
	}
	s.mu.Lock()
	s.byToken[tok] = &session{info: info, principal: authn.Principal{
		UserID: req.UserID, Username: req.Username, Role: authn.Role(req.Role), SessionID: info.ID,
		MustChangePassword: req.MustChangePassword,
	}}
	s.created++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(sessionclient.Created{Token: tok, Session: info})
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	var req authn.ValidateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ss, ok := s.byToken[req.Token]
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ss.principal)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	var req struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	delete(s.byToken, req.Token)
	s.revokes++
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) revokeAll(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	var req struct {
		ExceptSessionID string `json:"except_session_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	uid := r.PathValue("user_id")
	s.mu.Lock()
	for tok, ss := range s.byToken {
		// Sessions of the user, and impersonations run by the user.
		mine := ss.principal.UserID == uid || (ss.principal.Act != nil && ss.principal.Act.UserID == uid)
		if mine && ss.principal.SessionID != req.ExceptSessionID {
			delete(s.byToken, tok)
		}
	}
	s.lastUser = uid
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
