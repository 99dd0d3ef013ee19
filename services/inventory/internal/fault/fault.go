// Package fault holds the error types every inventory domain package returns. The HTTP
// layer maps them to problem+json in one place (httpapi.writeError).
package fault

import (
	"errors"
	"fmt"
)

// Invalid is bad input: the field at fault and why (422).
type Invalid struct {
	Field  string
	Reason string
}

func (e *Invalid) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Field builds an Invalid.
func Field(field, reason string) error { return &Invalid{Field: field, Reason: reason} }

// NotFound is an object that does not exist for the caller's tenant (404). Field names
// the request field that referenced it, when it came from a body or a query.
type NotFound struct {
	What  string
	Field string
}

func (e *NotFound) Error() string { return e.What + " not found" }

// Missing builds a NotFound for an object referenced by a request field.
func Missing(what, field string) error { return &NotFound{What: what, Field: field} }

// Conflict is a state that forbids the operation (409), with a stable slug.
type Conflict struct {
	Slug   string
	Detail string
	Field  string
}

func (e *Conflict) Error() string { return e.Detail }

// Conflictf builds a Conflict.
func Conflictf(slug, field, format string, args ...any) error {
	return &Conflict{Slug: slug, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// IsNotFound reports whether err is a NotFound.
func IsNotFound(err error) bool {
	var nf *NotFound
	return errors.As(err, &nf)
}
