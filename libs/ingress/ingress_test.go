package ingress_test

import (
	"os"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/ingress"
)

func TestMatchFollowsKubernetesPrefixSemantics(t *testing.T) {
	table, err := ingress.Parse([]byte(`
routes:
  - {prefix: /api/v1/me, service: identity}
  - {prefix: /api/v1/mrp, service: inventory}
  - {prefix: /api/v1, service: fallback}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"/api/v1/me":          "identity",
		"/api/v1/me/password": "identity",
		"/api/v1/merge":       "fallback", // element-wise: /me does not match /merge
		"/api/v1/mrp/runs":    "inventory",
		"/api/v1":             "fallback",
		"/api/v2/x":           "",
		"/":                   "",
	}
	for path, want := range cases {
		got, ok := table.Match(path)
		if (want == "") == ok || got.Service != want {
			t.Errorf("Match(%q) = %q, %v; want %q", path, got.Service, ok, want)
		}
	}
}

func TestParseRejectsBadTables(t *testing.T) {
	for name, doc := range map[string]string{
		"no slash":       "routes: [{prefix: api, service: a}]",
		"trailing slash": "routes: [{prefix: /api/, service: a}]",
		"duplicate":      "routes: [{prefix: /a, service: a}, {prefix: /a, service: b}]",
		"no service":     "routes: [{prefix: /a}]",
		"unknown field":  "routes: [{prefix: /a, service: a, port: 9090}]",
		"empty":          "routes: []",
	} {
		if _, err := ingress.Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The repository's route table must parse and must route every service's info endpoint
// to that service; internal paths must never be routed.
func TestRepositoryRouteTable(t *testing.T) {
	data, err := os.ReadFile("../../deploy/routes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	table, err := ingress.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []string{"identity", "session", "inventory", "allocation", "admin"} {
		if r, ok := table.Match("/api/v1/" + svc + "/info"); !ok || r.Service != svc {
			t.Errorf("/api/v1/%s/info routes to %q", svc, r.Service)
		}
	}
	// Internal paths may only fall through to the web frontend's catch-all (whose public
	// listener serves none of them); no API service's route may cover them.
	for _, path := range []string{"/internal/v1/sessions/validate", "/metrics", "/healthz", "/readyz"} {
		if r, ok := table.Match(path); ok && (r.Prefix != "/" || r.Service != "web") {
			t.Errorf("internal path %s is routed to %s by %s", path, r.Service, r.Prefix)
		}
	}
	for _, r := range table.Routes {
		if !strings.HasPrefix(r.Prefix, "/api/") && !(r.Prefix == "/" && r.Service == "web") {
			t.Errorf("route %s to %s: only /api/ prefixes and the web frontend's / may be public", r.Prefix, r.Service)
		}
	}
}
