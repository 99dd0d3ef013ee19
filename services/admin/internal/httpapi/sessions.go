package httpapi

import (
	"net/http"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
)

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := newQuery(r).err(); err != nil {
		a.fail(w, r, err)
		return
	}
	items, err := a.Sessions.List(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) terminateSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sid, err := pathSessionID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entry := auditlog.Entry{Action: auditlog.ActionSessionTerminate, SubjectID: id,
		Before: auditlog.Summary(map[string]any{"session_id": sid})}
	if err := a.Sessions.Revoke(r.Context(), id, sid); err != nil {
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	entry.Status = http.StatusNoContent
	a.record(r, entry)
	w.WriteHeader(http.StatusNoContent)
}

// terminateAllSessions ends every session of the user; on oneself the caller's own
// session is kept (log out everywhere else).
func (a *API) terminateAllSessions(w http.ResponseWriter, r *http.Request) {
	id, err := pathUserID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, _ := authn.FromContext(r.Context())
	except := ""
	if id == p.UserID {
		except = p.SessionID
	}
	entry := auditlog.Entry{Action: auditlog.ActionSessionsTerminate, SubjectID: id,
		After: auditlog.Summary(map[string]any{"kept_session_id": except})}
	if err := a.Sessions.RevokeAll(r.Context(), id, except); err != nil {
		a.recordRefusal(r, entry, err)
		a.fail(w, r, err)
		return
	}
	entry.Status = http.StatusNoContent
	a.record(r, entry)
	w.WriteHeader(http.StatusNoContent)
}
