#!/usr/bin/env bash
# Copies the CRDs (crds/*.yaml, the source of truth) into the Helm chart's crds/ folder, which Helm
# installs before the templates. `--check` changes nothing and exits 1 when the copies have drifted
# (a file differs, is missing, or is left over), so CI catches a CRD edit without a re-sync.
set -euo pipefail
cd "$(dirname "$0")/.."

src=crds
dst=charts/eks-node-log-mcp/crds
mode=${1:-sync}

shopt -s nullglob
sources=("$src"/*.eksnodelog.io.yaml)
if [[ ${#sources[@]} -eq 0 ]]; then
  echo "sync-chart-crds: no $src/*.eksnodelog.io.yaml found" >&2
  exit 1
fi

drift=0
for f in "${sources[@]}"; do
  target="$dst/$(basename "$f")"
  if ! cmp -s "$f" "$target"; then
    if [[ $mode == --check ]]; then
      echo "sync-chart-crds: $target differs from $f" >&2
      drift=1
    else
      mkdir -p "$dst"
      cp "$f" "$target"
      echo "sync-chart-crds: updated $target" >&2
    fi
  fi
done
for target in "$dst"/*.yaml; do
  if [[ ! -f "$src/$(basename "$target")" ]]; then
    if [[ $mode == --check ]]; then
      echo "sync-chart-crds: $target has no source in $src/" >&2
      drift=1
    else
      rm "$target"
      echo "sync-chart-crds: removed $target" >&2
    fi
  fi
done
if [[ $mode == --check && $drift -ne 0 ]]; then
  echo "sync-chart-crds: run 'bash scripts/sync-chart-crds.sh' to update the chart" >&2
  exit 1
fi
exit 0
