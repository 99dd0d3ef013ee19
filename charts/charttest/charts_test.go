package charttest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

// TestLintLibrary lints the library chart (it renders nothing by itself).
func TestLintLibrary(t *testing.T) {
	lintChart(t, "lib", nil)
}

// TestCharts renders every application chart with every values case, decodes each object
// strictly, compares with the golden files and checks what every Planta service must have.
func TestCharts(t *testing.T) {
	for _, name := range append(slices.Clone(services), umbrellaChart) {
		for _, vc := range valuesCases {
			t.Run(name+"/"+vc.name, func(t *testing.T) {
				vals := readValues(t, vc, name)
				lintChart(t, name, vals)

				rendered, err := render(t, loadChart(t, name), vals)
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				docs := split(rendered)
				var m manifest
				var out strings.Builder
				for _, d := range docs {
					o, err := decodeStrict(d)
					if err != nil {
						t.Error(err)
						continue
					}
					m.objects = append(m.objects, o)
					fmt.Fprintf(&out, "---\n# Source: %s\n%s", d.source, d.body)
				}
				if notes, ok := rendered[name+"/templates/NOTES.txt"]; ok {
					fmt.Fprintf(&out, "---\n# NOTES.txt\n%s", commentOut(notes))
				}
				golden(t, name+"-"+vc.name+".yaml", out.String())

				svcs := services
				if name != umbrellaChart {
					svcs = []string{name}
				}
				checkServices(t, m, svcs, vc.monitoring)
				checkPods(t, m)
				checkNoDuplicates(t, m)
				if name == umbrellaChart {
					checkRoutes(t, m, svcs)
					if vc.monitoring && len(m.all("PrometheusRule")) != 1 {
						t.Errorf("want one PrometheusRule, got %d", len(m.all("PrometheusRule")))
					}
				}
			})
		}
	}
}

func commentOut(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	return b.String()
}

func fullname(svc string) string { return releaseName + "-" + svc }

