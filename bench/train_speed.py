#!/usr/bin/env python3
"""dlc "fast CPU training" benchmark: dlc next to PyTorch eager, in one run.

    python3 bench/train_speed.py [--build-dir DIR] [--quick] [--accuracy]
                                 [--threads 1,2] [--keep]
    (bench/train_speed.sh wraps it; see bench/README.md)

Figures, each dlc vs PyTorch eager (Debian's python3-torch, channels-last,
torch.set_num_threads(T), OPENBLAS_NUM_THREADS=1, OPENBLAS_CORETYPE for this
CPU), each printed with the ratio and its bar:
  1. the tutorial's CIFAR CNN (examples/cifar10/cnn_dropout.mlir, batch 96,
     Adam): training and inference images/s at each thread count, and their
     fraction of the physical limit (the direct sum's FLOPs per image / the
     FMA peak x T; dlc's Winograd convolutions do fewer multiply-adds, so
     it can pass 100%)
  2. Fashion-MNIST MLP (examples/fashion_mnist/mlp.mlir, batch 128): one
     epoch, `dlc train --threads 1` vs PyTorch's loop
  3. peak memory (max RSS) of a CNN training process
  4. `dlc compile` time of the CIFAR CNN (with training)
  5. the kernel library's % of peak on the CNN's conv / matmul shapes
     (build/bin/dlc-kernel-bench)
  6. with --accuracy: Fashion-MNIST CNN, one epoch's test accuracy
Exit status: 0 every bar met, 1 a bar missed, 2 an error.
"""
import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench import cpu_flags, cpu_model, peer_env  # bench/bench.py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CNN = os.path.join(ROOT, "examples", "cifar10", "cnn_dropout.mlir")
MLP = os.path.join(ROOT, "examples", "fashion_mnist", "mlp.mlir")
FCNN = os.path.join(ROOT, "examples", "fashion_mnist", "cnn.mlir")
FASHION = "/usr/share/datasets/fashion-mnist"
CNN_BATCH = 96
MLP_BATCH = 128
# The CIFAR CNN's FLOPs per image (PERF-NOTES): forward 34.3 M (conv1 1.8,
# conv2 9.4, conv3 18.9, fc1 4.2); training ~103 M (3x the forward's convs
# and GEMMs, less conv1's unneeded input gradient, = 101.1 M, plus bias,
# ReLU, pooling, loss and Adam).
TRAIN_FLOPS = 103e6
INFER_FLOPS = 34.3e6
# Bars.
TRAIN_BAR = {1: 1.5, 2: 2.0}   # dlc/PyTorch images/s; other T: 2.0
INFER_BAR = 1.5
MLP_BAR = 2.0                  # PyTorch epoch time / dlc epoch time
COMPILE_BAR_S = 5.0
KERNEL_BAR_PCT = 60.0
ACCURACY_BAR_PTS = 1.0         # dlc >= PyTorch - 1 point
TIMEOUT_S = 1800


class BenchError(Exception):
    pass


