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
#include <chrono>
#include <cmath>
#include <unistd.h>

using namespace dlc::rt;

namespace {
double monotonicSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
} // namespace

ConsoleLog::ConsoleLog(const dlc_train_options &options,
                       const dlc_model &model, int64_t samples,
                       int64_t valSamples)
    : out(options.log), opts(options), model(model), samples(samples),
      valSamples(valSamples), every(std::max<int64_t>(1, options.print_every)),
      tty(out && isatty(fileno(out))),
      progress(out && (options.progress > 0 || (options.progress < 0 && tty))),
      // Images are [?, H, W, C]; anything flatter counts samples.
      unit(model.desc->input_rank >= 3 ? "images/s" : "samples/s") {
  linesUp = progress ? 3 : 2;
  startTime = monotonicSeconds();
}

void ConsoleLog::startAt(int64_t epoch, int64_t iter) {
  startSample = epoch * samples + iter;
  startStep = -1;
  startTime = monotonicSeconds();
}

void ConsoleLog::progressLine(const dlc_step_info &s) {
  // [=========>          ]  45% | 312.4 steps/s | 19994 samples/s | ETA 0:01:23
  const double elapsed = std::max(monotonicSeconds() - startTime, 1e-9);
  const int64_t done = (s.epoch - 1) * samples + s.iter;
  const int64_t total = std::max<int64_t>(opts.epochs * samples, done);
  if (startStep < 0)
    startStep = s.step - 1; // the session's first step starts the count
  const double samplesPerSec = (double)(done - startSample) / elapsed;
  const double stepsPerSec = (double)(s.step - startStep) / elapsed;
  const double fraction = total > 0 ? (double)done / (double)total : 1.0;
  const int width = 30, filled = (int)(fraction * width);
  char bar[width + 1];
  for (int i = 0; i < width; ++i)
    bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
  bar[width] = 0;
  std::fprintf(out, "%s[%s] %3d%% | %.1f steps/s | %.0f %s | ETA ",
               tty ? "\x1b[2K\r" : "", bar, (int)(fraction * 100.0),
               stepsPerSec, samplesPerSec, unit);
  const double eta =
      samplesPerSec > 0 ? (double)(total - done) / samplesPerSec : -1.0;
  if (eta < 0 || !std::isfinite(eta) || eta > 1e8) {
    std::fputs("--:--:--\n", out);
  } else {
    const long long sec = (long long)std::llround(eta);
    std::fprintf(out, "%lld:%02lld:%02lld\n", sec / 3600, sec / 60 % 60,
                 sec % 60);
  }
}

bool ConsoleLog::shows(const dlc_step_info &s, bool last,
                       bool validates) const {
  if (!out)
    return false;
  if (opts.quiet)
    return s.epoch_end && (last || s.epoch % every == 0);
  // Validation figures come once an epoch: never skip them.
  return last || s.step % every == 0 || (s.epoch_end && validates);
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
  std::fflush(out); // a log file shows progress as it happens
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
  // TFLearn keeps the block of an epoch end and of a snapshot
  // (snapshot_termlogs), which carries the validation figures.
  const bool kept = s.epoch_end || last || s.has_val;
  // On a terminal the progress line goes with the block being redrawn and
  // gives way to "--" under a block that stays.
  if (progress && (!tty || !kept))
    progressLine(s);
  if (kept)
    std::fputs(tty ? "\x1b[2K\r--\n" : "--\n", out);
  else if (tty) {
    for (int i = 0; i < linesUp; ++i) // the next block redraws this one
      std::fputs("\033[A", out);
    cursorUp = true;
  }
  std::fflush(out); // a log file shows progress as it happens
}

void ConsoleLog::leaveBlock() {
  if (!out || !cursorUp)
    return;
  // Below the TFLearn lines, over the progress line if any.
  std::fputs(progress ? "\033[B\033[B\x1b[2K\r--\n" : "\033[B\033[B--\n",
             out);
  cursorUp = false;
  std::fflush(out);
}

void ConsoleLog::finish(const dlc_train_result &r, const dlc_trainer &t) {
  if (!out)
    return;
  leaveBlock();
  if (r.interrupted && r.steps == 0)
    std::fprintf(out, "Training interrupted before its first step\n");
  else if (r.interrupted && r.iter == 0)
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
