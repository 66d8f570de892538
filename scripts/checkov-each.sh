#!/usr/bin/env bash
# Usage: checkov-each.sh <framework> <dir>...
# Runs checkov once per directory, so each rendered values set (or synthesised template) is judged
# alone. checkov builds one resource graph per run: scanned in one directory, the NetworkPolicies the
# default values render satisfied CKV2_K8S_6 for the pods of a set that renders none (same release
# labels), and that set's failure went unseen. Every directory is scanned even after one fails; the
# exit status is 1 when any failed.
# --skip-download: no calls to the vendor's platform (offline; suppressions come only from the
# annotations/metadata in the files, each with its reason).
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 <framework> <dir>..." >&2; exit 2; }
framework=$1; shift
checkov=$(bash "$(dirname "$0")/setup-checkov.sh" | tail -n 1)

failed=()
for dir in "$@"; do
  echo "checkov ($framework): $dir" >&2
  "$checkov" -d "$dir" --framework "$framework" --skip-download --compact --quiet || failed+=("$dir")
done
if ((${#failed[@]})); then
  echo "checkov ($framework): failures in ${failed[*]}" >&2
  exit 1
fi
