//===- Trainer.cpp - Parameters, the training loop, evaluation, predict ---===//
//
// The training loop follows TFLearn's Trainer.fit: per epoch, shuffle the
// sample order, run train_step on consecutive batches (the short last batch
// included, with its real size), smooth loss and accuracy with TFLearn's
// moving average, evaluate the validation set at the epoch end, log.
//
//===----------------------------------------------------------------------===//

#include "BatchPipeline.h"
#include "ConsoleLog.h"
#include "DeviceSteps.h"
#include "RunLog.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <numeric>
#include <random>

using namespace dlc::rt;

namespace {

/// The accuracy dlc_model_has_accuracy names for this model.
double batchAccuracy(const dlc_model *model, const float *pred,
                     const float *y, int64_t rows, int64_t width) {
  return dlc_model_has_accuracy(model) == 2
             ? dlc_batch_binary_accuracy(pred, y, rows, width)
             : dlc_batch_accuracy(pred, y, rows, width);
}

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

dlc_status checkData(const dlc_trainer &t, const dlc_dataset &data,
                     const char *what) {
  const dlc_model &m = *t.model;
  if (data.inputWidth != m.inputWidth || data.targetWidth != m.outputWidth)
    return setError(DLC_ERR_MISMATCH,
                    "%s set has %lld inputs + %lld targets per row; model "
                    "'%s' takes %lld inputs + %lld targets",
                    what, (long long)data.inputWidth,
                    (long long)data.targetWidth, t.desc->name,
                    (long long)m.inputWidth, (long long)m.outputWidth);
  if (data.n == 0)
    return setError(DLC_ERR_MISMATCH, "%s set is empty", what);
  // Cross-entropy compares probabilities: a target outside [0, 1] (a class
  // index where a one-hot row belongs, say) trains on nonsense.
  const int64_t loss = t.desc->loss;
  if (loss == DLC_LOSS_BINARY_CROSSENTROPY ||
      loss == DLC_LOSS_CATEGORICAL_CROSSENTROPY ||
      loss == DLC_LOSS_SOFTMAX_CATEGORICAL_CROSSENTROPY) {
    const int64_t w = data.targetWidth;
    for (size_t i = 0; i < data.y.size(); ++i)
      if (!(data.y[i] >= 0.0f && data.y[i] <= 1.0f))
        return setError(
            DLC_ERR_MISMATCH,
            "%s set, example %lld (from 1), target %lld: %g is outside "
            "[0, 1]; model '%s' uses %s, whose targets are probabilities%s",
            what, (long long)(i / w + 1), (long long)(i % w + 1),
            (double)data.y[i], t.desc->name,
            loss == DLC_LOSS_BINARY_CROSSENTROPY ? "binary_crossentropy"
            : loss == DLC_LOSS_CATEGORICAL_CROSSENTROPY
                ? "categorical_crossentropy"
                : "softmax_categorical_crossentropy",
            loss == DLC_LOSS_BINARY_CROSSENTROPY
                ? ""
                : " (one-hot rows: 1 for the class, 0 elsewhere)");
  }
  return DLC_OK;
}

/// Validation and evaluation see the trainer's preprocessing (never the
/// augmentation), applied to a copy of each batch.
dlc_status evaluate(dlc_trainer &t, const dlc_dataset &data, int64_t batch,
                    double *loss, double *acc) {
  if (dlc_status s = ensureBatch(t, std::min(batch, data.n)))
    return s;
  const int64_t inW = data.inputWidth, outW = data.targetWidth;
  std::vector<float> prepped(t.prepFlags ? std::min(batch, data.n) * inW : 0);
  double lossSum = 0, accSum = 0;
  for (int64_t i = 0; i < data.n; i += batch) {
    const int64_t b = std::min(batch, data.n - i);
    const float *y = data.y.data() + i * outW;
    const float *x = data.x.data() + i * inW;
    if (t.prepFlags) {
      std::memcpy(prepped.data(), x, b * inW * 4);
      applyPreprocess(t, prepped.data(), b);
      x = prepped.data();
    }
    if (dlc_status s = stageBatch(t, x, y, b))
      return s;
    lossSum += (double)t.desc->eval_step(t.params.floats(), x, y, b,
                                         t.yPred.floats(),
                                         t.workspace.bytes()) * b;
    if (dlc_status s = checkDevice(*t.model, "eval_step"))
      return s;
    accSum += batchAccuracy(t.model, t.yPred.floats(), y, b, outW) * b;
  }
  if (loss)
    *loss = lossSum / data.n;
  if (acc && dlc_model_has_accuracy(t.model))
    *acc = accSum / data.n;
  return DLC_OK;
}

/// Trains on a batch the pipeline assembled (gathered in the epoch's sample
/// order, preprocessed, augmented) and folds the step into TFLearn's
/// moving averages; the step info shows the averages from before the step,
/// as TFLearn does.
/// With `steps` (a CUDA model training with graphs), `whileRunning` is
/// called while the device runs the step; its status is in `st`.
dlc_step_info trainStep(dlc_trainer &t, const dlc_dataset &data,
                        const BatchPipeline::Slot &batch, DeviceSteps *steps,
                        const std::function<dlc_status()> &whileRunning,
                        dlc_status &st) {
  const int64_t b = batch.plan.rows;
  dlc_step_info s{};
  s.step = ++t.step;
  s.epoch = t.epoch + 1;
  s.samples = data.n;
  s.batch = b;
  st = DLC_OK;
  if (steps)
    s.loss = steps->run(batch.x, batch.y, b, s.step, whileRunning, st);
  else
    s.loss = t.desc->train_step(t.params.floats(), t.optState.floats(),
                                batch.x, batch.y, b, s.step,
                                t.yPred.floats(), t.workspace.bytes());
  s.loss_avg = t.lossAvg;
  t.lossAvg = dlc_ema_update(t.lossAvg, s.loss, s.step);
  if (st == DLC_OK && dlc_model_has_accuracy(t.model)) {
    s.has_acc = 1;
    // A CUDA model with graphs has both in page-locked host memory.
    s.acc = steps ? batchAccuracy(t.model, steps->predictions(),
                                  steps->targets(), b, data.targetWidth)
                  : batchAccuracy(t.model, t.yPred.floats(), batch.y, b,
                                  data.targetWidth);
    s.acc_avg = t.accAvg;
    t.accAvg = dlc_ema_update(t.accAvg, s.acc, s.step);
  }
  t.iter += b;
  s.iter = t.iter;
  s.epoch_end = t.iter == data.n;
  return s;
}

/// stageBatch for a pipeline slot.
dlc_status stageSlot(dlc_trainer &t, BatchPipeline::Slot &slot) {
  if (!t.model->device)
    return DLC_OK;
  const float *x = slot.x, *y = slot.y;
  if (dlc_status s = stageBatch(t, x, y, slot.plan.rows))
    return s;
  // The device copies are the trainer's own buffers.
  slot.x = t.deviceX.floats();
  slot.y = t.deviceY.floats();
  return DLC_OK;
}

dlc_status runTraining(dlc_trainer &t, const dlc_dataset &data,
                       const dlc_dataset *val, const dlc_train_options &o,
                       dlc_train_result &r) {
  const int64_t n = data.n, bs = std::min(o.batch_size, n);
  if (dlc_status s = ensureBatch(t, bs))
    return s;
  // Batches come from the pipeline, one ahead on its thread (prefetch);
  // its destructor stops the thread on every way out of this function.
  BatchPipeline pipeline(t, data, o, bs);
  if (dlc_status s = pipeline.start())
    return s;
  ConsoleLog log(o, *t.model, n, val ? val->n : 0);
  RunLog runLog(t, o);
  if (t.epoch < o.epochs)
    if (dlc_status s = runLog.start())
      return s;
  log.header();
  log.startAt(t.epoch, t.iter);
  t.trainSamples = n;
  // A CUDA model with graphs: the next batch is uploaded while a step runs.
  DeviceSteps *steps = DeviceSteps::of(t);
  if (steps)
    if (dlc_status s = steps->reserve(bs))
      return s;
  BatchPipeline::Slot ahead; // the next batch, uploaded during a step
  const auto start = Clock::now();
  bool stop = o.stop && *o.stop; // set before the call: no step at all
  while (t.epoch < o.epochs && !stop) {
    // An epoch's order depends only on its start state t.rng: the pipeline
    // shuffles with it and hands over the state the next epoch starts from.
    double epochSeconds = 0;
    bool epochDone = false;
    while (!epochDone && !stop) { // from t.iter: resumes mid-epoch too
      if (t.step == INT64_MAX) // a checkpoint's counter, at its end
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "model '%s': the global step is %lld, the largest "
                        "there is: training cannot go on from it",
                        t.desc->name, (long long)t.step);
      const auto stepStart = Clock::now();
      // By value: asking for the next batch during the step lets the
      // pipeline reuse this one's slot.
      const bool prefetched = ahead.valid;
      const BatchPipeline::Slot batch = prefetched ? ahead : pipeline.next();
      ahead.valid = false;
      if (!batch.valid || batch.plan.step != t.step + 1)
        return setError(DLC_ERR_INTERNAL, "internal error: the batch pipeline "
                                          "is out of step with the trainer");
      // A device model gets the batch copied to device memory.
      BatchPipeline::Slot staged = batch;
      if (steps) {
        if (dlc_status st = steps->stage(staged.x, staged.y, staged.plan.rows,
                                         prefetched))
          return st;
      } else if (dlc_status st = stageSlot(t, staged)) {
        return st;
      }
      if (dlc_status st = runLog.beforeStep(t.step + 1, staged.x,
                                            staged.plan.rows))
        return st;
      if (dlc_status st = checkDevice(*t.model, "activations"))
        return st;
      // While the device trains: the next batch from the pipeline, on its
      // way to the device.
      auto fetchNext = [&]() -> dlc_status {
        if (t.step == INT64_MAX || (o.stop && *o.stop))
          return DLC_OK;
        ahead = pipeline.next();
        if (!ahead.valid)
          return DLC_OK;
        return steps->prefetch(ahead.x, ahead.y, ahead.plan.rows);
      };
      dlc_status stepStatus = DLC_OK;
      dlc_step_info s = trainStep(t, data, staged, steps,
                                  steps ? std::function<dlc_status()>(fetchNext)
                                        : std::function<dlc_status()>(),
                                  stepStatus);
      if (stepStatus != DLC_OK)
        return stepStatus;
      if (dlc_status st = checkDevice(*t.model, "train_step"))
        return st;
      // NaN or infinity never trains back out: stop before the step's
      // parameters reach a snapshot, a checkpoint or the caller's save.
      if (!std::isfinite(s.loss))
        return setError(DLC_ERR_DIVERGED,
                        "model '%s': step %lld (epoch %lld): the loss is %s: "
                        "training diverged (a lower learning rate, or "
                        "clipping, may help); nothing from this step on was "
                        "saved",
                        t.desc->name, (long long)s.step, (long long)s.epoch,
                        std::isnan(s.loss) ? "NaN" : "infinite");
      if ((epochDone = s.epoch_end)) {
        ++t.epoch;
        t.iter = 0;
        t.rng = batch.plan.nextRng;
      }
      const bool last = (epochDone && t.epoch == o.epochs) ||
                        (o.stop && *o.stop);
      bool shown = log.shows(s, last, epochDone && val);
      runLog.trained(s); // before evaluation reuses the workspace
      if (val && ((epochDone && (shown || o.on_step)) ||
                  runLog.wantsValidation(s))) {
        if (dlc_status st = evaluate(t, *val, bs, &s.val_loss, &s.val_acc))
          return st;
        s.has_val = r.has_val = 1;
        r.val_loss = s.val_loss;
        r.val_acc = s.val_acc;
        // As TFLearn's snapshots (--snapshot-step), every validation shows,
        // and its block stays (ConsoleLog::step).
        shown = shown || !o.quiet;
      }
      if (dlc_status st = runLog.finishStep(s))
        return st;
      s.epoch_seconds = epochSeconds += secondsSince(stepStart);
      stop = (o.on_step && o.on_step(&s, o.user)) || (o.stop && *o.stop);
      if (shown || stop)
        log.step(s, last || stop);
      ++r.steps;
      r.last_loss = s.loss;
    }
  }
  r.global_step = t.step;
  r.epoch = t.epoch;
  r.iter = t.iter;
  r.loss_avg = t.lossAvg;
  r.acc_avg = t.accAvg;
  r.has_acc = dlc_model_has_accuracy(t.model);
  const dlc_status closed = runLog.close();
  r.seconds = secondsSince(start);
  r.log_seconds = runLog.seconds();
  r.interrupted = stop && t.epoch < o.epochs;
  log.finish(r, t);
  if (closed != DLC_OK)
    return closed;
  return r.interrupted ? DLC_INTERRUPTED : DLC_OK;
}

} // namespace

