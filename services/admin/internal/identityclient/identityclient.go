// Package identityclient calls the identity service's internal API (docs/api/identity.md;
// services/identity/internal/httpapi/internal.go): users, lockouts and the access log. Identity owns every rule about accounts (the seeded superadmin, the
// last active superadmin, password policy, uniqueness); its refusals come back as *Error
// carrying identity's problem details, which the admin API passes on.
package identityclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/planta-dev/planta/libs/apiclient"

	"github.com/planta-dev/planta/libs/authn"
)

// User is an account as identity describes it.
type User struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	Email              string     `json:"email"`
	FullName           string     `json:"full_name"`
	Role               authn.Role `json:"role"`
	Active             bool       `json:"active"`
	Locked             bool       `json:"locked"`
	LockedUntil        *time.Time `json:"locked_until,omitempty"`
	MustChangePassword bool       `json:"must_change_password"`
	// Declarative accounts come from the mounted YAML file and are read-only.
	Declarative bool `json:"declarative"`
	// Seeded is the "superadmin" account created by the first migration.
	Seeded            bool      `json:"seeded"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
	// RecentFailures is the current run of failed logins (single-user answers only).
	RecentFailures *int `json:"recent_failures,omitempty"`
}

// UserFilter selects users. Nil pointers do not filter.
type UserFilter struct {
	Role   authn.Role
	Active *bool
	Locked *bool
	Query  string
	Cursor string
	Limit  int
}

// NewUser is a create request; identity applies its password policy to Password.
type NewUser struct {
	Username           string     `json:"username"`
	Email              string     `json:"email"`
	FullName           string     `json:"full_name"`
	Role               authn.Role `json:"role"`
	Password           string     `json:"password"`
	MustChangePassword bool       `json:"must_change_password"`
}

// UserChange is an update; nil fields stay as they are.
type UserChange struct {
	FullName *string     `json:"full_name,omitempty"`
	Email    *string     `json:"email,omitempty"`
	Role     *authn.Role `json:"role,omitempty"`
}

// PasswordReset is identity's answer to a reset: a generated temporary password that
// must be changed at next login (identity also clears the lockout and ends sessions).
type PasswordReset struct {
	User              User   `json:"user"`
	TemporaryPassword string `json:"temporary_password"`
}

// Lockout is an account locked now.
type Lockout struct {
	User             User      `json:"user"`
	LockedUntil      time.Time `json:"locked_until"`
	RemainingSeconds int       `json:"remaining_seconds"`
}

// AccessLogEntry is one login attempt.
type AccessLogEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Username  string    `json:"username"`
	UserID    string    `json:"user_id,omitempty"`
	Outcome   string    `json:"outcome"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent"`
	TraceID   string    `json:"trace_id,omitempty"`
}

// AccessLogFilter selects access log entries; zero fields do not filter.
type AccessLogFilter struct {
	UserID   string
	Username string
	Outcome  string
	IP       string
	From, To time.Time
	Cursor   string
	Limit    int
}

// KPIs summarise login attempts over a period (identity computes them).
type KPIs struct {
	From          time.Time  `json:"from"`
	To            time.Time  `json:"to"`
	Attempts      int64      `json:"attempts"`
	Successes     int64      `json:"successes"`
	Failures      int64      `json:"failures"`
	SuccessRate   float64    `json:"success_rate"`
	DistinctUsers int64      `json:"distinct_users"`
	LockedNow     int        `json:"locked_now"`
	PerDay        []DayStats `json:"per_day"`
}

