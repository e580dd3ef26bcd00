//===- DeviceSteps.h - Training steps of a CUDA model as graphs -*- C++ -*-===//
//
// A CUDA model whose library exports M_train_step_graph trains with its
// steps replayed as CUDA graphs (docs/cuda.md): the first step of a batch
// size runs the step function directly (cuDNN's algorithm search and the
// runtime's scratch buffers happen then), the next captures it, and later
// steps with the same buffers launch the graph. The step's host side goes
// through page-locked memory, never managed memory (whose pages would move
// between host and device every step): the graph copies the step number
// in first and the loss and the predictions out last, and the batch is
// staged there. While a step runs, the next batch is copied to page-locked
// memory and uploaded on the library's copy stream into the other of two
// device buffers.
//
// DLC_CUDA_GRAPHS=0 in the environment turns this off: every step is one
// M_train_step call, as for libraries without M_train_step_graph.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_DEVICESTEPS_H
#define DLC_RUNTIME_LIB_DEVICESTEPS_H

#include "Internal.h"

#include <functional>

namespace dlc::rt {

class DeviceSteps {
public:
  /// The trainer's DeviceSteps, created on first use; null when its model
  /// trains without graphs (a CPU model, DLC_CUDA_GRAPHS=0, a library
  /// without M_train_step_graph or the runtime's graph functions).
  static DeviceSteps *of(dlc_trainer &t);
  ~DeviceSteps();
  DeviceSteps(const DeviceSteps &) = delete;
  DeviceSteps &operator=(const DeviceSteps &) = delete;

  /// Grows the device and page-locked batch buffers to `rows` rows.
  dlc_status reserve(int64_t rows);

  /// Points a batch's inputs `x` and targets `y` (host rows) at device
  /// memory: the upload prefetch() started for it, or a copy made now
  /// through the page-locked staging buffer.
  dlc_status stage(float *&x, float *&y, int64_t rows, bool prefetched);

  /// Starts uploading `rows` rows of host inputs and targets as the next
  /// batch, into the buffers the current step does not use.
  dlc_status prefetch(const float *x, const float *y, int64_t rows);

  /// Runs training step `step` on the staged batch; `whileRunning` is
  /// called while the device works. The loss, or a status in `st`.
  float run(const float *x, const float *y, int64_t rows, int64_t step,
            const std::function<dlc_status()> &whileRunning,
            dlc_status &st);

  /// "CUDA graphs: 2 captured; of 2000 steps, 1998 replayed, 2 run
  /// directly" (dlc_trainer_device_summary).
  std::string summary() const;

  /// After run(): the step's predictions and the batch's targets, in host
  /// memory.
  const float *predictions() const { return hostYPred; }
  const float *targets() const { return hostY; }

private:
  explicit DeviceSteps(dlc_trainer &t);

  /// A captured step and the arguments it was captured with.
  static constexpr int kArgs = 9;
  struct Graph {
    dlc_cuda_graph *graph = nullptr;
    const void *args[kArgs] = {};
    int64_t rows = 0;
    uint64_t used = 0; // for eviction
  };
  Graph *find(const void *const (&args)[kArgs], int64_t rows);
  void drop(Graph &g);

  dlc_trainer &t;
  const DeviceApi &d;
  AlignedBuffer scalars;            // int64 step at 0, float loss at 8
  AlignedBuffer x[2], y[2];         // device copies of two batches
  void *pinned[2] = {};             // page-locked staging of x then y
  size_t pinnedBytes = 0;
  // Page-locked: int64 step at 0, float loss at 8, y_pred from 64.
  void *io = nullptr;
  const float *hostYPred = nullptr, *hostY = nullptr;
  int64_t rowsCapacity = 0;
  int current = 0;                  // the buffers of the staged batch
  bool uploading = false;           // a prefetch not staged yet
  std::vector<Graph> graphs;        // at most kMaxGraphs
  std::vector<int64_t> warmed;      // batch sizes that ran uncaptured
  uint64_t clock = 0;
  bool failed = false;              // a capture failed: plain steps
  std::string failure;              // why
  int64_t captures = 0, replays = 0, direct = 0, plain = 0;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_DEVICESTEPS_H
