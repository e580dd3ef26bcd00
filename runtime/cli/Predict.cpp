//===- Predict.cpp - `dlc predict`: run a trained model on inputs ---------===//
//
//   dlc predict MODEL.so --checkpoint PATH|DIR --input 0,1 [--input 1,1 ...]
//                        [--data FILE.csv]
//
// Prints one line per row: `[0, 1] -> [0.97546]` (inputs as given, outputs
// with 5 decimals). --data rows may hold targets too; they are ignored.
//
//===----------------------------------------------------------------------===//

#include "CliSupport.h"
#include "DataSpec.h"
#include "ParseFloat.h"
#include "dlc_cli.h"

#include <cmath>
#include <cstdio>

using namespace dlc::cli;

namespace {

const char *const kUsage =
    "usage: dlc predict MODEL.so --checkpoint PATH|DIR --input V,V,... "
    "[--input ...] [--data FILE.csv] [--model NAME]";

const char *const kHelp =
    "Run a trained model library on input rows.\n"
    "\n"
    "options:\n"
    "  --checkpoint PATH|DIR  trained parameters, as written by 'dlc "
    "train', or the\n"
    "                         newest good snapshot of a checkpoint directory "
    "(required)\n"
    "  --input V,V,...        one input row of comma-separated numbers "
    "(repeatable)\n"
    "  --data FILE.csv        more input rows (a row may also hold targets, "
    "which are\n"
    "                         ignored; for image sets see 'dlc evaluate')\n"
    "  --model NAME           pick a model of a multi-model library\n"
    "  --help                 show this help\n"
    "\n"
    "The checkpoint's preprocessing ('dlc train --preprocess': the "
    "featurewise\n"
    "statistics fitted on the training set, samplewise operations) is applied "
    "to the\n"
    "inputs; the printed inputs are the rows as given.\n";

/// Parses one --input row of exactly `width` numbers.
bool parseRow(const std::string &text, int64_t width, std::vector<float> &out,
              std::string &error) {
  std::vector<float> row;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    std::string field = text.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t b = field.find_first_not_of(" \t"),
           e = field.find_last_not_of(" \t");
    field = b == std::string::npos ? "" : field.substr(b, e - b + 1);
    const std::string which = "--input '" + text + "': value " +
                              std::to_string(row.size() + 1) + " '" + field +
                              "'";
    float v = 0;
    switch (
        dlc::rt::parseFloat32(field.data(), field.data() + field.size(), v)) {
    case dlc::rt::Parse::Ok:
      break;
    case dlc::rt::Parse::NotANumber:
      error = which + " is not a number";
      return false;
    case dlc::rt::Parse::OutOfRange:
      error = which + " is out of range for float32";
      return false;
    case dlc::rt::Parse::NotFinite:
      error = which + " is not a finite number";
      return false;
    }
    row.push_back(v);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  if ((int64_t)row.size() != width) {
    error = "--input '" + text + "': expected " + std::to_string(width) +
            (width == 1 ? " value" : " values") +
            " (the model's input), found " + std::to_string(row.size());
    return false;
  }
  out.insert(out.end(), row.begin(), row.end());
  return true;
}

void printRow(const float *x, int64_t inW, const float *y, int64_t outW) {
  std::putchar('[');
  for (int64_t i = 0; i < inW; ++i)
    std::printf("%s%g", i ? ", " : "", x[i]);
  std::fputs("] -> [", stdout);
  for (int64_t i = 0; i < outW; ++i)
    std::printf("%s%.5f", i ? ", " : "", y[i]);
  std::puts("]");
}

} // namespace

int dlcPredictMain(int argc, char **argv) {
  Args args;
  std::string error;
  if (int rc = parseModelCommand(argc, argv,
                                 {{"checkpoint", true},
                                  {"input", true, true},
                                  {"data", true},
                                  {"model", true}},
                                 kUsage, kHelp, "predict", args);
      rc >= 0)
    return rc;
  if (!args.has("checkpoint"))
    return usageError("missing --checkpoint PATH", kUsage, "predict");
  if (!args.has("input") && !args.has("data"))
    return usageError("nothing to predict: give --input or --data", kUsage,
                      "predict");

  ModelPtr model = openCommandModel(args);
  if (!model)
    return failWithLastError();
  const int64_t inW = dlc_model_input_width(model.get());
  const int64_t outW = dlc_model_output_width(model.get());

  std::vector<float> x;
  for (const std::string &row : args.all("input"))
    if (!parseRow(row, inW, x, error))
      return fail(error);
  if (args.has("data")) {
    // Image sets have no rows to print: their figures come from evaluate.
    DataSpec spec;
    if (parseDataSpec(args.get("data", ""), spec, error) && spec.kind != "csv")
      return usageError("--data " + spec.text +
                            ": dlc predict reads a CSV file of input rows; "
                            "for the loss and accuracy on " +
                            spec.kind + " data use 'dlc evaluate'",
                        kUsage, "predict");
    dlc_dataset *raw = nullptr;
    if (dlc_dataset_load_csv(args.get("data", "").c_str(), inW, outW,
                             DLC_CSV_TARGETS_OPTIONAL, &raw) != DLC_OK)
      return failWithLastError();
    DatasetPtr data(raw);
    const float *dx = dlc_dataset_x(data.get());
    x.insert(x.end(), dx, dx + dlc_dataset_size(data.get()) * inW);
  }

  dlc_trainer *rawTrainer = nullptr;
  if (dlc_trainer_create(model.get(), &rawTrainer) != DLC_OK)
    return failWithLastError();
  TrainerPtr trainer(rawTrainer);
  std::string loaded;
  if (loadCheckpointOrNewest(trainer.get(), args.get("checkpoint", ""),
                             loaded) != DLC_OK)
    return failWithLastError();
  // Which snapshot of a directory: on stderr, stdout holds the rows only.
  if (loaded != args.get("checkpoint", ""))
    std::fprintf(stderr, "dlc: note: %s (step %lld)\n", loaded.c_str(),
                 (long long)dlc_trainer_global_step(trainer.get()));
  // dlc_trainer_predict applies the checkpoint's preprocessing statistics
  // (docs/data-pipeline.md) to a copy of the rows: x is printed as given.
  const int64_t rows = (int64_t)x.size() / inW;
  std::vector<float> y(rows * outW);
  if (dlc_trainer_predict(trainer.get(), x.data(), rows, y.data()) != DLC_OK)
    return failWithLastError();
  for (int64_t r = 0; r < rows; ++r)
    printRow(&x[r * inW], inW, &y[r * outW], outW);
  std::fflush(stdout);
  return 0;
}
