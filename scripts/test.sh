#!/usr/bin/env bash
# scripts/test.sh — set up, build and run every test (the README's test command).
#
# The real sequences are found through DIMP_DATA_DIR (default: ../shared/data beside the
# checkout); tests that need them are skipped with a message when they are absent.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

args=()
if [ -n "${DIMP_DATA_DIR:-}" ]; then args+=("--test_env=DIMP_DATA_DIR=$DIMP_DATA_DIR"); fi

bazel test //... "${args[@]}" "$@"
rc=$?
scripts/summarize_tests.py bazel-testlogs || true
exit $rc
