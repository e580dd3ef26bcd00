#!/usr/bin/python3
"""Writes the reference fixtures of test/reference with PyTorch.

PyTorch's autograd is the independent implementation: each model of Inputs/
is rebuilt with torch.nn, trained for a few steps from fixed weights on a
fixed batch, and the losses and final weights are saved. The update rules
are TFLearn's (TensorFlow's): global-norm clipping, momentum
`a = m a + g; w -= lr a`, and Adam with lr_t = lr sqrt(1-b2^t)/(1-b1^t) and
w -= lr_t m / (sqrt(v) + eps). L2 adds wd * sum(W^2) / 2 for weights only
to the objective the gradients are of; the losses saved are the training
step's, without it (TFLearn's console and `Loss` summary).

Run from the repository root: /usr/bin/python3 test/reference/make_fixtures.py
(needs Debian's python3-torch). CI only reads the committed .txt files.
"""
import os
import torch

torch.manual_seed(7)
HERE = os.path.dirname(os.path.abspath(__file__))


def layer(n_in, n_out, bias=True):
    w = torch.randn(n_in, n_out) * 0.5  # dlc's layout: [in, units]
    b = torch.randn(n_out) * 0.1 if bias else None
    return w, b


def params_list(layers):
    out = []
    for w, b in layers:
        out.append(w)
        if b is not None:
            out.append(b)
    return out


def clip(grads, clip_norm):
    if clip_norm <= 0:
        return grads
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    scale = clip_norm / torch.maximum(norm, torch.tensor(clip_norm))
    return [g * scale for g in grads]


def conv_same(x, w):
    """NHWC x HWCF, stride 1, TensorFlow's `same` padding (odd kernels)."""
    k = w.shape[0]
    y = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1),
                                   padding=k // 2)
    return y.permute(0, 2, 3, 1)


def max_pool_same(x, k):
    """NHWC max pool, strides = size, `same`: pad bottom/right with -inf."""
    h, w = x.shape[1], x.shape[2]
    ph, pw = (-h) % k, (-w) % k
    x = torch.nn.functional.pad(x.permute(0, 3, 1, 2), (0, pw, 0, ph),
                                value=float("-inf"))
    return torch.nn.functional.max_pool2d(x, k).permute(0, 2, 3, 1)


def run(name, layers, acts, loss, opt, lr, x, y, steps, clip_norm=5.0,
        l2=None, momentum=0.9, b1=0.9, b2=0.999, eps=1e-8):
    ps = [p.clone().requires_grad_(True) for p in params_list(layers)]
    init = [p.detach().clone() for p in ps]
    state = [torch.zeros_like(p) for _ in range(2 if opt == "adam" else 1)
             for p in ps]
    losses = []
    for t in range(1, steps + 1):
        h = x
        i = 0
        for (w, b), act in zip(layers, acts):
            if act.startswith("conv"):  # conv_relu_pool2
                h = conv_same(h, ps[i])
            else:
                h = h.reshape(h.shape[0], -1) @ ps[i]
            i += 1
            if b is not None:
                h = h + ps[i]
                i += 1
            if act == "conv_relu_pool2":
                h = max_pool_same(torch.relu(h), 2)
            elif act == "sigmoid":
                h = torch.sigmoid(h)
            elif act == "tanh":
                h = torch.tanh(h)
            elif act == "relu":
                h = torch.relu(h)
            elif act == "softmax":
                h = torch.softmax(h, dim=1)
        if loss == "mean_square":
            value = ((h - y) ** 2).mean()
        elif loss == "binary_crossentropy":
            value = torch.nn.functional.binary_cross_entropy(h, y)
        elif acts[-1] == "softmax":
            value = -(y * torch.log(h)).sum(dim=1).mean()
        else:  # TFLearn's: rows normalized to sum 1, clipped to [1e-10, 1]
            q = torch.clamp(h / h.sum(dim=1, keepdim=True), 1e-10, 1 - 1e-10)
            value = -(y * torch.log(q)).sum(dim=1).mean()
        data_loss = value
        if l2:
            for idx, wd in l2.items():
                value = value + wd * (ps[idx] ** 2).sum() / 2
        grads = torch.autograd.grad(value, ps)
        grads = clip(list(grads), clip_norm)
        with torch.no_grad():
            n = len(ps)
            for k, (p, g) in enumerate(zip(ps, grads)):
                if opt == "sgd":
                    p -= lr * g
                elif opt == "momentum":
                    a = state[k]
                    a.mul_(momentum).add_(g)
                    p -= lr * a
                elif opt == "nesterov":
                    a = state[k]
                    a.mul_(momentum).add_(g)
                    p -= lr * (g + momentum * a)
                elif opt == "rmsprop":  # TF: ms starts at 1, eps 1e-10
                    ms = state[k]
                    if t == 1:
                        ms.fill_(1.0)
                    ms.mul_(0.9).add_(0.1 * g * g)
                    p -= lr * g / torch.sqrt(ms + 1e-10)
                elif opt == "adagrad":  # TF: accumulator starts at 0.1
                    acc = state[k]
                    if t == 1:
                        acc.fill_(0.1)
                    acc.add_(g * g)
                    p -= lr * g / torch.sqrt(acc)
                else:
                    m, v = state[k], state[n + k]
                    m.mul_(b1).add_((1 - b1) * g)
                    v.mul_(b2).add_((1 - b2) * g * g)
                    lr_t = lr * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t)
                    p -= lr_t * m / (v.sqrt() + eps)
        losses.append(float(data_loss))
    path = os.path.join(HERE, name + ".txt")
    with open(path, "w") as f:
        f.write("# Generated by make_fixtures.py with PyTorch %s; do not edit.\n"
                % torch.__version__)
        f.write("steps %d\n" % steps)

        def put(key, values):
            values = [float(v) for v in values]
            f.write("%s %d %s\n" % (key, len(values),
                                    " ".join("%.9g" % v for v in values)))

        put("params", torch.cat([p.reshape(-1) for p in init]))
        put("x", x.reshape(-1))
        put("y", y.reshape(-1))
        put("losses", losses)
        put("final", torch.cat([p.detach().reshape(-1) for p in ps]))
    print("wrote", path)


x = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
run("or_sgd", [layer(2, 1)], ["sigmoid"], "mean_square", "sgd", 2.0,
    x, torch.tensor([[0.], [1.], [1.], [1.]]), steps=5)

x = torch.randn(6, 2)
y = torch.nn.functional.one_hot(torch.tensor([0, 2, 1, 1, 0, 2]), 3).float()
run("softmax_adam_l2", [layer(2, 4), layer(4, 3)], ["tanh", "softmax"],
    "categorical_crossentropy", "adam", 0.01, x, y, steps=3, l2={0: 0.01})

x = torch.randn(7, 3)
y = torch.tensor([[1.], [0.], [1.], [1.], [0.], [0.], [1.]])
run("bce_momentum_clip", [layer(3, 5), layer(5, 1)], ["relu", "sigmoid"],
    "binary_crossentropy", "momentum", 0.1, x, y, steps=3, clip_norm=0.05)

x = torch.randn(5, 4)
y = torch.randn(5, 2)
run("mse_nobias", [layer(4, 3), layer(3, 2, bias=False)], ["sigmoid", "linear"],
    "mean_square", "sgd", 0.5, x, y, steps=3, clip_norm=0.0)

x = torch.randn(5, 6, 6, 2)
y = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 1, 0]), 3).float()
conv1 = (torch.randn(3, 3, 2, 3) * 0.3, torch.randn(3) * 0.1)
conv2 = (torch.randn(3, 3, 3, 4) * 0.3, torch.randn(4) * 0.1)
run("cnn_adam", [conv1, conv2, layer(16, 8), layer(8, 3)],
    ["conv_relu_pool2", "conv_relu_pool2", "relu", "softmax"],
    "categorical_crossentropy", "adam", 0.01, x, y, steps=3)

x = torch.randn(6, 3)
y = torch.nn.functional.one_hot(torch.tensor([0, 1, 1, 0, 1, 0]), 2).float()
for opt in ("nesterov", "rmsprop", "adagrad"):
    run("mlp_" + opt, [layer(3, 4), layer(4, 2)], ["tanh", "softmax"],
        "categorical_crossentropy", opt, 0.1, x, y, steps=3)

x = torch.randn(6, 3)
y = torch.nn.functional.one_hot(torch.tensor([2, 0, 1, 2, 1, 0]), 3).float()
run("sigmoid_cce_momentum", [layer(3, 4), layer(4, 3)], ["tanh", "sigmoid"],
    "categorical_crossentropy", "momentum", 0.5, x, y, steps=3)
