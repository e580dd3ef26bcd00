#!/bin/bash
# bench/cuda/prepare_device.sh: builds, on a machine without a GPU, what
# bench/cuda/device_check.sh needs on a GPU machine, into .device/ at the
# repository root (git-ignored; carry it: run(carry=[".device"])). The GPU
# machine gets the working tree and .device/ only: it may have no LLVM/MLIR,
# so everything is prebuilt here, and .device/ stays under 64 MiB.
#
#   bench/cuda/prepare_device.sh [BUILD_DIR]
#
# Rehearsal without a GPU: DLC_DEVICE_TARGET=cuda-host builds the "CUDA"
# libraries with --target=cuda-host (the CUDA lowering run on the host), and
# DLC_DEVICE_DIR names the output folder (default .device); device_check.sh
# with the same DLC_DEVICE_DIR then runs every step it can on the CPU
# (CI does: the bench.device_check_rehearsal test).
#
# BUILD_DIR (default build, the README's) is configured if new and its
# runtime-side targets built: dlc-cuda-tests with its fixture libraries,
# dlc-cuda-compare, dlc-train, and dlc-kernel-tests-avx512 (the CPU kernels'
# AVX-512 build, checked on the GPU machine's CPU when it has AVX-512). Model libraries need the compiler:
# `dlc compile --target cuda` from $DLC, else BUILD_DIR's own dlc (so they
# match its runtime's ABI version); without a dlc that supports
# --target cuda they are left out and device_check.sh skips the model checks.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=${DLC_DEVICE_DIR:-$ROOT/.device}
TARGET=${DLC_DEVICE_TARGET:-cuda}
case $TARGET in cuda|cuda-host) ;; *) echo "prepare_device: DLC_DEVICE_TARGET must be cuda or cuda-host" >&2; exit 2 ;; esac
rm -rf "$OUT"
mkdir -p "$OUT"/{bin,lib,models,data}
note() { echo "prepare_device: $*"; echo "$*" >> "$OUT/PREPARE.txt"; }

# 1. The runtime side.
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    >/dev/null || { note "cmake failed"; exit 1; }
fi
ninja -C "$BUILD" dlc-cuda-tests dlc-cuda-compare dlc-train dlc_test_linear_model \
  dlc_test_cuda_model dlc-kernel-tests-avx512 >/dev/null ||
  { note "building the runtime side failed"; exit 1; }
cp "$BUILD"/bin/{dlc-cuda-tests,dlc-cuda-compare,dlc-train,dlc-kernel-tests-avx512} "$OUT/bin/"
cp "$BUILD"/lib/{dlc_test_linear_model.so,dlc_test_cuda_model.so} "$OUT/lib/"
cp -P "$BUILD"/lib/libdlcrt.so* "$OUT/lib/"
strip "$OUT"/bin/* 2>/dev/null

# Shared libraries the binaries need that a bare GPU machine may lack (not
# libc, libstdc++, the CUDA toolkit's own libraries or the driver).
for f in "$OUT"/bin/* "$OUT"/lib/*.so*; do
  ldd "$f" 2>/dev/null | awk '/=> \//{print $3}'
done | sort -u | while read -r lib; do
  case $(basename "$lib") in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++*|libgcc_s*) ;;
    libcuda.so*|libcudnn*|libcublas*|libcudart*|libdlcrt*) ;;
    *) cp -L "$lib" "$OUT/lib/" ;;
  esac
done

# 2. Model libraries, both targets, when the compiler can build them.
DLC_BIN=${DLC:-}
# The compiler of the same build, so the libraries match its runtime's ABI.
if [ -z "$DLC_BIN" ] && ninja -C "$BUILD" dlc >/dev/null 2>&1; then
  DLC_BIN=$BUILD/bin/dlc
fi
NETS="$ROOT/examples/or.mlir $ROOT/examples/fashion_mnist/mlp.mlir
$ROOT/examples/fashion_mnist/cnn.mlir $ROOT/examples/cifar10/cnn_dropout.mlir
$ROOT/examples/cifar10/cnn_no_dropout.mlir $ROOT/examples/cifar10/cnn_l2.mlir
$ROOT/bench/cuda/nets/*.mlir"
if [ -z "$DLC_BIN" ]; then
  note "no dlc compiler found (set DLC=...): no model libraries"
else
  for net in $NETS; do
    name=$(basename "$net" .mlir)
    [ "$name" = cnn ] && name=fashion_cnn
    [ "$name" = mlp ] && name=fashion_mlp
    if ! "$DLC_BIN" compile "$net" -o "$OUT/models/$name.cpu.so" 2>"$OUT/models/$name.err"; then
      note "$name: CPU build failed: $(head -n 1 "$OUT/models/$name.err")"; continue
    fi
    if ! "$DLC_BIN" compile "$net" --target "$TARGET" -o "$OUT/models/$name.cuda.so" \
        2>"$OUT/models/$name.err"; then
      note "$name: CUDA build failed: $(head -n 1 "$OUT/models/$name.err")"
      rm -f "$OUT/models/$name.cpu.so"; continue
    fi
    rm -f "$OUT/models/$name.err"
    note "$name: built for CPU and $TARGET"
  done
fi

# 3. Data: the OR table and a Fashion-MNIST slice (6000 training, 1000 test
# images) when Debian's dataset-fashion-mnist is installed here.
cp "$ROOT/examples/or.csv" "$OUT/data/or.csv"
FM=/usr/share/datasets/fashion-mnist
if [ -f "$FM/train-images-idx3-ubyte.gz" ]; then
  mkdir -p "$OUT/data/fashion-mnist"
  python3 - "$FM" "$OUT/data/fashion-mnist" <<'PY'
import gzip, struct, sys
src, dst = sys.argv[1], sys.argv[2]
for part, n in (("train", 6000), ("t10k", 1000)):
    for kind, item in (("images-idx3", 784), ("labels-idx1", 1)):
        with gzip.open(f"{src}/{part}-{kind}-ubyte.gz") as f:
            data = f.read()
        head = 16 if item == 784 else 8
        hdr = bytearray(data[:head])
        struct.pack_into(">I", hdr, 4, n)
        with gzip.open(f"{dst}/{part}-{kind}-ubyte.gz", "wb") as g:
            g.write(bytes(hdr) + data[head:head + n * item])
PY
  note "fashion-mnist slice: 6000 + 1000 images"
else
  note "no $FM: no Fashion-MNIST slice"
fi

echo "$TARGET" >"$OUT/TARGET"
size=$(du -sm "$OUT" | cut -f1)
note "total ${size} MiB in $OUT"
[ "$size" -lt 64 ] || { note "too large to carry (64 MiB)"; exit 1; }
