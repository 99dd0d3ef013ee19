package charttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"
)

// mirrors are the files of charts/planta/files that copy a file of deploy/ byte for byte
// (Helm's .Files cannot reach outside the chart). -update refreshes the copies.
func mirrors(t *testing.T) map[string]string {
	t.Helper()
	root := repoRoot(t)
	m := map[string]string{
		"charts/planta/files/routes.yaml":           "deploy/routes.yaml",
		"charts/planta/files/prometheus-rules.yaml": "deploy/prometheus/rules.yaml",
	}
	dashboards, err := filepath.Glob(filepath.Join(root, "deploy", "grafana", "*.json"))
	if err != nil || len(dashboards) == 0 {
		t.Fatalf("no dashboards in deploy/grafana (%v)", err)
	}
	for _, d := range dashboards {
		m["charts/planta/files/dashboards/"+filepath.Base(d)] = "deploy/grafana/" + filepath.Base(d)
	}
	return m
}

// TestChartFilesMirrorDeploy: the chart's copy of the route table, the rules and the
// dashboards equals deploy/'s, byte for byte, and the chart has no stale dashboard.
func TestChartFilesMirrorDeploy(t *testing.T) {
	root := repoRoot(t)
	m := mirrors(t)
	for dst, src := range m {
		want, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join(root, dst), want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(filepath.Join(root, dst))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s must equal %s byte for byte (run `go test ./charttest -update` in charts/ to copy it): %v", dst, src, err)
		}
	}
	copies, _ := filepath.Glob(filepath.Join(root, "charts", "planta", "files", "dashboards", "*.json"))
	for _, c := range copies {
		rel, _ := filepath.Rel(root, c)
		if _, ok := m[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s has no source in deploy/grafana: delete it", rel)
		}
	}
}

