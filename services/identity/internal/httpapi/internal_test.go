package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/identity/internal/identitytest"
)

type userList struct {
	Items []struct {
		ID          string     `json:"id"`
		Username    string     `json:"username"`
		Role        string     `json:"role"`
		Active      bool       `json:"active"`
		Locked      bool       `json:"locked"`
		LockedUntil *time.Time `json:"locked_until"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestInternalUserListFiltersAndPages(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 5; i++ {
		e.CreateUser(fmt.Sprintf("client-%d", i), "cliente", "client-pass-word")
	}
	admin := e.CreateUser("room_admin", "admin", "admin-pass-word")
	e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/" + admin + "/disable"})
	for i := 0; i < 5; i++ {
		e.Login("client-3", "wrong-pass-word")
	}
	list := func(q string) userList {
		t.Helper()
		rec := e.DoInternal(R{Method: "GET", Path: "/internal/v1/users?" + q})
		if rec.Code != 200 {
			t.Fatalf("list %s: %d %s", q, rec.Code, rec.Body)
		}
		var l userList
		identitytest.Decode(t, rec, &l)
		return l
	}
	if l := list("role=cliente"); len(l.Items) != 5 {
		t.Fatalf("role filter: %d", len(l.Items))
	}
	if l := list("active=false"); len(l.Items) != 1 || l.Items[0].Username != "room_admin" {
		t.Fatalf("active filter: %+v", l)
	}
	if l := list("locked=true"); len(l.Items) != 1 || l.Items[0].Username != "client-3" || !l.Items[0].Locked || l.Items[0].LockedUntil == nil {
		t.Fatalf("locked filter: %+v", l)
	}
	if l := list("locked=false&role=cliente"); len(l.Items) != 4 {
		t.Fatalf("not locked: %d", len(l.Items))
	}
	if l := list("q=" + url.QueryEscape("ROOM_")); len(l.Items) != 1 {
		t.Fatalf("text search: %+v", l)
	}
	if l := list("q=" + url.QueryEscape("%")); len(l.Items) != 0 {
		t.Fatalf("LIKE metacharacters must be literal: %+v", l)
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		q := "limit=2"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		l := list(q)
		for _, it := range l.Items {
			if seen[it.ID] {
				t.Fatalf("duplicate across pages: %s", it.Username)
			}
			seen[it.ID] = true
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 7 { // 5 clients, 1 admin, the seeded superadmin
		t.Fatalf("paged through %d users, want 7", len(seen))
	}
}

func TestInternalLockoutsAndUnlock(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("locked-one", "cliente", "locked-pass-word")
	for i := 0; i < 5; i++ {
		e.Login("locked-one", "wrong-pass-word")
	}
	e.Clock.Advance(5 * time.Minute)
	rec := e.DoInternal(R{Method: "GET", Path: "/internal/v1/lockouts"})
	var out struct {
		Items []struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			RemainingSeconds int `json:"remaining_seconds"`
		} `json:"items"`
	}
	identitytest.Decode(t, rec, &out)
	if len(out.Items) != 1 || out.Items[0].User.ID != id || out.Items[0].RemainingSeconds != 600 {
		t.Fatalf("lockouts: %s", rec.Body)
	}
	if rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/" + id + "/unlock"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"locked":false`) {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	e.MustLogin("locked-one", "locked-pass-word")
	if rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/00000000-0000-0000-0000-000000000000/unlock"}); rec.Code != 404 {
		t.Fatalf("unknown id: %d", rec.Code)
	}
	if rec := e.DoInternal(R{Method: "GET", Path: "/internal/v1/users/not-a-uuid"}); rec.Code != 404 {
		t.Fatalf("malformed id: %d", rec.Code)
	}
}

