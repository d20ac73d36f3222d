#!/usr/bin/env bash
# scripts/package_check.sh — how another project adopts dimp-cpp, end to end (heavy: a full
# CMake build; run before stopping, CI runs only the CMake configure step):
#   1. CMake: build the library and tools, install them into a staging prefix, build
#      examples/cmake_app (its own CMakeLists.txt, find_package(dimp)) against it and run it on
#      a sequence; make the Debian package (cpack) and check its contents; check that a
#      LibTorch other than the one dimp was built with is refused by find_package(dimp).
#   2. Bazel: build and run tests/bazel_consumer, a workspace that depends on this one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh
build=${DIMP_CMAKE_BUILD:-$HOME/.cache/dimp-cpp/cmake-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage

echo "== CMake: build and install into $stage"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDIMP_BUILD_TESTS=OFF -DDIMP_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
cmake --install "$build" --prefix "$stage" >/dev/null
test -f "$stage/lib/cmake/dimp/dimpConfig.cmake" && test -f "$stage/lib/pkgconfig/dimp.pc"
test -f "$stage/include/dimp/dimp/tracker.h" && test -x "$stage/bin/dimp_track"

echo "== the example application, outside the tree, against the staging install"
cmake -S examples/cmake_app -B "$work/app" -DCMAKE_PREFIX_PATH="$stage" >/dev/null
cmake --build "$work/app" >/dev/null
seq=${DIMP_DATA_DIR:-$root/../shared/data}/otb/Crossing
if [ ! -d "$seq" ]; then
  "$stage/bin/dimp_synth" --out "$work/synth" --count 1 --frames 40 >/dev/null
  seq=$(ls -d "$work"/synth/*/ | head -n1)
fi
"$work/app/track_sequence" "$seq"
# The default tracker from the staging install alone: run outside the checkout, with no
# DIMP_MODEL_DIR, the installed tool finds the installed models; other programs name them.
(cd "$work" && env -u DIMP_MODEL_DIR "$stage/bin/dimp_track" --input "$seq" --max-frames 20 --no-display)
(cd "$work" && DIMP_MODEL_DIR="$stage/share/dimp/models" "$work/app/track_sequence" "$seq" dimp-mobilenet)

echo "== pkg-config"
PKG_CONFIG_PATH="$stage/lib/pkgconfig" pkg-config --cflags --libs dimp
inc=$(PKG_CONFIG_PATH="$stage/lib/pkgconfig" pkg-config --variable=includedir dimp)
[ "$(realpath "$inc")" = "$(realpath "$stage/include")" ]  # relocatable: it points into the staging prefix

echo "== a mismatched LibTorch is refused"
mkdir -p "$work/fake_torch"
cat > "$work/fake_torch/TorchConfig.cmake" <<'CMAKE'
add_library(torch INTERFACE IMPORTED)
add_library(torch_library INTERFACE IMPORTED)
set(TORCH_LIBRARIES torch)
CMAKE
cat > "$work/fake_torch/TorchConfigVersion.cmake" <<'CMAKE'
set(PACKAGE_VERSION 2.1.0)
set(PACKAGE_VERSION_COMPATIBLE TRUE)
CMAKE
if cmake -S examples/cmake_app -B "$work/app_mismatch" -DTorch_DIR="$work/fake_torch" -DCMAKE_PREFIX_PATH="$stage" \
    >"$work/mismatch.log" 2>&1; then
  echo "package_check: a LibTorch 2.1.0 was accepted" >&2
  exit 1
fi
# CMake wraps the message at its own width: read it as one line.
tr -s ' \n' '  ' <"$work/mismatch.log" | grep -o "was built against LibTorch [^,]*, but find_package(Torch) found LibTorch [0-9.]*"

echo "== the Debian package"
(cd "$build" && cpack >/dev/null)
deb=$(ls -t "$build"/dimp-cpp_*.deb | head -n1)
dpkg-deb -c "$deb" >"$work/deb_contents.txt"  # (grep -q on the pipe would cut dpkg-deb off)
grep -q "lib/cmake/dimp/dimpConfig.cmake" "$work/deb_contents.txt"
grep -q "share/dimp/models/dimp-cpp/dimp_mobilenet.safetensors" "$work/deb_contents.txt"
echo "$deb: $(wc -l <"$work/deb_contents.txt") entries"

echo "== Bazel: a workspace that depends on this one"
(cd tests/bazel_consumer && bazel --output_base="$HOME/.cache/dimp-cpp/bazel-consumer" run //:track_synthetic)
echo "package_check: all round trips passed"
