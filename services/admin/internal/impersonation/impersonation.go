// Package impersonation is "Visualizar": a superadmin acting as an active cliente, with a
// reason, audited at start and stop. The session service enforces the session rules
// again (actor is a non-impersonating superadmin, target is a cliente, expiry within the
// superadmin's session, no nesting); this package adds what only identity knows (the
// target exists, is a cliente and is active) and the audit trail. No impersonation
// exists without its audit row: if the row cannot be written the new session is revoked.
package impersonation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
	"github.com/planta-dev/planta/services/admin/internal/sessionclient"
)

// Users looks accounts up in identity.
type Users interface {
	GetUser(ctx context.Context, id string) (identityclient.User, error)
}

// Sessions is the session service's impersonation API.
type Sessions interface {
	StartImpersonation(ctx context.Context, actorToken string, target sessionclient.Target, reason string) (sessionclient.Issued, error)
	StopImpersonation(ctx context.Context, token string) (sessionclient.Issued, error)
	Revoke(ctx context.Context, userID, sessionID string) error
}

// Recorder appends to the audit log.
type Recorder interface {
	Append(ctx context.Context, e auditlog.Entry) (auditlog.Entry, error)
}

// Refusals. Each is wrapped with the field or context it concerns.
var (
	ErrTargetNotFound   = errors.New("no such user")
	ErrTargetNotCliente = errors.New("only a cliente can be impersonated")
	ErrTargetInactive   = errors.New("the account is disabled")
	ErrNotSuperadmin    = errors.New("only a superadmin may impersonate")
	ErrNested           = errors.New("already impersonating")
	ErrNotImpersonating = errors.New("not impersonating")
	// ErrAuditUnavailable: the audit row could not be written, so the impersonation was
	// undone.
	ErrAuditUnavailable = errors.New("audit log unavailable")
)

// Reason limits (the session service accepts up to 500 bytes).
const (
	MinReasonRunes = 3
	MaxReasonBytes = 500
)

// ValidateReason checks the reason a superadmin gives: required, printable, bounded.
func ValidateReason(reason string) error {
	trimmed := strings.TrimSpace(reason)
	switch {
	case !utf8.ValidString(reason):
		return &auditlog.FieldError{Field: "reason", Reason: "must be UTF-8 text"}
	case utf8.RuneCountInString(trimmed) < MinReasonRunes:
		return &auditlog.FieldError{Field: "reason", Reason: fmt.Sprintf("required: at least %d characters saying why", MinReasonRunes)}
	case len(trimmed) > MaxReasonBytes:
		return &auditlog.FieldError{Field: "reason", Reason: fmt.Sprintf("at most %d bytes", MaxReasonBytes)}
	}
	for _, r := range trimmed {
		if unicode.IsControl(r) && r != '\n' {
			return &auditlog.FieldError{Field: "reason", Reason: "must not contain control characters"}
		}
	}
	return nil
}

