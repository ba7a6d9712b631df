{{/* Chart name (app.kubernetes.io/name). */}}
{{- define "temporal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource: the release name, so release "temporal" gives temporal-frontend. */}}
{{- define "temporal.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* <fullname>-<component>; args: (list $ "frontend") */}}
{{- define "temporal.componentname" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "temporal.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "temporal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of a component; args: (list $ "frontend") */}}
{{- define "temporal.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "temporal.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* All labels of a component's resources; args: (list $ "frontend") */}}
{{- define "temporal.labels" -}}
{{- $root := index . 0 -}}
{{ include "temporal.selectorLabels" . }}
app.kubernetes.io/part-of: {{ $root.Chart.Name }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | replace "+" "_" | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ include "temporal.chart" $root }}
{{- with $root.Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* metadata.annotations body shared by every resource (may be empty). */}}
{{- define "temporal.annotations" -}}
{{- with .Values.additionalAnnotations }}
{{- toYaml . }}
{{- end }}
{{- end -}}

{{- define "temporal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "temporal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "temporal.serverImage" -}}
{{- printf "%s:%s" .Values.server.image.repository (default .Chart.AppVersion .Values.server.image.tag) -}}
{{- end -}}

{{/* The server services, in start order. */}}
{{- define "temporal.services" -}}
frontend history matching worker
{{- end -}}

{{/*
A per-service value falling back to the server-wide one; args: (list $ "history" "resources").
Empty maps, lists and strings count as unset, as in Temporal's chart.
*/}}
{{- define "temporal.serviceValue" -}}
{{- $root := index . 0 -}}
{{- $svc := index $root.Values.server (index . 1) -}}
{{- $key := index . 2 -}}
{{- $v := index $svc $key -}}
{{- if empty $v -}}{{- $v = index $root.Values.server $key -}}{{- end -}}
{{- if $v -}}{{- toYaml $v -}}{{- end -}}
{{- end -}}

{{- define "temporal.replicaCount" -}}
{{- $root := index . 0 -}}
{{- $svc := index $root.Values.server (index . 1) -}}
{{- if hasKey $svc "replicaCount" -}}{{ $svc.replicaCount }}{{- else -}}{{ $root.Values.server.replicaCount }}{{- end -}}
{{- end -}}

{{- define "temporal.metricsPort" -}}
{{- $root := index . 0 -}}
{{- $svc := index $root.Values.server (index . 1) -}}
{{- $m := default dict $svc.metrics -}}
{{- if hasKey $m "port" -}}{{ $m.port }}{{- else -}}{{ $root.Values.server.metrics.port }}{{- end -}}
{{- end -}}

{{/* "true" when pods and headless Services carry prometheus.io annotations; args: (list $ "history") */}}
{{- define "temporal.metricsAnnotations" -}}
{{- $root := index . 0 -}}
{{- $svc := index $root.Values.server (index . 1) -}}
{{- $a := default dict (default dict $svc.metrics).annotations -}}
{{- if hasKey $a "enabled" -}}{{ $a.enabled }}{{- else -}}{{ $root.Values.server.metrics.annotations.enabled }}{{- end -}}
{{- end -}}

{{/* The serviceMonitor settings of a service: the server-wide ones overlaid with its own. */}}
{{- define "temporal.serviceMonitor" -}}
{{- $root := index . 0 -}}
{{- $svc := index $root.Values.server (index . 1) -}}
{{- $own := default dict (default dict $svc.metrics).serviceMonitor -}}
{{- toYaml (merge (deepCopy $own) (deepCopy $root.Values.server.metrics.serviceMonitor)) -}}
{{- end -}}

{{/* The SQL settings of a store; args: (list $ "default") */}}
{{- define "temporal.sql" -}}
{{- $root := index . 0 -}}
{{- $store := index $root.Values.server.config.persistence (index . 1) -}}
{{- toYaml $store.sql -}}
{{- end -}}

{{/* The Secret holding a store's password; args: (list $ "default") */}}
{{- define "temporal.storeSecretName" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $sql := (index $root.Values.server.config.persistence $name).sql -}}
{{- if $sql.existingSecret -}}
{{- $sql.existingSecret -}}
{{- else if $sql.secretName -}}
{{- $sql.secretName -}}
{{- else if include "temporal.externalStoreSecret" (list $root) -}}
{{- include "temporal.componentname" (list $root "postgres-auth") -}}
{{- else -}}
{{- include "temporal.componentname" (list $root (printf "%s-store" $name)) -}}
{{- end -}}
{{- end -}}

{{/* The key of the password in that Secret. */}}
{{- define "temporal.storeSecretKey" -}}
{{- $root := index . 0 -}}
{{- (index $root.Values.server.config.persistence (index . 1)).sql.secretKey -}}
{{- end -}}

{{/* "true" when an ExternalSecret of this chart produces a store's Secret. */}}
{{- define "temporal.externalStoreSecret" -}}
{{- $root := index . 0 -}}
{{- if and $root.Values.externalSecrets.enabled $root.Values.externalSecrets.postgres.enabled -}}
true
{{- end -}}
{{- end -}}

{{/* "true" when the chart itself stores the password of a store in a Secret. */}}
{{- define "temporal.chartManagesStoreSecret" -}}
{{- $root := index . 0 -}}
{{- $sql := (index $root.Values.server.config.persistence (index . 1)).sql -}}
{{- if not (or $sql.existingSecret $sql.secretName (include "temporal.externalStoreSecret" (list $root))) -}}
true
{{- end -}}
{{- end -}}

{{/* The pgJDBC URL of a store; args: (list $ "default") */}}
{{- define "temporal.jdbcUrl" -}}
{{- $root := index . 0 -}}
{{- $sql := (index $root.Values.server.config.persistence (index . 1)).sql -}}
{{- $params := dict -}}
{{- if $sql.tls.enabled -}}
{{- if $sql.tls.enableHostVerification -}}
{{- $_ := set $params "sslmode" "verify-full" -}}
{{- else if $sql.tls.caFile -}}
{{- $_ := set $params "sslmode" "verify-ca" -}}
{{- else -}}
{{- $_ := set $params "sslmode" "require" -}}
{{- end -}}
{{- with $sql.tls.caFile }}{{ $_ := set $params "sslrootcert" . }}{{ end -}}
{{- with $sql.tls.certFile }}{{ $_ := set $params "sslcert" . }}{{ end -}}
{{- with $sql.tls.keyFile }}{{ $_ := set $params "sslkey" . }}{{ end -}}
{{- end -}}
{{- range $k, $v := $sql.connectAttributes -}}
{{- $_ := set $params $k (toString $v) -}}
{{- end -}}
{{- $pairs := list -}}
{{- range $k := keys $params | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (urlquery (get $params $k))) -}}
{{- end -}}
jdbc:postgresql://{{ $sql.host }}:{{ $sql.port }}/{{ $sql.database }}{{ if $pairs }}?{{ join "&" $pairs }}{{ end }}
{{- end -}}

{{/* Environment variable carrying a store's password. */}}
{{- define "temporal.storePasswordEnv" -}}
{{- if eq . "default" -}}TEMPORAL_STORE_PASSWORD{{- else -}}TEMPORAL_VISIBILITY_STORE_PASSWORD{{- end -}}
{{- end -}}

{{/* env entries with both store passwords (every container that talks to Postgres). */}}
{{- define "temporal.storePasswordEnvs" -}}
{{- $root := . -}}
{{- range $store := list "default" "visibility" }}
- name: {{ include "temporal.storePasswordEnv" $store }}
  valueFrom:
    secretKeyRef:
      name: {{ include "temporal.storeSecretName" (list $root $store) }}
      key: {{ include "temporal.storeSecretKey" (list $root $store) }}
{{- end }}
{{- end -}}

{{/* The log level for --log-level: Temporal's "debug,info" form uses its first entry. */}}
{{- define "temporal.logLevel" -}}
{{- (splitList "," .Values.server.config.logLevel | first | trim | lower) -}}
{{- end -}}

{{/* The frontend's address inside the cluster. */}}
{{- define "temporal.frontendAddress" -}}
{{- printf "%s.%s.svc:%v" (include "temporal.componentname" (list . "frontend")) .Release.Namespace .Values.server.frontend.service.port -}}
{{- end -}}

{{/* "true" when the schema job runs as a hook. */}}
{{- define "temporal.schemaHooks" -}}
{{- if and .Values.server.enabled (or .Values.schema.setup.enabled .Values.schema.update.enabled) .Values.schema.useHelmHooks -}}
true
{{- end -}}
{{- end -}}

{{/* The web UI's callback URL. */}}
{{- define "temporal.webCallbackUrl" -}}
{{- if .Values.web.auth.callbackUrl -}}
{{- .Values.web.auth.callbackUrl -}}
{{- else if .Values.web.ingress.hosts -}}
{{- $host := index (splitList "/" (first .Values.web.ingress.hosts)) 0 -}}
{{- if $host -}}{{- printf "https://%s/auth/sso/callback" $host -}}{{- end -}}
{{- end -}}
{{- end -}}

{{- define "temporal.webAuthProviderUrl" -}}
{{- if .Values.web.auth.providerUrl -}}
{{- .Values.web.auth.providerUrl -}}
{{- else if and .Values.web.auth.keycloak.host .Values.web.auth.keycloak.realm -}}
{{- printf "https://%s/realms/%s" .Values.web.auth.keycloak.host .Values.web.auth.keycloak.realm -}}
{{- end -}}
{{- end -}}

{{/* The Secret with TEMPORAL_AUTH_CLIENT_ID/SECRET for the web UI, if any. */}}
{{- define "temporal.webAuthSecretName" -}}
{{- if .Values.web.auth.existingSecret -}}
{{- .Values.web.auth.existingSecret -}}
{{- else if and .Values.externalSecrets.enabled .Values.externalSecrets.webAuth.enabled -}}
{{- include "temporal.componentname" (list . "web-auth") -}}
{{- else if .Values.web.auth.clientSecret -}}
{{- include "temporal.componentname" (list . "web-auth") -}}
{{- end -}}
{{- end -}}

{{/* The authorization section of the server config, or nothing when authorization is off. */}}
{{- define "temporal.authorizationConfig" -}}
{{- $a := deepCopy .Values.server.config.authorization -}}
{{- if and $a (eq (default "" $a.authorizer) "default") -}}
{{- $kp := default dict $a.jwtKeyProvider -}}
{{- $kc := .Values.web.auth.keycloak -}}
{{- if and (not $kp.keySourceURIs) $kc.host $kc.realm -}}
{{- $_ := set $kp "keySourceURIs" (list (printf "https://%s/realms/%s/protocol/openid-connect/certs" $kc.host $kc.realm)) -}}
{{- $_ := set $a "jwtKeyProvider" $kp -}}
{{- end -}}
{{- end -}}
{{- if $a -}}{{- toYaml $a -}}{{- end -}}
{{- end -}}

{{/* Where the TLS Secrets are mounted in server pods. */}}
{{- define "temporal.tlsDir" -}}/etc/kairos/tls/{{ . }}{{- end -}}

{{/* The tls section of the server config, or nothing: server.config.tls as given, else built from server.tls. */}}
{{- define "temporal.tlsConfig" -}}
{{- $t := .Values.server.tls -}}
{{- if .Values.server.config.tls -}}
{{- toYaml .Values.server.config.tls -}}
{{- else if or $t.frontend.enabled $t.internode.enabled -}}
refreshInterval: {{ $t.refreshInterval | quote }}
{{- if $t.frontend.enabled }}
{{- $d := include "temporal.tlsDir" "frontend" }}
frontend:
  server:
    certFile: {{ $d }}/tls.crt
    keyFile: {{ $d }}/tls.key
    requireClientAuth: {{ $t.frontend.requireClientAuth }}
    clientCaFiles: [{{ $d }}/ca.crt]
{{- end }}
{{- if $t.internode.enabled }}
{{- $d := include "temporal.tlsDir" "internode" }}
internode:
  server:
    certFile: {{ $d }}/tls.crt
    keyFile: {{ $d }}/tls.key
    requireClientAuth: true
    clientCaFiles: [{{ $d }}/ca.crt]
  client:
    serverName: {{ $t.internode.serverName | quote }}
    rootCaFiles: [{{ $d }}/ca.crt]
{{- end }}
{{- end -}}
{{- end -}}

{{/* "true" when a role's own port speaks TLS (kubelet's gRPC probes cannot); args: (list $ "history") */}}
{{- define "temporal.tlsPort" -}}
{{- $root := index . 0 -}}
{{- $t := $root.Values.server.tls -}}
{{- $raw := $root.Values.server.config.tls -}}
{{- if eq (index . 1) "frontend" -}}
{{- if or $t.frontend.enabled (and $raw $raw.frontend) -}}true{{- end -}}
{{- else -}}
{{- if or $t.internode.enabled (and $raw $raw.internode) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* Volumes of the server.tls Secrets (server pods and the schema job). */}}
{{- define "temporal.tlsVolumes" -}}
{{- range $name := list "frontend" "internode" }}
{{- $c := index $.Values.server.tls $name }}
{{- if and $c.enabled (not $.Values.server.config.tls) }}
- name: tls-{{ $name }}
  secret:
    secretName: {{ required (printf "server.tls.%s.secretName is required when it is enabled" $name) $c.secretName }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "temporal.tlsVolumeMounts" -}}
{{- range $name := list "frontend" "internode" }}
{{- $c := index $.Values.server.tls $name }}
{{- if and $c.enabled (not $.Values.server.config.tls) }}
- name: tls-{{ $name }}
  mountPath: {{ include "temporal.tlsDir" $name }}
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/*
What a client of the frontend (web UI, admin tools, helm test) needs when it speaks TLS: volumes with the CA (only
ca.crt of the frontend's Secret, never its key) and the client certificate, and the env both CLIs and the UI read.
*/}}
{{- define "temporal.frontendClientTlsVolumes" -}}
{{- $f := .Values.server.tls.frontend -}}
{{- if $f.enabled }}
- name: frontend-ca
  secret:
    secretName: {{ $f.secretName }}
    items: [{key: ca.crt, path: ca.crt}]
{{- with $f.clientSecretName }}
- name: frontend-client
  secret:
    secretName: {{ . }}
    items: [{key: tls.crt, path: tls.crt}, {key: tls.key, path: tls.key}]
{{- end }}
{{- end }}
{{- end -}}

{{- define "temporal.frontendClientTlsVolumeMounts" -}}
{{- $f := .Values.server.tls.frontend -}}
{{- if $f.enabled }}
- name: frontend-ca
  mountPath: /etc/temporal-tls/ca
  readOnly: true
{{- if $f.clientSecretName }}
- name: frontend-client
  mountPath: /etc/temporal-tls/client
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/* env for the temporal CLI (current and older names), tctl and the web UI; arg: "cli" or "web". */}}
{{- define "temporal.frontendClientTlsEnv" -}}
{{- $root := index . 0 -}}
{{- $f := $root.Values.server.tls.frontend -}}
{{- if $f.enabled }}
{{- $vars := dict }}
{{- if eq (index . 1) "web" }}
{{- $_ := set $vars "TEMPORAL_TLS_CA" "/etc/temporal-tls/ca/ca.crt" }}
{{- $_ := set $vars "TEMPORAL_TLS_ENABLE_HOST_VERIFICATION" "true" }}
{{- with $f.serverName }}{{ $_ := set $vars "TEMPORAL_TLS_SERVER_NAME" . }}{{ end }}
{{- if $f.clientSecretName }}
{{- $_ := set $vars "TEMPORAL_TLS_CERT" "/etc/temporal-tls/client/tls.crt" }}
{{- $_ := set $vars "TEMPORAL_TLS_KEY" "/etc/temporal-tls/client/tls.key" }}
{{- end }}
{{- else }}
{{- $_ := set $vars "TEMPORAL_TLS" "true" }}
{{- /* The CLI's older names (what admin-tools' CLI 1.1.1 reads; newer CLIs still honour them) and tctl's. */}}
{{- range $n := list "TEMPORAL_TLS_CA" "TEMPORAL_CLI_TLS_CA" }}
{{- $_ := set $vars $n "/etc/temporal-tls/ca/ca.crt" }}
{{- end }}
{{- with $f.serverName }}
{{- range $n := list "TEMPORAL_TLS_SERVER_NAME" "TEMPORAL_CLI_TLS_SERVER_NAME" }}{{ $_ := set $vars $n $f.serverName }}{{ end }}
{{- end }}
{{- if $f.clientSecretName }}
{{- range $n := list "TEMPORAL_TLS_CERT" "TEMPORAL_CLI_TLS_CERT" }}
{{- $_ := set $vars $n "/etc/temporal-tls/client/tls.crt" }}
{{- end }}
{{- range $n := list "TEMPORAL_TLS_KEY" "TEMPORAL_CLI_TLS_KEY" }}
{{- $_ := set $vars $n "/etc/temporal-tls/client/tls.key" }}
{{- end }}
{{- end }}
{{- end }}
{{- range $k := keys $vars | sortAlpha }}
- name: {{ $k }}
  value: {{ get $vars $k | quote }}
{{- end }}
{{- end }}
{{- end -}}
