{{/*
The server's config file (docs/configuration.md). One file for every service; each pod picks its services with
--services. Secrets and the pod's own address come from the environment: ${VAR} is expanded by the server.
*/}}
{{- define "temporal.serverConfig" -}}
{{- $root := . -}}
persistence:
{{- range $store := list "default" "visibility" }}
{{- $sql := (index $root.Values.server.config.persistence $store).sql }}
  {{ $store }}:
    url: {{ include "temporal.jdbcUrl" (list $root $store) | quote }}
    user: {{ $sql.user | quote }}
    password: "${{ "{" }}{{ include "temporal.storePasswordEnv" $store }}{{ "}" }}"
    maxConnections: {{ $sql.maxConns }}
    maxIdleConnections: {{ $sql.maxIdleConns }}
    maxConnectionLifetime: {{ $sql.maxConnLifetime | quote }}
{{- end }}
  autoMigrate: false
cluster:
  name: active
  historyShardCount: {{ .Values.server.config.numHistoryShards }}
  membership:
    heartbeatInterval: {{ .Values.server.config.membership.heartbeatInterval | quote }}
    ttl: {{ .Values.server.config.membership.ttl | quote }}
services:
{{- range $svc := splitList " " (include "temporal.services" $root) }}
{{- $port := (index $root.Values.server $svc).service.port }}
  {{ $svc }}:
    bindAddress: 0.0.0.0
    port: {{ $port }}
    address: "${POD_IP}:{{ $port }}"
{{- end }}
metrics:
  port: "${KAIROS_METRICS_PORT:-{{ .Values.server.metrics.port }}}"
  tagValueLimit: {{ .Values.server.metrics.tagValueLimit | int }}
  {{- with .Values.server.metrics.excludeTags }}
  excludeTags:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- with (include "temporal.authorizationConfig" .) }}
authorization:
  {{- . | nindent 2 }}
{{- end }}
{{- with (include "temporal.tlsConfig" .) }}
tls:
  {{- . | nindent 2 }}
{{- end }}
{{- with .Values.server.archival }}
archival:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.server.namespaceDefaults }}
namespaceDefaults:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if and .Values.server.config.namespaces.create .Values.server.config.namespaces.namespace }}
namespaces:
{{- range .Values.server.config.namespaces.namespace }}
  - name: {{ .name | quote }}
    retention: {{ default "3d" .retention | quote }}
{{- end }}
{{- end }}
{{- end -}}
