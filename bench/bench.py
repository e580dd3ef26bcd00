#!/usr/bin/env python3
"""dlc benchmark: compile times and OR-gate training steps against PyTorch.

    python3 bench/bench.py [--build-dir DIR] [--quick]   (bench/run.sh wraps it)

Measured in one run, on one core:
  1. `dlc compile` wall time (median of 5, after one warm-up) for
     examples/or.mlir and bench/mlp.mlir (784-512-10 MLP, Adam).
  2. 2000 full-batch OR training steps (SGD lr 2, mean square, clipping by
     global norm 5, the same 4 rows, the same start weights) three ways:
       dlc          bench/or_driver.c calling or_gate_train_step 2000 times,
                    linked against the generated or.so
       PyTorch      eager autograd + optim.SGD, torch.set_num_threads(1),
                    OPENBLAS_CORETYPE set for this CPU, OPENBLAS_NUM_THREADS=1
       hand-written bench/or_handwritten.cpp, C++ -O2
     Medians over several processes and several repeats in each (the first
     repeat of a process is a warm-up and is dropped).
  3. For information: `dlc train --quiet` end to end (process wall time) and
     `import torch`.
Targets: compile < 2 s for each model; dlc >= 100x faster than PyTorch
eager and within 10x of the hand-written loop.
Exit status: 0 all targets met, 1 a target missed, 2 an error.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STEPS = 2000
COMPILE_TARGET_S = 2.0
SPEEDUP_TARGET = 100.0
HANDWRITTEN_TARGET = 10.0  # dlc time / hand-written time at most


class BenchError(Exception):
    pass


def run(cmd, env=None, cwd=None):
    """Runs cmd, returns its stdout; raises BenchError with stderr on failure."""
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{p.stderr.strip()[-2000:]}")
    return p.stdout


def wall(cmd, env=None):
    """Wall time of one process run of cmd (output discarded)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{p.stderr.strip()[-2000:]}")
    return t


def parse(out):
    """key value... lines -> {key: [values]} (time_s accumulates)."""
    res = {"time_s": [], "param": []}
    for line in out.splitlines():
        key, _, rest = line.partition(" ")
        if key == "time_s":
            res["time_s"].append(float(rest))
        elif key == "param":
            name, *vals = rest.split()
            res["param"].append((name, [float(v) for v in vals]))
        else:
            res[key] = rest
    return res


def loop_times(cmd, processes, env=None):
    """Runs cmd in `processes` fresh processes; drops each one's first
    (warm-up) repeat. Returns (all kept times, per-process medians, last
    parsed output)."""
    kept, per_proc, last = [], [], None
    for _ in range(processes):
        last = parse(run(cmd, env=env))
        times = last["time_s"][1:]
        if not times:
            raise BenchError(f"{' '.join(cmd)}: no timed repeats")
        kept += times
        per_proc.append(statistics.median(times))
    return kept, per_proc, last


def find_cc(names):
    for n in names:
        if n and shutil.which(n):
            return n
    raise BenchError(f"no compiler found (tried {', '.join(filter(None, names))})")


