#!/usr/bin/env bash
# What TensorBoard event files and checkpoints cost `dlc train`.
#
#   bench/logging_overhead.sh [BUILD_DIR] [--synthetic] [--rows N]
#                             [--epochs E] [--runs R] [--verbose-levels]
#
# Trains the Fashion-MNIST MLP (examples/fashion_mnist/mlp.mlir: 784-512
# relu-dropout-10 softmax, Adam 0.001, batch 64) on the real Fashion-MNIST
# training set (60000 images, Debian's dataset-fashion-mnist) or, with
# --synthetic or when it is not installed, on a synthetic CSV shaped like it
# (N rows of 784 pixels in [0, 1], half of them 0, and a one-hot label of 10
# classes; default 60000 rows) with and without
#   --logdir DIR --run-id ID --checkpoint-dir DIR --tensorboard-verbose 0
# (events every step, a snapshot at every epoch end: `dlc train`'s logging
# as the tutorial uses it). The runs alternate (plain, logged, plain, ...)
# so that drift in the machine's load hits both alike; each time is the
# training time `dlc train --quiet` reports (the loop: steps, logging,
# snapshots; not the CSV loading). Prints the medians and their ratio.
#
# On a machine shared with other work the two medians move by more than the
# overhead itself, so the logged runs also report the time they spent in
# logging ("Event files and snapshots: X s of the Y s of training"), which
# load slows down alike: the median of X / (Y - X) is the overhead measured
# in-process, and it decides the exit status; the A/B ratio is printed
# beside it (with the runs' spread) as the check a quiet machine allows.
# --verbose-levels adds runs with --tensorboard-verbose 1, 2 and 3 (gradient,
# weight and activation histograms every step), for information.
# Exit status: 0 when the overhead is below 3%, 1 when not, 2 on error.
set -euo pipefail
cd "$(dirname "$0")/.."

build="${DLC_BUILD_DIR:-build}"
rows=60000
epochs=2
runs=5
levels=0
synthetic=0
[[ -d /usr/share/datasets/fashion-mnist ]] || synthetic=1
while (($#)); do
  case "$1" in
    --synthetic) synthetic=1; shift ;;
    --rows) rows="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --verbose-levels) levels=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "logging_overhead.sh: unknown option $1" >&2; exit 2 ;;
    *) build="$1"; shift ;;
  esac
done
dlc="$build/bin/dlc"
if [[ ! -x "$dlc" ]]; then
  echo "logging_overhead.sh: no $dlc (build dlc first, or pass BUILD_DIR)" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$dlc" compile examples/fashion_mnist/mlp.mlir -o "$tmp/mlp.so"
data=fashion-mnist
if ((synthetic)); then
data="$tmp/train.csv"
echo "generating $rows x 784 synthetic rows..." >&2
awk -v n="$rows" 'BEGIN {
  srand(1)
  for (i = 0; i < n; i++) {
    c = int(rand() * 10); line = ""
    for (j = 0; j < 784; j++)
      line = line ((rand() < 0.5) ? "0" : sprintf("%.3f", rand())) ","
    for (k = 0; k < 10; k++)
      line = line (k == c ? "1" : "0") (k < 9 ? "," : "")
    print line
  }
}' > "$tmp/train.csv"
else
rows=60000
fi

# One run; prints the training time it reports and, when logging, the part
# of it spent in event files and snapshots.
train_time() {
  local name="$1"; shift
  rm -rf "$tmp/logs" "$tmp/ckpt"
  local out
  out=$("$dlc" train "$tmp/mlp.so" --data "$data" --epochs "$epochs" \
        --batch-size 64 --seed 1 --quiet --checkpoint "$tmp/final.ckpt" "$@")
  # "Training done: epoch 002, step 1876, loss: ... | time: 12.345s"
  # "Event files and snapshots: 0.051s of the 12.345s of training (0.41%)"
  local total logging
  total=$(sed -n 's/^Training done: .*| time: \([0-9.]*\)s$/\1/p' <<< "$out")
  logging=$(sed -n 's/^Event files and snapshots: \([0-9.]*\)s of .*/\1/p' <<< "$out")
  echo "$total ${logging:-0}"
}

logged=(--logdir "$tmp/logs" --run-id fashion_mlp --checkpoint-dir "$tmp/ckpt"
        --tensorboard-verbose 0)
plain_times=() logged_times=() logged_parts=() v1=() v2=() v3=()
train_time plain > /dev/null # warm-up: page cache, CPU frequency
for ((i = 1; i <= runs; i++)); do
  read -r p _ <<< "$(train_time plain)"
  read -r l part <<< "$(train_time logged "${logged[@]}")"
  plain_times+=("$p")
  logged_times+=("$l")
  logged_parts+=("$part")
  echo "run $i: plain ${p}s, logged ${l}s (of which logging ${part}s)" >&2
  if ((levels)); then
    v1+=("$(train_time v1 --logdir "$tmp/logs" --run-id v1 --tensorboard-verbose 1 | tr ' ' :)")
    v2+=("$(train_time v2 --logdir "$tmp/logs" --run-id v2 --tensorboard-verbose 2 | tr ' ' :)")
    v3+=("$(train_time v3 --logdir "$tmp/logs" --run-id v3 --tensorboard-verbose 3 | tr ' ' :)")
  fi
done

python3 - "$rows" "$epochs" "$data" "${plain_times[*]}" "${logged_times[*]}" \
  "${logged_parts[*]}" "${v1[*]:-}" "${v2[*]:-}" "${v3[*]:-}" <<'PY'
import statistics, sys
rows, epochs, data = sys.argv[1], sys.argv[2], sys.argv[3]
del sys.argv[3]
def times(arg): return [float(t) for t in arg.split()]
plain, logged, parts = times(sys.argv[3]), times(sys.argv[4]), times(sys.argv[5])
mp, ml = statistics.median(plain), statistics.median(logged)
steps = -(-int(rows) // 64) * int(epochs)
what = "Fashion-MNIST" if data == "fashion-mnist" else "synthetic Fashion-MNIST-shaped"
print(f"{what} MLP, {rows} rows x {epochs} epochs, batch 64 "
      f"({steps} steps), median of {len(plain)} runs each")
print(f"  plain dlc train:                 {mp:8.3f} s  (runs {min(plain):.3f} .. {max(plain):.3f})")
print(f"  + events, snapshots, verbose 0:  {ml:8.3f} s  (runs {min(logged):.3f} .. {max(logged):.3f})")
ratio = ml / mp
print(f"  A/B ratio: {ratio:.4f} (overhead {100 * (ratio - 1):+.2f}%)")
shares = [x / (t - x) for x, t in zip(parts, logged)]
share = statistics.median(shares)
print(f"  measured in-process: {statistics.median(parts):.3f} s of logging, "
      f"overhead {100 * share:.2f}% of the training time (bar < 3%)")
for label, arg in (("verbose 1 (gradient histograms every step)", sys.argv[6]),
                   ("verbose 2 (+ weight histograms every step)", sys.argv[7]),
                   ("verbose 3 (+ activation histograms every step)", sys.argv[8])):
    if arg.strip():
        runs = [tuple(map(float, r.split(":"))) for r in arg.split()]
        s = statistics.median(x / (t - x) for t, x in runs)
        print(f"  {label}: overhead {100 * s:.1f}% in-process")
if ratio >= 1.03 and share < 0.03:
    print("  (the A/B medians differ by more than the logging takes: the "
          "machine's load moved between runs)")
sys.exit(0 if share < 0.03 else 1)
PY
