//===- TrainerTest.cpp - Training loop, metrics, shuffling, console log ---===//

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <regex>

using namespace dlc::test;

namespace {

//===----------------------------------------------------------------------===//
// Metrics and the shuffling generator
//===----------------------------------------------------------------------===//

TEST(MovingAverageTest, DecayFollowsTFLearnsNumUpdates) {
  // tf.train.ExponentialMovingAverage(0.9, num_updates=step - 1).
  EXPECT_DOUBLE_EQ(dlc_ema_decay(1), 0.1);
  EXPECT_DOUBLE_EQ(dlc_ema_decay(2), 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(dlc_ema_decay(80), 80.0 / 89.0);
  EXPECT_DOUBLE_EQ(dlc_ema_decay(81), 0.9);
  EXPECT_DOUBLE_EQ(dlc_ema_decay(100000), 0.9);
}

TEST(MovingAverageTest, ReproducesATFLearnLog) {
  // A 1-sample TFLearn run printed acc 0.0000, 0.0000, 0.8182 at steps 1-3:
  // the value shown at step k is the average of steps 1..k-1, from 0.
  double shown1 = 0.0;
  double avg1 = dlc_ema_update(shown1, 0.0, 1); // batch accuracy 0 at step 1
  double avg2 = dlc_ema_update(avg1, 1.0, 2);   // batch accuracy 1 at step 2
  char text[16];
  std::snprintf(text, sizeof text, "%.4f", avg1);
  EXPECT_STREQ(text, "0.0000");
  std::snprintf(text, sizeof text, "%.4f", avg2);
  EXPECT_STREQ(text, "0.8182");
  EXPECT_DOUBLE_EQ(avg2, 9.0 / 11.0);
  // Step 2 shows 0.9 times the first loss.
  EXPECT_DOUBLE_EQ(dlc_ema_update(0.0, 3.0, 1), 2.7);
  // Late on it is the textbook 0.9 * avg + 0.1 * x.
  EXPECT_DOUBLE_EQ(dlc_ema_update(1.0, 2.0, 500), 1.1);
}

TEST(MetricsTest, BatchAccuracyUsesFirstArgmax) {
  const float pred[] = {0.1f, 0.9f, 0.5f, 0.5f, 0.7f, 0.3f};
  const float truth[] = {0, 1, 1, 0, 0, 1};
  // Row 2 ties: argmax is 0, the truth is 0 -> correct. Row 3 is wrong.
  EXPECT_DOUBLE_EQ(dlc_batch_accuracy(pred, truth, 3, 2), 2.0 / 3.0);
}

TEST(MetricsTest, BinaryAccuracyThresholdsEveryOutputAtOneHalf) {
  const float pred[] = {0.9f, 0.2f, 0.5f, 0.51f, 0.1f, 0.7f};
  const float truth[] = {1, 0, 1, 1, 1, 0};
  // 0.5 is not above the threshold: wrong; 0.1 vs 1 and 0.7 vs 0 wrong too.
  EXPECT_DOUBLE_EQ(dlc_batch_binary_accuracy(pred, truth, 3, 2), 3.0 / 6.0);
  EXPECT_DOUBLE_EQ(dlc_batch_binary_accuracy(pred, truth, 6, 1), 3.0 / 6.0);
  EXPECT_DOUBLE_EQ(dlc_batch_binary_accuracy(pred, truth, 0, 1), 0.0);
}

std::vector<int64_t> permutation(uint64_t seed, int64_t n, int rounds = 1) {
  dlc_rng rng;
  dlc_rng_seed(&rng, seed);
  std::vector<int64_t> idx(n);
  for (int r = 0; r < rounds; ++r) {
    std::iota(idx.begin(), idx.end(), 0);
    dlc_rng_shuffle(&rng, idx.data(), n);
  }
  return idx;
}

TEST(ShuffleTest, SameSeedSameOrderOtherSeedOtherOrder) {
  std::vector<int64_t> a = permutation(42, 1000), b = permutation(42, 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, permutation(43, 1000));
  EXPECT_NE(a, permutation(42, 1000, 2)); // the generator moves on
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(a, iota);
}

TEST(ShuffleTest, BelowStaysInRangeAndIsStable) {
  dlc_rng rng;
  dlc_rng_seed(&rng, 0);
  for (uint64_t bound : {1ull, 2ull, 3ull, 10ull, 1ull << 40})
    for (int i = 0; i < 1000; ++i)
      ASSERT_LT(dlc_rng_below(&rng, bound), bound);
  // The stream is fixed forever: checkpoints and reproducibility rely on it.
  dlc_rng_seed(&rng, 0);
  EXPECT_EQ(dlc_rng_next(&rng), 0x99EC5F36CB75F2B4ull);
}

//===----------------------------------------------------------------------===//
// The training loop
//===----------------------------------------------------------------------===//

/// Records every step the trainer reports; optionally stops at a step.
struct Recorder {
  std::vector<dlc_step_info> steps;
  int64_t stopAt = 0;
  static int callback(const dlc_step_info *info, void *user) {
    auto *self = static_cast<Recorder *>(user);
    self->steps.push_back(*info);
    return info->step == self->stopAt;
  }
  std::vector<double> losses() const {
    std::vector<double> l;
    for (const dlc_step_info &s : steps)
      l.push_back(s.loss);
    return l;
  }
};

dlc_train_options options(int64_t epochs, int64_t batch, bool shuffle,
                          Recorder *rec = nullptr) {
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = epochs;
  o.batch_size = batch;
  o.shuffle = shuffle;
  if (rec) {
    o.on_step = Recorder::callback;
    o.user = rec;
  }
  return o;
}

/// The probe model's log of batches: each batch's x values.
std::vector<std::vector<int>> probeBatches(dlc_trainer *t) {
  const float *log = dlc_trainer_opt_state(t);
  std::vector<std::vector<int>> batches;
  for (int64_t i = 1; i <= (int64_t)log[0];) {
    int64_t size = (int64_t)-log[i++];
    batches.emplace_back();
    for (int64_t k = 0; k < size; ++k)
      batches.back().push_back((int)log[i++]);
  }
  return batches;
}

DatasetPtr indexData(int64_t n) {
  std::vector<float> x(n), y(n, 0.0f);
  std::iota(x.begin(), x.end(), 0.0f);
  return makeData(x, y, 1, 1);
}

TEST(TrainerTest, OneStepOfLinearRegressionIsExact) {
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  float *p = dlc_trainer_params(t.get());
  p[0] = p[1] = p[2] = 0.0f;
  DatasetPtr data = orGate();
  Recorder rec;
  dlc_train_options o = options(1, 4, false, &rec);
  dlc_train_result r;
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r), DLC_OK)
      << dlc_last_error();
  // By hand: predictions 0, loss mean(y^2) = 3/4; dL/dpred_i = -y_i / 2, so
  // grad W = (-1, -1), grad b = -1.5, and SGD(0.25) gives W .25, b .375.
  ASSERT_EQ(rec.steps.size(), 1u);
  EXPECT_EQ(rec.steps[0].loss, 0.75);
  EXPECT_EQ(rec.steps[0].loss_avg, 0.0); // TFLearn shows 0 at step 1
  EXPECT_EQ(std::vector<float>(p, p + 3),
            (std::vector<float>{0.25f, 0.25f, 0.375f}));
  EXPECT_EQ(r.steps, 1);
  EXPECT_EQ(r.global_step, 1);
  EXPECT_EQ(r.epoch, 1);
  EXPECT_DOUBLE_EQ(r.loss_avg, 0.675);
  // Predictions .375 .625 .625 .875: loss (3 * .140625 + .015625) / 4.
  o.epochs = 2;
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r), DLC_OK);
  ASSERT_EQ(rec.steps.size(), 2u);
  EXPECT_EQ(rec.steps[1].step, 2);
  EXPECT_EQ(rec.steps[1].loss, 0.109375);
  EXPECT_DOUBLE_EQ(rec.steps[1].loss_avg, 0.675);
}

