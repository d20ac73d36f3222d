#!/usr/bin/env bash
# scripts/fuzz.sh — coverage-guided fuzzing of every parser with clang's libFuzzer, under
# AddressSanitizer and UBSan (the fuzz_target rules of tests/fuzz/fuzz.bzl).
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   scripts/fuzz.sh 600 coco_fuzz   # one target for 10 minutes
#
# Each target starts from its committed seed corpus (read only) and grows a working corpus in
# fuzz_work/<target>/; a crash leaves its input in fuzz_work/<target>/crash-*, a non-zero exit
# and the sanitizer's report. A finding worth keeping goes into the seed corpus, where the test
# suite's replay runs it on every build. Clang builds use an output base of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
only=${2:-}
scripts/setup.sh
need=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "fuzz.sh: installing ${need[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# The rooms by name, not //...: under another output base the checkout's bazel-* links are
# plain folders to Bazel.
rooms="//bbox/... + //optim/... + //losses/... + //backbones/... + //dimp/... + //data/... + //training/... + //tools/... + //tests/..."
bz=(bazel --output_base="$HOME/.cache/dimp-cpp/bazel-fuzz-$(pwd | md5sum | cut -c1-8)")  # one per checkout
export CC=clang CXX=clang++
targets=$("${bz[@]}" query "attr(tags, manual, kind(cc_binary, $rooms))" 2>/dev/null | grep '_fuzz$')
[ -n "$only" ] && targets=$(echo "$targets" | grep ":$only\$")
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz target matches '$only'" >&2; exit 2; }
"${bz[@]}" build --config=fuzz --repo_env=CC=clang --repo_env=CXX=clang++ --symlink_prefix=/ $targets
bin=$("${bz[@]}" info --config=fuzz bazel-bin 2>/dev/null)

status=0
for t in $targets; do
  pkg=${t%%:*}; pkg=${pkg#//}; name=${t##*:}
  seeds=$(dirname "$("${bz[@]}" query "labels(srcs, $t""_corpus)" 2>/dev/null | head -n1 | sed 's|^//||; s|:|/|')")
  work=fuzz_work/$name
  mkdir -p "$work"
  echo "== $t: ${seconds}s from $seeds"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin/$pkg/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" "$seeds" 2>"$work/log.txt"; then
    echo "   FAILED: see $work/log.txt and $work/crash-*"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added|cov:" "$work/log.txt" | tail -n 3 | sed 's/^/   /'
done
exit $status
