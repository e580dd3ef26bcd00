//===- Train.cpp - `dlc train`: train a model library on a CSV file -------===//
//
//   dlc train MODEL.so --data FILE.csv|SPEC [--validation test|FRACTION]
//                      [--epochs N] [--batch-size B] ...
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

#include <sys/resource.h>
#include "CliSupport.h"
#include "DataSpec.h"
#include "dlc_cli.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

using namespace dlc::cli;

namespace {

const char *const kUsage =
    "usage: dlc train MODEL.so --data FILE.csv|SPEC "
    "[--validation test|FRACTION|none] [--epochs N] [--batch-size B] "
    "[--seed S] [--no-shuffle] [--checkpoint PATH] [--resume PATH|DIR] "
    "[--run-id ID] [--print-every N] [--quiet] [--validation-data FILE.csv] "
    "[--model NAME] [--logdir DIR] [--tensorboard-verbose 0-3] "
    "[--histogram-every N] [--checkpoint-dir DIR] [--snapshot-step N] "
    "[--snapshot-epoch|--no-snapshot-epoch] [--max-checkpoints N] "
    "[--progress|--no-progress] [--preprocess LIST] [--augment LIST] "
    "[--no-prefetch] [--threads N] [--verbose]";

const char *const kHelp =
    "Train a model library built by 'dlc compile' on CSV or image data.\n"
    "\n"
    "Each CSV row holds the input features followed by the target values;\n"
    "blank lines, '#' comments and a header line are skipped. Image data\n"
    "is scaled to [0, 1] with one-hot labels (docs/data.md). SPEC is:\n"
    "  fashion-mnist[:DIR]  IDX files, raw or .gz (default DIR\n"
    "                       /usr/share/datasets/fashion-mnist)\n"
    "  mnist:DIR            the same file names: train-images-idx3-ubyte,\n"
    "                       train-labels-idx1-ubyte, t10k-* for the test part\n"
    "  cifar10:DIR          data_batch_1..5.bin, test_batch.bin\n"
    "  imagefolder:DIR      DIR/<class>/*.jpg|*.png; with DIR/train and\n"
    "                       DIR/test when DIR/train exists\n"
    "  npy:X.npy,Y.npy      NumPy arrays: x [n, ...], labels [n] or y [n, k]\n"
    "\n"
    "options:\n"
    "  --data FILE.csv|SPEC        training data (required)\n"
    "  --validation WHAT           test: the SPEC's test part; FRACTION in "
    "(0, 1): a\n"
    "                              random part of the training data, the same in\n"
    "                              every run (TFLearn's validation_set=0.1);\n"
    "                              none (default)\n"
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
    "                              or a snapshot in --checkpoint-dir); "
    "nothing is\n"
    "                              saved when no step was trained\n"
    "  --resume PATH|DIR           continue from a checkpoint, or from the "
    "newest good\n"
    "                              snapshot of a checkpoint directory (whose "
    "snapshots\n"
    "                              then go on there, unless --checkpoint-dir "
    "or\n"
    "                              --checkpoint says otherwise)\n"
    "  --run-id ID                 the run's name: log header, event "
    "directory LOGDIR/ID\n"
    "                              (default: the model name)\n"
    "  --logdir DIR                write TensorBoard event files to "
    "DIR/<run id>/\n"
    "  --tensorboard-verbose N     0: loss and accuracy (default), 1: + "
    "gradient\n"
    "                              histograms, 2: + weight histograms, 3: "
    "+ activation\n"
    "                              histograms and sparsity (TFLearn's "
    "levels)\n"
    "  --histogram-every N         histograms every N steps (default 1)\n"
    "  --checkpoint-dir DIR        snapshots DIR/<model>-<step>.ckpt and "
    "the best one by\n"
    "                              validation accuracy (loss without one),\n"
    "                              DIR/<model>-best.ckpt\n"
    "  --snapshot-epoch            a snapshot at every epoch end (the "
    "default)\n"
    "  --no-snapshot-epoch         no snapshot at epoch ends\n"
    "  --snapshot-step N           a snapshot (and validation) every N "
    "steps\n"
    "  --max-checkpoints N         keep the newest N snapshots (default: "
    "all)\n"
    "  --progress, --no-progress   the progress line (steps/s, ETA): "
    "default on a terminal\n"
    "  --print-every N             print every N-th step and each validation "
    "(with\n"
    "                              --quiet: every N-th epoch)\n"
    "  --quiet                     print only epoch ends and a final summary\n"
    "  --model NAME                pick a model of a multi-model library\n"
    "  --preprocess LIST           TFLearn's data preprocessing, any of\n"
    "                              featurewise_zero_center,featurewise_stdnorm,"
    "\n"
    "                              samplewise_zero_center,samplewise_stdnorm,"
    "\n"
    "                              per_channel (featurewise statistics are "
    "fitted on the\n"
    "                              training set, kept in checkpoints and "
    "applied by\n"
    "                              'dlc predict'; docs/data-pipeline.md)\n"
    "  --augment LIST              image augmentation of training batches, any "
    "of\n"
    "                              flip_leftright,flip_updown,rotation[=DEG],\n"
    "                              crop=HxW:PAD,blur[=SIGMA] (DEG 20 and SIGMA 5\n"
    "                              when not given, as TFLearn's; e.g.\n"
    "                              flip_leftright,rotation=25,crop=32x32:4)\n"
    "  --no-prefetch               assemble each batch on the training thread "
    "(same\n"
    "                              results; default: one batch ahead on a "
    "second thread)\n"
    "  --threads N                 threads of the model's kernels (default 0: "
    "all\n"
    "                              CPUs; results do not depend on it)\n"
    "  --verbose                   after training, print the peak memory (max "
    "RSS),\n"
    "                              the workspace planned at compile time and "
    "the\n"
    "                              kernel threads\n"
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

} // namespace

