#!/usr/bin/env bash
# scripts/test.sh — set up, build and run every test (the README's test command), then the
# bounded parts of the heavy checks: the fuzz targets' corpus replays under AddressSanitizer
# and UBSan (scripts/sanitize.sh, scripts/fuzz.sh) and the CMake package's configure step
# (scripts/package_check.sh).
#
# The real sequences are found through DIMP_DATA_DIR (default: ../shared/data beside the
# checkout); tests that need them are skipped with a message when none are configured.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

args=()
if [ -n "${DIMP_DATA_DIR:-}" ]; then args+=("--test_env=DIMP_DATA_DIR=$DIMP_DATA_DIR"); fi

bazel test //... "${args[@]}" "$@"
rc=$?
echo "== fuzz corpus replays under AddressSanitizer and UBSan"
scripts/sanitize.sh --replay > sanitize_replay.log 2>&1
asan=$?
tail -n 1 sanitize_replay.log | sed 's/^tests:/sanitizer replays:/'
[ $asan -eq 0 ] || { echo "sanitizer replays FAILED: see sanitize_replay.log"; rc=1; }
echo "== CMake package: configure and generate"
cmake_dir=$(mktemp -d)
if cmake -S . -B "$cmake_dir" -DDIMP_BUILD_TESTS=OFF -DDIMP_BUILD_BENCHMARKS=OFF > cmake_configure.log 2>&1 &&
   test -f "$cmake_dir/dimpConfig.cmake" && test -f "$cmake_dir/dimp.pc" && test -f "$cmake_dir/CPackConfig.cmake"; then
  echo "cmake configure: ok"
else
  echo "cmake configure FAILED: see cmake_configure.log"; rc=1
fi
rm -rf "$cmake_dir"
scripts/summarize_tests.py bazel-testlogs || true
exit $rc
