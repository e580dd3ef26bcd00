//===- AugmentTest.cpp - Image augmentation and the prefetching pipeline --===//

#include "TestSupport.h"
#include "PipelineTestModel.h"

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <numeric>
#include <thread>

using namespace dlc::test;

namespace {

dlc_augment_options augment(const char *text) {
  dlc_augment_options a;
  EXPECT_EQ(dlc_augment_options_parse(text, &a), DLC_OK) << dlc_last_error();
  return a;
}

/// An h x w x c image with value 100 * y + 10 * x + channel.
std::vector<float> ramp(int64_t h, int64_t w, int64_t c) {
  std::vector<float> img(h * w * c);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k)
        img[(y * w + x) * c + k] = (float)(100 * y + 10 * x + k);
  return img;
}

std::vector<float> apply(const dlc_augment_options &o,
                         const dlc_augment_draw &d, std::vector<float> img,
                         int64_t h, int64_t w, int64_t c) {
  std::vector<float> scratch(img.size());
  EXPECT_EQ(dlc_augment_image(&o, &d, h, w, c, img.data(), scratch.data()),
            DLC_OK)
      << dlc_last_error();
  return img;
}

TEST(AugmentTest, ParsesOptionLists) {
  dlc_augment_options a =
      augment("flip_leftright,flip_updown,rotation=25,crop=32x28:4,blur=3");
  EXPECT_TRUE(a.flip_leftright && a.flip_updown);
  EXPECT_EQ(a.max_rotation_deg, 25.0);
  EXPECT_EQ(a.crop_h, 32);
  EXPECT_EQ(a.crop_w, 28);
  EXPECT_EQ(a.crop_pad, 4);
  EXPECT_EQ(a.max_blur_sigma, 3.0);
  a = augment("crop=8x8");
  EXPECT_EQ(a.crop_pad, 0);
  EXPECT_FALSE(a.flip_leftright);
  // Without a value, TFLearn's defaults: add_random_rotation(max_angle=20.),
  // add_random_blur(sigma_max=5.).
  a = augment("rotation,blur");
  EXPECT_EQ(a.max_rotation_deg, 20.0);
  EXPECT_EQ(a.max_blur_sigma, 5.0);
  for (const char *bad : {"flip", "rotation=", "blur=", "rotation=abc", "rotation=0",
                          "crop=32", "crop=32x:4", "crop=0x3:1",
                          "crop=3x3:-1", "blur=0", "blur=nan", "", "flip_updown=1"})
    EXPECT_EQ(dlc_augment_options_parse(bad, &a), DLC_ERR_INVALID_ARGUMENT)
        << bad;
  dlc_augment_options_parse("crop=32x", &a);
  EXPECT_STREQ(dlc_last_error(),
               "--augment: crop=HxW[:PAD] expects positive integers H, W and "
               "PAD >= 0 (e.g. crop=32x32:4), got 'crop=32x'");
}

TEST(AugmentTest, FlipsAreExact) {
  const int64_t h = 3, w = 4, c = 2;
  const std::vector<float> img = ramp(h, w, c);
  dlc_augment_options o{};
  dlc_augment_draw d{};
  d.flip_leftright = 1;
  std::vector<float> lr = apply(o, d, img, h, w, c);
  d = {};
  d.flip_updown = 1;
  std::vector<float> ud = apply(o, d, img, h, w, c);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k) {
        EXPECT_EQ(lr[(y * w + x) * c + k], img[(y * w + (w - 1 - x)) * c + k]);
        EXPECT_EQ(ud[(y * w + x) * c + k], img[((h - 1 - y) * w + x) * c + k]);
      }
  d.flip_leftright = 1; // both, twice: the identity
  EXPECT_EQ(apply(o, d, apply(o, d, img, h, w, c), h, w, c), img);
}

