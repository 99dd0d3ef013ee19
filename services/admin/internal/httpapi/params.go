package httpapi

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/problem"
)

// Identifiers as the session and identity services accept them.
var (
	userIDPattern    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	cursorPattern    = regexp.MustCompile(`^[A-Za-z0-9._~=-]{1,200}$`)
)

// Page sizes.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// query reads and validates query parameters, collecting every problem; unknown
// parameters are refused so that a typo never silently widens a filter.
type query struct {
	values map[string][]string
	errs   []problem.FieldError
}

func newQuery(r *http.Request, allowed ...string) *query {
	q := &query{values: r.URL.Query()}
	for name := range q.values {
		if !slices.Contains(allowed, name) {
			q.errs = append(q.errs, problem.FieldError{Field: name, Reason: "unknown query parameter"})
		}
	}
	for _, name := range allowed {
		if len(q.values[name]) > 1 {
			q.errs = append(q.errs, problem.FieldError{Field: name, Reason: "given more than once"})
		}
	}
	return q
}

func (q *query) get(name string) string {
	if v := q.values[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (q *query) fail(name, reason string) {
	q.errs = append(q.errs, problem.FieldError{Field: name, Reason: reason})
}

func (q *query) text(name string, max int) string {
	v := strings.TrimSpace(q.get(name))
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		q.fail(name, fmt.Sprintf("at most %d printable characters", max))
		return ""
	}
	return v
}

func (q *query) userID(name string) string {
	v := q.get(name)
	if v != "" && !userIDPattern.MatchString(v) {
		q.fail(name, "is not a user id")
		return ""
	}
	return v
}

func (q *query) boolean(name string) *bool {
	v := q.get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.fail(name, "must be true or false")
		return nil
	}
	return &b
}

func (q *query) role(name string) authn.Role {
	v := authn.Role(q.get(name))
	if v != "" && !v.Valid() {
		q.fail(name, "must be one of superadmin, admin, cliente")
		return ""
	}
	return v
}

func (q *query) oneOf(name string, allowed []string) string {
	v := q.get(name)
	if v != "" && !slices.Contains(allowed, v) {
		q.fail(name, "must be one of "+strings.Join(allowed, ", "))
		return ""
	}
	return v
}

func (q *query) ip(name string) string {
	v := q.get(name)
	if v == "" {
		return ""
	}
	addr, err := netip.ParseAddr(v)
	if err != nil {
		q.fail(name, "must be an IP address")
		return ""
	}
	return addr.String()
}

func (q *query) time(name string) time.Time {
	v := q.get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		q.fail(name, "must be an RFC 3339 time, e.g. 2025-03-01T00:00:00Z")
		return time.Time{}
	}
	return t.UTC()
}

func (q *query) limit() int {
	v := q.get("limit")
	if v == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		q.fail("limit", fmt.Sprintf("must be an integer from 1 to %d", maxLimit))
		return defaultLimit
	}
	return n
}

func (q *query) cursor() string {
	v := q.get("cursor")
	if v != "" && !cursorPattern.MatchString(v) {
		q.fail("cursor", "is not a cursor from a previous page")
		return ""
	}
	return v
}

func (q *query) period(from, to time.Time) {
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		q.fail("to", "must be after from")
	}
}

// err is the collected problem, or nil.
func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	slices.SortFunc(q.errs, func(a, b problem.FieldError) int { return strings.Compare(a.Field, b.Field) })
	names := make([]string, len(q.errs))
	for i, e := range q.errs {
		names[i] = e.Field
	}
	return problem.BadRequest("invalid query parameters: "+strings.Join(names, ", "), q.errs...)
}

// pathUserID reads {user_id}; a malformed id cannot exist, so it is not found.
func pathUserID(r *http.Request) (string, error) {
	id := mux.Vars(r)["user_id"]
	if !userIDPattern.MatchString(id) {
		return "", problem.NotFound("user")
	}
	return id, nil
}

func pathSessionID(r *http.Request) (string, error) {
	id := mux.Vars(r)["session_id"]
	if !sessionIDPattern.MatchString(id) {
		return "", problem.NotFound("session")
	}
	return id, nil
}

// wantsCSV reports whether the client asked for CSV by content negotiation.
func wantsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(mt), "text/csv") {
			return true
		}
	}
	return false
}