def cpu_flags():
    """The host's CPU flags from /proc/cpuinfo, as a set."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def peer_env(threads=1):
    """PERF-NOTES' best configuration for the peer: Debian's OpenBLAS
    misdetects these CPUs, so name the core type; one OpenBLAS thread (its
    threads fight libgomp's); `threads` OpenMP threads (this process only)."""
    env = dict(os.environ)
    flags = cpu_flags()
    if "avx512f" in flags:
        env["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif "avx2" in flags:
        env["OPENBLAS_CORETYPE"] = "Haswell"
    else:
        env.pop("OPENBLAS_CORETYPE", None)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = str(threads)
    return env


def fmt_s(t):
    if t >= 1:
        return f"{t:.3f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.1f} us"


def fmt_step(t):
    return f"{t * 1e9:.0f} ns/step" if t < 1e-6 else f"{t * 1e6:.1f} us/step"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def spread(ts):
    return f"[{fmt_s(min(ts))} .. {fmt_s(max(ts))}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get(
        "DLC_BUILD_DIR", os.path.join(ROOT, "build")),
        help="dlc build directory with bin/dlc (default $DLC_BUILD_DIR or "
             "<repo>/build)")
    ap.add_argument("--quick", action="store_true",
                    help="fewer processes and repeats (a smoke test)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory")
    args = ap.parse_args()

    dlc = os.path.join(args.build_dir, "bin", "dlc")
    if not os.access(dlc, os.X_OK):
        raise BenchError(f"{dlc} not found: build dlc first or pass "
                         "--build-dir / DLC_BUILD_DIR")
    compile_runs = 3 if args.quick else 5
    procs = 2 if args.quick else 5
    torch_repeats = 3 if args.quick else 4   # + 1 warm-up each
    c_repeats = 20 if args.quick else 50

    work = tempfile.mkdtemp(prefix="dlc-bench-")
    try:
        return bench(args, dlc, work, compile_runs, procs, torch_repeats,
                     c_repeats)
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(args, dlc, work, compile_runs, procs, torch_repeats, c_repeats):
    load = os.getloadavg()
    print("dlc benchmark")
    print(f"  dlc:       {dlc}")
    print(f"  machine:   {cpu_model()}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          + ("  (busy machine: timings are noisy)" if load[0] > 0.5 else ""))

    # 1. Compile times.
    compile_res = {}
    for name, src in [("or.mlir", os.path.join(ROOT, "examples", "or.mlir")),
                      ("mlp.mlir (784-512-10)", os.path.join(HERE, "mlp.mlir"))]:
        base = os.path.join(work, os.path.basename(src)[:-5])
        cmd = [dlc, "compile", src, "-o", base + ".so",
               "--emit-header", base + ".h"]
        wall(cmd)  # warm-up: page cache, libMLIR/libLLVM loading
        ts = [wall(cmd) for _ in range(compile_runs)]
        compile_res[name] = ts

    # 2. Training loops. or.so/or.h from the last compile above.
    orso = os.path.join(work, "or.so")  # and or.h beside it
    cc = find_cc([os.environ.get("CC"), "clang-19", "cc", "gcc"])
    cxx = find_cc([os.environ.get("CXX"), "clang++-19", "c++", "g++"])
    driver = os.path.join(work, "or_driver")
    run([cc, "-std=c11", "-O2", "-I", work, "-I",
         os.path.join(ROOT, "runtime", "include"),
         os.path.join(HERE, "or_driver.c"), "-o", driver,
         "-L", work, "-l:or.so", f"-Wl,-rpath,{work}"])
    ref = os.path.join(work, "or_handwritten")
    run([cxx, "-O2", os.path.join(HERE, "or_handwritten.cpp"), "-o", ref])

    d_times, d_proc, d_out = loop_times(
        [driver, str(STEPS), str(c_repeats + 1)], procs)
    params = dict(d_out["param"])
    w = next(v for n, v in d_out["param"] if n.endswith("W"))
    b = next(v for n, v in d_out["param"] if n.endswith("b"))
    if len(w) != 2 or len(b) != 1:
        raise BenchError(f"unexpected or_gate parameters: {params}")
    init = [f"{w[0]:.9g}", f"{w[1]:.9g}", f"{b[0]:.9g}"]

    h_times, h_proc, h_out = loop_times(
        [ref, str(STEPS), str(c_repeats + 1)] + init, procs)

    penv = peer_env()
    torch_cmd = [sys.executable, os.path.join(HERE, "or_torch.py"),
                 str(STEPS), str(torch_repeats + 1)] + init
    t_times, t_proc, t_out = [], [], None
    import_s, torch_wall = [], []
    for _ in range(procs):
        t0 = time.perf_counter()
        out = parse(run(torch_cmd, env=penv))
        torch_wall.append(time.perf_counter() - t0)
        t_times += out["time_s"][1:]
        t_proc.append(statistics.median(out["time_s"][1:]))
        import_s.append(float(out["import_s"]))
        t_out = out

    # 3. dlc train CLI end to end, for information.
    ckpt = os.path.join(work, "or.ckpt")
    train_cmd = [dlc, "train", orso, "--data",
                 os.path.join(ROOT, "examples", "or.csv"), "--epochs",
                 str(STEPS), "--batch-size", "4", "--quiet", "--checkpoint",
                 ckpt]
    cli, cli_train = [], []
    for _ in range(compile_runs):
        t0 = time.perf_counter()
        out = run(train_cmd)
        cli.append(time.perf_counter() - t0)
        # "Training done: epoch 2000, step 2000, loss: ... | time: 0.019s"
        done = [l for l in out.splitlines() if l.startswith("Training done")]
        if done and "time:" in done[-1]:
            cli_train.append(float(done[-1].rsplit("time:", 1)[1].strip()
                                   .rstrip("s")))

    # Report.
    d_med = statistics.median(d_times)
    h_med = statistics.median(h_times)
    t_med = statistics.median(t_times)
    speedup = t_med / d_med
    ok = True
    print(f"  peer:      {t_out['torch']}, OPENBLAS_CORETYPE="
          f"{penv.get('OPENBLAS_CORETYPE', '(unset)')} OPENBLAS_NUM_THREADS=1")
    print(f"  compilers: {cc} -O2 (dlc driver), {cxx} -O2 (hand-written)")
    print(f"  dlc clip_norm {d_out['clip_norm']}; start weights W={w} b={b}")
    print()
    print(f"{'measurement':<44} {'median':>10}  {'min .. max':<24} target")
    print("-" * 92)
    for name, ts in compile_res.items():
        m = statistics.median(ts)
        res = "PASS" if m < COMPILE_TARGET_S else "FAIL"
        ok &= res == "PASS"
        print(f"{'dlc compile ' + name:<44} {fmt_s(m):>10}  {spread(ts):<24} "
              f"< {COMPILE_TARGET_S:g} s  {res}")
    print()
    print(f"{STEPS} full-batch OR steps (median over {procs} processes x "
          "repeats; per-step in parentheses)")
    rows = [("dlc (or_gate_train_step, C driver)", d_times),
            ("PyTorch eager, 1 thread", t_times),
            ("hand-written C++ -O2", h_times)]
    for name, ts in rows:
        m = statistics.median(ts)
        print(f"{name:<44} {fmt_s(m):>10}  {spread(ts):<24} "
              f"({fmt_step(m / STEPS)})")
    print()
    res = "PASS" if speedup >= SPEEDUP_TARGET else "FAIL"
    ok &= res == "PASS"
    print(f"{'PyTorch eager / dlc':<44} {speedup:>9.1f}x  {'':<24} "
          f">= {SPEEDUP_TARGET:g}x  {res}")
    res = "PASS" if d_med / h_med <= HANDWRITTEN_TARGET else "FAIL"
    ok &= res == "PASS"
    print(f"{'dlc / hand-written (1.0 = the reference)':<44} "
          f"{d_med / h_med:>9.2f}x  {'':<24} <= {HANDWRITTEN_TARGET:g}x  {res}")
    print(f"{'  per-process medians, PyTorch/dlc':<44} "
          f"{min(t_proc) / max(d_proc):.1f}x worst .. "
          f"{max(t_proc) / min(d_proc):.1f}x best")
    print()
    print("for information (process wall time, median):")
    print(f"{'  dlc train --quiet, 2000 epochs, CLI':<44} "
          f"{fmt_s(statistics.median(cli)):>10}  {spread(cli)}")
    if cli_train:
        print(f"{'    its training loop (Training done: time)':<44} "
              f"{fmt_s(statistics.median(cli_train)):>10}  {spread(cli_train)}")
    print(f"{'  python3 or_torch.py (import + loops)':<44} "
          f"{fmt_s(statistics.median(torch_wall)):>10}  {spread(torch_wall)}")
    print(f"{'  of which import torch':<44} "
          f"{fmt_s(statistics.median(import_s)):>10}  {spread(import_s)}")
    print()
    print("final predictions for 00 01 10 11 (same start weights):")
    for name, out in [("dlc", d_out), ("PyTorch", t_out),
                      ("hand-written", h_out)]:
        print(f"  {name:<13} {out['pred']}   loss {float(out['loss']):.6g}")
    dp = [float(v) for v in d_out["pred"].split()]
    for name, out in [("PyTorch", t_out), ("hand-written", h_out)]:
        diff = max(abs(a - float(b)) for a, b in zip(dp, out["pred"].split()))
        if diff > 1e-3:
            print(f"  WARNING: dlc and {name} differ by {diff:.2g}: not the "
                  "same computation?")
    print()
    print("RESULT: " + ("PASS (all targets met)" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        sys.exit(2)
