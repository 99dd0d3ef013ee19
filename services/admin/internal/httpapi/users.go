package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

// Field limits checked here before identity applies its own rules (uniqueness, password
// policy, protected accounts).
const (
	maxUsernameRunes = 64
	maxEmailBytes    = 254
	maxFullNameRunes = 200
	maxQueryRunes    = 100
	maxPasswordBytes = 72
)

// temporaryPassword is 144 random bits in base64url (24 characters): far from any
// common-password list, and changed at first login anyway.
func temporaryPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate temporary password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (a *API) userFilter(r *http.Request) (identityclient.UserFilter, error) {
	q := newQuery(r, "role", "active", "locked", "q", "cursor", "limit")
	f := identityclient.UserFilter{
		Role: q.role("role"), Active: q.boolean("active"), Locked: q.boolean("locked"),
		Query: q.text("q", maxQueryRunes), Cursor: q.cursor(), Limit: q.limit(),
	}
	return f, q.err()
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	if wantsCSV(r) {
		a.exportUsers(w, r)
		return
	}
	f, err := a.userFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.Identity.ListUsers(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []identityclient.User{}
	}
	writeJSON(w, http.StatusOK, page)
}

var userCSVHeader = []string{"id", "username", "email", "full_name", "role", "active", "locked", "locked_until", "must_change_password", "declarative", "created_at", "password_changed_at"}

