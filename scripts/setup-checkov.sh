#!/usr/bin/env bash
# Installs the pinned checkov (PyPI) into its own venv under .cache, once, and prints the path of its
# executable on the last line. Idempotent: a venv whose checkov reports the pin is reused.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_PIN=3.3.30
venv=$PWD/.cache/checkov-venv
if [[ "$("$venv/bin/checkov" --version 2>/dev/null || true)" != "$CHECKOV_PIN" ]]; then
  echo "setup-checkov: installing checkov $CHECKOV_PIN" >&2
  python3 -m venv --clear "$venv" >&2
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q "checkov==$CHECKOV_PIN" >&2
fi
echo "$venv/bin/checkov"