func TestInternalRoleChangeKillsSessions(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("promoted", "cliente", "promoted-pass-word")
	tok := e.MustLogin("promoted", "promoted-pass-word")
	rec := e.DoInternal(R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]string{"role": "admin", "email": "promoted@corp.example"}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"role":"admin"`) {
		t.Fatalf("update: %d %s", rec.Code, rec.Body)
	}
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: tok}); rec.Code != 401 {
		t.Fatalf("session survived a role change: %d", rec.Code)
	}
	// A name change alone keeps sessions.
	tok = e.MustLogin("promoted", "promoted-pass-word")
	e.DoInternal(R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]string{"full_name": "P. Romoted"}})
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: tok}); rec.Code != 200 {
		t.Fatalf("name change killed the session: %d", rec.Code)
	}
	// The session service down: the change is refused and nothing changes.
	e.Sessions.SetDown(true)
	before := usersSnapshot(t, e)
	if rec := e.DoInternal(R{Method: "PATCH", Path: "/internal/v1/users/" + id, JSON: map[string]string{"role": "cliente"}}); rec.Code != 503 {
		t.Fatalf("role change without the session service: %d", rec.Code)
	}
	if usersSnapshot(t, e) != before {
		t.Fatal("a refused role change changed the row")
	}
}

func TestInternalAccessLogQueryAndKPIs(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("auditee", "cliente", "auditee-pass-word")
	e.MustLogin("auditee", "auditee-pass-word")
	e.Login("auditee", "wrong-pass-word")
	e.Login("nobody", "wrong-pass-word")
	rec := e.DoInternal(R{Method: "GET", Path: "/internal/v1/access-log?user_id=" + id})
	var out struct {
		Items []struct {
			Outcome string `json:"outcome"`
			IP      string `json:"ip"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	identitytest.Decode(t, rec, &out)
	if len(out.Items) != 2 || out.Items[0].Outcome != "bad_credentials" || out.Items[1].Outcome != "success" || out.Items[0].IP != "198.51.100.7" {
		t.Fatalf("by user: %s", rec.Body)
	}
	rec = e.DoInternal(R{Method: "GET", Path: "/internal/v1/access-log?outcome=bad_credentials&limit=1"})
	identitytest.Decode(t, rec, &out)
	if len(out.Items) != 1 || out.NextCursor == "" {
		t.Fatalf("page 1: %s", rec.Body)
	}
	rec = e.DoInternal(R{Method: "GET", Path: "/internal/v1/access-log?outcome=bad_credentials&limit=1&cursor=" + out.NextCursor})
	out.NextCursor = ""
	identitytest.Decode(t, rec, &out)
	if len(out.Items) != 1 || out.NextCursor != "" {
		t.Fatalf("page 2: %s", rec.Body)
	}
	rec = e.DoInternal(R{Method: "GET", Path: "/internal/v1/access-log?username=NOBODY&ip=198.51.100.7"})
	identitytest.Decode(t, rec, &out)
	if len(out.Items) != 1 {
		t.Fatalf("by username+ip: %s", rec.Body)
	}
	from := e.Clock.Now().Add(-time.Hour).Format(time.RFC3339)
	to := e.Clock.Now().Add(time.Hour).Format(time.RFC3339)
	rec = e.DoInternal(R{Method: "GET", Path: "/internal/v1/access-log/kpis?from=" + from + "&to=" + to})
	var k struct {
		Attempts      int     `json:"attempts"`
		Failures      int     `json:"failures"`
		SuccessRate   float64 `json:"success_rate"`
		DistinctUsers int     `json:"distinct_users"`
		LockedNow     int     `json:"locked_now"`
		PerDay        []struct {
			Attempts int `json:"attempts"`
		} `json:"per_day"`
	}
	identitytest.Decode(t, rec, &k)
	if k.Attempts != 3 || k.Failures != 2 || k.DistinctUsers != 1 || k.SuccessRate < 0.33 || k.SuccessRate > 0.34 || len(k.PerDay) == 0 {
		t.Fatalf("kpis: %s", rec.Body)
	}
}