// DayStats is one UTC day of the KPI series.
type DayStats struct {
	Day       string `json:"day"`
	Attempts  int64  `json:"attempts"`
	Successes int64  `json:"successes"`
	Failures  int64  `json:"failures"`
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Error is a refusal from identity (4xx) with its problem details.
type Error = apiclient.Error

// Errors.
var (
	// ErrUnavailable: identity did not answer usefully (5xx, network, garbage).
	ErrUnavailable = errors.New("identity service unavailable")
	// ErrNotFound: no such user (deleted users are not found).
	ErrNotFound = errors.New("user not found")
)

// Client calls identity's internal listener.
type Client struct {
	api *apiclient.Client
}

// New returns a client for baseURL (PLANTA_IDENTITY_URL). Pass the traced client.
func New(baseURL string, client *http.Client) *Client {
	return &Client{api: apiclient.New(baseURL, client)}
}

func userPath(id string, rest ...string) string {
	return "/internal/v1/users/" + url.PathEscape(id) + strings.Join(rest, "")
}

// ListUsers returns one page of users.
func (c *Client) ListUsers(ctx context.Context, f UserFilter) (Page[User], error) {
	q := url.Values{}
	if f.Role != "" {
		q.Set("role", string(f.Role))
	}
	if f.Active != nil {
		q.Set("active", strconv.FormatBool(*f.Active))
	}
	if f.Locked != nil {
		q.Set("locked", strconv.FormatBool(*f.Locked))
	}
	setNonEmpty(q, "q", f.Query)
	setNonEmpty(q, "cursor", f.Cursor)
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out Page[User]
	err := c.do(ctx, http.MethodGet, "/internal/v1/users"+encode(q), nil, &out)
	return out, err
}

// GetUser returns one user.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodGet, userPath(id), nil, &out)
	return out, err
}

// CreateUser creates an account of any role.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, "/internal/v1/users", u, &out)
	return out, err
}

// UpdateUser changes name, email or role.
func (c *Client) UpdateUser(ctx context.Context, id string, ch UserChange) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPatch, userPath(id), ch, &out)
	return out, err
}

// DisableUser deactivates an account (identity refuses the seeded and the last active
// superadmin).
func (c *Client) DisableUser(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, userPath(id, "/disable"), struct{}{}, &out)
	return out, err
}

// EnableUser reactivates an account.
func (c *Client) EnableUser(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, userPath(id, "/enable"), struct{}{}, &out)
	return out, err
}

// DeleteUser soft-deletes an account.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, userPath(id), nil, nil)
}

// ResetPassword sets a temporary password that must be changed at next login.
func (c *Client) ResetPassword(ctx context.Context, id string) (PasswordReset, error) {
	var out PasswordReset
	err := c.do(ctx, http.MethodPost, userPath(id, "/reset-password"), struct{}{}, &out)
	return out, err
}

// Unlock clears an account's lockout.
func (c *Client) Unlock(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, userPath(id, "/unlock"), struct{}{}, &out)
	return out, err
}

// Lockouts lists the accounts locked now.
func (c *Client) Lockouts(ctx context.Context) ([]Lockout, error) {
	var out Page[Lockout]
	if err := c.do(ctx, http.MethodGet, "/internal/v1/lockouts", nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

func accessLogQuery(f AccessLogFilter) url.Values {
	q := url.Values{}
	setNonEmpty(q, "user_id", f.UserID)
	setNonEmpty(q, "username", f.Username)
	setNonEmpty(q, "outcome", f.Outcome)
	setNonEmpty(q, "ip", f.IP)
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	setNonEmpty(q, "cursor", f.Cursor)
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// AccessLogs returns one page of login attempts, newest first (identity pages at most
// 500 entries).
func (c *Client) AccessLogs(ctx context.Context, f AccessLogFilter) (Page[AccessLogEntry], error) {
	var out Page[AccessLogEntry]
	err := c.do(ctx, http.MethodGet, "/internal/v1/access-log"+encode(accessLogQuery(f)), nil, &out)
	return out, err
}

// AccessLogKPIs summarises [from, to).
func (c *Client) AccessLogKPIs(ctx context.Context, from, to time.Time) (KPIs, error) {
	q := accessLogQuery(AccessLogFilter{From: from, To: to})
	var out KPIs
	err := c.do(ctx, http.MethodGet, "/internal/v1/access-log/kpis"+encode(q), nil, &out)
	return out, err
}

func setNonEmpty(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func encode(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
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
		// identity's internal API never authenticates callers: a 401 is a fault.
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