TEST(AugmentTest, RotationIsBilinearAboutTheCentre) {
  // v(y, x) = 10 y + x on 3 x 3, centre (1, 1), 45 degrees.
  std::vector<float> img(9);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x)
      img[y * 3 + x] = (float)(10 * y + x);
  dlc_augment_options o{};
  dlc_augment_draw d{};
  d.rotation_deg = 45;
  std::vector<float> r = apply(o, d, img, 3, 3, 1);
  const double s = std::sqrt(0.5);
  // Output (0, 1) samples (sy, sx) = (1 - s, 1 + s): all four neighbours
  // inside, and bilinear is exact on a linear ramp: 10 (1 - s) + 1 + s.
  EXPECT_NEAR(r[1], 10 * (1 - s) + 1 + s, 1e-5);
  // Output (0, 0) samples (1 - 2s, 1): row -1 is outside (zero), row 0 has
  // weight 2 - 2s... i.e. fy = 2 - 2s: value fy * v(0, 1).
  EXPECT_NEAR(r[0], (2 - 2 * s) * 1.0, 1e-5);
  // The centre does not move.
  EXPECT_EQ(r[4], img[4]);
  // 90 degrees counter-clockwise: the top row becomes the left column.
  d.rotation_deg = 90;
  r = apply(o, d, img, 3, 3, 1);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x)
      EXPECT_NEAR(r[y * 3 + x], img[x * 3 + (2 - y)], 1e-5) << y << "," << x;
}

TEST(AugmentTest, ZeroRotationIsTheIdentity) {
  const std::vector<float> img = ramp(5, 6, 3);
  dlc_augment_options o = augment("rotation=30");
  dlc_augment_draw d{};
  EXPECT_EQ(apply(o, d, img, 5, 6, 3), img);
  d.rotation_deg = 360; // a whole turn: the identity up to rounding
  std::vector<float> r = apply(o, d, img, 5, 6, 3);
  for (size_t i = 0; i < img.size(); ++i)
    EXPECT_NEAR(r[i], img[i], 1e-3) << i;
}

TEST(AugmentTest, CropTakesAWindowOfTheZeroPaddedImage) {
  const int64_t h = 3, w = 3, c = 1;
  const std::vector<float> img = ramp(h, w, c);
  dlc_augment_options o = augment("crop=3x3:1");
  dlc_augment_draw d{};
  d.crop_y = d.crop_x = 1; // the centre window
  EXPECT_EQ(apply(o, d, img, h, w, c), img);
  d.crop_y = d.crop_x = 0; // shifted down-right, zeros top and left
  EXPECT_EQ(apply(o, d, img, h, w, c),
            (std::vector<float>{0, 0, 0, 0, 0, 10, 0, 100, 110}));
  d.crop_y = 2, d.crop_x = 1; // shifted up
  EXPECT_EQ(apply(o, d, img, h, w, c),
            (std::vector<float>{100, 110, 120, 200, 210, 220, 0, 0, 0}));
  d.crop_y = 3; // outside 0..2 * pad
  std::vector<float> scratch(9), copy = img;
  EXPECT_EQ(dlc_augment_image(&o, &d, h, w, c, copy.data(), scratch.data()),
            DLC_ERR_INVALID_ARGUMENT);
}

TEST(AugmentTest, BlurKeepsAConstantImageAndSpreadsAnImpulse) {
  const int64_t h = 9, w = 9, c = 2;
  std::vector<float> img(h * w * c, 0.75f);
  dlc_augment_options o = augment("blur=3");
  dlc_augment_draw d{};
  d.blur_sigma = 2.5;
  for (float v : apply(o, d, img, h, w, c))
    EXPECT_NEAR(v, 0.75f, 1e-6);
  std::fill(img.begin(), img.end(), 0.0f);
  img[(4 * w + 4) * c + 1] = 1; // channel 1 only: channels do not mix
  d.blur_sigma = 1;
  std::vector<float> r = apply(o, d, img, h, w, c);
  double total = 0;
  for (int64_t i = 0; i < h * w; ++i) {
    EXPECT_EQ(r[i * c], 0.0f);
    total += r[i * c + 1];
  }
  EXPECT_NEAR(total, 1.0, 1e-5);
  const double g1 = std::exp(-0.5), z = 1 + 2 * g1 + 2 * std::exp(-2.0) +
                                        2 * std::exp(-4.5) + 2 * std::exp(-8.0);
  EXPECT_NEAR(r[(4 * w + 4) * c + 1], 1 / (z * z), 1e-6);
  EXPECT_NEAR(r[(4 * w + 5) * c + 1], g1 / (z * z), 1e-6);
  EXPECT_EQ(r[(4 * w + 5) * c + 1], r[(4 * w + 3) * c + 1]);
}

