package authn

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/problem"
)

// maxFormCheck bounds the form body read for checkInput when no server limit applies
// (net/http's own ParseForm limit).
const maxFormCheck = 10 << 20

// checkInput refuses a request whose path parameters, query parameters or form fields
// hold text that is not valid UTF-8 or contains NUL: Postgres cannot store NUL in text
// and a handler would otherwise turn such input into a 500. JSON bodies are checked by
// jsonbody. A form body is read and put back, so handlers still apply their own limits.
func checkInput(w http.ResponseWriter, r *http.Request) *problem.Problem {
	if name, bad := firstBadVar(mux.Vars(r)); bad {
		value := mux.Vars(r)[name]
		return problem.BadRequest(name+": "+textReason(value), problem.FieldError{Field: name, Reason: textReason(value)})
	}
	if !goodText(r.URL.Path) {
		return problem.BadRequest("path: "+textReason(r.URL.Path),
			problem.FieldError{Field: "path", Reason: textReason(r.URL.Path)})
	}
	if p := checkValues(r.URL.RawQuery, "query", problem.BadRequest); p != nil {
		return p
	}
	if !hasForm(r) {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormCheck+1))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return problem.New(http.StatusRequestEntityTooLarge, "body-too-large", "request body is too large")
		}
		return problem.BadRequest("request body could not be read")
	}
	if len(body) > maxFormCheck {
		return problem.New(http.StatusRequestEntityTooLarge, "body-too-large", "request body is too large")
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{bytes.NewReader(body), r.Body}
	return checkValues(string(body), "form", problem.Invalid)
}

// firstBadVar names the first (by name, so answers are stable) path variable that is
// not good text; it allocates nothing when all are good, the common case.
func firstBadVar(vars map[string]string) (string, bool) {
	bad := false
	for _, v := range vars {
		if !goodText(v) {
			bad = true
			break
		}
	}
	if !bad {
		return "", false
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if !goodText(vars[name]) {
			return name, true
		}
	}
	return "", false
}

const formType = "application/x-www-form-urlencoded"

func hasForm(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	ct := r.Header.Get("Content-Type")
	// A cheap prefix test first: this runs on every request, JSON ones included.
	if len(ct) < len(formType) || !strings.EqualFold(ct[:len(formType)], formType) {
		return false
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == formType
}

// checkValues checks URL-encoded name=value pairs; build makes the problem (400 for the
// query string, 422 for a form body, like a bad JSON field). A bad name is reported
// under where, since it cannot name itself.
func checkValues(encoded, where string, build func(string, ...problem.FieldError) *problem.Problem) *problem.Problem {
	if !strings.Contains(encoded, "%") && goodText(encoded) {
		return nil // nothing escaped, so nothing decodes to a bad byte: skip parsing
	}
	// A malformed escape is the handler's business (url.ParseQuery keeps what it can).
	values, _ := url.ParseQuery(encoded)
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !goodText(name) {
			reason := "parameter names " + textReason(name)
			return build(where+": "+reason, problem.FieldError{Field: where, Reason: reason})
		}
		for _, v := range values[name] {
			if !goodText(v) {
				return build(name+": "+textReason(v), problem.FieldError{Field: name, Reason: textReason(v)})
			}
		}
	}
	return nil
}

func goodText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func textReason(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	return "must not contain NUL characters"
}
