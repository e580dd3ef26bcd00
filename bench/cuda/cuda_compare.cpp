//===- cuda_compare.cpp - A CUDA model library against its CPU build ------===//
//
//   dlc-cuda-compare check CPU.so CUDA.so [--batch B] [--seed S] [--exact]
//       The same network compiled for both targets: from the same
//       parameters and batch, forward, every layer output of
//       M_activations, eval_step (loss, y_pred), gradient (loss and every
//       parameter's gradient) and the first train_step (loss, y_pred) must
//       agree to
//       1e-4, relative to the magnitude of each result; with --exact, bit
//       for bit. The second library may also be a cuda-host build (the
//       CUDA lowering run on the host), as may the first.
//   dlc-cuda-compare bench NET.so [--batch B] [--steps N]
//       train_step throughput on a random batch (CPU or CUDA library):
//       images (examples) per second after 10 warm-up steps.
//   dlc-cuda-compare graph CUDA.so [--batch B] [--steps N]
//       M_train_step_graph replayed as a CUDA graph against M_train_step:
//       from the same parameters, N steps each (step 1 of the graph step
//       runs directly, step 2 is captured, the rest replay it) must give
//       the same losses, parameters and optimizer state (to 1e-4; the
//       largest difference is printed); then the throughput of both. For a
//       cuda-host library, M_train_step_graph is called directly (bit for
//       bit the same as M_train_step).
//
// Exit status: 0 ok, 1 mismatch or error, 77 no CUDA device (skipped).
// Uses only the model ABI (dlc/model_abi.h, dlc/cuda_abi.h) and libdl.
//
//===----------------------------------------------------------------------===//

#include "dlc/cuda_abi.h"
#include "dlc/model_abi.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <random>
#include <string>
#include <vector>

namespace {

struct Lib {
  void *handle = nullptr;
  const dlc_model_desc *d = nullptr;
  int (*init)(char *, size_t) = nullptr;
  void *(*alloc)(size_t) = nullptr;
  void (*release)(void *) = nullptr;
  int (*sync)(void) = nullptr;
  const char *(*lastError)(void) = nullptr;
  int (*capture)(void (*)(void *), void *, dlc_cuda_graph **, char *,
                 size_t) = nullptr;
  int (*launch)(dlc_cuda_graph *) = nullptr;
  void (*destroy)(dlc_cuda_graph *) = nullptr;
  void (*graphStep)(float *, float *, const float *, const float *, int64_t,
                    const int64_t *, float *, void *, float *) = nullptr;
  int (*copyAsync)(void *, const void *, size_t) = nullptr;
  void *(*hostAlloc)(size_t) = nullptr;

  bool open(const char *path) {
    std::string p = std::strchr(path, '/') ? path : std::string("./") + path;
    handle = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      std::fprintf(stderr, "%s\n", dlerror());
      return false;
    }
    auto models = (dlc_models_fn)dlsym(handle, "dlc_models");
    if (!models || !models() || !models()[0]) {
      std::fprintf(stderr, "%s: not a dlc model library\n", path);
      return false;
    }
    d = models()[0];
    graphStep = (decltype(graphStep))dlsym(
        handle, (std::string(d->name) + "_train_step_graph").c_str());
    if (d->device == DLC_DEVICE_CUDA) {
      init = (int (*)(char *, size_t))dlsym(handle, "dlc_cuda_init");
      alloc = (void *(*)(size_t))dlsym(handle, "dlc_cuda_alloc");
      release = (void (*)(void *))dlsym(handle, "dlc_cuda_free");
      sync = (int (*)(void))dlsym(handle, "dlc_cuda_synchronize");
      lastError = (const char *(*)(void))dlsym(handle, "dlc_cuda_last_error");
      capture = (decltype(capture))dlsym(handle, "dlc_cuda_graph_capture");
      launch = (decltype(launch))dlsym(handle, "dlc_cuda_graph_launch");
      destroy = (decltype(destroy))dlsym(handle, "dlc_cuda_graph_destroy");
      copyAsync = (decltype(copyAsync))dlsym(handle, "dlc_cuda_copy_async");
      hostAlloc = (decltype(hostAlloc))dlsym(handle, "dlc_cuda_host_alloc");
      if (!init || !alloc || !release || !sync || !lastError) {
        std::fprintf(stderr, "%s: CUDA library without dlc_cuda_*\n", path);
        return false;
      }
    }
    return true;
  }
  bool cuda() const { return d->device == DLC_DEVICE_CUDA; }
  /// Memory the library's functions accept (zeroed).
  float *buffer(size_t bytes) {
    bytes = bytes ? bytes : 4;
    void *p = cuda() ? alloc(bytes) : std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p)
      std::memset(p, 0, bytes);
    return static_cast<float *>(p);
  }
  bool ok(const char *what) const {
    if (!cuda() || !lastError())
      return true;
    std::fprintf(stderr, "%s: device error: %s\n", what, lastError());
    return false;
  }
};

