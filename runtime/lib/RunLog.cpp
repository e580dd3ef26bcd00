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
//   <output>/Activations   histogram of a layer's output (TensorFlow's name
//                          of its op: FullyConnected/Relu), level 3
//   <output>/Sparsity      its fraction of zeros (tf.nn.zero_fraction)
//
// docs/tensorboard.md explains each name and the few differences.
//
//===----------------------------------------------------------------------===//

#include "RunLog.h"

#include <chrono>
#include <cmath>
#include <cstring>

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
  if (o.event_dir && o.tensorboard_verbose == 3) {
    const dlc_model_desc &d = *t.desc;
    if (d.num_activations == 0)
      return setError(DLC_ERR_MODEL,
                      "model '%s' does not expose its layers' activations "
                      "(its library has no %s_activations: built by a dlc "
                      "without it, or no fully_connected, conv_2d or pooling "
                      "layer): no activation histograms "
                      "(tensorboard_verbose 2 works)",
                      d.name, d.name);
    bool ok = d.num_activations > 0 && d.activation_descs && d.activations &&
              d.activation_floats > 0;
    for (int64_t i = 0; ok && i < d.num_activations; ++i) {
      const dlc_activation_desc &a = d.activation_descs[i];
      ok = a.name && a.size > 0 && a.offset >= 0 &&
           a.offset <= d.activation_floats - a.size;
    }
    if (!ok)
      return setError(DLC_ERR_MODEL,
                      "model '%s' has a bad activation table (%lld "
                      "activations of %lld floats per example)",
                      d.name, (long long)d.num_activations,
                      (long long)d.activation_floats);
  }
  return DLC_OK;
}

/// Whether TFLearn summarizes the parameter (tf.trainable_variables()):
/// batch normalization's moving statistics, which dlc names as TFLearn does,
/// are not trained (their gradient is 0) and get no histograms.
static bool isTrainable(const dlc_param_desc &p) {
  const std::string name = p.name;
  for (const char *moving : {"/moving_mean", "/moving_variance"}) {
    const size_t n = std::strlen(moving);
    if (name.size() >= n && name.compare(name.size() - n, n, moving) == 0)
      return false;
  }
  return true;
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
    const dlc_param_desc &p = t.desc->params[i];
    const std::string name = p.name;
    const bool trainable = isTrainable(p); // else empty tags: none written
    gradientTags.push_back(trainable ? name + "/Gradients" : "");
    weightTags.push_back(trainable ? optimizer + "/" + name : "");
  }
  if (o.tensorboard_verbose == 3)
    for (int64_t i = 0; i < t.desc->num_activations; ++i) {
      // TFLearn's add_activations_summary: "<op name>/Activations/" and
      // "<op name>/Sparsity/", the trailing '/' making them absolute.
      const std::string name = t.desc->activation_descs[i].name;
      activationTags.push_back(name + "/Activations");
      sparsityTags.push_back(name + "/Sparsity");
    }
  // TensorBoard drops what an earlier session of this run logged from this
  // step on: after a resume, the steps the stopped run did past its last
  // checkpoint are replaced by this session's.
  events->appendSessionStart(t.step + 1, EventWriter::now());
  return events->flush();
}

dlc_status RunLog::beforeStep(int64_t step, const float *x, int64_t rows) {
  if (!events || activationTags.empty() ||
      step % std::max<int64_t>(1, o.histogram_every) != 0)
    return DLC_OK;
  Stopwatch watch(spent);
  acts.setDevice(t.model->device); // device memory for a CUDA model
  if (!acts.reserve(size_t(t.desc->activation_floats) * rows * 4))
    return setError(DLC_ERR_OUT_OF_MEMORY,
                    "out of memory for the activations of a %lld-row batch",
                    (long long)rows);
  t.desc->activations(t.params.floats(), x, rows, acts.floats(),
                      t.workspace.bytes());
  actStep = step;
  actRows = rows;
  return DLC_OK;
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
      if (!gradientTags[i].empty())
        events->addHistogram(gradientTags[i], grads + p.offset, p.size);
    }
    if (o.tensorboard_verbose >= 2)
      for (int64_t i = 0; i < t.desc->num_params; ++i) {
        const dlc_param_desc &p = t.desc->params[i];
        if (!weightTags[i].empty())
          events->addHistogram(weightTags[i], params + p.offset, p.size);
      }
    if (actStep == s.step)
      for (size_t i = 0; i < activationTags.size(); ++i) {
        const dlc_activation_desc &a = t.desc->activation_descs[i];
        const float *v = acts.floats() + a.offset * actRows;
        const int64_t n = a.size * actRows;
        events->addHistogram(activationTags[i], v, n);
        // tf.nn.zero_fraction: the elements equal to 0 (-0 too, NaN not).
        int64_t zeros = 0;
        for (int64_t k = 0; k < n; ++k)
          zeros += v[k] == 0.0f;
        events->addScalar(sparsityTags[i], (float)((double)zeros / n));
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
  // The best checkpoint is chosen among the snapshots, as TFLearn's
  // trainer does: the highest validation accuracy; equal accuracies (and
  // models without one, a regression) by the lower validation loss.
  const bool snapshot = o.checkpoint_dir && snapshotStep(s);
  bool improved = false;
  if (snapshot && s.has_val) {
    if (s.has_acc && !std::isnan(s.val_acc) && !std::isnan(t.bestValAcc))
      improved = s.val_acc > t.bestValAcc ||
                 (s.val_acc == t.bestValAcc && s.val_loss < t.bestValLoss);
    else
      improved = std::isnan(t.bestValLoss) || s.val_loss < t.bestValLoss;
  }
  if (improved) {
    t.bestValLoss = s.val_loss;
    t.bestValAcc = s.has_acc ? s.val_acc : dlc_trainer::kNoValue;
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
