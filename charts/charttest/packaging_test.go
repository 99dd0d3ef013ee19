package charttest

import (
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"sigs.k8s.io/yaml"
)

func TestMain(m *testing.M) {
	// Helm's loader logs every symlink it follows (charts/*/charts/* are symlinks).
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// TestEveryServiceIsPackaged: every module under services/ has a Dockerfile, a chart, an entry
// in the umbrella chart and a skaffold artifact; this test's service list is that list.
func TestEveryServiceIsPackaged(t *testing.T) {
	root := repoRoot(t)
	mods, err := filepath.Glob(filepath.Join(root, "services", "*", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, m := range mods {
		found = append(found, filepath.Base(filepath.Dir(m)))
	}
	want := slices.Clone(services)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Fatalf("services/ has %v but the charts package %v: give each new service a Dockerfile, a chart (copy charts/admin), an umbrella entry and a skaffold artifact, then add it to `services` in charttest", found, want)
	}

	umbrella, err := loader.Load(chartDir(t, umbrellaChart))
	if err != nil {
		t.Fatal(err)
	}
	sk := readSkaffold(t)
	goVersion := goWorkVersion(t)
	for _, svc := range services {
		checkDockerfile(t, svc, goVersion)

		dep := slices.IndexFunc(umbrella.Metadata.Dependencies, func(d *chart.Dependency) bool { return d.Name == svc })
		if dep < 0 {
			t.Errorf("charts/planta/Chart.yaml: no dependency %s", svc)
		} else if d := umbrella.Metadata.Dependencies[dep]; d.Condition != svc+".enabled" || d.Repository != "file://../"+svc {
			t.Errorf("charts/planta/Chart.yaml: dependency %s needs condition %s.enabled and repository file://../%s", svc, svc, svc)
		}
		if target, err := os.Readlink(filepath.Join(root, "charts", umbrellaChart, "charts", svc)); err != nil || target != "../../"+svc {
			t.Errorf("charts/planta/charts/%s must be a symlink to ../../%s (%q, %v)", svc, svc, target, err)
		}
		if target, err := os.Readlink(filepath.Join(root, "charts", svc, "charts", "lib")); err != nil || target != "../../lib" {
			t.Errorf("charts/%s/charts/lib must be a symlink to ../../lib (%q, %v)", svc, target, err)
		}

		image := "planta/" + svc
		i := slices.IndexFunc(sk.Build.Artifacts, func(a skaffoldArtifact) bool { return a.Image == image })
		if i < 0 {
			t.Errorf("skaffold.yaml: no artifact %s", image)
		} else if a := sk.Build.Artifacts[i]; a.Context != "." || a.Docker.Dockerfile != "services/"+svc+"/Dockerfile" {
			t.Errorf("skaffold.yaml: artifact %s must build services/%s/Dockerfile with context .", image, svc)
		}
		key := svc + ".image.reference"
		if got, want := sk.Deploy.Helm.Releases[0].SetValueTemplates[key], "{{.IMAGE_FULLY_QUALIFIED_planta_"+svc+"}}"; got != want {
			t.Errorf("skaffold.yaml: setValueTemplates %s = %q, want %q", key, got, want)
		}
	}
	if len(sk.Build.Artifacts) != len(services) {
		t.Errorf("skaffold.yaml builds %d images, want %d", len(sk.Build.Artifacts), len(services))
	}
}

// checkDockerfile: a static, non-root, shell-less image of the service's binary, built from
// the repository root with the Go of go.work.
func checkDockerfile(t *testing.T, svc, goVersion string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "services", svc, "Dockerfile"))
	if err != nil {
		t.Errorf("services/%s: no Dockerfile: %v", svc, err)
		return
	}
	df := string(b)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	// Every image is distroless/static except allocation's, which must carry the exact
	// MIP engine its solver runs (ARCHITECTURE.md §8 allows a slim Debian base for that
	// one service) and installs nothing but coinor-cbc on it.
	wantBase := "gcr.io/distroless/static-debian12:nonroot"
	if svc == "allocation" {
		wantBase = "debian:bookworm-slim"
		if !strings.Contains(df, "coinor-cbc") {
			t.Errorf("services/allocation/Dockerfile: the final stage must install coinor-cbc")
		}
	}
	if len(froms) < 2 || froms[len(froms)-1][1] != wantBase {
		t.Errorf("services/%s/Dockerfile: the final stage must be %s, got %v", svc, wantBase, froms)
	}
	for _, want := range []string{
		"ARG GO_VERSION=" + goVersion + "\n",
		"CGO_ENABLED=0",
		`go build -trimpath -ldflags "-s -w" -o /out/` + svc + " ./services/" + svc + "/cmd/" + svc + "\n",
		"COPY go.work ",
		"COPY libs/ libs/\n",
		"COPY services/" + svc + "/ services/" + svc + "/\n",
		"USER 65532:65532\n",
		`ENTRYPOINT ["/usr/local/bin/` + svc + `"]` + "\n",
		`CMD ["serve"]` + "\n",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("services/%s/Dockerfile: missing %q", svc, strings.TrimSpace(want))
		}
	}
	final := df[strings.LastIndex(df, "\nFROM "):]
	if svc != "allocation" && regexp.MustCompile(`(?m)^(RUN|SHELL)\b`).MatchString(final) {
		t.Errorf("services/%s/Dockerfile: the final stage has no shell, so no RUN or SHELL", svc)
	}
}

func goWorkVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.work has no go line")
	}
	return string(m[1])
}

// skaffoldConfig is the part of skaffold's schema that skaffold.yaml uses; decoding it strictly
// catches misspelt fields without depending on skaffold itself.
type skaffoldConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Build struct {
		TagPolicy struct {
			InputDigest *struct{} `json:"inputDigest"`
		} `json:"tagPolicy"`
		Local struct {
			UseBuildkit bool `json:"useBuildkit"`
			Concurrency int  `json:"concurrency"`
		} `json:"local"`
		Artifacts []skaffoldArtifact `json:"artifacts"`
	} `json:"build"`
	Deploy   skaffoldDeploy `json:"deploy"`
	Profiles []struct {
		Name       string `json:"name"`
		Activation []struct {
			Command string `json:"command"`
		} `json:"activation"`
		Patches []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		} `json:"patches"`
	} `json:"profiles"`
}

type skaffoldArtifact struct {
	Image   string `json:"image"`
	Context string `json:"context"`
	Docker  struct {
		Dockerfile string `json:"dockerfile"`
	} `json:"docker"`
}

type skaffoldDeploy struct {
	Helm struct {
		Releases []struct {
			Name                  string            `json:"name"`
			ChartPath             string            `json:"chartPath"`
			Namespace             string            `json:"namespace"`
			CreateNamespace       bool              `json:"createNamespace"`
			SkipBuildDependencies bool              `json:"skipBuildDependencies"`
			ValuesFiles           []string          `json:"valuesFiles"`
			SetValueTemplates     map[string]string `json:"setValueTemplates"`
		} `json:"releases"`
	} `json:"helm"`
}

func readSkaffold(t *testing.T) skaffoldConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "skaffold.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sk skaffoldConfig
	if err := yaml.UnmarshalStrict(b, &sk); err != nil {
		t.Fatalf("skaffold.yaml: %v", err)
	}
	if !strings.HasPrefix(sk.APIVersion, "skaffold/v4beta") || sk.Kind != "Config" {
		t.Errorf("skaffold.yaml: apiVersion %q kind %q, want skaffold/v4beta* Config", sk.APIVersion, sk.Kind)
	}
	if len(sk.Deploy.Helm.Releases) != 1 || sk.Deploy.Helm.Releases[0].ChartPath != "charts/planta" || !sk.Deploy.Helm.Releases[0].SkipBuildDependencies {
		t.Fatalf("skaffold.yaml: want one helm release of charts/planta with skipBuildDependencies")
	}
	profiles := map[string]string{"dev": "deploy/values-dev.yaml", "prod": "deploy/values-prod.yaml"}
	for _, p := range sk.Profiles {
		want, ok := profiles[p.Name]
		if !ok {
			continue
		}
		delete(profiles, p.Name)
		if len(p.Patches) != 1 || p.Patches[0].Path != "/deploy/helm/releases/0/valuesFiles" || !isOneString(p.Patches[0].Value, want) {
			t.Errorf("skaffold.yaml: profile %s must set valuesFiles to [%s]", p.Name, want)
		}
		if _, err := os.Stat(filepath.Join(repoRoot(t), want)); err != nil {
			t.Errorf("skaffold.yaml: profile %s: %v", p.Name, err)
		}
	}
	for name := range profiles {
		t.Errorf("skaffold.yaml: no profile %s", name)
	}
	return sk
}

// isOneString reports whether v is a YAML list holding exactly want.
func isOneString(v any, want string) bool {
	l, ok := v.([]any)
	return ok && len(l) == 1 && l[0] == want
}
