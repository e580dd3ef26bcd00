#!/bin/bash
# bench/cuda/device_check.sh: the CUDA backend's checks on a GPU machine,
# from what bench/cuda/prepare_device.sh put in .device/ (carry it). Prints a
# summary; exit status 0 when nothing failed (skips are not failures).
#
#   bench/cuda/device_check.sh [--quick]
#
# Every command runs under a time limit, and the whole check stops starting
# commands after DLC_CHECK_BUDGET seconds (default 540): a hang costs one
# step, not the summary. A command that runs out fails with "timed out".
#
# 1. dlc-cuda-tests: the launch runtime (sticky errors, no libcuda link),
#    each dlc_cu_* against the CPU kernels to 1e-4, the runtime's device path
#    (the runtime tests' models as CUDA models train bit-identically,
#    checkpoints move between CPU and CUDA).
# 2. Every network in .device/models (the per-op networks of
#    bench/cuda/nets, the tutorial's CNNs with and without dropout and
#    with L2 -- the masks are the same function of seed, step and element
#    on both targets -- the OR gate and the Fashion-MNIST MLP and CNN):
#    forward, gradient and first train_step, CUDA vs CPU, to 1e-4;
#    then 20 steps of M_train_step_graph replayed as a CUDA graph against
#    M_train_step.
# 3. Training with dlc-train (`dlc train`, `dlc predict` and `dlc evaluate`
#    without the compiler): the OR gate (2000 epochs; the predictions must separate 0
#    from 1, be the same from the CUDA checkpoint in the CPU library, and
#    match the CPU library trained the same way to 1e-3) and a Fashion-MNIST
#    slice (MLP and CNN, 1 epoch; test accuracy within 0.02 of the CPU
#    library's on the same slice and seed; `dlc evaluate` of the CUDA
#    checkpoint gives the run's last val_acc, and the CPU library the same
#    to 0.002).
#    Fashion-MLP is trained twice, with CUDA graphs (the default) and with
#    DLC_CUDA_GRAPHS=0: the console lines must be the same. With graphs,
#    the trainer's "CUDA graphs:" line (--verbose) must show replayed steps.
# 4. The CIFAR CNN (cnn_dropout.mlir) at batch 96: M_train_step_graph
#    replayed as a CUDA graph against M_train_step (same losses and
#    parameters), then images/s of dlc's CUDA library with and without the
#    graph, its CPU library, and PyTorch eager on the same GPU; the bar is
#    dlc (graph) >= 1.5x PyTorch.
# 5. The CPU kernels' AVX-512 build (dlc-kernel-tests-avx512), when this
#    machine's CPU has AVX-512 (the build machines may not).
# 6. Information, not a bar: the CIFAR step's device time per kernel and
#    per cuDNN/cuBLAS call (DLC_CUDA_PROFILE=1), and cuDNN's algorithms.
# 7. Information for a default, not a bar: cuDNN's fused convolution + bias
#    + ReLU (DLC_CUDA_FUSED_CONV=1) and cuBLASLt's bias (+ ReLU) epilogue
#    for dense layers (DLC_CUDA_FUSED_GEMM=1), each against the default
#    (cuDNN / cuBLAS, then dlc's bias/ReLU kernel): the convolution or GEMM
#    tests and the networks against the CPU with it (WARN if they differ),
#    then the CIFAR step's images/s with it and without.
# 8. Information, not a bar: the CIFAR step with cuDNN's fastest
#    algorithms, deterministic or not (DLC_CUDA_NONDETERMINISTIC=1), and
#    with TF32 on both sides (DLC_CUDA_TF32=1, torch_cifar_cuda.py --tf32 1).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=${DLC_DEVICE_DIR:-$ROOT/.device}
# A rehearsal (prepare_device.sh with DLC_DEVICE_TARGET=cuda-host): the
# "CUDA" libraries run the CUDA lowering on the host; there are no CUDA
# graphs to see.
REHEARSAL=0
[ "$(cat "$D/TARGET" 2>/dev/null)" = cuda-host ] && REHEARSAL=1
QUICK=0; [ "${1:-}" = --quick ] && QUICK=1
[ -d "$D/bin" ] || { echo "no $D: run bench/cuda/prepare_device.sh first"; exit 1; }
export LD_LIBRARY_PATH="$D/lib:/usr/local/cuda/lib64:/usr/local/cuda/lib:/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# cuDNN and cuBLAS: the toolkit's when it has them, else the ones a Python
# package ships (PyTorch's nvidia-cudnn-cu13 and nvidia-cublas wheels), so
# that the binaries and model libraries (NEEDED libcudnn.so.9,
# libcublas.so.13, libcublasLt.so.13) load. cuDNN opens its sub-libraries
# from the same directory.
LIBS_FOUND=""
for lib in libcudnn.so.9 libcublas.so.13 libcublasLt.so.13; do
  dir=""
  for d in ${LD_LIBRARY_PATH//:/ }; do
    [ -e "$d/$lib" ] && { dir=$d; break; }
  done
  [ -z "$dir" ] && dir=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}' | xargs -r dirname)
  if [ -z "$dir" ]; then
    hit=$(find /usr/local /opt /usr/lib /root -name "$lib" 2>/dev/null | head -1)
    [ -n "$hit" ] && { dir=$(dirname "$hit"); export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$dir"; }
  fi
  LIBS_FOUND="$LIBS_FOUND $lib:${dir:-MISSING}"
done
export DLC_TEST_CUDA_MODEL=$D/lib/dlc_test_cuda_model.so
export DLC_TEST_LINEAR_MODEL=$D/lib/dlc_test_linear_model.so
LOG=$(mktemp -d)
START=$(date +%s)
BUDGET=${DLC_CHECK_BUDGET:-540}

# t SECONDS COMMAND...: runs COMMAND for at most SECONDS, and never past the
# budget; exit status 124 (and a "timed out" line on stderr) when it ran out.
t() {
  local limit=$1 left
  shift
  left=$((BUDGET - ($(date +%s) - START)))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 5 ]; then
    echo "timed out: the check's budget of ${BUDGET}s is spent: $*" >&2
    return 124
  fi
  timeout -k 5 "$limit" "$@"
  local rc=$?
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && { echo "timed out after ${limit}s: $*" >&2; rc=124; }
  return $rc
}
SUMMARY=()
FAILED=0
record() { # status what detail
  SUMMARY+=("$(printf '%-5s %-44s %s' "$1" "$2" "$3")")
  [ "$1" = FAIL ] && FAILED=1
  return 0 # `cond && record PASS ... || record FAIL ...` records one line
}

