#!/bin/bash
# check-cuda-host.sh DIR NET.mlir...: for each network, the cuda-host build
# against the CPU build (to 1e-4), against cuda-host-reverse (bit for bit),
# and its graph step against its train_step (bit for bit). One line each:
#   NAME: PASS|FAIL check, PASS|FAIL exact, GRAPH ok|FAIL
# with the failing tool's output before it.
dir=$1
shift
for net in "$@"; do
  n=$(basename "$net" .mlir)
  for t in cpu cuda-host cuda-host-reverse; do
    dlc compile "$net" --target=$t -o "$dir/$n-$t.so" || { echo "$n: FAIL compile --target=$t"; continue 2; }
  done
  out=$(dlc-cuda-compare check "$dir/$n-cpu.so" "$dir/$n-cuda-host.so" 2>&1)
  case $out in *"PASS "*) c=PASS ;; *) echo "$out"; c=FAIL ;; esac
  out=$(dlc-cuda-compare check "$dir/$n-cuda-host.so" "$dir/$n-cuda-host-reverse.so" --exact 2>&1)
  case $out in *"PASS "*) e=PASS ;; *) echo "$out"; e=FAIL ;; esac
  out=$(dlc-cuda-compare graph "$dir/$n-cuda-host.so" --batch 8 --steps 3 2>&1)
  case $out in *"bit for bit ok"*) g=ok ;; *) echo "$out"; g=FAIL ;; esac
  echo "$n: $c check, $e exact, GRAPH $g"
done