// checkServices: each service has its Deployment with probes on the internal port, a Service
// exposing both ports, a NetworkPolicy, a PDB, a ServiceMonitor, the env it needs, and a
// migration Job exactly when it has a Postgres schema.
func checkServices(t *testing.T, m manifest, svcs []string, monitoring bool) {
	t.Helper()
	for _, svc := range svcs {
		name := fullname(svc)
		dep := findDeployment(m, name)
		if dep == nil {
			t.Errorf("%s: no Deployment", name)
			continue
		}
		podLabels := labels.Set(dep.Spec.Template.Labels)
		sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
		if err != nil || !sel.Matches(podLabels) {
			t.Errorf("%s: Deployment selector %v does not select its own pods (%v)", name, dep.Spec.Selector, err)
		}

		// Probes on the internal port.
		c := dep.Spec.Template.Spec.Containers[0]
		for probeName, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			if p == nil || p.HTTPGet == nil {
				t.Errorf("%s: no HTTP %s probe", name, probeName)
				continue
			}
			if port := containerPort(c, p.HTTPGet.Port); port != internalPort {
				t.Errorf("%s: %s probe on port %v (%d), want the internal port %d", name, probeName, p.HTTPGet.Port.String(), port, internalPort)
			}
		}
		if p := c.LivenessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/healthz" {
			t.Errorf("%s: liveness probe path %q, want /healthz", name, p.HTTPGet.Path)
		}
		if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/readyz" {
			t.Errorf("%s: readiness probe path %q, want /readyz", name, p.HTTPGet.Path)
		}
		if !slices.Equal(c.Args, []string{"serve"}) {
			t.Errorf("%s: container args %v, want [serve]", name, c.Args)
		}

		// Service with both ports, selecting the pods.
		service := findService(m, name)
		if service == nil {
			t.Errorf("%s: no Service", name)
		} else {
			if !labels.SelectorFromSet(service.Spec.Selector).Matches(podLabels) {
				t.Errorf("%s: Service does not select the Deployment's pods", name)
			}
			if servicePort(service, "http") != publicPort || servicePort(service, "internal") != internalPort {
				t.Errorf("%s: Service ports %v, want http=%d and internal=%d", name, service.Spec.Ports, publicPort, internalPort)
			}
		}

		// ServiceAccount without a token.
		if sa := findObject[*corev1.ServiceAccount](m, "ServiceAccount", name); sa == nil || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("%s: want a ServiceAccount with automountServiceAccountToken: false", name)
		}

		// NetworkPolicy: default deny both ways for the pods, public port from the ingress.
		np := selectingNetworkPolicy(t, m, podLabels)
		if np == nil {
			t.Errorf("%s: no NetworkPolicy selects its pods", name)
		} else {
			checkNetworkPolicy(t, m, svc, np)
		}

		// PDB.
		found := false
		for _, o := range m.all("PodDisruptionBudget") {
			pdb := o.obj.(*policyv1.PodDisruptionBudget)
			if s, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err == nil && s.Matches(podLabels) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no PodDisruptionBudget selects its pods", name)
		}

		// ServiceMonitor scraping the internal port of its Service.
		if monitoring {
			sm := findObject[*monitoringv1.ServiceMonitor](m, "ServiceMonitor", name)
			switch {
			case sm == nil:
				t.Errorf("%s: no ServiceMonitor", name)
			case service != nil && !selects(&sm.Spec.Selector, service.Labels):
				t.Errorf("%s: ServiceMonitor does not select the Service", name)
			case len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "internal" || sm.Spec.Endpoints[0].Path != "/metrics":
				t.Errorf("%s: ServiceMonitor must scrape /metrics on the internal port: %s", name, toYAML(sm.Spec.Endpoints))
			}
		}

		// Environment: what the service needs, and only that.
		cm := findObject[*corev1.ConfigMap](m, "ConfigMap", name)
		env := map[string]string{}
		if cm != nil {
			for k, v := range cm.Data {
				env[k] = v
			}
		}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		n := needs[svc]
		wantEnv := map[string]bool{
			"PLANTA_POSTGRES_URL_FILE": n.postgres,
			"PLANTA_REDIS_URL_FILE":    n.redis,
		}
		for _, callee := range services {
			wantEnv["PLANTA_"+strings.ToUpper(callee)+"_URL"] = slices.Contains(n.calls, callee)
			wantEnv["PLANTA_"+strings.ToUpper(svc)+"_"+strings.ToUpper(callee)+"_API_BASE"] = slices.Contains(n.publicAPIs, callee)
		}
		for k, want := range wantEnv {
			if _, got := env[k]; got != want {
				t.Errorf("%s: env %s present=%v, want %v", name, k, got, want)
			}
		}
		checkCallEnv(t, name, env, releaseName, n.calls, n.publicAPIs)
		if svc == "allocation" {
			if env["PLANTA_CBC_PATH"] != "/usr/bin/cbc" || env["TMPDIR"] != "/tmp" {
				t.Errorf("%s: PLANTA_CBC_PATH=%q TMPDIR=%q, want /usr/bin/cbc and /tmp (the image's cbc, the emptyDir)", name, env["PLANTA_CBC_PATH"], env["TMPDIR"])
			}
			// cbc is single-threaded and CPU-bound: less than a core stretches every solve.
			if lim := c.Resources.Limits.Cpu(); lim.MilliValue() < 1000 {
				t.Errorf("%s: CPU limit %s: cbc needs at least one core", name, lim)
			}
		}
		if env["PLANTA_PUBLIC_ADDR"] != fmt.Sprintf(":%d", publicPort) || env["PLANTA_INTERNAL_ADDR"] != fmt.Sprintf(":%d", internalPort) {
			t.Errorf("%s: listen addresses %q/%q", name, env["PLANTA_PUBLIC_ADDR"], env["PLANTA_INTERNAL_ADDR"])
		}
		if svc == "identity" {
			if _, ok := env["PLANTA_SUPERADMIN_PASSWORD_FILE"]; !ok {
				t.Errorf("%s: no PLANTA_SUPERADMIN_PASSWORD_FILE", name)
			}
		}
		if v, ok := env["PLANTA_DEV_MODE"]; ok && v != "false" {
			t.Errorf("%s: PLANTA_DEV_MODE=%q in a cluster", name, v)
		}

		// Migration Job: only with Postgres, as a pre-install/pre-upgrade hook running `migrate`.
		job := findObject[*batchv1.Job](m, "Job", name+"-migrate")
		if n.postgres != (job != nil) {
			t.Errorf("%s: migration Job present=%v, want %v", name, job != nil, n.postgres)
		}
		if job != nil {
			if hook := job.Annotations["helm.sh/hook"]; hook != "pre-install,pre-upgrade" {
				t.Errorf("%s: migration Job hook %q", name, hook)
			}
			if args := job.Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, []string{"migrate"}) {
				t.Errorf("%s: migration Job args %v, want [migrate]", name, args)
			}
			if job.Spec.Template.Spec.Containers[0].Image != c.Image {
				t.Errorf("%s: migration Job image %q differs from the Deployment's %q", name, job.Spec.Template.Spec.Containers[0].Image, c.Image)
			}
			if sel.Matches(labels.Set(job.Spec.Template.Labels)) {
				t.Errorf("%s: the Deployment's selector matches the migration pods", name)
			}
			if selectingNetworkPolicy(t, m, labels.Set(job.Spec.Template.Labels)) == nil {
				t.Errorf("%s: no NetworkPolicy selects the migration pods", name)
			}
		}
	}
}

