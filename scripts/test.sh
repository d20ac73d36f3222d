#!/usr/bin/env bash
# scripts/test.sh — set up, build and run every test (the README's test command), then the
# fuzz targets' corpus replays under AddressSanitizer and UBSan (the bounded part of
# scripts/sanitize.sh and scripts/fuzz.sh that CI runs).
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
scripts/summarize_tests.py bazel-testlogs || true
exit $rc
