package charttest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files and the copies of deploy/ files in charts/planta/files")

const (
	releaseName   = "planta"
	namespace     = "planta"
	publicPort    = 8080
	internalPort  = 9090
	umbrellaChart = "planta"
)

// services are the Planta services the charts deploy, in the order of docs/conventions.md.
var services = []string{"identity", "session", "inventory", "allocation", "admin", "web"}

// needs is what each service reads, from the issue and the services' code: datastores, the
// services whose internal API it calls (uses.services) and those whose public API it calls
// server-side (uses.publicAPIs).
var needs = map[string]struct {
	postgres, redis bool
	calls           []string
	publicAPIs      []string
}{
	"identity": {postgres: true, redis: true, calls: []string{"session"}},
	"session":  {redis: true},
	// inventory reports writes made while impersonating to admin's audit log.
	"inventory":  {postgres: true, calls: []string{"session", "admin"}},
	"allocation": {postgres: true, calls: []string{"session"}},
	"admin":      {postgres: true, calls: []string{"session", "identity"}},
	// The web validates sessions (session's internal API) and renders pages from every
	// service's public API, called with the user's session.
	"web": {calls: []string{"session"}, publicAPIs: []string{"identity", "session", "inventory", "allocation", "admin"}},
}

// repoRoot is the repository root (two levels above this file).
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func chartDir(t testing.TB, name string) string {
	return filepath.Join(repoRoot(t), "charts", name)
}

// valuesCase is one set of values a chart is rendered with.
type valuesCase struct {
	name string
	// file is relative to the repository root; empty means the chart's defaults.
	file string
	// monitoring: ServiceMonitors are expected (the dev values turn them off).
	monitoring bool
}

var valuesCases = []valuesCase{
	{name: "default", monitoring: true},
	{name: "dev", file: "deploy/values-dev.yaml"},
	{name: "prod", file: "deploy/values-prod.yaml", monitoring: true},
}

// readValues reads a values file of the umbrella chart; for a service chart it returns what
// Helm would hand that subchart: the service's section plus global.
func readValues(t testing.TB, vc valuesCase, chartName string) map[string]any {
	t.Helper()
	if vc.file == "" {
		return map[string]any{}
	}
	vals, err := chartutil.ReadValuesFile(filepath.Join(repoRoot(t), vc.file))
	if err != nil {
		t.Fatalf("read %s: %v", vc.file, err)
	}
	if chartName == umbrellaChart {
		return vals.AsMap()
	}
	sub := map[string]any{}
	if s, ok := vals[chartName].(map[string]any); ok {
		for k, v := range s {
			sub[k] = v
		}
	}
	if g, ok := vals["global"]; ok {
		sub["global"] = g
	}
	return sub
}

func loadChart(t testing.TB, name string) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir(t, name))
	if err != nil {
		t.Fatalf("load chart %s: %v", name, err)
	}
	return c
}

// render renders a chart as `helm template` would (schema validation included) and returns
// the rendered files by template path; NOTES.txt of the top chart is kept, partials dropped.
func render(t testing.TB, c *chart.Chart, vals map[string]any) (map[string]string, error) {
	t.Helper()
	return renderAs(t, c, vals, releaseName)
}

// renderAs is render with another release name.
func renderAs(t testing.TB, c *chart.Chart, vals map[string]any, release string) (map[string]string, error) {
	t.Helper()
	if err := chartutil.ProcessDependenciesWithMerge(c, vals); err != nil {
		return nil, fmt.Errorf("process dependencies: %w", err)
	}
	opts := chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(c, vals, opts, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(c, top)
	if err != nil {
		return nil, err
	}
	for name := range out {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || (strings.HasSuffix(name, "NOTES.txt") && name != c.Name()+"/templates/NOTES.txt") {
			delete(out, name)
		}
	}
	return out, nil
}

// document is one rendered YAML document and the template it came from.
type document struct {
	source string
	body   string
}

// split returns the non-empty YAML documents of the rendered output, ordered by source.
func split(rendered map[string]string) []document {
	names := make([]string, 0, len(rendered))
	for n := range rendered {
		names = append(names, n)
	}
	sort.Strings(names)
	var docs []document
	for _, n := range names {
		if strings.HasSuffix(n, "NOTES.txt") {
			continue
		}
		for _, part := range strings.Split("\n"+rendered[n], "\n---") {
			if isBlankYAML(part) {
				continue
			}
			docs = append(docs, document{source: n, body: strings.Trim(part, "\n") + "\n"})
		}
	}
	return docs
}

func isBlankYAML(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		l := strings.TrimSpace(line)
		if l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// golden compares got with testdata/<name>, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run `go test ./charttest -update` to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the rendered output; review the diff and run `go test ./charttest -update`:\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff is a short, dependency-free description of the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  golden:   %q\n  rendered: %q\n", i+1, wl, gl)
			if shown++; shown == 10 {
				b.WriteString("  ...\n")
				break
			}
		}
	}
	return b.String()
}

// lintChart is `helm lint --strict` through the library (what action.Lint does with Strict set):
// any message of warning severity or above fails.
func lintChart(t *testing.T, name string, vals map[string]any) {
	t.Helper()
	linter := lint.AllWithKubeVersionAndSchemaValidation(chartDir(t, name), vals, namespace, nil, false)
	for _, msg := range linter.Messages {
		if msg.Severity >= support.WarningSev {
			t.Errorf("helm lint --strict %s: %s", name, msg)
		}
	}
}

// toYAML renders a value for failure messages.
func toYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
