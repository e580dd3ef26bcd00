//===- DeviceSteps.cpp - Training steps of a CUDA model as graphs ---------===//

#include "DeviceSteps.h"

#include <algorithm>
#include <cstdio>

using namespace dlc::rt;

namespace {
constexpr size_t kMaxGraphs = 4; // two buffer sets x a last, smaller batch

/// One training step as the device runs it: the step number copied in
/// from page-locked memory, M_train_step_graph, the loss and y_pred
/// copied out to it. All of it is captured.
struct StepCall {
  const DeviceApi *d;
  TrainStepGraphFn fn;
  float *params, *optState;
  const float *x, *y;
  int64_t rows;
  int64_t *step; // device
  float *yPred;
  void *workspace;
  float *loss;   // device
  char *io;      // page-locked: step, loss, y_pred
  size_t yPredBytes;
  int operator()() const {
    if (d->copyAsync(step, io, 8) != 0)
      return -1;
    fn(params, optState, x, y, rows, step, yPred, workspace, loss);
    return d->copyAsync(io + 8, loss, 4) != 0 ||
                   d->copyAsync(io + 64, yPred, yPredBytes) != 0
               ? -1
               : 0;
  }
  static void invoke(void *self) { (*static_cast<StepCall *>(self))(); }
};

/// Why the CUDA model `m` trains without graphs, or "" when it can use
/// them.
std::string graphsUnavailable(const dlc_model &m) {
  const char *v = std::getenv("DLC_CUDA_GRAPHS");
  if (v && std::strcmp(v, "0") == 0)
    return "DLC_CUDA_GRAPHS=0";
  if (!m.trainStepGraph)
    return std::string("the library has no ") + m.desc->name +
           "_train_step_graph";
  const DeviceApi &d = *m.device;
  if (!d.graphCapture || !d.graphLaunch || !d.graphDestroy || !d.hostAlloc ||
      !d.hostFree || !d.upload || !d.uploadWait || !d.copyAsync)
    return "the library's CUDA runtime has no graph functions";
  return "";
}
} // namespace

dlc_trainer::~dlc_trainer() = default;

DeviceSteps *DeviceSteps::of(dlc_trainer &t) {
  if (t.deviceSteps)
    return t.deviceSteps.get();
  if (!t.model->device || !graphsUnavailable(*t.model).empty())
    return nullptr;
  t.deviceSteps.reset(new DeviceSteps(t));
  return t.deviceSteps.get();
}

DeviceSteps::DeviceSteps(dlc_trainer &t) : t(t), d(*t.model->device) {
  scalars.setDevice(&d);
  for (AlignedBuffer *b : {&x[0], &x[1], &y[0], &y[1]})
    b->setDevice(&d);
}

DeviceSteps::~DeviceSteps() {
  // Training may stop (or fail) while the next batch is uploaded: the copy
  // still reads the pinned buffer and writes x/y, which are freed next.
  if (uploading) {
    d.uploadWait();
    d.synchronize();
  }
  for (Graph &g : graphs)
    d.graphDestroy(g.graph);
  for (void *p : pinned)
    d.hostFree(p);
  d.hostFree(io);
}

dlc_status DeviceSteps::reserve(int64_t rows) {
  if (rows <= rowsCapacity && scalars.bytes())
    return DLC_OK;
  if (uploading) { // the buffers an upload uses are about to move
    uploading = false;
    if (d.uploadWait() != 0 || d.synchronize() != 0)
      return checkDevice(*t.model, "upload");
  }
  const size_t inBytes = size_t(rows) * t.model->inputWidth * 4;
  const size_t outBytes = size_t(rows) * t.model->outputWidth * 4;
  if (!scalars.reserve(64) || !x[0].reserve(inBytes) ||
      !x[1].reserve(inBytes) || !y[0].reserve(outBytes) ||
      !y[1].reserve(outBytes))
    return setError(DLC_ERR_OUT_OF_MEMORY,
                    "out of device memory for a %lld-row batch",
                    (long long)rows);
  if (inBytes + outBytes > pinnedBytes) {
    for (void **p : {&pinned[0], &pinned[1], &io}) {
      d.hostFree(*p);
      *p = d.hostAlloc(p == &io ? 64 + outBytes : inBytes + outBytes);
      if (!*p) {
        // Some buffers are gone: the next reserve allocates them all again.
        rowsCapacity = 0;
        pinnedBytes = 0;
        return setError(DLC_ERR_OUT_OF_MEMORY,
                        "out of page-locked memory for a %lld-row batch",
                        (long long)rows);
      }
    }
    pinnedBytes = inBytes + outBytes;
  }
  rowsCapacity = rows;
  return DLC_OK;
}

