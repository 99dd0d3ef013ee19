// Package admin is the web service's client of the admin service's public API
// (docs/api/admin.md): users, lockouts, sessions, impersonation, access and audit logs.
package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Base is the admin API's prefix.
const Base = "/api/v1/admin"

// User is an account as the superadmin sees it.
type User struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	Email              string     `json:"email"`
	FullName           string     `json:"full_name"`
	Role               string     `json:"role"`
	Active             bool       `json:"active"`
	Locked             bool       `json:"locked"`
	LockedUntil        *time.Time `json:"locked_until,omitempty"`
	MustChangePassword bool       `json:"must_change_password"`
	Declarative        bool       `json:"declarative"`
	Seeded             bool       `json:"seeded"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	PasswordChangedAt  time.Time  `json:"password_changed_at"`
	RecentFailures     *int       `json:"recent_failures,omitempty"`
	TemporaryPassword  string     `json:"temporary_password,omitempty"`
}

// UserFilter narrows the user list.
type UserFilter struct {
	Role, Active, Locked, Query, Cursor string
	Limit                               int
}

func (f UserFilter) values() url.Values {
	v := url.Values{}
	set(v, "role", f.Role)
	set(v, "active", f.Active)
	set(v, "locked", f.Locked)
	set(v, "q", f.Query)
	set(v, "cursor", f.Cursor)
	if f.Limit > 0 {
		v.Set("limit", itoa(f.Limit))
	}
	return v
}

// NewUser creates an account; an empty password makes the service generate a temporary one.
type NewUser struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
	Role     string `json:"role"`
	Password string `json:"password,omitempty"`
}

// UserChange edits an account; nil fields stay.
type UserChange struct {
	FullName *string `json:"full_name,omitempty"`
	Email    *string `json:"email,omitempty"`
	Role     *string `json:"role,omitempty"`
}

// PasswordReset is a reset's answer: the temporary password shown once.
type PasswordReset struct {
	User              User   `json:"user"`
	TemporaryPassword string `json:"temporary_password"`
}

// Lockout is a locked account.
type Lockout struct {
	User             User      `json:"user"`
	LockedUntil      time.Time `json:"locked_until"`
	RemainingSeconds int       `json:"remaining_seconds"`
}

// Session is one session of a user.
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
}

// Issued is a session started by impersonation start/stop; Token is set because the web
// calls with a Bearer token and relays it as the browser's cookie itself.
type Issued struct {
	Token   string  `json:"token"`
	Session Session `json:"session"`
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

// AccessLogFilter narrows the access log; From/To are RFC 3339.
type AccessLogFilter struct {
	Username, Outcome, IP, From, To, Cursor string
}

// Values is the filter as query parameters (also for the CSV link).
func (f AccessLogFilter) Values() url.Values {
	v := url.Values{}
	set(v, "username", f.Username)
	set(v, "outcome", f.Outcome)
	set(v, "ip", f.IP)
	set(v, "from", f.From)
	set(v, "to", f.To)
	set(v, "cursor", f.Cursor)
	return v
}

// KPIs summarise the access log over a period.
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

// DayStats is one day of the access log.
type DayStats struct {
	Day       string `json:"day"`
	Attempts  int64  `json:"attempts"`
	Successes int64  `json:"successes"`
	Failures  int64  `json:"failures"`
}

// AuditEvent is one entry of the append-only audit log.
type AuditEvent struct {
	ID              int64           `json:"id,string"`
	Time            time.Time       `json:"time"`
	Service         string          `json:"service"`
	Action          string          `json:"action"`
	ActorID         string          `json:"actor_id"`
	ActorUsername   string          `json:"actor_username"`
	SubjectID       string          `json:"subject_id"`
	SubjectUsername string          `json:"subject_username"`
	Target          string          `json:"target"`
	Reason          string          `json:"reason"`
	Before          json.RawMessage `json:"before,omitempty"`
	After           json.RawMessage `json:"after,omitempty"`
	Status          int             `json:"status"`
	IP              string          `json:"ip"`
	TraceID         string          `json:"trace_id"`
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Actor, Subject, Action, Service, From, To, Cursor string
}

// Values is the filter as query parameters.
func (f AuditFilter) Values() url.Values {
	v := url.Values{}
	set(v, "actor", f.Actor)
	set(v, "subject", f.Subject)
	set(v, "action", f.Action)
	set(v, "service", f.Service)
	set(v, "from", f.From)
	set(v, "to", f.To)
	set(v, "cursor", f.Cursor)
	return v
}

// Client calls the admin service.
type Client struct{ c *apicall.Client }

// New returns a client of the admin service's public listener at base.
func New(base string, hc *http.Client) *Client { return &Client{apicall.New(base, hc)} }

// Users lists accounts.
func (c *Client) Users(ctx context.Context, f UserFilter) (apicall.Page[User], error) {
	var p apicall.Page[User]
	err := c.c.Do(ctx, http.MethodGet, Base+"/users", f.values(), nil, &p)
	return p, err
}

// User returns one account.
func (c *Client) User(ctx context.Context, id string) (User, error) {
	var u User
	err := c.c.Do(ctx, http.MethodGet, Base+"/users/"+url.PathEscape(id), nil, nil, &u)
	return u, err
}

// CreateUser creates an account.
func (c *Client) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var u User
	err := c.c.Do(ctx, http.MethodPost, Base+"/users", nil, nu, &u)
	return u, err
}

// UpdateUser edits an account.
func (c *Client) UpdateUser(ctx context.Context, id string, ch UserChange) (User, error) {
	var u User
	err := c.c.Do(ctx, http.MethodPatch, Base+"/users/"+url.PathEscape(id), nil, ch, &u)
	return u, err
}

// Action runs one of the account actions: disable, enable, unlock.
func (c *Client) Action(ctx context.Context, id, action string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/users/"+url.PathEscape(id)+"/"+action, nil, nil, nil)
}

// ResetPassword gives the account a temporary password.
func (c *Client) ResetPassword(ctx context.Context, id string) (PasswordReset, error) {
	var r PasswordReset
	err := c.c.Do(ctx, http.MethodPost, Base+"/users/"+url.PathEscape(id)+"/reset-password", nil, nil, &r)
	return r, err
}

// DeleteUser deletes an account.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.c.Do(ctx, http.MethodDelete, Base+"/users/"+url.PathEscape(id), nil, nil, nil)
}

// Lockouts lists the locked accounts.
func (c *Client) Lockouts(ctx context.Context) ([]Lockout, error) {
	var p apicall.Page[Lockout]
	err := c.c.Do(ctx, http.MethodGet, Base+"/lockouts", nil, nil, &p)
	return p.Items, err
}

// Sessions lists a user's sessions.
func (c *Client) Sessions(ctx context.Context, userID string) ([]Session, error) {
	var p apicall.Page[Session]
	err := c.c.Do(ctx, http.MethodGet, Base+"/users/"+url.PathEscape(userID)+"/sessions", nil, nil, &p)
	return p.Items, err
}

// TerminateSession ends one session of a user.
func (c *Client) TerminateSession(ctx context.Context, userID, sessionID string) error {
	return c.c.Do(ctx, http.MethodDelete, Base+"/users/"+url.PathEscape(userID)+"/sessions/"+url.PathEscape(sessionID), nil, nil, nil)
}

// TerminateAll ends every session of a user.
func (c *Client) TerminateAll(ctx context.Context, userID string) error {
	return c.c.Do(ctx, http.MethodDelete, Base+"/users/"+url.PathEscape(userID)+"/sessions", nil, nil, nil)
}

// StartImpersonation starts viewing as an active cliente; the answer's token replaces
// the browser's session.
func (c *Client) StartImpersonation(ctx context.Context, userID, reason string) (Issued, error) {
	var is Issued
	err := c.c.Do(ctx, http.MethodPost, Base+"/impersonation", nil,
		map[string]string{"user_id": userID, "reason": reason}, &is)
	return is, err
}

// StopImpersonation returns to the superadmin's own session.
func (c *Client) StopImpersonation(ctx context.Context) (Issued, error) {
	var is Issued
	err := c.c.Do(ctx, http.MethodDelete, Base+"/impersonation", nil, nil, &is)
	return is, err
}

// AccessLogs lists login attempts.
func (c *Client) AccessLogs(ctx context.Context, f AccessLogFilter) (apicall.Page[AccessLogEntry], error) {
	var p apicall.Page[AccessLogEntry]
	err := c.c.Do(ctx, http.MethodGet, Base+"/access-logs", f.Values(), nil, &p)
	return p, err
}

// AccessLogKPIs summarises the access log over [from, to] (RFC 3339, empty = default).
func (c *Client) AccessLogKPIs(ctx context.Context, from, to string) (KPIs, error) {
	v := url.Values{}
	set(v, "from", from)
	set(v, "to", to)
	var k KPIs
	err := c.c.Do(ctx, http.MethodGet, Base+"/access-logs/kpis", v, nil, &k)
	return k, err
}

// AuditEvents lists the audit log.
func (c *Client) AuditEvents(ctx context.Context, f AuditFilter) (apicall.Page[AuditEvent], error) {
	var p apicall.Page[AuditEvent]
	err := c.c.Do(ctx, http.MethodGet, Base+"/audit-events", f.Values(), nil, &p)
	return p, err
}

// Download fetches a CSV export (path relative to Base, e.g. "/access-logs.csv").
func (c *Client) Download(ctx context.Context, path string, q url.Values) (*apicall.Response, error) {
	return c.c.Raw(ctx, http.MethodGet, Base+path, q, nil, "text/csv")
}

func set(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
