#!/usr/bin/env bash
# The end-to-end checks of `npm run test:e2e` (test/e2e/cluster-e2e.test.ts) on a real kind cluster,
# where Docker exists. It has never run on the project's CI machine: no container engine there, so
# the e2e runs on a bare kube-apiserver + etcd instead. Builds the image, loads it into kind, installs
# the chart, then:
#   1. a NodeLogCollection for the node ends Completed with finding counts (agent DaemonSet → hub);
#   2. an MCP client with a service-account token allowed to read collections gets those findings,
#      count for count; a token of a service account without RBAC gets 403;
#   3. a PacketCapture of the node completes with packets.
# Idempotent: rerunning reuses the cluster and replaces the test resources. See docs/kind.md.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in docker kind kubectl helm; do
  command -v "$t" >/dev/null || { echo "e2e-kind: $t is required (see docs/kind.md)" >&2; exit 1; }
done
CLUSTER=${KIND_CLUSTER:-enlm}
IMAGE=${IMAGE:-eks-node-log-mcp:dev}
NS=${NAMESPACE:-eks-node-log-mcp}
RELEASE=enlm
MCP_PORT=${MCP_LOCAL_PORT:-18080}
# what the VPC CNI logs on a node whose subnet is out of addresses (as the e2e plants on its host):
# a kind node is no sick EKS node, and the MCP check needs finding counts known to be > 0
IPAMD_LOG=/var/log/aws-routed-eni/ipamd-enlm-e2e.log
IPAMD_LINE='{"level":"error","ts":"2026-01-01T00:00:00.000Z","caller":"ipamd/ipamd.go:1073","msg":"Failed to increase pool size due to not able to allocate ENI AllocENI: failed to create ENI: failed to create network interface: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request."}'

fail() { echo "e2e-kind: $*" >&2; exit 1; }
work=$(mktemp -d)
pf_pid=""
NODE=""
cleanup() {
  [[ -n $pf_pid ]] && kill "$pf_pid" 2>/dev/null
  [[ -n $NODE ]] && docker exec "$NODE" rm -f "$IPAMD_LOG" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# waits for a collection or capture to end; anything but Completed fails with its status message
wait_done() { # <resource> <name> <seconds>
  local phase="" deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    phase=$(kubectl get "$1" "$2" -n "$NS" -o jsonpath='{.status.phase}')
    [[ $phase == Completed || $phase == Failed ]] && break
    sleep 3
  done
  kubectl get "$1" "$2" -n "$NS" -o wide
  [[ $phase == Completed ]] || fail "$1/$2 ended ${phase:-without a phase}: $(kubectl get "$1" "$2" -n "$NS" -o jsonpath='{.status.message}')"
}

# node_modules and dist/: the MCP client of step 2 is dist/test/e2e/kind-mcp-check.js
bash scripts/bootstrap.sh
node=node_modules/.bin/node

kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER"
kubectl config use-context "kind-$CLUSTER" >/dev/null
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"
helm upgrade --install "$RELEASE" charts/eks-node-log-mcp --namespace "$NS" --create-namespace \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=IfNotPresent \
  --set storage.type=filesystem --wait --timeout 5m
NODE=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')

echo "e2e-kind: 1. NodeLogCollection for $NODE" >&2
# a kind node is a container named after the node: the agent collects its /var/log
docker exec "$NODE" sh -c 'mkdir -p "$(dirname "$1")" && printf "%s\n" "$2" > "$1"' sh "$IPAMD_LOG" "$IPAMD_LINE"
kubectl delete nlc kind-e2e -n "$NS" --ignore-not-found --wait
kubectl apply -n "$NS" -f - <<YAML
apiVersion: eksnodelog.io/v1alpha1
kind: NodeLogCollection
metadata:
  name: kind-e2e
spec:
  nodeName: $NODE
  categories: [Base, Networking, System]
  since: 30m
YAML
wait_done nlc kind-e2e 600
docker exec "$NODE" rm -f "$IPAMD_LOG"
kubectl get nlc kind-e2e -n "$NS" -o json > "$work/nlc.json"
[[ $(kubectl get nlc kind-e2e -n "$NS" -o jsonpath='{.status.method}') == agent ]] || fail "the collection did not go through the agent DaemonSet"

echo "e2e-kind: 2. MCP with service-account tokens" >&2
apply_sa() { kubectl create serviceaccount "$1" -n "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null; }
apply_sa sre-reader
apply_sa nobody
kubectl create role sre-reader-nlc -n "$NS" --verb=get,list --resource=nodelogcollections.eksnodelog.io --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create rolebinding sre-reader -n "$NS" --role=sre-reader-nlc --serviceaccount="$NS:sre-reader" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
(umask 077 && kubectl create token sre-reader -n "$NS" --duration=1h > "$work/reader.token" && kubectl create token nobody -n "$NS" --duration=1h > "$work/nobody.token")
svc=$(kubectl get svc -n "$NS" -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=server" -o jsonpath='{.items[0].metadata.name}')
[[ -n $svc ]] || fail "no server Service in $NS"
kubectl port-forward -n "$NS" "svc/$svc" "$MCP_PORT:8080" > "$work/port-forward.log" 2>&1 &
pf_pid=$!
for _ in $(seq 1 30); do
  (exec 3<>"/dev/tcp/127.0.0.1/$MCP_PORT") 2>/dev/null && break
  sleep 1
done
mcp="http://127.0.0.1:$MCP_PORT/mcp"
"$node" dist/test/e2e/kind-mcp-check.js read "$mcp" "$work/reader.token" "$work/nlc.json"
"$node" dist/test/e2e/kind-mcp-check.js denied "$mcp" "$work/nobody.token" "$NODE"

echo "e2e-kind: 3. PacketCapture of $NODE" >&2
kubectl delete pcap kind-e2e -n "$NS" --ignore-not-found --wait
# the kubelet and the control plane talk on 6443 all the time on a kind node: packets are certain
kubectl apply -n "$NS" -f - <<YAML
apiVersion: eksnodelog.io/v1alpha1
kind: PacketCapture
metadata:
  name: kind-e2e
spec:
  nodeName: $NODE
  filter: tcp port 6443
  durationSeconds: 10
YAML
wait_done pcap kind-e2e 300
packets=$(kubectl get pcap kind-e2e -n "$NS" -o jsonpath='{.status.packets}')
((${packets:-0} > 0)) || fail "the capture completed with no packets"
echo "e2e-kind: all checks passed" >&2
