#!/usr/bin/env bash
# Installs what smit-ts needs and builds it: libtorch + OpenBLAS (Debian
# packages), Debian's PyTorch/nibabel/scipy for baselines and test fixtures,
# the npm packages, the native addon and the TypeScript.
#
#   bash scripts/setup.sh            everything
#   LIBTORCH=/opt/libtorch bash scripts/setup.sh   build against a downloaded libtorch
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libopenblas0-pthread python3-torch python3-nibabel python3-scipy python3-numpy chromium)
[ -n "${LIBTORCH:-}" ] && packages=(python3-torch python3-nibabel python3-scipy python3-numpy chromium)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "  as root: apt-get install ${missing[*]}" >&2
    echo "  or download libtorch (CPU or CUDA) and run: LIBTORCH=/path/to/libtorch bash scripts/setup.sh" >&2
    exit 1
  fi
elif ! command -v dpkg-query >/dev/null 2>&1 && [ -z "${LIBTORCH:-}" ]; then
  echo "setup: not a Debian system: download libtorch and run LIBTORCH=/path/to/libtorch bash scripts/setup.sh" >&2
  exit 1
fi

# npm's install step builds the native addon (the "install" script).
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build:ts
echo "setup: done"
