{{/* Names, labels and the pieces every workload shares. */}}

{{- define "usage-pipeline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name; objects of one component append "-<component>". */}}
{{- define "usage-pipeline.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "usage-pipeline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "usage-pipeline.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels of every object: call with (dict "root" $ "component" NAME). */}}
{{- define "usage-pipeline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "usage-pipeline.selectorLabels" . }}
app.kubernetes.io/part-of: usage-pipeline
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "usage-pipeline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "usage-pipeline.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "usage-pipeline.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The non-secret settings as a map of environment variables. Strings go as they are; numbers,
booleans and maps as JSON, which is what the settings parse (and keeps 1000000 from
becoming 1e+06).
*/}}
{{- define "usage-pipeline.configEnv" -}}
{{- $env := dict "USAGE_OPS_PORT" (toString .Values.ops.port) }}
{{- range $key, $value := .Values.config }}
{{- $name := printf "USAGE_%s" ($key | snakecase | upper) }}
{{- if kindIs "string" $value }}
{{- $_ := set $env $name $value }}
{{- else }}
{{- $_ := set $env $name (toJson $value) }}
{{- end }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/* Secret keys: value name -> environment variable. */}}
{{- define "usage-pipeline.secretEnvNames" -}}
databaseUrl: USAGE_DATABASE_URL
masterKey: USAGE_MASTER_KEY
masterKeysPrevious: USAGE_MASTER_KEYS_PREVIOUS
triggerToken: USAGE_TRIGGER_TOKEN
anthropicAdminKey: USAGE_ANTHROPIC_ADMIN_KEY
openaiAdminKey: USAGE_OPENAI_ADMIN_KEY
kafkaSaslUsername: USAGE_KAFKA_SASL_USERNAME
kafkaSaslPassword: USAGE_KAFKA_SASL_PASSWORD
{{- end }}

{{/* What each workload may read of the Secret: only the fetcher sees keys; whatever talks
to Kafka sees its login, the migration (PostgreSQL only) does not. */}}
{{- define "usage-pipeline.secretsOf" -}}
{{- $kafka := list "kafkaSaslUsername" "kafkaSaslPassword" }}
{{- $of := dict
  "fetcher" (concat (list "databaseUrl" "masterKey" "masterKeysPrevious" "triggerToken" "anthropicAdminKey" "openaiAdminKey") $kafka)
  "normalizer" $kafka
  "writer" (concat (list "databaseUrl") $kafka)
  "migration" (list "databaseUrl")
  "topics" $kafka }}
{{- toJson (index $of .) }}
{{- end }}

{{- define "usage-pipeline.secretName" -}}
{{- default (include "usage-pipeline.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
Secret environment of a workload: call with (dict "root" $ "component" NAME "secretName" S).
With an existing Secret every key is referenced, optional except the database URL (a missing
one fails the pod instead of silently using no database); with the chart's own Secret only
the keys it holds.
*/}}
{{- define "usage-pipeline.secretEnv" -}}
{{- $root := .root }}
{{- $names := include "usage-pipeline.secretEnvNames" . | fromYaml }}
{{- range $field := include "usage-pipeline.secretsOf" .component | fromJsonArray }}
{{- if or $root.Values.secret.existingSecret (index $root.Values.secret.values $field) }}
- name: {{ index $names $field }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secretName }}
      key: {{ index $root.Values.secret.keys $field }}
      {{- if ne $field "databaseUrl" }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Refuse values that would render a release that cannot work. */}}
{{- define "usage-pipeline.validate" -}}
{{- $s := .Values.secret }}
{{- if not $s.existingSecret }}
{{- if not $s.values.databaseUrl }}
{{- fail "secret.values.databaseUrl (or secret.existingSecret) is required: without it the jobs and services have no database" }}
{{- end }}
{{- if and .Values.fetcher.enabled (not (or $s.values.anthropicAdminKey $s.values.openaiAdminKey $s.values.masterKey)) }}
{{- fail "the fetcher needs a credential: secret.values.anthropicAdminKey, openaiAdminKey, or masterKey (for stored credentials)" }}
{{- end }}
{{- if and (hasPrefix "SASL_" (default "PLAINTEXT" .Values.config.kafkaSecurityProtocol)) (not (and $s.values.kafkaSaslUsername $s.values.kafkaSaslPassword)) }}
{{- fail (printf "config.kafkaSecurityProtocol %s needs secret.values.kafkaSaslUsername and kafkaSaslPassword (or secret.existingSecret)" .Values.config.kafkaSecurityProtocol) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.autoscaling.engine "keda") (ne (default "PLAINTEXT" .Values.config.kafkaSecurityProtocol) "PLAINTEXT") (or .Values.normalizer.autoscaling.enabled .Values.writer.autoscaling.enabled) }}
{{- fail "autoscaling.engine keda reaches Kafka without authentication: use the hpa engine with config.kafkaSecurityProtocol other than PLAINTEXT" }}
{{- end }}
{{- $partitions := int (default 3 .Values.config.topicPartitions) }}
{{- range $name := list "normalizer" "writer" }}
{{- $a := (index $.Values $name).autoscaling }}
{{- if $a.enabled }}
{{- if gt (int $a.maxReplicas) $partitions }}
{{- fail (printf "%s.autoscaling.maxReplicas (%d) exceeds the topic partitions (config.topicPartitions = %d): the extra replicas would get no partition" $name (int $a.maxReplicas) $partitions) }}
{{- end }}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) }}
{{- fail (printf "%s.autoscaling.minReplicas is above maxReplicas" $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The pod-level settings every workload shares: call with (dict "root" $ "serviceAccount" NAME). */}}
{{- define "usage-pipeline.podCommon" -}}
serviceAccountName: {{ .serviceAccount }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end }}

{{/* The container-level settings every workload shares (after name and args). */}}
{{- define "usage-pipeline.containerCommon" -}}
image: {{ include "usage-pipeline.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}