dlc_status dlc::rt::ensureBatch(dlc_trainer &t, int64_t rows) {
  if (rows <= t.batchCapacity)
    return DLC_OK;
  const int64_t perExample = t.desc->workspace_per_example_bytes;
  const int64_t outBytes = t.model->outputWidth * 4;
  if (rows > (INT64_MAX / 2 - t.desc->workspace_fixed_bytes) /
                 std::max<int64_t>({perExample, outBytes, 1}))
    return setError(DLC_ERR_OUT_OF_MEMORY, "a batch of %lld rows is too large",
                    (long long)rows);
  const int64_t inBytes = t.model->inputWidth * 4;
  if (!t.workspace.reserve(dlc_workspace_bytes(t.desc, rows)) ||
      !t.yPred.reserve(rows * outBytes) ||
      (t.model->device && (!t.deviceX.reserve(rows * inBytes) ||
                           !t.deviceY.reserve(rows * outBytes))))
    return setError(DLC_ERR_OUT_OF_MEMORY,
                    "out of memory for the workspace of a %lld-row batch",
                    (long long)rows);
  t.batchCapacity = rows;
  return DLC_OK;
}

dlc_status dlc::rt::checkDevice(const dlc_model &m, const char *function) {
  if (!m.device)
    return DLC_OK;
  const char *e = m.device->lastError();
  if (!e)
    return DLC_OK;
  return setError(DLC_ERR_DEVICE, "model '%s': %s failed on the CUDA device: %s",
                  m.desc->name, function, e);
}

