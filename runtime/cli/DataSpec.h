//===- DataSpec.h - dlc train/evaluate --data SPEC ---------------*- C++ -*-===//
//
// The data sets `dlc train` and `dlc evaluate` read (docs/data.md):
// FILE.csv, fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, imagefolder:DIR and
// npy:X.npy,Y.npy, and the check that one fits a model.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CLI_DATASPEC_H
#define DLC_CLI_DATASPEC_H

#include "CliSupport.h"

#include <string>

namespace dlc::cli {

extern const char *const kFashionMnistDir;

/// A parsed --data SPEC; `path` is the file or the DIR, `y` npy's labels.
struct DataSpec {
  std::string text, kind = "csv", path, y;
};

/// The CSV file's rows for `model` (inputs, then targets); null on failure
/// with dlc_last_error() set.
DatasetPtr loadCsv(const std::string &path, const dlc_model *model);
/// Syntax only; a name before ':' that is no kind makes a CSV path.
bool parseDataSpec(const std::string &text, DataSpec &spec,
                   std::string &error);
/// Whether SPEC has a test part (fashion-mnist, mnist, cifar10, an
/// imagefolder with train/ and test/).
bool hasTestPart(const DataSpec &spec);
/// Loads the training (test = false) or test part of SPEC. On failure the
/// message is in `error`.
DatasetPtr loadPart(const DataSpec &spec, bool test, const dlc_model *model,
                    std::string &error);
/// The data's rows must be the model's input (images: HxWxC, or flattened
/// for a [?, H*W*C] input, or HxW for a [?, H, W] one when C is 1) and its
/// classes (or target width) the model's output width.
bool checkFit(const std::string &spec, const dlc_dataset *data,
              const dlc_model *model, std::string &error);

} // namespace dlc::cli

#endif // DLC_CLI_DATASPEC_H
