package charttest

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

// otlpHTTPPort is the OTLP/HTTP receiver's port. libs/observability exports spans with
// otlptracehttp only; gRPC's 4317 would never be reached.
const otlpHTTPPort = 4318

// egressOnPort: some egress rule of the policies allows the port (to any peer: the
// collector is outside the release).
func egressOnPort(nps []*networkingv1.NetworkPolicy, port int) bool {
	for _, np := range nps {
		for _, rule := range np.Spec.Egress {
			if hasPort(rule.Ports, port) {
				return true
			}
		}
	}
	return false
}

// TestTracingReachesTheCollector: where a values file sets an OTLP endpoint, it is the
// OTLP/HTTP port the services' exporter speaks, and every service's NetworkPolicy lets
// the spans out on that port.
func TestTracingReachesTheCollector(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "libs", "observability", "observability.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "otlptracehttp.New(") || strings.Contains(string(src), "otlptracegrpc") {
		t.Fatal("libs/observability no longer exports with OTLP/HTTP only: revisit the port in the values, the NetworkPolicies and this test")
	}
	checked := 0
	for _, vc := range valuesCases {
		t.Run(vc.name, func(t *testing.T) {
			m := renderUmbrella(t, readValues(t, vc, umbrellaChart), releaseName)
			for _, svc := range services {
				endpoint := serviceEnv(m, fullname(svc))["OTEL_EXPORTER_OTLP_ENDPOINT"]
				if endpoint == "" {
					continue
				}
				checked++
				u, err := url.Parse(endpoint)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Port() != "4318" {
					t.Errorf("%s: OTEL_EXPORTER_OTLP_ENDPOINT=%q: want http(s)://<collector>:%d, the OTLP/HTTP receiver", svc, endpoint, otlpHTTPPort)
				}
				dep := findDeployment(m, fullname(svc))
				if vcNetworkPolicies(m) && !egressOnPort(policiesFor(m, dep.Spec.Template.Labels), otlpHTTPPort) {
					t.Errorf("%s: no NetworkPolicy egress on port %d: spans cannot reach the collector", svc, otlpHTTPPort)
				}
			}
		})
	}
	if checked == 0 {
		t.Error("no values file sets an OTLP endpoint: deploy/values-prod.yaml used to")
	}
}

// vcNetworkPolicies: the release has NetworkPolicies (egress is then default-deny).
func vcNetworkPolicies(m manifest) bool { return len(m.all("NetworkPolicy")) > 0 }

// TestRegistrationOneSwitch: global.registration.enabled sets both identity's API switch
// and the web's page switch, open by default, closed together; prod closes both.
func TestRegistrationOneSwitch(t *testing.T) {
	check := func(name string, m manifest, want string) {
		t.Helper()
		id, web := serviceEnv(m, fullname("identity")), serviceEnv(m, fullname("web"))
		if id["PLANTA_REGISTRATION_ENABLED"] != want || web["PLANTA_WEB_REGISTRATION"] != want {
			t.Errorf("%s: identity PLANTA_REGISTRATION_ENABLED=%q, web PLANTA_WEB_REGISTRATION=%q; want both %q",
				name, id["PLANTA_REGISTRATION_ENABLED"], web["PLANTA_WEB_REGISTRATION"], want)
		}
		for _, svc := range services {
			env := serviceEnv(m, fullname(svc))
			if _, ok := env["PLANTA_WEB_REGISTRATION"]; ok && svc != "web" {
				t.Errorf("%s: %s gets PLANTA_WEB_REGISTRATION", name, svc)
			}
			if _, ok := env["PLANTA_REGISTRATION_ENABLED"]; ok && svc != "identity" {
				t.Errorf("%s: %s gets PLANTA_REGISTRATION_ENABLED", name, svc)
			}
		}
	}
	check("defaults", renderUmbrella(t, map[string]any{}, releaseName), "true")
	check("closed", renderUmbrella(t, valuesFrom(t, "global:\n  registration:\n    enabled: false\n"), releaseName), "false")
	check("prod", renderUmbrella(t, readValues(t, valuesCase{name: "prod", file: "deploy/values-prod.yaml"}, umbrellaChart), releaseName), "false")

	// A service chart installed on its own follows its own copy of the global default.
	for _, svc := range []string{"identity", "web"} {
		rendered, err := render(t, loadChart(t, svc), map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, s := range rendered {
			all.WriteString(s)
		}
		key := map[string]string{"identity": "PLANTA_REGISTRATION_ENABLED", "web": "PLANTA_WEB_REGISTRATION"}[svc]
		if !strings.Contains(all.String(), key+`: "true"`) {
			t.Errorf("charts/%s alone: no %s: \"true\"", svc, key)
		}
	}
}
