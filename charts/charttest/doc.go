// Package charttest tests Planta's Helm charts without a cluster and without the helm binary:
// it loads, lints and renders every chart with Helm's Go library, strictly decodes every
// rendered object into its Kubernetes API type, compares the output with golden files under
// testdata/ (go test ./charttest -update rewrites them), and asserts the security, probing,
// network and monitoring properties every Planta service must have. It also checks the files
// the charts mirror from deploy/, the Dockerfiles, skaffold.yaml, the Grafana dashboards and
// the Prometheus rules (promtool).
package charttest
