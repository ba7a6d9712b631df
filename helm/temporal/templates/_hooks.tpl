{{/*
Every Helm hook annotation of the chart is written here and nowhere else (the chart tests render hooks by
renaming these keys in a copy of this one file, since a plain render leaves hooks out).
*/}}

{{/* The schema job and its inputs: hooks run before the release's ordinary resources exist. Arg: the weight. */}}
{{- define "temporal.schemaHookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}

{{/* `helm test` pods. */}}
{{- define "temporal.testHookAnnotations" -}}
helm.sh/hook: test
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}