TEST(TrainerTest, StepsEpochsAndTheShortLastBatch) {
  ModelPtr m = openFixture("probe");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = indexData(10);
  Recorder rec;
  dlc_train_options o = options(2, 4, false, &rec);
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  std::vector<std::vector<int>> epoch = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}};
  std::vector<std::vector<int>> expected = epoch;
  expected.insert(expected.end(), epoch.begin(), epoch.end());
  EXPECT_EQ(probeBatches(t.get()), expected);
  ASSERT_EQ(rec.steps.size(), 6u);
  const int64_t epochs[] = {1, 1, 1, 2, 2, 2}, iters[] = {4, 8, 10, 4, 8, 10};
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rec.steps[i].step, i + 1);
    EXPECT_EQ(rec.steps[i].loss, i + 1.0); // the probe returns the step
    EXPECT_EQ(rec.steps[i].epoch, epochs[i]);
    EXPECT_EQ(rec.steps[i].iter, iters[i]);
    EXPECT_EQ(rec.steps[i].batch, i % 3 == 2 ? 2 : 4);
    EXPECT_EQ(rec.steps[i].samples, 10);
    EXPECT_EQ(rec.steps[i].epoch_end, i % 3 == 2);
    EXPECT_FALSE(rec.steps[i].has_acc);
  }
  // The displayed average lags one step behind the losses 1, 2, 3, ...
  double avg = 0;
  for (int i = 0; i < 6; ++i) {
    EXPECT_DOUBLE_EQ(rec.steps[i].loss_avg, avg);
    avg = dlc_ema_update(avg, i + 1.0, i + 1);
  }
  EXPECT_EQ(dlc_trainer_epoch(t.get()), 2);
}

