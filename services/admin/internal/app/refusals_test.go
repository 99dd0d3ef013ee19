package app_test

import (
	"net/http"
	"testing"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

// TestSelfResetPasswordIsRefusedAndAudited: the admin reset skips the current password
// and ends every session of the account, so it is refused on oneself (the user changes
// their own password with POST /api/v1/me/password), and the refusal is audited.
func TestSelfResetPasswordIsRefusedAndAudited(t *testing.T) {
	h := newHarness(t)
	boss2 := h.identity.Add(identityclient.User{Username: "boss2", Email: "boss2@example.com", Role: authn.RoleSuperadmin, Active: true})
	tok := h.login(boss2)
	second := h.login(boss2) // another device
	password := h.identity.Password(boss2.ID)
	rec := h.do(http.MethodPost, "/api/v1/admin/users/"+boss2.ID+"/reset-password", tok, "")
	var p struct{ Type, Detail string }
	decode(t, rec, &p)
	if rec.Code != http.StatusConflict || p.Type != "https://planta.dev/problems/self-action" {
		t.Fatalf("self reset: %d %+v, want 409 self-action", rec.Code, p)
	}
	if h.identity.Password(boss2.ID) != password {
		t.Fatal("a refused self reset changed the password")
	}
	for _, s := range []string{tok, second} {
		if _, ok := h.sessions.Principal(s); !ok {
			t.Fatal("a refused self reset ended a session")
		}
	}
	if n := h.auditRows(`action = 'user.reset_password' AND actor_id = $1 AND subject_id = $1 AND status = 409
		AND target = $2 AND after->>'refused' = 'https://planta.dev/problems/self-action'`,
		boss2.ID, "POST /api/v1/admin/users/"+boss2.ID+"/reset-password"); n != 1 {
		t.Fatalf("self reset refusal audit rows: %d, want 1", n)
	}
	// Another superadmin may still reset it.
	if rec := h.as(superadmin, http.MethodPost, "/api/v1/admin/users/"+boss2.ID+"/reset-password", ""); rec.Code != http.StatusOK {
		t.Fatalf("reset by another superadmin: %d %s", rec.Code, rec.Body)
	}
}

// TestOwnValidationRefusalsAreAudited: refusals the admin service decides itself
// (invalid fields, actions on oneself) leave an audit row like identity's refusals.
func TestOwnValidationRefusalsAreAudited(t *testing.T) {
	h := newHarness(t)
	super := h.users[superadmin]
	target := h.users[cliente]
	cases := []struct {
		name, method, path, body string
		status                   int
		action, subject, slug    string
		field, reason            string
	}{
		{"impersonation short reason", http.MethodPost, "/api/v1/admin/impersonation", `{"user_id":"` + target.ID + `","reason":"ab"}`,
			422, "impersonation.start", target.ID, "", "reason", "ab"},
		{"impersonation blank reason", http.MethodPost, "/api/v1/admin/impersonation", `{"user_id":"` + target.ID + `","reason":"   "}`,
			422, "impersonation.start", target.ID, "", "reason", "   "},
		{"self-disable", http.MethodPost, "/api/v1/admin/users/" + super.ID + "/disable", "",
			409, "user.disable", super.ID, "self-action", "", ""},
		{"self-delete", http.MethodDelete, "/api/v1/admin/users/" + super.ID, "",
			409, "user.delete", super.ID, "self-action", "", ""},
		{"self-demotion", http.MethodPatch, "/api/v1/admin/users/" + super.ID, `{"role":"admin"}`,
			409, "user.update", super.ID, "self-demotion", "", ""},
		{"create with a bad email", http.MethodPost, "/api/v1/admin/users", `{"username":"obra9","email":"nope","role":"admin","password":"NeverInTheLog-123"}`,
			422, "user.create", "", "", "email", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := h.as(superadmin, c.method, c.path, c.body)
			if rec.Code != c.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, c.status)
			}
			var p struct{ Type string }
			decode(t, rec, &p)
			where := `action = $1 AND actor_id = $2 AND actor_username = $3 AND subject_id = $4 AND status = $5
				AND target = $6 AND after->>'refused' = $7 AND after::text NOT LIKE '%NeverInTheLog%' AND reason = $8`
			args := []any{c.action, super.ID, super.Username, c.subject, c.status, c.method + " " + c.path, p.Type, c.reason}
			if c.slug != "" && p.Type != "https://planta.dev/problems/"+c.slug {
				t.Fatalf("type %s, want %s", p.Type, c.slug)
			}
			if c.field != "" {
				where += ` AND after->'errors' @> jsonb_build_array(jsonb_build_object('field', $9::text))`
				args = append(args, c.field)
			}
			if n := h.auditRows(where, args...); n != 1 {
				t.Fatalf("refusal audit rows: %d, want 1", n)
			}
		})
	}
	if n := h.auditRows(`action = 'impersonation.start' AND reason = 'ab' AND after->'request'->>'reason' = 'ab'
		AND after->'request'->>'user_id' = $1`, target.ID); n != 1 {
		t.Fatalf("the refused reason is not in the audit row: %d", n)
	}
	if !h.identity.User(super.ID).Active || h.identity.User(super.ID).Role != authn.RoleSuperadmin {
		t.Fatal("a refused self-action changed the account")
	}
}
