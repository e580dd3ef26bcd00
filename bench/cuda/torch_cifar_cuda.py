"""bench/cuda/torch_cifar_cuda.py: the PyTorch eager peer of the CUDA bench.

    python3 torch_cifar_cuda.py [--batch 96] [--steps 100] [--tf32 0|1]

The tutorial's CIFAR CNN (examples/cifar10/cnn_dropout.mlir, the network of
bench/train_torch.py's cnn-train) trained on one random batch on the GPU,
channels-last, Adam 0.001, gradient clipping by global norm 5 (as dlc's
train_step), 10 untimed warm-up steps. cuDNN's autotuner is on (PyTorch's
best eager configuration); TF32 is off unless --tf32 1 (dlc's CUDA
convolutions use FP32 FMA math unless DLC_CUDA_TF32=1). Prints
"BENCH torch cuda batch B: N images/s (...)", or "SKIP ..." with exit status
77 when PyTorch has no CUDA.
"""
import argparse
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    print(f"SKIP torch: {e}")
    sys.exit(77)


def cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--tf32", type=int, default=0)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print(f"SKIP torch {torch.__version__}: no CUDA (torch.cuda.is_available() is False)")
        sys.exit(77)
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = bool(a.tf32)
    torch.backends.cuda.matmul.allow_tf32 = bool(a.tf32)
    dev = torch.device("cuda")
    model = cnn().to(dev).to(memory_format=torch.channels_last)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            r = math.sqrt(3.0 / m.weight[0].numel())
            nn.init.uniform_(m.weight, -r, r)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02, a=-0.04, b=0.04)
            nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    params = list(model.parameters())
    x = torch.rand(a.batch, 3, 32, 32, device=dev).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (a.batch,), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        return loss

    for _ in range(10):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    torch.cuda.synchronize()
    s = time.perf_counter() - t0
    print(f"BENCH torch cuda batch {a.batch}: {a.steps * a.batch / s:.1f} images/s "
          f"({1e3 * s / a.steps:.3f} ms/step, loss {loss.item():.4f}, torch "
          f"{torch.__version__}, {torch.cuda.get_device_name()})")


if __name__ == "__main__":
    main()
