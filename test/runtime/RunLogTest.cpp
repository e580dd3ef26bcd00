//===- RunLogTest.cpp - Event files and snapshots written while training --===//
//
// dlc_trainer_train with event_dir / checkpoint_dir: TFLearn's summaries
// step by step (values checked against what the step callback saw),
// gradient and weight histograms, snapshots by epoch and by step, the best
// checkpoint, rotation, and resuming from a directory.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <sys/stat.h>

using namespace dlc::test;

namespace {

/// 8 two-feature rows of 2 classes; the validation set is 4 other ones.
DatasetPtr classes() {
  return makeData({0, 0, 0, 1, 1, 0, 1, 1, 0.5f, 0.2f, 0.1f, 0.9f, 0.9f, 0.3f,
                   0.7f, 0.8f},
                  {1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1}, 2, 2);
}
DatasetPtr validation() {
  return makeData({0.2f, 0.1f, 0.3f, 0.9f, 0.8f, 0.1f, 0.6f, 0.6f},
                  {1, 0, 0, 1, 0, 1, 0, 1}, 2, 2);
}

struct Recorder {
  std::vector<dlc_step_info> steps;
  dlc_trainer *trainer = nullptr;
  std::vector<std::vector<float>> params; // after each step
  int64_t params_floats = 0;
};

int record(const dlc_step_info *info, void *user) {
  Recorder &r = *static_cast<Recorder *>(user);
  r.steps.push_back(*info);
  if (r.trainer) {
    const float *p = dlc_trainer_params(r.trainer);
    r.params.emplace_back(p, p + r.params_floats);
  }
  return 0;
}

dlc_train_options options(int64_t epochs, int64_t batch, Recorder *rec) {
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = epochs;
  o.batch_size = batch;
  o.on_step = record;
  o.user = rec;
  return o;
}

std::vector<std::pair<int64_t, float>>
expected(const std::vector<dlc_step_info> &steps,
         double (*value)(const dlc_step_info &), bool (*when)(const dlc_step_info &)) {
  std::vector<std::pair<int64_t, float>> out;
  for (const dlc_step_info &s : steps)
    if (when(s))
      out.emplace_back(s.step, (float)value(s));
  return out;
}

TEST(RunLogTest, ScalarsAreTFLearnsSummaries) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 5);
  DatasetPtr train = classes(), val = validation();
  Recorder rec;
  dlc_train_options o = options(2, 3, &rec);
  const std::string run = dir.file("runs/first");
  o.event_dir = run.c_str();
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  ASSERT_EQ(rec.steps.size(), 6u);
  RunScalars r = readRun(run);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.histograms, 0); // tensorboard_verbose 0
  auto always = [](const dlc_step_info &) { return true; };
  auto fromTwo = [](const dlc_step_info &s) { return s.step > 1; };
  auto validated = [](const dlc_step_info &s) { return s.has_val != 0; };
  // Bit for bit what the trainer computed (as float, TensorFlow's type).
  EXPECT_EQ(r.tags["Momentum/Loss/raw"],
            expected(rec.steps, [](const dlc_step_info &s) { return s.loss; },
                     always));
  EXPECT_EQ(r.tags["Loss"],
            expected(rec.steps,
                     [](const dlc_step_info &s) { return s.loss_avg; },
                     fromTwo));
  EXPECT_EQ(r.tags["Accuracy/__raw_"],
            expected(rec.steps, [](const dlc_step_info &s) { return s.acc; },
                     always));
  EXPECT_EQ(r.tags["Accuracy"],
            expected(rec.steps,
                     [](const dlc_step_info &s) { return s.acc_avg; },
                     fromTwo));
  auto valLoss = expected(
      rec.steps, [](const dlc_step_info &s) { return s.val_loss; }, validated);
  ASSERT_EQ(valLoss.size(), 2u); // each epoch end
  EXPECT_EQ(valLoss[0].first, 3);
  EXPECT_EQ(valLoss[1].first, 6);
  EXPECT_EQ(r.tags["Loss/Validation"], valLoss);
  EXPECT_EQ(r.tags["Accuracy/Validation"],
            expected(rec.steps,
                     [](const dlc_step_info &s) { return s.val_acc; },
                     validated));
  EXPECT_EQ(r.tags.size(), 6u);
}

TEST(RunLogTest, RegressionModelHasNoAccuracy) {
  TempDir dir;
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = orGate();
  Recorder rec;
  dlc_train_options o = options(3, 4, &rec);
  o.event_dir = dir.path.c_str();
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
  RunScalars r = readRun(dir.path);
  std::vector<std::string> tags;
  for (const auto &[tag, points] : r.tags)
    tags.push_back(tag);
  EXPECT_EQ(tags, (std::vector<std::string>{"Loss", "SGD/Loss/raw"}));
}

/// Gradients of the linear model (SGD, rate 0.25) from its parameters
/// before and after a step.
std::vector<double> gradients(const std::vector<float> &before,
                              const std::vector<float> &after) {
  std::vector<double> g;
  for (size_t i = 0; i < before.size(); ++i)
    g.push_back(((double)before[i] - after[i]) / 0.25);
  return g;
}

struct Histograms {
  std::map<std::string, std::map<int64_t, dlc_histogram>> byTag;
  std::vector<std::vector<double>> storage;
};

Histograms readHistograms(const std::string &dir) {
  Histograms h;
  RunScalars run = readRun(dir); // for the file list
  for (const std::string &file : run.files)
    dlc_event_file_read(
        file.c_str(),
        [](const dlc_event *e, void *user) {
          Histograms &h = *static_cast<Histograms *>(user);
          for (int64_t i = 0; i < e->num_values; ++i)
            if (e->values[i].is_histogram)
              h.byTag[e->values[i].tag][e->step] = e->values[i].histogram;
          return 0;
        },
        nullptr, &h);
  return h;
}

