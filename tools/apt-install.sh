#!/usr/bin/env bash
# Install Debian packages when missing; needs root (or passwordless sudo).
set -euo pipefail
missing=()
for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && sudo="sudo -n" || {
    echo "need root to install: ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1; }
fi
export DEBIAN_FRONTEND=noninteractive
# apt lists may be absent on a fresh machine; update once, quietly.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
