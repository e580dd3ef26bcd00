//===- Train.cpp - `dlc train`: train a model library on a CSV file -------===//
//
//   dlc train MODEL.so --data FILE.csv [--epochs N] [--batch-size B] ...
//                      [--logdir DIR --run-id ID] [--checkpoint-dir DIR]
//
// Initialises the parameters with the model's init_params(seed) (or resumes
// a checkpoint, or the newest good snapshot of a checkpoint directory),
// trains with the TFLearn-style log on stdout, TensorBoard event files in
// LOGDIR/RUN_ID and snapshots in the checkpoint directory, and saves the
// final checkpoint atomically. SIGINT/SIGTERM finish the current step, save
// the checkpoint and exit with 128 + signal; a second signal kills at once,
// which is safe because the checkpoints on disk are always complete.
//
//===----------------------------------------------------------------------===//

#include "CliSupport.h"
#include "dlc_cli.h"

#include <csignal>
#include <cstdio>
#include <filesystem>

using namespace dlc::cli;

namespace {

const char *const kUsage =
    "usage: dlc train MODEL.so --data FILE.csv [--epochs N] [--batch-size B] "
    "[--seed S] [--no-shuffle] [--checkpoint PATH] [--resume PATH|DIR] "
    "[--run-id ID] [--print-every N] [--quiet] [--validation-data FILE.csv] "
    "[--model NAME] [--logdir DIR] [--tensorboard-verbose 0-2] "
    "[--checkpoint-dir DIR] [--snapshot-step N] [--no-snapshot-epoch] "
    "[--max-checkpoints N]";

const char *const kHelp =
    "Train a model library built by 'dlc compile' on CSV data.\n"
    "\n"
    "Each CSV row holds the input features followed by the target values;\n"
    "blank lines, '#' comments and a header line are skipped.\n"
    "\n"
    "options:\n"
    "  --data FILE.csv             training data (required)\n"
    "  --validation-data FILE.csv  evaluated at every epoch end and snapshot "
    "(val_loss,\n"
    "                              val_acc)\n"
    "  --epochs N                  train until N epochs are done in total "
    "(default 10;\n"
    "                              a resumed run continues its epoch count)\n"
    "  --batch-size B              rows per step (default 64; the last batch "
    "may be short)\n"
    "  --seed S                    seed of init_params and of shuffling "
    "(default 0)\n"
    "  --no-shuffle                keep the file's order in every epoch\n"
    "  --checkpoint PATH           where to save at the end (default "
    "./<model name>.ckpt,\n"
    "                              or a snapshot in --checkpoint-dir)\n"
    "  --resume PATH|DIR           continue from a checkpoint, or from the "
    "newest good\n"
    "                              snapshot of a checkpoint directory\n"
    "  --run-id ID                 the run's name: log header, event "
    "directory LOGDIR/ID\n"
    "                              (default: the model name)\n"
    "  --logdir DIR                write TensorBoard event files to "
    "DIR/<run id>/\n"
    "  --tensorboard-verbose N     0: loss and accuracy (default), 1: + "
    "gradient\n"
    "                              histograms, 2: + weight histograms "
    "(TFLearn's levels;\n"
    "                              3, activations, is not supported yet)\n"
    "  --histogram-every N         histograms every N steps (default 1)\n"
    "  --checkpoint-dir DIR        snapshots DIR/<model>-<step>.ckpt and "
    "the best one by\n"
    "                              validation loss, DIR/<model>-best.ckpt\n"
    "  --snapshot-epoch            a snapshot at every epoch end (the "
    "default)\n"
    "  --no-snapshot-epoch         no snapshot at epoch ends\n"
    "  --snapshot-step N           a snapshot (and validation) every N "
    "steps\n"
    "  --max-checkpoints N         keep the newest N snapshots (default: "
    "all)\n"
    "  --progress, --no-progress   the progress line (steps/s, ETA): "
    "default on a terminal\n"
    "  --print-every N             print every N-th step (with --quiet: every "
    "N-th epoch)\n"
    "  --quiet                     print only epoch ends and a final summary\n"
    "  --model NAME                pick a model of a multi-model library\n"
    "  --help                      show this help\n";

volatile sig_atomic_t gSignal = 0; // set by the handler, read by the trainer

extern "C" void onSignal(int sig) { gSignal = sig; }

/// Installs the stop handlers for the lifetime of a training run.
class SignalScope {
public:
  SignalScope() {
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; // a second signal terminates immediately
    gSignal = 0;
    sigaction(SIGINT, &sa, &oldInt);
    sigaction(SIGTERM, &sa, &oldTerm);
  }
  ~SignalScope() {
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
  }

private:
  struct sigaction oldInt, oldTerm;
};

DatasetPtr loadCsv(const std::string &path, const dlc_model *model) {
  dlc_dataset *data = nullptr;
  if (dlc_dataset_load_csv(path.c_str(), dlc_model_input_width(model),
                           dlc_model_output_width(model), DLC_CSV_DEFAULT,
                           &data) != DLC_OK)
    return nullptr;
  return DatasetPtr(data);
}

} // namespace

