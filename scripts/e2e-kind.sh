#!/usr/bin/env bash
# The end-to-end path on a real kind cluster, where Docker exists (it cannot run on the project's
# CI machine: no container engine there; test/e2e/cluster-e2e.test.ts is the same path on a bare
# kube-apiserver + etcd instead). Builds the image, loads it into kind, installs the chart, applies
# a NodeLogCollection for a worker node and waits for it to complete. See docs/kind.md.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in docker kind kubectl helm; do
  command -v "$t" >/dev/null || { echo "e2e-kind: $t is required (see docs/kind.md)" >&2; exit 1; }
done
CLUSTER=${KIND_CLUSTER:-enlm}
IMAGE=${IMAGE:-eks-node-log-mcp:dev}
NS=${NAMESPACE:-eks-node-log-mcp}

kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER"
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"
helm upgrade --install enlm charts/eks-node-log-mcp --namespace "$NS" --create-namespace \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=IfNotPresent \
  --set storage.type=filesystem --wait --timeout 5m
NODE=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')
cat <<YAML | kubectl apply -n "$NS" -f -
apiVersion: eksnodelog.io/v1alpha1
kind: NodeLogCollection
metadata:
  name: kind-smoke
spec:
  nodeName: $NODE
  categories: [Base, Networking]
  since: 30m
YAML
kubectl wait -n "$NS" nlc/kind-smoke --for=jsonpath='{.status.phase}'=Completed --timeout=10m
kubectl get nlc -n "$NS" kind-smoke -o wide
