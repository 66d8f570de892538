#!/usr/bin/env bash
# Installs tshark and tcpdump (the pcap analyser's integration tests cross-check against tshark).
# Idempotent: does nothing when both are on PATH. apt-get update runs only if the first install fails
# (a stale or missing package index), so warm machines never touch the network.
set -euo pipefail
if command -v tshark >/dev/null 2>&1 && command -v tcpdump >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-pcap-tools: tshark/tcpdump missing and no apt-get; install them with your package manager" >&2
  exit 1
fi
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
# wireshark-common asks whether non-root users may capture: answer no, without a prompt
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tshark tcpdump >&2; }
if ! install; then
  echo "setup-pcap-tools: install failed; refreshing the package index and retrying" >&2
  $SUDO apt-get update -qq >&2
  install
fi
echo "setup-pcap-tools: $(tshark --version 2>/dev/null | head -n 1)" >&2
