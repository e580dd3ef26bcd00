//===- Internal.h - Shared internals of the dlc runtime ---------*- C++ -*-===//
//
// The C API's opaque objects and the helpers every runtime file uses: error
// reporting, exception guards at the C boundary, aligned buffers.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_INTERNAL_H
#define DLC_RUNTIME_LIB_INTERNAL_H

#include "dlc/cuda_abi.h"
#include "dlc/runtime.h"

#include <cstdint>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace dlc::rt {

/// Slicing-by-8 tables of a reflected CRC-32 polynomial.
struct CrcTables {
  explicit CrcTables(uint32_t reflectedPoly);
  uint32_t t[8][256];
};

/// Continues a CRC-32 (initial and final inversion) over `data`.
uint32_t crcUpdate(const CrcTables &tables, uint32_t crc, const void *data,
                   size_t size);

/// Records a one-line message for dlc_last_error() and returns `status`.
dlc_status setError(dlc_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/// Runs `body` (returning dlc_status) so that no exception escapes to C.
template <typename Fn> dlc_status guarded(Fn &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return setError(DLC_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (...) {
    return setError(DLC_ERR_INTERNAL, "internal error: unexpected exception");
  }
}

/// Appends the rest of `f` to `out` (a byte vector or string) and closes
/// `f`; "PATH: cannot read: ..." (DLC_ERR_IO) on a read error.
template <typename Buffer>
dlc_status readAndClose(std::FILE *f, const char *path, Buffer &out) {
  char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0)
    out.insert(out.end(), chunk, chunk + got);
  const bool failed = std::ferror(f);
  const int err = errno;
  std::fclose(f);
  if (failed)
    return setError(DLC_ERR_IO, "%s: cannot read: %s", path,
                    std::strerror(err));
  return DLC_OK;
}

/// Product of shape[1..rank): the floats of one example.
int64_t exampleWidth(int64_t rank, const int64_t *shape);

/// The device functions a CUDA model library exports (dlc/cuda_abi.h),
/// found with dlsym when the model is opened (Model.cpp).
struct DeviceApi {
  int (*init)(char *message, size_t size) = nullptr;
  void *(*alloc)(size_t bytes) = nullptr;
  void (*free)(void *pointer) = nullptr;
  int (*memcpy)(void *dst, const void *src, size_t bytes) = nullptr;
  int (*synchronize)(void) = nullptr;
  const char *(*lastError)(void) = nullptr;
  // CUDA graphs and overlapped uploads (optional: null in libraries built
  // before them; DeviceSteps.cpp).
  int (*graphCapture)(void (*fn)(void *), void *arg, dlc_cuda_graph **graph,
                      char *message, size_t size) = nullptr;
  int (*graphLaunch)(dlc_cuda_graph *graph) = nullptr;
  void (*graphDestroy)(dlc_cuda_graph *graph) = nullptr;
  void *(*hostAlloc)(size_t bytes) = nullptr;
  void (*hostFree)(void *pointer) = nullptr;
  int (*upload)(void *dst, const void *src, size_t bytes) = nullptr;
  int (*uploadWait)(void) = nullptr;
  int (*copyAsync)(void *dst, const void *src, size_t bytes) = nullptr;
};

/// M_train_step_graph of a CUDA model library (dlc/cuda_abi.h).
using TrainStepGraphFn = void (*)(float *params, float *opt_state,
                                  const float *x, const float *y,
                                  int64_t batch, const int64_t *step,
                                  float *y_pred, void *workspace, float *loss);

class DeviceSteps;

/// A 64-byte aligned, zero-initialised float/byte buffer that only grows.
/// With a device (setDevice, before the first reserve) the memory comes
/// from the model library's dlc_cuda_alloc: managed memory, which the host
/// reads and writes directly while the device is idle.
class AlignedBuffer {
public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  ~AlignedBuffer() { release(data_); }

  void setDevice(const DeviceApi *device) { device_ = device; }

  /// Makes room for at least `bytes` bytes; false when out of memory.
  bool reserve(size_t bytes) {
    if (bytes <= capacity_ && data_)
      return true;
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded == 0)
      rounded = 64;
    void *fresh = device_ ? device_->alloc(rounded)
                          : std::aligned_alloc(64, rounded);
    if (!fresh)
      return false;
    std::memset(fresh, 0, rounded);
    if (data_)
      std::memcpy(fresh, data_, capacity_);
    release(data_);
    data_ = fresh;
    capacity_ = rounded;
    return true;
  }
  float *floats() const { return static_cast<float *>(data_); }
  void *bytes() const { return data_; }
  size_t capacity() const { return capacity_; }

private:
  void release(void *p) {
    if (device_)
      device_->free(p);
    else
      std::free(p);
  }
  void *data_ = nullptr;
  size_t capacity_ = 0;
  const DeviceApi *device_ = nullptr;
};

} // namespace dlc::rt

