//===- ExamplesTest.cpp - the tutorial's networks train on real data ------===//
//
// For every network under examples/cifar10/ and examples/fashion_mnist/,
// runs the two commands its header comment documents, as a user would in the
// repository root:
//
//   dlc compile examples/cifar10/cnn_dropout.mlir -o cnn_dropout.so
//   dlc train cnn_dropout.so --data imagefolder:../shared/data/cifar10 \
//     --validation test --epochs 20 --batch-size 96 ...
//
// with two changes: `--data` points at a small slice of the real data set
// written into a temporary directory, and `--epochs 1`; `--threads 2
// --seed 1` are added. Slices:
//
//   CIFAR-10       the first 60 JPEGs of each class of train/ and 20 of
//                  test/ (600 + 200 images), copied into DIR/train/<class>
//                  and DIR/test/<class>: `--data imagefolder:DIR`;
//   Fashion-MNIST  the first 600 training and 200 test records of the real
//                  IDX files, written as gzip'd IDX files with their counts
//                  in the headers: `--data fashion-mnist:DIR`.
//
// The checks: `dlc train` exits 0; it prints TFLearn's lines (`Training
// Step: N`, `| Adam | epoch: 001 | loss: ... - acc: ...`) for every step,
// and `val_loss` / `val_acc` at the epoch end only; every printed loss is
// finite. The networks that learn reliably in one short epoch (the
// tutorial's CNN at learning rates 0.001 and 0.0001, with and without
// dropout, its L2 variant, the Fashion-MNIST networks) must also end with a
// validation loss below ln(10) = 2.3026, the loss of a uniform guess over
// the 10 classes, and the Fashion-MNIST ones with a validation accuracy of
// at least 0.3 (chance: 0.1). The validation losses seen (seed 1; seeds 2-4
// in brackets): cifar10 cnn_dropout 2.089 (2.15), cnn_l2 2.091 (2.15),
// cnn_no_dropout 2.117, cnn_lr00001 2.215 (2.26); fashion cnn 1.18 and mlp
// 1.24 (accuracy 0.67; 1.30-1.37 and 0.61-0.65). cnn_lr001 (Adam at 0.01, the tutorial's unstable
// run: 2.28) and cnn_one_set (one conv stage feeding 8192 features to the
// 512-unit layer, which overshoots in its first steps: 2.29, 2.15-2.41) are
// only checked to train and stay finite.
//
// Without the data (the CIFAR-10 JPEG folders at ../shared/data/cifar10
// from the repository root or $DLC_CIFAR10_DIR; Debian's
// dataset-fashion-mnist at /usr/share/datasets/fashion-mnist or
// $DLC_FASHION_MNIST_DIR) the tests are skipped.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

using namespace dlc::e2e;
namespace fs = std::filesystem;

