package charttest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// renderUmbrella renders the umbrella chart as release with vals and decodes every object.
func renderUmbrella(t *testing.T, vals map[string]any, release string) manifest {
	t.Helper()
	rendered, err := renderAs(t, loadChart(t, umbrellaChart), vals, release)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var m manifest
	for _, d := range split(rendered) {
		o, err := decodeStrict(d)
		if err != nil {
			t.Fatal(err)
		}
		m.objects = append(m.objects, o)
	}
	return m
}

func valuesFrom(t *testing.T, y string) map[string]any {
	t.Helper()
	v, err := chartutil.ReadValues([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return v.AsMap()
}

// serviceEnv is the plain environment of a service: its ConfigMap plus the container's env.
func serviceEnv(m manifest, name string) map[string]string {
	env := map[string]string{}
	if cm := findObject[*corev1.ConfigMap](m, "ConfigMap", name); cm != nil {
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	if dep := findDeployment(m, name); dep != nil {
		for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
	}
	return env
}

// checkCallEnv: the callee URLs name the callees' Services of this release: internal port for
// uses.services, public port for uses.publicAPIs.
func checkCallEnv(t *testing.T, name string, env map[string]string, release string, calls, publicAPIs []string) {
	t.Helper()
	svc := strings.TrimPrefix(name, release+"-")
	for _, callee := range calls {
		want := fmt.Sprintf("http://%s-%s:%d", release, callee, internalPort)
		if got := env["PLANTA_"+strings.ToUpper(callee)+"_URL"]; got != want {
			t.Errorf("%s: PLANTA_%s_URL=%q, want %q", name, strings.ToUpper(callee), got, want)
		}
	}
	for _, callee := range publicAPIs {
		key := "PLANTA_" + strings.ToUpper(svc) + "_" + strings.ToUpper(callee) + "_API_BASE"
		want := fmt.Sprintf("http://%s-%s:%d", release, callee, publicPort)
		if got := env[key]; got != want {
			t.Errorf("%s: %s=%q, want %q", name, key, got, want)
		}
	}
}

// policiesFor are all the NetworkPolicies selecting pods with these labels (they add up).
func policiesFor(m manifest, podLabels map[string]string) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for _, o := range m.all("NetworkPolicy") {
		np := o.obj.(*networkingv1.NetworkPolicy)
		if selects(&np.Spec.PodSelector, podLabels) {
			out = append(out, np)
		}
	}
	return out
}

func anyAdmits(nps []*networkingv1.NetworkPolicy, podLabels map[string]string, port int) bool {
	return slices.ContainsFunc(nps, func(np *networkingv1.NetworkPolicy) bool { return admits(np, podLabels, port) })
}

func anyEgressTo(nps []*networkingv1.NetworkPolicy, podLabels map[string]string, port int) bool {
	return slices.ContainsFunc(nps, func(np *networkingv1.NetworkPolicy) bool { return egressTo(np, podLabels, port) })
}

// checkFlows: between the pods of the release, exactly the declared flows are allowed, both
// ways (the callee admits, the caller may egress): A -> B's internal port iff A calls B's
// internal API (uses.services), A -> B's public port iff A calls B's public API
// (uses.publicAPIs). Anything else between Planta pods is refused.
func checkFlows(t *testing.T, m manifest, release string) {
	t.Helper()
	pods := map[string]map[string]string{}
	for _, svc := range services {
		dep := findDeployment(m, release+"-"+svc)
		if dep == nil {
			t.Fatalf("no Deployment %s-%s", release, svc)
		}
		pods[svc] = dep.Spec.Template.Labels
	}
	for _, a := range services {
		out := policiesFor(m, pods[a])
		for _, b := range services {
			if a == b {
				continue
			}
			in := policiesFor(m, pods[b])
			for _, f := range []struct {
				port int
				what string
				want bool
			}{
				{internalPort, "internal", slices.Contains(needs[a].calls, b)},
				{publicPort, "public", slices.Contains(needs[a].publicAPIs, b)},
			} {
				if got := anyAdmits(in, pods[a], f.port); got != f.want {
					t.Errorf("%s -> %s %s port %d: %s's NetworkPolicy admits=%v, want %v", a, b, f.what, f.port, b, got, f.want)
				}
				if got := anyEgressTo(out, pods[b], f.port); got != f.want {
					t.Errorf("%s -> %s %s port %d: %s's NetworkPolicy egress=%v, want %v", a, b, f.what, f.port, a, got, f.want)
				}
			}
		}
	}
	// A pod of the release carrying every public-API caller label reaches no internal port.
	intruder := map[string]string{"app.kubernetes.io/instance": release, "app.kubernetes.io/name": "intruder"}
	for _, svc := range services {
		intruder["planta.dev/calls-"+svc+"-public"] = "true"
	}
	for _, svc := range services {
		if anyAdmits(policiesFor(m, pods[svc]), intruder, internalPort) {
			t.Errorf("%s: a pod with only public-API caller labels is admitted to the internal port", svc)
		}
	}
}

// TestServiceFlows: the NetworkPolicies of a full release allow exactly the calls the
// services make, in every values case: the web reaches every public API it uses, nobody
// reaches an internal port it does not call.
func TestServiceFlows(t *testing.T) {
	for _, vc := range valuesCases {
		t.Run(vc.name, func(t *testing.T) {
			checkFlows(t, renderUmbrella(t, readValues(t, vc, umbrellaChart), releaseName), releaseName)
		})
	}
}

// TestOtherReleaseName: nothing assumes the release is called "planta": every URL names the
// Services of the actual release, and the flows hold.
func TestOtherReleaseName(t *testing.T) {
	const release = "acme-prod"
	m := renderUmbrella(t, map[string]any{}, release)
	for _, svc := range services {
		name := release + "-" + svc
		env := serviceEnv(m, name)
		if len(env) == 0 {
			t.Errorf("%s: no environment rendered", name)
			continue
		}
		checkCallEnv(t, name, env, release, needs[svc].calls, needs[svc].publicAPIs)
		for k, v := range env {
			if strings.Contains(v, "://"+releaseName+"-") {
				t.Errorf("%s: %s=%q names a release %q", name, k, v, releaseName)
			}
		}
	}
	checkFlows(t, m, release)
}

// TestTrustedProxies: every service, and every migration Job, gets the same
// PLANTA_TRUSTED_PROXIES: the ingress controller's and the web's CIDRs, without duplicates;
// none when both are empty.
func TestTrustedProxies(t *testing.T) {
	m := renderUmbrella(t, valuesFrom(t, `
global:
  trustedProxies:
    ingress: [10.1.0.0/16, 192.0.2.10]
    web: [10.2.0.0/16, 10.1.0.0/16]
`), releaseName)
	const want = "10.1.0.0/16,192.0.2.10,10.2.0.0/16"
	for _, svc := range services {
		if got := serviceEnv(m, fullname(svc))["PLANTA_TRUSTED_PROXIES"]; got != want {
			t.Errorf("%s: PLANTA_TRUSTED_PROXIES=%q, want %q", svc, got, want)
		}
	}
	for _, o := range m.all("Job") {
		job := o.obj.(*batchv1.Job)
		i := slices.IndexFunc(job.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "PLANTA_TRUSTED_PROXIES" })
		if i < 0 || job.Spec.Template.Spec.Containers[0].Env[i].Value != want {
			t.Errorf("Job %s: PLANTA_TRUSTED_PROXIES not %q", job.Name, want)
		}
	}

	m = renderUmbrella(t, map[string]any{}, releaseName)
	for _, svc := range services {
		if v, ok := serviceEnv(m, fullname(svc))["PLANTA_TRUSTED_PROXIES"]; ok {
			t.Errorf("%s: PLANTA_TRUSTED_PROXIES=%q with no trusted proxies configured", svc, v)
		}
	}
}

// TestDeclarativeUsers: the optional declarative users Secret is mounted in identity's pods
// and migration Job (which syncs the users after migrating) only when it is named.
func TestDeclarativeUsers(t *testing.T) {
	const path = "/var/run/secrets/planta/declarative-users/users.yaml"
	m := renderUmbrella(t, valuesFrom(t, `
global:
  secrets:
    declarative-users:
      existingSecret: planta-users
`), releaseName)
	dep := findDeployment(m, fullname("identity"))
	job := findObject[*batchv1.Job](m, "Job", fullname("identity")+"-migrate")
	if dep == nil || job == nil {
		t.Fatal("identity Deployment or migration Job missing")
	}
	for what, spec := range map[string]corev1.PodSpec{"Deployment": dep.Spec.Template.Spec, "Job": job.Spec.Template.Spec} {
		c := spec.Containers[0]
		if i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "PLANTA_DECLARATIVE_USERS_FILE" }); i < 0 || c.Env[i].Value != path {
			t.Errorf("identity %s: PLANTA_DECLARATIVE_USERS_FILE is not %s", what, path)
		}
		if !mountsSecret(spec, "planta-users", "/var/run/secrets/planta/declarative-users") {
			t.Errorf("identity %s: Secret planta-users not mounted read-only", what)
		}
	}
	for _, svc := range services {
		if svc == "identity" {
			continue
		}
		if _, ok := serviceEnv(m, fullname(svc))["PLANTA_DECLARATIVE_USERS_FILE"]; ok {
			t.Errorf("%s gets the declarative users file", svc)
		}
	}

	m = renderUmbrella(t, map[string]any{}, releaseName)
	if _, ok := serviceEnv(m, fullname("identity"))["PLANTA_DECLARATIVE_USERS_FILE"]; ok {
		t.Error("identity: PLANTA_DECLARATIVE_USERS_FILE set although no Secret is named")
	}
}

func mountsSecret(spec corev1.PodSpec, secret, dir string) bool {
	for _, v := range spec.Volumes {
		if v.Secret == nil || v.Secret.SecretName != secret {
			continue
		}
		for _, vm := range spec.Containers[0].VolumeMounts {
			if vm.Name == v.Name && vm.MountPath == dir && vm.ReadOnly {
				return true
			}
		}
	}
	return false
}
