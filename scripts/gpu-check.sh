#!/usr/bin/env bash
# The CUDA check, one command on a GPU machine with a pip PyTorch 2.x (CUDA):
#   1. builds the addon against the libtorch inside that PyTorch;
#   2. runs the engine tests (CPU, against that libtorch) and the CUDA tests
#      (test/engine/cuda.test.ts: ops, precision policy, a segmenter's forward
#      and gradients on the device against the CPU);
#   3. benchmarks, ours against the PyTorch twin on the same GPU, in fp32 and
#      bf16 (torch.autocast for the twin): the student+teacher forward and
#      backward of a pre-training step (2 × 96³) and the segmenter's forward
#      and backward of a fine-tuning crop (96³), published size.
# Prints the JSON lines and writes everything under $OUT (default /tmp/gpu-check).
# Node comes from .gpu/ when the machine has none (scripts/gpu-pack.sh).
# Needs about 5 minutes on an H200; stops at the first failing stage.
# SMIT_GPU_CHECK_DEVICE=cpu runs the same stages on the CPU (to check this script);
# SMIT_GPU_CHECK_WORKLOADS names the networks workloads (default: the two below).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
started=$(date +%s)
DEVICE=${SMIT_GPU_CHECK_DEVICE:-cuda}
require_cuda=1
[ "$DEVICE" = cuda ] || require_cuda=0
stage() { echo "== gpu-check [$(( $(date +%s) - started )) s] $*"; }
die() { echo "gpu-check: $*" >&2; exit 1; }

if ! command -v node >/dev/null 2>&1; then
  [ -f .gpu/node.xz ] || die "no node on PATH and no .gpu/node.xz (run scripts/gpu-pack.sh where Node is, and carry .gpu)"
  mkdir -p /tmp/gpu-node/bin
  xz -dc .gpu/node.xz > /tmp/gpu-node/bin/node && chmod +x /tmp/gpu-node/bin/node
  export PATH=/tmp/gpu-node/bin:$PATH
fi
[ -d dist ] || die "dist/ is missing: run npm run build:ts (or scripts/gpu-pack.sh) and carry dist"
PYTHON=${PYTHON:-$(command -v python3)}
stage "node $(node -v), $PYTHON"
nvidia-smi -L 2>/dev/null || echo "(no nvidia-smi)"

torch_info=$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__), int(torch._C._GLIBCXX_USE_CXX11_ABI), torch.__version__, torch.version.cuda, torch.cuda.is_available())') \
  || die "$PYTHON cannot import torch"
read -r torch_dir abi torch_version cuda_version cuda_ok <<<"$torch_info"
stage "torch $torch_version (CUDA $cuda_version, available: $cuda_ok) in $torch_dir, C++11 ABI $abi"
if [ -f "$torch_dir/lib/libtorch_cpu.so" ]; then export LIBTORCH=$torch_dir; else echo "(no libtorch in the Python package: building against the system libtorch)"; fi
export LIBTORCH_CXX11_ABI=$abi

stage "build the addon"
node scripts/gen-ops.mjs || die "gen-ops failed"
napi_include=$(node -p "require('node-addon-api').include_dir" 2>/dev/null) || die "node_modules/node-addon-api is missing (carry it)"
node_include=.gpu/include
[ -f "$node_include/node_api.h" ] || node_include=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node
includes="-I$napi_include -I$node_include -Inative/src $(node scripts/libtorch.mjs include | sed 's/\(^\| \)/ -I/g')"
defines="-DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS $(node scripts/libtorch.mjs defines | sed 's/\(^\| \)/ -D/g')"
libs=$(node scripts/libtorch.mjs libs)
sources="native/src/addon.cpp native/src/registry.cpp native/src/args.cpp native/src/core.cpp native/src/autocast.cpp native/src/cpu_cache.cpp native/src/permute_rows.cpp native/generated/ops.cpp"
mkdir -p build/Release build/gpu-obj
built=
for std in c++17 c++20; do
  echo "compiling with -std=$std"
  if printf '%s\n' $sources | xargs -P "$(nproc)" -I{} sh -c \
      "g++ -std=$std -O2 -fPIC -fexceptions -frtti -Wno-deprecated-declarations -Wno-unused-parameter $defines $includes -c {} -o build/gpu-obj/\$(basename {} .cpp).o" \
      > "$OUT/build-$std.log" 2>&1; then
    built=$std
    break
  fi
  tail -n 30 "$OUT/build-$std.log"
done
[ -n "$built" ] || die "the addon does not compile against torch $torch_version (logs in $OUT/build-*.log)"
g++ -shared -o build/Release/smit_native.node build/gpu-obj/*.o $libs >> "$OUT/build-$built.log" 2>&1 || { tail -n 30 "$OUT/build-$built.log"; die "link failed"; }
stage "built with -std=$built"

stage "engine tests (CPU against torch $torch_version) and CUDA tests"
SMIT_NO_PROGRESS=1 SMIT_REQUIRE_CUDA=$require_cuda node --test --test-reporter=tap dist/test/engine/*.test.js > "$OUT/tests.tap" 2>&1
tests_rc=$?
grep -E '^# (tests|pass|fail|skipped)' "$OUT/tests.tap"
grep -E '^not ok' "$OUT/tests.tap" | head -20
[ $tests_rc -eq 0 ] || echo "gpu-check: tests failed (see $OUT/tests.tap); benchmarking anyway"

stage "benchmarks on $DEVICE, ours vs the PyTorch twin"
: > "$OUT/bench.jsonl"
for precision in fp32 bf16; do
  SMIT_BENCH_PYTHON=$PYTHON node dist/bench/main.js networks ${SMIT_GPU_CHECK_WORKLOADS:-student_teacher_forward_backward segmenter_forward_backward} --rounds 1 \
    --env SMIT_BENCH_DEVICE=$DEVICE --env SMIT_BENCH_PRECISION=$precision 2> "$OUT/bench-$precision.log" \
    | sed "s/^{/{\"device\":\"$DEVICE\",\"precision\":\"$precision\",/" | tee -a "$OUT/bench.jsonl"
  tail -n 5 "$OUT/bench-$precision.log"
done
stage "done"
exit $tests_rc