TEST(AugmentTest, DrawsAreACounterBasedFunctionOfKeyStepAndRow) {
  dlc_augment_options o =
      augment("flip_leftright,flip_updown,rotation=20,crop=8x8:2,blur=2");
  auto same = [](const dlc_augment_draw &a, const dlc_augment_draw &b) {
    return a.flip_leftright == b.flip_leftright &&
           a.flip_updown == b.flip_updown &&
           a.rotation_deg == b.rotation_deg && a.crop_y == b.crop_y &&
           a.crop_x == b.crop_x && a.blur_sigma == b.blur_sigma;
  };
  dlc_augment_draw a, b;
  int flips = 0, rotated = 0, blurred = 0, differ = 0;
  int64_t cropSeen[5] = {};
  const int N = 4000;
  for (int i = 0; i < N; ++i) {
    dlc_augment_draw_for(&o, 7, 100 + i / 8, i % 8, &a);
    dlc_augment_draw_for(&o, 7, 100 + i / 8, i % 8, &b);
    ASSERT_TRUE(same(a, b));
    dlc_augment_draw_for(&o, 8, 100 + i / 8, i % 8, &b); // another key
    differ += !same(a, b);
    flips += a.flip_leftright;
    rotated += a.rotation_deg != 0;
    blurred += a.blur_sigma > 0;
    ASSERT_LE(std::fabs(a.rotation_deg), 20.0);
    ASSERT_TRUE(a.blur_sigma >= 0 && a.blur_sigma <= 2);
    ASSERT_TRUE(a.crop_y >= 0 && a.crop_y <= 4 && a.crop_x >= 0 &&
                a.crop_x <= 4);
    ++cropSeen[a.crop_y];
  }
  EXPECT_GT(differ, N * 9 / 10);
  for (int k : {flips, rotated, blurred}) {
    EXPECT_GT(k, N * 45 / 100);
    EXPECT_LT(k, N * 55 / 100);
  }
  for (int64_t k : cropSeen)
    EXPECT_GT(k, N / 7);
  dlc_augment_draw_for(&o, 7, 5, 0, &a);
  dlc_augment_draw_for(&o, 7, 6, 0, &b);
  dlc_augment_draw c;
  dlc_augment_draw_for(&o, 7, 5, 1, &c);
  EXPECT_FALSE(same(a, b) && same(a, c));
  // Options that are off draw nothing.
  dlc_augment_options off{};
  dlc_augment_draw_for(&off, 7, 5, 0, &a);
  EXPECT_TRUE(!a.flip_leftright && !a.flip_updown && a.rotation_deg == 0 &&
              a.blur_sigma == 0 && a.crop_x == 0 && a.crop_y == 0);
}

//===----------------------------------------------------------------------===//
// In the training loop
//===----------------------------------------------------------------------===//

struct TrainRun {
  std::vector<std::vector<float>> batches;
  std::vector<double> losses;
  std::vector<float> params;
};

struct Recorder {
  std::vector<double> losses;
  int64_t stopAt = 0;
  static int callback(const dlc_step_info *info, void *user) {
    auto *self = static_cast<Recorder *>(user);
    self->losses.push_back(info->loss);
    return info->step == self->stopAt;
  }
};

dlc_train_options options(int64_t epochs, int64_t batch, const char *aug,
                          const char *prep, bool prefetch, Recorder *rec) {
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = epochs;
  o.batch_size = batch;
  o.prefetch = prefetch;
  if (aug)
    EXPECT_EQ(dlc_augment_options_parse(aug, &o.augment), DLC_OK);
  if (prep)
    EXPECT_EQ(dlc_preprocess_options_parse(prep, &o.preprocess), DLC_OK);
  o.on_step = Recorder::callback;
  o.user = rec;
  return o;
}

const char *const kAug = "flip_leftright,flip_updown,rotation=30,crop=4x4:1,"
                         "blur=1";
const char *const kPrep = "featurewise_zero_center,featurewise_stdnorm,"
                          "per_channel";

TrainRun trainRun(const dlc_model *m, const dlc_dataset *data, uint64_t seed,
          bool prefetch, const char *aug = kAug, int64_t epochs = 3) {
  pipelineLog().clear();
  TrainerPtr t = makeTrainer(m, seed);
  Recorder rec;
  dlc_train_options o = options(epochs, 5, aug, kPrep, prefetch, &rec);
  EXPECT_EQ(dlc_trainer_train(t.get(), data, nullptr, &o, nullptr), DLC_OK)
      << dlc_last_error();
  TrainRun r{pipelineLog().train, rec.losses,
        std::vector<float>(dlc_trainer_params(t.get()),
                           dlc_trainer_params(t.get()) + SmallImage::F + 1)};
  return r;
}