TEST(TrainerTest, ShufflesEveryEpochWithTheSeededGenerator) {
  ModelPtr m = openFixture("probe");
  DatasetPtr data = indexData(10);
  auto run = [&](uint64_t seed, bool shuffle) {
    TrainerPtr t = makeTrainer(m.get(), seed);
    dlc_train_options o = options(3, 10, shuffle);
    EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
              DLC_OK);
    return probeBatches(t.get());
  };
  std::vector<std::vector<int>> a = run(5, true);
  ASSERT_EQ(a.size(), 3u);
  // Epoch e's order is the e-th shuffle of 0..n-1 by dlc_rng seeded with S.
  for (int e = 0; e < 3; ++e) {
    std::vector<int64_t> expected = permutation(5, 10, e + 1);
    EXPECT_EQ(a[e], std::vector<int>(expected.begin(), expected.end()));
  }
  EXPECT_NE(a[0], a[1]);
  EXPECT_EQ(run(5, true), a);
  EXPECT_NE(run(6, true), a);
  std::vector<int> identity(10);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(run(5, false),
            (std::vector<std::vector<int>>{identity, identity, identity}));
}

DatasetPtr classificationData() {
  // Ten points, class 1 when x0 + x1 > 1 (one-hot targets).
  std::vector<float> x = {0, 0, 0.2f, 0.9f, 1, 1, 0.5f, 0.4f, 0.9f, 0.8f,
                          0.1f, 0.3f, 0.7f, 0.7f, 1, 0.2f, 0.3f, 0.3f, 0.6f, 1};
  std::vector<float> y;
  for (size_t i = 0; i < x.size(); i += 2) {
    bool one = x[i] + x[i + 1] > 1;
    y.push_back(one ? 0.0f : 1.0f);
    y.push_back(one ? 1.0f : 0.0f);
  }
  return makeData(x, y, 2, 2);
}

TEST(TrainerTest, SameSeedGivesBitIdenticalLosses) {
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr data = classificationData();
  auto run = [&](uint64_t seed, std::vector<float> *params) {
    TrainerPtr t = makeTrainer(m.get(), seed);
    Recorder rec;
    dlc_train_options o = options(5, 3, true, &rec);
    EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
              DLC_OK);
    if (params)
      params->assign(dlc_trainer_params(t.get()),
                     dlc_trainer_params(t.get()) + 6);
    return rec.losses();
  };
  std::vector<float> pa, pb;
  std::vector<double> a = run(11, &pa);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(run(11, &pb), a); // exact, not approximate
  EXPECT_EQ(pa, pb);
  EXPECT_NE(run(12, nullptr), a);
}

