package app_test

import (
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

// matrixRow is one route's expected status for each caller. Callers are tried in the
// order of the callers slice; superadmin comes before the impersonating caller, whose
// DELETE /impersonation ends the superadmin session behind it.
type matrixRow struct {
	body   string
	status map[string]int
}

// refused is the status every caller gets except those listed.
func refused(except map[string]int) map[string]int {
	out := map[string]int{anonymous: 401, cliente: 403, admin: 403, superadmin: 403, impersonating: 403}
	for k, v := range except {
		out[k] = v
	}
	return out
}

func superOnly(status int) map[string]int { return refused(map[string]int{superadmin: status}) }

// TestAuthorizationMatrix calls every registered public route as every kind of caller.
// A route registered without a row here fails the test, and so does a row whose route
// no longer exists.
func TestAuthorizationMatrix(t *testing.T) {
	const victimSession = "victimSession000000001"
	matrix := map[string]matrixRow{
		"GET /api/v1/admin/me": {status: refused(map[string]int{admin: 200, superadmin: 200})},

		"GET /api/v1/admin/users":                           {status: superOnly(200)},
		"GET /api/v1/admin/users.csv":                       {status: superOnly(200)},
		"POST /api/v1/admin/users":                          {body: `{"username":"newbie","email":"newbie@example.com","full_name":"New","role":"cliente"}`, status: superOnly(201)},
		"GET /api/v1/admin/users/{user_id}":                 {status: superOnly(200)},
		"PATCH /api/v1/admin/users/{user_id}":               {body: `{"full_name":"Beta Renamed"}`, status: superOnly(200)},
		"DELETE /api/v1/admin/users/{user_id}":              {status: superOnly(204)},
		"POST /api/v1/admin/users/{user_id}/disable":        {status: superOnly(200)},
		"POST /api/v1/admin/users/{user_id}/enable":         {status: superOnly(200)},
		"POST /api/v1/admin/users/{user_id}/reset-password": {status: superOnly(200)},
		"POST /api/v1/admin/users/{user_id}/unlock":         {status: superOnly(200)},
		"GET /api/v1/admin/lockouts":                        {status: superOnly(200)},

		"GET /api/v1/admin/users/{user_id}/sessions":                 {status: superOnly(200)},
		"DELETE /api/v1/admin/users/{user_id}/sessions":              {status: superOnly(204)},
		"DELETE /api/v1/admin/users/{user_id}/sessions/{session_id}": {status: superOnly(204)},

		"POST /api/v1/admin/impersonation":   {body: `{"user_id":"{user_id}","reason":"matrix test"}`, status: superOnly(201)},
		"DELETE /api/v1/admin/impersonation": {status: refused(map[string]int{impersonating: 200})},

		"GET /api/v1/admin/access-logs":      {status: superOnly(200)},
		"GET /api/v1/admin/access-logs.csv":  {status: superOnly(200)},
		"GET /api/v1/admin/access-logs/kpis": {status: superOnly(200)},
		"GET /api/v1/admin/audit-events":     {status: superOnly(200)},
		"GET /api/v1/admin/audit-events.csv": {status: superOnly(200)},
	}
	// Discover the routes once; every row then runs against a fresh service, so that
	// one route's effects (a deleted user, a stopped impersonation) do not leak.
	pool := migratedPool(t)
	routes := newHarnessOn(t, pool).public.Routes()
	seen := map[string]bool{}
	for _, route := range routes {
		key := route.Method + " " + route.Path
		seen[key] = true
		row, ok := matrix[key]
		if !ok {
			t.Errorf("route %s (guard %s) has no row in the authorization matrix", key, route.Guard.Name())
			continue
		}
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			h := newHarnessOn(t, pool)
			victim := h.identity.Add(identityclient.User{Username: "beta", Email: "beta@example.com", Role: authn.RoleCliente, Active: true})
			h.sessions.Login(authn.Principal{UserID: victim.ID, Username: victim.Username, Role: victim.Role, SessionID: victimSession})
			path := strings.NewReplacer("{user_id}", victim.ID, "{session_id}", victimSession).Replace(route.Path)
			body := strings.ReplaceAll(row.body, "{user_id}", victim.ID)
			for _, who := range callers {
				want, ok := row.status[who]
				if !ok {
					t.Fatalf("row %s has no status for %s", key, who)
				}
				rec := h.as(who, route.Method, path, body)
				if rec.Code != want {
					t.Errorf("%s as %s: status %d, want %d (%s)", key, who, rec.Code, want, strings.TrimSpace(rec.Body.String()))
				}
			}
		})
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("matrix row %s matches no registered route", key)
		}
	}
}

// TestInternalRoutes: the internal listener's routes are listed too, each with the
// internal guard (NetworkPolicy, not sessions, protects them).
func TestInternalRoutes(t *testing.T) {
	h := newHarness(t)
	want := map[string]int{"POST /internal/v1/audit-events": 201}
	body := `{"service":"inventory","action":"POST /api/v1/inventory/warehouses","actor_id":"u-superadmin","actor_username":"superadmin","subject_id":"u-0001","subject_username":"acme","status":201}`
	for _, route := range h.internal.Routes() {
		key := route.Method + " " + route.Path
		status, ok := want[key]
		if !ok {
			t.Errorf("internal route %s has no row", key)
			continue
		}
		if route.Guard.Name() != authn.Internal().Name() {
			t.Errorf("%s: guard %s, want internal", key, route.Guard.Name())
		}
		if rec := h.doInternal(route.Method, route.Path, body); rec.Code != status {
			t.Errorf("%s: %d, want %d: %s", key, rec.Code, status, rec.Body)
		}
	}
	if len(h.internal.Routes()) != len(want) {
		t.Errorf("internal routes %d, rows %d", len(h.internal.Routes()), len(want))
	}
}

// TestEveryRouteIsDocumented: the OpenAPI document has every public route.
func TestEveryRouteIsDocumented(t *testing.T) {
	h := newHarness(t)
	doc := openAPIDoc(t)
	for _, route := range h.public.Routes() {
		ops, ok := doc.Paths[route.Path]
		if !ok {
			t.Errorf("openapi.json lacks path %s", route.Path)
			continue
		}
		if _, ok := ops[strings.ToLower(route.Method)]; !ok {
			t.Errorf("openapi.json lacks %s %s", route.Method, route.Path)
		}
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
}