TEST(RunLogTest, GradientAndWeightHistograms) {
  TempDir dir;
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get(), 3);
  DatasetPtr data = orGate();
  Recorder rec;
  rec.trainer = t.get();
  rec.params_floats = 3;
  const float *p = dlc_trainer_params(t.get());
  std::vector<float> initial(p, p + 3);
  dlc_train_options o = options(3, 3, &rec); // steps of 3 and 1 rows
  o.event_dir = dir.path.c_str();
  o.tensorboard_verbose = 2;
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  ASSERT_EQ(rec.params.size(), 6u);
  // Each histogram's statistics are TensorFlow's (min, max, count, sum,
  // sum of squares) of the step's gradients and of the weights after it.
  // The event API hands back pointers valid during the callback only, so
  // only the scalar statistics are compared here.
  struct Stats {
    double min, max, num, sum, squares;
  };
  std::map<std::string, std::map<int64_t, Stats>> stats;
  RunScalars run = readRun(dir.path);
  for (const std::string &file : run.files)
    dlc_event_file_read(
        file.c_str(),
        [](const dlc_event *e, void *user) {
          auto &s = *static_cast<std::map<std::string, std::map<int64_t, Stats>> *>(user);
          for (int64_t i = 0; i < e->num_values; ++i)
            if (e->values[i].is_histogram) {
              const dlc_histogram &h = e->values[i].histogram;
              s[e->values[i].tag][e->step] = {h.min, h.max, h.num, h.sum,
                                              h.sum_squares};
            }
          return 0;
        },
        nullptr, &stats);
  ASSERT_EQ(stats.size(), 4u);
  std::vector<float> before = initial;
  for (int64_t step = 1; step <= 6; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const std::vector<float> &after = rec.params[step - 1];
    std::vector<double> g = gradients(before, after);
    const Stats &gw = stats["fc/W/Gradients"][step];
    EXPECT_EQ(gw.num, 2.0);
    EXPECT_NEAR(gw.sum, g[0] + g[1], 1e-6);
    EXPECT_NEAR(gw.min, std::min(g[0], g[1]), 1e-6);
    EXPECT_NEAR(gw.max, std::max(g[0], g[1]), 1e-6);
    const Stats &gb = stats["fc/b/Gradients"][step];
    EXPECT_EQ(gb.num, 1.0);
    EXPECT_NEAR(gb.sum, g[2], 1e-6);
    const Stats &w = stats["SGD/fc/W"][step];
    EXPECT_EQ(w.num, 2.0);
    EXPECT_EQ(w.min, std::min(after[0], after[1]));
    EXPECT_EQ(w.max, std::max(after[0], after[1]));
    EXPECT_EQ(w.sum, (double)after[0] + (double)after[1]);
    EXPECT_EQ(w.squares, (double)after[0] * after[0] + (double)after[1] * after[1]);
    EXPECT_EQ(stats["SGD/fc/b"][step].sum, (double)after[2]);
    before = after;
  }
}

TEST(RunLogTest, MovingStatisticsGetNoHistograms) {
  // TFLearn summarizes trainable variables only: batch normalization's
  // moving_mean and moving_variance (named so by dlc, as by TFLearn) get
  // neither a gradient nor a weight histogram. Here softmax_model's bias
  // stands in for one.
  TempDir dir;
  ModelPtr lib = openFixture("softmax_model");
  dlc_model_desc desc = *dlc_model_get_desc(lib.get());
  std::vector<dlc_param_desc> params(desc.params, desc.params + desc.num_params);
  ASSERT_EQ(std::string(params[1].name), "fc/b");
  params[1].name = "BatchNormalization/moving_variance";
  desc.params = params.data();
  dlc_model *raw = nullptr;
  ASSERT_EQ(dlc_model_from_desc(&desc, &raw), DLC_OK) << dlc_last_error();
  ModelPtr m(raw);
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = classes();
  dlc_train_options o = options(1, 3, nullptr);
  o.on_step = nullptr;
  o.event_dir = dir.path.c_str();
  o.tensorboard_verbose = 2;
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  Histograms h = readHistograms(dir.path);
  std::vector<std::string> tags;
  for (const auto &[tag, steps] : h.byTag)
    tags.push_back(tag);
  EXPECT_EQ(tags, (std::vector<std::string>{"Momentum/fc/W", "fc/W/Gradients"}));
}

TEST(RunLogTest, HistogramEveryNSteps) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = classes();
  dlc_train_options o = options(2, 3, nullptr);
  o.on_step = nullptr;
  o.event_dir = dir.path.c_str();
  o.tensorboard_verbose = 1;
  o.histogram_every = 2;
  ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
  Histograms h = readHistograms(dir.path);
  ASSERT_EQ(h.byTag.size(), 2u); // gradients only at level 1
  for (const char *tag : {"fc/W/Gradients", "fc/b/Gradients"}) {
    std::vector<int64_t> steps;
    for (const auto &[step, hist] : h.byTag[tag])
      steps.push_back(step);
    EXPECT_EQ(steps, (std::vector<int64_t>{2, 4, 6})) << tag;
  }
}

