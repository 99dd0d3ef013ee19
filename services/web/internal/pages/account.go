package pages

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
	"github.com/planta-dev/planta/services/web/internal/api/identity"
	"github.com/planta-dev/planta/services/web/internal/i18n"
	"github.com/planta-dev/planta/services/web/internal/security"
)

func (s *Site) root(w http.ResponseWriter, r *http.Request) {
	if p, ok := authn.FromContext(r.Context()); ok {
		if p.MustChangePassword {
			http.Redirect(w, r, "/account/password", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, home(p), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Site) setLanguage(w http.ResponseWriter, r *http.Request) {
	if l, ok := i18n.Parse(r.PostFormValue("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: i18n.CookieName, Value: string(l), Path: "/",
			MaxAge: 365 * 24 * 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	next := localTarget(r.PostFormValue("next"), "/")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loginData is the login form.
type loginData struct {
	Username, Next string
}

func (s *Site) loginForm(w http.ResponseWriter, r *http.Request) {
	if p, ok := authn.FromContext(r.Context()); ok {
		http.Redirect(w, r, home(p), http.StatusSeeOther)
		return
	}
	v := s.view(r)
	v.P, v.Nav = nil, s.nav(nil, r.URL.Path)
	v.Data = loginData{Next: localTarget(r.URL.Query().Get("next"), "")}
	s.render(w, r, http.StatusOK, "login", v)
}

// login posts the credentials to identity server-side and relays its Set-Cookie: the
// form works without JavaScript, errors are shown in the user's language, and the
// session cookie the browser gets is exactly the one identity issued.
func (s *Site) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	next := localTarget(r.PostFormValue("next"), "")
	v := s.view(r)
	v.P, v.Nav, v.CSRF, v.Impersonating = nil, s.nav(nil, "/login"), "", false
	v.Data = loginData{Username: username, Next: next}
	if username == "" || password == "" {
		v.Flash = &Flash{Kind: "error", Text: v.L.T("login.empty")}
		s.render(w, r, http.StatusUnprocessableEntity, "login", v)
		return
	}
	ctx := ctxFor(r)
	caller := apicall.CallerFrom(ctx)
	caller.Token = "" // a stale cookie must not ride along
	sess, err := s.api.Identity.Login(apicall.WithCaller(r.Context(), caller), username, password)
	if err != nil {
		p, ok := apicall.AsProblem(err)
		switch {
		case ok && p.Status == http.StatusUnauthorized:
			// Unknown user, wrong password, locked and disabled accounts get the same
			// answer from identity; the page says so without telling which.
			v.Flash = &Flash{Kind: "error", Text: v.L.T("login.failed")}
			s.render(w, r, http.StatusUnauthorized, "login", v)
		case ok && p.Status == http.StatusTooManyRequests:
			v.Flash = &Flash{Kind: "error", Text: v.L.T("login.rate_limited")}
			s.render(w, r, http.StatusTooManyRequests, "login", v)
		case ok && p.Status < 500:
			v.Flash = &Flash{Kind: "error", Text: v.L.T("login.failed")}
			s.render(w, r, http.StatusUnprocessableEntity, "login", v)
		default:
			s.log.ErrorContext(r.Context(), "login call failed", "error", err)
			v.Flash = &Flash{Kind: "error", Text: v.L.T("error.unavailable")}
			s.render(w, r, http.StatusServiceUnavailable, "login", v)
		}
		return
	}
	relayCookies(w, sess.Cookies)
	switch {
	case sess.MustChangePassword:
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
	case next != "":
		http.Redirect(w, r, next, http.StatusSeeOther)
	default:
		http.Redirect(w, r, home(authn.Principal{Role: authn.Role(sess.User.Role)}), http.StatusSeeOther)
	}
}

func relayCookies(w http.ResponseWriter, cookies []string) {
	for _, c := range cookies {
		w.Header().Add("Set-Cookie", c)
	}
}

// setSessionCookie replaces the browser's session (impersonation start/stop answer a
// token to Bearer callers such as the web).
func setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	c := &http.Cookie{Name: authn.CookieName, Value: token, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		c.Expires = expires.UTC()
	}
	http.SetCookie(w, c)
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: authn.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
}

func (s *Site) logout(w http.ResponseWriter, r *http.Request) {
	token, _ := authn.TokenFromRequest(r)
	if _, ok := authn.FromContext(r.Context()); ok && !security.CheckCSRF(r, token) {
		v := s.view(r)
		v.Data = v.L.T("error.csrf")
		s.render(w, r, http.StatusForbidden, "error", v)
		return
	}
	if token != "" {
		if err := s.api.Identity.Logout(ctxFor(r)); err != nil && !apicall.IsStatus(err, http.StatusUnauthorized) {
			s.log.WarnContext(r.Context(), "logout call failed", "error", err)
		}
	}
	clearSessionCookie(w)
	http.Redirect(w, r, "/login?ok=flash.logged_out", http.StatusSeeOther)
}

func (s *Site) registerForm(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	if !s.cfg.Registration {
		v.Data = v.L.T("register.closed")
		s.render(w, r, http.StatusNotFound, "error", v)
		return
	}
	s.render(w, r, http.StatusOK, "register", v)
}

func (s *Site) register(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	if !s.cfg.Registration {
		v.Data = v.L.T("register.closed")
		s.render(w, r, http.StatusNotFound, "error", v)
		return
	}
	v.Form = r.PostForm
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		v.Errors["password_confirm"] = v.L.T("password.mismatch")
		s.render(w, r, http.StatusUnprocessableEntity, "register", v)
		return
	}
	caller := apicall.CallerFrom(ctxFor(r))
	caller.Token = ""
	_, err := s.api.Identity.Register(apicall.WithCaller(r.Context(), caller), identity.Registration{
		Username: strings.TrimSpace(r.PostFormValue("username")), Email: strings.TrimSpace(r.PostFormValue("email")),
		FullName: strings.TrimSpace(r.PostFormValue("full_name")), Password: r.PostFormValue("password"),
	})
	if err != nil {
		if p, ok := apicall.AsProblem(err); ok && p.Slug() == "registration-closed" {
			v.Data = v.L.T("register.closed")
			s.render(w, r, http.StatusForbidden, "error", v)
			return
		}
		if s.formErrors(v, err) {
			s.render(w, r, http.StatusUnprocessableEntity, "register", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?ok=flash.registered", http.StatusSeeOther)
}

func (s *Site) passwordForm(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	s.render(w, r, http.StatusOK, "password", v)
}

func (s *Site) changePassword(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	if r.PostFormValue("new_password") != r.PostFormValue("new_password_confirm") {
		v.Errors["new_password_confirm"] = v.L.T("password.mismatch")
		s.render(w, r, http.StatusUnprocessableEntity, "password", v)
		return
	}
	sess, err := s.api.Identity.ChangePassword(ctxFor(r), r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		if s.formErrors(v, err) {
			s.render(w, r, http.StatusUnprocessableEntity, "password", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	relayCookies(w, sess.Cookies)
	http.Redirect(w, r, home(authn.Principal{Role: authn.Role(sess.User.Role)})+"?ok=flash.password_changed", http.StatusSeeOther)
}

func (s *Site) profile(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	me, err := s.api.Identity.Me(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = me
	v.Form = url.Values{"full_name": {me.FullName}, "email": {me.Email}}
	s.render(w, r, http.StatusOK, "profile", v)
}

func (s *Site) updateProfile(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	name, email := strings.TrimSpace(r.PostFormValue("full_name")), strings.TrimSpace(r.PostFormValue("email"))
	me, err := s.api.Identity.UpdateMe(ctxFor(r), identity.ProfileChange{FullName: &name, Email: &email})
	if err != nil {
		if s.formErrors(v, err) {
			v.Form = r.PostForm
			if cur, e2 := s.api.Identity.Me(ctxFor(r)); e2 == nil {
				v.Data = cur
			}
			s.render(w, r, http.StatusUnprocessableEntity, "profile", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	_ = me
	http.Redirect(w, r, "/account/profile?ok=flash.saved", http.StatusSeeOther)
}

func (s *Site) mySessions(w http.ResponseWriter, r *http.Request) {
	v := s.view(r)
	list, err := s.api.Sessions.Mine(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = list
	s.render(w, r, http.StatusOK, "sessions", v)
}

func (s *Site) revokeSession(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Sessions.Revoke(ctxFor(r), mux.Vars(r)["id"]); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/sessions?ok=flash.session_revoked", http.StatusSeeOther)
}

func (s *Site) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	if err := s.api.Sessions.RevokeOthers(ctxFor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/sessions?ok=flash.sessions_revoked", http.StatusSeeOther)
}

func (s *Site) stopImpersonation(w http.ResponseWriter, r *http.Request) {
	is, err := s.api.Admin.StopImpersonation(ctxFor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setSessionCookie(w, is.Token, is.Session.ExpiresAt)
	http.Redirect(w, r, "/admin/users?ok=flash.impersonation_stopped", http.StatusSeeOther)
}
