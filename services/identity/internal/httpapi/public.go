package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/observability"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/identity/internal/user"
)

const maxFormBytes = 16 << 10

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// decodeLogin accepts JSON and HTML-form bodies (forms work without JavaScript).
func decodeLogin(w http.ResponseWriter, r *http.Request) (loginRequest, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return loginRequest{}, problem.BadRequest("request body is not a valid form")
		}
		return loginRequest{Username: r.PostForm.Get("username"), Password: r.PostForm.Get("password")}, nil
	}
	var req loginRequest
	err := jsonbody.Decode(w, r, &req)
	return req, err
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	req, err := decodeLogin(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.users.Login(r.Context(), user.Attempt{
		Username: req.Username, Password: req.Password, IP: a.ips.Of(r),
		UserAgent: r.UserAgent(), TraceID: observability.TraceID(r.Context()),
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.startSession(w, res.User, res.Session)
}

// startSession sets the session cookie and answers with the token for API clients.
func (a *API) startSession(w http.ResponseWriter, u user.User, s user.Session) {
	maxAge := int(time.Until(s.ExpiresAt).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	http.SetCookie(w, &http.Cookie{
		Name: authn.CookieName, Value: s.Token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	jsonbody.Write(w, http.StatusOK, loginView{Token: s.Token, User: viewUser(u),
		MustChangePassword: u.MustChangePassword, ExpiresAt: s.ExpiresAt.UTC()})
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: authn.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
}

// logout is Public so that a browser with an expired session can still clear its
// cookie; it revokes whatever token the request carries.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	token, _ := authn.TokenFromRequest(r)
	clearCookie(w)
	if token != "" {
		if err := a.users.Logout(r.Context(), token); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

type registerRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
	Password string `json:"password"`
}

func (a *API) register(w http.ResponseWriter, r *http.Request) {
	var req registerRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.users.Register(r.Context(), user.RegisterInput{Username: req.Username, Email: req.Email,
		FullName: req.FullName, Password: req.Password, IP: a.ips.Of(r)})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	jsonbody.Write(w, http.StatusCreated, viewUser(u))
}

func principal(r *http.Request) authn.Principal {
	p, _ := authn.FromContext(r.Context())
	return p
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	u, err := a.users.Get(r.Context(), p.UserID)
	if errors.Is(err, user.ErrNotFound) {
		// The session outlived its account (deleted meanwhile).
		problem.Write(w, r, problem.Unauthorized())
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := viewUser(u)
	if p.Act != nil {
		v.ImpersonatedBy = &actorView{UserID: p.Act.UserID, Username: p.Act.Username}
	}
	jsonbody.Write(w, http.StatusOK, v)
}

type updateMeRequest struct {
	FullName *string `json:"full_name"`
	Email    *string `json:"email"`
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if p.MustChangePassword {
		a.fail(w, r, user.ErrPasswordChangeFirst)
		return
	}
	var req updateMeRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.users.UpdateProfile(r.Context(), p.UserID, user.ProfileInput{FullName: req.FullName, Email: req.Email})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	jsonbody.Write(w, http.StatusOK, viewUser(u))
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var req changePasswordRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	u, sess, err := a.users.ChangePassword(r.Context(), user.ChangePasswordInput{
		UserID: p.UserID, CurrentPassword: req.CurrentPassword, NewPassword: req.NewPassword,
		IP: a.ips.Of(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		if sess.Token == "" && u.ID != "" {
			// The password changed and every session ended, but no new one could be
			// started: the caller must log in again.
			clearCookie(w)
		}
		a.fail(w, r, err)
		return
	}
	a.startSession(w, u, sess)
}
