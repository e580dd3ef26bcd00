//===- RunLog.h - TensorBoard events and snapshots of a training run -*- C++ -*-===//
//
// What the training loop writes besides the console: the run's event file
// (TFLearn's summaries, docs/tensorboard.md) and the snapshots of a
// checkpoint directory (docs/checkpoint-format.md).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_RUNLOG_H
#define DLC_RUNTIME_LIB_RUNLOG_H

#include "Events.h"

#include <memory>

namespace dlc::rt {

class RunLog {
public:
  RunLog(dlc_trainer &t, const dlc_train_options &o) : t(t), o(o) {}

  /// Checks the options against the model (before anything is trained).
  static dlc_status check(const dlc_trainer &t, const dlc_train_options &o);

  /// Opens the event file and marks where this session starts.
  dlc_status start();
  /// Whether a step is a snapshot (TFLearn also validates at those).
  bool snapshotStep(const dlc_step_info &s) const {
    return (s.epoch_end && o.snapshot_epoch) ||
           (o.snapshot_step > 0 && s.step % o.snapshot_step == 0);
  }
  /// Besides the epoch ends that the console shows: every epoch end when
  /// logging events (the validation curve), and every snapshot, as TFLearn
  /// validates at snapshots (every snapshot_step steps even without a
  /// checkpoint directory).
  bool wantsValidation(const dlc_step_info &s) const {
    return (o.event_dir && s.epoch_end) ||
           (o.checkpoint_dir && s.epoch_end && o.snapshot_epoch) ||
           (o.snapshot_step > 0 && s.step % o.snapshot_step == 0);
  }
  /// Right before train_step of `step` on the batch `x` of `rows` rows: at
  /// tensorboard_verbose 3, when the step takes histograms, runs the model's
  /// M_activations on the batch with the parameters the step starts from
  /// (TFLearn's activations come from the step's own forward pass).
  dlc_status beforeStep(int64_t step, const float *x, int64_t rows);
  /// Right after train_step, while the workspace holds its gradients.
  void trained(const dlc_step_info &s);
  /// After the step's validation, if any; writes the step's events and
  /// takes the snapshot if due.
  dlc_status finishStep(const dlc_step_info &s);
  /// Flushes and closes the event file.
  dlc_status close();
  /// Time spent in trained() and finishStep() (and close()).
  double seconds() const { return spent; }

private:
  dlc_trainer &t;
  const dlc_train_options &o;
  std::unique_ptr<EventWriter> events;
  std::string rawLossTag;
  std::vector<std::string> gradientTags, weightTags;
  std::vector<std::string> activationTags, sparsityTags;
  bool histograms = false;
  AlignedBuffer acts;           // M_activations' output (level 3)
  int64_t actStep = 0, actRows = 0; // the step and batch `acts` holds
  double spent = 0;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_RUNLOG_H
