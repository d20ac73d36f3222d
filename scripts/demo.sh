#!/usr/bin/env bash
# scripts/demo.sh — set up, build, and run the main job (the README's first command):
# generate the synthetic demo sequence, track it with the default tracker (deep), print
# success AUC and FPS, and write the annotated video, boxes and success plot to demo_output/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build //tools:dimp_demo //tools:dimp_track //tools:dimp_eval
bazel-bin/tools/dimp_demo --out demo_output "$@"
