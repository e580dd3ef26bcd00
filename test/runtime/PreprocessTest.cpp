//===- PreprocessTest.cpp - TFLearn's data preprocessing in the runtime ---===//

#include "TestSupport.h"
#include "PipelineTestModel.h"
#include "dlc_cli.h"

#include <cmath>
#include <cstring>
#include <numeric>

using namespace dlc::test;

namespace {

dlc_train_options trainOptions(int64_t epochs, int64_t batch,
                               const char *prep = nullptr) {
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = epochs;
  o.batch_size = batch;
  o.shuffle = 0;
  if (prep)
    EXPECT_EQ(dlc_preprocess_options_parse(prep, &o.preprocess), DLC_OK)
        << dlc_last_error();
  return o;
}

/// (mean, std) of x over the feature indices f with f % groups == g, in
/// double, population std: numpy's mean/std.
std::pair<double, double> stats(const std::vector<float> &x, int64_t F,
                                int64_t groups, int64_t g) {
  double sum = 0, count = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if ((int64_t)(i % F) % groups == g)
      sum += x[i], ++count;
  const double mean = sum / count;
  double sq = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if ((int64_t)(i % F) % groups == g)
      sq += (x[i] - mean) * (x[i] - mean);
  return {mean, std::sqrt(sq / count)};
}

TEST(PreprocessTest, ParsesOptionLists) {
  dlc_preprocess_options p;
  ASSERT_EQ(dlc_preprocess_options_parse(
                "featurewise_zero_center, featurewise_stdnorm,per_channel", &p),
            DLC_OK);
  EXPECT_TRUE(p.featurewise_zero_center && p.featurewise_stdnorm &&
              p.per_channel);
  EXPECT_FALSE(p.samplewise_zero_center || p.samplewise_stdnorm);
  ASSERT_EQ(dlc_preprocess_options_parse(
                "samplewise_zero_center,samplewise_stdnorm", &p),
            DLC_OK);
  EXPECT_TRUE(p.samplewise_zero_center && p.samplewise_stdnorm);
  EXPECT_FALSE(p.featurewise_zero_center);
  EXPECT_EQ(dlc_preprocess_options_parse("featurewise_mean", &p),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(dlc_last_error(),
               "--preprocess: unknown item 'featurewise_mean' (expected "
               "featurewise_zero_center, featurewise_stdnorm, "
               "samplewise_zero_center, samplewise_stdnorm, per_channel)");
  EXPECT_EQ(dlc_preprocess_options_parse("per_channel", &p),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(dlc_preprocess_options_parse("", &p), DLC_ERR_INVALID_ARGUMENT);
}

TEST(PreprocessTest, ScalarFeaturewiseStatisticsAreTheTrainingSets) {
  auto m = openImageModel(SmallImage::desc());
  const int64_t F = SmallImage::F;
  std::vector<float> x, y;
  imageData(37, F, 1, x, y);
  DatasetPtr data = makeData(x, y, F, 1);
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o =
      trainOptions(1, 8, "featurewise_zero_center,featurewise_stdnorm");
  pipelineLog().clear();
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  auto [mean, sd] = stats(x, F, 1, 0);
  const float *fm = dlc_trainer_preprocess_mean(t.get());
  const float *fs = dlc_trainer_preprocess_std(t.get());
  ASSERT_TRUE(fm && fs);
  for (int64_t f = 0; f < F; ++f) { // one scalar, stored per feature
    EXPECT_FLOAT_EQ(fm[f], (float)mean);
    EXPECT_FLOAT_EQ(fs[f], (float)sd);
  }
  // Training batches were preprocessed: (x - mean) / (std + 1e-8).
  ASSERT_FALSE(pipelineLog().train.empty());
  const std::vector<float> &first = pipelineLog().train.front();
  ASSERT_EQ(first.size(), 8u * F);
  for (int64_t i = 0; i < 8 * F; ++i)
    ASSERT_EQ(first[i], (x[i] - fm[i % F]) / (fs[i % F] + 1e-8f)) << i;
}

/// TFLearn's per_channel std of channel g: the mean over the images of each
/// image's std of channel g (its own mean), not the pooled channel's std.
double meanOfImageStds(const std::vector<float> &x, int64_t F, int64_t groups,
                       int64_t g) {
  const int64_t n = (int64_t)x.size() / F;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<float> image(x.begin() + i * F, x.begin() + (i + 1) * F);
    total += stats(image, F, groups, g).second;
  }
  return total / n;
}

TEST(PreprocessTest, PerChannelStatistics) {
  auto m = openImageModel(SmallImage::desc());
  const int64_t F = SmallImage::F, C = 2;
  std::vector<float> x, y;
  imageData(20, F, 2, x, y);
  for (size_t i = 0; i < x.size(); i += 2)
    x[i] = x[i] * 3 + 10; // channel 0 far from channel 1
  DatasetPtr data = makeData(x, y, F, 1);
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o = trainOptions(
      1, 5, "featurewise_zero_center,featurewise_stdnorm,per_channel");
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  const float *fm = dlc_trainer_preprocess_mean(t.get());
  const float *fs = dlc_trainer_preprocess_std(t.get());
  for (int64_t c = 0; c < C; ++c) {
    const double mean = stats(x, F, C, c).first;
    const double sd = meanOfImageStds(x, F, C, c);
    EXPECT_GT(std::fabs(sd - stats(x, F, C, c).second), 1e-3 * sd)
        << "the data should tell the two formulas apart";
    for (int64_t f = c; f < F; f += C) {
      EXPECT_FLOAT_EQ(fm[f], (float)mean);
      EXPECT_FLOAT_EQ(fs[f], (float)sd);
    }
  }
  EXPECT_GT(fm[0] - fm[1], 5.0f);
  dlc_preprocess_options p;
  dlc_trainer_get_preprocess(t.get(), &p);
  EXPECT_TRUE(p.per_channel && p.featurewise_zero_center &&
              p.featurewise_stdnorm && !p.samplewise_zero_center);
}

TEST(PreprocessTest, PerChannelNeedsAnImageModel) {
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = orGate();
  dlc_train_options o =
      trainOptions(1, 4, "featurewise_zero_center,per_channel");
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(dlc_last_error(),
               "preprocessing per_channel needs an image model (input [?, H, "
               "W, C]); model 'linear_model' has an input of rank 2");
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 0);
  // Featurewise (scalar) and samplewise work on any model.
  o = trainOptions(1, 4, "featurewise_zero_center,featurewise_stdnorm");
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_FLOAT_EQ(dlc_trainer_preprocess_mean(t.get())[1], 0.5f);
  EXPECT_FLOAT_EQ(dlc_trainer_preprocess_std(t.get())[0], 0.5f);
}

TEST(PreprocessTest, SamplewiseCenterAndStd) {
  auto m = openImageModel(SmallImage::desc());
  const int64_t F = SmallImage::F;
  std::vector<float> x, y;
  imageData(6, F, 3, x, y);
  DatasetPtr data = makeData(x, y, F, 1);
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o =
      trainOptions(1, 6, "samplewise_zero_center,samplewise_stdnorm");
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(dlc_trainer_preprocess_mean(t.get()), nullptr);
  std::vector<float> z = x;
  ASSERT_EQ(dlc_trainer_preprocess(t.get(), z.data(), 6), DLC_OK);
  for (int64_t r = 0; r < 6; ++r) {
    std::vector<float> row(x.begin() + r * F, x.begin() + (r + 1) * F);
    auto [mean, sd] = stats(row, F, 1, 0);
    std::vector<float> centered(F);
    for (int64_t f = 0; f < F; ++f)
      centered[f] = row[f] - (float)mean;
    auto [mean2, sd2] = stats(centered, F, 1, 0);
    for (int64_t f = 0; f < F; ++f)
      EXPECT_FLOAT_EQ(z[r * F + f], centered[f] / (float)(sd2 + 1e-8));
    auto [zm, zs] = stats(std::vector<float>(z.begin() + r * F,
                                             z.begin() + (r + 1) * F),
                          F, 1, 0);
    EXPECT_NEAR(zm, 0.0, 1e-6);
    EXPECT_NEAR(zs, 1.0, 1e-5);
    (void)sd;
  }
  // Only centering: the sample's own mean is subtracted.
  TrainerPtr t2 = makeTrainer(m.get());
  o = trainOptions(1, 6, "samplewise_zero_center");
  ASSERT_EQ(dlc_trainer_train(t2.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
  z = x;
  ASSERT_EQ(dlc_trainer_preprocess(t2.get(), z.data(), 6), DLC_OK);
  std::vector<float> row0(x.begin(), x.begin() + F);
  const float m0 = (float)stats(row0, F, 1, 0).first;
  for (int64_t f = 0; f < F; ++f)
    EXPECT_EQ(z[f], x[f] - m0);
}

TEST(PreprocessTest, SamplewiseBeforeFeaturewise) {
  // The featurewise statistics are those of what the featurewise step sees.
  ModelPtr m = openFixture("linear_model");
  DatasetPtr data =
      makeData({1, 3, 2, 6, 10, 14, 0, 1}, {0, 0, 0, 0}, 2, 1);
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o =
      trainOptions(1, 4, "samplewise_zero_center,featurewise_stdnorm");
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
  // Centered rows: (-1, 1), (-2, 2), (-2, 2), (-.5, .5): std of all 8.
  std::vector<float> c = {-1, 1, -2, 2, -2, 2, -0.5f, 0.5f};
  EXPECT_FLOAT_EQ(dlc_trainer_preprocess_std(t.get())[0],
                  (float)stats(c, 2, 1, 0).second);
}

struct Fitted {
  std::vector<float> x, y;
  std::string ckpt;
};

TEST(PreprocessTest, CheckpointKeepsTheStatisticsAndRefusesOthers) {
  auto m = openImageModel(SmallImage::desc());
  const int64_t F = SmallImage::F;
  std::vector<float> x, y;
  imageData(16, F, 4, x, y);
  DatasetPtr data = makeData(x, y, F, 1);
  TempDir dir;
  const std::string ckpt = dir.file("img.ckpt");
  const char *prep = "featurewise_zero_center,featurewise_stdnorm,per_channel,"
                     "samplewise_zero_center";
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o = trainOptions(1, 4, prep);
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
  ASSERT_EQ(dlc_trainer_save(t.get(), ckpt.c_str()), DLC_OK);
  const std::vector<float> mean(dlc_trainer_preprocess_mean(t.get()),
                                dlc_trainer_preprocess_mean(t.get()) + F);
  const std::vector<float> sd(dlc_trainer_preprocess_std(t.get()),
                              dlc_trainer_preprocess_std(t.get()) + F);
  // 184 + L + 4P + 4O bytes plus two arrays of F floats.
  const std::string bytes = readFile(ckpt);
  const size_t L = 9, P = F + 1;
  ASSERT_EQ(bytes.size(), 184 + L + 4 * P + 8 * F);
  uint32_t flags;
  std::memcpy(&flags, &bytes[120 + L + 4 * P + 32], 4);
  EXPECT_EQ(flags, 0x1u | 0x2u | 0x10u | 0x40u);

  // Loaded into a fresh trainer: the same preprocessing, to the bit.
  TrainerPtr u = makeTrainer(m.get(), 5);
  ASSERT_EQ(dlc_trainer_load(u.get(), ckpt.c_str()), DLC_OK) << dlc_last_error();
  EXPECT_EQ(std::vector<float>(dlc_trainer_preprocess_mean(u.get()),
                               dlc_trainer_preprocess_mean(u.get()) + F),
            mean);
  EXPECT_EQ(std::vector<float>(dlc_trainer_preprocess_std(u.get()),
                               dlc_trainer_preprocess_std(u.get()) + F),
            sd);
  dlc_preprocess_options p;
  dlc_trainer_get_preprocess(u.get(), &p);
  EXPECT_TRUE(p.featurewise_zero_center && p.featurewise_stdnorm &&
              p.per_channel && p.samplewise_zero_center &&
              !p.samplewise_stdnorm);

  // Resuming with other preprocessing is refused, and nothing changes.
  dlc_train_options other = trainOptions(2, 4, "featurewise_zero_center");
  EXPECT_EQ(dlc_trainer_train(u.get(), data.get(), nullptr, &other, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_STREQ(dlc_last_error(),
               "the trainer's preprocessing is 'featurewise_zero_center,"
               "featurewise_stdnorm,samplewise_zero_center,per_channel' "
               "(fitted when its training started, restored from "
               "checkpoints, never refitted) but this run asks for "
               "'featurewise_zero_center'; use the same preprocessing options");
  dlc_train_options none = trainOptions(2, 4);
  EXPECT_EQ(dlc_trainer_train(u.get(), data.get(), nullptr, &none, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(dlc_trainer_global_step(u.get()), 4);

  // The same options resume without refitting, even on other data.
  std::vector<float> x2, y2;
  imageData(16, F, 99, x2, y2);
  DatasetPtr data2 = makeData(x2, y2, F, 1);
  dlc_train_options same = trainOptions(2, 4, prep);
  ASSERT_EQ(dlc_trainer_train(u.get(), data2.get(), nullptr, &same, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(std::vector<float>(dlc_trainer_preprocess_mean(u.get()),
                               dlc_trainer_preprocess_mean(u.get()) + F),
            mean);

  // A trainer that trained without preprocessing does not start now.
  TrainerPtr plain = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_train(plain.get(), data.get(), nullptr, &none,
                              nullptr),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_train(plain.get(), data.get(), nullptr, &same,
                              nullptr),
            DLC_ERR_MISMATCH);
}

TEST(PreprocessTest, EvaluateAndPredictApplyTheStatistics) {
  auto m = openImageModel(SmallImage::desc());
  const int64_t F = SmallImage::F;
  std::vector<float> x, y, vx, vy;
  imageData(12, F, 5, x, y);
  imageData(5, F, 6, vx, vy);
  DatasetPtr data = makeData(x, y, F, 1), val = makeData(vx, vy, F, 1);
  TempDir dir;
  const std::string ckpt = dir.file("img.ckpt");
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o =
      trainOptions(1, 4, "featurewise_zero_center,featurewise_stdnorm");
  o.on_step = [](const dlc_step_info *, void *) { return 0; }; // validates
  pipelineLog().clear();
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), val.get(), &o, nullptr),
            DLC_OK);
  std::vector<float> expected = vx;
  ASSERT_EQ(dlc_trainer_preprocess(t.get(), expected.data(), 5), DLC_OK);
  const float *fm = dlc_trainer_preprocess_mean(t.get());
  const float *fs = dlc_trainer_preprocess_std(t.get());
  for (int64_t i = 0; i < 5 * F; ++i)
    ASSERT_EQ(expected[i], (vx[i] - fm[i % F]) / (fs[i % F] + 1e-8f));
  // Validation at the epoch end (batch 4: rows 0-3, then 4).
  ASSERT_EQ(pipelineLog().eval.size(), 2u);
  EXPECT_EQ(pipelineLog().eval[0],
            std::vector<float>(expected.begin(), expected.begin() + 4 * F));
  pipelineLog().clear();
  ASSERT_EQ(dlc_trainer_evaluate(t.get(), val.get(), 5, nullptr, nullptr),
            DLC_OK);
  ASSERT_EQ(pipelineLog().eval.size(), 1u);
  EXPECT_EQ(pipelineLog().eval[0], expected);
  EXPECT_EQ(dlc_dataset_x(val.get())[0], vx[0]); // the data set is untouched

  // Predict from the checkpoint: the forward pass sees preprocessed rows.
  ASSERT_EQ(dlc_trainer_save(t.get(), ckpt.c_str()), DLC_OK);
  TrainerPtr u = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(u.get(), ckpt.c_str()), DLC_OK);
  std::vector<float> out(5), ref(5);
  pipelineLog().clear();
  ASSERT_EQ(dlc_trainer_predict(u.get(), vx.data(), 5, out.data()), DLC_OK);
  ASSERT_EQ(pipelineLog().forward.size(), 1u);
  EXPECT_EQ(pipelineLog().forward[0], expected);
  SmallImage::predict(dlc_trainer_params(u.get()), expected.data(), ref.data(),
                      5);
  EXPECT_EQ(out, ref);
}

TEST(PreprocessTest, CliTrainThenPredictAppliesTheCheckpointsStatistics) {
  TempDir dir;
  const std::string csv = dir.file("d.csv"), ckpt = dir.file("m.ckpt");
  writeFile(csv, "0,0,0\n0,4,1\n2,0,1\n2,4,1\n");
  ChildResult r = runCli(
      dlcTrainMain,
      {"train", DLC_TEST_LINEAR_MODEL, "--model", "linear_model", "--data",
       csv, "--epochs", "3", "--batch-size", "2", "--checkpoint", ckpt,
       "--preprocess", "featurewise_zero_center,featurewise_stdnorm",
       "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), ckpt.c_str()), DLC_OK);
  // Scalar statistics over all 8 inputs: mean 1.5, std sqrt(2.25 + ...).
  const std::vector<float> all = {0, 0, 0, 4, 2, 0, 2, 4};
  auto [mean, sd] = stats(all, 2, 1, 0);
  const float fm = dlc_trainer_preprocess_mean(t.get())[0];
  const float fs = dlc_trainer_preprocess_std(t.get())[0];
  EXPECT_FLOAT_EQ(fm, (float)mean);
  EXPECT_FLOAT_EQ(fs, (float)sd);
  const float *p = dlc_trainer_params(t.get());
  const float a = (2 - fm) / (fs + 1e-8f), b = (4 - fm) / (fs + 1e-8f);
  const float yHand = a * p[0] + b * p[1] + p[2];
  ChildResult pr = runCli(dlcPredictMain,
                          {"predict", DLC_TEST_LINEAR_MODEL, "--model",
                           "linear_model", "--checkpoint", ckpt, "--input",
                           "2,4"});
  ASSERT_EQ(pr.exitCode, 0) << pr.err;
  char line[128];
  std::snprintf(line, sizeof line, "[2, 4] -> [%.5f]\n", yHand);
  EXPECT_EQ(pr.out, line);
}

TEST(PreprocessTest, CliRejectsBadValues) {
  TempDir dir;
  const std::string csv = dir.file("d.csv");
  writeFile(csv, "0,0,0\n0,1,1\n");
  ChildResult r = runCli(dlcTrainMain,
                         {"train", DLC_TEST_LINEAR_MODEL, "--model",
                          "linear_model", "--data", csv, "--preprocess",
                          "featurewise,samplewise_stdnorm"},
                         dir.path);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --preprocess: unknown item 'featurewise' (expected "
            "featurewise_zero_center, featurewise_stdnorm, "
            "samplewise_zero_center, samplewise_stdnorm, per_channel)");
  r = runCli(dlcTrainMain,
             {"train", DLC_TEST_LINEAR_MODEL, "--model", "linear_model",
              "--data", csv, "--preprocess",
              "featurewise_zero_center,per_channel"},
             dir.path);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("per_channel needs an image model"), std::string::npos)
      << r.err;
  r = runCli(dlcTrainMain,
             {"train", DLC_TEST_LINEAR_MODEL, "--model", "linear_model",
              "--data", csv, "--augment", "flip_leftright"},
             dir.path);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("augmentation needs an image model"), std::string::npos)
      << r.err;
  r = runCli(dlcTrainMain,
             {"train", DLC_TEST_LINEAR_MODEL, "--model", "linear_model",
              "--data", csv, "--augment", "rotation=-3"},
             dir.path);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--augment: rotation=DEGREES expects a maximum angle"),
            std::string::npos)
      << r.err;
}

} // namespace
