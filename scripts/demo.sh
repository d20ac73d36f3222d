#!/usr/bin/env bash
# scripts/demo.sh — set up, build, and run the main job (the README's first command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build //tools:dimp_info
bazel-bin/tools/dimp_info "$@"