TEST(RunLogTest, LevelThreeAndBadOptionsAreRefused) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get());
  DatasetPtr data = classes();
  dlc_train_options o = options(1, 3, nullptr);
  o.on_step = nullptr;
  o.event_dir = dir.path.c_str();
  // The fixture's descriptors end before the activation fields (zero): no
  // M_activations, so no level 3.
  o.tensorboard_verbose = 3;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_MODEL);
  EXPECT_EQ(std::string(dlc_last_error()),
            "model 'softmax_model' does not expose its layers' activations "
            "(its library has no softmax_model_activations: built by a dlc "
            "without it, or no fully_connected, conv_2d or pooling layer): no "
            "activation histograms (tensorboard_verbose 2 works)");
  {
    // A table that points nowhere is refused too.
    dlc_model_desc bad = *dlc_model_get_desc(m.get());
    bad.num_activations = 1;
    bad.activation_floats = 4;
    dlc_model *raw = nullptr;
    ASSERT_EQ(dlc_model_from_desc(&bad, &raw), DLC_OK);
    ModelPtr badModel(raw);
    TrainerPtr t3 = makeTrainer(badModel.get());
    EXPECT_EQ(dlc_trainer_train(t3.get(), data.get(), nullptr, &o, nullptr),
              DLC_ERR_MODEL);
    EXPECT_EQ(std::string(dlc_last_error()),
              "model 'softmax_model' has a bad activation table (1 "
              "activations of 4 floats per example)");
  }
  o.tensorboard_verbose = 4;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_INVALID_ARGUMENT);
  o.tensorboard_verbose = 0;
  o.snapshot_step = -1;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path)); // nothing written

  // A model whose workspace cannot hold its gradients gets no histograms.
  dlc_model_desc desc = *dlc_model_get_desc(m.get());
  desc.workspace_fixed_bytes = 0;
  dlc_model *raw = nullptr;
  ASSERT_EQ(dlc_model_from_desc(&desc, &raw), DLC_OK);
  ModelPtr other(raw);
  TrainerPtr t2 = makeTrainer(other.get());
  o.snapshot_step = 0;
  o.tensorboard_verbose = 1;
  EXPECT_EQ(dlc_trainer_train(t2.get(), data.get(), nullptr, &o, nullptr),
            DLC_ERR_MODEL);
  EXPECT_NE(std::string(dlc_last_error())
                .find("does not keep its gradients at the start of the "
                      "workspace"),
            std::string::npos)
      << dlc_last_error();
  o.tensorboard_verbose = 0;
  EXPECT_EQ(dlc_trainer_train(t2.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
}

std::vector<int64_t> snapshotSteps(const std::string &dir,
                                   const std::string &model) {
  std::vector<int64_t> steps;
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.rfind(model + "-", 0) == 0 && name != model + "-best.ckpt")
      steps.push_back(std::stoll(name.substr(model.size() + 1)));
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

TEST(RunLogTest, SnapshotsByEpochAndStepAndTheBestOne) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 2);
  DatasetPtr train = classes(), val = validation();
  Recorder rec;
  dlc_train_options o = options(4, 3, &rec); // 3 steps an epoch, 12 in all
  const std::string ckpts = dir.file("ckpt");
  o.checkpoint_dir = ckpts.c_str();
  o.snapshot_step = 5;
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(snapshotSteps(ckpts, "softmax_model"),
            (std::vector<int64_t>{3, 5, 6, 9, 10, 12}));
  // Validation runs at every snapshot, mid-epoch ones included (TFLearn).
  std::vector<int64_t> validated;
  int64_t bestStep = 0, lowestLossStep = 0;
  double bestAcc = -1, bestLoss = INFINITY, lowestLoss = INFINITY;
  for (const dlc_step_info &s : rec.steps)
    if (s.has_val) {
      validated.push_back(s.step);
      ASSERT_TRUE(s.has_acc);
      if (s.val_acc > bestAcc || (s.val_acc == bestAcc && s.val_loss < bestLoss))
        bestAcc = s.val_acc, bestLoss = s.val_loss, bestStep = s.step;
      if (s.val_loss < lowestLoss)
        lowestLoss = s.val_loss, lowestLossStep = s.step;
    }
  EXPECT_EQ(validated, (std::vector<int64_t>{3, 5, 6, 9, 10, 12}));
  // The run is one where the two rules differ: TFLearn's (accuracy) wins.
  EXPECT_NE(bestStep, lowestLossStep);
  // The best checkpoint is the snapshot of the highest validation accuracy,
  // equal ones by the lower loss (TFLearn keeps the first of equal ones).
  const std::string bestPath = ckpts + "/softmax_model-best.ckpt";
  EXPECT_EQ(readFile(bestPath),
            readFile(ckpts + "/softmax_model-" + std::to_string(bestStep) +
                     ".ckpt"));
  TrainerPtr loaded = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(loaded.get(), bestPath.c_str()), DLC_OK);
  EXPECT_EQ(dlc_trainer_global_step(loaded.get()), bestStep);
  // A snapshot is the trainer as it was: training on from the step-5 one
  // (mid-epoch) gives the final parameters bit for bit.
  TrainerPtr resumed = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(resumed.get(),
                             (ckpts + "/softmax_model-5.ckpt").c_str()),
            DLC_OK);
  dlc_train_options plain = options(4, 3, nullptr);
  plain.on_step = nullptr;
  ASSERT_EQ(dlc_trainer_train(resumed.get(), train.get(), nullptr, &plain,
                              nullptr),
            DLC_OK);
  EXPECT_EQ(std::vector<float>(dlc_trainer_params(resumed.get()),
                               dlc_trainer_params(resumed.get()) + 6),
            std::vector<float>(dlc_trainer_params(t.get()),
                               dlc_trainer_params(t.get()) + 6));
}

