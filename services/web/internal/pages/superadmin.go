package pages

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/services/web/internal/api/admin"
	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// usersData is the user list with its filters.
type usersData struct {
	Users  []admin.User
	Filter admin.UserFilter
	Next   string
}

func (s *Site) users(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	q := r.URL.Query()
	f := admin.UserFilter{Role: q.Get("role"), Active: q.Get("active"), Locked: q.Get("locked"),
		Query: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor"), Limit: 50}
	page, err := s.api.Admin.Users(ctxFor(r), f)
	if err != nil {
		if s.formErrors(v, err) {
			v.Data = usersData{Filter: f}
			s.render(w, r, http.StatusUnprocessableEntity, "users", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	next := ""
	if page.NextCursor != "" {
		nq := url.Values{}
		for k, vals := range q {
			nq[k] = vals
		}
		nq.Set("cursor", page.NextCursor)
		next = "/admin/users?" + nq.Encode()
	}
	v.Data = usersData{Users: page.Items, Filter: f, Next: next}
	s.render(w, r, http.StatusOK, "users", v)
}

func (s *Site) newUserForm(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	v.Form = url.Values{"role": {"cliente"}}
	s.render(w, r, http.StatusOK, "user_new", v)
}

func (s *Site) createUser(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	v.Form = r.PostForm
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		v.Errors["password_confirm"] = v.L.T("password.mismatch")
		s.render(w, r, http.StatusUnprocessableEntity, "user_new", v)
		return
	}
	u, err := s.api.Admin.CreateUser(ctxFor(r), admin.NewUser{
		Username: strings.TrimSpace(r.PostFormValue("username")), Email: strings.TrimSpace(r.PostFormValue("email")),
		FullName: strings.TrimSpace(r.PostFormValue("full_name")), Role: r.PostFormValue("role"),
		Password: r.PostFormValue("password"),
	})
	if err != nil {
		if s.formErrors(v, err) {
			s.render(w, r, http.StatusUnprocessableEntity, "user_new", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	if u.TemporaryPassword != "" {
		s.renderUser(w, r, u.ID, &Flash{Kind: "ok", Text: v.L.T("users.temporary_password", u.TemporaryPassword)})
		return
	}
	http.Redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?ok=flash.user_created", http.StatusSeeOther)
}

// userData is one user's page: account, sessions.
type userData struct {
	User     admin.User
	Sessions []admin.Session
}

func (s *Site) userDetail(w http.ResponseWriter, r *http.Request) {
	s.renderUser(w, r, mux.Vars(r)["id"], nil)
}

func (s *Site) renderUser(w http.ResponseWriter, r *http.Request, id string, flash *Flash) {
	v := s.view(r)
	if flash != nil {
		v.Flash = flash
	}
	ctx := ctxFor(r)
	u, err := s.api.Admin.User(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := s.api.Admin.Sessions(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = userData{User: u, Sessions: sess}
	if len(v.Form) == 0 {
		v.Form = url.Values{"full_name": {u.FullName}, "email": {u.Email}, "role": {u.Role}}
	}
	s.render(w, r, http.StatusOK, "user", v)
}

func (s *Site) updateUser(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	name, email, role := strings.TrimSpace(r.PostFormValue("full_name")), strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("role")
	ch := admin.UserChange{FullName: &name, Email: &email}
	if role != "" {
		ch.Role = &role
	}
	if _, err := s.api.Admin.UpdateUser(ctxFor(r), id, ch); err != nil {
		v := s.view(r)
		if s.formErrors(v, err) {
			u, _ := s.api.Admin.User(ctxFor(r), id)
			sess, _ := s.api.Admin.Sessions(ctxFor(r), id)
			v.Form, v.Data = r.PostForm, userData{User: u, Sessions: sess}
			s.render(w, r, http.StatusUnprocessableEntity, "user", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) userAction(w http.ResponseWriter, r *http.Request) {
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	ctx := ctxFor(r)
	var err error
	switch action {
	case "reset-password":
		var reset admin.PasswordReset
		reset, err = s.api.Admin.ResetPassword(ctx, id)
		if err == nil {
			v := s.view(r)
			s.renderUser(w, r, id, &Flash{Kind: "ok", Text: v.L.T("users.temporary_password", reset.TemporaryPassword)})
			return
		}
	case "delete":
		if err = s.api.Admin.DeleteUser(ctx, id); err == nil {
			http.Redirect(w, r, "/admin/users?ok=flash.user_deleted", http.StatusSeeOther)
			return
		}
	default:
		err = s.api.Admin.Action(ctx, id, action)
	}
	if err != nil {
		if p, ok := apicall.AsProblem(err); ok && p.Status == http.StatusConflict {
			v := s.view(r)
			s.renderUser(w, r, id, &Flash{Kind: "error", Text: v.L.T("error.form", p.Detail)})
			return
		}
		s.fail(w, r, err)
		return
	}
	back := localTarget(r.PostFormValue("back"), "/admin/users/"+url.PathEscape(id))
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"ok=flash.user_"+strings.ReplaceAll(action, "-", "_"), http.StatusSeeOther)
}

func (s *Site) terminateSession(w http.ResponseWriter, r *http.Request) {
	id, sid := mux.Vars(r)["id"], mux.Vars(r)["sid"]
	if err := s.api.Admin.TerminateSession(ctxFor(r), id, sid); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?ok=flash.session_revoked", http.StatusSeeOther)
}

func (s *Site) terminateAllSessions(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if err := s.api.Admin.TerminateAll(ctxFor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?ok=flash.sessions_revoked", http.StatusSeeOther)
}

// impersonate starts "Visualizar": the admin service answers a new session token (the
// web calls with Bearer), which becomes the browser's cookie.
func (s *Site) impersonate(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	is, err := s.api.Admin.StartImpersonation(ctxFor(r), id, strings.TrimSpace(r.PostFormValue("reason")))
	if err != nil {
		if p, ok := apicall.AsProblem(err); ok && p.Status < 500 && p.Status != http.StatusUnauthorized {
			v := s.view(r)
			s.renderUser(w, r, id, &Flash{Kind: "error", Text: v.L.T("error.form", p.Detail)})
			return
		}
		s.fail(w, r, err)
		return
	}
	setSessionCookie(w, is.Token, is.Session.ExpiresAt)
	http.Redirect(w, r, "/app", http.StatusSeeOther)
}

func (s *Site) lockouts(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	list, err := s.api.Admin.Lockouts(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = list
	s.render(w, r, http.StatusOK, "lockouts", v)
}

// accessLogsData is the access log page.
type accessLogsData struct {
	Entries []admin.AccessLogEntry
	KPIs    admin.KPIs
	Filter  admin.AccessLogFilter
	// FromDate and ToDate are the date inputs (YYYY-MM-DD, site time zone).
	FromDate, ToDate string
	CSV, Next        string
	Chart            map[string]any
	Outcomes         []string
}

var accessOutcomes = []string{"success", "bad_credentials", "locked", "disabled", "rate_limited", "error", "break_glass_unlock", "break_glass_reset"}

func (s *Site) accessLogs(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	q := r.URL.Query()
	d := accessLogsData{Outcomes: accessOutcomes, FromDate: q.Get("from"), ToDate: q.Get("to")}
	d.Filter = admin.AccessLogFilter{Username: strings.TrimSpace(q.Get("username")), Outcome: q.Get("outcome"),
		IP: strings.TrimSpace(q.Get("ip")), Cursor: q.Get("cursor")}
	if t, err := time.ParseInLocation("2006-01-02", d.FromDate, v.L.Loc); err == nil {
		d.Filter.From = t.UTC().Format(time.RFC3339)
	}
	if t, err := time.ParseInLocation("2006-01-02", d.ToDate, v.L.Loc); err == nil {
		d.Filter.To = t.AddDate(0, 0, 1).UTC().Format(time.RFC3339)
	}
	ctx := ctxFor(r)
	page, err := s.api.Admin.AccessLogs(ctx, d.Filter)
	if err != nil {
		if s.formErrors(v, err) {
			v.Data = d
			s.render(w, r, http.StatusUnprocessableEntity, "access_logs", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	d.Entries = page.Items
	if d.KPIs, err = s.api.Admin.AccessLogKPIs(ctx, d.Filter.From, d.Filter.To); err != nil {
		s.fail(w, r, err)
		return
	}
	labels, failures, successes := []string{}, []int64{}, []int64{}
	for _, day := range d.KPIs.PerDay {
		labels = append(labels, day.Day)
		failures = append(failures, day.Failures)
		successes = append(successes, day.Successes)
	}
	d.Chart = map[string]any{"type": "bar", "labels": labels, "datasets": []map[string]any{
		{"label": v.L.T("access.failures"), "data": failures, "color": "#b91c1c"},
		{"label": v.L.T("access.successes"), "data": successes, "color": "#1f6f4a"},
	}}
	csvQ := d.Filter.Values()
	csvQ.Del("cursor")
	d.CSV = admin.Base + "/access-logs.csv"
	if len(csvQ) > 0 {
		d.CSV += "?" + csvQ.Encode()
	}
	if page.NextCursor != "" {
		nq := url.Values{}
		for k, vals := range q {
			nq[k] = vals
		}
		nq.Set("cursor", page.NextCursor)
		d.Next = "/admin/access-logs?" + nq.Encode()
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "access_logs", v)
}

// auditData is the audit log page.
type auditData struct {
	Events []admin.AuditEvent
	Filter admin.AuditFilter
	CSV    string
	Next   string
}

func (s *Site) audit(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	q := r.URL.Query()
	f := admin.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Subject: strings.TrimSpace(q.Get("subject")),
		Action: strings.TrimSpace(q.Get("action")), Cursor: q.Get("cursor")}
	page, err := s.api.Admin.AuditEvents(ctxFor(r), f)
	if err != nil {
		if s.formErrors(v, err) {
			v.Data = auditData{Filter: f}
			s.render(w, r, http.StatusUnprocessableEntity, "audit", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	csvQ := f.Values()
	csvQ.Del("cursor")
	d := auditData{Events: page.Items, Filter: f, CSV: admin.Base + "/audit-events.csv?" + csvQ.Encode()}
	if page.NextCursor != "" {
		nq := url.Values{}
		for k, vals := range q {
			nq[k] = vals
		}
		nq.Set("cursor", page.NextCursor)
		d.Next = "/admin/audit?" + nq.Encode()
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "audit", v)
}