// checkNetworkPolicy checks a service's policy flow by flow.
func checkNetworkPolicy(t *testing.T, m manifest, svc string, np *networkingv1.NetworkPolicy) {
	t.Helper()
	name := fullname(svc)
	if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
		t.Errorf("%s: NetworkPolicy must restrict both Ingress and Egress, has %v", name, np.Spec.PolicyTypes)
	}
	for _, rule := range np.Spec.Ingress {
		if len(rule.Ports) == 0 {
			t.Errorf("%s: NetworkPolicy ingress rule without ports admits everything: %s", name, toYAML(rule))
		}
		if len(rule.From) == 0 {
			t.Errorf("%s: NetworkPolicy ingress rule without peers admits every source: %s", name, toYAML(rule))
		}
	}
	// Every caller of this service is admitted to its internal port, and may egress to it.
	for _, caller := range services {
		if !slices.Contains(needs[caller].calls, svc) {
			continue
		}
		cd := findDeployment(m, fullname(caller))
		if cd == nil {
			continue // standalone chart: the caller is not rendered
		}
		if !admits(np, cd.Spec.Template.Labels, internalPort) {
			t.Errorf("%s: NetworkPolicy does not admit its caller %s to port %d", name, caller, internalPort)
		}
		dep := findDeployment(m, name)
		if cnp := selectingNetworkPolicy(t, m, cd.Spec.Template.Labels); cnp != nil && !egressTo(cnp, dep.Spec.Template.Labels, internalPort) {
			t.Errorf("%s: its caller %s's NetworkPolicy has no egress to it on port %d", name, caller, internalPort)
		}
	}
	// Nobody else gets in: a pod of the release that does not call the service is refused.
	if admits(np, map[string]string{"app.kubernetes.io/instance": releaseName, "app.kubernetes.io/name": "intruder"}, internalPort) {
		t.Errorf("%s: NetworkPolicy admits arbitrary pods of the namespace to the internal port", name)
	}
}

// admits reports whether some ingress rule admits a pod of the same namespace with these
// labels to port (podSelector peers only; namespaceSelector peers are the ingress controller
// and Prometheus).
func admits(np *networkingv1.NetworkPolicy, podLabels map[string]string, port int) bool {
	for _, rule := range np.Spec.Ingress {
		if !hasPort(rule.Ports, port) {
			continue
		}
		for _, peer := range rule.From {
			if peer.PodSelector != nil && peer.NamespaceSelector == nil && selects(peer.PodSelector, podLabels) {
				return true
			}
		}
	}
	return false
}

func egressTo(np *networkingv1.NetworkPolicy, podLabels map[string]string, port int) bool {
	for _, rule := range np.Spec.Egress {
		if !hasPort(rule.Ports, port) {
			continue
		}
		for _, peer := range rule.To {
			if peer.PodSelector != nil && peer.NamespaceSelector == nil && selects(peer.PodSelector, podLabels) {
				return true
			}
		}
	}
	return false
}

func hasPort(ports []networkingv1.NetworkPolicyPort, port int) bool {
	for _, p := range ports {
		if p.Port != nil && p.Port.Type == intstr.Int && p.Port.IntValue() == port {
			return true
		}
	}
	return false
}

func selects(ls *metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(ls)
	return err == nil && !s.Empty() && s.Matches(labels.Set(l))
}

func selectingNetworkPolicy(t *testing.T, m manifest, podLabels map[string]string) *networkingv1.NetworkPolicy {
	t.Helper()
	for _, o := range m.all("NetworkPolicy") {
		np := o.obj.(*networkingv1.NetworkPolicy)
		if selects(&np.Spec.PodSelector, podLabels) {
			return np
		}
	}
	return nil
}