TEST(TrainerTest, ResumingMidEpochMatchesAnUninterruptedRun) {
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr data = classificationData();
  TempDir dir;
  std::string ckpt = dir.file("sm.ckpt");

  TrainerPtr full = makeTrainer(m.get(), 2);
  Recorder fullRec;
  dlc_train_options o = options(4, 3, true, &fullRec);
  ASSERT_EQ(dlc_trainer_train(full.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);

  TrainerPtr first = makeTrainer(m.get(), 2);
  Recorder rec;
  rec.stopAt = 6; // epoch 2, after 6 of its 10 samples
  o.user = &rec;
  dlc_train_result r;
  ASSERT_EQ(dlc_trainer_train(first.get(), data.get(), nullptr, &o, &r),
            DLC_INTERRUPTED);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.global_step, 6);
  EXPECT_EQ(r.epoch, 1);
  EXPECT_EQ(r.iter, 6);
  ASSERT_EQ(dlc_trainer_save(first.get(), ckpt.c_str()), DLC_OK);

  TrainerPtr second = makeTrainer(m.get(), 99);
  ASSERT_EQ(dlc_trainer_load(second.get(), ckpt.c_str()), DLC_OK)
      << dlc_last_error();
  rec.stopAt = 0;
  ASSERT_EQ(dlc_trainer_train(second.get(), data.get(), nullptr, &o, &r),
            DLC_OK);
  EXPECT_EQ(rec.losses(), fullRec.losses());
  for (size_t i = 0; i < rec.steps.size(); ++i)
    EXPECT_EQ(rec.steps[i].loss_avg, fullRec.steps[i].loss_avg);
  EXPECT_EQ(std::vector<float>(dlc_trainer_params(second.get()),
                               dlc_trainer_params(second.get()) + 6),
            std::vector<float>(dlc_trainer_params(full.get()),
                               dlc_trainer_params(full.get()) + 6));

  // Resuming mid-epoch needs the same data.
  TrainerPtr third = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(third.get(), ckpt.c_str()), DLC_OK);
  DatasetPtr other = makeData({0, 0, 1, 1}, {1, 0, 0, 1}, 2, 2);
  EXPECT_EQ(dlc_trainer_train(third.get(), other.get(), nullptr, &o, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_STREQ(dlc_last_error(),
               "cannot resume in the middle of an epoch (6 of 10 samples "
               "done) with a training set of 2 samples; use the same data");
}

TEST(TrainerTest, StopFlagEndsAfterTheCurrentStep) {
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = orGate();
  // A signal during step 1 (here: set while the step's callback runs).
  static volatile sig_atomic_t stop = 0;
  dlc_train_options o = options(100, 1, true);
  o.stop = &stop;
  o.on_step = [](const dlc_step_info *, void *) -> int {
    stop = 1;
    return 0;
  };
  dlc_train_result r;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r),
            DLC_INTERRUPTED);
  EXPECT_EQ(r.steps, 1);
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 1);
  // Already set when training is asked for: no step at all.
  dlc_train_result again;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &again),
            DLC_INTERRUPTED);
  EXPECT_EQ(again.steps, 0);
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 1);
  stop = 0;
}

TEST(TrainerTest, ANonFiniteLossStopsTrainingWithAnError) {
  // Targets of 1e37: the first step's mean square, 1e74, is infinite in
  // float32. Training stops at that step, before anything could save it.
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = makeData({0, 0, 0, 1, 1, 0, 1, 1}, {0, 1e37f, 1e37f, 1e37f},
                             2, 1);
  Recorder rec;
  dlc_train_options o = options(3, 4, false, &rec);
  dlc_train_result r;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r),
            DLC_ERR_DIVERGED);
  EXPECT_EQ(std::string(dlc_last_error()),
            "model 'linear_model': step 1 (epoch 1): the loss is infinite: "
            "training diverged (a lower learning rate, or clipping, may "
            "help); nothing from this step on was saved");
  EXPECT_TRUE(rec.steps.empty()) << "the step reached the caller";
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 1);
  EXPECT_STREQ(dlc_status_name(DLC_ERR_DIVERGED), "DLC_ERR_DIVERGED");
}

TEST(TrainerTest, ValidationIsAnExactMeanAtEpochEnds) {
  ModelPtr m = openFixture("probe");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr train = indexData(4);
  // The probe's eval loss is mean(x - y): batch means 1.5, 3.5, -5 for a
  // batch size of 2; the exact mean over the 5 rows is 1.
  DatasetPtr val = makeData({1, 2, 3, 4, 5}, {0, 0, 0, 0, 10}, 1, 1);
  Recorder rec;
  dlc_train_options o = options(2, 2, false, &rec);
  dlc_train_result r;
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, &r),
            DLC_OK);
  ASSERT_EQ(rec.steps.size(), 4u);
  EXPECT_FALSE(rec.steps[0].has_val);
  EXPECT_TRUE(rec.steps[1].has_val);
  EXPECT_EQ(rec.steps[1].val_loss, 1.0);
  EXPECT_TRUE(r.has_val);
  EXPECT_EQ(r.val_loss, 1.0);
  double loss = 0;
  ASSERT_EQ(dlc_trainer_evaluate(t.get(), val.get(), 2, &loss, nullptr),
            DLC_OK);
  EXPECT_EQ(loss, 1.0);
}

