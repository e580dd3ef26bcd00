//===- BatchPipeline.h - Preprocessing, augmentation, prefetching -*- C++ -*-===//
//
// The data pipeline of the training loop (docs/data-pipeline.md): batches are
// planned (which rows, which global step) in the trainer's exact order,
// gathered, preprocessed and augmented into one half of a double buffer,
// on a background thread while the other half trains, or inline.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_BATCHPIPELINE_H
#define DLC_RUNTIME_LIB_BATCHPIPELINE_H

#include "Internal.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace dlc::rt {

/// dlc_trainer::prepFlags bits, as stored in checkpoints.
enum PrepBits : uint32_t {
  kPrepFeatureMean = 1u << 0,   // featurewise_zero_center: mean array
  kPrepFeatureStd = 1u << 1,    // featurewise_stdnorm: std array
  kPrepSampleCenter = 1u << 4,  // samplewise_zero_center
  kPrepSampleStd = 1u << 5,     // samplewise_stdnorm
  kPrepPerChannel = 1u << 6,    // the featurewise statistics are per channel
  kPrepKnownBits = 0x73u
};

uint32_t prepFlagsOf(const dlc_preprocess_options &o);
/// "featurewise_zero_center,per_channel" or "none".
std::string prepFlagsName(uint32_t flags);
bool augmentEnabled(const dlc_augment_options &o);

/// The image shape of an image model (rank-4 input), else false.
bool imageShape(const dlc_model &m, int64_t &h, int64_t &w, int64_t &c);

/// Fits the featurewise statistics of `flags` on the training set into the
/// trainer (prepFlags, prepWidth, prepMean, prepStd).
dlc_status fitPreprocess(dlc_trainer &t, const dlc_dataset &data,
                         uint32_t flags);
/// Applies the trainer's preprocessing to rows of its model's input width.
void applyPreprocess(const dlc_trainer &t, float *x, int64_t rows);

/// Augments rows x[0..rows) (h x w x c images) of the batch of global step
/// `step`; `scratch` holds h * w * c floats (Augment.cpp).
void augmentBatch(const dlc_augment_options &o, uint64_t key, int64_t step,
                  float *x, int64_t rows, int64_t h, int64_t w, int64_t c,
                  float *scratch);

/// One planned batch: the rows of the epoch order it trains on and where it
/// leaves the training position.
struct BatchPlan {
  int64_t step = 0;  // the global step that trains it
  int64_t rows = 0;  // batch size
  bool epochEnd = false;
  dlc_rng nextRng{}; // when epochEnd: the generator the next epoch starts from
  uint64_t key = 0;  // augmentation key of this batch's epoch
};

/// Plans the batches from the trainer's position in the trainer's order
/// (TFLearn's Trainer.fit, see Trainer.cpp), then assembles them into a
/// double buffer; with prefetching, on a worker thread one batch ahead.
class BatchPipeline {
public:
  struct Slot {
    BatchPlan plan;
    bool valid = false; // false: training is complete, no batch
    float *x = nullptr, *y = nullptr;
  };

  BatchPipeline(const dlc_trainer &t, const dlc_dataset &data,
                const dlc_train_options &o, int64_t batchSize);
  ~BatchPipeline();
  BatchPipeline(const BatchPipeline &) = delete;
  BatchPipeline &operator=(const BatchPipeline &) = delete;

  /// Allocates everything and starts the worker; no allocation afterwards.
  dlc_status start();
  /// The next batch (waits for the worker). The previous slot may be reused
  /// from now on.
  const Slot &next();
  /// Seconds the caller spent waiting for batches (all of the assembly time
  /// without prefetching).
  double waitSeconds() const { return waited; }

private:
  void plan(BatchPlan &p, bool &valid);
  void assemble(Slot &s);
  void produce(Slot &s);
  void worker();

  const dlc_trainer &t;
  const dlc_dataset &data;
  const dlc_train_options &o;
  const int64_t bs;
  bool prefetch;
  bool augment;
  int64_t h = 0, w = 0, c = 0;

  // Planner state (the worker's own copy of the training position).
  int64_t step, epoch, iter;
  dlc_rng rng;
  std::vector<int64_t> order;
  bool haveOrder = false;
  dlc_rng rngAfter{};
  uint64_t key = 0;
  const int64_t *rowsNow = nullptr; // rows of the batch being assembled

  Slot slots[2];
  std::vector<float> buffers[2];
  std::vector<float> scratch;

  // Worker hand-off: `requested` batches asked for, `produced` done.
  std::mutex mu;
  std::condition_variable cv;
  int64_t requested = 0, produced = 0, consumed = 0;
  bool quit = false;
  std::thread thread;
  double waited = 0;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_BATCHPIPELINE_H
