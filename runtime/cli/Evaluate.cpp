//===- Evaluate.cpp - `dlc evaluate`: a trained model's loss and accuracy -===//
//
//   dlc evaluate MODEL.so --checkpoint PATH|DIR --data FILE.csv|SPEC
//                         [--part test|train] [--batch-size B]
//
// TFLearn's model.evaluate(X, Y): the exact mean loss (without L2, as the
// training log's) and the accuracy dlc train shows, over a whole data set,
// with the checkpoint's preprocessing. A data set with a test part
// (fashion-mnist, mnist, cifar10, imagefolder with train/ and test/) is
// evaluated on it unless --part train says otherwise.
//
//===----------------------------------------------------------------------===//

#include "CliSupport.h"
#include "DataSpec.h"
#include "dlc_cli.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

using namespace dlc::cli;

namespace {

const char *const kUsage =
    "usage: dlc evaluate MODEL.so --checkpoint PATH|DIR --data FILE.csv|SPEC "
    "[--part test|train] [--batch-size B] [--model NAME] [--threads N]";

const char *const kHelp =
    "Evaluate a trained model library on a data set: the mean loss (without "
    "L2)\n"
    "and the accuracy, as 'dlc train' prints them (TFLearn's "
    "model.evaluate).\n"
    "\n"
    "options:\n"
    "  --checkpoint PATH|DIR  trained parameters: a checkpoint, or the newest "
    "good\n"
    "                         snapshot of a checkpoint directory (required)\n"
    "  --data FILE.csv|SPEC   the data, as 'dlc train --data' reads it "
    "(required):\n"
    "                         FILE.csv, fashion-mnist[:DIR], mnist:DIR, "
    "cifar10:DIR,\n"
    "                         imagefolder:DIR, npy:X.npy,Y.npy\n"
    "  --part test|train      which part of a SPEC with a test part "
    "(default test)\n"
    "  --batch-size B         rows per evaluation step (default 256; the "
    "results do\n"
    "                         not depend on it)\n"
    "  --model NAME           pick a model of a multi-model library\n"
    "  --threads N            threads of the model's kernels (default 0: all "
    "CPUs)\n"
    "  --help                 show this help\n"
    "\n"
    "The checkpoint's preprocessing ('dlc train --preprocess') is applied to "
    "the\n"
    "inputs; augmentation and dropout are not (evaluation is inference).\n";

} // namespace

int dlcEvaluateMain(int argc, char **argv) {
  Args args;
  std::string error;
  if (int rc = parseModelCommand(argc, argv,
                                 {{"checkpoint", true},
                                  {"data", true},
                                  {"part", true},
                                  {"batch-size", true},
                                  {"model", true},
                                  {"threads", true}},
                                 kUsage, kHelp, "evaluate", args);
      rc >= 0)
    return rc;
  if (!args.has("checkpoint"))
    return usageError("missing --checkpoint PATH|DIR", kUsage, "evaluate");
  if (!args.has("data"))
    return usageError("missing --data FILE.csv|SPEC", kUsage, "evaluate");
  DataSpec spec;
  if (!parseDataSpec(args.get("data", ""), spec, error))
    return usageError(error, kUsage, "evaluate");
  const std::string part = args.get("part", hasTestPart(spec) ? "test" : "");
  if (args.has("part") && part != "test" && part != "train")
    return usageError("--part expects test or train, got '" + part + "'",
                      kUsage, "evaluate");
  if (part == "test" && !hasTestPart(spec))
    return usageError("--part test: '" + spec.text +
                          "' has no test part (only fashion-mnist, mnist, "
                          "cifar10 and imagefolder with train/ and test/ "
                          "have one)",
                      kUsage, "evaluate");
  int64_t batch = 0, threads = 0;
  if (!parseInt(args.get("batch-size", "256"), 1, INT64_MAX / 2, batch))
    return usageError("--batch-size expects an integer >= 1, got '" +
                          args.get("batch-size", "") + "'",
                      kUsage, "evaluate");
  if (std::optional<int> rc = parseThreads(args, kUsage, "evaluate", threads))
    return *rc;
  keepFreedMemory();

  ModelPtr model = openCommandModel(args);
  if (!model)
    return failWithLastError();
  dlc_model_set_threads(model.get(), threads);

  // The checkpoint first: a wrong one fails before a long data load.
  dlc_trainer *rawTrainer = nullptr;
  if (dlc_trainer_create(model.get(), &rawTrainer) != DLC_OK)
    return failWithLastError();
  TrainerPtr trainer(rawTrainer);
  std::string loaded;
  if (loadCheckpointOrNewest(trainer.get(), args.get("checkpoint", ""),
                             loaded) != DLC_OK)
    return failWithLastError();

  const auto start = std::chrono::steady_clock::now();
  DatasetPtr data = loadPart(spec, part == "test", model.get(), error);
  if (!data)
    return fail(error);
  const std::string what =
      spec.text + (hasTestPart(spec) ? " (" + part + " part)" : "");
  if (!checkFit(what, data.get(), model.get(), error))
    return fail(error);
  const int64_t n = dlc_dataset_size(data.get());
  if (n == 0)
    return fail("data '" + what + "' has no examples");
  double loss = 0, acc = 0;
  if (dlc_trainer_evaluate(trainer.get(), data.get(), batch, &loss, &acc) !=
      DLC_OK)
    return failWithLastError();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("Checkpoint: %s (step %lld, epoch %lld)\n", loaded.c_str(),
              (long long)dlc_trainer_global_step(trainer.get()),
              (long long)dlc_trainer_epoch(trainer.get()));
  std::printf("Data: %s: %lld examples\n", what.c_str(), (long long)n);
  std::printf("loss: %.5f", loss);
  if (dlc_model_has_accuracy(model.get()))
    std::printf(" - acc: %.4f", acc);
  std::printf(" | time: %.3fs\n", seconds);
  std::fflush(stdout);
  return 0;
}
