#!/usr/bin/env bash
# The main job on the embedded default (local filesystem store, no AWS, no cluster): build, import
# the sample eks-log-collector.sh bundle into .cache/store, and serve the MCP tools over it on
# http://127.0.0.1:8080/mcp (Ctrl-C stops). `bash scripts/main.sh --stdio` serves on stdio instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
NODE=node_modules/.bin/node
store=.cache/store
archive=$("$NODE" dist/test/fixtures/sample-bundle.js .cache/sample)
"$NODE" dist/cli/main.js import "$archive" --store "$store" --limit 10 >&2
exec "$NODE" dist/cli/main.js serve --store "$store" "$@"
