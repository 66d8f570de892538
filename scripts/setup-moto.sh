#!/usr/bin/env bash
# Installs the moto server (the real S3/KMS/SSM/EC2/EKS test server, DESIGN.md §10) into a venv in
# the cache folder, and the AWS CLI beside it (the SSM capture test runs the node's script, which
# uploads with `aws s3 cp`, against moto). Idempotent: a warm run only checks the installed version and exits.
# Prints the path of moto_server on stdout (last line); everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_PIN=5.2.5
AWSCLI_PIN=1.46.2
cache="${EKS_NLM_CACHE:-$PWD/.cache}"
venv="$cache/moto-venv"
marker="$venv/.moto-resolved"   # "<pin> <installed>" once the pin or its fallback is in place
mkdir -p "$cache"

installed_version() {
  [[ -x "$venv/bin/moto_server" && -x "$venv/bin/python" ]] || return 1
  "$venv/bin/python" - <<'EOF' 2>/dev/null
import importlib.metadata as m
print(m.version("moto"))
EOF
}

is_warm() {
  local have
  [[ -x "$venv/bin/aws" ]] || return 1
  have=$(installed_version) || return 1
  [[ "$have" == "$MOTO_PIN" ]] && return 0
  # A fallback version installed because the pin was not served counts as warm for that pin, so a
  # registry without 5.2.5 does not make every run re-install.
  [[ -f "$marker" && "$(cat "$marker")" == "$MOTO_PIN $have" ]]
}

if is_warm; then
  echo "$venv/bin/moto_server"
  exit 0
fi

# Serialise concurrent first runs (test.sh and vitest's globalSetup may both get here).
exec 9>"$cache/.moto-setup.lock"
flock 9
if is_warm; then
  echo "$venv/bin/moto_server"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "setup-moto: python3 (>= 3.10) is required; on Debian: apt-get install python3 python3-venv" >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "setup-moto: moto 5 needs Python >= 3.10, found $(python3 --version 2>&1)" >&2
  exit 1
fi

# Debian splits venv/ensurepip into python3-venv; without it `python3 -m venv` leaves a venv with no pip.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-moto: python3 has no ensurepip; installing python3-venv with apt-get" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
  else
    echo "setup-moto: python3 cannot create venvs (no ensurepip). Fix: sudo apt-get install python3-venv" >&2
    echo "            (or python3.X-venv matching $(python3 --version 2>&1)), then re-run this script." >&2
    exit 1
  fi
fi

# A venv left half-made by an interrupted run has no working pip: start it again.
if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  echo "setup-moto: creating venv $venv" >&2
  python3 -m venv --clear "$venv" >&2
fi

pip_install() {
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q "$@" >&2
}

echo "setup-moto: installing moto[server]==$MOTO_PIN" >&2
# pip lists every version it knows on a miss; keep that in a log and show only the verdict.
if ! pip_install "moto[server]==$MOTO_PIN" 2>"$cache/moto-pip.log"; then
  tail -n 1 "$cache/moto-pip.log" >&2
  echo "setup-moto: moto $MOTO_PIN is not available (log: $cache/moto-pip.log); falling back to the newest moto 5.x" >&2
  pip_install "moto[server]>=5,<6"
fi

if [[ ! -x "$venv/bin/aws" ]]; then
  echo "setup-moto: installing awscli==$AWSCLI_PIN" >&2
  pip_install "awscli==$AWSCLI_PIN" 2>>"$cache/moto-pip.log" || pip_install "awscli>=1.29,<2"
fi

have=$(installed_version) || { echo "setup-moto: moto_server missing after install" >&2; exit 1; }
echo "$MOTO_PIN $have" > "$marker"
if [[ "$have" == "$MOTO_PIN" ]]; then
  echo "setup-moto: moto $have ready" >&2
else
  echo "setup-moto: moto $have ready (FALLBACK: pin $MOTO_PIN was not installable)" >&2
fi
echo "$venv/bin/moto_server"
