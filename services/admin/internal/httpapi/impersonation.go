package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/impersonation"
	"github.com/planta-dev/planta/services/admin/internal/sessionclient"
)

// stopGuard admits any session; stopImpersonation then refuses whoever is not
// impersonating (RequireRole(superadmin) would refuse the impersonating principal, who
// carries the cliente's role).
func stopGuard() authn.Guard { return authn.RequireAuthenticated() }

type startImpersonationRequest struct {
	UserID string `json:"user_id"`
	Reason string `json:"reason"`
}

// issuedResponse answers start and stop. The token is in the body only for Bearer
// callers: a browser session lives in an HttpOnly cookie, and putting its token where
// scripts can read it would undo that.
type issuedResponse struct {
	Token   string                `json:"token,omitempty"`
	Session sessionclient.Session `json:"session"`
}

func (a *API) startImpersonation(w http.ResponseWriter, r *http.Request) {
	var req startImpersonationRequest
	if err := jsonbody.Decode(w, r, &req); err != nil {
		a.refuse(w, r, auditlog.Entry{Action: auditlog.ActionImpersonationStart}, err)
		return
	}
	var errs []problem.FieldError
	if !userIDPattern.MatchString(req.UserID) {
		errs = append(errs, problem.FieldError{Field: "user_id", Reason: "required: the id of an active cliente"})
	}
	if err := impersonation.ValidateReason(req.Reason); err != nil {
		var fe *auditlog.FieldError
		if errors.As(err, &fe) {
			errs = append(errs, problem.FieldError{Field: fe.Field, Reason: fe.Reason})
		}
	}
	if err := fieldErrors(errs); err != nil {
		// Audited like the refusals impersonation.Start decides (target not a cliente...).
		refused := auditlog.Entry{Action: auditlog.ActionImpersonationStart, Reason: clip(req.Reason, maxClip),
			After: auditlog.Summary(map[string]any{"user_id": clip(req.UserID, maxClip), "reason": clip(req.Reason, maxClip)})}
		if userIDPattern.MatchString(req.UserID) {
			refused.SubjectID = req.UserID
		}
		a.refuse(w, r, refused, err)
		return
	}
	p, _ := authn.FromContext(r.Context())
	token, fromCookie := authn.TokenFromRequest(r)
	started, err := a.Impersonation.Start(r.Context(), impersonation.StartRequest{
		Actor: p, ActorToken: token, TargetID: req.UserID, Reason: req.Reason, Audit: a.auditContext(r),
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.answerIssued(w, http.StatusCreated, started.Issued, fromCookie)
}

func (a *API) stopImpersonation(w http.ResponseWriter, r *http.Request) {
	p, _ := authn.FromContext(r.Context())
	if !p.Impersonating() {
		a.fail(w, r, impersonation.ErrNotImpersonating)
		return
	}
	token, fromCookie := authn.TokenFromRequest(r)
	issued, err := a.Impersonation.Stop(r.Context(), impersonation.StopRequest{Principal: p, Token: token, Audit: a.auditContext(r)})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.answerIssued(w, http.StatusOK, issued, fromCookie)
}

func (a *API) answerIssued(w http.ResponseWriter, status int, issued sessionclient.Issued, fromCookie bool) {
	resp := issuedResponse{Token: issued.Token, Session: issued.Session}
	if fromCookie {
		setSessionCookie(w, issued.Token, issued.Session.ExpiresAt)
		resp.Token = ""
	}
	writeJSON(w, status, resp)
}

// setSessionCookie replaces the browser's session cookie. __Host- requires Secure,
// Path=/ and no Domain.
func setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	c := &http.Cookie{
		Name: authn.CookieName, Value: token, Path: "/",
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	}
	if !expires.IsZero() {
		c.Expires = expires.UTC()
	}
	http.SetCookie(w, c)
}
