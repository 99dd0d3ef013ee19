// Package sessions is the web service's client of the session service's public API:
// the caller's own sessions.
package sessions

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Session is one of the caller's sessions.
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
	Current       *bool     `json:"current,omitempty"`
}

// IsCurrent reports whether this is the session making the request.
func (s Session) IsCurrent() bool { return s.Current != nil && *s.Current }

// Client calls the session service.
type Client struct{ c *apicall.Client }

// New returns a client of the session service's public listener at base.
func New(base string, hc *http.Client) *Client { return &Client{apicall.New(base, hc)} }

// Mine lists the caller's sessions.
func (c *Client) Mine(ctx context.Context) ([]Session, error) {
	var page apicall.Page[Session]
	err := c.c.Do(ctx, http.MethodGet, "/api/v1/sessions", nil, nil, &page)
	return page.Items, err
}

// Revoke ends one of the caller's sessions.
func (c *Client) Revoke(ctx context.Context, id string) error {
	return c.c.Do(ctx, http.MethodDelete, "/api/v1/sessions/"+url.PathEscape(id), nil, nil, nil)
}

// RevokeOthers ends every session of the caller but this one.
func (c *Client) RevokeOthers(ctx context.Context) error {
	return c.c.Do(ctx, http.MethodPost, "/api/v1/sessions/revoke-others", nil, nil, nil)
}
