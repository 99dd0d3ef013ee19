// Package sessionclient calls the session service's internal API to create and revoke
// sessions (validation goes through libs/authn). Tokens travel only in request and
// response bodies, never in URLs, and are never logged.
package sessionclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
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
type Client struct {
	base string
	http *http.Client
}

// New returns a client for the session service's internal listener at baseURL.
func New(baseURL string, hc *http.Client) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc}
}

// Create starts a session (at login, and after a password change).
func (c *Client) Create(ctx context.Context, req CreateRequest) (Created, error) {
	var out Created
	if err := c.call(ctx, "/internal/v1/sessions", req, http.StatusCreated, &out); err != nil {
		return Created{}, err
	}
	if out.Token == "" {
		return Created{}, fmt.Errorf("%w: create answered without a token", ErrUnavailable)
	}
	return out, nil
}

// Revoke ends the session of token (logout). An unknown token is not an error.
func (c *Client) Revoke(ctx context.Context, token string) error {
	return c.call(ctx, "/internal/v1/sessions/revoke", map[string]string{"token": token}, http.StatusNoContent, nil)
}

// RevokeAll ends every session of userID except exceptSessionID (empty for none).
func (c *Client) RevokeAll(ctx context.Context, userID, exceptSessionID string) error {
	return c.call(ctx, "/internal/v1/users/"+url.PathEscape(userID)+"/sessions/revoke-all",
		map[string]string{"except_session_id": exceptSessionID}, http.StatusNoContent, nil)
}

func (c *Client) call(ctx context.Context, path string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, path, redactErr(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != want {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%w: %s answered %d", ErrUnavailable, path, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("%w: decode %s: %v", ErrUnavailable, path, err)
	}
	return nil
}

// redactErr keeps transport errors (which quote the URL, never the body) as they are;
// it exists so that a future change putting data in URLs has one place to look.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %v", ue.Op, ue.URL, ue.Err)
	}
	return err
}
