//===- DeviceStepsTest.cpp - CUDA graphs and uploads on a simulated GPU ---===//
//
// The runtime's device path with CUDA graphs (runtime/lib/DeviceSteps.cpp)
// against fixtures/fake_device_model.c, which simulates cuda_abi.h on host
// memory with a graph's semantics (pointers fixed at capture, values read
// at replay, launches run at the next wait, uploads at once). Training must
// give exactly what the CPU fixture gives, with the steps run as graphs.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

using namespace dlc::test;

namespace {

/// The fake library's counters: captures, graph launches, direct graph-step
/// calls, plain train_step calls, uploads, buffers freed while an upload
/// still used them.
struct Counts {
  int64_t captures = 0, launches = 0, direct = 0, plain = 0, uploads = 0,
          freedInUse = 0;
};

Counts counts() {
  void *h = dlopen(DLC_TEST_FAKE_DEVICE_MODEL, RTLD_NOW | RTLD_NOLOAD);
  Counts c;
  if (!h)
    return c;
  auto fn = reinterpret_cast<void (*)(int64_t *)>(
      dlsym(h, "fake_device_counts"));
  int64_t v[6] = {};
  if (fn)
    fn(v);
  dlclose(h);
  c = {v[0], v[1], v[2], v[3], v[4], v[5]};
  return c;
}

Counts operator-(Counts a, Counts b) {
  return {a.captures - b.captures, a.launches - b.launches,
          a.direct - b.direct,     a.plain - b.plain,
          a.uploads - b.uploads,   a.freedInUse - b.freedInUse};
}

/// Sets an environment variable for the scope of a test.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name(name) {
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() { unsetenv(name); }

private:
  const char *name;
};

/// The softmax fixture's data: 10 rows, two classes.
DatasetPtr twoClasses() {
  std::vector<float> x, y;
  for (int i = 0; i < 10; ++i) {
    float a = (float)((i * 7) % 10) / 10.0f, b = (float)((i * 3) % 10) / 10.0f;
    x.insert(x.end(), {a, b});
    y.insert(y.end(), {a > b ? 1.0f : 0.0f, a > b ? 0.0f : 1.0f});
  }
  return makeData(x, y, 2, 2);
}

/// Trains `name` from the CPU fixture and the fake device with the same
/// options (validation on the training set, so evaluation runs between
/// steps); everything must be equal bit for bit. Returns the device's
/// counts over the training.
Counts trainBoth(const char *name, const DatasetPtr &data, int64_t epochs,
                 int64_t batch, std::string *summary = nullptr) {
  TrainerPair p;
  if (!p.open(DLC_TEST_LINEAR_MODEL, DLC_TEST_FAKE_DEVICE_MODEL, name))
    return {};
  dlc_trainer *cpu = p.cpu.get(), *gpu = p.gpu.get();
  dlc_train_options o = trainOptions(epochs, batch);
  dlc_train_result rc{}, rg{};
  const Counts before = counts();
  EXPECT_EQ(dlc_trainer_train(cpu, data.get(), data.get(), &o, &rc),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_train(gpu, data.get(), data.get(), &o, &rg),
            DLC_OK)
      << dlc_last_error();
  // A second call goes on with the graphs of the first.
  o.epochs = epochs + 1;
  EXPECT_EQ(dlc_trainer_train(cpu, data.get(), data.get(), &o, &rc),
            DLC_OK);
  EXPECT_EQ(dlc_trainer_train(gpu, data.get(), data.get(), &o, &rg),
            DLC_OK)
      << dlc_last_error();
  const Counts used = counts() - before;
  EXPECT_EQ(used.freedInUse, 0);
  expectSameTraining(rc, rg, cpu, gpu, dlc_model_get_desc(p.cpuModel.get()));
  EXPECT_EQ(dlc_trainer_device_summary(cpu), nullptr); // a CPU model
  const char *s = dlc_trainer_device_summary(gpu);
  if (summary)
    *summary = s ? s : "(null)";
  return used;
}

TEST(DeviceSteps, GraphsTrainAsOnTheCpu) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", nullptr);
  // 4 rows in batches of 3: a full and a short batch each epoch, so two
  // batch sizes, each run directly once, then captured per buffer set.
  std::string summary;
  Counts c = trainBoth("linear_model", orGate(), 5, 3, &summary);
  EXPECT_EQ(summary,
            "CUDA graphs: 4 captured; of 12 steps, 10 replayed, 2 run directly");
  EXPECT_EQ(c.plain, 0);
  EXPECT_EQ(c.direct, 2); // the first step of each batch size
  EXPECT_GE(c.captures, 2);
  EXPECT_LE(c.captures, 4); // two buffer sets x two sizes, kept
  EXPECT_EQ(c.launches + c.direct, 12);
  // Every batch after the first was uploaded during the step before it.
  EXPECT_EQ(c.uploads, 2 * (12 - 2));
}

TEST(DeviceSteps, SoftmaxGraphsTrainAsOnTheCpu) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", nullptr);
  Counts c = trainBoth("softmax_model", twoClasses(), 4, 4);
  EXPECT_EQ(c.plain, 0);
  EXPECT_GT(c.launches, c.direct);
}