int64_t width(int64_t rank, const int64_t *shape) {
  int64_t w = 1;
  for (int64_t i = 1; i < rank; ++i)
    w *= shape[i];
  return w;
}

/// Random inputs in [0, 1) and targets (one-hot for classifiers).
void makeBatch(const dlc_model_desc *d, int64_t b, uint32_t seed,
               std::vector<float> &x, std::vector<float> &y) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int64_t inW = width(d->input_rank, d->input_shape),
                outW = width(d->output_rank, d->output_shape);
  x.resize(b * inW);
  for (float &v : x)
    v = u(rng);
  y.assign(b * outW, 0.0f);
  const bool classes = d->loss == DLC_LOSS_CATEGORICAL_CROSSENTROPY ||
                       d->loss == DLC_LOSS_SOFTMAX_CATEGORICAL_CROSSENTROPY;
  for (int64_t i = 0; i < b; ++i)
    if (classes)
      y[i * outW + rng() % outW] = 1.0f;
    else
      for (int64_t j = 0; j < outW; ++j)
        y[i * outW + j] = u(rng) < 0.5f ? 0.0f : 1.0f;
}

int failures = 0;
/// --exact: results must be the same bit for bit.
bool exact = false;

/// The root mean square of n values.
double rms(const float *v, int64_t n) {
  double sq = 0;
  for (int64_t i = 0; i < n; ++i)
    sq += (double)v[i] * v[i];
  return n ? std::sqrt(sq / n) : 0;
}

/// Each value relative to the larger of its magnitude, the RMS of the n
/// values and `floor` (a parameter's gradient: the RMS of the whole
/// gradient, so that a gradient that is zero but for rounding, such as a
/// bias before batch normalization, is not compared digit by digit).
void compare(const char *what, const float *cpu, const float *gpu, int64_t n,
             double floor = 0) {
  double worst = 0;
  const double rms = std::max(::rms(cpu, n), floor);
  int64_t bad = 0, at = 0;
  for (int64_t i = 0; i < n; ++i) {
    double scale = std::max<double>(std::fabs(cpu[i]), rms) + 1e-30;
    double rel = std::fabs((double)gpu[i] - cpu[i]) / scale;
    const bool differ = exact ? std::memcmp(&cpu[i], &gpu[i], 4) != 0
                              : !(rel <= 1e-4);
    if (differ && bad++ == 0)
      at = i;
    if (rel > worst || std::isnan(rel))
      worst = std::isnan(rel) ? INFINITY : rel;
  }
  std::printf("  %-28s %9lld values  max rel diff %.2e  %s\n", what,
              (long long)n, worst, bad ? "MISMATCH" : "ok");
  if (bad) {
    std::printf("    %lld differ; first at %lld: %.9g, then %.9g\n",
                (long long)bad, (long long)at, cpu[at], gpu[at]);
    ++failures;
  }
}