// checkPods: every container of every workload runs as non-root with a read-only root
// filesystem, no privilege escalation, no capabilities, and CPU and memory limits.
func checkPods(t *testing.T, m manifest) {
	t.Helper()
	for _, o := range m.objects {
		var spec *corev1.PodSpec
		switch obj := o.obj.(type) {
		case *appsv1.Deployment:
			spec = &obj.Spec.Template.Spec
		case *batchv1.Job:
			spec = &obj.Spec.Template.Spec
		default:
			continue
		}
		where := o.kind + " " + o.name
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken must be false", where)
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			t.Errorf("%s: uses host namespaces", where)
		}
		psc := spec.SecurityContext
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			cw := where + " container " + c.Name
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s: no securityContext", cw)
				continue
			}
			nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
			uid := sc.RunAsUser
			if uid == nil && psc != nil {
				uid = psc.RunAsUser
			}
			if !nonRoot || uid == nil || *uid == 0 {
				t.Errorf("%s: must run as a non-root user (runAsNonRoot and a non-zero runAsUser)", cw)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: root filesystem must be read-only", cw)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", cw)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("%s: privileged", cw)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s: must drop ALL capabilities and add none", cw)
			}
			seccomp := sc.SeccompProfile
			if seccomp == nil && psc != nil {
				seccomp = psc.SeccompProfile
			}
			if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s: seccompProfile must be RuntimeDefault", cw)
			}
			if c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s: needs CPU and memory limits, has %v", cw, c.Resources.Limits)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
				t.Errorf("%s: needs CPU and memory requests, has %v", cw, c.Resources.Requests)
			}
			hasTmp := false
			for _, vm := range c.VolumeMounts {
				if vm.MountPath != "/tmp" || vm.ReadOnly {
					continue
				}
				for _, v := range spec.Volumes {
					if v.Name == vm.Name && v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil && !v.EmptyDir.SizeLimit.IsZero() {
						hasTmp = true
					}
				}
			}
			if !hasTmp {
				t.Errorf("%s: no writable /tmp (an emptyDir with a sizeLimit)", cw)
			}
		}
	}
}

func checkNoDuplicates(t *testing.T, m manifest) {
	t.Helper()
	seen := map[string]string{}
	for _, o := range m.objects {
		key := o.kind + "/" + o.name
		if prev, ok := seen[key]; ok {
			t.Errorf("%s rendered twice (%s and %s)", key, prev, o.source)
		}
		seen[key] = o.source
	}
}

// route is one entry of deploy/routes.yaml.
type route struct {
	Prefix  string `json:"prefix"`
	Service string `json:"service"`
}

func readRouteTable(t *testing.T) []route {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "routes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Routes []route `json:"routes"`
	}
	if err := yaml.UnmarshalStrict(b, &table); err != nil {
		t.Fatalf("deploy/routes.yaml: %v", err)
	}
	return table.Routes
}

