#!/usr/bin/env bash
# scripts/sanitize.sh — the test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (--config=asan, an output base of its own so the normal build keeps its objects).
#
#   scripts/sanitize.sh            # every test
#   scripts/sanitize.sh --replay   # only the fuzz targets' corpus replays (the part CI runs)
#
# LibTorch, OpenCV and Python are not instrumented; leaks inside them at exit are suppressed
# by tests/sanitizers/lsan.supp, everything of ours is checked.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
# The rooms by name, not //...: under another output base the checkout's bazel-* links are
# plain folders to Bazel.
rooms=(//bbox/... //optim/... //losses/... //backbones/... //dimp/... //data/... //training/... //tools/... //tests/... //benchmarks/...)
# One output base per checkout: two checkouts' sanitizer runs never share (and kill) a server.
bz=(bazel --output_base="$HOME/.cache/dimp-cpp/bazel-asan-$(pwd | md5sum | cut -c1-8)")
targets=("${rooms[@]}")
if [ "${1:-}" = "--replay" ]; then
  shift
  targets=($("${bz[@]}" query "tests($(IFS=+; echo "${rooms[*]}"))" 2>/dev/null | grep '_fuzz_replay$'))
fi
args=()
if [ -n "${DIMP_DATA_DIR:-}" ]; then args+=("--test_env=DIMP_DATA_DIR=$DIMP_DATA_DIR"); fi
supp="$(pwd)/tests/sanitizers/lsan.supp"
"${bz[@]}" test --config=asan --symlink_prefix=/ "${targets[@]}" "${args[@]}" \
  --test_env=ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
  --test_env=LSAN_OPTIONS=suppressions="$supp":print_suppressions=0 \
  --test_env=UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  --test_timeout=300,900,1800,3600 "$@"
rc=$?
scripts/summarize_tests.py "$("${bz[@]}" info --config=asan bazel-testlogs 2>/dev/null)" || true
exit $rc
