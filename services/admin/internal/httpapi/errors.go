package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
	"github.com/planta-dev/planta/services/admin/internal/impersonation"
	"github.com/planta-dev/planta/services/admin/internal/sessionclient"
)

// fail maps every error of the service to its problem: the one place where domain
// errors, identity's and session's refusals become problem+json.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	problem.Write(w, r, a.problemFor(r, err))
}

func (a *API) problemFor(r *http.Request, err error) *problem.Problem {
	var (
		fieldErr *auditlog.FieldError
		idErr    *identityclient.Error
		sessErr  *sessionclient.Error
	)
	if p := problem.From(err); p != nil {
		return p
	}
	switch {
	case errors.As(err, &fieldErr):
		return problem.Field(fieldErr.Field, fieldErr.Reason)

	case errors.Is(err, impersonation.ErrTargetNotFound):
		return typed(problem.Field("user_id", "no such user"), "impersonation-target")
	case errors.Is(err, impersonation.ErrTargetNotCliente):
		return typed(problem.Field("user_id", "only an active cliente can be impersonated (never an admin or superadmin)"), "impersonation-target")
	case errors.Is(err, impersonation.ErrTargetInactive):
		return typed(problem.Field("user_id", "the account is disabled; only an active cliente can be impersonated"), "impersonation-target")
	case errors.Is(err, impersonation.ErrNested):
		return problem.Conflict("already-impersonating", "stop the current impersonation first")
	case errors.Is(err, impersonation.ErrNotSuperadmin):
		return problem.Forbidden("only a superadmin may impersonate")
	case errors.Is(err, impersonation.ErrNotImpersonating):
		return problem.New(http.StatusForbidden, "not-impersonating", "this session is not impersonating anyone")
	case errors.Is(err, impersonation.ErrAuditUnavailable):
		a.Log.ErrorContext(r.Context(), "impersonation refused: audit log unavailable", "error", err)
		return problem.Unavailable("the audit log is unavailable; nothing was started")

	case errors.Is(err, identityclient.ErrNotFound):
		return problem.NotFound("user")
	case errors.As(err, &idErr):
		return relay(idErr.Status, idErr.Problem, "identity-refused")
	case errors.Is(err, identityclient.ErrUnavailable):
		a.Log.ErrorContext(r.Context(), "identity unavailable", "error", err)
		return problem.Unavailable("identity service unavailable")

	case errors.Is(err, sessionclient.ErrNotFound):
		return problem.NotFound("session")
	case errors.Is(err, sessionclient.ErrInvalidSession):
		return problem.Unauthorized()
	case errors.As(err, &sessErr):
		return relay(sessErr.Status, sessErr.Problem, "session-refused")
	case errors.Is(err, sessionclient.ErrUnavailable):
		a.Log.ErrorContext(r.Context(), "session service unavailable", "error", err)
		return problem.Unavailable("session service unavailable")
	}
	a.Log.ErrorContext(r.Context(), "request failed", "error", err)
	return problem.Internal()
}

// relay passes a downstream refusal on: its status, type, detail and field errors, with
// this request as the instance. A refusal without a body gets a generic problem.
func relay(status int, p *problem.Problem, slug string) *problem.Problem {
	if p == nil || p.Type == "" {
		return problem.New(status, slug, http.StatusText(status))
	}
	out := problem.New(status, "", p.Detail)
	out.Type, out.Errors = p.Type, p.Errors
	if p.Title != "" {
		out.Title = p.Title
	}
	return out
}

func typed(p *problem.Problem, slug string) *problem.Problem {
	p.Type = problem.TypeBase + slug
	return p
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
