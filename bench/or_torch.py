"""bench/or_torch.py: the PyTorch eager peer of the OR benchmark.

    python3 or_torch.py STEPS REPEATS W0 W1 B

nn.Linear(2, 1) + sigmoid, MSE loss, gradient clipping by global norm 5
(TFLearn's default, which dlc's train_step also does), optim.SGD lr 2, on the
same 4 rows, from the given start weights. One thread. Prints the import time,
one "time_s T" line per repeat (the first is a warm-up the caller may drop),
then the final loss and predictions. Run it with OPENBLAS_CORETYPE and
OPENBLAS_NUM_THREADS=1 set (bench.py does).
"""
import sys
import time

t0 = time.perf_counter()
import torch  # noqa: E402
import_s = time.perf_counter() - t0


def main():
    steps, repeats = int(sys.argv[1]), int(sys.argv[2])
    w0, w1, b = (float(v) for v in sys.argv[3:6])
    torch.set_num_threads(1)
    print(f"import_s {import_s:.6f}")
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [1.0]])
    for _ in range(repeats):
        model = torch.nn.Linear(2, 1)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[w0, w1]]))
            model.bias.fill_(b)
        opt = torch.optim.SGD(model.parameters(), lr=2.0)
        params = list(model.parameters())
        start = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.mse_loss(torch.sigmoid(model(x)), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
        print(f"time_s {time.perf_counter() - start:.9f}")
    with torch.no_grad():
        pred = torch.sigmoid(model(x)).flatten().tolist()
    print(f"loss {loss.item():.9g}")
    print("pred " + " ".join(f"{p:.6f}" for p in pred))


if __name__ == "__main__":
    main()
