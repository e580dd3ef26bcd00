#!/usr/bin/env bash
# Installs what is missing, builds dlc and runs every test (lit + FileCheck,
# GoogleTest, end-to-end) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
