{{/*
Names and labels shared by every Planta resource.

A service's objects are named <release>-<service> (e.g. planta-session), never derived from a
nameOverride: other services find each other by that name (PLANTA_SESSION_URL is
http://<release>-session:9090) and so does the route table of the umbrella chart.
*/}}

{{/* planta.fullname: <release>-<chart name>. */}}
{{- define "planta.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* planta.serviceName: the Service name of another Planta service; call with (dict "root" $ "service" "session"). */}}
{{- define "planta.serviceName" -}}
{{- printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* planta.labels: the common labels (no component). */}}
{{- define "planta.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: planta
{{- end -}}

{{/* planta.selectorLabels: selects the serving pods of this service (not its migration pods). */}}
{{- define "planta.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{/* planta.migrationSelectorLabels: selects the migration Job's pods. */}}
{{- define "planta.migrationSelectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migration
{{- end -}}

{{/*
planta.callerLabels: one label per service this one calls: planta.dev/calls-<service>: "true"
for its internal API (uses.services), planta.dev/calls-<service>-public: "true" for its public
API (uses.publicAPIs). The callee's NetworkPolicy admits its internal (resp. public) port to
exactly the pods of the release that carry the matching label, so a new caller needs no change
in the callee's chart.
*/}}
{{- define "planta.callerLabels" -}}
{{- range $svc := .Values.uses.services }}
planta.dev/calls-{{ $svc }}: "true"
{{- end }}
{{- range $svc := .Values.uses.publicAPIs }}
planta.dev/calls-{{ $svc }}-public: "true"
{{- end }}
{{- end -}}

{{/*
planta.image: image.reference verbatim when set (skaffold sets it to the fully qualified
reference it built); otherwise repository:tag or repository@digest, the repository defaulting
to <global.image.registry>/<service>.
*/}}
{{- define "planta.image" -}}
{{- $g := .Values.global.image -}}
{{- if .Values.image.reference -}}
{{- .Values.image.reference -}}
{{- else -}}
{{- $repo := .Values.image.repository | default (printf "%s/%s" $g.registry .Chart.Name) -}}
{{- $tag := .Values.image.tag | default $g.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "planta.imagePullPolicy" -}}
{{- .Values.image.pullPolicy | default .Values.global.image.pullPolicy | default "IfNotPresent" -}}
{{- end -}}

{{/*
planta.fileSecrets: the secrets a service reads as files, as a list of
{name, env, secretName, key}. They come from global.datastores (the service's
uses.datastores) and global.secrets (its uses.secrets; an `optional` one without existingSecret
is left out); values never hold the secret itself.
Returned as YAML ({items: [...]}) because include returns a string.
*/}}
{{- define "planta.fileSecrets" -}}
{{- $items := list -}}
{{- range $name := .Values.uses.datastores -}}
{{- $d := index $.Values.global.datastores $name | default dict -}}
{{- if not $d.existingSecret -}}
{{- fail (printf "%s uses datastore %q: set global.datastores.%s.existingSecret (and env)" $.Chart.Name $name $name) -}}
{{- end -}}
{{- $items = append $items (dict "name" $name "env" (required (printf "global.datastores.%s.env" $name) $d.env) "secretName" $d.existingSecret "key" ($d.key | default "url")) -}}
{{- end -}}
{{- range $name := .Values.uses.secrets -}}
{{- $s := index $.Values.global.secrets $name | default dict -}}
{{- if and $s.optional (not $s.existingSecret) -}}
{{- /* an optional secret left unset: no mount, no variable */ -}}
{{- else -}}
{{- if not $s.existingSecret -}}
{{- fail (printf "%s uses secret %q: set global.secrets.%s.existingSecret (and env)" $.Chart.Name $name $name) -}}
{{- end -}}
{{- $items = append $items (dict "name" $name "env" (required (printf "global.secrets.%s.env" $name) $s.env) "secretName" $s.existingSecret "key" $s.key) -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "items" $items) -}}
{{- end -}}

{{/*
planta.trustedProxies: PLANTA_TRUSTED_PROXIES, the same for every service: the proxies whose
X-Forwarded-For the services believe (libs/clientip) — the ingress controller's / gateway's
pods and the web's pods (web forwards the browser's address to the public APIs). Empty when
neither list is set: then no forwarded address is believed.
*/}}
{{- define "planta.trustedProxies" -}}
{{- $tp := .Values.global.trustedProxies | default dict -}}
{{- concat ($tp.ingress | default list) ($tp.web | default list) | uniq | join "," -}}
{{- end -}}

{{/* planta.config: the plain (non-secret) environment of the service, as a YAML map. */}}
{{- define "planta.config" -}}
{{- $g := .Values.global -}}
PLANTA_PUBLIC_ADDR: {{ printf ":%v" $g.ports.public | quote }}
PLANTA_INTERNAL_ADDR: {{ printf ":%v" $g.ports.internal | quote }}
PLANTA_LOG_LEVEL: {{ .Values.logLevel | default $g.logLevel | quote }}
{{- range $svc := .Values.uses.services }}
{{ printf "PLANTA_%s_URL" (upper $svc) }}: {{ printf "http://%s:%v" (include "planta.serviceName" (dict "root" $ "service" $svc)) $g.ports.internal | quote }}
{{- end }}
{{- range $svc := .Values.uses.publicAPIs }}
{{ printf "PLANTA_%s_%s_API_BASE" (upper $.Chart.Name) (upper $svc) }}: {{ printf "http://%s:%v" (include "planta.serviceName" (dict "root" $ "service" $svc)) $g.ports.public | quote }}
{{- end }}
{{- with include "planta.trustedProxies" . }}
PLANTA_TRUSTED_PROXIES: {{ . | quote }}
{{- end }}
OTEL_SERVICE_NAME: {{ .Chart.Name | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "service.namespace=planta,deployment.environment.name=%s,k8s.namespace.name=%s" ($g.environment | default "production") .Release.Namespace | quote }}
{{- with $g.otel.endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- if eq .Chart.Name "identity" }}
PLANTA_REGISTRATION_ENABLED: {{ $g.registration.enabled | toString | quote }}
{{- else if eq .Chart.Name "web" }}
PLANTA_WEB_REGISTRATION: {{ $g.registration.enabled | toString | quote }}
{{- end }}
{{- range $k, $v := $g.env }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- range $k, $v := .Values.env }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{/* planta.secretEnv: the *_FILE variables pointing at the mounted secrets. */}}
{{- define "planta.secretEnv" -}}
{{- range $s := (include "planta.fileSecrets" . | fromYaml).items }}
- name: {{ $s.env }}
  value: {{ printf "/var/run/secrets/planta/%s/%s" $s.name $s.key | quote }}
{{- end }}
{{- end -}}

{{- define "planta.secretVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- range $s := (include "planta.fileSecrets" . | fromYaml).items }}
- name: {{ printf "secret-%s" $s.name }}
  mountPath: {{ printf "/var/run/secrets/planta/%s" $s.name }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "planta.secretVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit | default "64Mi" }}
{{- range $s := (include "planta.fileSecrets" . | fromYaml).items }}
- name: {{ printf "secret-%s" $s.name }}
  secret:
    secretName: {{ $s.secretName }}
    defaultMode: 0440
    items:
      - key: {{ $s.key }}
        path: {{ $s.key }}
{{- end }}
{{- end -}}

{{/* planta.podSecurityContext / planta.containerSecurityContext: the restricted Pod Security Standard. */}}
{{- define "planta.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "planta.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "planta.imagePullSecrets" -}}
{{- with .Values.global.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}
