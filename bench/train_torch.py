"""bench/train_torch.py: the PyTorch eager peer of bench/train_speed.sh.

    python3 train_torch.py MODE [options]

MODE:
  config      the BLAS this process loads and OpenBLAS's core type
  cnn-train   the tutorial's CIFAR CNN (examples/cifar10/cnn_dropout.mlir):
              conv32-pool-conv64-conv64-pool-fc512-dropout(0.5)-fc10, 3x3 SAME,
              cross-entropy on the logits (dlc fuses softmax + categorical
              cross-entropy the same way), Adam 0.001, gradient clipping by
              global norm --clip (TFLearn's 5, which dlc's train_step does too);
              WARMUP untimed steps, then REPEATS x STEPS timed steps on one batch
              of random data
  cnn-infer   the same network's forward pass (eval mode, inference_mode)
  mlp-epoch   Fashion-MNIST MLP (examples/fashion_mnist/mlp.mlir): 784-512
              relu-dropout(0.2)-10, Adam with its lr decay (0.96 every 100
              steps), batch 128 (the bench's), one epoch over the real
              60000 training images (reshuffled, last batch short), timing the
              loop only (not the data loading)
  cnn-accuracy  Fashion-MNIST CNN (examples/fashion_mnist/cnn.mlir), one epoch
              at batch 96, then the accuracy on the 10000 test images

The networks use channels-last tensors and TFLearn's initialisers (conv:
uniform_scaling, fc: truncated normal 0.02, zero biases), torch.set_num_threads
(--threads). Run with OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS=1 in the
environment (train_speed.py does). Prints "key value" lines: import_s,
time_s (one per repeat), maxrss_kb (getrusage, the whole process),
maxrss_import_kb (after `import torch`, for information), and per mode
loss / load_s / accuracy.
"""
import argparse
import gzip
import math
import os
import resource
import sys
import time

t0 = time.perf_counter()
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import_s = time.perf_counter() - t0
maxrss_import_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def blas_config():
    """The BLAS library this process resolved (Debian: libblas.so.3 through
    update-alternatives; the reference BLAS is ~10x slower than OpenBLAS)
    and, for OpenBLAS, the core type its kernels were chosen for."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path) or "mkl_core" in path:
                paths.add(os.path.realpath(path))
    path = next((p for p in sorted(paths) if "blas" in os.path.basename(p)),
                next(iter(paths), "none"))
    core = "-"
    try:
        import ctypes
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        core = (lib.openblas_get_corename().decode() + " ("
                + lib.openblas_get_config().decode() + ")")
    except (OSError, AttributeError):
        pass
    return path, core


def tflearn_init(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            r = math.sqrt(3.0 / fan_in)
            nn.init.uniform_(m.weight, -r, r)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02, a=-0.04, b=0.04)
            nn.init.zeros_(m.bias)


def cnn(h, w, c):
    """conv32-pool-conv64-conv64-pool-fc512-dropout-fc10, 3x3 SAME."""
    def pooled(n):  # two 2x2 SAME max-pools
        return math.ceil(math.ceil(n / 2) / 2)
    fh, fw = pooled(h), pooled(w)
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(), nn.Linear(64 * fh * fw, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, 10))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(512, 10))


def make_step(model, clip, lr_decay=None):
    """One Adam step (lr 0.001); lr_decay=(rate, steps): the learning rate
    times rate^(s / steps) after s steps (TFLearn's lr_decay, decay_step)."""
    opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999),
                           eps=1e-8)
    sched = None
    if lr_decay:
        sched = torch.optim.lr_scheduler.ExponentialLR(
            opt, gamma=lr_decay[0] ** (1.0 / lr_decay[1]))
    params = list(model.parameters())

    def step(x, labels):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        if clip > 0:
            nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        if sched:
            sched.step()
        return loss
    return step


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    t = torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8)
    return t.reshape(dims)


def fashion(data_dir, part):
    """Images [n, 1, 28, 28] float in [0, 1] (channels-last), labels [n]."""
    x = load_idx(os.path.join(data_dir, f"{part}-images-idx3-ubyte.gz"))
    y = load_idx(os.path.join(data_dir, f"{part}-labels-idx1-ubyte.gz"))
    x = (x.float() / 255.0).reshape(-1, 1, 28, 28)
    return x.contiguous(memory_format=torch.channels_last), y.long()


def run_epoch(step, x, y, batch, gen):
    perm = torch.randperm(x.shape[0], generator=gen)
    loss = None
    for i in range(0, x.shape[0], batch):
        idx = perm[i:i + batch]
        loss = step(x[idx], y[idx])
    return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["config", "cnn-train", "cnn-infer", "mlp-epoch",
                                     "cnn-accuracy"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"import_s {import_s:.6f}")
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    print(f"maxrss_import_kb {maxrss_import_kb}")
    cl = torch.channels_last
    if args.mode == "config":
        path, core = blas_config()
        print(f"blas {path}")
        print(f"blas_core {core}")
        print(f"mkldnn {torch.backends.mkldnn.is_available()}")
        return 0

    if args.mode in ("cnn-train", "cnn-infer"):
        model = cnn(32, 32, 3)
        tflearn_init(model)
        model = model.to(memory_format=cl)
        x = torch.rand(args.batch, 3, 32, 32).contiguous(memory_format=cl)
        labels = torch.randint(0, 10, (args.batch,))
        if args.mode == "cnn-train":
            model.train()
            step = make_step(model, args.clip)
            call = lambda: step(x, labels)  # noqa: E731
        else:
            model.eval()

            def call():
                with torch.inference_mode():
                    return model(x)
        for _ in range(args.warmup):
            out = call()
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(args.steps):
                out = call()
            print(f"time_s {time.perf_counter() - start:.9f}", flush=True)
        if args.mode == "cnn-train":
            print(f"loss {out.item():.6g}")

    elif args.mode == "mlp-epoch":
        t = time.perf_counter()
        x, y = fashion(args.data, "train")
        x = x.reshape(x.shape[0], 784).contiguous()
        print(f"load_s {time.perf_counter() - t:.6f}")
        model = mlp()
        tflearn_init(model)
        model.train()
        step = make_step(model, args.clip, lr_decay=(0.96, 100))
        gen = torch.Generator().manual_seed(0)
        for _ in range(args.warmup):  # a few steps: first-call allocations
            idx = torch.randint(0, x.shape[0], (args.batch,), generator=gen)
            step(x[idx], y[idx])
        start = time.perf_counter()
        loss = run_epoch(step, x, y, args.batch, gen)
        print(f"time_s {time.perf_counter() - start:.9f}")
        print(f"loss {loss.item():.6g}")

    else:  # cnn-accuracy
        t = time.perf_counter()
        x, y = fashion(args.data, "train")
        xt, yt = fashion(args.data, "t10k")
        print(f"load_s {time.perf_counter() - t:.6f}")
        model = cnn(28, 28, 1)
        tflearn_init(model)
        model = model.to(memory_format=cl)
        model.train()
        step = make_step(model, args.clip)
        gen = torch.Generator().manual_seed(0)
        start = time.perf_counter()
        run_epoch(step, x, y, args.batch, gen)
        print(f"time_s {time.perf_counter() - start:.9f}")
        model.eval()
        correct = 0
        with torch.inference_mode():
            for i in range(0, xt.shape[0], 1000):
                pred = model(xt[i:i + 1000]).argmax(1)
                correct += (pred == yt[i:i + 1000]).sum().item()
        print(f"accuracy {correct / xt.shape[0]:.6f}")

    print(f"maxrss_kb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
