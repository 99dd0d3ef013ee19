package httpapi

import (
	"time"

	"github.com/planta-dev/planta/services/identity/internal/user"
)

// userView is an account as the public API shows it to its owner.
type userView struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	Email              string     `json:"email"`
	FullName           string     `json:"full_name"`
	Role               user.Role  `json:"role"`
	Active             bool       `json:"active"`
	MustChangePassword bool       `json:"must_change_password"`
	Declarative        bool       `json:"declarative"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	PasswordChangedAt  time.Time  `json:"password_changed_at"`
	ImpersonatedBy     *actorView `json:"impersonated_by,omitempty"`
}

type actorView struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
}

func viewUser(u user.User) userView {
	return userView{ID: u.ID, Username: u.Username, Email: u.Email, FullName: u.FullName, Role: u.Role,
		Active: u.Active, MustChangePassword: u.MustChangePassword, Declarative: u.Declarative,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, PasswordChangedAt: u.PasswordChangedAt}
}

// adminUserView adds what administrators see: the seeded flag and the lockout state.
type adminUserView struct {
	userView
	Seeded      bool       `json:"seeded"`
	Locked      bool       `json:"locked"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	// RecentFailures is the current run of failed logins (resets on success or lock).
	RecentFailures *int `json:"recent_failures,omitempty"`
}

func viewAdminUser(u user.User, lockedUntil time.Time) adminUserView {
	v := adminUserView{userView: viewUser(u), Seeded: u.Seeded}
	if !lockedUntil.IsZero() {
		t := lockedUntil.UTC()
		v.Locked, v.LockedUntil = true, &t
	}
	return v
}

// loginView answers a login and a password change. Token is for API clients; browsers
// use the cookie set alongside.
type loginView struct {
	Token              string    `json:"token"`
	User               userView  `json:"user"`
	MustChangePassword bool      `json:"must_change_password"`
	ExpiresAt          time.Time `json:"expires_at"`
}