def run(cmd, env=None, timeout=TIMEOUT_S):
    """Runs cmd; returns (stdout, wall seconds); BenchError on failure."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(cmd)} took over {timeout} s")
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{(p.stderr or p.stdout).strip()[-2000:]}")
    return p.stdout, t


def parse(out):
    """'key value' lines -> {key: value}; time_s collects a list."""
    res = {"time_s": []}
    for line in out.splitlines():
        key, _, rest = line.strip().partition(" ")
        if key == "time_s":
            res["time_s"].append(float(rest))
        elif key:
            res[key] = rest
    return res


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_s(t):
    if t >= 1:
        return f"{t:.2f} s"
    return f"{t * 1e3:.0f} ms"


def kib(kb):
    return f"{kb / 1024:.0f} MiB"


def spread(xs, fmt):
    return f"{fmt(min(xs))} .. {fmt(max(xs))}" if xs else "-"


class Table:
    def __init__(self):
        self.rows = []
        self.failed = False

    def add(self, figure, dlc, peer="-", ratio="-", bar="-", ok=None):
        result = "info" if ok is None else ("PASS" if ok else "FAIL")
        if ok is False:
            self.failed = True
        self.rows.append((figure, dlc, peer, ratio, bar, result))

    def print(self):
        head = ("figure", "dlc", "PyTorch", "ratio", "bar", "")
        w = [max(len(r[i]) for r in self.rows + [head]) for i in range(6)]
        line = lambda r: (f"{r[0]:<{w[0]}}  {r[1]:>{w[1]}}  {r[2]:>{w[2]}}  "  # noqa: E731
                          f"{r[3]:>{w[3]}}  {r[4]:<{w[4]}}  {r[5]}")
        print(line(head))
        print("-" * (sum(w) + 12))
        for r in self.rows:
            print(line(r))


def subset_idx(src, dst, n_train, n_test):
    """The first n images and labels of each part of an IDX data set."""
    os.makedirs(dst, exist_ok=True)
    for part, n in (("train", n_train), ("t10k", n_test)):
        for kind, header in (("images-idx3-ubyte", 16), ("labels-idx1-ubyte", 8)):
            name = f"{part}-{kind}.gz"
            with gzip.open(os.path.join(src, name), "rb") as f:
                data = f.read()
            total = int.from_bytes(data[4:8], "big")
            item = (len(data) - header) // total
            n = min(n, total)
            with gzip.open(os.path.join(dst, name), "wb") as f:
                f.write(data[:4] + n.to_bytes(4, "big") + data[8:header]
                        + data[header:header + n * item])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get(
        "DLC_BUILD", os.environ.get("DLC_BUILD_DIR", os.path.join(ROOT, "build"))),
        help="dlc build directory with bin/dlc and bin/dlc-kernel-bench "
             "(default $DLC_BUILD, else <repo>/build)")
    ap.add_argument("--quick", action="store_true",
                    help="one process and a few steps per figure: checks "
                         "that everything runs, the figures mean little")
    ap.add_argument("--accuracy", action="store_true",
                    help="add figure 6: Fashion-MNIST CNN, one epoch each "
                         "(minutes)")
    ap.add_argument("--accuracy-limit", type=int, default=0, metavar="N",
                    help="figure 6 on the first N training and N/6 test "
                         "images only (a smoke test of --accuracy)")
    ap.add_argument("--threads", default="1,2",
                    help="thread counts of the CNN figures (default 1,2)")
    ap.add_argument("--kernel-runs", type=int, default=3, metavar="N",
                    help="dlc-kernel-bench processes; each row's best time "
                         "counts (default 3; --quick: 1)")
    ap.add_argument("--processes", type=int, default=0,
                    help="fresh processes per CNN figure and side "
                         "(default 5, --quick 1)")
    ap.add_argument("--data", default=FASHION,
                    help=f"Fashion-MNIST IDX directory (default {FASHION})")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory")
    args = ap.parse_args()
    try:
        args.threads = [int(t) for t in args.threads.split(",")]
        assert args.threads and all(t >= 1 for t in args.threads)
    except (ValueError, AssertionError):
        raise BenchError(f"--threads: expected e.g. 1,2, got {args.threads}")

    dlc = os.path.join(args.build_dir, "bin", "dlc")
    kbench = os.path.join(args.build_dir, "bin", "dlc-kernel-bench")
    if not os.access(dlc, os.X_OK):
        raise BenchError(f"{dlc} not found: build dlc first, or set DLC_BUILD")
    if not os.path.exists(os.path.join(args.data,
                                       "train-images-idx3-ubyte.gz")):
        raise BenchError(f"no Fashion-MNIST in {args.data} (apt-get install "
                         "dataset-fashion-mnist, or --data DIR)")
    work = tempfile.mkdtemp(prefix="dlc-train-speed-")
    start = time.perf_counter()
    try:
        return bench(args, dlc, kbench, work)
    finally:
        print(f"(the benchmark took {time.perf_counter() - start:.0f} s"
              + ("; --quick: a smoke test, the figures mean little)"
                 if args.quick else ")"))
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(args, dlc, kbench, work):
    q = args.quick
    procs = args.processes or (1 if q else 5)
    mlp_procs = args.processes or (1 if q else 5)
    compile_runs = 1 if q else 5
    # (warm-up calls, calls per repeat, repeats) per process.
    train_plan = (1, 2, 1) if q else (3, 10, 3)
    infer_plan = (1, 2, 1) if q else (5, 20, 3)
    py = sys.executable
    peer = os.path.join(HERE, "train_torch.py")
    load = os.getloadavg()
    flags = cpu_flags()
    print("dlc fast-CPU-training benchmark" + (" (--quick: a smoke test, "
          "figures not meaningful)" if q else ""))
    print(f"  dlc:      {dlc}")
    print(f"  machine:  {cpu_model()}, {os.cpu_count()} CPUs, "
          f"{'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'}"
          f", load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          + ("  (busy: timings are inflated and noisy)" if load[0] > 0.5 else ""))
    env1 = peer_env(1)
    print(f"  peer:     {py} + torch, channels-last, torch.set_num_threads(T), "
          f"OPENBLAS_CORETYPE={env1.get('OPENBLAS_CORETYPE', '(unset)')}, "
          "OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=T")
    cfg = parse(run([py, peer, "config"], env=env1)[0])
    blas, core = cfg.get("blas", "none"), cfg.get("blas_core", "-")
    print(f"  peer BLAS: {blas}" + (f", core {core}" if core != "-" else ""))
    reference_blas = not re.search(r"openblas|mkl", blas, re.I)
    if reference_blas:
        print("  WARNING: the peer runs on the reference BLAS (~10x slower "
              "GEMMs than OpenBLAS): its figures are not its best. Install "
              "OpenBLAS: apt-get install libopenblas0-pthread")
    sys.stdout.flush()

    def note(msg):
        sys.stdout.flush()
        print(f"  .. {msg}", file=sys.stderr, flush=True)

    table = Table()
    details = []

    # 4. Compile time (and the libraries for the other figures).
    cnn_so = os.path.join(work, "cnn.so")
    note("dlc compile (CIFAR CNN)")
    if not q:
        run([dlc, "compile", CNN, "-o", cnn_so])  # warm-up: page cache
    ctimes = [run([dlc, "compile", CNN, "-o", cnn_so])[1]
              for _ in range(compile_runs)]
    mlp_so = os.path.join(work, "mlp.so")
    run([dlc, "compile", MLP, "-o", mlp_so])

    # The C driver and the FMA peak.
    cc = next((c for c in ("clang-19", "clang", "cc", "gcc") if shutil.which(c)),
              None)
    if not cc:
        raise BenchError("no C compiler (clang-19, clang, cc, gcc)")
    drv = os.path.join(work, "train_driver")
    run([cc, "-O2", "-march=native", "-std=c11",
         "-I", os.path.join(ROOT, "runtime", "include"),
         os.path.join(HERE, "train_driver.c"), "-o", drv, "-ldl"])
    note("FMA peak")
    pk = parse(run([drv, "peak"])[0])
    peak = float(pk["peak_gflops"])
    info = parse(run([drv, "info", cnn_so])[0])
    clip = info.get("clip_norm", "5")
    print(f"  peak:     single-core FMA peak {peak:.1f} GFLOP/s ({pk['isa']}, "
          "12 FMA chains, process CPU time), x T for T threads")
    print(f"  CNN:      {os.path.relpath(CNN, ROOT)}, batch {CNN_BATCH}, "
          f"clip norm {clip}; {procs} process(es) per side and figure, "
          f"each {train_plan[0]} warm-up + {train_plan[2]} x {train_plan[1]} "
          f"timed steps (inference {infer_plan[0]} + {infer_plan[2]} x "
          f"{infer_plan[1]})")
    sys.stdout.flush()

    # 1. + 3. CIFAR CNN training / inference, dlc and PyTorch alternating.
    def paired(mode, threads, plan):
        warm, steps, reps = plan
        dcmd = [drv, "train" if mode == "train" else "forward", cnn_so,
                str(threads), str(CNN_BATCH), str(warm), str(steps), str(reps)]
        tcmd = [py, peer, "cnn-" + ("train" if mode == "train" else "infer"),
                "--threads", str(threads), "--batch", str(CNN_BATCH),
                "--warmup", str(warm), "--steps", str(steps),
                "--repeats", str(reps), "--clip", clip]
        res = {"dlc": ([], []), "torch": ([], [])}  # (img/s per repeat, rss)
        for i in range(procs):
            order = [("dlc", dcmd, None), ("torch", tcmd, peer_env(threads))]
            if i % 2:
                order.reverse()  # load drift hits both sides alike
            for side, cmd, env in order:
                out = parse(run(cmd, env=env)[0])
                if not out["time_s"]:
                    raise BenchError(f"{' '.join(cmd)}: no timed repeats")
                res[side][0].extend(CNN_BATCH * steps / t for t in out["time_s"])
                res[side][1].append(int(out["maxrss_kb"]))
                if side == "torch":
                    import_kb.append(int(out["maxrss_import_kb"]))
        return res

    train_res = {}
    import_kb = []
    for mode, plan, flops in (("train", train_plan, TRAIN_FLOPS),
                              ("infer", infer_plan, INFER_FLOPS)):
        for t in args.threads:
            note(f"CIFAR CNN {mode}, {t} thread(s)")
            r = paired(mode, t, plan)
            if mode == "train":
                train_res[t] = r
            d, p = med(r["dlc"][0]), med(r["torch"][0])
            bar = (TRAIN_BAR.get(t, 2.0) if mode == "train" else INFER_BAR)
            what = "training" if mode == "train" else "inference"
            table.add(f"1. CIFAR CNN {what}, {t} thread{'s' if t > 1 else ''}",
                      f"{d:.0f} img/s", f"{p:.0f} img/s", f"{d / p:.2f}x",
                      f">= {bar:.1f}x", d / p >= bar)
            lim = peak * 1e9 * t / flops
            table.add(f"   of the direct-sum FMA limit ({lim:.0f} img/s)",
                      f"{100 * d / lim:.1f}%", f"{100 * p / lim:.1f}%")
            fmt = lambda v: f"{v:.0f}"  # noqa: E731
            details.append(f"CNN {what} {t}T img/s: dlc {spread(r['dlc'][0], fmt)}"
                           f", PyTorch {spread(r['torch'][0], fmt)}")

    # 2. Fashion-MNIST MLP, one epoch at one thread.
    ckpt = os.path.join(work, "mlp.ckpt")
    dcmd = [dlc, "train", mlp_so, "--data", "fashion-mnist:" + args.data,
            "--epochs", "1", "--batch-size", str(MLP_BATCH), "--threads", "1",
            "--no-prefetch", "--quiet", "--checkpoint", ckpt]
    tcmd = [py, peer, "mlp-epoch", "--threads", "1", "--batch", str(MLP_BATCH),
            "--clip", clip, "--data", args.data]
    d_ep, d_wall, d_load, p_ep, p_load = [], [], [], [], []
    for i in range(mlp_procs):
        note(f"Fashion-MNIST MLP epoch {i + 1}/{mlp_procs}")
        order = ["dlc", "torch"] if i % 2 == 0 else ["torch", "dlc"]
        for side in order:
            if side == "dlc":
                out, wall = run(dcmd)
                m = re.search(r"^Training done: .*\| time: ([0-9.]+)s$", out, re.M)
                ld = re.search(r"loaded in ([0-9.]+)s", out)
                if not m:
                    raise BenchError(f"no 'Training done' line in:\n{out[-1500:]}")
                d_ep.append(float(m.group(1)))
                d_wall.append(wall)
                d_load.append(float(ld.group(1)) if ld else float("nan"))
            else:
                out = parse(run(tcmd, env=peer_env(1))[0])
                p_ep.append(out["time_s"][0])
                p_load.append(float(out["load_s"]))
    d, p = med(d_ep), med(p_ep)
    table.add("2. Fashion-MNIST MLP, 1 epoch, 1 thread", fmt_s(d), fmt_s(p),
              f"{p / d:.2f}x", f">= {MLP_BAR:.1f}x faster", p / d >= MLP_BAR)
    details.append(f"MLP epoch: dlc {spread(d_ep, fmt_s)} (training loop as "
                   f"`dlc train` reports it; process wall {fmt_s(med(d_wall))}, "
                   f"of which data loading {fmt_s(med(d_load))}), PyTorch "
                   f"{spread(p_ep, fmt_s)} (loop; data loading "
                   f"{fmt_s(med(p_load))})")

    # 3. Peak memory of the training processes (one thread).
    t_mem = args.threads[0]
    torch_import_kb = med(import_kb)
    dm, pm = med(train_res[t_mem]["dlc"][1]), med(train_res[t_mem]["torch"][1])
    n_steps = train_plan[0] + train_plan[1] * train_plan[2]
    table.add(f"3. max RSS, CNN training, {n_steps} steps, {t_mem}T",
              f"{dm / 1024:.0f} MiB", f"{pm / 1024:.0f} MiB", f"{dm / pm:.2f}x",
              "<= 1.00x", dm <= pm)
    details.append(f"max RSS: dlc {spread(train_res[t_mem]['dlc'][1], kib)}, "
                   f"PyTorch {spread(train_res[t_mem]['torch'][1], kib)} (of "
                   f"which ~{kib(torch_import_kb)} right after `import torch`)")

    # 4. Compile time.
    c = med(ctimes)
    table.add("4. dlc compile cnn_dropout.mlir (training)", fmt_s(c), "-", "-",
              f"< {COMPILE_BAR_S:.0f} s", c < COMPILE_BAR_S)
    details.append(f"compile: {len(ctimes)} run(s), {spread(ctimes, fmt_s)}")

    # 5. Kernel efficiency: the best time of each row over `kruns`
    # dlc-kernel-bench processes run one after another (each already the best
    # of >= 5 calls), so that one slow window of the host does not decide a
    # row; every process's own figures are kept in the details.
    if os.access(kbench, os.X_OK):
        kt = 1 if q else max(args.threads)
        kruns = 1 if q else args.kernel_runs
        rows, order, kpeaks = {}, [], []
        for kr in range(kruns):
            note(f"dlc-kernel-bench {kt} ({kr + 1}/{kruns})")
            out = run([kbench, str(kt)])[0]
            kpk = re.search(r"FMA peak ([0-9.]+) GFLOP/s", out)
            if kpk:
                kpeaks.append(float(kpk.group(1)))
            for line in out.splitlines():
                m = re.match(r"^(\S.{21}) (\S+(?: \S+)?)\s*\|", line)
                if not m or m.group(1).startswith(("shape", "maxpool")):
                    continue
                ms = [float(x) for x in re.findall(r"([0-9.]+) ms", line)]
                gfs = [float(x) for x in re.findall(r"([0-9.]+) GF/s", line)]
                if len(ms) != kt or len(gfs) != kt:
                    continue
                key = (m.group(1).strip(), m.group(2).strip())
                if key not in rows:
                    order.append(key)
                    rows[key] = {"flops": gfs[0] * 1e9 * ms[0] * 1e-3,
                                 "ms": [[] for _ in range(kt)]}
                for i in range(kt):
                    rows[key]["ms"][i].append(ms[i])
        # The peak: the best of the processes' own measurements (as for the
        # rows), else the driver's.
        kpeak = max(kpeaks) if kpeaks else peak
        # The CIFAR CNN's own shapes (not fmnist's; not conv1's bwd_data, which
        # training skips), weighted by their FLOPs: the kernels' efficiency
        # over a training step.
        weighted_f, weighted_t = [0.0] * kt, [0.0] * kt
        for key in order:
            r = rows[key]
            best = [min(v) for v in r["ms"]]
            pcts = [100 * r["flops"] / (best[i] * 1e-3) / 1e9 / (kpeak * (i + 1))
                    for i in range(kt)]
            cifar = not key[0].startswith("fmnist")
            in_step = cifar and not (key[0].startswith("conv1") and  # conv1's
                                     key[1].startswith("bwd_data"))  # dx: unused
            if in_step:
                for i in range(kt):
                    weighted_f[i] += r["flops"]
                    weighted_t[i] += best[i] * 1e-3
            # The bar: the CIFAR CNN's shapes against the single-core peak
            # (the 1-thread column). Fashion-MNIST's first layer and the
            # columns of more threads (% of threads x the peak) are shown
            # for information.
            table.add(f"5. {key[0]} {key[1]}", " / ".join(f"{x:.0f}%" for x in pcts),
                      "-", "-",
                      f">= {KERNEL_BAR_PCT:.0f}% (1T)" if cifar else "info",
                      pcts[0] >= KERNEL_BAR_PCT if cifar else None)
            details.append(f"kernel {key[0]} {key[1]}: best "
                           + " / ".join(f"{r['flops'] / (b * 1e-3) * 1e-9:.1f} GF/s"
                                        for b in best)
                           + "; ms per process: "
                           + " / ".join(",".join(f"{x:.3f}" for x in v) for v in r["ms"]))
        if weighted_t[0] > 0:
            pct = [100 * f / t / 1e9 / (kpeak * (i + 1))
                   for i, (f, t) in enumerate(zip(weighted_f, weighted_t))]
            table.add("5. CIFAR CNN convs + fc, FLOP-weighted",
                      " / ".join(f"{x:.0f}%" for x in pct), "-", "-",
                      f">= {KERNEL_BAR_PCT:.0f}% (1T)", pct[0] >= KERNEL_BAR_PCT)
        if kpeaks:
            details.append("dlc-kernel-bench's own FMA peak: "
                           + ", ".join(f"{x:.1f}" for x in kpeaks) + " GFLOP/s")
    else:
        table.add("5. kernel efficiency", "no dlc-kernel-bench", "-", "-",
                  f">= {KERNEL_BAR_PCT:.0f}%", False)

    # 6. Accuracy (optional).
    if args.accuracy or args.accuracy_limit:
        t = max(args.threads)
        data = args.data
        if args.accuracy_limit:
            data = os.path.join(work, "fashion-subset")
            subset_idx(args.data, data, args.accuracy_limit,
                       max(args.accuracy_limit // 6, 100))
        fcnn_so = os.path.join(work, "fcnn.so")
        run([dlc, "compile", FCNN, "-o", fcnn_so])
        note(f"Fashion-MNIST CNN, one epoch each, {t} thread(s)")
        out, _ = run([dlc, "train", fcnn_so, "--data", "fashion-mnist:" + data,
                      "--validation", "test", "--epochs", "1", "--batch-size",
                      "96", "--threads", str(t), "--quiet", "--checkpoint",
                      os.path.join(work, "fcnn.ckpt")])
        m = re.search(r"^Training done: .*val_acc: ([0-9.]+).*\| time: ([0-9.]+)s$",
                      out, re.M)
        if not m:
            raise BenchError(f"no val_acc in:\n{out[-1500:]}")
        da, dt = float(m.group(1)), float(m.group(2))
        out = parse(run([py, peer, "cnn-accuracy", "--threads", str(t),
                         "--batch", "96", "--clip", clip, "--data", data],
                        env=peer_env(t))[0])
        pa, pt = float(out["accuracy"]), out["time_s"][0]
        table.add("6. Fashion-MNIST CNN, 1 epoch, test accuracy"
                  + (f" (first {args.accuracy_limit} images)"
                     if args.accuracy_limit else ""),
                  f"{100 * da:.2f}%", f"{100 * pa:.2f}%",
                  f"{100 * (da - pa):+.2f} pt", f">= PyTorch - {ACCURACY_BAR_PTS:.0f} pt",
                  100 * (da - pa) >= -ACCURACY_BAR_PTS)
        table.add(f"   its epoch, {t} thread{'s' if t > 1 else ''} (one run each)",
                  fmt_s(dt), fmt_s(pt), f"{pt / dt:.2f}x")

    print()
    table.print()
    print()
    print("ratios: dlc/PyTorch for images/s and memory, PyTorch/dlc for times; "
          "medians over all timed repeats of all processes")
    for d in details:
        print(f"  {d}")
    if reference_blas:
        print("WARNING: the peer ran on the reference BLAS, not OpenBLAS: "
              "its figures are not its best (see the header)")
    return 1 if table.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"train_speed: {e}", file=sys.stderr)
        sys.exit(2)
