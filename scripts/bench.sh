#!/usr/bin/env bash
# Benchmarks (test/bench/): figures printed as ratios against references measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if ! command -v rg >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -qq ripgrep >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq ripgrep >/dev/null 2>&1; }) || echo "bench: ripgrep not installed; grep is the only scanner reference" >&2
fi
exec node_modules/.bin/node dist/test/bench/ingest-bench.js "$@"
