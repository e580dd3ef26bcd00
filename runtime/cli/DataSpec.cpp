//===- DataSpec.cpp - dlc train/evaluate --data SPEC ----------------------===//
//
// Reading FILE.csv, fashion-mnist[:DIR], mnist:DIR, cifar10:DIR,
// imagefolder:DIR and npy:X.npy,Y.npy for a model (docs/data.md).
//
//===----------------------------------------------------------------------===//

#include "DataSpec.h"

#include <filesystem>
#include <vector>

using namespace dlc::cli;

const char *const dlc::cli::kFashionMnistDir =
    "/usr/share/datasets/fashion-mnist";

namespace {

bool isDir(const std::string &path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}
bool isFile(const std::string &path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

/// DIR/NAME, DIR/NAME.gz or the MNIST mirrors' DIR/NAME with '.' for the
/// second '-' (train-images.idx3-ubyte); "" if none exists.
std::string findIdx(const std::string &dir, const std::string &name) {
  std::string dotted = name;
  size_t dash = dotted.find('-', dotted.find('-') + 1);
  if (dash != std::string::npos)
    dotted[dash] = '.';
  for (const std::string &candidate :
       {name, name + ".gz", dotted, dotted + ".gz"})
    if (isFile(dir + "/" + candidate))
      return dir + "/" + candidate;
  return "";
}

std::string shapeText(int64_t rank, const int64_t *shape) {
  std::string s = "[";
  for (int64_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

} // namespace

DatasetPtr dlc::cli::loadCsv(const std::string &path, const dlc_model *model) {
  dlc_dataset *data = nullptr;
  if (dlc_dataset_load_csv(path.c_str(), dlc_model_input_width(model),
                           dlc_model_output_width(model), DLC_CSV_DEFAULT,
                           &data) != DLC_OK)
    return nullptr;
  return DatasetPtr(data);
}

bool dlc::cli::parseDataSpec(const std::string &text, DataSpec &spec,
                             std::string &error) {
  spec.text = text;
  spec.path = text;
  if (text == "fashion-mnist") {
    spec.kind = text;
    spec.path = kFashionMnistDir;
    return true;
  }
  size_t colon = text.find(':');
  if (colon == std::string::npos)
    return true;
  std::string kind = text.substr(0, colon), rest = text.substr(colon + 1);
  if (kind != "fashion-mnist" && kind != "mnist" && kind != "cifar10" &&
      kind != "imagefolder" && kind != "npy")
    return true;
  spec.kind = kind;
  spec.path = rest;
  if (kind == "npy") {
    size_t comma = rest.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == rest.size()) {
      error = "--data npy: expects npy:X.npy,Y.npy, got '" + text + "'";
      return false;
    }
    spec.path = rest.substr(0, comma);
    spec.y = rest.substr(comma + 1);
    return true;
  }
  if (rest.empty()) {
    error = "--data " + kind + ": expects " + kind + ":DIR, got '" + text + "'";
    return false;
  }
  return true;
}

bool dlc::cli::hasTestPart(const DataSpec &spec) {
  if (spec.kind == "csv" || spec.kind == "npy")
    return false;
  if (spec.kind == "imagefolder")
    return isDir(spec.path + "/train") && isDir(spec.path + "/test");
  return true;
}

DatasetPtr dlc::cli::loadPart(const DataSpec &spec, bool test,
                              const dlc_model *model, std::string &error) {
  dlc_dataset *data = nullptr;
  dlc_status status = DLC_OK;
  const std::string &dir = spec.path;
  if (spec.kind == "csv") {
    DatasetPtr csv = loadCsv(spec.path, model);
    if (!csv)
      error = dlc_last_error();
    return csv;
  }
  if (spec.kind != "npy" && !isDir(dir)) {
    error = spec.text + ": " + dir + " is not a directory" +
            (spec.kind == "fashion-mnist" && dir == kFashionMnistDir
                 ? " (install Debian's dataset-fashion-mnist package)"
                 : "");
    return nullptr;
  }
  if (spec.kind == "fashion-mnist" || spec.kind == "mnist") {
    const std::string prefix = test ? "t10k" : "train";
    std::string images = findIdx(dir, prefix + "-images-idx3-ubyte");
    std::string labels = findIdx(dir, prefix + "-labels-idx1-ubyte");
    if (images.empty() || labels.empty()) {
      error = spec.text + ": no " + dir + "/" + prefix +
              (images.empty() ? "-images-idx3-ubyte" : "-labels-idx1-ubyte") +
              " (or .gz)";
      return nullptr;
    }
    status = dlc_dataset_load_idx(images.c_str(), labels.c_str(), 10, &data);
  } else if (spec.kind == "cifar10") {
    std::vector<std::string> files;
    if (test) {
      files.push_back(dir + "/test_batch.bin");
    } else {
      for (int i = 1; i <= 5; ++i)
        if (isFile(dir + "/data_batch_" + std::to_string(i) + ".bin"))
          files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
      if (files.empty()) {
        error = spec.text + ": no " + dir + "/data_batch_1.bin .. " + dir +
                "/data_batch_5.bin";
        return nullptr;
      }
    }
    std::vector<const char *> paths;
    for (const std::string &f : files)
      paths.push_back(f.c_str());
    status =
        dlc_dataset_load_cifar10(paths.data(), (int64_t)paths.size(), &data);
  } else if (spec.kind == "imagefolder") {
    std::string folder = dir;
    if (isDir(dir + "/train"))
      folder = dir + (test ? "/test" : "/train");
    status = dlc_dataset_load_image_folder(folder.c_str(), &data);
  } else { // npy
    // Integer labels become one-hot rows as wide as the model's output.
    status = dlc_dataset_load_npy(spec.path.c_str(), spec.y.c_str(),
                                  dlc_model_output_width(model), &data);
  }
  if (status != DLC_OK)
    error = dlc_last_error();
  return DatasetPtr(data);
}

bool dlc::cli::checkFit(const std::string &spec, const dlc_dataset *data,
                        const dlc_model *model, std::string &error) {
  const dlc_model_desc *desc = dlc_model_get_desc(model);
  const int64_t rank = desc->input_rank;
  const int64_t *in = desc->input_shape;
  const std::string modelIn = shapeText(rank, in);
  const std::string prefix =
      "data '" + spec + "' does not fit model '" + desc->name + "': ";
  int64_t hwc[3];
  if (dlc_dataset_image_shape(data, hwc)) {
    bool fits =
        (rank == 4 && in[1] == hwc[0] && in[2] == hwc[1] && in[3] == hwc[2]) ||
        (rank == 2 && in[1] == hwc[0] * hwc[1] * hwc[2]) ||
        (rank == 3 && hwc[2] == 1 && in[1] == hwc[0] && in[2] == hwc[1]);
    if (!fits) {
      error = prefix + "its images are " + std::to_string(hwc[0]) + "x" +
              std::to_string(hwc[1]) + "x" + std::to_string(hwc[2]) +
              " (HxWxC, input shape " +
              shapeText(
                  4, std::vector<int64_t>{-1, hwc[0], hwc[1], hwc[2]}.data()) +
              ") but the model's input shape is " + modelIn;
      return false;
    }
  } else if (dlc_dataset_input_width(data) != dlc_model_input_width(model)) {
    error = prefix + "its rows have " +
            std::to_string(dlc_dataset_input_width(data)) +
            " input values but the model's input shape is " + modelIn + " (" +
            std::to_string(dlc_model_input_width(model)) + " values)";
    return false;
  }
  const int64_t outW = dlc_model_output_width(model);
  const std::string modelOut = shapeText(desc->output_rank, desc->output_shape);
  if (int64_t classes = dlc_dataset_num_classes(data)) {
    if (classes != outW) {
      error = prefix + "it has " + std::to_string(classes) +
              " classes but the model's output shape is " + modelOut;
      return false;
    }
  } else if (dlc_dataset_target_width(data) != outW) {
    error = prefix + "its rows have " +
            std::to_string(dlc_dataset_target_width(data)) +
            " target values but the model's output shape is " + modelOut;
    return false;
  }
  return true;
}