dlc_status dlc::rt::stageBatch(dlc_trainer &t, const float *&x,
                               const float *&y, int64_t rows) {
  const dlc_model &m = *t.model;
  if (!m.device)
    return DLC_OK;
  if (rows > t.batchCapacity)
    return setError(DLC_ERR_INTERNAL,
                    "internal error: a %lld-row batch exceeds the device "
                    "buffers",
                    (long long)rows);
  if (m.device->memcpy(t.deviceX.bytes(), x, rows * m.inputWidth * 4) != 0 ||
      (y && m.device->memcpy(t.deviceY.bytes(), y,
                             rows * m.outputWidth * 4) != 0))
    return checkDevice(m, "copying a batch");
  x = t.deviceX.floats();
  if (y)
    y = t.deviceY.floats();
  return DLC_OK;
}

void dlc_train_options_init(dlc_train_options *o) {
  if (!o)
    return;
  *o = dlc_train_options{};
  o->epochs = 10;
  o->batch_size = 64;
  o->shuffle = 1;
  o->print_every = 1;
  o->snapshot_epoch = 1;
  o->progress = -1;
  o->prefetch = 1;
}

uint64_t dlc::rt::newRunId() {
  std::random_device entropy;
  uint64_t id = 0;
  while (id == 0)
    id = (uint64_t)entropy() << 32 | entropy();
  return id;
}

