// Package httpapi is the session service's HTTP surface: the internal API that identity
// and admin call (create, validate, revoke, impersonation) and the public API through
// which a user manages their own sessions. Domain errors map to problem types in one
// place, writeError.
package httpapi

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/session/internal/session"
)

// OpenAPI is the OpenAPI 3.1 document of the public API, served at
// /api/v1/session/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Handlers serves the session API over a Manager.
type Handlers struct {
	m   *session.Manager
	log *slog.Logger
}

// Register adds every route: the public ones to public, the internal ones to internal.
func Register(public, internal *authn.Router, m *session.Manager, log *slog.Logger) *Handlers {
	h := &Handlers{m: m, log: log}
	in := authn.Internal()
	internal.HandleFunc(http.MethodPost, "/internal/v1/sessions", in, h.create)
	internal.HandleFunc(http.MethodPost, authn.ValidatePath, in, h.validate)
	internal.HandleFunc(http.MethodPost, "/internal/v1/sessions/revoke", in, h.revoke)
	internal.HandleFunc(http.MethodGet, "/internal/v1/users/{user_id}/sessions", in, h.listForUser)
	internal.HandleFunc(http.MethodDelete, "/internal/v1/users/{user_id}/sessions/{session_id}", in, h.deleteForUser)
	internal.HandleFunc(http.MethodPost, "/internal/v1/users/{user_id}/sessions/revoke-all", in, h.revokeAllForUser)
	internal.HandleFunc(http.MethodPost, "/internal/v1/impersonations", in, h.startImpersonation)
	internal.HandleFunc(http.MethodPost, "/internal/v1/impersonations/stop", in, h.stopImpersonation)

	public.HandleFunc(http.MethodGet, "/api/v1/sessions", authn.RequireAuthenticated(), h.listMine)
	public.HandleFunc(http.MethodDelete, "/api/v1/sessions/{id}", authn.RequireAuthenticated().NotImpersonating(), h.deleteMine)
	public.HandleFunc(http.MethodPost, "/api/v1/sessions/revoke-others", authn.RequireAuthenticated().NotImpersonating(), h.revokeOthers)
	return h
}

// Validator validates in-process, for the session service's own public routes.
type Validator struct{ M *session.Manager }

// Validate implements authn.Validator.
func (v Validator) Validate(ctx context.Context, token string, touch bool) (authn.Principal, error) {
	s, err := v.M.Validate(ctx, token, touch)
	switch {
	case errors.Is(err, session.ErrInvalidSession):
		return authn.Principal{}, authn.ErrInvalidSession
	case err != nil:
		return authn.Principal{}, fmt.Errorf("%w: %v", authn.ErrUnavailable, err)
	}
	return principal(s), nil
}

func principal(s session.Session) authn.Principal {
	p := authn.Principal{
		UserID: s.UserID, Username: s.Username, Role: authn.Role(s.Role),
		SessionID: s.ID, MustChangePassword: s.MustChangePassword,
	}
	if s.Act != nil {
		p.Act = &authn.Actor{UserID: s.Act.UserID, Username: s.Act.Username, SessionID: s.Act.SessionID}
	}
	return p
}

// Session is the JSON form of a session.
type Session struct {
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
	// Current marks the caller's own session in GET /api/v1/sessions.
	Current *bool `json:"current,omitempty"`
}

func (h *Handlers) render(s session.Session) Session {
	out := Session{
		ID: s.ID, UserID: s.UserID, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt,
		IdleExpiresAt: s.IdleExpiresAt(h.m.Config().IdleTimeout), ExpiresAt: s.ExpiresAt,
		IP: s.IP, UserAgent: s.UserAgent, Impersonation: s.Impersonating(),
	}
	if s.Act != nil {
		out.Act = &authn.Actor{UserID: s.Act.UserID, Username: s.Act.Username, SessionID: s.Act.SessionID}
	}
	return out
}

// Issued is the answer of create, impersonation start and stop: the token (only ever
// in a response body) and the session.
type Issued struct {
	Token   string  `json:"token"`
	Session Session `json:"session"`
}

// CreateRequest is the body of POST /internal/v1/sessions.
type CreateRequest struct {
	UserID             string `json:"user_id"`
	Username           string `json:"username"`
	Role               string `json:"role"`
	MustChangePassword bool   `json:"must_change_password"`
	IP                 string `json:"ip"`
	UserAgent          string `json:"user_agent"`
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	var req CreateRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	token, s, err := h.m.Create(r.Context(), session.NewSession{
		UserID: req.UserID, Username: req.Username, Role: session.Role(req.Role),
		MustChangePassword: req.MustChangePassword, IP: req.IP, UserAgent: req.UserAgent,
	})
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeNoStore(w, http.StatusCreated, Issued{Token: token, Session: h.render(s)})
}

