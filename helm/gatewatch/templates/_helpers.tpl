{{/* The chart name, overridable. */}}
{{- define "gatewatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name used for every object. */}}
{{- define "gatewatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "gatewatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object; the chart version is here, never in a selector. */}}
{{- define "gatewatch.labels" -}}
helm.sh/chart: {{ include "gatewatch.chart" . }}
{{ include "gatewatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gatewatch
{{- end }}

{{/* Selector labels: stable across upgrades. */}}
{{- define "gatewatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatewatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The agent (proxy, ingest, metrics) and the probe are separate components. */}}
{{- define "gatewatch.agentSelectorLabels" -}}
{{ include "gatewatch.selectorLabels" . }}
app.kubernetes.io/component: agent
{{- end }}

{{- define "gatewatch.probeSelectorLabels" -}}
{{ include "gatewatch.selectorLabels" . }}
app.kubernetes.io/component: probe
{{- end }}

{{- define "gatewatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gatewatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gatewatch.image" -}}
{{- $repository := required "image.repository: set it to the registry and name you pushed the gatewatch image to (gatewatch publishes none; README, Kubernetes quick start)" .Values.image.repository }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Where the proxies' capture files go (proxy.capture). */}}
{{- define "gatewatch.capturesDir" -}}/var/lib/gatewatch/captures{{- end }}

{{/* True when this pod writes captures: the agent's, with proxies and proxy.capture on. */}}
{{- define "gatewatch.captures" -}}
{{- if and .proxies .root.Values.proxy.enabled .root.Values.proxy.capture.enabled }}true{{ end }}
{{- end }}

{{/* Where the Secrets' keys are mounted. */}}
{{- define "gatewatch.secretsDir" -}}/var/run/secrets/gatewatch{{- end }}

{{- define "gatewatch.probeTokenSecret" -}}
{{- default (printf "%s-probe-token" (include "gatewatch.fullname" .)) .Values.probe.token.existingSecret }}
{{- end }}

{{- define "gatewatch.ingestTokenSecret" -}}
{{- default (printf "%s-ingest-token" (include "gatewatch.fullname" .)) .Values.ingest.auth.existingSecret }}
{{- end }}

{{- define "gatewatch.ingestAuth" -}}
{{- if or .Values.ingest.auth.value .Values.ingest.auth.existingSecret }}true{{ end }}
{{- end }}

{{/* http.auth and http.tls of both configs, from the Secrets mounted by gatewatch.podSpec. */}}
{{- define "gatewatch.httpSecurity" -}}
{{- if .Values.http.auth.existingSecret }}
  auth:
    bearer_token_file: {{ include "gatewatch.secretsDir" . }}/http-auth/{{ .Values.http.auth.key }}
{{- end }}
{{- if .Values.http.tls.existingSecret }}
  tls:
    cert: {{ include "gatewatch.secretsDir" . }}/http-tls/tls.crt
    key: {{ include "gatewatch.secretsDir" . }}/http-tls/tls.key
{{- end }}
{{- end }}

{{/* How long a stopping proxy pod may take: the preStop pause, the drain, the agent's own stop
deadline after it (15 s) and 5 s to spare (docs/drain.md). */}}
{{- define "gatewatch.terminationGraceSeconds" -}}
{{- add (int .Values.proxy.drain.preStopSeconds) (int .Values.proxy.drain.periodSeconds) 20 }}
{{- end }}

{{/* The agent's `gatewatch run --config` file: proxies, ingest, metrics. */}}
{{- define "gatewatch.agentConfig" -}}
http:
  listen: 0.0.0.0:{{ .Values.http.port }}
{{- include "gatewatch.httpSecurity" . }}
profile: {{ .Values.profile }}
tracker:
  link_window: {{ .Values.tracker.linkWindow }}
  idle_ttl: {{ .Values.tracker.idleTtl }}
  max_connections: {{ int .Values.tracker.maxConnections }}
  max_clients: {{ int .Values.tracker.maxClients }}
{{- if .Values.proxy.enabled }}
drain_period: {{ int .Values.proxy.drain.periodSeconds }}s
proxies:
{{- range $i, $g := .Values.proxy.gateways }}
  - gateway: {{ required (printf "proxy.gateways[%d].name is required" $i) $g.name }}
    listen: 0.0.0.0:{{ required (printf "proxy.gateways[%d].port is required" $i) $g.port }}
    upstream: {{ required (printf "proxy.gateways[%d].upstream is required" $i) $g.upstream | quote }}
    {{- with $g.maxConnections }}
    max_connections: {{ int . }}
    {{- end }}
    {{- with $g.connectTimeout }}
    connect_timeout: {{ . }}
    {{- end }}
    {{- with $g.idleTimeout }}
    idle_timeout: {{ . }}
    {{- end }}
    {{- with $g.maxFrameBytes }}
    max_frame_bytes: {{ int . }}
    {{- end }}
    {{- if hasKey $g "compressedObservation" }}
    compressed_observation: {{ $g.compressedObservation }}
    {{- end }}
    {{- with $.Values.proxy.capture }}
    {{- if .enabled }}
    capture: {{ include "gatewatch.capturesDir" $ }}/{{ $g.name }}.ndjson
    capture_payloads: {{ .payloads }}
    capture_max_size: {{ int .maxSizeMiB }}MiB
    capture_keep: {{ int .keep }}
    {{- end }}
    {{- end }}
{{- end }}
{{- end }}
{{- if .Values.ingest.enabled }}
ingest:
  enabled: true
  gateway: {{ .Values.ingest.gateway }}
  {{- if include "gatewatch.ingestAuth" . }}
  token_file: {{ include "gatewatch.secretsDir" . }}/ingest/{{ .Values.ingest.auth.key }}
  {{- end }}
{{- end }}
{{- with .Values.correlation.redis.url }}
correlation:
  url: {{ . | quote }}
  key_prefix: {{ $.Values.correlation.redis.keyPrefix | quote }}
  timeout: {{ $.Values.correlation.redis.timeout }}
  {{- if $.Values.correlation.redis.existingSecret }}
  password_file: {{ include "gatewatch.secretsDir" $ }}/redis/{{ $.Values.correlation.redis.key }}
  {{- end }}
{{- end }}
{{- end }}

{{/* Whether the agent's replicas may see one client's sockets without sharing their state. */}}
{{- define "gatewatch.correlationMissing" -}}
{{- if and .Values.proxy.enabled (not .Values.correlation.redis.url) (or (gt (int .Values.proxy.replicas) 1) .Values.proxy.autoscaling.enabled) }}true{{ end }}
{{- end }}

{{/* The probe's `gatewatch run --config` file. */}}
{{- define "gatewatch.probeConfig" -}}
http:
  listen: 0.0.0.0:{{ .Values.http.port }}
{{- include "gatewatch.httpSecurity" . }}
profile: {{ .Values.profile }}
probes:
{{- range $i, $t := .Values.probe.targets }}
  - gateway: {{ required (printf "probe.targets[%d].gateway is required" $i) $t.gateway }}
    url: {{ required (printf "probe.targets[%d].url is required" $i) $t.url | quote }}
    token_file: {{ include "gatewatch.secretsDir" $ }}/probe/{{ $.Values.probe.token.key }}
    {{- with $t.sessions }}
    sessions: {{ int . }}
    {{- end }}
    {{- with $t.resumeEvery }}
    resume_every: {{ . }}
    {{- end }}
{{- end }}
{{- end }}

{{/* The container spec shared by the agent and the probe; `.config` names the ConfigMap. */}}
{{- define "gatewatch.podSpec" -}}
{{- $root := .root -}}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
serviceAccountName: {{ include "gatewatch.serviceAccountName" $root }}
automountServiceAccountToken: false
{{- if and .proxies $root.Values.proxy.enabled }}
terminationGracePeriodSeconds: {{ include "gatewatch.terminationGraceSeconds" $root }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
containers:
  - name: gatewatch
    image: {{ include "gatewatch.image" $root | quote }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: ["run", "--config", "/etc/gatewatch/config.yaml"]
    {{- if and .proxies $root.Values.proxy.enabled (gt (int $root.Values.proxy.drain.preStopSeconds) 0) }}
    lifecycle:
      preStop:
        # keep serving while the endpoints stop routing new clients here; SIGTERM (the drain) after
        exec:
          command: ["sleep", "{{ int $root.Values.proxy.drain.preStopSeconds }}"]
    {{- end }}
    env:
      - name: JAVA_TOOL_OPTIONS
        value: {{ $root.Values.javaOptions | quote }}
      {{- if and (include "gatewatch.captures" .) $root.Values.proxy.capture.existingClaim }}
      - name: POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      {{- end }}
      {{- with $root.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    ports:
      - name: http
        containerPort: {{ $root.Values.http.port }}
        protocol: TCP
      {{- if and .proxies $root.Values.proxy.enabled }}
      {{- range $i, $g := $root.Values.proxy.gateways }}
      - name: {{ printf "proxy-%d" $i }}
        containerPort: {{ $g.port }}
        protocol: TCP
      {{- end }}
      {{- end }}
    livenessProbe:
      httpGet:
        path: /-/healthy
        port: http
        {{- if $root.Values.http.tls.existingSecret }}
        scheme: HTTPS
        {{- end }}
      {{- toYaml $root.Values.livenessProbe | nindent 6 }}
    readinessProbe:
      httpGet:
        path: /-/ready
        port: http
        {{- if $root.Values.http.tls.existingSecret }}
        scheme: HTTPS
        {{- end }}
      {{- toYaml $root.Values.readinessProbe | nindent 6 }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    resources:
      {{- toYaml $root.Values.resources | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/gatewatch
        readOnly: true
      - name: tmp
        mountPath: /tmp
      {{- if include "gatewatch.captures" . }}
      - name: captures
        mountPath: {{ include "gatewatch.capturesDir" $root }}
        {{- if $root.Values.proxy.capture.existingClaim }}
        subPathExpr: $(POD_NAME)
        {{- end }}
      {{- end }}
      {{- with .secret }}
      - name: secret
        mountPath: {{ include "gatewatch.secretsDir" $root }}/{{ .dir }}
        readOnly: true
      {{- end }}
      {{- if $root.Values.http.auth.existingSecret }}
      - name: http-auth
        mountPath: {{ include "gatewatch.secretsDir" $root }}/http-auth
        readOnly: true
      {{- end }}
      {{- if $root.Values.http.tls.existingSecret }}
      - name: http-tls
        mountPath: {{ include "gatewatch.secretsDir" $root }}/http-tls
        readOnly: true
      {{- end }}
      {{- if and .proxies $root.Values.correlation.redis.url $root.Values.correlation.redis.existingSecret }}
      - name: redis
        mountPath: {{ include "gatewatch.secretsDir" $root }}/redis
        readOnly: true
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ .config }}
  # the JVM and zstd-jni's native library need a writable /tmp on a read-only root filesystem
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
  {{- if include "gatewatch.captures" . }}
  {{- with $root.Values.proxy.capture }}
  - name: captures
    {{- if .existingClaim }}
    persistentVolumeClaim:
      claimName: {{ .existingClaim }}
    {{- else }}
    # every gateway's bound, (keep + 2) x maxSizeMiB: the kubelet evicts a pod over its limit
    emptyDir:
      sizeLimit: {{ mul (len $root.Values.proxy.gateways) (add (int .keep) 2) (int .maxSizeMiB) }}Mi
    {{- end }}
  {{- end }}
  {{- end }}
  {{- with .secret }}
  - name: secret
    secret:
      secretName: {{ .name }}
      items:
        - key: {{ .key }}
          path: {{ .key }}
  {{- end }}
  {{- with $root.Values.http.auth.existingSecret }}
  - name: http-auth
    secret:
      secretName: {{ . }}
      items:
        - key: {{ $root.Values.http.auth.key }}
          path: {{ $root.Values.http.auth.key }}
  {{- end }}
  {{- with $root.Values.http.tls.existingSecret }}
  - name: http-tls
    secret:
      secretName: {{ . }}
      items:
        - key: tls.crt
          path: tls.crt
        - key: tls.key
          path: tls.key
  {{- end }}
  {{- if and .proxies $root.Values.correlation.redis.url $root.Values.correlation.redis.existingSecret }}
  - name: redis
    secret:
      secretName: {{ $root.Values.correlation.redis.existingSecret }}
      items:
        - key: {{ $root.Values.correlation.redis.key }}
          path: {{ $root.Values.correlation.redis.key }}
  {{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The runbook base written in alerts/gatewatch.rules.yaml; prometheusRule.runbookBaseUrl replaces it. */}}
{{- define "gatewatch.defaultRunbookBase" -}}https://github.com/gatewatch/gatewatch/blob/main/alerts/runbooks{{- end }}

{{/* The resume-success objective's recording rule as alerts/gatewatch.rules.yaml writes it, for an objective. */}}
{{- define "gatewatch.objectiveRule" -}}
- record: slo:gateway_resume_success:objective
        expr: vector({{ . }})
{{- end }}