# run_gtest NAME LINES BINARY: runs a gtest binary into $LOG/NAME.txt, prints
# its last LINES lines; sets rc, passed and skipped.
run_gtest() {
  t 240 "$3" --gtest_brief=1 >"$LOG/$1.txt" 2>&1
  rc=$?
  tail -n "$2" "$LOG/$1.txt"
  passed=$(grep -o 'PASSED  \] [0-9]*' "$LOG/$1.txt" | grep -o '[0-9]*$')
  skipped=$(grep -o 'SKIPPED \] [0-9]* test' "$LOG/$1.txt" | grep -o '[0-9]*' | head -1)
}

# check_graphs NAME LOG: the trainer's "CUDA graphs: ..." line (--verbose)
# must show replayed steps, not graphs off or a failed capture.
check_graphs() {
  local line
  if [ $REHEARSAL = 1 ]; then
    record SKIP "$1: CUDA graphs" "cuda-host rehearsal"
    return
  fi
  line=$(grep -m1 '^CUDA graphs:' "$2")
  case $line in
    *"off"*|*"failed capture"*|"") record FAIL "$1: CUDA graphs" "${line:-no CUDA graphs line}" ;;
    *" 0 replayed"*) record FAIL "$1: CUDA graphs" "$line" ;;
    *) record PASS "$1: CUDA graphs" "${line#CUDA graphs: }" ;;
  esac
}

echo "== device"
[ $REHEARSAL = 1 ] && echo "rehearsal: the .cuda.so libraries are --target=cuda-host builds"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2
echo "libraries:$LIBS_FOUND"
case $LIBS_FOUND in
  *MISSING*) record FAIL "CUDA libraries" "not found:$(echo "$LIBS_FOUND" | tr ' ' '\n' | grep MISSING | tr '\n' ' ')" ;;
esac