dlc_status DeviceSteps::stage(float *&xs, float *&ys, int64_t rows,
                              bool prefetched) {
  if (!prefetched && uploading) {
    // An upload nobody trained on (training stopped after prefetching):
    // let it finish before its staging buffer is written again.
    uploading = false;
    if (d.uploadWait() != 0 || d.synchronize() != 0)
      return checkDevice(*t.model, "upload");
  }
  if (dlc_status s = reserve(rows))
    return s;
  const size_t inBytes = size_t(rows) * t.model->inputWidth * 4;
  const size_t outBytes = size_t(rows) * t.model->outputWidth * 4;
  if (prefetched) {
    // The upload prefetch() started went to the other buffers.
    current ^= 1;
    uploading = false;
    if (d.uploadWait() != 0)
      return checkDevice(*t.model, "upload");
  } else {
    // Through the staging buffer, which keeps the targets for the host.
    char *staging = static_cast<char *>(pinned[current]);
    std::memcpy(staging, xs, inBytes);
    if (ys)
      std::memcpy(staging + inBytes, ys, outBytes);
    if (d.memcpy(x[current].bytes(), staging, inBytes) != 0 ||
        (ys && d.memcpy(y[current].bytes(), staging + inBytes, outBytes) != 0))
      return checkDevice(*t.model, "memcpy");
  }
  hostY = reinterpret_cast<const float *>(static_cast<char *>(pinned[current]) +
                                          inBytes);
  xs = x[current].floats();
  if (ys)
    ys = y[current].floats();
  return DLC_OK;
}

dlc_status DeviceSteps::prefetch(const float *xs, const float *ys,
                                 int64_t rows) {
  if (dlc_status s = reserve(rows))
    return s;
  const int next = current ^ 1;
  const size_t inBytes = size_t(rows) * t.model->inputWidth * 4;
  const size_t outBytes = size_t(rows) * t.model->outputWidth * 4;
  // The staging buffer and the device buffers of `next` were last used by
  // the previous step, which is complete.
  char *staging = static_cast<char *>(pinned[next]);
  std::memcpy(staging, xs, inBytes);
  std::memcpy(staging + inBytes, ys, outBytes);
  uploading = true;
  if (d.upload(x[next].bytes(), staging, inBytes) != 0 ||
      d.upload(y[next].bytes(), staging + inBytes, outBytes) != 0)
    return checkDevice(*t.model, "upload");
  return DLC_OK;
}

DeviceSteps::Graph *DeviceSteps::find(const void *const (&args)[kArgs],
                                      int64_t rows) {
  for (Graph &g : graphs)
    if (g.rows == rows && std::equal(args, args + kArgs, g.args))
      return &g;
  return nullptr;
}

void DeviceSteps::drop(Graph &g) {
  d.graphDestroy(g.graph);
  g = graphs.back();
  graphs.pop_back();
}

