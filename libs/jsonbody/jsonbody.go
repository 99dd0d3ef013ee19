// Package jsonbody decodes request bodies strictly and writes JSON responses.
//
// Decoding rejects unknown fields, trailing data, wrong types, oversized bodies and
// strings that cannot be stored as text (NUL characters, invalid UTF-8, lone surrogate
// escapes), and turns each into a problem that names the field, so a client learns
// exactly what to fix.
package jsonbody

import (
	"bytes"
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
	// The whole body is read first: the text check and the error paths need the raw bytes
	// (encoding/json would silently turn invalid UTF-8 into U+FFFD).
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, DefaultMaxBytes))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return tooLarge(maxErr.Limit)
		}
		return problem.BadRequest("request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describe(err, body)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return problem.BadRequest("request body must contain a single JSON object")
	}
	if p := checkText(body); p != nil {
		return p
	}
	return nil
}

func tooLarge(limit int64) *problem.Problem {
	return problem.New(http.StatusRequestEntityTooLarge, "body-too-large",
		fmt.Sprintf("request body exceeds %d bytes", limit))
}

// describe maps encoding/json's errors to problems naming the field.
func describe(err error, body []byte) *problem.Problem {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return problem.BadRequest("request body is empty")
	case errors.As(err, &maxErr):
		return tooLarge(maxErr.Limit)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.BadRequest("request body is not valid JSON")
	case errors.As(err, &typeErr):
		// encoding/json's Field drops array indexes and map keys; the offset does not.
		field, ok := pathAt(body, typeErr.Offset)
		if !ok {
			field = typeErr.Field
		}
		if field == "" {
			field = "body"
		}
		reason := typeReason(typeErr)
		return problem.BadRequest(fmt.Sprintf("%s: %s", field, reason),
			problem.FieldError{Field: field, Reason: reason})
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
