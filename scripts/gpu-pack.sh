#!/usr/bin/env bash
# Packs, on a machine with Node and the project built, what scripts/gpu-check.sh
# needs on a GPU machine that has PyTorch but no Node: .gpu/ (git-ignored) with
# the node binary (xz) and the Node-API headers. With dist/ and three small
# node_modules folders, that is what must travel:
#
#   bash scripts/gpu-pack.sh
#   then on the GPU machine, with .gpu dist node_modules/node-addon-api
#   node_modules/dicom-parser node_modules/@cornerstonejs beside the sources:
#   bash scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build:ts >/dev/null
node_bin=$(readlink -f "$(command -v node)")
node_headers=$(dirname "$(dirname "$node_bin")")/include/node
[ -f "$node_headers/node_api.h" ] || { echo "gpu-pack: no Node-API headers in $node_headers" >&2; exit 1; }
rm -rf .gpu
mkdir -p .gpu/include
xz -T0 -6 -c "$node_bin" > .gpu/node.xz
cp "$node_headers"/{js_native_api.h,js_native_api_types.h,node_api.h,node_api_types.h} .gpu/include/
node -v > .gpu/node-version
du -sh .gpu dist node_modules/node-addon-api node_modules/dicom-parser node_modules/@cornerstonejs | sed 's/^/gpu-pack: /'
