#!/usr/bin/env bash
# All tests: unit (co-located) and integration (test/, against a real moto server that the
# project installs and starts itself). Builds first, so type errors fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/setup-moto.sh
bash scripts/setup-pcap-tools.sh
PATH="$PWD/node_modules/.bin:$PATH" exec vitest run "$@"