namespace {

enum class Data { Cifar10, FashionMnist };

struct ExampleNet {
  const char *file; // under examples/
  Data data;
  bool learns; // val_loss < ln(10) after the epoch
};

void PrintTo(const ExampleNet &e, std::ostream *os) { *os << e.file; }

const ExampleNet kExamples[] = {
    {"cifar10/cnn_dropout.mlir", Data::Cifar10, true},
    {"cifar10/cnn_l2.mlir", Data::Cifar10, true},
    {"cifar10/cnn_lr00001.mlir", Data::Cifar10, true},
    {"cifar10/cnn_lr001.mlir", Data::Cifar10, false},
    {"cifar10/cnn_no_dropout.mlir", Data::Cifar10, true},
    {"cifar10/cnn_one_set.mlir", Data::Cifar10, false},
    {"fashion_mnist/cnn.mlir", Data::FashionMnist, true},
    {"fashion_mnist/mlp.mlir", Data::FashionMnist, true},
};

constexpr int kCifarTrainPerClass = 60, kCifarTestPerClass = 20;
constexpr int kFashionTrain = 600, kFashionTest = 200;

//===---------------------------- The real data ---------------------------===//

std::string envOr(const char *name, const std::string &fallback) {
  const char *v = std::getenv(name);
  return v && *v ? v : fallback;
}

/// The CIFAR-10 JPEG set: DIR/{train,test}/<class>/*.jpg.
std::string cifarSource() {
  return fs::path(
             envOr("DLC_CIFAR10_DIR", examplePath("../../shared/data/cifar10")))
      .lexically_normal()
      .string();
}

std::string fashionSource() {
  return envOr("DLC_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist");
}

/// Copies the first `perClass` images (by name) of every class folder of
/// `src` into `dst`. Returns an error message, "" on success.
std::string copyImageSlice(const fs::path &src, const fs::path &dst,
                           int perClass) {
  std::error_code ec;
  std::vector<fs::path> classes;
  for (const auto &e : fs::directory_iterator(src, ec))
    if (e.is_directory() && e.path().filename().string()[0] != '.')
      classes.push_back(e.path());
  if (ec)
    return src.string() + ": " + ec.message();
  if (classes.size() != 10)
    return src.string() + ": expected 10 class folders, found " +
           std::to_string(classes.size());
  for (const fs::path &cls : classes) {
    std::vector<fs::path> images;
    for (const auto &e : fs::directory_iterator(cls, ec))
      if (e.is_regular_file() && e.path().extension() == ".jpg")
        images.push_back(e.path());
    std::sort(images.begin(), images.end());
    if ((int)images.size() < perClass)
      return cls.string() + ": fewer than " + std::to_string(perClass) +
             " JPEGs";
    const fs::path to = dst / cls.filename();
    fs::create_directories(to, ec);
    for (int i = 0; i < perClass && !ec; ++i)
      fs::copy_file(images[i], to / images[i].filename(), ec);
    if (ec)
      return to.string() + ": " + ec.message();
  }
  return "";
}

uint32_t bigEndian(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

void putBigEndian(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/// Writes the first `count` records of the IDX file `srcDir/name[.gz]` to
/// `dstDir/name.gz`, gzip'd, its header's count set to `count`. Returns an
/// error message, "" on success.
std::string sliceIdx(const std::string &srcDir, const std::string &dstDir,
                     const std::string &name, uint32_t count) {
  std::string src = srcDir + "/" + name + ".gz";
  if (!fs::exists(src))
    src = srcDir + "/" + name; // gzread reads raw files as they are
  gzFile in = gzopen(src.c_str(), "rb");
  if (!in)
    return src + ": cannot open";
  // Images: magic 0x00000803, count, rows, columns; labels: 0x00000801,
  // count.
  unsigned char header[16];
  std::string error;
  size_t headerBytes = 8, recordBytes = 1;
  if (gzread(in, header, 8) != 8) {
    error = src + ": truncated header";
  } else if (bigEndian(header) == 0x803) {
    headerBytes = 16;
    if (gzread(in, header + 8, 8) != 8)
      error = src + ": truncated header";
    else
      recordBytes = (size_t)bigEndian(header + 8) * bigEndian(header + 12);
  } else if (bigEndian(header) != 0x801) {
    error = src + ": not an IDX image or label file";
  }
  if (error.empty() && bigEndian(header + 4) < count)
    error = src + ": fewer than " + std::to_string(count) + " records";
  std::string records(count * recordBytes, '\0');
  if (error.empty() && gzread(in, records.data(), (unsigned)records.size()) !=
                           (int)records.size())
    error = src + ": truncated";
  gzclose(in);
  if (!error.empty())
    return error;

  putBigEndian(header + 4, count);
  const std::string dst = dstDir + "/" + name + ".gz";
  gzFile out = gzopen(dst.c_str(), "wb");
  if (!out)
    return dst + ": cannot create";
  bool ok = gzwrite(out, header, (unsigned)headerBytes) == (int)headerBytes &&
            gzwrite(out, records.data(), (unsigned)records.size()) ==
                (int)records.size();
  ok = gzclose(out) == Z_OK && ok;
  return ok ? "" : dst + ": write failed";
}

//===------------------------- The documented command ---------------------===//

/// The words after `dlc <command>` on the example's `//   dlc <command>`
/// comment, continued over the following comment lines while a line ends
/// in `\`.
std::vector<std::string> documentedArgs(const std::string &mlir,
                                        const std::string &command) {
  std::vector<std::string> args;
  bool in = false;
  for (const std::string &line : lines(readFile(mlir))) {
    std::istringstream words(line);
    std::string slashes;
    if (!(words >> slashes) || slashes != "//")
      break; // the header comment ends
    std::vector<std::string> ws;
    for (std::string w; words >> w;)
      ws.push_back(w);
    if (!in) {
      if (ws.size() < 2 || ws[0] != "dlc" || ws[1] != command)
        continue;
      ws.erase(ws.begin(), ws.begin() + 2);
      in = true;
    }
    const bool continued = !ws.empty() && ws.back() == "\\";
    if (continued)
      ws.pop_back();
    args.insert(args.end(), ws.begin(), ws.end());
    if (!continued)
      break;
  }
  return args;
}

/// The value after `option` in `args`, "" when absent.
std::string optionValue(const std::vector<std::string> &args,
                        const std::string &option) {
  auto it = std::find(args.begin(), args.end(), option);
  return it != args.end() && it + 1 != args.end() ? *(it + 1) : "";
}

void setOption(std::vector<std::string> &args, const std::string &option,
               const std::string &value) {
  auto it = std::find(args.begin(), args.end(), option);
  if (it != args.end() && it + 1 != args.end()) {
    *(it + 1) = value;
  } else {
    args.push_back(option);
    args.push_back(value);
  }
}

//===------------------------------ The log -------------------------------===//

double number(const std::string &s) { return std::strtod(s.c_str(), nullptr); }

/// `| Adam | epoch: 001 | loss: 2.18808 - acc: 0.1580 | val_loss: 2.08942 -
/// val_acc: 0.2300 -- iter: 600/600`
struct EpochLine {
  std::string text;
  int64_t epoch = 0, iter = 0, samples = 0;
  double loss = 0, acc = 0;
  bool hasVal = false;
  double valLoss = 0, valAcc = 0;
};

const std::regex kEpochLine(
    R"(\| Adam \| epoch: (\d+) \| loss: (\S+) - acc: (\S+))"
    R"((?: \| val_loss: (\S+) - val_acc: (\S+))? -- iter: (\d+)/(\d+))");
const std::regex kStepLine(
    R"(Training Step: (\d+) +(?:\| total loss: (\S+) )?(?:\| time: \S+s)?)");

class ExampleNetwork : public ::testing::TestWithParam<ExampleNet> {};

TEST_P(ExampleNetwork, TrainsOneEpochOnRealData) {
  const ExampleNet &ex = GetParam();
  const std::string mlir = examplePath(ex.file);
  TempDir dir;

  // The data slice, in dir/data.
  const std::string data = dir.file("data");
  std::string spec, error;
  int64_t trainRows, valRows;
  if (ex.data == Data::Cifar10) {
    const std::string src = cifarSource();
    if (!fs::is_directory(src + "/train") || !fs::is_directory(src + "/test"))
      GTEST_SKIP() << "the CIFAR-10 JPEG set is not at " << src
                   << " (train/<class>/*.jpg, test/<class>/*.jpg; see "
                      "shared/data/README.md, or set DLC_CIFAR10_DIR)";
    error =
        copyImageSlice(src + "/train", data + "/train", kCifarTrainPerClass);
    if (error.empty())
      error = copyImageSlice(src + "/test", data + "/test", kCifarTestPerClass);
    spec = "imagefolder:" + data;
    trainRows = 10 * kCifarTrainPerClass, valRows = 10 * kCifarTestPerClass;
  } else {
    const std::string src = fashionSource();
    if (!fs::exists(src + "/train-images-idx3-ubyte.gz") &&
        !fs::exists(src + "/train-images-idx3-ubyte"))
      GTEST_SKIP() << "Fashion-MNIST is not at " << src
                   << " (install Debian's dataset-fashion-mnist, or set "
                      "DLC_FASHION_MNIST_DIR)";
    fs::create_directories(data);
    for (const auto &[name, count] :
         {std::pair<std::string, uint32_t>{"train-images-idx3-ubyte",
                                           kFashionTrain},
          {"train-labels-idx1-ubyte", kFashionTrain},
          {"t10k-images-idx3-ubyte", kFashionTest},
          {"t10k-labels-idx1-ubyte", kFashionTest}})
      if (error.empty())
        error = sliceIdx(src, data, name, count);
    spec = "fashion-mnist:" + data;
    trainRows = kFashionTrain, valRows = kFashionTest;
  }
  ASSERT_EQ(error, "") << "making the data slice";

  // dlc compile examples/<file> -o X.so, in dir.
  std::vector<std::string> compile = documentedArgs(mlir, "compile");
  ASSERT_GE(compile.size(), 3u) << mlir << " documents no 'dlc compile'";
  EXPECT_EQ(compile[0], "examples/" + std::string(ex.file))
      << "the documented 'dlc compile' should compile the example itself";
  compile[0] = mlir;
  compile.insert(compile.begin(), "compile");
  ProcResult r = runDlc(compile, dir.path);
  ASSERT_EQ(r.exitCode, 0) << r.describe();

  // dlc train X.so --data <slice> --epochs 1 ... --threads 2 --seed 1
  std::vector<std::string> train = documentedArgs(mlir, "train");
  ASSERT_GE(train.size(), 3u) << mlir << " documents no 'dlc train'";
  EXPECT_EQ(train[0], optionValue(compile, "-o"))
      << "the documented 'dlc train' should train what 'dlc compile' built";
  EXPECT_EQ(optionValue(train, "--validation"), "test");
  const std::string documentedData = optionValue(train, "--data");
  const int64_t batch = std::atoll(optionValue(train, "--batch-size").c_str());
  if (ex.data == Data::Cifar10) {
    EXPECT_EQ(documentedData.rfind("imagefolder:", 0), 0u) << documentedData;
    EXPECT_EQ(batch, 96);
    EXPECT_EQ(optionValue(train, "--preprocess"),
              "featurewise_zero_center,featurewise_stdnorm");
    EXPECT_EQ(optionValue(train, "--augment"), "flip_leftright");
  } else {
    EXPECT_EQ(documentedData, "fashion-mnist");
    EXPECT_EQ(batch,
              std::string(ex.file) == "fashion_mnist/mlp.mlir" ? 64 : 96);
  }
  ASSERT_GT(batch, 0) << "the documented 'dlc train' has no --batch-size";
  setOption(train, "--data", spec);
  setOption(train, "--epochs", "1");
  setOption(train, "--threads", "2");
  setOption(train, "--seed", "1");
  train.insert(train.begin(), "train");
  r = runDlc(train, dir.path);
  ASSERT_EQ(r.exitCode, 0) << r.describe() << "\nstdout:\n" << r.out;

  EXPECT_NE(r.out.find("Training samples: " + std::to_string(trainRows)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Validation samples: " + std::to_string(valRows)),
            std::string::npos)
      << r.out;

  // Every step prints its two lines; val_loss/val_acc come at the end only.
  const int64_t steps = (trainRows + batch - 1) / batch;
  std::vector<EpochLine> epochLines;
  int64_t stepLines = 0;
  for (const std::string &line : lines(r.out)) {
    std::smatch m;
    if (std::regex_match(line, m, kStepLine)) {
      ++stepLines;
      EXPECT_EQ(std::stoll(m[1].str()), stepLines) << line;
      if (m[2].matched)
        EXPECT_TRUE(std::isfinite(number(m[2].str()))) << line;
    } else if (std::regex_match(line, m, kEpochLine)) {
      EpochLine e;
      e.text = line;
      e.epoch = std::stoll(m[1].str());
      e.loss = number(m[2].str());
      e.acc = number(m[3].str());
      e.hasVal = m[4].matched;
      if (e.hasVal)
        e.valLoss = number(m[4].str()), e.valAcc = number(m[5].str());
      e.iter = std::stoll(m[6].str());
      e.samples = std::stoll(m[7].str());
      epochLines.push_back(e);
    }
  }
  EXPECT_EQ(stepLines, steps) << r.out;
  ASSERT_EQ((int64_t)epochLines.size(), steps) << r.out;
  for (size_t i = 0; i < epochLines.size(); ++i) {
    const EpochLine &e = epochLines[i];
    EXPECT_EQ(e.epoch, 1) << e.text;
    EXPECT_EQ(e.samples, trainRows) << e.text;
    EXPECT_EQ(e.iter, std::min<int64_t>((int64_t)(i + 1) * batch, trainRows))
        << e.text;
    EXPECT_TRUE(std::isfinite(e.loss)) << e.text;
    EXPECT_TRUE(e.acc >= 0 && e.acc <= 1) << e.text;
    EXPECT_EQ(e.hasVal, i + 1 == epochLines.size())
        << "val_loss/val_acc should end the epoch, and only that: " << e.text;
  }
  const EpochLine &last = epochLines.back();
  ASSERT_TRUE(last.hasVal) << last.text;
  EXPECT_TRUE(std::isfinite(last.valLoss) && last.valLoss >= 0) << last.text;
  EXPECT_TRUE(last.valAcc >= 0 && last.valAcc <= 1) << last.text;
  if (ex.learns) {
    EXPECT_LT(last.valLoss, std::log(10.0))
        << ex.file << " should do better than a uniform guess after one "
        << "epoch: " << last.text;
    if (ex.data == Data::FashionMnist)
      EXPECT_GE(last.valAcc, 0.3) << last.text;
  }
  EXPECT_NE(r.out.find("Checkpoint saved: "), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ExampleNetwork, ::testing::ValuesIn(kExamples),
    [](const ::testing::TestParamInfo<ExampleNet> &i) {
      std::string name = fs::path(i.param.file).replace_extension().string();
      std::replace(name.begin(), name.end(), '/', '_');
      return name;
    });

/// A network added to examples/cifar10 or examples/fashion_mnist gets a
/// line in kExamples.
TEST(ExamplesDir, EveryNetworkIsTested) {
  std::set<std::string> listed, found;
  for (const ExampleNet &e : kExamples)
    listed.insert(e.file);
  for (const char *sub : {"cifar10", "fashion_mnist"})
    for (const auto &e : fs::directory_iterator(examplePath(sub)))
      if (e.path().extension() == ".mlir")
        found.insert(std::string(sub) + "/" + e.path().filename().string());
  EXPECT_EQ(found, listed) << "update kExamples in " << __FILE__;
}

} // namespace
