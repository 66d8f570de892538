#!/usr/bin/env bash
# Install checks (issue 7): the Helm chart (lint + render with the default and every CI values set,
# CRD copies in sync, deploy/install.yaml in sync with the chart), the CDK hub (synth with cdk-nag
# AwsSolutions, which fails on any finding not acknowledged with a reason), and checkov on the
# rendered chart and the synthesised templates.
# Idempotent and self-installing: helm from scripts/setup-kube.sh, checkov from PyPI into a venv
# (scripts/setup-checkov.sh). Each rendered values set and each template is scanned on its own
# (scripts/checkov-each.sh says why).
# Set ENLM_SKIP_BUILD=1 when dist/ is already fresh (e.g. after scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

KUBE_VERSION=1.36.3
chart=charts/eks-node-log-mcp
out=.cache/install
rm -rf "$out" && mkdir -p "$out/rendered" "$out/cfn"

[[ ${ENLM_SKIP_BUILD:-} == 1 ]] || bash scripts/bootstrap.sh

echo "check-install: CRD copies in the chart" >&2
bash scripts/sync-chart-crds.sh --check

bin=$(bash scripts/setup-kube.sh helm | tail -n 1)
helm="$bin/helm"

values_sets=("")
for f in "$chart"/ci/*.yaml; do values_sets+=("$f"); done
for v in "${values_sets[@]}"; do
  name=$([[ -n $v ]] && basename "$v" .yaml || echo default)
  args=(); [[ -n $v ]] && args=(-f "$v")
  echo "check-install: helm lint + template ($name)" >&2
  "$helm" lint --strict "$chart" "${args[@]}" >&2
  mkdir -p "$out/rendered/$name"
  "$helm" template enlm "$chart" --namespace eks-node-log-mcp --kube-version "$KUBE_VERSION" --include-crds \
    "${args[@]}" > "$out/rendered/$name/$name.yaml"
done
echo "check-install: deploy/install.yaml (clusters without Helm) matches the chart" >&2
bash scripts/render-install-yaml.sh --check

# cdk synth through the CLI (aws-cdk 2.1148.1 reads the assembly schema aws-cdk-lib 2.276 writes);
# cdk-nag runs inside the app and fails synthesis on any unacknowledged finding.
synth() { # <dir> <context json>
  local dir=$1 ctx=$2
  if CDK_DISABLE_CLI_TELEMETRY=true cdk synth --app "node dist/infra/app.js" --output "$dir" --no-notices --quiet \
      $(node -e 'for (const [k,v] of Object.entries(JSON.parse(process.argv[1]))) console.log(`-c ${k}=${v}`)' "$ctx") \
      > "$dir.log" 2>&1; then
    return 0
  fi
  cat "$dir.log" >&2
  return 1
}
i=0
for ctx in \
  '{}' \
  '{"clusterName":"ci","identity":"irsa","oidcProviderArn":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/CI","ssmEnabled":"true","nodeRoleArns":"arn:aws:iam::123456789012:role/ci-nodes","gateway":"true","gatewayTargetUrl":"https://mcp.ci.example.com/mcp","storePrefix":"clusters/ci"}' \
  '{"clusterName":"ci","accessLogs":"false","removalPolicy":"destroy"}'; do
  i=$((i + 1))
  echo "check-install: cdk synth + cdk-nag AwsSolutions (config $i: $ctx)" >&2
  synth "$out/cdk.out.$i" "$ctx"
  mkdir -p "$out/cfn/hub-$i"
  cp "$out/cdk.out.$i/Hub.template.json" "$out/cfn/hub-$i/hub-$i.template.json"
done

echo "check-install: checkov on each rendered values set" >&2
bash scripts/checkov-each.sh kubernetes "$out"/rendered/*/
echo "check-install: checkov on each synthesised CloudFormation template" >&2
bash scripts/checkov-each.sh cloudformation "$out"/cfn/*/
echo "check-install: all install checks passed" >&2
