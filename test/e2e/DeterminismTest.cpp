//===- DeterminismTest.cpp - training is reproducible bit for bit ---------===//
//
// Training twice with the same seed and data (Adam, shuffled epochs, a short
// last batch) gives bit-identical losses at every step, reported through the
// trainer's on_step callback, and bit-identical parameters; another seed
// gives another run. Through the CLI, two `dlc train` runs with one seed
// write byte-identical checkpoints.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <cstring>
#include <memory>
#include <string>

using namespace dlc::e2e;

namespace {

const NetSpec kSpec = {"determinism.mlir",
                       4,
                       {{8, Act::Relu}, {3, Act::Softmax}},
                       Loss::CategoricalCE};
constexpr int64_t kRows = 50, kBatch = 8, kEpochs = 5; // 7 steps per epoch

struct TrainRun {
  std::vector<double> losses;
  std::vector<float> params;
};

int recordLoss(const dlc_step_info *info, void *user) {
  static_cast<std::vector<double> *>(user)->push_back(info->loss);
  return 0;
}

TrainRun train(const dlc_model *model, uint64_t seed) {
  TrainRun run;
  std::vector<float> x, y;
  randomData(kSpec, kRows, 2024, x, y);
  dlc_dataset *data = nullptr;
  EXPECT_EQ(dlc_dataset_from_arrays(x.data(), y.data(), kRows, 4, 3, &data),
            DLC_OK);
  std::unique_ptr<dlc_dataset, void (*)(dlc_dataset *)> dataOwner(
      data, dlc_dataset_free);
  dlc_trainer *t = nullptr;
  EXPECT_EQ(dlc_trainer_create(model, &t), DLC_OK) << dlc_last_error();
  std::unique_ptr<dlc_trainer, void (*)(dlc_trainer *)> trainer(
      t, dlc_trainer_free);
  if (!t || !data)
    return run;
  EXPECT_EQ(dlc_trainer_init(t, seed), DLC_OK);
  dlc_train_options options;
  dlc_train_options_init(&options);
  options.epochs = kEpochs;
  options.batch_size = kBatch;
  options.shuffle = 1;
  options.on_step = recordLoss;
  options.user = &run.losses;
  EXPECT_EQ(dlc_trainer_train(t, data, nullptr, &options, nullptr), DLC_OK)
      << dlc_last_error();
  const int64_t n = dlc_model_get_desc(model)->param_floats;
  run.params.assign(dlc_trainer_params(t), dlc_trainer_params(t) + n);
  return run;
}

bool bitIdentical(const std::vector<double> &a, const std::vector<double> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(Determinism, SameSeedSameLossSequence) {
  const dlc_model *model = loadModel(inputPath(kSpec.file));
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(matchesSpec(kSpec, *dlc_model_get_desc(model)));
  const TrainRun a = train(model, 7), b = train(model, 7), c = train(model, 8);
  ASSERT_EQ(a.losses.size(), size_t(kEpochs * ((kRows + kBatch - 1) / kBatch)));
  EXPECT_TRUE(bitIdentical(a.losses, b.losses))
      << "two runs with seed 7 differ";
  EXPECT_EQ(std::memcmp(a.params.data(), b.params.data(),
                        a.params.size() * sizeof(float)),
            0)
      << "parameters after two runs with seed 7 differ";
  EXPECT_FALSE(bitIdentical(a.losses, c.losses))
      << "seeds 7 and 8 gave the same run";
  // It learned something (so the sequence is not trivially constant).
  EXPECT_LT(a.losses.back(), a.losses.front());
}

TEST(Determinism, CliCheckpointsAreByteIdenticalButTheRunIds) {
  const std::string lib = compiledLibrary(inputPath(kSpec.file));
  ASSERT_FALSE(lib.empty());
  TempDir dir;
  std::vector<float> x, y;
  randomData(kSpec, kRows, 2024, x, y);
  std::string csv;
  for (int64_t n = 0; n < kRows; ++n)
    for (int j = 0; j < 7; ++j)
      csv += std::to_string(j < 4 ? x[n * 4 + j] : y[n * 3 + j - 4]) +
             (j < 6 ? "," : "\n");
  writeFile(dir.file("data.csv"), csv);
  std::string checkpoints[2];
  for (int i = 0; i < 2; ++i) {
    const std::string ckpt = dir.file("run" + std::to_string(i) + ".ckpt");
    ProcResult r = runDlc({"train", lib, "--data", dir.file("data.csv"),
                           "--epochs", "5", "--batch-size", "8", "--seed",
                           "11", "--checkpoint", ckpt, "--quiet"},
                          dir.path);
    ASSERT_EQ(r.exitCode, 0) << r.describe();
    checkpoints[i] = readFile(ckpt);
  }
  ASSERT_FALSE(checkpoints[0].empty());
  // Equal but for the run ids and the CRC over them (the last 12 bytes of
  // a format 3 checkpoint): two runs are two runs.
  ASSERT_EQ(checkpoints[0].size(), checkpoints[1].size());
  const size_t n = checkpoints[0].size() - 12;
  EXPECT_TRUE(checkpoints[0].compare(0, n, checkpoints[1], 0, n) == 0)
      << "two CLI runs with --seed 11 wrote different checkpoints";
  EXPECT_NE(checkpoints[0].substr(n, 8), checkpoints[1].substr(n, 8));
}

// The generated elementwise loops and the Adam update run on the kernel
// library's threads (dlc-parallelize-loops), as the convolutions do: three
// training steps give bit-identical losses, predictions, parameters and
// optimizer state for 1, 2 and 3 threads.
TEST(Determinism, SameResultsForAnyThreadCount) {
  const dlc_model *model = loadModel(inputPath("threads_cnn.mlir"));
  ASSERT_NE(model, nullptr);
  auto *threaded = const_cast<dlc_model *>(model);
  Net net(model);
  constexpr int64_t kCnnBatch = 32;
  Rng rng(77);
  std::vector<float> x(kCnnBatch * net.inputWidth());
  std::vector<float> y(kCnnBatch * net.outputWidth(), 0.0f);
  for (float &v : x)
    v = static_cast<float>(rng.uniform(-1.0, 1.0));
  for (int64_t n = 0; n < kCnnBatch; ++n)
    y[n * net.outputWidth() + n % net.outputWidth()] = 1.0f;

  struct Run {
    std::vector<float> losses, pred, params, opt;
  };
  std::vector<Run> runs;
  for (int threads : {1, 2, 3}) {
    ASSERT_EQ(dlc_model_set_threads(threaded, threads), DLC_OK);
    Run run;
    run.params = net.initParams(5);
    run.opt.assign(net.desc().opt_state_floats, 0.0f);
    for (int64_t step = 1; step <= 3; ++step)
      run.losses.push_back(
          net.trainStep(run.params, run.opt, x, y, kCnnBatch, step, run.pred));
    runs.push_back(std::move(run));
  }
  dlc_model_set_threads(threaded, 1);
  auto same = [](const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  };
  for (size_t i = 1; i < runs.size(); ++i) {
    SCOPED_TRACE("threads " + std::to_string(i + 1));
    EXPECT_TRUE(same(runs[0].losses, runs[i].losses));
    EXPECT_TRUE(same(runs[0].pred, runs[i].pred));
    EXPECT_TRUE(same(runs[0].params, runs[i].params));
    EXPECT_TRUE(same(runs[0].opt, runs[i].opt));
  }
  EXPECT_NE(runs[0].params, net.initParams(5)) << "training changed nothing";
}

} // namespace