TEST(TrainerTest, CrossEntropyTargetsMustBeProbabilities) {
  // A class index (2) where a one-hot row belongs: refused before training,
  // for the training and the validation set alike.
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 3);
  DatasetPtr good = classificationData();
  DatasetPtr bad = makeData({0, 0, 1, 1}, {1, 0, 2, 0}, 2, 2);
  dlc_train_options o = options(1, 2, false);
  dlc_train_result r;
  EXPECT_EQ(dlc_trainer_train(t.get(), bad.get(), nullptr, &o, &r),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()),
            "training set, example 2 (from 1), target 1: 2 is outside [0, 1]; "
            "model 'softmax_model' uses categorical_crossentropy, whose "
            "targets are probabilities (one-hot rows: 1 for the class, 0 "
            "elsewhere)");
  EXPECT_EQ(dlc_trainer_train(t.get(), good.get(), bad.get(), &o, &r),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()).rfind("validation set, example 2", 0),
            0u)
      << dlc_last_error();
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 0);
}

TEST(TrainerTest, AccuracyForClassifiers) {
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 3);
  DatasetPtr data = classificationData();
  Recorder rec;
  dlc_train_options o = options(20, 4, true, &rec);
  dlc_train_result r;
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), data.get(), &o, &r),
            DLC_OK);
  ASSERT_TRUE(r.has_acc);
  double avg = 0;
  for (const dlc_step_info &s : rec.steps) {
    ASSERT_TRUE(s.has_acc);
    EXPECT_DOUBLE_EQ(s.acc_avg, avg);
    EXPECT_EQ(s.acc * s.batch, std::round(s.acc * s.batch)); // k / batch
    avg = dlc_ema_update(avg, s.acc, s.step);
  }
  double loss, acc;
  // The same batching as the trainer's validation gives the same numbers.
  ASSERT_EQ(dlc_trainer_evaluate(t.get(), data.get(), 4, &loss, &acc), DLC_OK);
  EXPECT_EQ(acc, rec.steps.back().val_acc);
  EXPECT_EQ(loss, rec.steps.back().val_loss);
  EXPECT_GE(acc, 0.8); // it learns the split
}

TEST(TrainerTest, RejectsBadOptionsAndMismatchedData) {
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = orGate();
  dlc_train_options o = options(1, 0, true);
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_INVALID_ARGUMENT);
  o.batch_size = 2;
  DatasetPtr narrow = indexData(3);
  EXPECT_EQ(dlc_trainer_train(t.get(), narrow.get(), nullptr, &o, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_STREQ(dlc_last_error(),
               "training set has 1 inputs + 1 targets per row; model "
               "'linear_model' takes 2 inputs + 1 targets");
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), narrow.get(), &o, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 0);
}

TEST(TrainerTest, PredictRunsForwardInChunks) {
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  float *p = dlc_trainer_params(t.get());
  p[0] = 0.5f, p[1] = 0.25f, p[2] = 1.0f;
  std::vector<float> x, y(1000);
  for (int i = 0; i < 1000; ++i)
    x.push_back((float)i), x.push_back(2.0f * i);
  ASSERT_EQ(dlc_trainer_predict(t.get(), x.data(), 1000, y.data()), DLC_OK);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(y[i], i + 1.0f) << i;
  double loss = -1;
  p[0] = p[1] = p[2] = 0.0f;
  DatasetPtr data = orGate();
  // Batch losses 1/2 and 2/2 over batches of 2: mean 3/4.
  ASSERT_EQ(dlc_trainer_evaluate(t.get(), data.get(), 2, &loss, nullptr),
            DLC_OK);
  EXPECT_EQ(loss, 0.75);
}

//===----------------------------------------------------------------------===//
// Console log
//===----------------------------------------------------------------------===//

/// Runs training with the log captured; `time: 0.001s` becomes `time: T`.
std::string logOf(dlc_trainer *t, const dlc_dataset *data,
                  const dlc_dataset *val, dlc_train_options o) {
  char *buf = nullptr;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  o.log = f;
  EXPECT_EQ(dlc_trainer_train(t, data, val, &o, nullptr), DLC_OK);
  std::fclose(f);
  std::string text(buf, size);
  std::free(buf);
  return std::regex_replace(text, std::regex("time: [0-9]+\\.[0-9]{3}s"),
                            "time: T");
}

