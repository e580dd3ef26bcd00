//===- ConsoleLog.h - TFLearn-style training console log --------*- C++ -*-===//
//
// Prints what TFLearn's TermLogger prints. On a terminal a step's block is
// redrawn in place and only epoch ends stay, and a progress line (steps/s,
// samples/s, ETA) sits under the block being redrawn; elsewhere every
// printed step is two plain lines and an epoch end adds "--", nothing else
// (unless the progress line is asked for). Output is buffered stdio and
// flushed only on a terminal.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_CONSOLELOG_H
#define DLC_RUNTIME_LIB_CONSOLELOG_H

#include "Internal.h"

namespace dlc::rt {

class ConsoleLog {
public:
  ConsoleLog(const dlc_train_options &options, const dlc_model &model,
             int64_t samples, int64_t valSamples);
  /// Training that ends with an error never reaches finish(): the cursor
  /// still goes back below the block, so the error is not printed over it.
  ~ConsoleLog() { leaveBlock(); }

  /// Whether step `s` gets printed; `last` marks the run's final step and
  /// `validates` an epoch end with a validation set (always shown).
  bool shows(const dlc_step_info &s, bool last, bool validates) const;
  void header();
  void step(const dlc_step_info &s, bool last);
  void finish(const dlc_train_result &r, const dlc_trainer &t);
  /// Where this session starts (a resumed trainer's epoch and iter).
  void startAt(int64_t epoch, int64_t iter);

private:
  void progressLine(const dlc_step_info &s);
  /// On a terminal, below the block the next step would have redrawn (and
  /// over the progress line), then "--": the block stays.
  void leaveBlock();

  FILE *out;
  const dlc_train_options &opts;
  const dlc_model &model;
  int64_t samples, valSamples, every;
  bool tty, progress, cursorUp = false;
  int linesUp = 2;
  int64_t startSample = 0, startStep = 0;
  double startTime = 0;
  const char *unit;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_CONSOLELOG_H