/// The global step a run of `o` from the trainer's state ends at, on a
/// training set of `n` examples (saturating).
static int64_t lastStepOf(const dlc_trainer &t, int64_t n,
                          const dlc_train_options &o) {
  if (n <= 0 || o.epochs <= t.epoch)
    return t.step;
  const int64_t batch = std::min(o.batch_size, n);
  const __int128 perEpoch = (n + batch - 1) / batch;
  // The unfinished epoch's rest, then whole epochs.
  const int64_t rest = t.iter > 0 && t.iter < n ? n - t.iter : n;
  const __int128 steps = (rest + batch - 1) / batch +
                         (__int128)(o.epochs - t.epoch - 1) * perEpoch;
  const __int128 last = (__int128)t.step + std::max<__int128>(steps, 0);
  return last > INT64_MAX ? INT64_MAX : (int64_t)last;
}

namespace {
/// Holds a checkpoint directory's lock for one dlc_trainer_train call; a
/// directory it created and that stays empty is removed at the end.
class DirectoryLock {
public:
  dlc_status acquire(dlc_trainer &t, const std::string &dir) {
    this->dir = dir;
    if (dlc_status s = lockSnapshotDirectory(dir, fd, created))
      return s;
    trainer = &t;
    t.lockedDirectory = canonicalName(dir);
    return DLC_OK;
  }
  ~DirectoryLock() {
    if (trainer)
      trainer->lockedDirectory.clear();
    if (fd >= 0)
      close(fd); // releases the flock
    std::error_code ec;
    if (created && std::filesystem::is_empty(dir, ec) && !ec)
      std::filesystem::remove(dir, ec);
  }

private:
  std::string dir;
  dlc_trainer *trainer = nullptr;
  int fd = -1;
  bool created = false;
};
} // namespace

