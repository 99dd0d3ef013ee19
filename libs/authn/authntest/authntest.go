// Package authntest provides a stand-in for the session service's internal validate
// endpoint, for testing services' guards without running the session service. It speaks
// the real wire protocol, so the production SessionClient is what the tests exercise.
package authntest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/planta-dev/planta/libs/authn"
)

// Server is a validate endpoint backed by a token table.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	tokens  map[string]authn.Principal
	touches int
	down    bool
}

// NewServer starts a validate server wrapped by wrap (nil for none; tests of tracing pass
// an instrumentation wrapper) and closes it when t ends.
func NewServer(t testing.TB, wrap func(http.Handler) http.Handler) *Server {
	s := &Server{tokens: map[string]authn.Principal{}}
	var h http.Handler = http.HandlerFunc(s.validate)
	if wrap != nil {
		h = wrap(h)
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+authn.ValidatePath, h)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Issue creates a token for p.
func (s *Server) Issue(p authn.Principal) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	if p.SessionID == "" {
		p.SessionID = token[:8]
	}
	s.mu.Lock()
	s.tokens[token] = p
	s.mu.Unlock()
	return token
}

// Revoke forgets a token.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	delete(s.tokens, token)
	s.mu.Unlock()
}

// SetDown makes validate answer 503 (the session store is unreachable).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Touches counts validate calls that asked to slide the idle timeout.
func (s *Server) Touches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.touches
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	var req authn.ValidateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, ok := s.tokens[req.Token]
	down := s.down
	if req.Touch {
		s.touches++
	}
	s.mu.Unlock()
	switch {
	case down:
		w.WriteHeader(http.StatusServiceUnavailable)
	case !ok:
		w.WriteHeader(http.StatusUnauthorized)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	}
}
