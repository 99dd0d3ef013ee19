{{/*
planta.routes: the route table (files/routes.yaml, a byte-for-byte copy of deploy/routes.yaml)
restricted to the enabled services, as YAML {routes: [{prefix, service}], services: [...]}
with services in order of first appearance.
*/}}
{{- define "planta.routes" -}}
{{- $table := .Files.Get "files/routes.yaml" | fromYaml -}}
{{- if not $table.routes -}}
{{- fail "files/routes.yaml has no routes (it must be a copy of deploy/routes.yaml)" -}}
{{- end -}}
{{- $routes := list -}}
{{- $services := list -}}
{{- range $r := $table.routes -}}
{{- $svc := index $.Values $r.service | default dict -}}
{{- if $svc.enabled -}}
{{- $routes = append $routes $r -}}
{{- if not (has $r.service $services) -}}
{{- $services = append $services $r.service -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "routes" $routes "services" $services) -}}
{{- end -}}

{{- define "planta.umbrellaLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: planta
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: planta
{{- end -}}
