{{/*
Helpers for k3s-cni. Each upstream chart is installed through a helm.cattle.io/v1 HelmChart that
the K3s helm-controller runs as a helm-install Job; "k3s-cni.helmChart" renders one of them.
*/}}

{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "k3s-cni.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* name-version, for the helm.sh/chart label. */}}
{{- define "k3s-cni.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. Call with (dict "root" $ "component" "cilium"). */}}
{{- define "k3s-cni.labels" -}}
helm.sh/chart: {{ include "k3s-cni.chart" .root }}
app.kubernetes.io/name: {{ include "k3s-cni.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: k3s-cni
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
"true" when version .v is at least .min (semver, "v" prefix allowed); an empty version means "the
newest", so it passes too. Call with (dict "v" "v4.3.017" "min" "4.3.009").
*/}}
{{- define "k3s-cni.atLeast" -}}
{{- if or (not .v) (semverCompare (printf ">=%s-0" .min) .v) }}true{{ end }}
{{- end }}

{{/*
Source selection for one upstream chart: embedded chartContent (air-gap) wins over repo + version.
Call with the chart object ({name, repo, version, chartContent}).
*/}}
{{- define "k3s-cni.source" -}}
chart: {{ .name | quote }}
{{- if .chartContent }}
chartContent: {{ .chartContent | nospace | quote }}
{{- else }}
repo: {{ .repo | quote }}
{{- with .version }}
version: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Does HelmChart .spec.createNamespace apply to this target namespace? Only for namespaces that may
not exist yet, and only when the K3s helm-controller knows the field (helmController.createNamespace).
*/}}
{{- define "k3s-cni.createNamespace" -}}
{{- if and .root.Values.helmController.createNamespace (not (has .ns (list "kube-system" "default"))) }}true{{ end }}
{{- end }}

{{/*
One HelmChart. Call with (dict "root" $ "name" "cilium" "component" "cilium" "source" $chart
"targetNamespace" "kube-system" "values" $dict "takeOwnership" false). Only the fields every
supported K3s knows are rendered, plus newer ones the values explicitly ask for.
*/}}
{{- define "k3s-cni.helmChart" -}}
{{- $hc := .root.Values.helmController -}}
apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata:
  name: {{ .name }}
  namespace: {{ $hc.namespace }}
  labels:
    {{- include "k3s-cni.labels" (dict "root" .root "component" .component) | nindent 4 }}
spec:
  {{- include "k3s-cni.source" .source | nindent 2 }}
  targetNamespace: {{ .targetNamespace }}
  {{- if include "k3s-cni.createNamespace" (dict "root" .root "ns" .targetNamespace) }}
  createNamespace: true
  {{- end }}
  # The helm-install Job must run before any CNI exists: host network, tolerates not-ready nodes.
  bootstrap: true
  {{- with $hc.timeout }}
  timeout: {{ . | quote }}
  {{- end }}
  {{- with $hc.failurePolicy }}
  failurePolicy: {{ . }}
  {{- end }}
  {{- if not (kindIs "invalid" $hc.backOffLimit) }}
  backOffLimit: {{ $hc.backOffLimit }}
  {{- end }}
  {{- with $hc.jobImage }}
  jobImage: {{ . | quote }}
  {{- end }}
  {{- if or .takeOwnership $hc.takeOwnership }}
  takeOwnership: true
  {{- end }}
  {{- with .values }}
  # valuesContent, not set: YAML keeps types (set would turn "6444" into an int and back).
  valuesContent: |-
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
