#!/usr/bin/env bash
# dlc benchmark: `dlc compile` times and 2000 OR training steps against
# PyTorch eager and a hand-written C++ loop. See bench/README.md.
#
#   bench/run.sh [BUILD_DIR] [--quick] [--keep]
#
# BUILD_DIR (default $DLC_BUILD_DIR, else <repo>/build) must hold a built
# bin/dlc. Installs the peer (python3-torch) through scripts/bootstrap.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

build="${DLC_BUILD_DIR:-$root/build}"
if [[ $# -gt 0 && "$1" != --* ]]; then
  build="$1"
  shift
fi

"$root/scripts/bootstrap.sh" --bench

# Debian's python3-torch is importable from Debian's interpreter, which a
# pyenv or venv python3 earlier on PATH hides: prefer /usr/bin/python3.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  python=python3
  [[ -x /usr/bin/python3 ]] && python=/usr/bin/python3
fi
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "bench: $python cannot import torch (python3-torch); set PYTHON=..." >&2
  exit 2
fi

exec "$python" "$here/bench.py" --build-dir "$build" "$@"
