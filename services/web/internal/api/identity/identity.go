// Package identity is the web service's client of the identity service's public API
// (docs/api/identity.md): login, logout, registration, the caller's profile and password.
package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// User is an account as its owner sees it.
type User struct {
	ID                 string    `json:"id"`
	Username           string    `json:"username"`
	Email              string    `json:"email"`
	FullName           string    `json:"full_name"`
	Role               string    `json:"role"`
	Active             bool      `json:"active"`
	MustChangePassword bool      `json:"must_change_password"`
	Declarative        bool      `json:"declarative"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	PasswordChangedAt  time.Time `json:"password_changed_at"`
	ImpersonatedBy     *Actor    `json:"impersonated_by,omitempty"`
}

// Actor is the superadmin behind an impersonated session.
type Actor struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
}

// Session is a started session: the cookies to relay to the browser and the user.
type Session struct {
	User               User      `json:"user"`
	MustChangePassword bool      `json:"must_change_password"`
	ExpiresAt          time.Time `json:"expires_at"`
	// Cookies are the Set-Cookie headers the identity service answered, relayed to the
	// browser as they are (the __Host- session cookie).
	Cookies []string `json:"-"`
}

// Client calls identity.
type Client struct{ c *apicall.Client }

// New returns a client of identity's public listener at base.
func New(base string, hc *http.Client) *Client { return &Client{apicall.New(base, hc)} }

// Login checks credentials and starts a session. Every failure (unknown user, wrong
// password, locked, disabled) is the same 401 problem "invalid-credentials".
func (c *Client) Login(ctx context.Context, username, password string) (Session, error) {
	resp, err := c.c.Raw(ctx, http.MethodPost, "/api/v1/auth/login", nil,
		map[string]string{"username": username, "password": password}, "application/json")
	if err != nil {
		return Session{}, err
	}
	return decodeSession(resp)
}

func decodeSession(resp *apicall.Response) (Session, error) {
	var s Session
	if err := json.Unmarshal(resp.Body, &s); err != nil {
		return Session{}, err
	}
	s.Cookies = resp.Header.Values("Set-Cookie")
	return s, nil
}

// Logout revokes the caller's session.
func (c *Client) Logout(ctx context.Context) error {
	return c.c.Do(ctx, http.MethodPost, "/api/v1/auth/logout", nil, nil, nil)
}

// Registration is a self-registration.
type Registration struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
	Password string `json:"password"`
}

// Register creates a cliente account (403 "registration-closed" when disabled).
func (c *Client) Register(ctx context.Context, r Registration) (User, error) {
	var u User
	err := c.c.Do(ctx, http.MethodPost, "/api/v1/auth/register", nil, r, &u)
	return u, err
}

// Me returns the caller's account.
func (c *Client) Me(ctx context.Context) (User, error) {
	var u User
	err := c.c.Do(ctx, http.MethodGet, "/api/v1/me", nil, nil, &u)
	return u, err
}

// ProfileChange changes the caller's own profile; nil fields stay.
type ProfileChange struct {
	FullName *string `json:"full_name,omitempty"`
	Email    *string `json:"email,omitempty"`
}

// UpdateMe changes the caller's profile.
func (c *Client) UpdateMe(ctx context.Context, ch ProfileChange) (User, error) {
	var u User
	err := c.c.Do(ctx, http.MethodPatch, "/api/v1/me", nil, ch, &u)
	return u, err
}

// ChangePassword changes the caller's password; every session ends and a new one
// starts, whose cookie must be relayed.
func (c *Client) ChangePassword(ctx context.Context, current, next string) (Session, error) {
	resp, err := c.c.Raw(ctx, http.MethodPost, "/api/v1/me/password", nil,
		map[string]string{"current_password": current, "new_password": next}, "application/json")
	if err != nil {
		return Session{}, err
	}
	return decodeSession(resp)
}