// TestServiceChartsAgree: the service charts share one values schema, and each one's copy of
// the global values equals the umbrella chart's.
func TestServiceChartsAgree(t *testing.T) {
	root := repoRoot(t)
	ref, err := os.ReadFile(filepath.Join(root, "charts", services[0], "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	umbrella, err := chartutil.ReadValuesFile(filepath.Join(root, "charts", umbrellaChart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range services {
		schema, err := os.ReadFile(filepath.Join(root, "charts", svc, "values.schema.json"))
		if err != nil || !bytes.Equal(schema, ref) {
			t.Errorf("charts/%s/values.schema.json differs from charts/%s's: the service charts share one schema (%v)", svc, services[0], err)
		}
		vals, err := chartutil.ReadValuesFile(filepath.Join(root, "charts", svc, "values.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(vals["global"], umbrella["global"]) {
			t.Errorf("charts/%s/values.yaml: global differs from charts/planta/values.yaml's", svc)
		}
		if _, ok := umbrella[svc].(map[string]any)["enabled"]; !ok {
			t.Errorf("charts/planta/values.yaml: no %s.enabled", svc)
		}
	}
}

// TestSchemasRejectMistakes: a misspelt or invalid value fails the install instead of being
// silently ignored.
func TestSchemasRejectMistakes(t *testing.T) {
	cases := map[string]string{
		"unknown service key":            "identity:\n  replicaCoutn: 3\n",
		"unknown global key":             "global:\n  networkPolicy:\n    enabeld: false\n",
		"bad routing mode":               "routing:\n  mode: loadbalancer\n",
		"gateway without a parent":       "routing:\n  mode: gateway\n  gateway:\n    parentRefs: []\n",
		"memory limit removed":           "session:\n  resources:\n    limits:\n      memory: null\n",
		"secret without a name":          "global:\n  datastores:\n    postgres:\n      existingSecret: \"\"\n",
		"bad log level":                  "global:\n  logLevel: verbose\n",
		"unknown top-level section":      "ingress:\n  enabled: true\n",
		"required secret without a name": "global:\n  secrets:\n    superadmin:\n      existingSecret: \"\"\n",
		"chart-set URL in env":           "web:\n  env:\n    PLANTA_WEB_IDENTITY_API_BASE: http://planta-identity:8080\n",
		"trusted proxies in env":         "identity:\n  env:\n    PLANTA_TRUSTED_PROXIES: 10.0.0.0/8\n",
		"trusted proxies in global env":  "global:\n  env:\n    PLANTA_TRUSTED_PROXIES: 10.0.0.0/8\n",
		"bad trusted proxy":              "global:\n  trustedProxies:\n    ingress: [ingress-nginx]\n",
		"bcrypt cost too low":            "identity:\n  env:\n    PLANTA_BCRYPT_COST: 4\n",
		"bad session duration":           "session:\n  env:\n    PLANTA_SESSION_IDLE_TIMEOUT: 30 minutes\n",
		"bad validate cache TTL":         "session:\n  env:\n    PLANTA_SESSION_VALIDATE_CACHE_TTL: one second\n",
		"bad boolean":                    "global:\n  registration:\n    enabled: \"no\"\n",
		"registration in identity env":   "identity:\n  env:\n    PLANTA_REGISTRATION_ENABLED: false\n",
		"registration in web env":        "web:\n  env:\n    PLANTA_WEB_REGISTRATION: \"true\"\n",
		"registration in global env":     "global:\n  env:\n    PLANTA_REGISTRATION_ENABLED: false\n",
		"OTLP gRPC port":                 "global:\n  otel:\n    endpoint: http://otel-collector.observability.svc:4317\n",
		"dev mode in a cluster":          "global:\n  env:\n    PLANTA_DEV_MODE: true\n",
		"unknown uses key":               "web:\n  uses:\n    publicApis: [identity]\n",
	}
	for name, values := range cases {
		t.Run(name, func(t *testing.T) {
			vals, err := chartutil.ReadValues([]byte(values))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := render(t, loadChart(t, umbrellaChart), vals); err == nil {
				t.Errorf("rendering with\n%s succeeded; the schema must reject it", values)
			} else if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}

// TestSchemasAcceptSettings: the documented service settings pass the schema, as numbers,
// booleans or strings.
func TestSchemasAcceptSettings(t *testing.T) {
	values := `
global:
  env:
    PLANTA_REDIS_PREFIX: "planta-prod:"
    PLANTA_SHUTDOWN_DELAY: 5s
  trustedProxies:
    ingress: [10.244.0.0/16, "fd00::/8"]
    web: [10.244.0.0/16]
  secrets:
    declarative-users:
      existingSecret: planta-users
  registration:
    enabled: false
  otel:
    endpoint: http://otel-collector.observability.svc:4318
identity:
  env:
    PLANTA_BCRYPT_COST: 13
    PLANTA_LOGIN_RATE_LIMIT: "60"
    PLANTA_LOCKOUT_DURATION: 15m
session:
  env:
    PLANTA_SESSION_IDLE_TIMEOUT: 30m
    PLANTA_SESSION_ABSOLUTE_LIFETIME: 12h
allocation:
  env:
    PLANTA_ACADEMIC_API_URL: https://academic.example.edu/api
    PLANTA_PUBLIC_RATE_PER_SECOND: 20
    PLANTA_PUBLIC_RATE_BURST: 100
  extraEgress:
    - to:
        - ipBlock:
            cidr: 203.0.113.0/24
      ports:
        - port: 443
          protocol: TCP
web:
  env:
    PLANTA_WEB_MRP_TIMEZONE: America/Lima
`
	vals, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := render(t, loadChart(t, umbrellaChart), vals); err != nil {
		t.Errorf("rendering with documented settings failed: %v", err)
	}
}

// contractMetrics are the metrics the services export (issue 8); "histogram" ones also have
// _bucket, _sum and _count series.
var contractMetrics = map[string]string{
	"planta_http_requests_total":               "counter",
	"planta_http_request_duration_seconds":     "histogram",
	"planta_http_requests_in_flight":           "gauge",
	"planta_login_attempts_total":              "counter",
	"planta_lockouts_total":                    "counter",
	"planta_sessions_active":                   "gauge",
	"planta_session_validate_duration_seconds": "histogram",
	"planta_session_validate_cache_total":      "counter",
	"planta_session_validate_cache_entries":    "gauge",
	"planta_session_revocation_feed_up":        "gauge",
	"planta_dependency_up":                     "gauge",
	"planta_mrp_run_seconds":                   "histogram",
	"planta_mrp_items_planned_total":           "counter",
	"planta_mrp_exceptions_total":              "counter",
	"planta_allocation_solve_seconds":          "histogram",
	"planta_allocation_sections_placed":        "gauge",
	"planta_allocation_solve_score":            "gauge",
}

var metricRef = regexp.MustCompile(`\bplanta_[a-z0-9_]+`)

// metricsIn returns the contract metric each planta_ series in expr belongs to, and the
// series that belong to none.
func metricsIn(expr string) (known, unknown []string) {
	for _, s := range metricRef.FindAllString(expr, -1) {
		name := s
		if _, ok := contractMetrics[name]; !ok {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				base := strings.TrimSuffix(s, suffix)
				if contractMetrics[base] == "histogram" && base != s {
					name = base
				}
			}
		}
		if _, ok := contractMetrics[name]; ok {
			known = append(known, name)
		} else {
			unknown = append(unknown, s)
		}
	}
	return known, unknown
}

// TestDashboards: the dashboards are valid JSON with unique uids, query only metrics the
// services export, and together show every one of them.
func TestDashboards(t *testing.T) {
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "grafana", "*.json"))
	want := []string{"allocation.json", "auth.json", "mrp.json", "overview.json"}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if !slices.Equal(names, want) {
		t.Errorf("deploy/grafana has %v, want %v", names, want)
	}
	used := map[string]bool{}
	uids := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID    string `json:"uid"`
			Title  string `json:"title"`
			Panels []struct {
				Type    string `json:"type"`
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: needs a uid and a title", f)
		}
		if prev, ok := uids[d.UID]; ok {
			t.Errorf("%s: uid %q already used by %s", f, d.UID, prev)
		}
		uids[d.UID] = f
		for _, p := range d.Panels {
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", filepath.Base(f), p.Title)
			}
			for _, tg := range p.Targets {
				known, unknown := metricsIn(tg.Expr)
				if len(unknown) > 0 {
					t.Errorf("%s: panel %q queries %v, which the services do not export", filepath.Base(f), p.Title, unknown)
				}
				for _, k := range known {
					used[k] = true
				}
			}
		}
	}
	for m := range contractMetrics {
		if !used[m] {
			t.Errorf("no dashboard shows %s", m)
		}
	}
}