dlc_status dlc_trainer_create(const dlc_model *model, dlc_trainer **out) {
  return guarded([&]() -> dlc_status {
    if (!model || !out)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_create: null argument");
    *out = nullptr;
    auto t = std::make_unique<dlc_trainer>();
    t->model = model;
    t->desc = model->desc;
    // A device model's buffers are device memory from its library.
    for (AlignedBuffer *b : {&t->params, &t->optState, &t->workspace,
                             &t->yPred, &t->deviceX, &t->deviceY})
      b->setDevice(model->device);
    if (!t->params.reserve(t->desc->param_floats * 4) ||
        !t->optState.reserve(t->desc->opt_state_floats * 4))
      return setError(DLC_ERR_OUT_OF_MEMORY,
                      "out of memory for %lld parameters of model '%s'",
                      (long long)t->desc->param_floats, t->desc->name);
    // Shuffling works before dlc_trainer_init too (an app that writes the
    // parameters itself): the generator starts as seed 0 gives it.
    dlc_rng_seed(&t->rng, 0);
    t->runId = newRunId();
    *out = t.release();
    return DLC_OK;
  });
}

void dlc_trainer_free(dlc_trainer *trainer) { delete trainer; }

dlc_status dlc_trainer_init(dlc_trainer *t, uint64_t seed) {
  if (!t)
    return setError(DLC_ERR_INVALID_ARGUMENT, "dlc_trainer_init: null trainer");
  t->desc->init_params(t->params.floats(), seed);
  if (dlc_status s = checkDevice(*t->model, "init_params"))
    return s;
  std::memset(t->optState.bytes(), 0, t->desc->opt_state_floats * 4);
  t->step = t->epoch = t->iter = t->trainSamples = 0;
  t->lossAvg = t->accAvg = 0;
  t->valLoss = t->valAcc = t->bestValLoss = t->bestValAcc =
      dlc_trainer::kNoValue;
  t->bestStep = 0;
  t->prepFlags = 0;
  t->prepWidth = 0;
  t->prepMean.clear();
  t->prepStd.clear();
  t->runId = newRunId();
  t->loadedFrom.clear();
  t->damagedSnapshots.clear();
  t->skippedSnapshots.clear();
  dlc_rng_seed(&t->rng, seed);
  return DLC_OK;
}

float *dlc_trainer_params(dlc_trainer *t) {
  return t ? t->params.floats() : nullptr;
}
float *dlc_trainer_opt_state(dlc_trainer *t) {
  return t ? t->optState.floats() : nullptr;
}
int64_t dlc_trainer_global_step(const dlc_trainer *t) { return t ? t->step : 0; }
int64_t dlc_trainer_epoch(const dlc_trainer *t) { return t ? t->epoch : 0; }

