// Package sessionclient calls the session service's internal API to create and revoke
// sessions (validation goes through libs/authn). Tokens travel only in request and
// response bodies, never in URLs, and are never logged.
package sessionclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/libs/apiclient"
)

// ErrUnavailable means the session service did not answer as expected: the caller must
// fail closed (no login without a session; report the revocation as not done).
var ErrUnavailable = errors.New("session service unavailable")

// CreateRequest is the body of POST /internal/v1/sessions.
type CreateRequest struct {
	UserID             string `json:"user_id"`
	Username           string `json:"username"`
	Role               string `json:"role"`
	MustChangePassword bool   `json:"must_change_password"`
	IP                 string `json:"ip"`
	UserAgent          string `json:"user_agent"`
}

// Session is the session service's description of a session.
type Session struct {
	ID            string          `json:"id"`
	UserID        string          `json:"user_id"`
	CreatedAt     time.Time       `json:"created_at"`
	LastSeenAt    time.Time       `json:"last_seen_at"`
	IdleExpiresAt time.Time       `json:"idle_expires_at"`
	ExpiresAt     time.Time       `json:"expires_at"`
	IP            string          `json:"ip"`
	UserAgent     string          `json:"user_agent"`
	Impersonation json.RawMessage `json:"impersonation,omitempty"`
}

// Created is the answer to a create call.
type Created struct {
	Token   string  `json:"token"`
	Session Session `json:"session"`
}

// Client is a typed client of the session service's internal API.
type Client struct{ api *apiclient.Client }

// New returns a client for the session service's internal listener at baseURL.
func New(baseURL string, hc *http.Client) *Client {
	return &Client{api: apiclient.New(baseURL, hc)}
}

// Create starts a session (at login, and after a password change).
func (c *Client) Create(ctx context.Context, req CreateRequest) (Created, error) {
	var out Created
	if err := c.call(ctx, "/internal/v1/sessions", req, &out); err != nil {
		return Created{}, err
	}
	if out.Token == "" {
		return Created{}, fmt.Errorf("%w: create answered without a token", ErrUnavailable)
	}
	return out, nil
}

// Revoke ends the session of token (logout). An unknown token is not an error.
func (c *Client) Revoke(ctx context.Context, token string) error {
	return c.call(ctx, "/internal/v1/sessions/revoke", map[string]string{"token": token}, nil)
}

// RevokeAll ends every session of userID except exceptSessionID (empty for none).
func (c *Client) RevokeAll(ctx context.Context, userID, exceptSessionID string) error {
	return c.call(ctx, "/internal/v1/users/"+url.PathEscape(userID)+"/sessions/revoke-all",
		map[string]string{"except_session_id": exceptSessionID}, nil)
}

// call POSTs body to path. Every failure, a refusal included, is ErrUnavailable to the
// identity service: it only sends requests the session service must accept, so a refusal
// means a fault, and the caller fails closed (nothing granted, 503).
func (c *Client) call(ctx context.Context, path string, body, out any) error {
	if err := c.api.Do(ctx, http.MethodPost, path, body, out); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}
