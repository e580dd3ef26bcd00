#!/bin/bash
# The device check rehearsed without a GPU: bench/cuda/prepare_device.sh
# with DLC_DEVICE_TARGET=cuda-host (the "CUDA" libraries are --target
# cuda-host builds), then bench/cuda/device_check.sh --quick on them. The
# script that only a lent GPU machine runs for real is run here end to end:
# every step that needs no GPU must pass, the CUDA-only ones skip.
#
#   device-check-rehearsal.sh SOURCE_DIR BUILD_DIR OUT_DIR
set -u
SRC=$1 BUILD=$2 OUT=$3
export DLC_DEVICE_DIR=$OUT DLC_DEVICE_TARGET=cuda-host
bash "$SRC/bench/cuda/prepare_device.sh" "$BUILD" >"$OUT.prepare.log" 2>&1 ||
  { cat "$OUT.prepare.log"; echo "FAIL: prepare_device.sh"; exit 1; }
LOG=$OUT.check.log
DLC_CHECK_BUDGET=400 OUT= bash "$SRC/bench/cuda/device_check.sh" --quick >"$LOG" 2>&1
rc=$?
sed -n '/^== summary/,$p' "$LOG"
status=0
[ $rc -eq 0 ] || { echo "FAIL: device_check.sh exited $rc"; status=1; }
expect() {
  grep -q -- "$1" "$LOG" || { echo "FAIL: no line '$1' in the summary"; status=1; }
}
expect "^rehearsal: "
for net in or cnn_dropout cnn_no_dropout cnn_l2 conv_same conv_stride2 dense max_pool; do
  expect "^PASS  compare $net "
  expect "^PASS  graph $net "
done
expect "^PASS  train OR (CUDA) "
expect "^PASS  OR predictions (CUDA) "
expect "^PASS  OR checkpoint: CUDA -> CPU library "
expect "^PASS  OR trained: CUDA = CPU "
expect "^SKIP  or: CUDA graphs  *cuda-host rehearsal"
expect "^PASS  CIFAR CNN: graph replay = train_step "
expect "^SKIP  other settings "
if [ -d "$OUT/data/fashion-mnist" ]; then
  expect "^PASS  fashion_mlp: CUDA accuracy = CPU "
  expect "^PASS  fashion_mlp: graphs on = graphs off "
fi
[ $status -eq 0 ] && echo "PASS: the device check's steps pass on the host"
exit $status