float DeviceSteps::run(const float *xs, const float *ys, int64_t rows,
                       int64_t step,
                       const std::function<dlc_status()> &whileRunning,
                       dlc_status &st) {
  st = DLC_OK;
  auto *slots = static_cast<char *>(scalars.bytes());
  char *host = static_cast<char *>(io);
  StepCall call{&d,
                t.model->trainStepGraph,
                t.params.floats(),
                t.optState.floats(),
                xs,
                ys,
                rows,
                reinterpret_cast<int64_t *>(slots),
                t.yPred.floats(),
                t.workspace.bytes(),
                reinterpret_cast<float *>(slots + 8),
                host,
                size_t(rows) * t.model->outputWidth * 4};
  if (failed) { // a capture failed: the plain step, as without graphs
    ++plain;
    float loss = t.desc->train_step(call.params, call.optState, xs, ys, rows,
                                    step, call.yPred, call.workspace);
    hostYPred = t.yPred.floats(); // managed memory, the device is idle
    if (whileRunning)
      st = whileRunning();
    return loss;
  }
  // Page-locked memory the graph copies from when it runs.
  std::memcpy(host, &step, 8);
  const void *args[kArgs] = {call.params, call.optState, xs,
                             ys,          call.step,     call.yPred,
                             call.workspace, call.loss,  host};
  bool launched = false;
  if (std::find(warmed.begin(), warmed.end(), rows) != warmed.end()) {
    Graph *g = find(args, rows);
    if (g) {
      int r = d.graphLaunch(g->graph);
      if (r < 0) {
        st = checkDevice(*t.model, "train_step");
        return 0;
      }
      if (r == 0) {
        g->used = ++clock;
        launched = true;
        ++replays;
      } else { // stale: the runtime's scratch memory moved
        drop(*g);
      }
    }
    if (!launched) {
      dlc_cuda_graph *graph = nullptr;
      char why[512] = "";
      if (d.graphCapture(&StepCall::invoke, &call, &graph, why, sizeof why) !=
          0) {
        // Nothing ran. Train on without graphs.
        std::fprintf(stderr,
                     "dlc: warning: model '%s': the training step cannot be "
                     "captured in a CUDA graph (%s); training goes on "
                     "without graphs\n",
                     t.desc->name, why[0] ? why : "unknown reason");
        failed = true;
        failure = why[0] ? why : "unknown reason";
        return run(xs, ys, rows, step, whileRunning, st);
      }
      if (graphs.size() == kMaxGraphs) {
        auto oldest = std::min_element(
            graphs.begin(), graphs.end(),
            [](const Graph &a, const Graph &b) { return a.used < b.used; });
        drop(*oldest);
      }
      Graph fresh;
      fresh.graph = graph;
      std::copy(args, args + kArgs, fresh.args);
      fresh.rows = rows;
      fresh.used = ++clock;
      graphs.push_back(fresh);
      ++captures;
      ++replays;
      if (d.graphLaunch(graph) != 0) {
        st = checkDevice(*t.model, "train_step");
        if (st == DLC_OK)
          st = setError(DLC_ERR_DEVICE, "model '%s': a fresh CUDA graph of "
                                        "the training step is stale",
                        t.desc->name);
        return 0;
      }
      launched = true;
    }
  }
  if (!launched) { // the first step of this batch size: no capture yet
    if (call() != 0) {
      st = checkDevice(*t.model, "train_step");
      return 0;
    }
    warmed.push_back(rows);
    ++direct;
  }
  if (whileRunning)
    st = whileRunning(); // overlaps the device's work
  if (d.synchronize() != 0) {
    dlc_status s = checkDevice(*t.model, "train_step");
    if (st == DLC_OK)
      st = s;
    return 0;
  }
  hostYPred = reinterpret_cast<const float *>(host + 64);
  float loss;
  std::memcpy(&loss, host + 8, 4);
  return loss;
}

std::string DeviceSteps::summary() const {
  std::string s = "CUDA graphs: " + std::to_string(captures) + " captured; of " +
                  std::to_string(replays + direct + plain) + " steps, " +
                  std::to_string(replays) + " replayed, " +
                  std::to_string(direct) + " run directly";
  if (failed)
    s += ", " + std::to_string(plain) +
         " without graphs after a failed capture (" + failure + ")";
  return s;
}

const char *dlc_trainer_device_summary(dlc_trainer *t) {
  if (!t || !t->model || !t->model->device)
    return nullptr;
  try { // nothing may escape through the C ABI
    if (DeviceSteps *steps = t->deviceSteps.get())
      t->deviceSummary = steps->summary();
    else if (std::string why = graphsUnavailable(*t->model); !why.empty())
      t->deviceSummary = "CUDA graphs: off (" + why + ")";
    else
      t->deviceSummary = "CUDA graphs: no training step yet";
  } catch (...) {
    return nullptr;
  }
  return t->deviceSummary.c_str();
}
