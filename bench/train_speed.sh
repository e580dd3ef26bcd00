#!/usr/bin/env bash
# dlc "fast CPU training" benchmark: dlc and PyTorch eager side by side in one
# run, each figure printed as a ratio next to its bar. See bench/README.md.
#
#   bench/train_speed.sh [--quick] [--accuracy] [--threads 1,2] [--processes N]
#                        [--kernel-runs N]
#                        [--keep] [--build-dir DIR]
#
# DLC_BUILD (default <repo>/build) must hold bin/dlc and bin/dlc-kernel-bench.
# --quick: one process and a couple of steps per figure (a smoke test, ~1-2
# min); --accuracy adds the Fashion-MNIST CNN's one-epoch test accuracy
# (minutes). The default run should take ~4-6 minutes on 2 idle cores.
# Exit status: 0 every bar met, 1 a bar missed, 2 an error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
export DLC_BUILD="${DLC_BUILD:-${DLC_BUILD_DIR:-$root/build}}"

# Debian's python3-torch is importable from Debian's interpreter only (a
# pyenv or venv python3 earlier on PATH does not see it): /usr/bin/python3.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  python=python3
  [[ -x /usr/bin/python3 ]] && python=/usr/bin/python3
fi
if ! "$python" -c 'import torch' 2>/dev/null; then
  "$root/scripts/bootstrap.sh" --bench
  if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "train_speed: $python cannot import torch (python3-torch); set PYTHON=..." >&2
    exit 2
  fi
fi

# Debian's python3-torch links libblas.so.3, which is the reference BLAS
# (~10x slower GEMMs) unless an OpenBLAS package provides it: the peer's best
# configuration needs OpenBLAS (PERF-NOTES measured it with Debian's 0.3.21).
if ! dpkg-query -W -f='${Status}\n' 'libopenblas0-*' 2>/dev/null |
    grep -q "install ok installed"; then
  if [[ $(id -u) == 0 && -z "${TRAIN_SPEED_NO_INSTALL:-}" ]] && command -v apt-get >/dev/null; then
    echo "train_speed: installing libopenblas0-pthread (the peer's BLAS)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libopenblas0-pthread >&2 ||
      echo "train_speed: could not install libopenblas0-pthread" >&2
  else
    echo "train_speed: no OpenBLAS package: the peer will use the reference BLAS" >&2
  fi
fi

exec "$python" "$here/train_speed.py" "$@"
