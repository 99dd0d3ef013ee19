package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/planta-dev/planta/services/admin/internal/auditlog"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

// Outcomes identity records (identity's accesslog.Outcomes).
var accessOutcomes = []string{"success", "bad_credentials", "locked", "disabled", "rate_limited", "error", "break_glass_unlock", "break_glass_reset"}

// identityAccessLogMaxPage is the largest page identity serves; exports use it.
const identityAccessLogMaxPage = 500

// defaultKPIPeriod is the KPI window when from is not given.
const defaultKPIPeriod = 30 * 24 * time.Hour

func (a *API) accessLogFilter(r *http.Request, paged bool) (identityclient.AccessLogFilter, error) {
	allowed := []string{"user_id", "username", "outcome", "ip", "from", "to"}
	if paged {
		allowed = append(allowed, "cursor", "limit")
	}
	q := newQuery(r, allowed...)
	f := identityclient.AccessLogFilter{
		UserID: q.userID("user_id"), Username: q.text("username", maxUsernameRunes),
		Outcome: q.oneOf("outcome", accessOutcomes), IP: q.ip("ip"),
		From: q.time("from"), To: q.time("to"),
	}
	if paged {
		f.Cursor, f.Limit = q.cursor(), q.limit()
	}
	q.period(f.From, f.To)
	return f, q.err()
}

func (a *API) listAccessLogs(w http.ResponseWriter, r *http.Request) {
	if wantsCSV(r) {
		a.exportAccessLogs(w, r)
		return
	}
	f, err := a.accessLogFilter(r, true)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.Identity.AccessLogs(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []identityclient.AccessLogEntry{}
	}
	writeJSON(w, http.StatusOK, page)
}

var accessLogCSVHeader = []string{"id", "time_utc", "username", "user_id", "outcome", "ip", "user_agent", "trace_id"}

func (a *API) exportAccessLogs(w http.ResponseWriter, r *http.Request) {
	f, err := a.accessLogFilter(r, wantsCSV(r) && r.URL.Path == Base+"/access-logs")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f.Cursor, f.Limit = "", identityAccessLogMaxPage
	a.record(r, auditlog.Entry{Action: auditlog.ActionAccessLogsExport, Status: http.StatusOK,
		After: auditlog.Summary(map[string]any{"filter": r.URL.RawQuery})})
	a.streamPages(w, r, "access-logs", accessLogCSVHeader, func(ctx context.Context, cursor string) ([][]string, string, error) {
		f.Cursor = cursor
		page, err := a.Identity.AccessLogs(ctx, f)
		if err != nil {
			return nil, "", err
		}
		rows := make([][]string, len(page.Items))
		for i, e := range page.Items {
			rows[i] = []string{strconv.FormatInt(e.ID, 10), formatTime(&e.At), e.Username, e.UserID, e.Outcome, e.IP, e.UserAgent, e.TraceID}
		}
		return rows, page.NextCursor, nil
	})
}

func (a *API) accessLogKPIs(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "from", "to")
	from, to := q.time("from"), q.time("to")
	q.period(from, to)
	if err := q.err(); err != nil {
		a.fail(w, r, err)
		return
	}
	if to.IsZero() {
		to = a.now()
	}
	if from.IsZero() {
		from = to.Add(-defaultKPIPeriod)
	}
	kpis, err := a.Identity.AccessLogKPIs(r.Context(), from, to)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if kpis.PerDay == nil {
		kpis.PerDay = []identityclient.DayStats{}
	}
	writeJSON(w, http.StatusOK, kpis)
}