// checkRoutes: the Ingress or HTTPRoute carries exactly the route table, for the enabled
// services, and only ever points at a Service's public port.
func checkRoutes(t *testing.T, m manifest, enabled []string) {
	t.Helper()
	var want []route
	for _, r := range readRouteTable(t) {
		if slices.Contains(enabled, r.Service) {
			want = append(want, r)
		}
	}
	var got []route
	backend := func(where, svcName string, port int32, portName string) {
		s := findService(m, svcName)
		switch {
		case s == nil:
			t.Errorf("%s: backend %s is not a rendered Service", where, svcName)
		case portName == "internal" || port == internalPort || servicePort(s, "internal") == int(port):
			t.Errorf("%s: backend %s uses the internal port", where, svcName)
		case port != 0 && int(port) != servicePort(s, "http"):
			t.Errorf("%s: backend %s port %d is not its public port %d", where, svcName, port, servicePort(s, "http"))
		case portName != "" && portName != "http":
			t.Errorf("%s: backend %s port name %q is not the public one", where, svcName, portName)
		}
	}
	serviceOf := func(svcName string) string { return strings.TrimPrefix(svcName, releaseName+"-") }

	ingresses, httpRoutes := m.all("Ingress"), m.all("HTTPRoute")
	if len(ingresses)+len(httpRoutes) != 1 {
		t.Fatalf("want exactly one Ingress or HTTPRoute, got %d Ingress and %d HTTPRoute", len(ingresses), len(httpRoutes))
	}
	for _, o := range ingresses {
		ing := o.obj.(*networkingv1.Ingress)
		if ing.Spec.DefaultBackend != nil {
			t.Errorf("Ingress %s: no default backend allowed", ing.Name)
		}
		for i, rule := range ing.Spec.Rules {
			var perHost []route
			for _, p := range rule.HTTP.Paths {
				if p.PathType == nil || *p.PathType != networkingv1.PathTypePrefix {
					t.Errorf("Ingress %s: path %s must be pathType Prefix", ing.Name, p.Path)
				}
				sb := p.Backend.Service
				if sb == nil {
					t.Errorf("Ingress %s: path %s has no service backend", ing.Name, p.Path)
					continue
				}
				backend("Ingress "+ing.Name+" "+p.Path, sb.Name, sb.Port.Number, sb.Port.Name)
				perHost = append(perHost, route{Prefix: p.Path, Service: serviceOf(sb.Name)})
			}
			if i == 0 {
				got = perHost
			} else if !slices.Equal(perHost, got) {
				t.Errorf("Ingress %s: host %q routes differ from the first host's", ing.Name, rule.Host)
			}
		}
	}
	for _, o := range httpRoutes {
		hr := o.obj.(*gatewayv1.HTTPRoute)
		if len(hr.Spec.ParentRefs) == 0 {
			t.Errorf("HTTPRoute %s: no parentRefs", hr.Name)
		}
		for _, rule := range hr.Spec.Rules {
			if len(rule.BackendRefs) != 1 {
				t.Errorf("HTTPRoute %s: want one backend per rule, got %d", hr.Name, len(rule.BackendRefs))
				continue
			}
			br := rule.BackendRefs[0]
			if br.Port == nil {
				t.Errorf("HTTPRoute %s: backend %s without a port", hr.Name, br.Name)
				continue
			}
			if br.Kind != nil && *br.Kind != "Service" {
				t.Errorf("HTTPRoute %s: backend kind %s", hr.Name, *br.Kind)
			}
			backend("HTTPRoute "+hr.Name, string(br.Name), int32(*br.Port), "")
			for _, match := range rule.Matches {
				if match.Path == nil || match.Path.Type == nil || *match.Path.Type != gatewayv1.PathMatchPathPrefix || match.Path.Value == nil {
					t.Errorf("HTTPRoute %s: every match must be a PathPrefix: %s", hr.Name, toYAML(match))
					continue
				}
				got = append(got, route{Prefix: *match.Path.Value, Service: serviceOf(string(br.Name))})
			}
		}
	}
	slices.SortFunc(got, func(a, b route) int { return strings.Compare(a.Prefix, b.Prefix) })
	slices.SortFunc(want, func(a, b route) int { return strings.Compare(a.Prefix, b.Prefix) })
	if !slices.Equal(got, want) {
		t.Errorf("routes differ from deploy/routes.yaml:\n got: %v\nwant: %v", got, want)
	}
}

func findDeployment(m manifest, name string) *appsv1.Deployment {
	return findObject[*appsv1.Deployment](m, "Deployment", name)
}

func findService(m manifest, name string) *corev1.Service {
	return findObject[*corev1.Service](m, "Service", name)
}

func findObject[T any](m manifest, kind, name string) T {
	var zero T
	for _, o := range m.all(kind) {
		if o.name == name {
			return o.obj.(T)
		}
	}
	return zero
}

func servicePort(s *corev1.Service, name string) int {
	for _, p := range s.Spec.Ports {
		if p.Name == name {
			return int(p.Port)
		}
	}
	return 0
}

func containerPort(c corev1.Container, p intstr.IntOrString) int {
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return 0
}

// TestDisabledServiceIsLeftOut: a disabled service renders nothing and loses its routes, in
// both routing modes; the other services keep theirs.
func TestDisabledServiceIsLeftOut(t *testing.T) {
	for _, mode := range []string{"ingress", "gateway"} {
		t.Run(mode, func(t *testing.T) {
			vals := map[string]any{
				"admin":   map[string]any{"enabled": false},
				"routing": map[string]any{"mode": mode},
			}
			rendered, err := render(t, loadChart(t, umbrellaChart), vals)
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			for _, d := range split(rendered) {
				o, err := decodeStrict(d)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(o.name, fullname("admin")) {
					t.Errorf("%s %s rendered although admin is disabled", o.kind, o.name)
				}
				m.objects = append(m.objects, o)
			}
			enabled := slices.DeleteFunc(slices.Clone(services), func(s string) bool { return s == "admin" })
			checkRoutes(t, m, enabled)
			checkServices(t, m, enabled, true)
		})
	}
}