TEST(AugmentPipelineTest, PrefetchedBatchesEqualSynchronousOnes) {
  auto m = openImageModel(SmallImage::desc());
  std::vector<float> x, y;
  imageData(23, SmallImage::F, 1, x, y);
  DatasetPtr data = makeData(x, y, SmallImage::F, 1);
  TrainRun sync = trainRun(m.get(), data.get(), 3, false);
  ASSERT_EQ(sync.batches.size(), 15u); // 3 epochs of 5 batches (last 3 rows)
  for (int i = 0; i < 3; ++i) {        // and again, thread timing aside
    TrainRun pre = trainRun(m.get(), data.get(), 3, true);
    EXPECT_EQ(pre.batches, sync.batches);
    EXPECT_EQ(pre.losses, sync.losses);
    EXPECT_EQ(pre.params, sync.params);
  }
  // The augmentation did something, differently at every step.
  TrainRun plain = trainRun(m.get(), data.get(), 3, true, nullptr);
  EXPECT_NE(plain.batches, sync.batches);
  EXPECT_NE(sync.batches[0], sync.batches[5]); // same rows? other draws
  // Another seed: other order and other draws.
  EXPECT_NE(trainRun(m.get(), data.get(), 4, true).batches, sync.batches);
}

TEST(AugmentPipelineTest, AugmentationAppliesToTrainingBatchesOnly) {
  auto m = openImageModel(SmallImage::desc());
  std::vector<float> x, y, vx, vy;
  imageData(10, SmallImage::F, 2, x, y);
  imageData(3, SmallImage::F, 3, vx, vy);
  DatasetPtr data = makeData(x, y, SmallImage::F, 1),
             val = makeData(vx, vy, SmallImage::F, 1);
  pipelineLog().clear();
  TrainerPtr t = makeTrainer(m.get());
  Recorder rec;
  dlc_train_options o = options(2, 5, kAug, nullptr, true, &rec);
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), val.get(), &o, nullptr),
            DLC_OK);
  ASSERT_EQ(pipelineLog().eval.size(), 2u); // one validation per epoch
  for (const auto &batch : pipelineLog().eval)
    EXPECT_EQ(batch, vx); // untouched
  pipelineLog().clear();
  std::vector<float> out(3);
  ASSERT_EQ(dlc_trainer_predict(t.get(), vx.data(), 3, out.data()), DLC_OK);
  EXPECT_EQ(pipelineLog().forward.at(0), vx);
}

TEST(AugmentPipelineTest, ResumingWithAugmentationIsBitIdentical) {
  auto m = openImageModel(SmallImage::desc());
  std::vector<float> x, y;
  imageData(13, SmallImage::F, 4, x, y);
  DatasetPtr data = makeData(x, y, SmallImage::F, 1);
  TempDir dir;
  const std::string ckpt = dir.file("img.ckpt");
  TrainRun full = trainRun(m.get(), data.get(), 9, true, kAug, 4);
  ASSERT_EQ(full.losses.size(), 12u);

  pipelineLog().clear();
  TrainerPtr first = makeTrainer(m.get(), 9);
  Recorder rec;
  rec.stopAt = 5; // epoch 2, after 10 of its 13 samples
  dlc_train_options o = options(4, 5, kAug, kPrep, true, &rec);
  ASSERT_EQ(dlc_trainer_train(first.get(), data.get(), nullptr, &o, nullptr),
            DLC_INTERRUPTED);
  ASSERT_EQ(dlc_trainer_save(first.get(), ckpt.c_str()), DLC_OK);
  TrainerPtr second = makeTrainer(m.get(), 1234);
  ASSERT_EQ(dlc_trainer_load(second.get(), ckpt.c_str()), DLC_OK);
  rec.stopAt = 0;
  o.prefetch = 0; // the other path, for good measure
  ASSERT_EQ(dlc_trainer_train(second.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(rec.losses, full.losses);
  EXPECT_EQ(pipelineLog().train, full.batches);
  EXPECT_EQ(std::vector<float>(dlc_trainer_params(second.get()),
                               dlc_trainer_params(second.get()) +
                                   SmallImage::F + 1),
            full.params);
}

TEST(AugmentPipelineTest, RefusesOptionsThatDoNotFitTheModel) {
  auto m = openImageModel(SmallImage::desc());
  std::vector<float> x, y;
  imageData(4, SmallImage::F, 5, x, y);
  DatasetPtr data = makeData(x, y, SmallImage::F, 1);
  TrainerPtr t = makeTrainer(m.get());
  Recorder rec;
  dlc_train_options o = options(1, 2, "crop=8x8:2", nullptr, true, &rec);
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(dlc_last_error(), "augmentation: crop 8x8 must be the image "
                                 "size of model 'img_small', 4x4");
  ModelPtr lin = openFixture("linear_model");
  TrainerPtr u = makeTrainer(lin.get());
  DatasetPtr gate = orGate();
  o = options(1, 2, "flip_updown", nullptr, true, &rec);
  EXPECT_EQ(dlc_trainer_train(u.get(), gate.get(), nullptr, &o, nullptr),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(dlc_trainer_global_step(u.get()), 0);
}

TEST(AugmentPipelineTest, StopsCleanlyWhenInterruptedOrFailing) {
  auto m = openImageModel(SmallImage::desc());
  std::vector<float> x, y;
  imageData(50, SmallImage::F, 6, x, y);
  DatasetPtr data = makeData(x, y, SmallImage::F, 1);
  for (int stopAt : {1, 2, 7, 10}) {
    TrainerPtr t = makeTrainer(m.get());
    Recorder rec;
    rec.stopAt = stopAt;
    dlc_train_options o = options(3, 5, kAug, nullptr, true, &rec);
    EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
              DLC_INTERRUPTED);
    EXPECT_EQ(dlc_trainer_global_step(t.get()), stopAt);
  }
  volatile sig_atomic_t stop = 1;
  TrainerPtr t = makeTrainer(m.get());
  dlc_train_options o = options(3, 5, kAug, nullptr, true, nullptr);
  o.on_step = nullptr;
  o.stop = &stop;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_INTERRUPTED);
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 0); // set before: no step
}

