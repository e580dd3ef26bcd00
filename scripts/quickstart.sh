#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, then compile the
# tutorial's OR network, train it and print its predictions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
export PATH="$PWD/build/bin:$PATH"
mkdir -p build/quickstart
cd build/quickstart
dlc compile ../../examples/or.mlir -o or.so
dlc train or.so --data ../../examples/or.csv --epochs 2000 --batch-size 4 \
  --checkpoint or_gate.ckpt --print-every 500
echo
dlc predict or.so --checkpoint or_gate.ckpt \
  --input 0,0 --input 0,1 --input 1,0 --input 1,1
