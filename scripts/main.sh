#!/usr/bin/env bash
# The main job on the embedded default (local filesystem, no AWS, no cluster): build, write the
# sample eks-log-collector.sh bundle, and analyse it. Extra arguments go to `analyze` (e.g. --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
NODE=node_modules/.bin/node
archive=$("$NODE" dist/test/fixtures/sample-bundle.js .cache/sample)
exec "$NODE" dist/cli/main.js analyze "$archive" "$@"