// ruleFile is the subset of a Prometheus rule file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Record      string            `json:"record"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

// TestAlertsAndRunbooks: the alerts the issue asks for exist, use exported metrics, carry a
// severity and a runbook link, and docs/operations.md has that runbook and every metric.
func TestAlertsAndRunbooks(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(b, &rf); err != nil {
		t.Fatalf("deploy/prometheus/rules.yaml: %v", err)
	}
	ops, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if _, unknown := metricsIn(r.Expr); len(unknown) > 0 {
				t.Errorf("rule %s%s uses %v, which the services do not export", r.Alert, r.Record, unknown)
			}
			if r.Alert == "" {
				continue
			}
			alerts = append(alerts, r.Alert)
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("alert %s: severity %q, want critical or warning", r.Alert, s)
			}
			anchor := "runbook-" + strings.ToLower(r.Alert)
			if !strings.HasSuffix(r.Annotations["runbook_url"], "docs/operations.md#"+anchor) {
				t.Errorf("alert %s: runbook_url %q, want .../docs/operations.md#%s", r.Alert, r.Annotations["runbook_url"], anchor)
			}
			if !bytes.Contains(ops, []byte("\n### Runbook: "+r.Alert+"\n")) {
				t.Errorf("docs/operations.md has no section \"### Runbook: %s\"", r.Alert)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s: needs a summary and a description", r.Alert)
			}
		}
	}
	for _, want := range []string{"PlantaHigh5xxRatio", "PlantaSessionValidateSlow", "PlantaLockoutSpike", "PlantaRedisDown", "PlantaPostgresDown", "PlantaPodsNotReady", "PlantaScrapeTargetDown"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s", want)
		}
	}
	for m := range contractMetrics {
		if !bytes.Contains(ops, []byte("`"+m+"`")) {
			t.Errorf("docs/operations.md does not describe %s", m)
		}
	}
}

// TestPromtool runs promtool on the rules and their unit tests. promtool comes with Debian's
// prometheus package; `make deps` installs it. A missing promtool fails: alerts nobody tested
// are not shipped.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found in PATH: run `make deps` (it installs Debian's prometheus package, which ships promtool): %v", err)
	}
	root := repoRoot(t)
	for _, args := range [][]string{
		{"check", "rules", "deploy/prometheus/rules.yaml"},
		{"test", "rules", "deploy/prometheus/rules_test.yaml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil {
			if errors.As(err, &exit) {
				t.Errorf("promtool %s failed:\n%s", strings.Join(args, " "), out)
			} else {
				t.Errorf("promtool %s: %v", strings.Join(args, " "), err)
			}
		}
	}
}