int dlcTrainMain(int argc, char **argv) {
  Args args;
  std::string error;
  if (!args.parse(argc, argv,
                  {{"help", false}, {"data", true}, {"validation-data", true},
                   {"epochs", true}, {"batch-size", true}, {"seed", true},
                   {"no-shuffle", false}, {"checkpoint", true},
                   {"resume", true}, {"run-id", true}, {"print-every", true},
                   {"quiet", false}, {"model", true}, {"logdir", true},
                   {"tensorboard-verbose", true}, {"histogram-every", true},
                   {"checkpoint-dir", true}, {"snapshot-step", true},
                   {"snapshot-epoch", false}, {"no-snapshot-epoch", false},
                   {"max-checkpoints", true}, {"progress", false},
                   {"no-progress", false}},
                  error))
    return usageError(error, kUsage, "train");
  if (args.has("help")) {
    std::printf("%s\n\n%s", kUsage, kHelp);
    return 0;
  }
  if (args.positional.size() != 1)
    return usageError(args.positional.empty()
                          ? "no model library given"
                          : "unexpected argument '" + args.positional[1] + "'",
                      kUsage, "train");
  if (!args.has("data"))
    return usageError("missing --data FILE.csv", kUsage, "train");

  dlc_train_options opts;
  dlc_train_options_init(&opts);
  uint64_t seed = 0;
  const int64_t kMax = INT64_MAX / 2;
  if (!parseInt(args.get("epochs", "10"), 0, kMax, opts.epochs))
    return usageError("--epochs expects an integer >= 0, got '" +
                          args.get("epochs", "") + "'",
                      kUsage, "train");
  if (!parseInt(args.get("batch-size", "64"), 1, kMax, opts.batch_size))
    return usageError("--batch-size expects an integer >= 1, got '" +
                          args.get("batch-size", "") + "'",
                      kUsage, "train");
  if (!parseInt(args.get("print-every", "1"), 1, kMax, opts.print_every))
    return usageError("--print-every expects an integer >= 1, got '" +
                          args.get("print-every", "") + "'",
                      kUsage, "train");
  if (!parseU64(args.get("seed", "0"), seed))
    return usageError("--seed expects an unsigned integer, got '" +
                          args.get("seed", "") + "'",
                      kUsage, "train");
  int64_t verbose = 0;
  if (!parseInt(args.get("tensorboard-verbose", "0"), 0, 3, verbose))
    return usageError("--tensorboard-verbose expects 0, 1, 2 or 3, got '" +
                          args.get("tensorboard-verbose", "") + "'",
                      kUsage, "train");
  if (verbose == 3)
    return fail("--tensorboard-verbose 3 (activations and sparsity) is not "
                "supported yet: model libraries do not expose their "
                "activations; use 2 for gradients and weights");
  if (args.has("tensorboard-verbose") && !args.has("logdir"))
    return usageError("--tensorboard-verbose needs --logdir DIR", kUsage,
                      "train");
  if (!parseInt(args.get("histogram-every", "1"), 1, kMax,
                opts.histogram_every))
    return usageError("--histogram-every expects an integer >= 1, got '" +
                          args.get("histogram-every", "") + "'",
                      kUsage, "train");
  if (!parseInt(args.get("snapshot-step", "0"), 0, kMax, opts.snapshot_step))
    return usageError("--snapshot-step expects an integer >= 0, got '" +
                          args.get("snapshot-step", "") + "'",
                      kUsage, "train");
  if (!parseInt(args.get("max-checkpoints", "0"), 0, kMax,
                opts.max_checkpoints))
    return usageError("--max-checkpoints expects an integer >= 0 (0: keep "
                      "all), got '" +
                          args.get("max-checkpoints", "") + "'",
                      kUsage, "train");
  opts.tensorboard_verbose = (int)verbose;
  opts.snapshot_epoch = !args.has("no-snapshot-epoch");
  if (args.has("progress"))
    opts.progress = 1;
  if (args.has("no-progress"))
    opts.progress = 0;

  dlc_model *rawModel = nullptr;
  std::string modelName = args.get("model", "");
  if (dlc_model_open_named(args.positional[0].c_str(),
                           modelName.empty() ? nullptr : modelName.c_str(),
                           &rawModel) != DLC_OK)
    return failWithLastError();
  ModelPtr model(rawModel);
  const dlc_model_desc *desc = dlc_model_get_desc(model.get());

  DatasetPtr train = loadCsv(args.get("data", ""), model.get()), val;
  if (!train)
    return failWithLastError();
  if (args.has("validation-data") &&
      !(val = loadCsv(args.get("validation-data", ""), model.get())))
    return failWithLastError();

  dlc_trainer *rawTrainer = nullptr;
  if (dlc_trainer_create(model.get(), &rawTrainer) != DLC_OK)
    return failWithLastError();
  TrainerPtr trainer(rawTrainer);
  const std::string resume = args.get("resume", "");
  dlc_status status = DLC_OK;
  std::error_code ec;
  if (resume.empty()) {
    status = dlc_trainer_init(trainer.get(), seed);
  } else if (std::filesystem::is_directory(resume, ec)) {
    char loaded[4096] = "";
    status = dlc_trainer_load_latest(
        trainer.get(), resume.c_str(),
        [](const char *message, void *) {
          std::fflush(stdout);
          std::fprintf(stderr, "dlc: warning: %s\n", message);
        },
        nullptr, loaded, sizeof loaded);
    if (status == DLC_OK)
      std::printf("Resuming from %s (step %lld)\n", loaded,
                  (long long)dlc_trainer_global_step(trainer.get()));
  } else {
    status = dlc_trainer_load(trainer.get(), resume.c_str());
  }
  if (status != DLC_OK)
    return failWithLastError();

  const std::string checkpointDir = args.get("checkpoint-dir", "");
  const bool finalInDir = !checkpointDir.empty() && !args.has("checkpoint");
  const std::string checkpoint =
      args.get("checkpoint", "./" + std::string(desc->name) + ".ckpt");
  const std::string runId = args.get("run-id", desc->name);
  const std::string logdir = args.get("logdir", "");
  std::string eventDir;
  if (!logdir.empty())
    eventDir = (logdir.back() == '/' ? logdir : logdir + "/") + runId;
  opts.shuffle = !args.has("no-shuffle");
  opts.quiet = args.has("quiet");
  opts.run_id = runId.c_str();
  if (!logdir.empty()) {
    opts.log_dir = logdir.c_str();
    opts.event_dir = eventDir.c_str();
  }
  if (!checkpointDir.empty())
    opts.checkpoint_dir = checkpointDir.c_str();
  opts.log = stdout;
  opts.stop = &gSignal;
  int signal = 0;
  dlc_train_result result{};
  {
    SignalScope handlers;
    status = dlc_trainer_train(trainer.get(), train.get(), val.get(), &opts,
                               &result);
    signal = gSignal;
  }
  if (status != DLC_OK && status != DLC_INTERRUPTED)
    return failWithLastError();
  if ((opts.event_dir || opts.checkpoint_dir) && result.steps > 0)
    std::printf("Event files and snapshots: %.3fs of the %.3fs of training "
                "(%.2f%%)\n",
                result.log_seconds, result.seconds,
                result.seconds > 0 ? 100.0 * result.log_seconds / result.seconds
                                   : 0.0);
  if (finalInDir) {
    char saved[4096] = "";
    if (dlc_trainer_save_snapshot(trainer.get(), checkpointDir.c_str(),
                                  opts.max_checkpoints, saved,
                                  sizeof saved) != DLC_OK)
      return failWithLastError();
    std::printf("Checkpoint saved: %s\n", saved);
  } else {
    if (dlc_trainer_save(trainer.get(), checkpoint.c_str()) != DLC_OK)
      return failWithLastError();
    std::printf("Checkpoint saved: %s\n", checkpoint.c_str());
  }
  std::fflush(stdout);
  return signal ? 128 + signal : 0;
}