func (a *API) exportUsers(w http.ResponseWriter, r *http.Request) {
	f, err := a.userFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f.Cursor, f.Limit = "", maxLimit
	a.streamPages(w, r, "users", userCSVHeader, func(ctx context.Context, cursor string) ([][]string, string, error) {
		f.Cursor = cursor
		page, err := a.Identity.ListUsers(ctx, f)
		if err != nil {
			return nil, "", err
		}
		rows := make([][]string, len(page.Items))
		for i, u := range page.Items {
			rows[i] = []string{u.ID, u.Username, u.Email, u.FullName, string(u.Role), fmt.Sprint(u.Active),
				fmt.Sprint(u.Locked), formatTime(u.LockedUntil), fmt.Sprint(u.MustChangePassword), fmt.Sprint(u.Declarative),
				formatTime(&u.CreatedAt), formatTime(&u.PasswordChangedAt)}
		}
		return rows, page.NextCursor, nil
	})
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.Identity.GetUser(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// createUserRequest creates an account. The password is always temporary: it must be
// changed at first login. Without one, a random temporary password is generated and
// answered once.
type createUserRequest struct {
	Username string     `json:"username"`
	Email    string     `json:"email"`
	FullName string     `json:"full_name"`
	Role     authn.Role `json:"role"`
	Password string     `json:"password"`
}

type createdUser struct {
	identityclient.User
	TemporaryPassword string `json:"temporary_password,omitempty"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.refuse(w, r, auditlog.Entry{Action: auditlog.ActionUserCreate}, err)
		return
	}
	req.Username, req.Email, req.FullName = strings.TrimSpace(req.Username), strings.TrimSpace(req.Email), strings.TrimSpace(req.FullName)
	// The password never enters the audit log.
	entry := auditlog.Entry{Action: auditlog.ActionUserCreate, SubjectUsername: clip(req.Username, auditlog.MaxUsernameLen),
		After: auditlog.Summary(map[string]any{"username": clip(req.Username, maxClip), "email": clip(req.Email, maxClip),
			"full_name": clip(req.FullName, maxClip), "role": clip(string(req.Role), maxClip)})}
	var errs []problem.FieldError
	errs = checkText(errs, "username", req.Username, true, maxUsernameRunes)
	errs = checkEmail(errs, req.Email, true)
	errs = checkText(errs, "full_name", req.FullName, false, maxFullNameRunes)
	if !req.Role.Valid() {
		errs = append(errs, problem.FieldError{Field: "role", Reason: "must be one of superadmin, admin, cliente"})
	}
	if len(req.Password) > maxPasswordBytes {
		// Rejected, never truncated (bcrypt reads only 72 bytes).
		errs = append(errs, problem.FieldError{Field: "password", Reason: fmt.Sprintf("at most %d bytes", maxPasswordBytes)})
	}
	if err := fieldErrors(errs); err != nil {
		a.refuse(w, r, entry, err)
		return
	}
	temporary := ""
	if req.Password == "" {
		temp, err := temporaryPassword()
		if err != nil {
			a.fail(w, r, err)
			return
		}
		req.Password, temporary = temp, temp
	}
	created, err := a.Identity.CreateUser(r.Context(), identityclient.NewUser{
		Username: req.Username, Email: req.Email, FullName: req.FullName, Role: req.Role,
		Password: req.Password, MustChangePassword: true,
	})
	if err != nil {
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	entry.SubjectID, entry.SubjectUsername, entry.Status = created.ID, created.Username, http.StatusCreated
	entry.After = auditlog.Summary(userSummary(created))
	a.record(r, entry)
	writeJSON(w, http.StatusCreated, createdUser{User: created, TemporaryPassword: temporary})
}

// updateUserRequest changes name, email or role; absent fields stay.
type updateUserRequest struct {
	FullName *string     `json:"full_name"`
	Email    *string     `json:"email"`
	Role     *authn.Role `json:"role"`
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	refused := auditlog.Entry{Action: auditlog.ActionUserUpdate, SubjectID: id}
	var req updateUserRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.refuse(w, r, refused, err)
		return
	}
	var errs []problem.FieldError
	if req.FullName == nil && req.Email == nil && req.Role == nil {
		errs = append(errs, problem.FieldError{Field: "body", Reason: "give at least one of full_name, email, role"})
	}
	if req.FullName != nil {
		v := strings.TrimSpace(*req.FullName)
		req.FullName = &v
		// Present means "set it"; identity refuses a blank name too.
		errs = checkText(errs, "full_name", v, true, maxFullNameRunes)
	}
	if req.Email != nil {
		v := strings.TrimSpace(*req.Email)
		req.Email = &v
		errs = checkEmail(errs, v, true)
	}
	if req.Role != nil && !req.Role.Valid() {
		errs = append(errs, problem.FieldError{Field: "role", Reason: "must be one of superadmin, admin, cliente"})
	}
	refused.After = auditlog.Summary(clipChange(req))
	if err := fieldErrors(errs); err != nil {
		a.refuse(w, r, refused, err)
		return
	}
	p, _ := authn.FromContext(r.Context())
	if req.Role != nil && *req.Role != authn.RoleSuperadmin && id == p.UserID {
		refused.SubjectUsername = clip(p.Username, auditlog.MaxUsernameLen)
		a.refuse(w, r, refused, problem.Conflict("self-demotion", "you cannot change your own role; ask another superadmin"))
		return
	}
	before, err := a.Identity.GetUser(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entry := auditlog.Entry{Action: auditlog.ActionUserUpdate, SubjectID: id, SubjectUsername: before.Username,
		Before: auditlog.Summary(userSummary(before))}
	after, err := a.Identity.UpdateUser(r.Context(), id, identityclient.UserChange{FullName: req.FullName, Email: req.Email, Role: req.Role})
	if err != nil {
		entry.After = auditlog.Summary(req)
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	entry.After, entry.Status = auditlog.Summary(userSummary(after)), http.StatusOK
	if after.Role != before.Role {
		// A privilege change kills every session: the old ones carry the old role.
		if err := a.Sessions.RevokeAll(r.Context(), id, ""); err != nil {
			entry.Status = http.StatusServiceUnavailable
			a.record(r, entry)
			a.fail(w, r, fmt.Errorf("role changed but sessions not revoked: %w", err))
			return
		}
	}
	a.record(r, entry)
	writeJSON(w, http.StatusOK, after)
}

// accountAction is disable, enable or delete: refuse it on oneself, call identity, then
// (except enable) kill every session of the account.
func (a *API) accountAction(w http.ResponseWriter, r *http.Request, action string, killSessions bool,
	call func(ctx context.Context, id string) (*identityclient.User, error), status int) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, _ := authn.FromContext(r.Context())
	if killSessions && id == p.UserID {
		a.refuse(w, r, auditlog.Entry{Action: action, SubjectID: id, SubjectUsername: clip(p.Username, auditlog.MaxUsernameLen)},
			problem.Conflict("self-action", "you cannot disable or delete your own account"))
		return
	}
	before, err := a.Identity.GetUser(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entry := auditlog.Entry{Action: action, SubjectID: id, SubjectUsername: before.Username,
		Before: auditlog.Summary(userSummary(before))}
	after, err := call(r.Context(), id)
	if err != nil {
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	if after != nil {
		entry.After = auditlog.Summary(userSummary(*after))
	}
	entry.Status = status
	if killSessions {
		if err := a.Sessions.RevokeAll(r.Context(), id, ""); err != nil {
			entry.Status = http.StatusServiceUnavailable
			a.record(r, entry)
			a.fail(w, r, fmt.Errorf("%s done but sessions not revoked (retry DELETE .../sessions): %w", action, err))
			return
		}
	}
	a.record(r, entry)
	if status == http.StatusNoContent || after == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, status, after)
}

func (a *API) disableUser(w http.ResponseWriter, r *http.Request) {
	a.accountAction(w, r, auditlog.ActionUserDisable, true, func(ctx context.Context, id string) (*identityclient.User, error) {
		u, err := a.Identity.DisableUser(ctx, id)
		return &u, err
	}, http.StatusOK)
}

func (a *API) enableUser(w http.ResponseWriter, r *http.Request) {
	a.accountAction(w, r, auditlog.ActionUserEnable, false, func(ctx context.Context, id string) (*identityclient.User, error) {
		u, err := a.Identity.EnableUser(ctx, id)
		return &u, err
	}, http.StatusOK)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	a.accountAction(w, r, auditlog.ActionUserDelete, true, func(ctx context.Context, id string) (*identityclient.User, error) {
		return nil, a.Identity.DeleteUser(ctx, id)
	}, http.StatusNoContent)
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, _ := authn.FromContext(r.Context())
	if id == p.UserID {
		// The admin reset skips the current password and ends every session of the
		// account: one's own password is changed with POST /api/v1/me/password.
		a.refuse(w, r, auditlog.Entry{Action: auditlog.ActionUserResetPassword, SubjectID: id,
			SubjectUsername: clip(p.Username, auditlog.MaxUsernameLen)},
			problem.Conflict("self-action", "you cannot reset your own password here; change it with POST /api/v1/me/password"))
		return
	}
	before, err := a.Identity.GetUser(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entry := auditlog.Entry{Action: auditlog.ActionUserResetPassword, SubjectID: id, SubjectUsername: before.Username}
	reset, err := a.Identity.ResetPassword(r.Context(), id)
	if err != nil {
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	// The password never enters the audit log.
	entry.After, entry.Status = auditlog.Summary(map[string]any{"must_change_password": true}), http.StatusOK
	if err := a.Sessions.RevokeAll(r.Context(), id, ""); err != nil {
		entry.Status = http.StatusServiceUnavailable
		a.record(r, entry)
		a.fail(w, r, fmt.Errorf("password reset but sessions not revoked: %w", err))
		return
	}
	a.record(r, entry)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"user": reset.User, "temporary_password": reset.TemporaryPassword})
}

func (a *API) unlockUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	before, err := a.Identity.GetUser(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entry := auditlog.Entry{Action: auditlog.ActionUserUnlock, SubjectID: id, SubjectUsername: before.Username,
		Before: auditlog.Summary(map[string]any{"locked": before.Locked, "locked_until": before.LockedUntil})}
	after, err := a.Identity.Unlock(r.Context(), id)
	if err != nil {
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	entry.After, entry.Status = auditlog.Summary(map[string]any{"locked": after.Locked}), http.StatusOK
	a.record(r, entry)
	writeJSON(w, http.StatusOK, after)
}

func (a *API) listLockouts(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		a.fail(w, r, err)
		return
	}
	locks, err := a.Identity.Lockouts(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.now()
	items := make([]identityclient.Lockout, 0, len(locks))
	for _, l := range locks {
		remaining := l.LockedUntil.Sub(now)
		if remaining <= 0 {
			continue // expired between identity's answer and now
		}
		// Recomputed on this clock, rounded up: "0 seconds left" while locked would lie.
		l.RemainingSeconds = int((remaining + time.Second - 1) / time.Second)
		items = append(items, l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// recordRefusal audits a refused action: refused by identity or session (protected
// account, duplicate...) or by this service itself (invalid fields, an action on
// oneself), so attempts leave a trace. Outages are not attempts that reached a decision
// and are only logged.
func (a *API) recordRefusal(r *http.Request, e auditlog.Entry, err error) {
	p := a.problemFor(r, err)
	if p.Status >= 500 {
		return
	}
	e.Status = p.Status
	summary := map[string]any{"refused": p.Type, "detail": clip(p.Detail, maxClip), "request": e.After}
	if len(p.Errors) > 0 {
		fields := make([]map[string]string, 0, len(p.Errors))
		for _, fe := range p.Errors {
			fields = append(fields, map[string]string{"field": clip(fe.Field, maxClip), "reason": clip(fe.Reason, maxClip)})
		}
		summary["errors"] = fields
	}
	e.After = auditlog.Summary(summary)
	a.record(r, e)
}

// refuse audits a refusal and answers it.
func (a *API) refuse(w http.ResponseWriter, r *http.Request, e auditlog.Entry, err error) {
	a.recordRefusal(r, e, err)
	a.fail(w, r, err)
}

// maxClip bounds each caller-given string an audit summary keeps of a refused request,
// so that an oversized or malformed value cannot make the entry itself invalid.
const maxClip = 200

// clip makes s storable in the audit log: valid UTF-8 without NUL, at most max runes;
// other control characters become spaces (columns refuse them).
func clip(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == 0:
			return -1
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// clipChange is what the audit log keeps of a (possibly refused) user change.
func clipChange(req updateUserRequest) map[string]any {
	out := map[string]any{}
	if req.FullName != nil {
		out["full_name"] = clip(*req.FullName, maxClip)
	}
	if req.Email != nil {
		out["email"] = clip(*req.Email, maxClip)
	}
	if req.Role != nil {
		out["role"] = clip(string(*req.Role), maxClip)
	}
	return out
}

// userSummary is what the audit log keeps of an account.
func userSummary(u identityclient.User) map[string]any {
	return map[string]any{
		"username": u.Username, "email": u.Email, "full_name": u.FullName, "role": u.Role,
		"active": u.Active,
	}
}

func checkText(errs []problem.FieldError, field, v string, required bool, max int) []problem.FieldError {
	switch {
	case required && v == "":
		return append(errs, problem.FieldError{Field: field, Reason: "required"})
	case !utf8.ValidString(v) || utf8.RuneCountInString(v) > max:
		return append(errs, problem.FieldError{Field: field, Reason: fmt.Sprintf("at most %d characters", max)})
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return append(errs, problem.FieldError{Field: field, Reason: "must not contain control characters"})
	}
	return errs
}

func checkEmail(errs []problem.FieldError, v string, required bool) []problem.FieldError {
	if v == "" && !required {
		return errs
	}
	addr, err := mail.ParseAddress(v)
	if v == "" || len(v) > maxEmailBytes || err != nil || addr.Address != v || !strings.Contains(v[strings.LastIndex(v, "@"):], ".") {
		return append(errs, problem.FieldError{Field: "email", Reason: "must be an email address like name@example.com"})
	}
	return errs
}

func fieldErrors(errs []problem.FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	names := make([]string, len(errs))
	for i, e := range errs {
		names[i] = e.Field
	}
	return problem.Invalid("invalid fields: "+strings.Join(names, ", "), errs...)
}