struct dlc_model {
  void *handle = nullptr; // dlopen handle, null for dlc_model_from_desc
  const dlc_model_desc *desc = nullptr;
  int64_t inputWidth = 0, outputWidth = 0;
  // desc->device == DLC_DEVICE_CUDA: the library's device functions (the
  // runtime allocates every buffer it passes to the model with them);
  // null for a CPU model.
  const dlc::rt::DeviceApi *device = nullptr;
  dlc::rt::DeviceApi deviceApi;
  // A CUDA model's M_train_step_graph, when its library has one.
  dlc::rt::TrainStepGraphFn trainStepGraph = nullptr;
};

struct dlc_dataset {
  int64_t n = 0, inputWidth = 0, targetWidth = 0;
  std::vector<float> x, y;
  // Image data (runtime/lib/DataReaders.cpp): rows are H x W x C floats.
  // Zero when unknown (CSV, arrays, npy of rank != 4).
  int64_t height = 0, width = 0, channels = 0;
  int64_t numClasses = 0;              // y is one-hot of this width; 0: unknown
  std::vector<std::string> classNames; // image folders: the sub-folder names
};

struct dlc_trainer {
  const dlc_model *model = nullptr;
  const dlc_model_desc *desc = nullptr;
  dlc::rt::AlignedBuffer params, optState, workspace, yPred;
  // Device models only: the batch's inputs and targets copied to device
  // memory for each call (the data sets and the pipeline stay in host memory).
  dlc::rt::AlignedBuffer deviceX, deviceY;
  int64_t batchCapacity = 0; // rows the workspace, yPred and deviceX/Y hold
  // Device models with M_train_step_graph: the training steps as CUDA
  // graphs, the next batch uploaded while one trains (DeviceSteps.cpp).
  std::unique_ptr<dlc::rt::DeviceSteps> deviceSteps;
  std::string deviceSummary; // dlc_trainer_device_summary's string
  ~dlc_trainer();

  // Training position, all saved in checkpoints.
  int64_t step = 0;         // steps done; the next one is step + 1
  int64_t epoch = 0;        // completed epochs
  int64_t iter = 0;         // samples done in the unfinished epoch
  int64_t trainSamples = 0; // training set size when iter was recorded
  dlc_rng rng{};            // shuffler state at the start of the epoch
  double lossAvg = 0, accAvg = 0;

  // Validation figures, saved in checkpoints (format version 2, 3) so that a
  // resumed run keeps track of its best checkpoint. NaN: none yet.
  double valLoss = kNoValue, valAcc = kNoValue; // of the latest validation
  // The best snapshot so far (TFLearn's best checkpoint): the highest
  // validation accuracy, ties and models without one by the lower loss.
  double bestValLoss = kNoValue; // its validation loss
  double bestValAcc = kNoValue;  // its validation accuracy (format 3)
  int64_t bestStep = 0;          // its step