int check(const char *cpuPath, const char *gpuPath, int64_t batch,
          uint32_t seed) {
  Lib c, g;
  if (!c.open(cpuPath) || !g.open(gpuPath))
    return 1;
  if (c.cuda()) {
    std::fprintf(stderr, "check: expects a CPU library, then a CUDA one\n");
    return 1;
  }
  char why[512];
  if (g.cuda() && g.init(why, sizeof why) != 0) {
    std::printf("SKIP %s: no CUDA device: %s\n", gpuPath, why);
    return 77;
  }
  const dlc_model_desc *cd = c.d, *gd = g.d;
  if (cd->fingerprint != gd->fingerprint ||
      cd->param_floats != gd->param_floats ||
      cd->opt_state_floats != gd->opt_state_floats) {
    std::fprintf(stderr, "check: the libraries hold different models\n");
    return 1;
  }
  std::printf("%s (batch %lld): %s vs %s%s\n", cd->name, (long long)batch,
              cpuPath, gpuPath, exact ? " (bit for bit)" : "");
  const int64_t P = cd->param_floats, O = cd->opt_state_floats;
  const int64_t outW = width(cd->output_rank, cd->output_shape);
  std::vector<float> x, y;
  makeBatch(cd, batch, seed, x, y);
  // Both start from the CPU library's initial parameters.
  float *cp = c.buffer(P * 4), *gp = g.buffer(P * 4);
  cd->init_params(cp, seed);
  std::memcpy(gp, cp, P * 4);
  float *cx = c.buffer(x.size() * 4), *gx = g.buffer(x.size() * 4);
  float *cy = c.buffer(y.size() * 4), *gy = g.buffer(y.size() * 4);
  std::memcpy(cx, x.data(), x.size() * 4);
  std::memcpy(gx, x.data(), x.size() * 4);
  std::memcpy(cy, y.data(), y.size() * 4);
  std::memcpy(gy, y.data(), y.size() * 4);
  float *cw = c.buffer(dlc_workspace_bytes(cd, batch)),
        *gw = g.buffer(dlc_workspace_bytes(gd, batch));
  float *cout = c.buffer(batch * outW * 4), *gout = g.buffer(batch * outW * 4);
  if (!cp || !gp || !cx || !gx || !cy || !gy || !cw || !gw || !cout || !gout) {
    std::fprintf(stderr, "check: out of memory: %s\n",
                 g.lastError() ? g.lastError() : "");
    return 1;
  }

  cd->forward(cp, cx, cout, batch, cw);
  gd->forward(gp, gx, gout, batch, gw);
  if (!g.ok("forward"))
    return 1;
  compare("forward", cout, gout, batch * outW);

  // Each layer's output: where the forward pass first differs.
  if (cd->activations && gd->activations &&
      cd->num_activations == gd->num_activations &&
      cd->activation_floats == gd->activation_floats) {
    const int64_t n = cd->activation_floats * batch;
    float *ca = c.buffer(n * 4), *ga = g.buffer(n * 4);
    if (!ca || !ga) {
      std::fprintf(stderr, "check: out of memory\n");
      return 1;
    }
    cd->activations(cp, cx, batch, ca, cw);
    gd->activations(gp, gx, batch, ga, gw);
    if (!g.ok("activations") || (g.cuda() && g.sync() != 0))
      return 1;
    for (int64_t i = 0; i < cd->num_activations; ++i) {
      const dlc_activation_desc &a = cd->activation_descs[i];
      compare((std::string("layer: ") + a.name).c_str(),
              ca + a.offset * batch, ga + a.offset * batch, a.size * batch);
    }
  }

  if (cd->eval_step && gd->eval_step) {
    float cl = cd->eval_step(cp, cx, cy, batch, cout, cw);
    float gl = gd->eval_step(gp, gx, gy, batch, gout, gw);
    if (!g.ok("eval_step"))
      return 1;
    compare("eval_step: loss", &cl, &gl, 1);
    compare("eval_step: y_pred", cout, gout, batch * outW);
  }

  if (cd->gradient && gd->gradient) {
    float *cg = c.buffer(P * 4), *gg = g.buffer(P * 4);
    float cl = cd->gradient(cp, cx, cy, batch, cg, cw);
    float gl = gd->gradient(gp, gx, gy, batch, gg, gw);
    if (!g.ok("gradient"))
      return 1;
    compare("gradient: loss", &cl, &gl, 1);
    for (int64_t i = 0; i < cd->num_params; ++i) {
      const dlc_param_desc &p = cd->params[i];
      compare((std::string("gradient: ") + p.name).c_str(), cg + p.offset,
              gg + p.offset, p.size, rms(cg, P));
    }
  }

  float *co = c.buffer(O * 4), *go = g.buffer(O * 4);
  float cl = cd->train_step(cp, co, cx, cy, batch, 1, cout, cw);
  float gl = gd->train_step(gp, go, gx, gy, batch, 1, gout, gw);
  if (!g.ok("train_step"))
    return 1;
  compare("train_step 1: loss", &cl, &gl, 1);
  compare("train_step 1: y_pred", cout, gout, batch * outW);
  double worst = 0;
  for (int64_t i = 0; i < P; ++i)
    worst = std::max(worst, (double)std::fabs(cp[i] - gp[i]));
  std::printf("  %-28s max abs diff %.2e (information: optimizers amplify "
              "tiny gradient differences)\n",
              "train_step 1: parameters", worst);
  std::printf("%s %s\n", failures ? "FAIL" : "PASS", cd->name);
  return failures ? 1 : 0;
}