TEST(DeviceSteps, ReplaysSeeEachStepAndItsBatch) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", nullptr);
  // probe returns the step as the loss and logs every batch it trains on
  // in its optimizer state: a replay that reads a stale step, or a batch
  // uploaded to the buffers of the step still queued, differs.
  std::vector<float> x, y;
  for (int i = 0; i < 7; ++i) {
    x.push_back(float(i + 1));
    y.push_back(float(2 * i));
  }
  Counts c = trainBoth("probe", makeData(x, y, 1, 1), 3, 2);
  EXPECT_GT(c.launches, 8);
}

/// Options for 2 epochs of batches of 2 that stop after step 3, while the
/// batch of step 4 is already uploaded.
dlc_train_options stopAtStep3() {
  dlc_train_options o = trainOptions(2, 2);
  o.on_step = [](const dlc_step_info *s, void *) -> int {
    return s->step == 3;
  };
  return o;
}

TEST(DeviceSteps, StoppingAfterAPrefetchThenGoingOnTrainsAsOnTheCpu) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", nullptr);
  // Stopped at step 3, while the batch of step 4 was already uploaded; the
  // next call trains on from step 4 with the pipeline's batch instead.
  dlc_model *cm = nullptr, *gm = nullptr;
  ASSERT_EQ(dlc_model_open_named(DLC_TEST_LINEAR_MODEL, "probe", &cm), DLC_OK);
  ASSERT_EQ(dlc_model_open_named(DLC_TEST_FAKE_DEVICE_MODEL, "probe", &gm),
            DLC_OK);
  ModelPtr cpuModel(cm), gpuModel(gm);
  std::vector<float> x, y;
  for (int i = 0; i < 9; ++i) {
    x.push_back(float(10 + i));
    y.push_back(0.0f);
  }
  DatasetPtr data = makeData(x, y, 1, 1);
  std::vector<float> logs[2];
  for (int k = 0; k < 2; ++k) {
    TrainerPtr t = makeTrainer(k ? gm : cm, 3);
    dlc_train_options o = stopAtStep3();
    dlc_train_result r{};
    EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r),
              DLC_INTERRUPTED);
    EXPECT_EQ(r.global_step, 3);
    o.on_step = nullptr;
    ASSERT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r), DLC_OK)
        << dlc_last_error();
    EXPECT_EQ(r.global_step, 10);
    const float *opt = dlc_trainer_opt_state(t.get());
    logs[k].assign(opt, opt + dlc_model_get_desc(cm)->opt_state_floats);
  }
  EXPECT_EQ(logs[0], logs[1]); // every batch, in order, once
}

TEST(DeviceSteps, StoppingWithAnUploadInFlightFreesNothingItUses) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", nullptr);
  // Stopped at step 3 while the batch of step 4 is uploaded, then the
  // trainer is destroyed: it must wait for the upload before it frees the
  // page-locked and device buffers the copy uses.
  dlc_model *gm = nullptr;
  ASSERT_EQ(dlc_model_open_named(DLC_TEST_FAKE_DEVICE_MODEL, "probe", &gm),
            DLC_OK);
  ModelPtr gpuModel(gm);
  std::vector<float> x(9, 1.0f), y(9, 0.0f);
  DatasetPtr data = makeData(x, y, 1, 1);
  const Counts before = counts();
  {
    TrainerPtr t = makeTrainer(gm, 3);
    dlc_train_options o = stopAtStep3();
    dlc_train_result r{};
    EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r),
              DLC_INTERRUPTED);
  }
  const Counts used = counts() - before;
  EXPECT_GE(used.uploads, 2 * 2); // x and y of steps 2 and 4 at least
  EXPECT_EQ(used.freedInUse, 0);
}

TEST(DeviceSteps, GraphsOffRunsPlainSteps) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", "0");
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", nullptr);
  std::string summary;
  Counts c = trainBoth("linear_model", orGate(), 3, 3, &summary);
  EXPECT_EQ(summary, "CUDA graphs: off (DLC_CUDA_GRAPHS=0)");
  EXPECT_EQ(c.captures, 0);
  EXPECT_EQ(c.launches, 0);
  EXPECT_EQ(c.direct, 0);
  EXPECT_EQ(c.uploads, 0);
  EXPECT_EQ(c.plain, 8);
}

TEST(DeviceSteps, FailedCaptureWarnsAndTrainsWithoutGraphs) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", "fail");
  testing::internal::CaptureStderr();
  std::string summary;
  Counts c = trainBoth("linear_model", orGate(), 3, 3, &summary);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(summary, "CUDA graphs: 0 captured; of 8 steps, 0 replayed, 2 run "
                     "directly, 6 without graphs after a failed capture "
                     "(simulated capture failure)");
  EXPECT_NE(err.find("dlc: warning: model 'linear_model': the training step "
                     "cannot be captured in a CUDA graph (simulated capture "
                     "failure); training goes on without graphs"),
            std::string::npos)
      << err;
  EXPECT_EQ(c.captures, 0);
  EXPECT_EQ(c.launches, 0);
  EXPECT_GE(c.plain, 1);
}

TEST(DeviceSteps, StaleGraphsAreCapturedAgain) {
  ScopedEnv graphs("DLC_CUDA_GRAPHS", nullptr);
  ScopedEnv mode("FAKE_DEVICE_CAPTURE", "stale");
  Counts c = trainBoth("linear_model", orGate(), 5, 3);
  EXPECT_EQ(c.plain, 0);
  EXPECT_GT(c.captures, 4); // more than one per buffer set and size
  EXPECT_EQ(c.launches + c.direct, 12);
}

} // namespace
