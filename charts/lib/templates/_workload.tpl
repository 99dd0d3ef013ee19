{{/*
planta.service: every object of one Planta service. A service chart is this one line:
  {{ include "planta.service" . }}
*/}}
{{- define "planta.service" -}}
{{ include "planta.serviceaccount" . }}
---
{{ include "planta.configmap" . }}
---
{{ include "planta.deployment" . }}
---
{{ include "planta.svc" . }}
---
{{ include "planta.pdb" . }}
{{- if .Values.autoscaling.enabled }}
---
{{ include "planta.hpa" . }}
{{- end }}
{{- if .Values.global.networkPolicy.enabled }}
---
{{ include "planta.networkpolicy" . }}
{{- end }}
{{- if .Values.global.serviceMonitor.enabled }}
---
{{ include "planta.servicemonitor" . }}
{{- end }}
{{- if .Values.migrations.enabled }}
---
{{ include "planta.migrationJob" . }}
{{- if .Values.global.networkPolicy.enabled }}
---
{{ include "planta.migrationNetworkpolicy" . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "planta.serviceaccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{- define "planta.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
data:
  {{- include "planta.config" . | nindent 2 }}
{{- end -}}

{{- define "planta.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "planta.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "planta.labels" . | nindent 8 }}
        app.kubernetes.io/component: server
        {{- with include "planta.callerLabels" . | trim }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "planta.config" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "planta.fullname" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- include "planta.podSecurityContext" . | nindent 8 }}
      {{- with include "planta.imagePullSecrets" . | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "planta.image" . | quote }}
          imagePullPolicy: {{ include "planta.imagePullPolicy" . }}
          args: ["serve"]
          ports:
            - name: http
              containerPort: {{ .Values.global.ports.public }}
              protocol: TCP
            - name: internal
              containerPort: {{ .Values.global.ports.internal }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "planta.fullname" . }}
          {{- with include "planta.secretEnv" . | trim }}
          env:
            {{- . | nindent 12 }}
          {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: internal
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet:
              path: /healthz
              port: internal
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /readyz
              port: internal
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "planta.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "planta.secretVolumeMounts" . | nindent 12 }}
      volumes:
        {{- include "planta.secretVolumes" . | nindent 8 }}
      {{- if .Values.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: {{ .Values.topologySpread.maxSkew }}
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "planta.selectorLabels" . | nindent 14 }}
        - maxSkew: {{ .Values.topologySpread.maxSkew }}
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: {{ .Values.topologySpread.hostnameWhenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "planta.selectorLabels" . | nindent 14 }}
      {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "planta.svc" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  type: ClusterIP
  selector:
    {{- include "planta.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.global.ports.public }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    - name: internal
      port: {{ .Values.global.ports.internal }}
      targetPort: internal
      protocol: TCP
      appProtocol: http
{{- end -}}

{{- define "planta.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  {{- if .Values.pdb.minAvailable }}
  minAvailable: {{ .Values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .Values.pdb.maxUnavailable | default 1 }}
  {{- end }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "planta.selectorLabels" . | nindent 6 }}
{{- end -}}

{{- define "planta.hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "planta.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
    {{- with .Values.autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end -}}

{{- define "planta.servicemonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
    {{- with .Values.global.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "planta.selectorLabels" . | nindent 6 }}
  # Every Planta series carries app_kubernetes_io_part_of="planta": the alert rules select on it.
  targetLabels:
    - app.kubernetes.io/part-of
  endpoints:
    - port: internal
      path: /metrics
      interval: {{ .Values.global.serviceMonitor.interval }}
      scrapeTimeout: {{ .Values.global.serviceMonitor.scrapeTimeout }}
      # The services label their own series with service="<name>"; keep it rather than
      # Prometheus' service="<k8s Service name>" target label.
      honorLabels: true
{{- end -}}

{{- define "planta.networkpolicy" -}}
{{- $g := .Values.global -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "planta.fullname" . }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  # Default deny: everything not listed below is dropped, both ways.
  podSelector:
    matchLabels:
      {{- include "planta.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    # The ingress controller / gateway reaches the public listener only.
    - from:
        {{- toYaml $g.networkPolicy.ingressFrom | nindent 8 }}
      ports:
        - port: {{ $g.ports.public }}
          protocol: TCP
    # Prometheus scrapes the internal listener.
    - from:
        {{- toYaml $g.networkPolicy.prometheusFrom | nindent 8 }}
      ports:
        - port: {{ $g.ports.internal }}
          protocol: TCP
    # Pods of this release that call this service's internal API (label planta.dev/calls-{{ .Chart.Name }}).
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
              planta.dev/calls-{{ .Chart.Name }}: "true"
      ports:
        - port: {{ $g.ports.internal }}
          protocol: TCP
    # Pods of this release that call this service's public API server-side, e.g. the web
    # (uses.publicAPIs; label planta.dev/calls-{{ .Chart.Name }}-public). Public port only.
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
              planta.dev/calls-{{ .Chart.Name }}-public: "true"
      ports:
        - port: {{ $g.ports.public }}
          protocol: TCP
  egress:
    {{- include "planta.egressCommon" . | nindent 4 }}
    {{- range $svc := .Values.uses.services }}
    # {{ $svc }}'s internal API.
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ $svc }}
              app.kubernetes.io/instance: {{ $.Release.Name }}
              app.kubernetes.io/component: server
      ports:
        - port: {{ $g.ports.internal }}
          protocol: TCP
    {{- end }}
    {{- range $svc := .Values.uses.publicAPIs }}
    # {{ $svc }}'s public API.
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ $svc }}
              app.kubernetes.io/instance: {{ $.Release.Name }}
              app.kubernetes.io/component: server
      ports:
        - port: {{ $g.ports.public }}
          protocol: TCP
    {{- end }}
    {{- with $g.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.extraEgress }}
    # This service's own extra egress (extraEgress).
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* planta.egressCommon: DNS and the datastores the service uses. */}}
{{- define "planta.egressCommon" -}}
{{- $g := .Values.global -}}
# DNS.
- to:
    {{- toYaml $g.networkPolicy.dnsTo | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- range $name := .Values.uses.datastores }}
{{- $d := index $g.datastores $name }}
# {{ $name }}{{ if not $d.egressTo }} (any destination on its port: set global.datastores.{{ $name }}.egressTo){{ end }}.
- ports:
    - port: {{ $d.port }}
      protocol: TCP
  {{- with $d.egressTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
planta.migrationJob: `<service> migrate` before the release's objects are installed or
upgraded. It is a hook, so it cannot use the chart's ServiceAccount or ConfigMap (they do not
exist yet at pre-install): it runs as the namespace's default ServiceAccount without a token
and gets its environment inline.
*/}}
{{- define "planta.migrationJob" -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ printf "%s-migrate" (include "planta.fullname" .) | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: migration
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ .Values.migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "planta.labels" . | nindent 8 }}
        app.kubernetes.io/component: migration
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "planta.podSecurityContext" . | nindent 8 }}
      {{- with include "planta.imagePullSecrets" . | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "planta.image" . | quote }}
          imagePullPolicy: {{ include "planta.imagePullPolicy" . }}
          args: ["migrate"]
          env:
            {{- range $k, $v := (include "planta.config" . | fromYaml) }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
            {{- with include "planta.secretEnv" . | trim }}
            {{- . | nindent 12 }}
            {{- end }}
          resources:
            {{- toYaml (.Values.migrations.resources | default .Values.resources) | nindent 12 }}
          securityContext:
            {{- include "planta.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "planta.secretVolumeMounts" . | nindent 12 }}
      volumes:
        {{- include "planta.secretVolumes" . | nindent 8 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* planta.migrationNetworkpolicy: the migration pods may reach DNS and their datastores, nothing else. */}}
{{- define "planta.migrationNetworkpolicy" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ printf "%s-migrate" (include "planta.fullname" .) | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "planta.labels" . | nindent 4 }}
    app.kubernetes.io/component: migration
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  podSelector:
    matchLabels:
      {{- include "planta.migrationSelectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress: []
  egress:
    {{- include "planta.egressCommon" . | nindent 4 }}
    {{- with .Values.global.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
