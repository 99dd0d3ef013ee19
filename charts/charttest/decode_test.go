package charttest

import (
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

// kinds maps apiVersion/kind to a constructor of its upstream Go type. A kind missing here
// is a test failure: every object the charts render must be decodable.
var kinds = map[string]func() any{
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                            func() any { return &batchv1.Job{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1/Ingress":            func() any { return &networkingv1.Ingress{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monitoringv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &monitoringv1.PrometheusRule{} },
	"gateway.networking.k8s.io/v1/HTTPRoute":  func() any { return &gatewayv1.HTTPRoute{} },
}

// object is a decoded rendered object.
type object struct {
	source string
	kind   string
	name   string
	obj    any
}

// decodeStrict decodes one YAML document into its API type; unknown or duplicate fields fail.
func decodeStrict(d document) (object, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal([]byte(d.body), &tm); err != nil {
		return object{}, fmt.Errorf("%s: not YAML: %w", d.source, err)
	}
	key := tm.APIVersion + "/" + tm.Kind
	mk, ok := kinds[key]
	if !ok {
		return object{}, fmt.Errorf("%s: no Go type known for %s (add it to kinds)", d.source, key)
	}
	o := mk()
	if err := yaml.UnmarshalStrict([]byte(d.body), o); err != nil {
		return object{}, fmt.Errorf("%s: %s does not decode strictly: %w", d.source, key, err)
	}
	meta, ok := o.(metav1.Object)
	if !ok {
		return object{}, fmt.Errorf("%s: %s has no object metadata", d.source, key)
	}
	if meta.GetName() == "" {
		return object{}, fmt.Errorf("%s: %s without a name", d.source, key)
	}
	return object{source: d.source, kind: tm.Kind, name: meta.GetName(), obj: o}, nil
}

// manifest is everything one render produced, decoded.
type manifest struct {
	objects []object
}

func (m manifest) all(kind string) []object {
	var out []object
	for _, o := range m.objects {
		if o.kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func deployments(m manifest) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, o := range m.all("Deployment") {
		out = append(out, o.obj.(*appsv1.Deployment))
	}
	return out
}
