// Package sessionclient calls the session service's internal API for what the admin
// service orchestrates: listing and revoking a user's sessions, and impersonation
// start/stop. (Validation is libs/authn's SessionClient.)
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

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/problem"
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

// Error is a refusal from the session service, carrying its problem details.
type Error struct {
	Status  int
	Problem *problem.Problem
}

func (e *Error) Error() string {
	if e.Problem != nil {
		return fmt.Sprintf("session service answered %d: %s", e.Status, e.Problem.Error())
	}
	return fmt.Sprintf("session service answered %d", e.Status)
}

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
	baseURL string
	http    *http.Client
}

// New returns a client for baseURL (PLANTA_SESSION_URL). Pass the traced client.
func New(baseURL string, client *http.Client) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), http: client}
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
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
			return fmt.Errorf("%w: decode %s %s: %v", ErrUnavailable, method, path, err)
		}
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: %w", ErrNotFound, refusal(resp))
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %w", ErrInvalidSession, refusal(resp))
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return refusal(resp)
	default:
		return fmt.Errorf("%w: %s %s answered %d", ErrUnavailable, method, path, resp.StatusCode)
	}
}

func refusal(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode}
	var p problem.Problem
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&p); err == nil && p.Status != 0 {
		e.Problem = &p
	}
	return e
}