TEST(RunLogTest, AResumedRunKeepsTheSameBestCheckpoint) {
  // 6 epochs straight, and the same stopped after epoch k and resumed from
  // the directory: the same best snapshot, byte for byte (its accuracy is
  // in every checkpoint), for every k and a few seeds.
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes(), val = validation();
  for (uint64_t seed : {2, 3, 5, 8})
    for (int64_t k = 1; k < 6; ++k) {
      TempDir straight, resumed;
      dlc_train_options o = options(6, 3, nullptr);
      o.on_step = nullptr;
      o.snapshot_step = 5;
      o.checkpoint_dir = straight.path.c_str();
      TrainerPtr t = makeTrainer(m.get(), seed);
      ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o,
                                  nullptr),
                DLC_OK);
      o.checkpoint_dir = resumed.path.c_str();
      o.epochs = k;
      TrainerPtr first = makeTrainer(m.get(), seed);
      ASSERT_EQ(dlc_trainer_train(first.get(), train.get(), val.get(), &o,
                                  nullptr),
                DLC_OK);
      TrainerPtr second = makeTrainer(m.get());
      ASSERT_EQ(dlc_trainer_load_latest(second.get(), resumed.path.c_str(),
                                        nullptr, nullptr, nullptr, 0),
                DLC_OK);
      o.epochs = 6;
      ASSERT_EQ(dlc_trainer_train(second.get(), train.get(), val.get(), &o,
                                  nullptr),
                DLC_OK);
      EXPECT_EQ(withoutRunId(readFile(resumed.file("softmax_model-best.ckpt"))),
                withoutRunId(readFile(straight.file("softmax_model-best.ckpt"))))
          << "seed " << seed << ", resumed after epoch " << k;
    }
}

TEST(RunLogTest, SavingTheSnapshotOfTheSameStateAgainKeepsTheFile) {
  // dlc train's final save after an epoch-end snapshot: the file (and the
  // best checkpoint's hard link to it) stays; a changed state is written.
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 2);
  DatasetPtr train = classes();
  dlc_train_options o = options(2, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = dir.path.c_str();
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  const std::string last = dir.file("softmax_model-6.ckpt");
  struct stat before, after;
  ASSERT_EQ(stat(last.c_str(), &before), 0);
  char path[512];
  ASSERT_EQ(dlc_trainer_save_snapshot(t.get(), dir.path.c_str(), 0, path,
                                      sizeof path),
            DLC_OK);
  EXPECT_EQ(std::string(path), last);
  ASSERT_EQ(stat(last.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  dlc_trainer_params(t.get())[0] += 1.0f;
  ASSERT_EQ(dlc_trainer_save_snapshot(t.get(), dir.path.c_str(), 0, path,
                                      sizeof path),
            DLC_OK);
  ASSERT_EQ(stat(last.c_str(), &after), 0);
  EXPECT_NE(after.st_ino, before.st_ino);
  TrainerPtr loaded = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(loaded.get(), last.c_str()), DLC_OK);
  EXPECT_EQ(dlc_trainer_params(loaded.get())[0], dlc_trainer_params(t.get())[0]);
}

TEST(RunLogTest, MaxCheckpointsKeepsTheNewest) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 2);
  DatasetPtr train = classes(), val = validation();
  dlc_train_options o = options(4, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = dir.path.c_str();
  o.snapshot_step = 5;
  o.max_checkpoints = 2;
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
            DLC_OK);
  EXPECT_EQ(snapshotSteps(dir.path, "softmax_model"),
            (std::vector<int64_t>{10, 12}));
  // The best one stays whatever the rotation removed.
  EXPECT_TRUE(std::filesystem::exists(dir.file("softmax_model-best.ckpt")));
  // Without epoch snapshots nor step ones there is nothing: the best
  // checkpoint is chosen among the snapshots, as TFLearn does.
  TempDir other;
  TrainerPtr t2 = makeTrainer(m.get(), 2);
  o.checkpoint_dir = other.path.c_str();
  o.snapshot_step = 0;
  o.snapshot_epoch = 0;
  ASSERT_EQ(dlc_trainer_train(t2.get(), train.get(), val.get(), &o, nullptr),
            DLC_OK);
  EXPECT_TRUE(std::filesystem::is_empty(other.path));
}

struct Notices {
  std::vector<std::string> messages;
};
void notice(const char *message, void *user) {
  static_cast<Notices *>(user)->messages.push_back(message);
}

