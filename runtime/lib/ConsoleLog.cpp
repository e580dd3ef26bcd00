//===- ConsoleLog.cpp - TFLearn-style training console log ----------------===//
//
// Mirrors tflearn/callbacks.py (TermLogger) and trainer.py (fit):
//
//   Training Step: 12  | total loss: 0.26131 | time: 0.004s
//   | SGD | epoch: 003 | loss: 0.26131 - acc: 0.8123 | val_loss: ... -- iter: 4/4
//   --
//
// including its quirks: `total loss` is left out while it is exactly 0 (step
// 1), `iter` is zero-padded to the width of the sample count, and the epoch
// has at least three digits.
//
//===----------------------------------------------------------------------===//

#include "ConsoleLog.h"

#include <algorithm>
#include <unistd.h>

using namespace dlc::rt;

ConsoleLog::ConsoleLog(const dlc_train_options &options,
                       const dlc_model &model, int64_t samples,
                       int64_t valSamples)
    : out(options.log), opts(options), model(model), samples(samples),
      valSamples(valSamples), every(std::max<int64_t>(1, options.print_every)),
      tty(out && isatty(fileno(out))) {}

bool ConsoleLog::shows(const dlc_step_info &s, bool last) const {
  if (!out)
    return false;
  if (opts.quiet)
    return s.epoch_end && (last || s.epoch % every == 0);
  return last || s.step % every == 0;
}

void ConsoleLog::header() {
  if (!out)
    return;
  std::fprintf(out,
               "---------------------------------\n"
               "Run id: %s\n"
               "Log directory: %s\n"
               "---------------------------------\n"
               "Training samples: %lld\n"
               "Validation samples: %lld\n"
               "--\n",
               opts.run_id ? opts.run_id : model.desc->name,
               opts.log_dir ? opts.log_dir : "(none)", (long long)samples,
               (long long)valSamples);
  if (tty)
    std::fflush(out);
}

void ConsoleLog::step(const dlc_step_info &s, bool last) {
  if (!out)
    return;
  const char *clear = tty ? "\x1b[2K\r" : "";
  std::fprintf(out, "%sTraining Step: %lld ", clear, (long long)s.step);
  if (s.loss_avg != 0.0) // TFLearn: `if global_loss:`
    std::fprintf(out, " | total loss: %s%.5f%s", tty ? "\033[1m\033[32m" : "",
                 s.loss_avg, tty ? "\033[0m\033[0m" : "");
  if (s.epoch_seconds != 0.0)
    std::fprintf(out, " | time: %.3fs", s.epoch_seconds);
  std::fprintf(out, "\n%s| %s | epoch: %03lld | loss: %.5f", clear,
               dlc_optimizer_display_name(model.desc->optimizer),
               (long long)s.epoch, s.loss_avg);
  if (s.has_acc)
    std::fprintf(out, " - acc: %.4f", s.acc_avg);
  if (s.has_val) {
    std::fprintf(out, " | val_loss: %.5f", s.val_loss);
    if (s.has_acc)
      std::fprintf(out, " - val_acc: %.4f", s.val_acc);
  }
  int digits = std::snprintf(nullptr, 0, "%lld", (long long)s.samples);
  std::fprintf(out, " -- iter: %0*lld/%lld\n", digits, (long long)s.iter,
               (long long)s.samples);
  cursorUp = false;
  if (s.epoch_end || last)
    std::fputs("--\n", out);
  else if (tty) {
    std::fputs("\033[A\033[A", out); // the next block redraws this one
    cursorUp = true;
  }
  if (tty)
    std::fflush(out);
}

void ConsoleLog::finish(const dlc_train_result &r, const dlc_trainer &t) {
  if (!out)
    return;
  if (cursorUp)
    std::fputs("\033[B\033[B--\n", out);
  if (r.interrupted && r.iter == 0)
    std::fprintf(out, "Training interrupted after step %lld (end of epoch "
                      "%03lld)\n",
                 (long long)r.global_step, (long long)r.epoch);
  else if (r.interrupted)
    std::fprintf(out, "Training interrupted after step %lld (epoch %03lld, "
                      "iter %lld/%lld)\n",
                 (long long)r.global_step, (long long)(r.epoch + 1),
                 (long long)r.iter, (long long)samples);
  else if ((opts.quiet || every > 1) && r.steps > 0) {
    std::fprintf(out, "Training done: epoch %03lld, step %lld, loss: %.5f",
                 (long long)r.epoch, (long long)r.global_step, r.loss_avg);
    if (r.has_acc)
      std::fprintf(out, " - acc: %.4f", r.acc_avg);
    if (r.has_val) {
      std::fprintf(out, " | val_loss: %.5f", r.val_loss);
      if (r.has_acc)
        std::fprintf(out, " - val_acc: %.4f", r.val_acc);
    }
    std::fprintf(out, " | time: %.3fs\n", r.seconds);
  } else if (r.steps == 0)
    std::fprintf(out, "Nothing to train: %lld of %lld epochs already done\n",
                 (long long)t.epoch, (long long)opts.epochs);
  std::fflush(out);
}