func TestBreakGlass(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 5; i++ {
		e.Login("superadmin", "wrong-pass-word")
	}
	if rec := e.Login("superadmin", "Superadmin-Test-1"); rec.Code != 401 {
		t.Fatal("superadmin should be locked")
	}
	ctx := context.Background()
	if _, err := e.Parts.Manager.BreakGlassUnlock(ctx, "test operator"); err != nil {
		t.Fatal(err)
	}
	e.MustLogin("superadmin", "Superadmin-Test-1")
	_, temp, err := e.Parts.Manager.BreakGlassReset(ctx, "superadmin", "test operator")
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.Login("superadmin", temp); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"must_change_password":true`) {
		t.Fatalf("temporary password: %d %s", rec.Code, rec.Body)
	}
	var n int
	_ = e.Pool.QueryRow(ctx, `SELECT count(*) FROM identity.access_log WHERE outcome IN ('break_glass_unlock','break_glass_reset') AND user_agent = 'test operator'`).Scan(&n)
	if n != 2 {
		t.Fatalf("break-glass access log rows: %d", n)
	}
}

// TestInternalListsPageThroughEveryRow: with more matching rows than the largest page
// (200 users, 500 access-log entries), a filtered list returns next_cursor while rows
// remain and following it yields every matching row exactly once; the users inserted in
// one statement share created_at, so the cursor's tie-break is exercised too.
func TestInternalListsPageThroughEveryRow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	const users, entries = 450, 1203
	if _, err := e.Pool.Exec(ctx, `INSERT INTO identity.users (username, email, role, active, password_hash)
		SELECT 'bulk-' || g, 'bulk-' || g || '@corp.example', 'cliente', g % 3 <> 0, 'x' FROM generate_series(1, $1::int) g`, users); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.Exec(ctx, `INSERT INTO identity.access_log (username, outcome, ip)
		SELECT 'bulk-' || (g % 7), CASE WHEN g % 2 = 0 THEN 'bad_credentials' ELSE 'success' END, '203.0.113.9'
		FROM generate_series(1, $1::int) g`, entries); err != nil {
		t.Fatal(err)
	}
	// all follows next_cursor from the first page of path and returns every item's id.
	all := func(path string, wantFirst int) []string {
		t.Helper()
		var ids []string
		cursor := ""
		for pages := 0; ; pages++ {
			p := path
			if cursor != "" {
				p += "&cursor=" + url.QueryEscape(cursor)
			}
			rec := e.DoInternal(R{Method: "GET", Path: p})
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
			}
			var page struct {
				Items []struct {
					ID any `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			identitytest.Decode(t, rec, &page)
			if pages == 0 && (len(page.Items) != wantFirst || page.NextCursor == "") {
				t.Fatalf("%s: first page %d items, next_cursor %q; want %d and a cursor", path, len(page.Items), page.NextCursor, wantFirst)
			}
			for _, it := range page.Items {
				ids = append(ids, fmt.Sprint(it.ID))
			}
			if cursor = page.NextCursor; cursor == "" {
				return ids
			}
			if pages > 100 {
				t.Fatalf("%s: pagination does not end", path)
			}
		}
	}
	distinct := func(what string, ids []string, want int) {
		t.Helper()
		seen := map[string]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(ids) != want || len(seen) != want {
			t.Fatalf("%s: %d rows (%d distinct), want every one of %d", what, len(ids), len(seen), want)
		}
	}
	active := users - users/3
	distinct("users role=cliente", all("/internal/v1/users?role=cliente&limit=200", 200), users)
	distinct("users active=true q=bulk", all("/internal/v1/users?active=true&q=bulk&limit=200", 200), active)
	distinct("users default page", all("/internal/v1/users?role=cliente", 50), users)
	distinct("users locked=false", all("/internal/v1/users?locked=false&role=cliente&limit=200", 200), users)
	distinct("access log outcome", all("/internal/v1/access-log?outcome=success&ip=203.0.113.9&limit=500", 500), (entries+1)/2)
	distinct("access log default page", all("/internal/v1/access-log?ip=203.0.113.9", 100), entries)
}
