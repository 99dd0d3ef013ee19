package httpapi

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/identity/internal/accesslog"
	"github.com/planta-dev/planta/services/identity/internal/user"
)

// query reads and validates query parameters, collecting every problem.
type query struct {
	r      *http.Request
	fields []problem.FieldError
}

func (q *query) bad(field, reason string) {
	q.fields = append(q.fields, problem.FieldError{Field: field, Reason: reason})
}

func (q *query) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	parts := make([]string, len(q.fields))
	for i, f := range q.fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return problem.BadRequest(strings.Join(parts, "; "), q.fields...)
}

func (q *query) str(name string, max int) string {
	v := q.r.URL.Query().Get(name)
	if len(v) > max {
		q.bad(name, "is too long")
		return ""
	}
	return v
}

func (q *query) boolean(name string) *bool {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.bad(name, "must be true or false")
		return nil
	}
	return &b
}

func (q *query) limit(def, max int) int {
	v := q.r.URL.Query().Get("limit")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		q.bad("limit", "must be an integer in [1, "+strconv.Itoa(max)+"]")
		return def
	}
	return n
}

func (q *query) time(name string) time.Time {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		q.bad(name, "must be an RFC 3339 timestamp such as 2026-01-31T00:00:00Z")
	}
	return t.UTC()
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	f := user.ListFilter{
		Role: user.Role(q.str("role", 20)), Active: q.boolean("active"), Query: q.str("q", 200),
		Cursor: q.str("cursor", 200), Limit: q.limit(50, 200),
	}
	if f.Role != "" && !f.Role.Valid() {
		q.bad("role", "must be one of superadmin, admin, cliente")
	}
	locked := q.boolean("locked")
	if err := q.err(); err != nil {
		a.fail(w, r, err)
		return
	}
	users, next, err := a.users.List(r.Context(), f, locked)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lockedMap, err := a.lockedMap(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]adminUserView, len(users))
	for i, u := range users {
		items[i] = viewAdminUser(u, lockedMap[u.ID])
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[adminUserView]{Items: items, NextCursor: next})
}

func (a *API) lockedMap(r *http.Request) (map[string]time.Time, error) {
	ls, err := a.users.Locked(r.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[string]time.Time, len(ls))
	for _, l := range ls {
		m[l.User.ID] = l.LockedUntil
	}
	return m, nil
}

func (a *API) writeAdminUser(w http.ResponseWriter, r *http.Request, status int, u user.User) {
	st, err := a.users.LockStatus(r.Context(), u.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := viewAdminUser(u, st.LockedUntil)
	f := st.Failures
	v.RecentFailures = &f
	jsonbody.Write(w, status, v)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.users.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeAdminUser(w, r, http.StatusOK, u)
}

func (a *API) getUserByUsername(w http.ResponseWriter, r *http.Request) {
	u, err := a.users.GetByUsername(r.Context(), mux.Vars(r)["username"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeAdminUser(w, r, http.StatusOK, u)
}

type createUserRequest struct {
	Username           string    `json:"username"`
	Email              string    `json:"email"`
	FullName           string    `json:"full_name"`
	Role               user.Role `json:"role"`
	Password           string    `json:"password"`
	MustChangePassword *bool     `json:"must_change_password"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	mustChange := true
	if req.MustChangePassword != nil {
		mustChange = *req.MustChangePassword
	}
	u, err := a.users.Create(r.Context(), user.CreateInput{Username: req.Username, Email: req.Email,
		FullName: req.FullName, Role: req.Role, Password: req.Password, MustChangePassword: mustChange})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeAdminUser(w, r, http.StatusCreated, u)
}

type updateUserRequest struct {
	FullName *string    `json:"full_name"`
	Email    *string    `json:"email"`
	Role     *user.Role `json:"role"`
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	var req updateUserRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.users.Update(r.Context(), mux.Vars(r)["id"], user.UpdateInput{FullName: req.FullName, Email: req.Email, Role: req.Role})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeAdminUser(w, r, http.StatusOK, u)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	if err := a.users.Delete(r.Context(), mux.Vars(r)["id"]); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) setActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := a.users.SetActive(r.Context(), mux.Vars(r)["id"], active)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.writeAdminUser(w, r, http.StatusOK, u)
	}
}

type resetPasswordView struct {
	User              adminUserView `json:"user"`
	TemporaryPassword string        `json:"temporary_password"`
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	u, temp, err := a.users.ResetPassword(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	jsonbody.Write(w, http.StatusOK, resetPasswordView{User: viewAdminUser(u, time.Time{}), TemporaryPassword: temp})
}

func (a *API) unlock(w http.ResponseWriter, r *http.Request) {
	u, err := a.users.Unlock(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeAdminUser(w, r, http.StatusOK, u)
}

type lockoutView struct {
	User             adminUserView `json:"user"`
	LockedUntil      time.Time     `json:"locked_until"`
	RemainingSeconds int           `json:"remaining_seconds"`
}

func (a *API) listLockouts(w http.ResponseWriter, r *http.Request) {
	ls, err := a.users.Locked(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.now()
	items := make([]lockoutView, len(ls))
	for i, l := range ls {
		rem := int(l.LockedUntil.Sub(now).Round(time.Second).Seconds())
		if rem < 1 {
			rem = 1
		}
		items[i] = lockoutView{User: viewAdminUser(l.User, l.LockedUntil), LockedUntil: l.LockedUntil.UTC(), RemainingSeconds: rem}
	}
	jsonbody.Write(w, http.StatusOK, jsonbody.List[lockoutView]{Items: items})
}

func (a *API) queryAccessLog(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	f := accesslog.Filter{
		UserID: q.str("user_id", 36), Username: q.str("username", 255), Outcome: accesslog.Outcome(q.str("outcome", 32)),
		IP: q.str("ip", 64), From: q.time("from"), To: q.time("to"), Limit: q.limit(100, 500),
	}
	if f.Outcome != "" && !f.Outcome.Valid() {
		q.bad("outcome", "must be one of success, bad_credentials, locked, disabled, rate_limited, error, break_glass_unlock, break_glass_reset")
	}
	if f.IP != "" {
		if a, err := netip.ParseAddr(f.IP); err != nil {
			q.bad("ip", "must be an IPv4 or IPv6 address")
		} else {
			f.IP = a.Unmap().String()
		}
	}
	if c := q.str("cursor", 20); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 1 {
			q.bad("cursor", "is not valid")
		}
		f.Before = n
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		q.bad("to", "must be after from")
	}
	if err := q.err(); err != nil {
		a.fail(w, r, err)
		return
	}
	entries, next, err := a.accessLog.Query(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := jsonbody.List[accesslog.Entry]{Items: entries}
	if next > 0 {
		out.NextCursor = strconv.FormatInt(next, 10)
	}
	jsonbody.Write(w, http.StatusOK, out)
}

func (a *API) accessLogKPIs(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	from, to := q.time("from"), q.time("to")
	if to.IsZero() {
		to = a.now().UTC()
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	if !from.Before(to) {
		q.bad("to", "must be after from")
	} else if to.Sub(from) > 366*24*time.Hour {
		q.bad("from", "the period must not exceed 366 days")
	}
	if err := q.err(); err != nil {
		a.fail(w, r, err)
		return
	}
	k, err := a.accessLog.KPIs(r.Context(), from, to)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ls, err := a.users.Locked(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	k.LockedNow = len(ls)
	jsonbody.Write(w, http.StatusOK, k)
}