func (h *Handlers) validate(w http.ResponseWriter, r *http.Request) {
	var req authn.ValidateRequest
	if err := decodeValidate(w, r, &req); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	s, err := h.m.Validate(r.Context(), req.Token, req.Touch)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writePrincipal(w, principal(s))
}

// TokenRequest is the body of revoke and impersonation stop.
type TokenRequest struct {
	Token string `json:"token"`
}

func (h *Handlers) revoke(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if err := h.m.Revoke(r.Context(), req.Token); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, userID, current string) {
	ss, err := h.m.List(r.Context(), userID)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	items := make([]Session, len(ss))
	for i, s := range ss {
		items[i] = h.render(s)
		if current != "" {
			cur := s.ID == current
			items[i].Current = &cur
		}
	}
	writeNoStore(w, http.StatusOK, jsonbody.List[Session]{Items: items})
}

func (h *Handlers) listForUser(w http.ResponseWriter, r *http.Request) {
	h.list(w, r, mux.Vars(r)["user_id"], "")
}

func (h *Handlers) deleteForUser(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	if err := h.m.RevokeByID(r.Context(), vars["user_id"], vars["session_id"]); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// RevokeAllRequest is the (optional) body of revoke-all.
type RevokeAllRequest struct {
	ExceptSessionID string `json:"except_session_id"`
}

func (h *Handlers) revokeAllForUser(w http.ResponseWriter, r *http.Request) {
	var req RevokeAllRequest
	if r.ContentLength != 0 { // an empty body keeps no session
		if err := jsonbody.Decode(w, r, &req); err != nil {
			writeError(w, r, h.log, err)
			return
		}
	}
	if _, err := h.m.RevokeAll(r.Context(), mux.Vars(r)["user_id"], req.ExceptSessionID); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ImpersonationRequest is the body of POST /internal/v1/impersonations.
type ImpersonationRequest struct {
	ActorToken string `json:"actor_token"`
	Target     struct {
		UserID   string `json:"user_id"`
		Username string `json:"username"`
		Role     string `json:"role"`
	} `json:"target"`
	Reason string `json:"reason"`
}

func (h *Handlers) startImpersonation(w http.ResponseWriter, r *http.Request) {
	var req ImpersonationRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	token, s, err := h.m.StartImpersonation(r.Context(), req.ActorToken, session.Target{
		UserID: req.Target.UserID, Username: req.Target.Username, Role: session.Role(req.Target.Role),
	}, req.Reason)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeNoStore(w, http.StatusCreated, Issued{Token: token, Session: h.render(s)})
}

func (h *Handlers) stopImpersonation(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	token, s, err := h.m.StopImpersonation(r.Context(), req.Token)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeNoStore(w, http.StatusOK, Issued{Token: token, Session: h.render(s)})
}

func (h *Handlers) listMine(w http.ResponseWriter, r *http.Request) {
	p, _ := authn.FromContext(r.Context())
	h.list(w, r, p.UserID, p.SessionID)
}

func (h *Handlers) deleteMine(w http.ResponseWriter, r *http.Request) {
	p, _ := authn.FromContext(r.Context())
	if err := h.m.RevokeByID(r.Context(), p.UserID, mux.Vars(r)["id"]); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) revokeOthers(w http.ResponseWriter, r *http.Request) {
	p, _ := authn.FromContext(r.Context())
	if _, err := h.m.RevokeAll(r.Context(), p.UserID, p.SessionID); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeNoStore writes JSON that must not be cached (it may carry a token).
func writeNoStore(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	jsonbody.Write(w, status, v)
}

// writeError maps every domain error to its problem type.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var verr *session.ValidationError
	switch {
	case problem.From(err) != nil:
		problem.Write(w, r, problem.From(err))
	case errors.As(err, &verr):
		problem.Write(w, r, problem.Field(verr.Field, verr.Reason))
	case errors.Is(err, session.ErrInvalidSession):
		problem.Write(w, r, problem.Unauthorized())
	case errors.Is(err, session.ErrNotFound):
		problem.Write(w, r, problem.NotFound("session"))
	case errors.Is(err, session.ErrActorNotSuperadmin):
		problem.Write(w, r, problem.Forbidden(err.Error()))
	case errors.Is(err, session.ErrNestedImpersonation):
		problem.Write(w, r, problem.Conflict("impersonation-nested", "an impersonation session cannot start another impersonation"))
	case errors.Is(err, session.ErrNotImpersonating):
		problem.Write(w, r, problem.Conflict("not-impersonating", "the session is not an impersonation session"))
	case errors.Is(err, session.ErrUnavailable):
		log.ErrorContext(r.Context(), "session store unavailable", "error", err)
		problem.Write(w, r, problem.Unavailable("session store unavailable"))
	default:
		log.ErrorContext(r.Context(), "session request failed", "error", err)
		problem.Write(w, r, problem.Internal())
	}
}