TEST(ConsoleLogTest, PrintsTFLearnBlocks) {
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  float *p = dlc_trainer_params(t.get());
  p[0] = p[1] = p[2] = 0.0f;
  DatasetPtr data = orGate();
  dlc_train_options o = options(2, 4, false);
  o.run_id = "or_gate";
  EXPECT_EQ(logOf(t.get(), data.get(), nullptr, o),
            "---------------------------------\n"
            "Run id: or_gate\n"
            "Log directory: (none)\n"
            "---------------------------------\n"
            "Training samples: 4\n"
            "Validation samples: 0\n"
            "--\n"
            "Training Step: 1  | time: T\n"
            "| SGD | epoch: 001 | loss: 0.00000 -- iter: 4/4\n"
            "--\n"
            "Training Step: 2  | total loss: 0.67500 | time: T\n"
            "| SGD | epoch: 002 | loss: 0.67500 -- iter: 4/4\n"
            "--\n");
}

TEST(ConsoleLogTest, AccuracyValidationAndPaddedIter) {
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = classificationData();
  dlc_train_options o = options(1, 4, false);
  std::vector<std::string> out =
      lines(logOf(t.get(), data.get(), data.get(), o));
  ASSERT_EQ(out.size(), 7u + 7u) << testing::PrintToString(out);
  EXPECT_EQ(out[1], "Run id: softmax_model");
  EXPECT_EQ(out[5], "Validation samples: 10");
  EXPECT_EQ(out[7], "Training Step: 1  | time: T");
  EXPECT_EQ(out[8],
            "| Momentum | epoch: 001 | loss: 0.00000 - acc: 0.0000 -- iter: "
            "04/10");
  EXPECT_EQ(out[9].rfind("Training Step: 2  | total loss: ", 0), 0u);
  EXPECT_TRUE(std::regex_match(
      out[12], std::regex("\\| Momentum \\| epoch: 001 \\| loss: [0-9]\\.[0-9]{5}"
                          " - acc: [01]\\.[0-9]{4} \\| val_loss: [0-9]\\.[0-9]{5}"
                          " - val_acc: [01]\\.[0-9]{4} -- iter: 10/10")))
      << out[12];
  EXPECT_EQ(out[13], "--");
}

int countBlocks(const std::string &log) {
  int n = 0;
  for (const std::string &line : lines(log))
    n += line.rfind("Training Step: ", 0) == 0;
  return n;
}

TEST(ConsoleLogTest, QuietAndPrintEvery) {
  ModelPtr m = openFixture("probe");
  DatasetPtr data = indexData(9); // 3 steps per epoch with batch 3
  auto run = [&](int64_t epochs, bool quiet, int64_t every) {
    TrainerPtr t = makeTrainer(m.get());
    dlc_train_options o = options(epochs, 3, true);
    o.quiet = quiet;
    o.print_every = every;
    return logOf(t.get(), data.get(), nullptr, o);
  };
  std::string all = run(2, false, 1);
  EXPECT_EQ(countBlocks(all), 6);
  EXPECT_EQ(all.find("Training done"), std::string::npos);
  std::string quiet = run(3, true, 1);
  EXPECT_EQ(countBlocks(quiet), 3);
  EXPECT_NE(quiet.find("Training Step: 6  | total loss: "), std::string::npos);
  EXPECT_NE(quiet.find("\nTraining done: epoch 003, step 9, loss: "),
            std::string::npos)
      << quiet;
  EXPECT_EQ(countBlocks(run(2, false, 4)), 2); // steps 4 and 6 (the last)
  std::string everyOther = run(5, true, 2);    // epochs 2, 4 and 5
  EXPECT_EQ(countBlocks(everyOther), 3);
  EXPECT_NE(everyOther.find("| Adam | epoch: 005 |"), std::string::npos);
  // Epoch ends with validation figures are always shown.
  DatasetPtr val = indexData(3);
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o = options(2, 3, true);
  o.print_every = 100;
  std::string withVal = logOf(t.get(), data.get(), val.get(), o);
  EXPECT_EQ(countBlocks(withVal), 2) << withVal; // steps 3 and 6
  EXPECT_NE(withVal.find("Training Step: 3  |"), std::string::npos) << withVal;
}

} // namespace
