#!/usr/bin/env bash
# scripts/gpu_check.sh — the GPU in one command, on a machine with a CUDA build of PyTorch,
# CMake and nvcc (no Bazel, no OpenCV needed): build the core library against that LibTorch,
# run the CUDA tests (CUDA kernels and CUDA runs against the CPU), time the heavy parts on the
# CPU and the GPU side by side (benchmarks/device_benchmark), and print one summary.
#
#   scripts/gpu_check.sh                       # python3's torch, build in build-gpu/
#   DIMP_PYTHON=/opt/py/bin/python scripts/gpu_check.sh --build /tmp/b --threads 16
#
# Without GoogleTest installed, its sources are built: DIMP_GTEST_SOURCE, else
# third_party/googletest or /usr/src/googletest when present. On a machine without CUDA the
# same steps run with the CPU column only (the CUDA tests then skip, which is reported).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
build=build-gpu
threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
py=${DIMP_PYTHON:-python3}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "gpu_check.sh: $py has no torch (set DIMP_PYTHON to a Python with PyTorch)" >&2
  exit 1
fi
prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
torch_info=$("$py" -c 'import torch; c = torch.cuda.is_available(); print(torch.__version__, "| CUDA", torch.version.cuda, "|", torch.cuda.get_device_name(0) if c else "no CUDA device")')
echo "== PyTorch $torch_info"

gtest_args=()
gtest_src=${DIMP_GTEST_SOURCE:-}
if [ -z "$gtest_src" ]; then
  for d in third_party/googletest /usr/src/googletest; do
    if [ -f "$d/CMakeLists.txt" ]; then gtest_src=$d; break; fi
  done
fi
if [ -n "$gtest_src" ]; then gtest_args=(-DDIMP_GTEST_SOURCE="$(cd "$gtest_src" && pwd)"); fi

echo "== configure ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DDIMP_BUILD_TOOLS=OFF -DDIMP_BUILD_TESTS=ON \
  -DDIMP_BUILD_BENCHMARKS=ON "${gtest_args[@]}" >"$log/configure.txt"
grep "dimp-cpp:" "$log/configure.txt" || true
tests=(bbox_prroi_pool_test tests_cuda_parity_test tests_cuda_tracker_test optim_filter_ops_test optim_optimizer_test)
echo "== build (core library, ${tests[*]}, device_benchmark)"
start=$(date +%s)
cmake --build "$build" -j"$(nproc)" --target dimp_core device_benchmark "${tests[@]}" >"$log/build.txt" 2>&1 ||
  { tail -n 40 "$log/build.txt"; echo "gpu_check.sh: the build failed" >&2; exit 1; }
build_s=$(( $(date +%s) - start ))

echo "== CUDA tests"
status=0
summary=()
cuda=$("$py" -c 'import torch; print(int(torch.cuda.is_available()))')
for t in "${tests[@]}"; do
  if "$build/$t" --gtest_brief=1 >"$log/$t.txt" 2>&1; then result=passed; else result=FAILED; status=1; fi
  skipped=$(grep -oE '^\[  SKIPPED \] [0-9]+ test' "$log/$t.txt" | grep -oE '[0-9]+' || echo 0)
  if [ "$result" = FAILED ]; then tail -n 30 "$log/$t.txt"; fi
  # On a CUDA machine a skipped CUDA test is a failure: it did not run where it should.
  if [ "$cuda" = 1 ] && [ "$skipped" -gt 0 ] && grep -q 'no CUDA device' "$log/$t.txt"; then
    result="FAILED (CUDA tests skipped on a CUDA machine)"; status=1
  fi
  summary+=("$(printf '%-28s %s, %s skipped' "$t" "$result" "$skipped")")
done

echo "== benchmarks"
bench_args=()
if [ -n "$threads" ]; then bench_args=(--threads "$threads"); fi
"$build/device_benchmark" "${bench_args[@]}" | tee "$log/bench.txt" || status=1

echo
echo "== summary"
echo "PyTorch $torch_info; core build ${build_s} s"
printf '%s\n' "${summary[@]}"
tail -n +2 "$log/bench.txt"
exit $status