int dlcTrainMain(int argc, char **argv) {
  Args args;
  std::string error;
  if (int rc = parseModelCommand(
          argc, argv,
          {{"data", true},           {"validation-data", true},
           {"validation", true},     {"epochs", true},
           {"batch-size", true},     {"seed", true},
           {"no-shuffle", false},    {"checkpoint", true},
           {"resume", true},         {"run-id", true},
           {"print-every", true},    {"quiet", false},
           {"model", true},          {"logdir", true},
           {"tensorboard-verbose", true}, {"histogram-every", true},
           {"checkpoint-dir", true}, {"snapshot-step", true},
           {"snapshot-epoch", false}, {"no-snapshot-epoch", false},
           {"max-checkpoints", true}, {"progress", false},
           {"no-progress", false},   {"preprocess", true},
           {"augment", true},        {"no-prefetch", false},
           {"threads", true},        {"verbose", false}},
          kUsage, kHelp, "train", args);
      rc >= 0)
    return rc;
  if (!args.has("data"))
    return usageError("missing --data FILE.csv", kUsage, "train");
  DataSpec spec;
  if (!parseDataSpec(args.get("data", ""), spec, error))
    return usageError(error, kUsage, "train");
  const std::string validation = args.get("validation", "none");
  double valFraction = 0;
  if (validation != "none" && validation != "test") {
    char *end = nullptr;
    valFraction = std::strtod(validation.c_str(), &end);
    if (validation.empty() || *end != 0 ||
        !(valFraction > 0 && valFraction < 1))
      return usageError("--validation expects test, none or a fraction in "
                        "(0, 1), got '" +
                            validation + "'",
                        kUsage, "train");
  }
  if (args.has("validation") && args.has("validation-data"))
    return usageError("--validation and --validation-data exclude each other",
                      kUsage, "train");
  if (validation == "test" && !hasTestPart(spec))
    return fail("--validation test: '" + spec.text + "' has no test part (" +
                (spec.kind == "imagefolder"
                     ? "no " + spec.path + "/train and " + spec.path + "/test"
                     : std::string("only fashion-mnist, mnist, cifar10 and "
                                   "imagefolder with train/ and test/ have "
                                   "one")) +
                "); use --validation FRACTION or --validation-data FILE.csv");

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
  for (auto [on, off] : {std::pair{"snapshot-epoch", "no-snapshot-epoch"},
                         std::pair{"progress", "no-progress"}})
    if (args.has(on) && args.has(off))
      return usageError(std::string("--") + on + " and --" + off +
                            " exclude each other",
                        kUsage, "train");
  opts.snapshot_epoch = !args.has("no-snapshot-epoch");
  if (args.has("progress"))
    opts.progress = 1;
  if (args.has("no-progress"))
    opts.progress = 0;
  if (args.has("preprocess") &&
      dlc_preprocess_options_parse(args.get("preprocess", "").c_str(),
                                   &opts.preprocess) != DLC_OK)
    return usageError(dlc_last_error(), kUsage, "train");
  if (args.has("augment") &&
      dlc_augment_options_parse(args.get("augment", "").c_str(),
                                &opts.augment) != DLC_OK)
    return usageError(dlc_last_error(), kUsage, "train");
  opts.prefetch = !args.has("no-prefetch");
  int64_t threads = 0;
  if (std::optional<int> rc = parseThreads(args, kUsage, "train", threads))
    return *rc;
  keepFreedMemory();

  ModelPtr model = openCommandModel(args);
  if (!model)
    return failWithLastError();
  const dlc_model_desc *desc = dlc_model_get_desc(model.get());
  dlc_model_set_threads(model.get(), threads);
  if (dlc_pipeline_check(model.get(), &opts.preprocess, &opts.augment) !=
      DLC_OK)
    return usageError(dlc_last_error(), kUsage, "train");

  auto loadStart = std::chrono::steady_clock::now();
  DatasetPtr train = loadPart(spec, false, model.get(), error), val;
  if (!train)
    return fail(error);
  if (!checkFit(spec.text, train.get(), model.get(), error))
    return fail(error);
  if (validation == "test") {
    if (!(val = loadPart(spec, true, model.get(), error)))
      return fail(error);
    if (!checkFit(spec.text + " (test part)", val.get(), model.get(), error))
      return fail(error);
    // Class folders: label i must mean the same class in both parts.
    for (int64_t i = 0; i < dlc_dataset_num_classes(train.get()); ++i) {
      const char *a = dlc_dataset_class_name(train.get(), i);
      const char *b = dlc_dataset_class_name(val.get(), i);
      if (a && (!b || std::strcmp(a, b) != 0))
        return fail("data '" + spec.text + "': class " + std::to_string(i) +
                    " is '" + a + "' in the training part but '" +
                    (b ? b : "(none)") +
                    "' in the test part: both need the same class folders");
    }
  } else if (valFraction > 0) {
    dlc_dataset *rawTrain = nullptr, *rawVal = nullptr;
    if (dlc_dataset_split(train.get(), valFraction, &rawTrain, &rawVal) !=
        DLC_OK)
      return fail("--validation " + validation + ": " + dlc_last_error());
    train.reset(rawTrain);
    val.reset(rawVal);
  }
  if (args.has("validation-data") &&
      !(val = loadCsv(args.get("validation-data", ""), model.get())))
    return failWithLastError();
  if (spec.kind != "csv") {
    int64_t hwc[3];
    std::string what =
        std::to_string(dlc_dataset_input_width(train.get())) + " values";
    if (dlc_dataset_image_shape(train.get(), hwc))
      what = std::to_string(hwc[0]) + "x" + std::to_string(hwc[1]) + "x" +
             std::to_string(hwc[2]);
    std::printf(
        "Data: %s: %lld training examples, %lld validation (%s), %s, %lld "
        "classes, loaded in %.2fs\n",
        spec.text.c_str(), (long long)dlc_dataset_size(train.get()),
        (long long)dlc_dataset_size(val.get()),
        validation == "test"          ? "test part"
        : valFraction > 0             ? "split"
        : args.has("validation-data") ? "--validation-data"
                                      : "none",
        what.c_str(), (long long)dlc_dataset_num_classes(train.get()),
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      loadStart)
            .count());
  }

  dlc_trainer *rawTrainer = nullptr;
  if (dlc_trainer_create(model.get(), &rawTrainer) != DLC_OK)
    return failWithLastError();
  TrainerPtr trainer(rawTrainer);
  const std::string resume = args.get("resume", "");
  dlc_status status = DLC_OK;
  std::error_code ec;
  if (resume.empty()) {
    status = dlc_trainer_init(trainer.get(), seed);
  } else {
    std::string loaded;
    status = loadCheckpointOrNewest(trainer.get(), resume, loaded);
    if (status == DLC_OK && std::filesystem::is_directory(resume, ec))
      std::printf("Resuming from %s (step %lld)\n", loaded.c_str(),
                  (long long)dlc_trainer_global_step(trainer.get()));
  }
  if (status != DLC_OK)
    return failWithLastError();

  // A run resumed from a checkpoint directory goes on writing its snapshots
  // there, unless told another place.
  const bool resumedFromDir =
      !resume.empty() && std::filesystem::is_directory(resume, ec);
  const std::string checkpointDir = args.get(
      "checkpoint-dir",
      resumedFromDir && !args.has("checkpoint") ? resume : "");
  const bool finalInDir = !checkpointDir.empty() && !args.has("checkpoint");
  const std::string checkpoint =
      args.get("checkpoint", "./" + std::string(desc->name) + ".ckpt");
  const std::string runId = args.get("run-id", desc->name);
  // A run is one folder of the log directory, never a path out of it.
  if (runId.empty() || runId == "." || runId == ".." ||
      runId.find('/') != std::string::npos)
    return usageError("--run-id '" + runId +
                          "': expected a folder name (no '/', not '.' or "
                          "'..')",
                      kUsage, "train");
  const std::string logdir = args.get("logdir", "");
  std::string eventDir;
  if (!logdir.empty())
    eventDir = (logdir.back() == '/' ? logdir : logdir + "/") + runId;
  // A path the checkpoint cannot go to fails now, not after training;
  // except a folder the run itself creates (--checkpoint-dir, --logdir).
  if (!finalInDir) {
    namespace fs = std::filesystem;
    const fs::path parent =
        fs::path(checkpoint).lexically_normal().parent_path();
    auto within = [&](const std::string &dir) {
      if (dir.empty())
        return false;
      const fs::path rel =
          parent.lexically_relative(fs::path(dir).lexically_normal());
      return !rel.empty() && *rel.begin() != "..";
    };
    std::error_code exists;
    if ((fs::exists(parent.empty() ? "." : parent, exists) ||
         !(within(checkpointDir) || within(logdir))) &&
        dlc_output_file_target(checkpoint.c_str(), nullptr, 0) != DLC_OK)
      return failWithLastError();
  }
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
  if (args.has("verbose")) {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage); // ru_maxrss in KiB on Linux
    std::printf("Peak memory: %.1f MiB (max RSS of the process); kernel "
                "threads: %lld\n",
                usage.ru_maxrss / 1024.0,
                (long long)dlc_model_get_threads(model.get()));
    // Every buffer of a step lives in the workspace, planned at compile
    // time: nothing is allocated while training.
    const dlc_model_desc *desc = dlc_model_get_desc(model.get());
    std::printf("Workspace: %.1f MiB at batch %lld (%lld bytes + %lld per "
                "example, planned at compile time)\n",
                dlc_workspace_bytes(desc, opts.batch_size) / 1048576.0,
                (long long)opts.batch_size,
                (long long)desc->workspace_fixed_bytes,
                (long long)desc->workspace_per_example_bytes);
    if (const char *device = dlc_trainer_device_summary(trainer.get()))
      std::printf("%s\n", device);
  }
  // Nothing trained, nothing saved: the trainer holds what it started from
  // (a fresh initialisation with --epochs 0, or the checkpoint resumed),
  // and writing it could replace a trained checkpoint with it.
  if (result.steps == 0) {
    std::printf("No step trained: no checkpoint written\n");
    std::fflush(stdout);
    return signal ? 128 + signal : 0;
  }
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
