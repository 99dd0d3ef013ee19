// Package problem writes RFC 9457 "problem details" responses
// (application/problem+json), the one error format of every Planta API.
//
// A Problem has a stable Type URI so clients can branch on it; validation problems also
// list the offending fields so a form can highlight them.
package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ContentType is the media type of every error response.
const ContentType = "application/problem+json"

// TypeBase prefixes every problem type URI.
const TypeBase = "https://planta.dev/problems/"

// FieldError names one invalid input field and why it is invalid.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Problem is an RFC 9457 problem details object. It implements error so domain and
// handler code can return it and let Write render it.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int `json:"-"`
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%s: %s", p.Title, p.Detail)
	}
	return p.Title
}

// New builds a problem with the given status, slug (the last part of the type URI) and detail.
func New(status int, slug, detail string) *Problem {
	return &Problem{Type: TypeBase + slug, Title: http.StatusText(status), Status: status, Detail: detail}
}

// Invalid is a 422 validation problem naming the fields at fault.
func Invalid(detail string, fields ...FieldError) *Problem {
	p := New(http.StatusUnprocessableEntity, "validation", detail)
	p.Errors = fields
	return p
}

// Field is shorthand for a single-field validation problem.
func Field(field, reason string) *Problem {
	return Invalid(fmt.Sprintf("%s: %s", field, reason), FieldError{Field: field, Reason: reason})
}

// BadRequest is a 400 problem for a malformed request (bad JSON, wrong content type).
func BadRequest(detail string, fields ...FieldError) *Problem {
	p := New(http.StatusBadRequest, "bad-request", detail)
	p.Errors = fields
	return p
}

// NotFound is the 404 problem. Planta answers 404, not 403, for another tenant's objects
// so that ids cannot be probed.
func NotFound(what string) *Problem {
	return New(http.StatusNotFound, "not-found", what+" not found")
}

// Conflict is a 409 problem naming what conflicts.
func Conflict(slug, detail string) *Problem { return New(http.StatusConflict, slug, detail) }

// Unauthorized is the 401 problem for a missing or invalid session.
func Unauthorized() *Problem {
	return New(http.StatusUnauthorized, "unauthenticated", "a valid session is required")
}

// Forbidden is the 403 problem.
func Forbidden(detail string) *Problem { return New(http.StatusForbidden, "forbidden", detail) }

// Unavailable is the 503 problem for a dependency that is down.
func Unavailable(detail string) *Problem {
	p := New(http.StatusServiceUnavailable, "unavailable", detail)
	p.RetryAfter = 1
	return p
}

// Internal is the 500 problem; it never carries the cause (logged, not sent).
func Internal() *Problem {
	return New(http.StatusInternalServerError, "internal", "an internal error occurred")
}

// Write renders p as application/problem+json.
func Write(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", fmt.Sprint(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // the client went away; nothing useful to do
}

// From extracts a *Problem from err's chain, or returns nil.
func From(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return nil
}