echo "== 1. dlc-cuda-tests"
run_gtest tests 25 "$D/bin/dlc-cuda-tests"
if [ $rc -eq 0 ]; then
  record PASS "dlc-cuda-tests" "${passed:-?} passed, ${skipped:-0} skipped"
  [ "${skipped:-0}" != 0 ] && record WARN "dlc-cuda-tests skipped tests" "no device seen by the tests?"
else
  record FAIL "dlc-cuda-tests" "exit $rc (see above)"
fi

echo "== 2. per-op networks, CUDA vs CPU"
shopt -s nullglob
checked=0
for cuda in "$D"/models/*.cuda.so; do
  name=$(basename "$cuda" .cuda.so)
  cpu=$D/models/$name.cpu.so
  [ -f "$cpu" ] || continue
  checked=1
  t 60 "$D/bin/dlc-cuda-compare" check "$cpu" "$cuda" --batch 8 >"$LOG/$name.txt" 2>&1
  rc=$?
  cat "$LOG/$name.txt"
  case $rc in
    0) record PASS "compare $name" "forward, gradients, train_step within 1e-4" ;;
    77) record SKIP "compare $name" "$(head -1 "$LOG/$name.txt")" ;;
    *) record FAIL "compare $name" "$(grep -m1 -E 'MISMATCH|error|timed out' "$LOG/$name.txt")" ;;
  esac
  # The same network's training step replayed as a CUDA graph.
  [ $rc -eq 0 ] || continue
  t 60 "$D/bin/dlc-cuda-compare" graph "$cuda" --batch 8 --steps 20 >"$LOG/$name.graph.txt" 2>&1
  rc=$?
  grep -E '^(GRAPH|MISMATCH|FAIL)' "$LOG/$name.graph.txt"
  case $rc in
    0) record PASS "graph $name" "20 replays = train_step within 1e-4" ;;
    *) record FAIL "graph $name" "$(grep -m1 -E 'MISMATCH|FAIL|error|timed out' "$LOG/$name.graph.txt")" ;;
  esac
done
[ $checked = 0 ] && record SKIP "per-op networks" "no model libraries in .device/models (see PREPARE.txt)"

echo "== 3. training"
OR_INPUTS=(--input 0,0 --input 0,1 --input 1,0 --input 1,1)
# or_predictions LIB CHECKPOINT OUT: the OR table's four predictions.
or_predictions() {
  (cd "$LOG" && t 30 "$D/bin/dlc-train" predict "$1" --checkpoint "$2" "${OR_INPUTS[@]}") >"$3" 2>&1
}
# compare_predictions A B TOLERANCE: max |a - b| over the "-> [v]" lines;
# exit 0 when within TOLERANCE and both have four.
compare_predictions() {
  python3 - "$1" "$2" "$3" <<'PY'
import re, sys
def preds(path):
    return [float(v) for v in re.findall(r"-> \[([-0-9.eE+naif]+)\]", open(path).read())]
a, b, tol = preds(sys.argv[1]), preds(sys.argv[2]), float(sys.argv[3])
if len(a) != 4 or len(b) != 4:
    print(f"predictions missing ({len(a)} and {len(b)})"); sys.exit(1)
d = max(abs(x - y) for x, y in zip(a, b))
print(f"max difference {d:.2e} (tolerance {tol:g}): {a} vs {b}")
sys.exit(0 if d <= tol else 1)
PY
}
if [ -f "$D/models/or.cuda.so" ]; then
  (cd "$LOG" && t 90 "$D/bin/dlc-train" "$D/models/or.cuda.so" --data "$D/data/or.csv" \
     --epochs 2000 --batch-size 4 --quiet --verbose --checkpoint or.ckpt) >"$LOG/or.txt" 2>&1
  rc=$?
  tail -n 5 "$LOG/or.txt"
  loss=$(grep -o 'loss: [0-9.]*' "$LOG/or.txt" | tail -1)
  [ $rc -eq 0 ] && record PASS "train OR (CUDA)" "$loss" || record FAIL "train OR (CUDA)" "exit $rc: $(tail -1 "$LOG/or.txt")"
  if [ $rc -eq 0 ]; then
    check_graphs or "$LOG/or.txt"
    # The predictions separate 0 from 1 ...
    or_predictions "$D/models/or.cuda.so" or.ckpt "$LOG/or.pred.cuda.txt"
    cat "$LOG/or.pred.cuda.txt"
    if python3 - "$LOG/or.pred.cuda.txt" <<'PY'
import re, sys
p = [float(v) for v in re.findall(r"-> \[([-0-9.eE+naif]+)\]", open(sys.argv[1]).read())]
sys.exit(0 if len(p) == 4 and p[0] < 0.5 and min(p[1:]) > 0.5 else 1)
PY
    then
      record PASS "OR predictions (CUDA)" "$(grep -o '\[[-0-9.e]*\]$' "$LOG/or.pred.cuda.txt" | tr '\n' ' ')"
    else
      record FAIL "OR predictions (CUDA)" "$(tr '\n' ' ' <"$LOG/or.pred.cuda.txt" | head -c 120)"
    fi
    # ... the CUDA checkpoint gives the same ones in the CPU library ...
    if [ -f "$D/models/or.cpu.so" ]; then
      or_predictions "$D/models/or.cpu.so" or.ckpt "$LOG/or.pred.cross.txt"
      if out=$(compare_predictions "$LOG/or.pred.cuda.txt" "$LOG/or.pred.cross.txt" 1e-5); then
        record PASS "OR checkpoint: CUDA -> CPU library" "$out"
      else
        record FAIL "OR checkpoint: CUDA -> CPU library" "$out"
      fi
      # ... and the CPU library trained the same way predicts the same.
      (cd "$LOG" && t 60 "$D/bin/dlc-train" "$D/models/or.cpu.so" --data "$D/data/or.csv" \
         --epochs 2000 --batch-size 4 --quiet --checkpoint or_cpu.ckpt) >"$LOG/or.cpu.txt" 2>&1
      or_predictions "$D/models/or.cpu.so" or_cpu.ckpt "$LOG/or.pred.cpu.txt"
      if out=$(compare_predictions "$LOG/or.pred.cuda.txt" "$LOG/or.pred.cpu.txt" 1e-3); then
        record PASS "OR trained: CUDA = CPU" "$out"
      else
        record FAIL "OR trained: CUDA = CPU" "$out"
      fi
    fi
  fi
else
  record SKIP "train OR (CUDA)" "no or.cuda.so"
fi
if [ -d "$D/data/fashion-mnist" ]; then
  for net in fashion_mlp fashion_cnn; do
    [ -f "$D/models/$net.cuda.so" ] || { record SKIP "train $net slice" "no $net.cuda.so"; continue; }
    [ $QUICK = 1 ] && [ $net = fashion_cnn ] && continue
    start=$(date +%s.%N)
    (cd "$LOG" && t 120 "$D/bin/dlc-train" "$D/models/$net.cuda.so" \
       --data "fashion-mnist:$D/data/fashion-mnist" --validation test --epochs 1 \
       --batch-size 96 --quiet --verbose) >"$LOG/$net.txt" 2>&1
    rc=$?
    [ $rc -eq 0 ] && check_graphs "$net" "$LOG/$net.txt"
    secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null)
    tail -n 3 "$LOG/$net.txt"
    acc=$(grep -o 'val_acc: [0-9.]*' "$LOG/$net.txt" | tail -1)
    [ $rc -eq 0 ] && record PASS "train $net slice (CUDA, 1 epoch)" "$acc, ${secs}s" \
                  || record FAIL "train $net slice (CUDA)" "exit $rc: $(tail -1 "$LOG/$net.txt")"
    grep -q 'cannot be captured in a CUDA graph' "$LOG/$net.txt" &&
      record FAIL "$net: CUDA graph capture" "$(grep -m1 'cannot be captured' "$LOG/$net.txt")"
    # The CPU library on the same slice, same seed (dropout masks are the
    # same function of seed, step and element on both targets).
    if [ $rc -eq 0 ] && [ -f "$D/models/$net.cpu.so" ]; then
      (cd "$LOG" && t 120 "$D/bin/dlc-train" "$D/models/$net.cpu.so" \
         --data "fashion-mnist:$D/data/fashion-mnist" --validation test --epochs 1 \
         --batch-size 96 --quiet --checkpoint "$net.cpu.ckpt") >"$LOG/$net.cpu.txt" 2>&1
      cpuacc=$(grep -o 'val_acc: [0-9.]*' "$LOG/$net.cpu.txt" | tail -1)
      tail -n 1 "$LOG/$net.cpu.txt"
      if [ -n "$acc" ] && [ -n "$cpuacc" ] &&
         python3 -c "import sys; sys.exit(0 if abs(${acc#val_acc: } - ${cpuacc#val_acc: }) <= 0.02 else 1)"; then
        record PASS "$net: CUDA accuracy = CPU (0.02)" "CUDA $acc, CPU $cpuacc"
      else
        record FAIL "$net: CUDA accuracy = CPU (0.02)" "CUDA ${acc:-none}, CPU ${cpuacc:-none: $(tail -1 "$LOG/$net.cpu.txt" | head -c 80)}"
      fi
    fi
    # dlc evaluate of the CUDA run's checkpoint: the CUDA library gives the
    # run's last val_acc exactly; the CPU library the same to 0.002.
    if [ $rc -eq 0 ]; then
      ckpt=$(grep -o 'Checkpoint saved: .*' "$LOG/$net.txt" | tail -1)
      ckpt=${ckpt#Checkpoint saved: }
      for lib in cuda cpu; do
        [ -f "$D/models/$net.$lib.so" ] || continue
        (cd "$LOG" && t 60 "$D/bin/dlc-train" evaluate "$D/models/$net.$lib.so" \
           --checkpoint "$ckpt" --data "fashion-mnist:$D/data/fashion-mnist") \
          >"$LOG/$net.eval.$lib.txt" 2>&1
      done
      evcuda=$(grep -o ' acc: [0-9.]*' "$LOG/$net.eval.cuda.txt" 2>/dev/null | tail -1)
      evcpu=$(grep -o ' acc: [0-9.]*' "$LOG/$net.eval.cpu.txt" 2>/dev/null | tail -1)
      evcuda=${evcuda# acc: }; evcpu=${evcpu# acc: }
      if [ -n "$evcuda" ] && [ "$evcuda" = "${acc#val_acc: }" ] &&
         { [ -z "$evcpu" ] || python3 -c "import sys; sys.exit(0 if abs($evcuda - $evcpu) <= 0.002 else 1)"; }; then
        record PASS "$net: dlc evaluate of the CUDA checkpoint" "CUDA $evcuda (training's $acc), CPU library ${evcpu:-n/a}"
      else
        record FAIL "$net: dlc evaluate of the CUDA checkpoint" "CUDA ${evcuda:-none: $(tail -1 "$LOG/$net.eval.cuda.txt" | head -c 80)}, training's $acc, CPU ${evcpu:-none}"
      fi
    fi
    if [ $net = fashion_mlp ] && [ $rc -eq 0 ]; then
      start=$(date +%s.%N)
      (cd "$LOG" && DLC_CUDA_GRAPHS=0 t 120 "$D/bin/dlc-train" "$D/models/$net.cuda.so" \
         --data "fashion-mnist:$D/data/fashion-mnist" --validation test --epochs 1 \
         --batch-size 96 --quiet) >"$LOG/$net.nograph.txt" 2>&1
      secs0=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null)
      strip_time() { grep -E 'loss|acc' "$1" | sed -E 's/time: [0-9.]+s//g'; }
      if cmp -s <(strip_time "$LOG/$net.txt") <(strip_time "$LOG/$net.nograph.txt"); then
        record PASS "$net: graphs on = graphs off" "same console lines; ${secs}s vs ${secs0}s"
      else
        diff <(strip_time "$LOG/$net.txt") <(strip_time "$LOG/$net.nograph.txt") | head -6
        record FAIL "$net: graphs on != graphs off" "console lines differ (see above)"
      fi
    fi
  done
else
  record SKIP "train Fashion-MNIST slice" "no data slice in .device/data"
fi

echo "== 4. CIFAR CNN, batch 96, train_step images/s"
STEPS=200; [ $QUICK = 1 ] && STEPS=50
if [ -f "$D/models/cnn_dropout.cuda.so" ]; then
  t 120 "$D/bin/dlc-cuda-compare" graph "$D/models/cnn_dropout.cuda.so" --batch 96 --steps $STEPS 2>&1 | tee "$LOG/graph.txt"
  rc=${PIPESTATUS[0]}
  if [ $rc -eq 0 ]; then
    record PASS "CIFAR CNN: graph replay = train_step" "$(grep -m1 '^GRAPH' "$LOG/graph.txt" | cut -d: -f2-)"
  elif [ $rc -eq 77 ]; then
    record SKIP "CIFAR CNN: graph replay vs train_step" "$(head -c 120 "$LOG/graph.txt")"
  else
    record FAIL "CIFAR CNN: graph replay vs train_step" "$(grep -m1 -E 'FAIL|MISMATCH|error|timed out' "$LOG/graph.txt")"
  fi
  queued=$(grep -o '[0-9.]* images/s with the replays queued' "$LOG/graph.txt" | grep -o '^[0-9.]*')
  [ -n "$queued" ] && record INFO "CIFAR CNN: replays queued back to back" "$queued images/s (timing only: no wait for each step's loss)"
  t 90 "$D/bin/dlc-cuda-compare" bench "$D/models/cnn_dropout.cuda.so" --batch 96 --steps $STEPS 2>&1 | tee "$LOG/bench.txt"
  dlc=$(grep -o '[0-9.]* images/s with a CUDA graph' "$LOG/graph.txt" | grep -o '^[0-9.]* images/s')
  plain=$(grep -o '[0-9.]* images/s' "$LOG/bench.txt" | head -1)
  [ -z "$dlc" ] && dlc=$plain
  t 60 "$D/bin/dlc-cuda-compare" bench "$D/models/cnn_dropout.cpu.so" --batch 96 --steps 5 2>&1 | tee "$LOG/bench_cpu.txt"
  cpu=$(grep -o '[0-9.]* images/s' "$LOG/bench_cpu.txt" | head -1)
  t 150 python3 "$ROOT/bench/cuda/torch_cifar_cuda.py" --batch 96 --steps $STEPS 2>&1 | tail -2 | tee "$LOG/torch.txt"
  torch=$(grep -o '[0-9.]* images/s' "$LOG/torch.txt" | head -1)
  if [ -n "$dlc" ]; then
    detail="dlc cuda ${dlc} (graph), ${plain:-?} (without); dlc cpu ${cpu:-?}; torch cuda ${torch:-n/a ($(head -c 80 "$LOG/torch.txt"))}"
    if [ -n "$torch" ]; then
      ratio=$(python3 -c "print(f'{${dlc% images/s}/${torch% images/s}:.2f}')")
      detail="$detail; dlc/torch ${ratio}x"
      if python3 -c "import sys; sys.exit(0 if ${ratio} >= 1.5 else 1)"; then
        record PASS "CIFAR CNN batch 96 >= 1.5x PyTorch" "$detail"
      else
        record FAIL "CIFAR CNN batch 96 >= 1.5x PyTorch" "$detail"
      fi
    else
      record INFO "CIFAR CNN batch 96 throughput" "$detail"
    fi
  else
    record FAIL "CIFAR CNN batch 96 throughput" "$(tail -1 "$LOG/bench.txt")"
  fi
else
  record SKIP "CIFAR CNN throughput" "no cnn_dropout.cuda.so"
fi

echo
echo "== 5. CPU kernels, AVX-512 build"
if [ -x "$D/bin/dlc-kernel-tests-avx512" ]; then
  run_gtest avx512 8 "$D/bin/dlc-kernel-tests-avx512"
  if [ $rc -ne 0 ]; then
    record FAIL "kernel tests, AVX-512 build" "exit $rc (see above)"
  elif [ "${skipped:-0}" != 0 ]; then
    record SKIP "kernel tests, AVX-512 build" "this CPU has no AVX-512"
  else
    record PASS "kernel tests, AVX-512 build" "${passed:-?} passed"
  fi
else
  record SKIP "kernel tests, AVX-512 build" "not in .device/bin"
fi

echo "== 6. where the CIFAR step's device time goes (DLC_CUDA_PROFILE)"
# Information for the next round of work, not a bar: 30 plain train_steps
# (graph replays are not profiled), each kernel and dlc_cu_* call timed
# with events; cuDNN's algorithm choices (deterministic? FMA math?).
if [ -f "$D/models/cnn_dropout.cuda.so" ]; then
  DLC_CUDA_PROFILE=1 t 60 "$D/bin/dlc-cuda-compare" bench "$D/models/cnn_dropout.cuda.so" \
    --batch 96 --steps 30 >"$LOG/profile.txt" 2>&1
  rc=$?
  grep '^dlc cuDNN' "$LOG/profile.txt" | sort -u
  sed -n '/^dlc CUDA profile/,$p' "$LOG/profile.txt" | head -30
  if [ $rc -eq 0 ] && grep -q '^dlc CUDA profile' "$LOG/profile.txt"; then
    record INFO "CIFAR step profile" "$(grep -m1 '^dlc CUDA profile' "$LOG/profile.txt" | cut -d: -f2-)"
  else
    record INFO "CIFAR step profile" "none (exit $rc): $(tail -1 "$LOG/profile.txt" | head -c 100)"
  fi
  if grep -q 'NOT deterministic\|tensor-op math\|default math' "$LOG/profile.txt"; then
    record WARN "cuDNN algorithms" "a non-deterministic, tensor-op or default-math algorithm was chosen (see above)"
  fi
fi

echo "== 7. fused epilogues: DLC_CUDA_FUSED_CONV=1 (cuDNN), DLC_CUDA_FUSED_GEMM=1 (cuBLASLt)"
if grep -q 'no CUDA device' "$LOG/tests.txt" 2>/dev/null; then
  record SKIP "fused epilogues" "no CUDA device"
else
  unfused=$(grep -o '[0-9.]* images/s with a CUDA graph' "$LOG/graph.txt" 2>/dev/null | grep -o '^[0-9.]*')
  for variant in CONV:Convolutions GEMM:Sgemm; do
    var=DLC_CUDA_FUSED_${variant%%:*}
    tag=$(echo "${variant%%:*}" | tr A-Z a-z)
    export "$var=1"
    t 60 "$D/bin/dlc-cuda-tests" --gtest_brief=1 \
      --gtest_filter="CudaOps.${variant#*:}*" >"$LOG/fused_${tag}_tests.txt" 2>&1
    rc=$?
    tail -n 3 "$LOG/fused_${tag}_tests.txt"
    ok=1
    [ $rc -eq 0 ] || { ok=0; record WARN "fused $tag: dlc-cuda-tests" "exit $rc: $(grep -m1 -E 'Failure|differ|timed out' "$LOG/fused_${tag}_tests.txt" | head -c 100)"; }
    for name in cnn_no_dropout conv_same conv_valid dense momentum_logits; do
      [ -f "$D/models/$name.cuda.so" ] && [ -f "$D/models/$name.cpu.so" ] || continue
      t 30 "$D/bin/dlc-cuda-compare" check "$D/models/$name.cpu.so" \
        "$D/models/$name.cuda.so" --batch 8 >"$LOG/fused_${tag}_$name.txt" 2>&1
      rc=$?
      [ $rc -eq 0 ] || { ok=0; record WARN "fused $tag: compare $name" "exit $rc: $(grep -m1 -E 'MISMATCH|error|timed out' "$LOG/fused_${tag}_$name.txt" | head -c 100)"; }
    done
    [ -f "$D/models/cnn_dropout.cuda.so" ] || { unset "$var"; continue; }
    t 90 "$D/bin/dlc-cuda-compare" graph "$D/models/cnn_dropout.cuda.so" \
      --batch 96 --steps $STEPS >"$LOG/fused_${tag}_graph.txt" 2>&1
    rc=$?
    unset "$var"
    grep -E '^(GRAPH|MISMATCH|FAIL)' "$LOG/fused_${tag}_graph.txt"
    # Refusals in the networks' runs (the tests try odd alignments on purpose).
    refused=$(grep -h -m1 -E 'does not fuse|has no bias' "$LOG"/fused_${tag}_[!t]*.txt | head -c 120)
    [ -n "$refused" ] && record WARN "fused $tag: refused" "$refused"
    fused=$(grep -o '[0-9.]* images/s with a CUDA graph' "$LOG/fused_${tag}_graph.txt" | grep -o '^[0-9.]*')
    if [ $rc -eq 0 ] && [ -n "$fused" ] && [ -n "$unfused" ]; then
      ratio=$(python3 -c "print(f'{$fused/$unfused:.3f}')")
      record INFO "fused $tag: CIFAR images/s (graph)" "$var=1 $fused, default $unfused: ${ratio}x; same results as the CPU: $([ $ok = 1 ] && echo yes || echo NO)"
    else
      record WARN "fused $tag: CIFAR graph" "exit $rc: $(grep -m1 -E 'MISMATCH|FAIL|error|timed out' "$LOG/fused_${tag}_graph.txt" | head -c 100)"
    fi
  done
fi

echo "== 8. other settings: DLC_CUDA_NONDETERMINISTIC=1, TF32 on both sides"
# Information for choosing defaults, not a bar: the CIFAR step (graph) with
# cuDNN's fastest algorithms, deterministic or not, against step 4's; and
# dlc with DLC_CUDA_TF32=1 against PyTorch with TF32 allowed too.
if grep -q 'no CUDA device' "$LOG/tests.txt" 2>/dev/null || [ ! -f "$D/models/cnn_dropout.cuda.so" ]; then
  record SKIP "other settings" "no CUDA device or no cnn_dropout.cuda.so"
else
  base=$(grep -o '[0-9.]* images/s with a CUDA graph' "$LOG/graph.txt" 2>/dev/null | grep -o '^[0-9.]*')
  DLC_CUDA_NONDETERMINISTIC=1 t 90 "$D/bin/dlc-cuda-compare" graph "$D/models/cnn_dropout.cuda.so" \
    --batch 96 --steps $STEPS >"$LOG/nondeterministic_graph.txt" 2>&1
  rc=$?
  any=$(grep -o '[0-9.]* images/s with a CUDA graph' "$LOG/nondeterministic_graph.txt" | grep -o '^[0-9.]*')
  if [ $rc -eq 0 ] && [ -n "$any" ] && [ -n "$base" ]; then
    record INFO "nondeterministic: CIFAR images/s (graph)" "DLC_CUDA_NONDETERMINISTIC=1 $any, default $base: $(python3 -c "print(f'{$any/$base:.3f}')")x"
  else
    record WARN "nondeterministic: CIFAR graph" "exit $rc: $(grep -m1 -E 'MISMATCH|FAIL|error|timed out' "$LOG/nondeterministic_graph.txt" | head -c 100)"
  fi
  DLC_CUDA_TF32=1 t 90 "$D/bin/dlc-cuda-compare" graph "$D/models/cnn_dropout.cuda.so" \
    --batch 96 --steps $STEPS >"$LOG/tf32_graph.txt" 2>&1
  tf32=$(grep -o '[0-9.]* images/s with a CUDA graph' "$LOG/tf32_graph.txt" | grep -o '^[0-9.]*')
  t 150 python3 "$ROOT/bench/cuda/torch_cifar_cuda.py" --batch 96 --steps $STEPS --tf32 1 2>&1 | tail -2 >"$LOG/torch_tf32.txt"
  torch32=$(grep -o '[0-9.]* images/s' "$LOG/torch_tf32.txt" | head -1 | grep -o '^[0-9.]*')
  if [ -n "$tf32" ] && [ -n "$torch32" ]; then
    record INFO "TF32: CIFAR images/s" "dlc DLC_CUDA_TF32=1 $tf32 (graph), torch --tf32 1 $torch32: $(python3 -c "print(f'{$tf32/$torch32:.2f}')")x (1e-4 against the CPU does not hold with TF32: $(grep -m1 -E '^GRAPH|MISMATCH' "$LOG/tf32_graph.txt" | head -c 80))"
  else
    record WARN "TF32: CIFAR images/s" "dlc: ${tf32:-$(tail -1 "$LOG/tf32_graph.txt" | head -c 80)}; torch: ${torch32:-$(tail -1 "$LOG/torch_tf32.txt" | head -c 80)}"
  fi
fi

echo "== summary"
[ -f "$D/PREPARE.txt" ] && sed 's/^/prepare: /' "$D/PREPARE.txt"
printf '%s\n' "${SUMMARY[@]}"
# On the device tool's machine, the logs and the summary come back in $OUT.
if [ -n "${OUT:-}" ] && [ -d "$OUT" ] && [ -w "$OUT" ]; then
  printf '%s\n' "${SUMMARY[@]}" >"$OUT/device_check_summary.txt"
  tar czf "$OUT/device_check_logs.tgz" --exclude='*.ckpt*' -C "$LOG" . 2>/dev/null
fi
rm -rf "$LOG"
exit $FAILED