int bench(const char *path, int64_t batch, int64_t steps) {
  Lib l;
  if (!l.open(path))
    return 1;
  char why[512];
  if (l.cuda() && l.init(why, sizeof why) != 0) {
    std::printf("SKIP %s: no CUDA device: %s\n", path, why);
    return 77;
  }
  const dlc_model_desc *d = l.d;
  const int64_t outW = width(d->output_rank, d->output_shape);
  std::vector<float> x, y;
  makeBatch(d, batch, 1, x, y);
  float *p = l.buffer(d->param_floats * 4), *o = l.buffer(d->opt_state_floats * 4);
  float *bx = l.buffer(x.size() * 4), *by = l.buffer(y.size() * 4);
  float *w = l.buffer(dlc_workspace_bytes(d, batch));
  float *yp = l.buffer(batch * outW * 4);
  if (!p || !o || !bx || !by || !w || !yp) {
    std::fprintf(stderr, "bench: out of memory\n");
    return 1;
  }
  d->init_params(p, 1);
  std::memcpy(bx, x.data(), x.size() * 4);
  std::memcpy(by, y.data(), y.size() * 4);
  int64_t step = 1;
  float loss = 0;
  for (int i = 0; i < 10; ++i)
    loss = d->train_step(p, o, bx, by, batch, step++, yp, w);
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i)
    loss = d->train_step(p, o, bx, by, batch, step++, yp, w);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                 .count();
  if (!l.ok("train_step"))
    return 1;
  std::printf("BENCH %s %s batch %lld: %.1f images/s (%.3f ms/step, loss "
              "%.4f)\n",
              d->name, l.cuda() ? "cuda" : "cpu", (long long)batch,
              steps * batch / s, 1e3 * s / steps, loss);
  return 0;
}

/// One M_train_step_graph call as the runtime captures it: the step copied
/// in from page-locked memory, the loss copied out to it.
struct GraphCall {
  Lib *l;
  float *p, *o;
  const float *x, *y;
  int64_t batch;
  int64_t *step; // device
  float *yp;
  void *w;
  float *loss;   // device
  char *io;      // page-locked: step at 0, loss at 8
  void operator()() const {
    l->copyAsync(step, io, 8);
    l->graphStep(p, o, x, y, batch, step, yp, w, loss);
    l->copyAsync(io + 8, loss, 4);
  }
  static void invoke(void *self) { (*static_cast<GraphCall *>(self))(); }
};

/// The state of two trainers of one model from the same parameters, plain
/// steps (a) and graph steps (g), in the library's memory; one random batch.
struct TwoTrainers {
  const dlc_model_desc *d;
  int64_t batch, outW;
  std::vector<float> x, y;
  float *pa, *oa, *pg, *og, *w, *ya, *yg;
  TwoTrainers(Lib &l, int64_t batch) : d(l.d), batch(batch) {
    outW = width(d->output_rank, d->output_shape);
    makeBatch(d, batch, 1, x, y);
    pa = l.buffer(d->param_floats * 4);
    oa = l.buffer(d->opt_state_floats * 4);
    pg = l.buffer(d->param_floats * 4);
    og = l.buffer(d->opt_state_floats * 4);
    w = l.buffer(dlc_workspace_bytes(d, batch));
    ya = l.buffer(batch * outW * 4);
    yg = l.buffer(batch * outW * 4);
    if (ok()) {
      d->init_params(pa, 1);
      d->init_params(pg, 1);
    }
  }
  bool ok() const { return pa && oa && pg && og && w && ya && yg; }
  /// Both trainers' parameters, optimizer state and last y_pred compared.
  void compareStates() const {
    compare("parameters after the steps", pa, pg, d->param_floats);
    compare("optimizer state after the steps", oa, og, d->opt_state_floats);
    compare("y_pred of the last step", ya, yg, batch * outW);
  }
};

