//===- RunLog.cpp - TensorBoard events and snapshots of a training run ----===//
//
// The summaries are TFLearn's (tflearn/helpers/trainer.py and summaries.py,
// as TensorFlow 1.x names them), for the single optimizer of a dlc model:
//
//   Loss                   moving average of the loss (what the console
//                          prints as `loss`)          every step from 2
//   <Optimizer>/Loss/raw   the step's loss            every step
//   Accuracy               moving average of the batch accuracy (classifiers)
//   Accuracy/__raw_        the batch accuracy ("Accuracy/ (raw)" cleaned)
//   Loss/Validation        exact validation mean      at each validation
//   Accuracy/Validation
//   <param>/Gradients      histogram, tensorboard_verbose >= 1
//   <Optimizer>/<param>    histogram of the weights, tensorboard_verbose >= 2
//
// docs/tensorboard.md explains each name and the few differences.
//
//===----------------------------------------------------------------------===//

#include "RunLog.h"

#include <chrono>
#include <cmath>

using namespace dlc::rt;

namespace {
/// Adds the lifetime of the scope to `total`.
class Stopwatch {
public:
  explicit Stopwatch(double &total)
      : total(total), start(std::chrono::steady_clock::now()) {}
  ~Stopwatch() {
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start)
                 .count();
  }

private:
  double &total;
  std::chrono::steady_clock::time_point start;
};
} // namespace

dlc_status RunLog::check(const dlc_trainer &t, const dlc_train_options &o) {
  if (o.tensorboard_verbose < 0 || o.tensorboard_verbose > 3)
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "bad tensorboard_verbose %d: TFLearn's levels are 0 to 3",
                    o.tensorboard_verbose);
  if (o.tensorboard_verbose == 3)
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "tensorboard_verbose 3 (activations and sparsity) is not "
                    "supported yet: model libraries do not expose their "
                    "activations; use 2 for gradients and weights");
  if (o.snapshot_step < 0 || o.max_checkpoints < 0)
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "bad snapshot options: snapshot_step %lld, "
                    "max_checkpoints %lld",
                    (long long)o.snapshot_step, (long long)o.max_checkpoints);
  if (o.event_dir && o.tensorboard_verbose >= 1 &&
      t.desc->workspace_fixed_bytes < t.desc->param_floats * 4)
    return setError(DLC_ERR_MODEL,
                    "model '%s' does not keep its gradients at the start of "
                    "the workspace (%lld fixed bytes for %lld parameters): "
                    "no gradient histograms (tensorboard_verbose 0 works)",
                    t.desc->name, (long long)t.desc->workspace_fixed_bytes,
                    (long long)t.desc->param_floats);
  return DLC_OK;
}

dlc_status RunLog::start() {
  if (!o.event_dir)
    return DLC_OK;
  events = std::make_unique<EventWriter>();
  if (dlc_status s = events->open(o.event_dir))
    return s;
  const std::string optimizer =
      dlc_optimizer_display_name(t.desc->optimizer);
  rawLossTag = optimizer + "/Loss/raw";
  histograms = o.tensorboard_verbose >= 1;
  for (int64_t i = 0; i < t.desc->num_params; ++i) {
    const std::string name = t.desc->params[i].name;
    gradientTags.push_back(name + "/Gradients");
    weightTags.push_back(optimizer + "/" + name);
  }
  // TensorBoard drops what an earlier session of this run logged from this
  // step on: after a resume, the steps the stopped run did past its last
  // checkpoint are replaced by this session's.
  events->appendSessionStart(t.step + 1, EventWriter::now());
  return events->flush();
}

void RunLog::trained(const dlc_step_info &s) {
  if (!events)
    return;
  Stopwatch watch(spent);
  // TFLearn writes no summary at step 1, where its moving averages are still
  // 0 (their first value is read before the update); the raw values start
  // at step 1 here so that no step's loss is missing.
  if (s.step > 1)
    events->addScalar("Loss", (float)s.loss_avg);
  events->addScalar(rawLossTag, (float)s.loss);
  if (s.has_acc) {
    if (s.step > 1)
      events->addScalar("Accuracy", (float)s.acc_avg);
    events->addScalar("Accuracy/__raw_", (float)s.acc);
  }
  const int64_t every = std::max<int64_t>(1, o.histogram_every);
  if (histograms && s.step % every == 0) {
    // train_step leaves the clipped gradients at the workspace's start
    // (docs/abi.md), laid out as the parameters.
    const float *grads = t.workspace.floats();
    const float *params = t.params.floats();
    for (int64_t i = 0; i < t.desc->num_params; ++i) {
      const dlc_param_desc &p = t.desc->params[i];
      events->addHistogram(gradientTags[i], grads + p.offset, p.size);
    }
    if (o.tensorboard_verbose >= 2)
      for (int64_t i = 0; i < t.desc->num_params; ++i) {
        const dlc_param_desc &p = t.desc->params[i];
        events->addHistogram(weightTags[i], params + p.offset, p.size);
      }
  }
  events->appendSummary(s.step, EventWriter::now());
}

dlc_status RunLog::finishStep(const dlc_step_info &s) {
  Stopwatch watch(spent);
  if (s.has_val) {
    t.valLoss = s.val_loss;
    t.valAcc = s.has_acc ? s.val_acc : dlc_trainer::kNoValue;
  }
  // As TFLearn's ModelSaver, the best checkpoint is chosen among the
  // snapshots: the one of the lowest validation loss.
  const bool snapshot = o.checkpoint_dir && snapshotStep(s);
  const bool improved = snapshot && s.has_val &&
                        (std::isnan(t.bestValLoss) || s.val_loss < t.bestValLoss);
  if (improved) {
    t.bestValLoss = s.val_loss;
    t.bestStep = s.step;
  }
  if (events) {
    if (s.has_val) {
      // TFLearn writes the validation summary as an event of its own.
      events->addScalar("Loss/Validation", (float)s.val_loss);
      if (s.has_acc)
        events->addScalar("Accuracy/Validation", (float)s.val_acc);
      events->appendSummary(s.step, EventWriter::now());
    }
    // One write() per step: a killed run loses at most the step it was in.
    if (dlc_status st = events->flush())
      return st;
  }
  if (!snapshot)
    return DLC_OK;
  std::string path;
  if (dlc_status st = saveSnapshot(t, o.checkpoint_dir, o.max_checkpoints, path))
    return st;
  return improved ? saveBest(t, o.checkpoint_dir, path) : DLC_OK;
}

dlc_status RunLog::close() {
  if (!events)
    return DLC_OK;
  Stopwatch watch(spent);
  dlc_status s = events->close();
  events.reset();
  return s;
}
