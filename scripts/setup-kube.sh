#!/usr/bin/env bash
# Builds the real test control plane (kube-apiserver, etcd) and helm from the Go module proxy, once per
# version, into a cache folder outside the clone so a fresh clone on the same machine reuses it.
# Idempotent: a binary that exists and reports the pinned version is not rebuilt.
# kubectl is built from the same wrapper module.
# Pinned versions: kube 1.36.3 (staging v0.36.3), etcd 3.6.16 (the etcd line kube 1.36 ships), helm 3.22.0.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
HELM_VERSION="${HELM_VERSION:-3.22.0}"
CACHE="${ENLM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eks-node-log-mcp/tools}"
BIN="$CACHE/bin"
mkdir -p "$BIN"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

need_go() {
  command -v go >/dev/null || { echo "setup-kube: Go is required to build the test control plane (apt-get install golang or /usr/local/go)" >&2; exit 1; }
}

build_etcd() {
  local out="$BIN/etcd-$ETCD_VERSION"
  [[ -x "$out" ]] && return 0
  need_go
  local dir="$CACHE/build/etcd-$ETCD_VERSION"
  mkdir -p "$dir" && cd "$dir"
  [[ -f go.mod ]] || go mod init local/etcd-build >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$out.tmp" go.etcd.io/etcd/server/v3
  mv "$out.tmp" "$out"
}

build_apiserver() {
  local out="$BIN/kube-apiserver-$K8S_VERSION"
  [[ -x "$out" ]] && return 0
  need_go
  local minor stg dir gomod
  minor=$(echo "$K8S_VERSION" | cut -d. -f2); stg="0.${K8S_VERSION#1.}"
  dir="$CACHE/build/kube-apiserver-$K8S_VERSION"
  mkdir -p "$dir" && cd "$dir"
  # Read upstream's go.mod so the staging replace list is generated, never hand-written.
  gomod=$( (cd "$(mktemp -d)" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION") \
           | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  printf 'module local/kube-apiserver-build\n\ngo 1.26.0\n\n%s\n' "$(grep '^godebug' "$gomod" || true)" > go.mod
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$gomod"); do
    go mod edit "-replace=$m=$m@v$stg"
  done
  go mod edit "-require=k8s.io/kubernetes@v$K8S_VERSION" -tool=k8s.io/kubernetes/cmd/kube-apiserver
  go mod tidy
  go build -trimpath -o "$out.tmp" -ldflags "-s -w \
    -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION \
    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
    -X k8s.io/component-base/version.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver
  mv "$out.tmp" "$out"
}

# kubectl comes from the same wrapper module as kube-apiserver (same pinned release).
build_kubectl() {
  local out="$BIN/kubectl-$K8S_VERSION"
  [[ -x "$out" ]] && return 0
  build_apiserver
  local minor; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  cd "$CACHE/build/kube-apiserver-$K8S_VERSION"
  grep -q 'cmd/kubectl$' go.mod || { go mod edit -tool=k8s.io/kubernetes/cmd/kubectl; go mod tidy; }
  go build -trimpath -o "$out.tmp" -ldflags "-s -w \
    -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION \
    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
    -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION \
    -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kubectl
  mv "$out.tmp" "$out"
}

build_helm() {
  local out="$BIN/helm-$HELM_VERSION"
  [[ -x "$out" ]] && return 0
  need_go
  local dir="$CACHE/build/helm-$HELM_VERSION"
  mkdir -p "$dir"
  GOBIN="$dir" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  mv "$dir/helm" "$out"
}

what="${1:-all}"
case "$what" in
  etcd) build_etcd ;;
  apiserver) build_apiserver ;;
  kubectl) build_kubectl ;;
  helm) build_helm ;;
  all) build_etcd; build_apiserver; build_kubectl; build_helm ;;
  *) echo "usage: setup-kube.sh [all|etcd|apiserver|kubectl|helm]" >&2; exit 2 ;;
esac
# Stable names for the harness.
ln -sf "etcd-$ETCD_VERSION" "$BIN/etcd" 2>/dev/null || true
ln -sf "kube-apiserver-$K8S_VERSION" "$BIN/kube-apiserver" 2>/dev/null || true
ln -sf "helm-$HELM_VERSION" "$BIN/helm" 2>/dev/null || true
ln -sf "kubectl-$K8S_VERSION" "$BIN/kubectl" 2>/dev/null || true
echo "$BIN"
