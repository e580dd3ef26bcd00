//===- ConsoleLog.h - TFLearn-style training console log --------*- C++ -*-===//
//
// Prints what TFLearn's TermLogger prints. On a terminal a step's block is
// redrawn in place and only epoch ends stay; elsewhere every printed step is
// two plain lines and an epoch end adds "--". Output is buffered stdio and
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

  /// Whether step `s` gets printed; `last` marks the run's final step.
  bool shows(const dlc_step_info &s, bool last) const;
  void header();
  void step(const dlc_step_info &s, bool last);
  void finish(const dlc_train_result &r, const dlc_trainer &t);

private:
  FILE *out;
  const dlc_train_options &opts;
  const dlc_model &model;
  int64_t samples, valSamples, every;
  bool tty, cursorUp = false;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_CONSOLELOG_H
