package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/planta-dev/planta/libs/audit"
	"github.com/planta-dev/planta/libs/jsonbody"

	"github.com/planta-dev/planta/libs/csvexport"
	"github.com/planta-dev/planta/services/admin/internal/auditlog"
)

func (a *API) auditFilter(r *http.Request, paged bool) (auditlog.Filter, error) {
	allowed := []string{"actor", "subject", "action", "service", "from", "to"}
	if paged {
		allowed = append(allowed, "cursor", "limit")
	}
	q := newQuery(r, allowed...)
	f := auditlog.Filter{
		Actor: q.text("actor", maxUsernameRunes), Subject: q.text("subject", maxUsernameRunes),
		Action: q.text("action", auditlog.MaxActionLen), Service: q.text("service", 32),
		From: q.time("from"), To: q.time("to"),
	}
	if paged {
		f.Limit = q.limit()
		if c := q.get("cursor"); c != "" {
			n, err := strconv.ParseInt(c, 10, 64)
			if err != nil || n <= 0 {
				q.fail("cursor", "is not a cursor from a previous page")
			}
			f.After = n
		}
	}
	q.period(f.From, f.To)
	return f, q.err()
}

func (a *API) listAuditEvents(w http.ResponseWriter, r *http.Request) {
	if wantsCSV(r) {
		a.exportAuditEvents(w, r)
		return
	}
	f, err := a.auditFilter(r, true)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	limit := f.Limit
	f.Limit = limit + 1 // one more tells whether there is a next page
	items, err := a.Audit.Query(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := struct {
		Items      []auditlog.Entry `json:"items"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		out.NextCursor = strconv.FormatInt(out.Items[limit-1].ID, 10)
	}
	if out.Items == nil {
		out.Items = []auditlog.Entry{}
	}
	writeJSON(w, http.StatusOK, out)
}

var auditCSVHeader = []string{"id", "time_utc", "service", "action", "actor_id", "actor_username", "subject_id",
	"subject_username", "target", "reason", "before", "after", "status", "ip", "trace_id"}

func (a *API) exportAuditEvents(w http.ResponseWriter, r *http.Request) {
	f, err := a.auditFilter(r, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// The export is itself an audited action, recorded before it runs (and so listed in
	// its own output when the filter matches it).
	a.record(r, auditlog.Entry{Action: auditlog.ActionAuditLogExport, Status: http.StatusOK,
		After: auditlog.Summary(map[string]any{"filter": r.URL.RawQuery})})
	cw := csvexport.Stream(w, exportName("audit-events", a.now()))
	if err := cw.Write(auditCSVHeader...); err != nil {
		csvexport.Abort()
	}
	err = a.Audit.Each(r.Context(), f, func(e auditlog.Entry) error {
		status := ""
		if e.Status != 0 {
			status = strconv.Itoa(e.Status)
		}
		return cw.Write(strconv.FormatInt(e.ID, 10), formatTime(&e.Time), e.Service, e.Action, e.ActorID, e.ActorUsername,
			e.SubjectID, e.SubjectUsername, e.Target, e.Reason, string(e.Before), string(e.After), status, e.IP, e.TraceID)
	})
	if err != nil {
		a.Log.ErrorContext(r.Context(), "audit export failed halfway", "error", err)
		csvexport.Abort()
	}
	if err := cw.Close(); err != nil {
		csvexport.Abort()
	}
}

// receiveAuditEvent stores an event another service reports (a write done while a
// superadmin impersonated a cliente), on the internal listener.
func (a *API) receiveAuditEvent(w http.ResponseWriter, r *http.Request) {
	var e audit.Event
	if err := jsonbody.Decode(w, r, &e); err != nil {
		a.fail(w, r, err)
		return
	}
	entry, err := auditlog.FromEvent(e, a.now())
	if err != nil {
		var fe *auditlog.FieldError
		if errors.As(err, &fe) {
			a.fail(w, r, fe)
			return
		}
		a.fail(w, r, err)
		return
	}
	stored, err := a.Audit.Append(r.Context(), entry)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, stored)
}
