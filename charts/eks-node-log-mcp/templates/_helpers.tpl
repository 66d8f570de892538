{{/* Chart name, trimmed to the 63 characters a DNS label allows. */}}
{{- define "enlm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every object name. Component suffixes ("-operator", "-server", "-agent") add at most 9
characters, so the prefix is cut at 54 to keep every name a valid DNS label.
*/}}
{{- define "enlm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "enlm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object; call with (dict "ctx" $ "component" "operator"). */}}
{{- define "enlm.labels" -}}
helm.sh/chart: {{ include "enlm.chart" .ctx }}
{{ include "enlm.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: eks-node-log-mcp
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels: stable across upgrades (a Deployment's selector is immutable). */}}
{{- define "enlm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "enlm.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* ServiceAccount name of a component; call with (dict "ctx" $ "component" "operator"). */}}
{{- define "enlm.serviceAccountName" -}}
{{- $sa := (index .ctx.Values .component).serviceAccount -}}
{{- if $sa.create -}}
{{- default (printf "%s-%s" (include "enlm.fullname" .ctx) .component) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/* image reference: a digest wins over the tag; the tag defaults to the chart's appVersion. */}}
{{- define "enlm.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The hub's ingest URL as the agents reach it (cluster DNS, no TLS inside the cluster network). */}}
{{- define "enlm.ingestUrl" -}}
{{- printf "http://%s-server.%s.svc:%v" (include "enlm.fullname" .) .Release.Namespace .Values.server.service.ingestPort -}}
{{- end -}}

{{/* The server's --store argument. */}}
{{- define "enlm.storeArg" -}}
{{- if eq .Values.storage.type "s3" -}}
{{- $bucket := required "storage.s3.bucket is required when storage.type is s3" .Values.storage.s3.bucket -}}
{{- $prefix := trimAll "/" .Values.storage.s3.prefix -}}
{{- if $prefix -}}
{{- printf "s3://%s/%s" $bucket $prefix -}}
{{- else -}}
{{- printf "s3://%s" $bucket -}}
{{- end -}}
{{- else -}}
/data
{{- end -}}
{{- end -}}

{{/* AWS region for a component: the storage region for the hub if set, else the global one. */}}
{{- define "enlm.serverRegion" -}}
{{- default .Values.awsRegion .Values.storage.s3.region -}}
{{- end -}}

{{/* Server replicas: a ReadWriteOnce volume can serve one pod only. */}}
{{- define "enlm.serverReplicas" -}}
{{- if eq .Values.storage.type "filesystem" -}}1{{- else -}}{{ .Values.server.replicas }}{{- end -}}
{{- end -}}

{{/* Pod and container security contexts of the unprivileged components (operator, server). */}}
{{- define "enlm.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "enlm.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
checkov suppression for "image not pinned by digest", rendered only while the image is pinned by tag
(the default: release digests are not known when the chart is packaged).
*/}}
{{- define "enlm.digestSkip" -}}
{{- if not .Values.image.digest -}}
checkov.io/skip-digest: CKV_K8S_43=image is pinned by its version tag (appVersion); set image.digest to pin by digest
{{- end -}}
{{- end -}}

{{/*
checkov suppression for "image pull policy should be Always", rendered only when it is not Always.
*/}}
{{- define "enlm.pullPolicySkip" -}}
{{- if ne .Values.image.pullPolicy "Always" -}}
checkov.io/skip-pull-policy: CKV_K8S_15=the image is pinned by version tag or digest, so a cached copy is the same image; Always would make pod starts (and node triage) depend on the registry
{{- end -}}
{{- end -}}

{{/*
checkov suppression for "pods without a NetworkPolicy" (graph check CKV2_K8S_6), rendered only when the
installer turned the chart's NetworkPolicies off: the chart honours that choice rather than render
policies anyway, since on a CNI that enforces none they would only look like protection.
*/}}
{{- define "enlm.networkPolicySkip" -}}
{{- if not .Values.networkPolicy.enabled -}}
checkov.io/skip-network-policy: CKV2_K8S_6=networkPolicy.enabled is false - the installer turned the chart's NetworkPolicies off (a CNI that enforces none, or policies managed outside the chart)
{{- end -}}
{{- end -}}
