// Package auditlog is the admin service's append-only record of who did what: admin
// actions, impersonation start/stop, and writes other services performed while a
// superadmin acted as a cliente. It validates entries and defines the store it needs;
// it knows neither HTTP nor SQL.
package auditlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/planta-dev/planta/libs/audit"
)

// Entry is one stored audit log row.
type Entry struct {
	ID              int64           `json:"id,string"`
	Time            time.Time       `json:"time"`
	RecordedAt      time.Time       `json:"recorded_at"`
	Service         string          `json:"service"`
	Action          string          `json:"action"`
	ActorID         string          `json:"actor_id"`
	ActorUsername   string          `json:"actor_username"`
	SubjectID       string          `json:"subject_id"`
	SubjectUsername string          `json:"subject_username"`
	Target          string          `json:"target"`
	Reason          string          `json:"reason"`
	Before          json.RawMessage `json:"before,omitempty"`
	After           json.RawMessage `json:"after,omitempty"`
	Status          int             `json:"status"`
	IP              string          `json:"ip"`
	TraceID         string          `json:"trace_id"`
}

// Actions the admin service itself records.
const (
	ActionImpersonationStart = "impersonation.start"
	ActionImpersonationStop  = "impersonation.stop"
	ActionUserCreate         = "user.create"
	ActionUserUpdate         = "user.update"
	ActionUserDisable        = "user.disable"
	ActionUserEnable         = "user.enable"
	ActionUserDelete         = "user.delete"
	ActionUserResetPassword  = "user.reset_password"
	ActionUserUnlock         = "user.unlock"
	ActionSessionTerminate   = "session.terminate"
	ActionSessionsTerminate  = "sessions.terminate_all"
	ActionAccessLogsExport   = "access_logs.export"
	ActionAuditLogExport     = "audit_log.export"
)

// Limits of the stored columns (mirrored by CHECK constraints in the migration).
const (
	MaxActionLen   = 200
	MaxIDLen       = 64
	MaxUsernameLen = 100
	MaxTargetLen   = 500
	MaxReasonLen   = 1000
	MaxSummaryLen  = 16 << 10
	// MaxClockSkew bounds how far in the future a reported event time may be.
	MaxClockSkew = 5 * time.Minute
)

// Filter selects entries for a query or an export. Actor and Subject match an id or a
// username exactly; From is inclusive, To exclusive.
type Filter struct {
	Actor   string
	Subject string
	Action  string
	Service string
	From    time.Time
	To      time.Time
	// After is the keyset cursor: only entries with a smaller id (older) are returned.
	After int64
	Limit int
}

// Store persists entries. It can only append.
type Store interface {
	Append(ctx context.Context, e Entry) (Entry, error)
	Query(ctx context.Context, f Filter) ([]Entry, error)
	// Each streams every matching entry (newest first) to fn, ignoring Limit.
	Each(ctx context.Context, f Filter, fn func(Entry) error) error
}

// FieldError says which field of an event is invalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid audit event")

var (
	serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	traceID     = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// FromEvent validates an event reported by another service (libs/audit.Event) and turns
// it into an entry. now supplies the time when the event carries none and bounds how far
// in the future a reported time may be.
func FromEvent(e audit.Event, now time.Time) (Entry, error) {
	entry := Entry{
		Time: e.Time.UTC(), Service: e.Service, Action: e.Action,
		ActorID: e.ActorID, ActorUsername: e.ActorUsername,
		SubjectID: e.SubjectID, SubjectUsername: e.SubjectUsername,
		Target: e.Target, Reason: e.Reason, Before: e.Before, After: e.After,
		Status: e.Status, IP: e.IP, TraceID: e.TraceID,
	}
	if e.Time.IsZero() {
		entry.Time = now.UTC()
	} else if e.Time.After(now.Add(MaxClockSkew)) {
		return Entry{}, invalid("time", "must not be in the future")
	}
	if err := entry.Validate(); err != nil {
		return Entry{}, err
	}
	return entry, nil
}

// Validate checks every field against the log's limits; the first problem is returned as
// a *FieldError wrapped with ErrInvalid.
func (e Entry) Validate() error {
	checks := []struct {
		field string
		ok    bool
		why   string
	}{
		{"service", serviceName.MatchString(e.Service), "must be a service name (lower-case letters, digits, dashes)"},
		{"action", e.Action != "" && textOK(e.Action, MaxActionLen), fmt.Sprintf("required, at most %d characters of printable UTF-8", MaxActionLen)},
		{"actor_id", e.ActorID != "" && textOK(e.ActorID, MaxIDLen), fmt.Sprintf("required, at most %d characters", MaxIDLen)},
		{"actor_username", textOK(e.ActorUsername, MaxUsernameLen), fmt.Sprintf("at most %d characters", MaxUsernameLen)},
		{"subject_id", textOK(e.SubjectID, MaxIDLen), fmt.Sprintf("at most %d characters", MaxIDLen)},
		{"subject_username", textOK(e.SubjectUsername, MaxUsernameLen), fmt.Sprintf("at most %d characters", MaxUsernameLen)},
		{"target", textOK(e.Target, MaxTargetLen), fmt.Sprintf("at most %d characters", MaxTargetLen)},
		{"reason", utf8.ValidString(e.Reason) && utf8.RuneCountInString(e.Reason) <= MaxReasonLen && !strings.ContainsRune(e.Reason, 0), fmt.Sprintf("at most %d characters", MaxReasonLen)},
		{"before", summaryOK(e.Before), "must be a JSON object of at most 16 KiB"},
		{"after", summaryOK(e.After), "must be a JSON object of at most 16 KiB"},
		{"status", e.Status == 0 || (e.Status >= 100 && e.Status <= 599), "must be an HTTP status code"},
		{"ip", ipOK(e.IP), "must be an IP address"},
		{"trace_id", e.TraceID == "" || traceID.MatchString(e.TraceID), "must be 32 lower-case hex digits"},
	}
	for _, c := range checks {
		if !c.ok {
			return invalid(c.field, c.why)
		}
	}
	return nil
}

func invalid(field, reason string) error {
	return fmt.Errorf("%w: %w", ErrInvalid, &FieldError{Field: field, Reason: reason})
}

// textOK: valid UTF-8 without control characters, at most max runes.
func textOK(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func summaryOK(raw json.RawMessage) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	// jsonb cannot store NUL characters.
	if len(raw) > MaxSummaryLen || strings.Contains(string(raw), `\u0000`) {
		return false
	}
	var obj map[string]any
	return json.Unmarshal(raw, &obj) == nil && obj != nil
}

func ipOK(s string) bool {
	if s == "" {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// Summary marshals v (a small struct or map) for Before/After; nil stays nil.
func Summary(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
