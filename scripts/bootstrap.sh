#!/usr/bin/env bash
# Installs every Debian package dlc needs to build and test. Idempotent.
# Usage: scripts/bootstrap.sh [--bench]   (--bench adds the benchmark peer: python3-torch
# with OpenBLAS, without which Debian's torch falls back to the reference BLAS)
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools clang-19 lld-19
  libgtest-dev python3
  libprotobuf-dev protobuf-compiler libpng-dev chromium
  zlib1g-dev libjpeg62-turbo-dev dataset-fashion-mnist
)
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(python3-torch python3-numpy libopenblas0-pthread)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "dlc bootstrap: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) != 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "dlc bootstrap: all packages present"
fi
