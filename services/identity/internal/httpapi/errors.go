package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"

	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/identity/internal/password"
	"github.com/planta-dev/planta/services/identity/internal/store"
	"github.com/planta-dev/planta/services/identity/internal/user"
)

// invalidCredentials is the one answer to a failed login, built fresh each time so that
// every failure writes byte-identical status, headers and body.
func invalidCredentials() *problem.Problem {
	return problem.New(http.StatusUnauthorized, "invalid-credentials", "invalid username or password")
}

// toProblem maps domain errors to problem+json, in one place.
func toProblem(ctx context.Context, log *slog.Logger, err error) *problem.Problem {
	var (
		ve *user.ValidationError
		rl *user.RateLimitedError
	)
	switch {
	case problem.From(err) != nil:
		return problem.From(err)
	case errors.As(err, &ve):
		fields := make([]problem.FieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			fields[i] = problem.FieldError{Field: f.Field, Reason: f.Reason}
		}
		return problem.Invalid(ve.Error(), fields...)
	case errors.Is(err, user.ErrInvalidCredentials):
		return invalidCredentials()
	case errors.As(err, &rl):
		p := problem.New(http.StatusTooManyRequests, "rate-limited", "too many requests from this address; retry later")
		p.RetryAfter = int(math.Max(1, math.Ceil(rl.RetryAfter.Seconds())))
		return p
	case errors.Is(err, password.ErrBusy):
		p := problem.New(http.StatusTooManyRequests, "busy", "too many concurrent password checks; retry shortly")
		p.RetryAfter = 1
		return p
	case errors.Is(err, user.ErrNotFound):
		return problem.NotFound("user")
	case errors.Is(err, user.ErrUsernameTaken):
		p := problem.Conflict("username-taken", "this username is taken")
		p.Errors = []problem.FieldError{{Field: "username", Reason: "is taken"}}
		return p
	case errors.Is(err, user.ErrEmailTaken):
		p := problem.Conflict("email-taken", "this email is already registered")
		p.Errors = []problem.FieldError{{Field: "email", Reason: "is taken"}}
		return p
	case errors.Is(err, user.ErrProtected):
		return problem.Conflict("protected-account", user.ErrProtected.Error())
	case errors.Is(err, user.ErrLastSuperadmin):
		return problem.Conflict("last-superadmin", user.ErrLastSuperadmin.Error())
	case errors.Is(err, user.ErrDeclarative):
		return problem.Conflict("declarative-account", user.ErrDeclarative.Error())
	case errors.Is(err, user.ErrRegistrationClosed):
		return problem.New(http.StatusForbidden, "registration-closed", user.ErrRegistrationClosed.Error())
	case errors.Is(err, user.ErrPasswordChangeFirst):
		return problem.New(http.StatusForbidden, "password-change-required", "change your password first (POST /api/v1/me/password)")
	case errors.Is(err, user.ErrWrongPassword):
		return problem.Invalid("current_password: is incorrect", problem.FieldError{Field: "current_password", Reason: "is incorrect"})
	case errors.Is(err, store.ErrBadCursor):
		return problem.BadRequest("cursor: is not valid", problem.FieldError{Field: "cursor", Reason: "is not valid"})
	case errors.Is(err, user.ErrUnavailable):
		log.ErrorContext(ctx, "dependency unavailable", "error", err)
		return problem.Unavailable("a dependency is unavailable; retry shortly")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return problem.Unavailable("request cancelled")
	}
	log.ErrorContext(ctx, "internal error", "error", err)
	return problem.Internal()
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	problem.Write(w, r, toProblem(r.Context(), a.log, err))
}