  // The run this state belongs to (format 4): random when the trainer is
  // created or initialised, kept through saves and loads, new when a state
  // loaded from one directory goes on in another without its run's files
  // (a fork). Files from before run ids count as of the run
  // legacyRunId(their directory). A checkpoint directory holds one run.
  uint64_t runId = 0;
  // The directory the state was loaded from (canonical); empty after init.
  std::string loadedFrom;
  // The checkpoint directory this trainer's dlc_trainer_train holds locked,
  // canonical (dlc_trainer_save_snapshot from its on_step callback writes
  // there under the same lock).
  std::string lockedDirectory;
  // The snapshots dlc_trainer_load_latest passed over (newer than the one
  // it loaded): damaged ones (format errors), which the resumed run may
  // write anew, and the others (unreadable, of a newer format: left alone)
  // with the reason. Cleared by init and by every other load.
  std::vector<std::string> damagedSnapshots;
  std::vector<std::pair<std::string, std::string>> skippedSnapshots;

  // Featurewise preprocessing statistics fitted on the training set (format
  // version 2): flags bit 0 = mean, bit 1 = standard deviation, each
  // prepWidth floats, broadcast per feature; bits 4-6 record the samplewise
  // steps and per_channel (Preprocess.cpp fits them; docs/data-pipeline.md).
  uint32_t prepFlags = 0;
  int64_t prepWidth = 0;
  std::vector<float> prepMean, prepStd;

  static constexpr double kNoValue = __builtin_nan("");
};

namespace dlc::rt {
/// Grows the workspace and y_pred buffers to hold `rows` rows.
dlc_status ensureBatch(dlc_trainer &t, int64_t rows);
/// After a call into a device model's library: DLC_ERR_DEVICE with the
/// library's first device error ("model 'm': train_step failed on the CUDA
/// device: ..."), if any. DLC_OK for CPU models.
dlc_status checkDevice(const dlc_model &m, const char *function);
/// For device models, copies `rows` rows of host inputs `x` (and targets
/// `y`, may be null) into t.deviceX/deviceY and points x/y at the copies;
/// CPU models keep the host pointers.
dlc_status stageBatch(dlc_trainer &t, const float *&x, const float *&y,
                      int64_t rows);
/// Where a checkpoint or report written atomically to `path` goes
/// (dlc_output_file_target): `path`, or a symbolic link's target; an error
/// for anything but a regular file or a missing one in a writable directory.
dlc_status outputTarget(const char *path, std::string &target);
/// Saves DIR/<model>-<step>.ckpt (its path in `path`) and removes the
/// oldest snapshots beyond `maxKeep` (0: none).
dlc_status saveSnapshot(const dlc_trainer &t, const std::string &dir,
                        int64_t maxKeep, std::string &path);
/// Refuses a checkpoint directory where a run from the trainer's state to
/// step `lastStep` would overwrite, mix with or delete what it holds: a
/// snapshot of a step the run will reach (but the damaged ones
/// dlc_trainer_load_latest passed over), and any snapshot or best
/// checkpoint of another run (another run id).
dlc_status checkSnapshotDirectory(const dlc_trainer &t, const std::string &dir,
                                  int64_t lastStep);
/// Creates `dir` if needed (`created` says so) and locks it (flock) for one
/// writer: `fd` holds the lock until closed. A directory another writer
/// holds is an error.
dlc_status lockSnapshotDirectory(const std::string &dir, int &fd,
                                 bool &created);
/// `path` made absolute with its symbolic links resolved.
std::string canonicalName(const std::string &path);
/// The run id the model's files from before run ids in `dir` count as: the
/// run whose version 4 files went on among them, else one made from the
/// directory's name.
uint64_t legacyRunId(const dlc_trainer &t, const std::string &dir);
/// Whether `dir` holds a snapshot or best checkpoint of run `runId`.
bool holdsRun(const dlc_trainer &t, const std::string &dir, uint64_t runId);
/// A random, nonzero run id.
uint64_t newRunId();
/// Makes DIR/<model>-best.ckpt the trainer's state: a link to `snapshot`
/// when that is the snapshot of this step, else a new file.
dlc_status saveBest(const dlc_trainer &t, const std::string &dir,
                    const std::string &snapshot);
} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_INTERNAL_H