/// The prefetch measurement: assembling a 96 x 32 x 32 x 3 batch with
/// flips, rotation and crop, and a training step of about that cost, once
/// spinning on the CPU (overlap needs a free core) and once sleeping (a step
/// off the CPU, as an accelerator's would be).
// A measurement, not a test (timings are noisy on shared machines): run it
// with --gtest_also_run_disabled_tests --gtest_filter='*PrefetchTiming*'.
TEST(AugmentPipelineTest, DISABLED_PrefetchTiming) {
  auto m = openImageModel(LargeImage::desc());
  const int64_t F = LargeImage::F, n = 960, bs = 96;
  std::vector<float> x, y;
  imageData(n, F, 7, x, y);
  DatasetPtr data = makeData(x, y, F, 1);
  pipelineLog().on = false;
  const char *aug = "flip_leftright,rotation=25,crop=32x32:4";
  auto wall = [&](bool prefetch, const char *a, double spin, double sleep) {
    pipelineLog().spinSeconds = spin;
    pipelineLog().sleepSeconds = sleep;
    TrainerPtr t = makeTrainer(m.get());
    dlc_train_options o;
    dlc_train_options_init(&o);
    o.epochs = 2;
    o.batch_size = bs;
    o.prefetch = prefetch;
    if (a)
      dlc_augment_options_parse(a, &o.augment);
    dlc_train_result r;
    EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r), DLC_OK);
    return r.seconds / (double)r.steps;
  };
  // A cheap step (the model's own linear math) without and with assembly.
  const double base = wall(false, nullptr, 0, 0);
  const double withAug = wall(false, aug, 0, 0);
  const double assembly = std::max(withAug - base, 1e-4);
  const double spinSync = wall(false, aug, assembly, 0);
  const double spinPre = wall(true, aug, assembly, 0);
  const double sleepSync = wall(false, aug, 0, assembly);
  const double sleepPre = wall(true, aug, 0, assembly);
  pipelineLog().on = true;
  pipelineLog().spinSeconds = pipelineLog().sleepSeconds = 0;
  double load = -1;
  getloadavg(&load, 1);
  std::printf("[ prefetch ] 96x32x32x3 flip+rotation+crop: assembly %.3f "
              "ms/batch, cheap step %.3f ms; + %.3f ms of step: spinning "
              "sync %.3f / prefetched %.3f ms/step, sleeping sync %.3f / "
              "prefetched %.3f ms/step (load average %.1f on %u cores)\n",
              1e3 * assembly, 1e3 * base, 1e3 * assembly, 1e3 * spinSync,
              1e3 * spinPre, 1e3 * sleepSync, 1e3 * sleepPre, load,
              std::thread::hardware_concurrency());
}

} // namespace
