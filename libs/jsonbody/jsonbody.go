// Package jsonbody decodes request bodies strictly and writes JSON responses.
//
// Decoding rejects unknown fields, trailing data, wrong types and oversized bodies, and
// turns each into a problem that names the field, so a client learns exactly what to fix.
package jsonbody

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/planta-dev/planta/libs/problem"
)

// DefaultMaxBytes bounds a JSON request body when the server sets no smaller limit.
const DefaultMaxBytes = 1 << 20

// Decode reads r's JSON body into dst. The returned error is always a *problem.Problem.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type",
				"request body must be application/json")
		}
	}
	body := http.MaxBytesReader(w, r.Body, DefaultMaxBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describe(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return problem.BadRequest("request body must contain a single JSON object")
	}
	return nil
}

// describe maps encoding/json's errors to problems naming the field.
func describe(err error) *problem.Problem {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return problem.BadRequest("request body is empty")
	case errors.As(err, &maxErr):
		return problem.New(http.StatusRequestEntityTooLarge, "body-too-large",
			fmt.Sprintf("request body exceeds %d bytes", maxErr.Limit))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.BadRequest("request body is not valid JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return problem.BadRequest(fmt.Sprintf("%s: must be %s", field, typeErr.Type),
			problem.FieldError{Field: field, Reason: "must be " + typeErr.Type.String()})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.BadRequest("unknown field "+field,
			problem.FieldError{Field: field, Reason: "unknown field"})
	default:
		return problem.BadRequest("request body could not be decoded")
	}
}

// Write renders v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a write error means the client left
}

// List is the envelope of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