/// `graph` for a cuda-host library: M_train_step_graph called directly,
/// host memory, against M_train_step bit for bit.
int graphOnHost(Lib &l, const char *path, int64_t batch, int64_t steps) {
  if (!l.graphStep) {
    std::printf("FAIL %s: no %s_train_step_graph (not a cuda-host "
                "library?)\n",
                path, l.d->name);
    return 1;
  }
  exact = true;
  TwoTrainers t(l, batch);
  if (!t.ok()) {
    std::fprintf(stderr, "graph: out of memory\n");
    return 1;
  }
  const dlc_model_desc *d = l.d;
  const float *x = t.x.data(), *y = t.y.data();
  for (int64_t s = 1; s <= steps; ++s) {
    float la = d->train_step(t.pa, t.oa, x, y, batch, s, t.ya, t.w);
    float lg = 0;
    l.graphStep(t.pg, t.og, x, y, batch, &s, t.yg, t.w, &lg);
    if (std::memcmp(&la, &lg, 4) != 0) {
      std::printf("MISMATCH step %lld loss: train_step %.9g, graph step "
                  "%.9g\n",
                  (long long)s, la, lg);
      ++failures;
    }
  }
  t.compareStates();
  std::printf("GRAPH %s (host): %lld steps of the graph step, bit for bit "
              "%s\n",
              d->name, (long long)steps, failures ? "MISMATCH" : "ok");
  return failures ? 1 : 0;
}

