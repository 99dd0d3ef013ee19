package app_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/csvexport"
	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

func TestImpersonatedWritesFromOtherServicesAreStoredAndQueryable(t *testing.T) {
	h := newHarness(t)
	super, client := h.users[superadmin], h.users[cliente]
	for i := range 3 {
		body := `{"time":"` + time.Now().UTC().Add(-time.Duration(i)*time.Minute).Format(time.RFC3339Nano) + `","service":"inventory",
			"action":"POST /api/v1/inventory/warehouses","actor_id":"` + super.ID + `","actor_username":"superadmin",
			"subject_id":"` + client.ID + `","subject_username":"acme","target":"/api/v1/inventory/warehouses","status":201,
			"ip":"10.0.0.7","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`
		if rec := h.doInternal(http.MethodPost, "/internal/v1/audit-events", body); rec.Code != http.StatusCreated {
			t.Fatalf("event %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := h.as(superadmin, http.MethodGet, "/api/v1/admin/audit-events?service=inventory&actor=superadmin&subject="+client.ID+"&limit=2", "")
	var page struct {
		Items []struct {
			ID, Service, Action, ActorID, SubjectID string
		}
		NextCursor string `json:"next_cursor"`
	}
	decode(t, rec, &page)
	if rec.Code != http.StatusOK || len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %d %s", rec.Code, rec.Body)
	}
	rec = h.as(superadmin, http.MethodGet, "/api/v1/admin/audit-events?service=inventory&limit=2&cursor="+page.NextCursor, "")
	page.Items, page.NextCursor = nil, ""
	decode(t, rec, &page)
	if len(page.Items) != 1 || page.NextCursor != "" {
		t.Fatalf("second page: %s", rec.Body)
	}

	bad := map[string]string{
		"actor_id": `{"service":"inventory","action":"x","actor_username":"superadmin"}`,
		"service":  `{"service":"Inventory!","action":"x","actor_id":"a"}`,
		"trace_id": `{"service":"inventory","action":"x","actor_id":"a","trace_id":"nope"}`,
		"before":   `{"service":"inventory","action":"x","actor_id":"a","before":[1,2]}`,
		"ip":       `{"service":"inventory","action":"x","actor_id":"a","ip":"999.1.1.1"}`,
		"time":     `{"service":"inventory","action":"x","actor_id":"a","time":"2999-01-01T00:00:00Z"}`,
	}
	before := h.auditRows("true")
	for field, body := range bad {
		rec := h.doInternal(http.MethodPost, "/internal/v1/audit-events", body)
		if got := problemFields(t, rec); rec.Code != http.StatusUnprocessableEntity || len(got) != 1 || got[0] != field {
			t.Errorf("bad %s: %d %v", field, rec.Code, got)
		}
	}
	if rec := h.doInternal(http.MethodPost, "/internal/v1/audit-events", `{"service":"inventory","action":"x","actor_id":"a","id":1}`); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: %d", rec.Code)
	}
	if n := h.auditRows("true"); n != before {
		t.Errorf("bad events stored %d rows", n-before)
	}
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	return rows
}

func TestAccessLogCSVExport(t *testing.T) {
	h := newHarness(t)
	at := time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)
	for i := range 600 { // more than one page of identity's access log
		h.identity.AddAccess(identityclient.AccessLogEntry{At: at.Add(-time.Duration(600-i) * time.Second), Username: "bulk", Outcome: "success"})
	}
	h.identity.AddAccess(identityclient.AccessLogEntry{At: at, Username: `=HYPERLINK("http://evil","click")`, Outcome: "bad_credentials", IP: "198.51.100.7", UserAgent: `Mozilla/5.0 (X11; "quoted", comma)`})
	h.identity.AddAccess(identityclient.AccessLogEntry{At: at.Add(time.Minute), Username: "josé.núñez", UserID: h.users[cliente].ID, Outcome: "success", IP: "198.51.100.8", UserAgent: "-cmd"})
	for _, c := range []struct{ path, accept string }{
		{"/api/v1/admin/access-logs.csv", ""},
		{"/api/v1/admin/access-logs", "text/csv"},
	} {
		rec := h.do(http.MethodGet, c.path, h.tokens[superadmin], "", func(r *http.Request) {
			if c.accept != "" {
				r.Header.Set("Accept", c.accept)
			}
		})
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != csvexport.ContentType ||
			!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment; filename=access-logs_") {
			t.Fatalf("%s: %d %v", c.path, rec.Code, rec.Header())
		}
		rows := readCSV(t, rec.Body.String())
		if len(rows) != 1+602 {
			t.Fatalf("%s: %d rows, want header + 602", c.path, len(rows))
		}
		if strings.Join(rows[0], ",") != "id,time_utc,username,user_id,outcome,ip,user_agent,trace_id" {
			t.Fatalf("header %v", rows[0])
		}
		// Newest first: the second entry, then the formula one.
		if rows[1][2] != "josé.núñez" || rows[1][6] != "'-cmd" || rows[1][1] != "2025-03-01T08:31:00Z" {
			t.Errorf("row 1 %q", rows[1])
		}
		if rows[2][2] != `'=HYPERLINK("http://evil","click")` || rows[2][6] != `Mozilla/5.0 (X11; "quoted", comma)` {
			t.Errorf("row 2 %q", rows[2])
		}
	}
	filtered := h.as(superadmin, http.MethodGet, "/api/v1/admin/access-logs.csv?outcome=bad_credentials&ip=198.51.100.7", "")
	if rows := readCSV(t, filtered.Body.String()); len(rows) != 2 {
		t.Fatalf("filtered export: %d rows", len(rows))
	}
	if n := h.auditRows(`action = 'access_logs.export' AND actor_id = $1`, h.users[superadmin].ID); n != 3 {
		t.Fatalf("exports audited %d times, want 3", n)
	}
	kpis := h.as(superadmin, http.MethodGet, "/api/v1/admin/access-logs/kpis?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z", "")
	var k struct{ Attempts, Failures int }
	decode(t, kpis, &k)
	if k.Attempts != 602 || k.Failures != 1 {
		t.Fatalf("kpis %s", kpis.Body)
	}
}

func TestAuditLogCSVExport(t *testing.T) {
	h := newHarness(t)
	// An impersonation reason is free text from a superadmin: it must not run in Excel.
	h.impersonate(h.login(h.users[superadmin]), h.users[cliente].ID)
	body := `{"user_id":"` + h.users[cliente].ID + `","reason":"=1+1, \"ticket\" ñ"}`
	if rec := h.do(http.MethodPost, "/api/v1/admin/impersonation", h.login(h.users[superadmin]), body); rec.Code != http.StatusCreated {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	rec := h.as(superadmin, http.MethodGet, "/api/v1/admin/audit-events.csv?action=impersonation.start", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != csvexport.ContentType {
		t.Fatalf("export: %d %v", rec.Code, rec.Header())
	}
	rows := readCSV(t, rec.Body.String())
	if len(rows) != 4 || rows[0][9] != "reason" {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][9] != `'=1+1, "ticket" ñ` || rows[1][3] != "impersonation.start" {
		t.Errorf("newest row %q", rows[1])
	}
	if n := h.auditRows(`action = 'audit_log.export'`); n != 1 {
		t.Errorf("export audited %d times", n)
	}
}