TEST(RunLogTest, LoadLatestFallsBackPastABadSnapshot) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get(), 2);
  DatasetPtr train = classes();
  dlc_train_options o = options(3, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = dir.path.c_str();
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  ASSERT_EQ(snapshotSteps(dir.path, "softmax_model"),
            (std::vector<int64_t>{3, 6, 9}));
  // Files of another model and temporaries are not snapshots of this one.
  writeFile(dir.file("linear_model-12.ckpt"), "x");
  writeFile(dir.file("softmax_model-12.ckpt.tmp.99"), "x");
  char path[512];
  Notices n;
  TrainerPtr fresh = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load_latest(fresh.get(), dir.path.c_str(), notice, &n,
                                    path, sizeof path),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(std::string(path), dir.file("softmax_model-9.ckpt"));
  EXPECT_EQ(dlc_trainer_global_step(fresh.get()), 9);
  EXPECT_TRUE(n.messages.empty());

  // The newest is cut short (a copy gone wrong; dlc never writes one so):
  // a clear message, and the previous one loads.
  const std::string newest = dir.file("softmax_model-9.ckpt");
  std::string bytes = readFile(newest);
  writeFile(newest, bytes.substr(0, bytes.size() / 2));
  TrainerPtr again = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load_latest(again.get(), dir.path.c_str(), notice, &n,
                                    path, sizeof path),
            DLC_OK);
  EXPECT_EQ(std::string(path), dir.file("softmax_model-6.ckpt"));
  EXPECT_EQ(dlc_trainer_global_step(again.get()), 6);
  ASSERT_EQ(n.messages.size(), 1u);
  EXPECT_EQ(n.messages[0].rfind(newest + ": truncated at offset ", 0), 0u)
      << n.messages[0];
  EXPECT_NE(n.messages[0].find("; trying the previous checkpoint, " +
                               dir.file("softmax_model-6.ckpt")),
            std::string::npos)
      << n.messages[0];

  // Also corrupt the next one: a flipped bit is a checksum error.
  const std::string middle = dir.file("softmax_model-6.ckpt");
  bytes = readFile(middle);
  bytes[bytes.size() / 2] ^= 0x08;
  writeFile(middle, bytes);
  n.messages.clear();
  ASSERT_EQ(dlc_trainer_load_latest(again.get(), dir.path.c_str(), notice, &n,
                                    path, sizeof path),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_global_step(again.get()), 3);
  ASSERT_EQ(n.messages.size(), 2u);
  EXPECT_NE(n.messages[1].find("checksum mismatch"), std::string::npos);

  // None left: the oldest one's error.
  const std::string oldest = dir.file("softmax_model-3.ckpt");
  writeFile(oldest, "not a checkpoint");
  EXPECT_EQ(dlc_trainer_load_latest(again.get(), dir.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_ERR_FORMAT);
  EXPECT_EQ(std::string(dlc_last_error()),
            oldest + ": not a dlc checkpoint (bad magic at offset 0)");
}