dlc_status dlc_trainer_train(dlc_trainer *t, const dlc_dataset *train,
                             const dlc_dataset *val,
                             const dlc_train_options *o,
                             dlc_train_result *result) {
  return guarded([&]() -> dlc_status {
    if (!t || !train || !o)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_train: null argument");
    if (o->epochs < 0 || o->batch_size < 1)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "bad training options: epochs %lld, batch size %lld",
                      (long long)o->epochs, (long long)o->batch_size);
    if (dlc_status s = checkData(*t, *train, "training"))
      return s;
    if (val)
      if (dlc_status s = checkData(*t, *val, "validation"))
        return s;
    if (dlc_status s = RunLog::check(*t, *o))
      return s;
    // One run at a time in a checkpoint directory, and one run's snapshots
    // in it. A directory this call created is removed again if it stays
    // empty (refused, or nothing trained).
    DirectoryLock lock;
    const int64_t lastStep = lastStepOf(*t, train->n, *o);
    if (o->checkpoint_dir && lastStep > t->step) { // else nothing is written
      if (dlc_status s = lock.acquire(*t, o->checkpoint_dir))
        return s;
      if (dlc_status s = checkSnapshotDirectory(*t, o->checkpoint_dir,
                                                lastStep))
        return s;
      // A state loaded from one directory going on in another that holds
      // none of its run is a fork: a run of its own, so that two forks of
      // one state are never mixed in one directory.
      if (!t->loadedFrom.empty() &&
          t->loadedFrom != canonicalName(o->checkpoint_dir) &&
          !holdsRun(*t, o->checkpoint_dir, t->runId))
        t->runId = newRunId();
    }
    if (dlc_status s =
            dlc_pipeline_check(t->model, &o->preprocess, &o->augment))
      return s; // its message is the error
    // Preprocessing is fitted once, on a fresh trainer's training set; a
    // trained or restored trainer keeps its statistics, and a run asking
    // for other preprocessing is refused rather than silently refitted.
    const uint32_t prep = prepFlagsOf(o->preprocess);
    if (prep != t->prepFlags && (t->prepFlags != 0 || t->step > 0))
      return setError(DLC_ERR_MISMATCH,
                      "the trainer's preprocessing is '%s' (fitted when its "
                      "training started, restored from checkpoints, never "
                      "refitted) but this run asks for '%s'; use the same "
                      "preprocessing options",
                      prepFlagsName(t->prepFlags).c_str(),
                      prepFlagsName(prep).c_str());
    if (t->iter > 0 && t->trainSamples != train->n)
      return setError(DLC_ERR_MISMATCH,
                      "cannot resume in the middle of an epoch (%lld of %lld "
                      "samples done) with a training set of %lld samples; "
                      "use the same data",
                      (long long)t->iter, (long long)t->trainSamples,
                      (long long)train->n);
    if (prep != t->prepFlags)
      if (dlc_status s = fitPreprocess(*t, *train, prep))
        return s;
    dlc_train_result r{};
    dlc_status s = runTraining(*t, *train, val, *o, r);
    if (result)
      *result = r;
    return s;
  });
}

dlc_status dlc_trainer_evaluate(dlc_trainer *t, const dlc_dataset *data,
                                int64_t batch_size, double *loss,
                                double *acc) {
  return guarded([&]() -> dlc_status {
    if (!t || !data || batch_size < 1)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_evaluate: bad argument");
    if (dlc_status s = checkData(*t, *data, "evaluation"))
      return s;
    return evaluate(*t, *data, batch_size, loss, acc);
  });
}

dlc_status dlc_trainer_predict(dlc_trainer *t, const float *x, int64_t rows,
                               float *y) {
  return guarded([&]() -> dlc_status {
    if (!t || rows < 0 || (rows > 0 && (!x || !y)))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_predict: bad argument");
    const int64_t chunk = std::max<int64_t>(t->batchCapacity,
                                            std::min<int64_t>(rows, 256));
    if (dlc_status s = ensureBatch(*t, chunk))
      return s;
    const int64_t inW = t->model->inputWidth, outW = t->model->outputWidth;
    std::vector<float> prepped(t->prepFlags ? std::min(chunk, rows) * inW : 0);
    for (int64_t i = 0; i < rows; i += chunk) {
      const int64_t b = std::min(chunk, rows - i);
      const float *in = x + i * inW;
      if (t->prepFlags) { // the checkpoint's preprocessing, on a copy
        std::memcpy(prepped.data(), in, b * inW * 4);
        applyPreprocess(*t, prepped.data(), b);
        in = prepped.data();
      }
      if (!t->model->device) {
        t->desc->forward(t->params.floats(), in, y + i * outW, b,
                         t->workspace.bytes());
        continue;
      }
      // A device model predicts into its y_pred buffer.
      const float *none = nullptr;
      if (dlc_status s = stageBatch(*t, in, none, b))
        return s;
      t->desc->forward(t->params.floats(), in, t->yPred.floats(), b,
                       t->workspace.bytes());
      if (dlc_status s = checkDevice(*t->model, "forward"))
        return s;
      std::memcpy(y + i * outW, t->yPred.floats(), b * outW * 4);
    }
    return DLC_OK;
  });
}
