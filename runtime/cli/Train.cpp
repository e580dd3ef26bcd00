//===- Train.cpp - `dlc train`: train a model library on a CSV file -------===//
//
//   dlc train MODEL.so --data FILE.csv [--epochs N] [--batch-size B] ...
//
// Initialises the parameters with the model's init_params(seed) (or resumes
// a checkpoint), trains with the TFLearn-style log on stdout and saves the
// checkpoint atomically. SIGINT/SIGTERM finish the current step, save the
// checkpoint and exit with 128 + signal; a second signal kills at once,
// which is safe because the checkpoint on disk is always complete.
//
//===----------------------------------------------------------------------===//

#include "CliSupport.h"
#include "dlc_cli.h"

#include <csignal>
#include <cstdio>

using namespace dlc::cli;

namespace {

const char *const kUsage =
    "usage: dlc train MODEL.so --data FILE.csv [--epochs N] [--batch-size B] "
    "[--seed S] [--no-shuffle] [--checkpoint PATH] [--resume PATH] "
    "[--run-id ID] [--print-every N] [--quiet] [--validation-data FILE.csv] "
    "[--model NAME]";

const char *const kHelp =
    "Train a model library built by 'dlc compile' on CSV data.\n"
    "\n"
    "Each CSV row holds the input features followed by the target values;\n"
    "blank lines, '#' comments and a header line are skipped.\n"
    "\n"
    "options:\n"
    "  --data FILE.csv             training data (required)\n"
    "  --validation-data FILE.csv  evaluated at every epoch end "
    "(val_loss, val_acc)\n"
    "  --epochs N                  train until N epochs are done in total "
    "(default 10;\n"
    "                              a resumed run continues its epoch count)\n"
    "  --batch-size B              rows per step (default 64; the last batch "
    "may be short)\n"
    "  --seed S                    seed of init_params and of shuffling "
    "(default 0)\n"
    "  --no-shuffle                keep the file's order in every epoch\n"
    "  --checkpoint PATH           where to save (default ./<model name>.ckpt)\n"
    "  --resume PATH               continue from a checkpoint instead of "
    "initialising\n"
    "  --run-id ID                 shown in the log header (default: the "
    "model name)\n"
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
                   {"quiet", false}, {"model", true}},
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
  dlc_status status = args.has("resume")
                          ? dlc_trainer_load(trainer.get(),
                                             args.get("resume", "").c_str())
                          : dlc_trainer_init(trainer.get(), seed);
  if (status != DLC_OK)
    return failWithLastError();

  const std::string checkpoint =
      args.get("checkpoint", "./" + std::string(desc->name) + ".ckpt");
  const std::string runId = args.get("run-id", desc->name);
  opts.shuffle = !args.has("no-shuffle");
  opts.quiet = args.has("quiet");
  opts.run_id = runId.c_str();
  opts.log = stdout;
  opts.stop = &gSignal;
  int signal = 0;
  {
    SignalScope handlers;
    status = dlc_trainer_train(trainer.get(), train.get(), val.get(), &opts,
                               nullptr);
    signal = gSignal;
  }
  if (status != DLC_OK && status != DLC_INTERRUPTED)
    return failWithLastError();
  if (dlc_trainer_save(trainer.get(), checkpoint.c_str()) != DLC_OK)
    return failWithLastError();
  std::printf("Checkpoint saved: %s\n", checkpoint.c_str());
  std::fflush(stdout);
  return signal ? 128 + signal : 0;
}
