// Package sessionclient calls the session service's internal API for what the admin
// service orchestrates: listing and revoking a user's sessions, and impersonation
// start/stop. (Validation is libs/authn's SessionClient.)
package sessionclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/libs/apiclient"

	"github.com/planta-dev/planta/libs/authn"
)

// Session is one session as the session service describes it.
type Session struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	CreatedAt     time.Time `json:"created_at"`
	LastSeenAt    time.Time `json:"last_seen_at"`
	IdleExpiresAt time.Time `json:"idle_expires_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	IP            string    `json:"ip"`
	UserAgent     string    `json:"user_agent"`
	Impersonation bool      `json:"impersonation"`
	// Act names the superadmin behind an impersonation session.
	Act *authn.Actor `json:"act,omitempty"`
}

// Target is who an impersonation acts as.
type Target struct {
	UserID   string     `json:"user_id"`
	Username string     `json:"username"`
	Role     authn.Role `json:"role"`
}

// Issued is a new session and its token (impersonation start and stop answer it).
type Issued struct {
	Token   string  `json:"token"`
	Session Session `json:"session"`
}

// Error is a refusal from session (4xx) with its problem details.
type Error = apiclient.Error

// Errors.
var (
	// ErrUnavailable: the session service did not answer usefully (5xx, network).
	ErrUnavailable = errors.New("session service unavailable")
	// ErrNotFound: no such user session.
	ErrNotFound = errors.New("session not found")
	// ErrInvalidSession: the token given (actor or impersonation) is not a live session.
	ErrInvalidSession = errors.New("invalid session")
)

// Client calls the session service's internal listener.
type Client struct {
	api *apiclient.Client
}

// New returns a client for baseURL (PLANTA_SESSION_URL). Pass the traced client.
func New(baseURL string, client *http.Client) *Client {
	return &Client{api: apiclient.New(baseURL, client)}
}

// List returns the live sessions of a user.
func (c *Client) List(ctx context.Context, userID string) ([]Session, error) {
	var out struct {
		Items []Session `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, "/internal/v1/users/"+url.PathEscape(userID)+"/sessions", nil, &out); err != nil {
		return nil, err
	}
	if out.Items == nil {
		out.Items = []Session{}
	}
	return out.Items, nil
}

// Revoke ends one session of a user.
func (c *Client) Revoke(ctx context.Context, userID, sessionID string) error {
	return c.do(ctx, http.MethodDelete, "/internal/v1/users/"+url.PathEscape(userID)+"/sessions/"+url.PathEscape(sessionID), nil, nil)
}

// RevokeAll ends every session of a user except exceptSessionID (empty: all).
func (c *Client) RevokeAll(ctx context.Context, userID, exceptSessionID string) error {
	body := map[string]string{"except_session_id": exceptSessionID}
	return c.do(ctx, http.MethodPost, "/internal/v1/users/"+url.PathEscape(userID)+"/sessions/revoke-all", body, nil)
}

// StartImpersonation asks for a session acting as target, bound to the actor's session.
// The session service re-checks every rule (actor is a non-impersonating superadmin,
// target is a cliente, expiry within the actor's).
func (c *Client) StartImpersonation(ctx context.Context, actorToken string, target Target, reason string) (Issued, error) {
	var out Issued
	body := map[string]any{"actor_token": actorToken, "target": target, "reason": reason}
	if err := c.do(ctx, http.MethodPost, "/internal/v1/impersonations", body, &out); err != nil {
		return Issued{}, err
	}
	return out, nil
}

// StopImpersonation ends the impersonation session and returns a fresh session of the
// superadmin behind it.
func (c *Client) StopImpersonation(ctx context.Context, token string) (Issued, error) {
	var out Issued
	if err := c.do(ctx, http.MethodPost, "/internal/v1/impersonations/stop", map[string]string{"token": token}, &out); err != nil {
		return Issued{}, err
	}
	return out, nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	err := c.api.Do(ctx, method, path, in, out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, apiclient.ErrUnavailable):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	switch apiclient.StatusOf(err) {
	case http.StatusNotFound:
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: %w", ErrInvalidSession, err)
	}
	return err
}
