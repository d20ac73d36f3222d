#!/usr/bin/env bash
# scripts/setup.sh — install exactly the Debian 12 packages dimp-cpp needs (idempotent).
#
# Installs only what is missing (one apt-get update + install), then checks that LibTorch's
# BLAS resolves to OpenBLAS: Debian's LibTorch links the generic libblas.so.3, which is the
# ~28x slower reference BLAS unless an optimised one is installed and selected.
set -euo pipefail

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
  echo "setup.sh: all ${#PACKAGES[@]} packages present"
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