int graph(const char *path, int64_t batch, int64_t steps) {
  Lib l;
  if (!l.open(path))
    return 1;
  char why[512];
  if (!l.cuda())
    return graphOnHost(l, path, batch, steps);
  if (l.init(why, sizeof why) != 0) {
    std::printf("SKIP %s: no CUDA device: %s\n", path, why);
    return 77;
  }
  if (!l.capture || !l.launch || !l.destroy || !l.graphStep || !l.copyAsync ||
      !l.hostAlloc) {
    std::printf("FAIL %s: no %s_train_step_graph or dlc_cuda_graph_*\n", path,
                l.d->name);
    return 1;
  }
  const dlc_model_desc *d = l.d;
  TwoTrainers t(l, batch);
  const std::vector<float> &x = t.x, &y = t.y;
  float *pa = t.pa, *oa = t.oa, *pg = t.pg, *og = t.og, *w = t.w, *ya = t.ya,
        *yg = t.yg;
  float *bx = l.buffer(x.size() * 4), *by = l.buffer(y.size() * 4);
  auto *slots = reinterpret_cast<int64_t *>(l.buffer(64));
  char *io = static_cast<char *>(l.hostAlloc(64));
  if (!t.ok() || !bx || !by || !slots || !io) {
    std::fprintf(stderr, "graph: out of memory\n");
    return 1;
  }
  int64_t *stepSlot = slots;
  float *lossSlot = reinterpret_cast<float *>(slots + 1);
  std::memcpy(bx, x.data(), x.size() * 4);
  std::memcpy(by, y.data(), y.size() * 4);
  GraphCall call{&l, pg, og, bx, by, batch, stepSlot, yg, w, lossSlot, io};
  auto hostLoss = [&] {
    float v;
    std::memcpy(&v, io + 8, 4);
    return v;
  };
  dlc_cuda_graph *g = nullptr;
  const int64_t n = std::min<int64_t>(steps, 20);
  double worstLoss = 0;
  for (int64_t s = 1; s <= n; ++s) {
    float la = d->train_step(pa, oa, bx, by, batch, s, ya, w);
    std::memcpy(io, &s, 8);
    if (s == 1) {
      call();
      l.sync();
    } else {
      if (!g && l.capture(&GraphCall::invoke, &call, &g, why, sizeof why) != 0) {
        std::printf("FAIL %s: capture: %s\n", path, why);
        return 1;
      }
      if (l.launch(g) != 0 || l.sync() != 0) {
        std::printf("FAIL %s: launch: %s\n", path,
                    l.lastError() ? l.lastError() : "stale graph");
        return 1;
      }
    }
    if (!l.ok("graph step"))
      return 1;
    const float lg = hostLoss();
    const double diff = std::fabs((double)la - lg);
    worstLoss = std::max(worstLoss, diff / std::max(1e-6, std::fabs((double)la)));
    if (diff > 1e-4 * std::max(1.0, std::fabs((double)la))) {
      std::printf("MISMATCH step %lld loss: train_step %.7g, graph %.7g\n",
                  (long long)s, la, lg);
      ++failures;
    }
  }
  double worstParam = 0;
  for (int64_t i = 0; i < d->param_floats; ++i)
    worstParam = std::max(worstParam, (double)std::fabs(pa[i] - pg[i]));
  t.compareStates();
  std::printf("GRAPH %s: %lld steps, largest relative loss difference %.3g, "
              "largest parameter difference %.3g\n",
              d->name, (long long)n, worstLoss, worstParam);
  if (!g) { // one step: nothing captured, nothing to time
    std::printf("FAIL %s: --steps must be at least 2 to capture a graph\n", path);
    return 1;
  }
  // Throughput: plain steps, then graph replays, same state sizes.
  auto time = [&](bool replay) {
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i) {
      if (replay) {
        const int64_t s = n + 1 + i;
        std::memcpy(io, &s, 8);
        l.launch(g);
        l.sync();
      } else {
        d->train_step(pa, oa, bx, by, batch, n + 1 + i, ya, w);
      }
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  const double plain = time(false), replayed = time(true);
  // What a trainer that queued the next step before waiting for this one
  // could reach: the replays back to back, one wait at the end (the step
  // number stays the same, so this is for timing only).
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i)
    l.launch(g);
  l.sync();
  const double queued =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  if (!l.ok("graph bench"))
    return 1;
  std::printf("BENCH %s cuda batch %lld: %.1f images/s with a CUDA graph "
              "(%.3f ms/step), %.1f images/s without (%.3f ms/step)\n",
              d->name, (long long)batch, steps * batch / replayed,
              1e3 * replayed / steps, steps * batch / plain,
              1e3 * plain / steps);
  std::printf("QUEUED %s cuda batch %lld: %.1f images/s with the replays "
              "queued back to back (%.3f ms/step; timing only)\n",
              d->name, (long long)batch, steps * batch / queued,
              1e3 * queued / steps);
  l.destroy(g);
  return failures ? 1 : 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: dlc-cuda-compare check CPU.so CUDA.so [--batch B] "
               "[--seed S] [--exact]\n"
               "       dlc-cuda-compare bench NET.so [--batch B] [--steps N]\n"
               "       dlc-cuda-compare graph CUDA.so [--batch B] [--steps N]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3)
    return usage();
  std::string mode = argv[1];
  std::vector<std::string> pos;
  int64_t batch = mode == "check" ? 8 : 96, steps = 100;
  uint32_t seed = 1;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--exact") {
      exact = true;
    } else if ((a == "--batch" || a == "--steps" || a == "--seed") &&
               i + 1 < argc) {
      long long v = std::atoll(argv[++i]);
      if (v < 1)
        return usage();
      if (a == "--batch")
        batch = v;
      else if (a == "--steps")
        steps = v;
      else
        seed = (uint32_t)v;
    } else {
      pos.push_back(a);
    }
  }
  if (mode == "check" && pos.size() == 2)
    return check(pos[0].c_str(), pos[1].c_str(), batch, seed);
  if (mode == "bench" && pos.size() == 1)
    return bench(pos[0].c_str(), batch, steps);
  if (mode == "graph" && pos.size() == 1)
    return graph(pos[0].c_str(), batch, steps);
  return usage();
}