// Service runs impersonation start and stop.
type Service struct {
	users    Users
	sessions Sessions
	audit    Recorder
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service.
func New(users Users, sessions Sessions, audit Recorder, now func() time.Time, log *slog.Logger) *Service {
	return &Service{users: users, sessions: sessions, audit: audit, now: now, log: log}
}

// Context is the request's audit context.
type Context struct {
	IP      string
	TraceID string
	Target  string // the request line, e.g. "POST /api/v1/admin/impersonation"
}

// StartRequest asks to act as TargetID.
type StartRequest struct {
	Actor      authn.Principal
	ActorToken string
	TargetID   string
	Reason     string
	Audit      Context
}

// Started is the new impersonation session and the target it acts as.
type Started struct {
	sessionclient.Issued
	Target identityclient.User
}

// Start begins an impersonation. Refusals about the target and the session service's
// refusals are audited too, with the refusal in the after summary.
func (s *Service) Start(ctx context.Context, req StartRequest) (Started, error) {
	if req.Actor.Impersonating() {
		return Started{}, ErrNested
	}
	if req.Actor.Role != authn.RoleSuperadmin {
		return Started{}, ErrNotSuperadmin
	}
	reason := strings.TrimSpace(req.Reason)
	if err := ValidateReason(reason); err != nil {
		return Started{}, err
	}
	entry := auditlog.Entry{
		Action: auditlog.ActionImpersonationStart, ActorID: req.Actor.UserID, ActorUsername: req.Actor.Username,
		SubjectID: req.TargetID, Reason: reason,
	}
	target, err := s.users.GetUser(ctx, req.TargetID)
	switch {
	case errors.Is(err, identityclient.ErrNotFound):
		return Started{}, s.refuse(ctx, req.Audit, entry, ErrTargetNotFound)
	case err != nil:
		return Started{}, err
	}
	entry.SubjectUsername = target.Username
	switch {
	case target.Role != authn.RoleCliente:
		return Started{}, s.refuse(ctx, req.Audit, entry, ErrTargetNotCliente)
	case !target.Active:
		return Started{}, s.refuse(ctx, req.Audit, entry, ErrTargetInactive)
	}
	issued, err := s.sessions.StartImpersonation(ctx, req.ActorToken,
		sessionclient.Target{UserID: target.ID, Username: target.Username, Role: target.Role}, reason)
	if err != nil {
		if !errors.Is(err, sessionclient.ErrUnavailable) {
			entry.Status = 409
			var se *sessionclient.Error
			if errors.As(err, &se) {
				entry.Status = se.Status
			}
			_ = s.refuse(ctx, req.Audit, entry, err)
		}
		return Started{}, err
	}
	entry.After = auditlog.Summary(map[string]any{
		"impersonation_session_id": issued.Session.ID,
		"actor_session_id":         req.Actor.SessionID,
		"expires_at":               issued.Session.ExpiresAt,
	})
	entry.Status = 201
	if err := s.append(ctx, req.Audit, entry); err != nil {
		// No unaudited impersonation: undo it. The session is indexed under the
		// superadmin who owns it.
		if rerr := s.sessions.Revoke(context.WithoutCancel(ctx), req.Actor.UserID, issued.Session.ID); rerr != nil {
			s.log.ErrorContext(ctx, "impersonation could not be audited nor revoked",
				"session_id", issued.Session.ID, "actor_user_id", req.Actor.UserID, "error", rerr)
		}
		return Started{}, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	return Started{Issued: issued, Target: target}, nil
}

// StopRequest ends the impersonation of Principal (which must be impersonating).
type StopRequest struct {
	Principal authn.Principal
	Token     string
	Audit     Context
}

// Stop ends an impersonation and returns the superadmin's fresh session. Stopping only
// lowers privilege, so a failure to audit it is logged, never blocking.
func (s *Service) Stop(ctx context.Context, req StopRequest) (sessionclient.Issued, error) {
	p := req.Principal
	if !p.Impersonating() {
		return sessionclient.Issued{}, ErrNotImpersonating
	}
	issued, err := s.sessions.StopImpersonation(ctx, req.Token)
	if err != nil {
		return sessionclient.Issued{}, err
	}
	entry := auditlog.Entry{
		Action: auditlog.ActionImpersonationStop, ActorID: p.Act.UserID, ActorUsername: p.Act.Username,
		SubjectID: p.UserID, SubjectUsername: p.Username, Status: 200,
		Before: auditlog.Summary(map[string]any{"impersonation_session_id": p.SessionID}),
		After:  auditlog.Summary(map[string]any{"actor_session_id": issued.Session.ID}),
	}
	if err := s.append(ctx, req.Audit, entry); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", entry.Action, "actor_id", entry.ActorID,
			"subject_id", entry.SubjectID, "error", err)
	}
	return issued, nil
}

// refuse audits a refused start and returns err.
func (s *Service) refuse(ctx context.Context, ac Context, entry auditlog.Entry, cause error) error {
	if entry.Status == 0 {
		entry.Status = 422
	}
	entry.After = auditlog.Summary(map[string]any{"refused": cause.Error()})
	if err := s.append(ctx, ac, entry); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", entry.Action, "actor_id", entry.ActorID, "error", err)
	}
	return cause
}

func (s *Service) append(ctx context.Context, ac Context, e auditlog.Entry) error {
	e.Time, e.Service = s.now().UTC(), "admin"
	e.IP, e.TraceID, e.Target = ac.IP, ac.TraceID, ac.Target
	_, err := s.audit.Append(context.WithoutCancel(ctx), e)
	return err
}