TEST(RunLogTest, LoadLatestErrors) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(m.get());
  EXPECT_EQ(dlc_trainer_load_latest(t.get(), dir.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_ERR_IO);
  EXPECT_EQ(std::string(dlc_last_error()),
            dir.path + ": no checkpoint of model 'softmax_model' "
                       "(softmax_model-<step>.ckpt) in this directory");
  std::string missing = dir.file("none");
  EXPECT_EQ(dlc_trainer_load_latest(t.get(), missing.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_ERR_IO);
  EXPECT_EQ(std::string(dlc_last_error()),
            missing + ": not a checkpoint directory");
}

TEST(RunLogTest, AnotherRunsSnapshotsAreNeverOverwritten) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes(), val = validation();
  dlc_train_options o = options(3, 3, nullptr); // 3 steps an epoch
  o.on_step = nullptr;
  o.checkpoint_dir = dir.path.c_str();
  {
    TrainerPtr t = makeTrainer(m.get(), 2);
    ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
              DLC_OK);
    // Training on in the same process continues the same run.
    o.epochs = 4;
    ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
              DLC_OK)
        << dlc_last_error();
  }
  ASSERT_EQ(snapshotSteps(dir.path, "softmax_model"),
            (std::vector<int64_t>{3, 6, 9, 12}));
  std::map<std::string, std::string> before;
  for (const auto &e : std::filesystem::directory_iterator(dir.path))
    before[e.path().string()] = readFile(e.path().string());
  auto unchanged = [&] {
    std::map<std::string, std::string> now;
    for (const auto &e : std::filesystem::directory_iterator(dir.path))
      now[e.path().string()] = readFile(e.path().string());
    return now == before;
  };

  // A fresh trainer (another run) is refused before its first step,
  // whatever the spelling of the directory.
  const std::string slashed = dir.path + "/";
  o.checkpoint_dir = slashed.c_str();
  TrainerPtr fresh = makeTrainer(m.get(), 5);
  auto anotherRun = [&](const std::string &d, const std::string &file) {
    return d + ": the checkpoint directory holds " + file +
           ", a checkpoint of another training run, which this run would mix "
           "with its "
           "own snapshots, replace or delete. To continue that run, resume "
           "from the directory (dlc train --resume " +
           d + ", dlc_trainer_load_latest); to start another, choose another "
               "directory or move its files away";
  };
  EXPECT_EQ(dlc_trainer_train(fresh.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()),
            anotherRun(slashed, slashed + "softmax_model-12.ckpt"));
  EXPECT_EQ(dlc_trainer_global_step(fresh.get()), 0);
  EXPECT_TRUE(unchanged());

  // So is a trainer resumed from a checkpoint of another run, even one
  // past the directory's newest step (it would rotate them away).
  TempDir elsewhere;
  const std::string later = elsewhere.file("later.ckpt");
  {
    TrainerPtr other = makeTrainer(m.get(), 7);
    dlc_train_options plain = options(6, 3, nullptr);
    plain.on_step = nullptr;
    ASSERT_EQ(dlc_trainer_train(other.get(), train.get(), nullptr, &plain,
                                nullptr),
              DLC_OK);
    ASSERT_EQ(dlc_trainer_save(other.get(), later.c_str()), DLC_OK);
  }
  TrainerPtr adopted = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(adopted.get(), later.c_str()), DLC_OK);
  o.epochs = 7;
  o.max_checkpoints = 1;
  EXPECT_EQ(dlc_trainer_train(adopted.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()),
            anotherRun(slashed, slashed + "softmax_model-12.ckpt"));
  EXPECT_TRUE(unchanged());
  o.max_checkpoints = 0;

  // A trainer of this run resumed from an older snapshot would overwrite
  // the newer ones.
  TrainerPtr older = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(older.get(), dir.file("softmax_model-6.ckpt").c_str()),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_train(older.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()),
            slashed + ": the checkpoint directory holds 2 later snapshots of "
                      "this run of model 'softmax_model' (after step 6, where "
                      "it starts; the newest: " +
                dir.file("softmax_model-12.ckpt") +
                ", step 12), which it would overwrite or fork. To continue "
                "from the newest, resume from the directory (dlc train "
                "--resume " +
                slashed + ", dlc_trainer_load_latest); else choose another "
                          "directory or move those files away");
  EXPECT_TRUE(unchanged());
  // Even a run that stops before them (a second history beside them,
  // which --resume DIR would not take).
  o.epochs = 3;
  o.batch_size = 9; // one step: to step 7
  EXPECT_EQ(dlc_trainer_train(older.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_TRUE(unchanged());
  o.batch_size = 3;
  // With nothing to train it writes nothing, and is not refused.
  o.epochs = 2;
  EXPECT_EQ(dlc_trainer_train(older.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_TRUE(unchanged());
  o.epochs = 7;

  // The same run's state saved elsewhere (or reached through a symbolic
  // link) continues in its directory.
  const std::string saved = elsewhere.file("saved.ckpt");
  {
    TrainerPtr t = makeTrainer(m.get());
    ASSERT_EQ(dlc_trainer_load(t.get(), dir.file("softmax_model-12.ckpt").c_str()),
              DLC_OK);
    ASSERT_EQ(dlc_trainer_save(t.get(), saved.c_str()), DLC_OK);
  }
  TrainerPtr continued = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(continued.get(), saved.c_str()), DLC_OK);
  o.epochs = 4; // nothing to train, nothing written
  EXPECT_EQ(dlc_trainer_train(continued.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_TRUE(unchanged());

  // With only the best checkpoint left, a fresh run is refused too.
  TempDir bestOnly;
  std::filesystem::copy_file(dir.file("softmax_model-best.ckpt"),
                             bestOnly.file("softmax_model-best.ckpt"));
  o.checkpoint_dir = bestOnly.path.c_str();
  EXPECT_EQ(dlc_trainer_train(fresh.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()),
            anotherRun(bestOnly.path, bestOnly.file("softmax_model-best.ckpt")));

  // Resuming from the directory continues there; the snapshots
  // dlc_trainer_load_latest passed over as damaged are written anew.
  const std::string newest = dir.file("softmax_model-12.ckpt");
  writeFile(newest, "cut short");
  o.checkpoint_dir = dir.path.c_str();
  TrainerPtr resumed = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load_latest(resumed.get(), dir.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_global_step(resumed.get()), 9);
  o.epochs = 5;
  ASSERT_EQ(dlc_trainer_train(resumed.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(snapshotSteps(dir.path, "softmax_model"),
            (std::vector<int64_t>{3, 6, 9, 12, 15}));
  TrainerPtr check = makeTrainer(m.get());
  EXPECT_EQ(dlc_trainer_load(check.get(), newest.c_str()), DLC_OK);

  // One it passed over for another reason (here: a newer format) is left
  // alone, and named.
  std::string future = readFile(dir.file("softmax_model-15.ckpt"));
  future[8] = 9; // format version 9
  writeFile(dir.file("softmax_model-18.ckpt"), future);
  ASSERT_EQ(dlc_trainer_load_latest(resumed.get(), dir.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_global_step(resumed.get()), 15);
  o.epochs = 6;
  EXPECT_EQ(dlc_trainer_train(resumed.get(), train.get(), val.get(), &o,
                              nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(std::string(dlc_last_error()),
            dir.file("softmax_model-18.ckpt") +
                " (step 18) is newer than the snapshot this run resumed "
                "from, and the run would overwrite it, but it was passed "
                "over: " +
                dir.file("softmax_model-18.ckpt") +
                ": unsupported checkpoint format version 9 at offset 8 (this "
                "runtime reads versions 1 to 4). Move it away or fix it "
                "first");
  EXPECT_EQ(readFile(dir.file("softmax_model-18.ckpt")), future);
}

TEST(RunLogTest, OneRunAtATimeInACheckpointDirectory) {
  // While one trainer trains into a directory (here: from its step
  // callback), another is refused there, and may go elsewhere.
  TempDir dir, other;
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes();
  struct Probe {
    const dlc_model *model;
    const dlc_dataset *data;
    std::string dir, other;
    dlc_status inSame = DLC_OK, inOther = DLC_ERR_INTERNAL;
    std::string error;
  } probe{m.get(), train.get(), dir.path, other.path};
  dlc_train_options o = options(1, 3, nullptr);
  o.checkpoint_dir = dir.path.c_str();
  o.user = &probe;
  o.on_step = [](const dlc_step_info *s, void *user) -> int {
    Probe &p = *static_cast<Probe *>(user);
    if (s->step != 1)
      return 0;
    TrainerPtr second = makeTrainer(p.model, 4);
    dlc_train_options q = options(1, 3, nullptr);
    q.on_step = nullptr;
    q.checkpoint_dir = p.dir.c_str();
    p.inSame = dlc_trainer_train(second.get(), p.data, nullptr, &q, nullptr);
    p.error = dlc_last_error();
    q.checkpoint_dir = p.other.c_str();
    p.inOther = dlc_trainer_train(second.get(), p.data, nullptr, &q, nullptr);
    return 0;
  };
  TrainerPtr first = makeTrainer(m.get(), 2);
  ASSERT_EQ(dlc_trainer_train(first.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  EXPECT_EQ(probe.inSame, DLC_ERR_MISMATCH);
  EXPECT_EQ(probe.error,
            dir.path + ": another training process is writing snapshots in "
                       "this checkpoint directory (it holds its lock); wait "
                       "for it to end, or choose another directory");
  EXPECT_EQ(probe.inOther, DLC_OK);
  // Released at the end: the first run goes on there.
  o.on_step = nullptr;
  o.epochs = 2;
  EXPECT_EQ(dlc_trainer_train(first.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
}

/// A version 3 file (before run ids) of a version 4 checkpoint.
void makeVersionThree(const std::string &path) {
  std::string bytes = readFile(path);
  bytes = bytes.substr(0, bytes.size() - 12); // less the run id and CRC
  bytes[8] = 3;
  uint32_t crc = dlc_crc32(0, bytes.data(), bytes.size());
  bytes.append(reinterpret_cast<const char *>(&crc), 4);
  writeFile(path, bytes);
}

TEST(RunLogTest, FilesFromBeforeRunIdsAreOneRunPerDirectory) {
  // Two directories of checkpoints from before run ids (format 3): each
  // state goes on in its own directory, and is refused in the other one.
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes();
  TempDir a, b;
  for (auto [dir, seed] : {std::pair{&a, 2}, std::pair{&b, 5}}) {
    TrainerPtr t = makeTrainer(m.get(), seed);
    dlc_train_options o = options(2, 3, nullptr);
    o.on_step = nullptr;
    o.checkpoint_dir = dir->path.c_str();
    ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
              DLC_OK);
    for (const char *step : {"3", "6"})
      makeVersionThree(dir->file(std::string("softmax_model-") + step + ".ckpt"));
  }
  TrainerPtr fromA = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load_latest(fromA.get(), a.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_OK);
  dlc_train_options o = options(3, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = b.path.c_str();
  o.max_checkpoints = 1;
  EXPECT_EQ(dlc_trainer_train(fromA.get(), train.get(), nullptr, &o, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_NE(std::string(dlc_last_error())
                .find(", a checkpoint of another training run, "),
            std::string::npos)
      << dlc_last_error();
  EXPECT_EQ(snapshotSteps(b.path, "softmax_model"),
            (std::vector<int64_t>{3, 6}));
  o.checkpoint_dir = a.path.c_str();
  o.max_checkpoints = 0;
  EXPECT_EQ(dlc_trainer_train(fromA.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(snapshotSteps(a.path, "softmax_model"),
            (std::vector<int64_t>{3, 6, 9}));
  // Its state saved elsewhere is of the same run: it goes back there.
  TempDir out;
  ASSERT_EQ(dlc_trainer_save(fromA.get(), out.file("final.ckpt").c_str()),
            DLC_OK);
  TrainerPtr again = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(again.get(), out.file("final.ckpt").c_str()),
            DLC_OK);
  o.epochs = 4;
  EXPECT_EQ(dlc_trainer_train(again.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(snapshotSteps(a.path, "softmax_model"),
            (std::vector<int64_t>{3, 6, 9, 12}));
}

TEST(RunLogTest, ALegacyDirectoryGoesOnAfterARename) {
  // Files from before run ids, resumed once (the run's new files carry the
  // id of the directory's run), then the directory moved: still one run.
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes();
  TempDir top;
  const std::string r1 = top.file("r1"), r2 = top.file("r2");
  dlc_train_options o = options(2, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = r1.c_str();
  TrainerPtr t = makeTrainer(m.get(), 2);
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  for (const char *step : {"3", "6"})
    makeVersionThree(r1 + "/softmax_model-" + step + ".ckpt");
  for (auto [dir, epochs] : {std::pair{&r1, 3}, std::pair{&r2, 4}}) {
    if (dir == &r2)
      std::filesystem::rename(r1, r2);
    TrainerPtr resumed = makeTrainer(m.get());
    ASSERT_EQ(dlc_trainer_load_latest(resumed.get(), dir->c_str(), nullptr,
                                      nullptr, nullptr, 0),
              DLC_OK);
    o.checkpoint_dir = dir->c_str();
    o.epochs = epochs;
    EXPECT_EQ(dlc_trainer_train(resumed.get(), train.get(), nullptr, &o,
                                nullptr),
              DLC_OK)
        << dlc_last_error();
  }
  EXPECT_EQ(snapshotSteps(r2, "softmax_model"),
            (std::vector<int64_t>{3, 6, 9, 12}));
}

TEST(RunLogTest, AnotherNetworkOfTheSameNameIsAnotherRun) {
  // Same model name, another architecture (fingerprint): its checkpoints
  // are not this run's, whatever their size says.
  TempDir dir;
  ModelPtr lib = openFixture("softmax_model");
  DatasetPtr train = classes();
  dlc_train_options o = options(1, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = dir.path.c_str();
  TrainerPtr t = makeTrainer(lib.get(), 2);
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  dlc_model_desc desc = *dlc_model_get_desc(lib.get());
  desc.fingerprint ^= 1;
  dlc_model *raw = nullptr;
  ASSERT_EQ(dlc_model_from_desc(&desc, &raw), DLC_OK);
  ModelPtr other(raw);
  TrainerPtr u = makeTrainer(other.get(), 2);
  o.epochs = 1;
  EXPECT_EQ(dlc_trainer_train(u.get(), train.get(), nullptr, &o, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_NE(std::string(dlc_last_error())
                .find(", a checkpoint of another model of this name (another "
                      "network), "),
            std::string::npos)
      << dlc_last_error();
}

TEST(RunLogTest, TwoForksOfOneStateAreNeverMixed) {
  // Two runs resumed from one directory into two others are forks: each a
  // run of its own, refused in the other's directory.
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes();
  TempDir base, a, b;
  dlc_train_options o = options(1, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = base.path.c_str();
  TrainerPtr t = makeTrainer(m.get(), 2);
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  for (auto [dir, epochs] : {std::pair{&a, 3}, std::pair{&b, 2}}) {
    TrainerPtr fork = makeTrainer(m.get());
    ASSERT_EQ(dlc_trainer_load_latest(fork.get(), base.path.c_str(), nullptr,
                                      nullptr, nullptr, 0),
              DLC_OK);
    o.checkpoint_dir = dir->path.c_str();
    o.epochs = epochs;
    ASSERT_EQ(dlc_trainer_train(fork.get(), train.get(), nullptr, &o, nullptr),
              DLC_OK)
        << dlc_last_error();
  }
  TrainerPtr fromA = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load_latest(fromA.get(), a.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_OK);
  o.checkpoint_dir = b.path.c_str();
  o.epochs = 4;
  EXPECT_EQ(dlc_trainer_train(fromA.get(), train.get(), nullptr, &o, nullptr),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(snapshotSteps(b.path, "softmax_model"),
            (std::vector<int64_t>{6}));
  // Each goes on in its own.
  o.checkpoint_dir = a.path.c_str();
  EXPECT_EQ(dlc_trainer_train(fromA.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK)
      << dlc_last_error();
}

TEST(RunLogTest, AnOlderFileThatCannotBeToldDoesNotBlockResuming) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes();
  dlc_train_options o = options(2, 3, nullptr);
  o.on_step = nullptr;
  o.checkpoint_dir = dir.path.c_str();
  TrainerPtr t = makeTrainer(m.get(), 2);
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  std::string old = readFile(dir.file("softmax_model-3.ckpt"));
  writeFile(dir.file("softmax_model-3.ckpt"), old.substr(0, old.size() - 8));
  TrainerPtr resumed = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load_latest(resumed.get(), dir.path.c_str(), nullptr,
                                    nullptr, nullptr, 0),
            DLC_OK);
  o.epochs = 3;
  EXPECT_EQ(dlc_trainer_train(resumed.get(), train.get(), nullptr, &o,
                              nullptr),
            DLC_OK)
      << dlc_last_error();
}

TEST(RunLogTest, ASnapshotFromTheStepCallbackWritesUnderTheRunsLock) {
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes();
  TrainerPtr t = makeTrainer(m.get(), 2);
  struct Probe {
    dlc_trainer *t;
    std::string dir;
    dlc_status status = DLC_ERR_INTERNAL;
    std::string error;
  } probe{t.get(), dir.path};
  dlc_train_options o = options(1, 3, nullptr);
  o.checkpoint_dir = dir.path.c_str();
  o.snapshot_epoch = 0;
  o.user = &probe;
  o.on_step = [](const dlc_step_info *s, void *user) -> int {
    Probe &p = *static_cast<Probe *>(user);
    if (s->step == 2) {
      p.status = dlc_trainer_save_snapshot(p.t, p.dir.c_str(), 0, nullptr, 0);
      p.error = dlc_last_error();
    }
    return 0;
  };
  ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), nullptr, &o, nullptr),
            DLC_OK);
  EXPECT_EQ(probe.status, DLC_OK) << probe.error;
  EXPECT_EQ(snapshotSteps(dir.path, "softmax_model"), std::vector<int64_t>{2});
}

TEST(RunLogTest, ResumedRunContinuesTheEventsExactly) {
  // Reference: 4 epochs straight. Then the same, stopped at step 7 (mid
  // epoch), with steps 8-9 trained but not snapshotted, then resumed from
  // the directory: TensorBoard's view of the run is the reference's.
  TempDir dir;
  ModelPtr m = openFixture("softmax_model");
  DatasetPtr train = classes(), val = validation();
  const std::string refRun = dir.file("runs/ref"), run = dir.file("runs/cut"),
                    ckpts = dir.file("ckpt");
  {
    TrainerPtr t = makeTrainer(m.get(), 11);
    dlc_train_options o = options(4, 3, nullptr);
    o.on_step = nullptr;
    o.event_dir = refRun.c_str();
    o.snapshot_step = 7; // validation at step 7 too, as in the others
    ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
              DLC_OK);
  }
  {
    TrainerPtr t = makeTrainer(m.get(), 11);
    dlc_train_options o = options(4, 3, nullptr);
    o.on_step = [](const dlc_step_info *s, void *) -> int { return s->step == 9; };
    o.event_dir = run.c_str();
    o.checkpoint_dir = ckpts.c_str();
    o.snapshot_epoch = 0;
    o.snapshot_step = 7;
    ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
              DLC_INTERRUPTED);
  }
  ASSERT_EQ(snapshotSteps(ckpts, "softmax_model"), std::vector<int64_t>{7});
  {
    TrainerPtr t = makeTrainer(m.get());
    ASSERT_EQ(dlc_trainer_load_latest(t.get(), ckpts.c_str(), nullptr, nullptr,
                                      nullptr, 0),
              DLC_OK);
    dlc_train_options o = options(4, 3, nullptr);
    o.on_step = nullptr;
    o.event_dir = run.c_str();
    o.snapshot_step = 7;
    ASSERT_EQ(dlc_trainer_train(t.get(), train.get(), val.get(), &o, nullptr),
              DLC_OK);
  }
  RunScalars ref = readRun(refRun), cut = readRun(run);
  EXPECT_EQ(cut.files.size(), 2u);
  for (const char *tag : {"Loss", "Momentum/Loss/raw", "Accuracy",
                          "Accuracy/__raw_", "Loss/Validation",
                          "Accuracy/Validation"})
    EXPECT_EQ(cut.tags[tag], ref.tags[tag]) << tag;
  EXPECT_EQ(ref.tags["Momentum/Loss/raw"].size(), 12u);
}

} // namespace
