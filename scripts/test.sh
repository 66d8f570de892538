#!/usr/bin/env bash
# All tests: unit (co-located) and integration (test/, against a real moto server and a real
# kube-apiserver + etcd (built from the Go module proxy by setup-kube.sh), which the
# project installs and starts itself). Builds first, so type errors fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/setup-moto.sh
bash scripts/setup-pcap-tools.sh
bash scripts/setup-kube.sh all >/dev/null
PATH="$PWD/node_modules/.bin:$PATH" exec vitest run "$@"
