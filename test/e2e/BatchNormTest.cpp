//===- BatchNormTest.cpp - batch_normalization through compiled libraries -===//
//
// TFLearn's batch_normalization normalizes every channel (the last
// dimension) over the batch and the other dimensions:
//
//   training (M_gradient, M_train_step): the batch's mean and biased
//     variance; each step then sets moving = decay moving + (1 - decay) stat;
//   inference (M_forward, M_eval_step): the moving statistics.
//
//  - GradientMatchesFiniteDifferences: after a dense layer and after a
//    convolution, at batch sizes 5 and 13, every gradient element equals
//    the central difference of M_gradient's (training-mode) loss, as in
//    GradientTest.cpp (h = 1e-2, 1% relative above a 1e-2 floor); the
//    moving statistics do not change that loss and their slots are 0.
//  - The other tests put the layer right after the input, so its batch
//    statistics are the input's and a double-precision reference of the
//    whole network (BN, a linear dense layer, mean_square) is short:
//    M_gradient's loss and the step's prediction use the batch statistics,
//    M_forward and M_eval_step the moving ones; one or two M_train_step
//    calls move the moving statistics exactly by their average, with sgd
//    (clipping active: the statistics do not enter the global norm), adam,
//    rmsprop and adagrad, while the other parameters train.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

using namespace dlc::e2e;

namespace {

const dlc_param_desc *findParam(const dlc_model_desc &d, const char *name) {
  for (int64_t i = 0; i < d.num_params; ++i)
    if (std::strcmp(d.params[i].name, name) == 0)
      return &d.params[i];
  ADD_FAILURE() << "no parameter " << name;
  return nullptr;
}

bool isMoving(const dlc_param_desc &p) {
  return std::strstr(p.name, "/moving_") != nullptr;
}

std::vector<float> uniformData(int64_t n, uint64_t seed, double lo, double hi) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float &e : v)
    e = (float)rng.uniform(lo, hi);
  return v;
}

//===------------------------- Finite differences -------------------------===//

constexpr double kStep = 1e-2;
constexpr double kRelTol = 1e-2;
constexpr double kFloor = 1e-2;

class BatchNormGradient : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchNormGradient, MatchesFiniteDifferences) {
  const dlc_model *model = loadModel(inputPath(GetParam()));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  ASSERT_EQ(d.num_params, 8); // W, b, beta, gamma, moving_mean/variance, W, b
  for (int64_t batch : {5, 13}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<float> p = randomParams(d, 1000 + batch, 1.0);
    // The last dense layer: pre-activations O(1) for tanh.
    const dlc_param_desc *w2 = findParam(d, "FullyConnected/W");
    ASSERT_NE(w2, nullptr);
    for (int64_t k = 0; k < w2->size; ++k)
      p[w2->offset + k] *= (float)std::min(1.0, 1.5 / std::sqrt(w2->shape[0]));
    std::vector<float> x = uniformData(batch * net.inputWidth(), 7 + batch, -1, 1);
    std::vector<float> y = uniformData(batch * net.outputWidth(), 9 + batch, -1, 1);
    std::vector<float> g, scratch;
    const float loss = net.gradient(p, x, y, batch, g);
    ASSERT_TRUE(std::isfinite(loss));

    double worst = 0;
    int64_t aboveFloor = 0, failures = 0, tested = 0;
    for (int64_t k = 0; k < d.num_params; ++k) {
      const dlc_param_desc &pd = d.params[k];
      for (int64_t i = pd.offset; i < pd.offset + pd.size; ++i) {
        const float w = p[i], wPlus = (float)(w + kStep),
                    wMinus = (float)(w - kStep);
        p[i] = wPlus;
        const double lPlus = net.gradient(p, x, y, batch, scratch);
        p[i] = wMinus;
        const double lMinus = net.gradient(p, x, y, batch, scratch);
        p[i] = w;
        if (isMoving(pd)) {
          // Training ignores the moving statistics, and M_gradient zeroes
          // their slots.
          EXPECT_EQ(lPlus, loss) << pd.name;
          EXPECT_EQ(lMinus, loss) << pd.name;
          EXPECT_EQ(g[i], 0.0f) << pd.name << "[" << i - pd.offset << "]";
          continue;
        }
        ++tested;
        const double fd = (lPlus - lMinus) / (double(wPlus) - double(wMinus));
        const double magnitude = std::max(std::fabs((double)g[i]), std::fabs(fd));
        const double err = std::fabs(g[i] - fd) / std::max(magnitude, kFloor);
        aboveFloor += magnitude > kFloor;
        worst = std::max(worst, err);
        if (!(err < kRelTol) && ++failures <= 5)
          ADD_FAILURE() << pd.name << "[" << i - pd.offset << "]: gradient "
                        << g[i] << ", finite difference " << fd;
      }
    }
    EXPECT_EQ(failures, 0);
    EXPECT_GE(aboveFloor * 3, tested) << "too few gradients above the floor";
    std::printf("[ info     ] %s batch %2lld: max error %.2e, %lld of %lld "
                "above the floor\n",
                GetParam().c_str(), (long long)batch, worst,
                (long long)aboveFloor, (long long)tested);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, BatchNormGradient,
                         ::testing::Values("bn_dense.mlir", "bn_conv.mlir"),
                         [](const ::testing::TestParamInfo<std::string> &i) {
                           return i.param.substr(0, i.param.find('.'));
                         });

//===------------------ BN after the input: a reference --------------------===//

/// The network of bn_input_*.mlir: x [batch, 2, 2, 3] -> batch
/// normalization -> dense 12 -> 2 (linear) -> mean_square.
struct InputNet {
  static constexpr int64_t kSpatial = 4, kChannels = 3, kOut = 2;
  const dlc_param_desc *beta, *gamma, *mean, *var, *w, *b;
  double epsilon, decay;

  InputNet(const dlc_model_desc &d, double epsilon, double decay)
      : beta(findParam(d, "BatchNormalization/beta")),
        gamma(findParam(d, "BatchNormalization/gamma")),
        mean(findParam(d, "BatchNormalization/moving_mean")),
        var(findParam(d, "BatchNormalization/moving_variance")),
        w(findParam(d, "FullyConnected/W")),
        b(findParam(d, "FullyConnected/b")), epsilon(epsilon), decay(decay) {}
  bool valid() const { return beta && gamma && mean && var && w && b; }

  /// The input's mean and biased variance per channel, in double.
  static void batchStats(const std::vector<float> &x, int64_t batch,
                         std::vector<double> &m, std::vector<double> &v) {
    const int64_t count = batch * kSpatial;
    m.assign(kChannels, 0.0);
    v.assign(kChannels, 0.0);
    for (int64_t r = 0; r < count; ++r)
      for (int64_t c = 0; c < kChannels; ++c)
        m[c] += x[r * kChannels + c];
    for (double &e : m)
      e /= count;
    for (int64_t r = 0; r < count; ++r)
      for (int64_t c = 0; c < kChannels; ++c) {
        const double dv = x[r * kChannels + c] - m[c];
        v[c] += dv * dv;
      }
    for (double &e : v)
      e /= count;
  }

  /// The prediction and loss with the batch's statistics (training) or the
  /// moving ones.
  double run(const std::vector<float> &p, const std::vector<float> &x,
             const std::vector<float> &t, int64_t batch, bool training,
             std::vector<double> &y) const {
    std::vector<double> m(kChannels), v(kChannels);
    if (training) {
      batchStats(x, batch, m, v);
    } else {
      for (int64_t c = 0; c < kChannels; ++c)
        m[c] = p[mean->offset + c], v[c] = p[var->offset + c];
    }
    const int64_t in = kSpatial * kChannels;
    y.assign(batch * kOut, 0.0);
    double loss = 0;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t j = 0; j < kOut; ++j) {
        double s = p[b->offset + j];
        for (int64_t k = 0; k < in; ++k) {
          const int64_t c = k % kChannels;
          const double xn = p[gamma->offset + c] *
                                (x[n * in + k] - m[c]) /
                                std::sqrt(v[c] + epsilon) +
                            p[beta->offset + c];
          s += xn * p[w->offset + k * kOut + j];
        }
        y[n * kOut + j] = s;
        loss += (s - t[n * kOut + j]) * (s - t[n * kOut + j]);
      }
    return loss / double(batch * kOut);
  }

  /// Random parameters with positive moving variances.
  std::vector<float> randomParams(const dlc_model_desc &d, uint64_t seed) const {
    std::vector<float> p = dlc::e2e::randomParams(d, seed, 1.0);
    for (int64_t c = 0; c < kChannels; ++c)
      p[var->offset + c] = 0.5f + std::fabs(p[var->offset + c]);
    return p;
  }
};

void expectNear(double actual, double expected, double rel, const char *what) {
  EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::fabs(expected)))
      << what;
}

TEST(BatchNorm, InitialisesLikeTFLearn) {
  const dlc_model *model = loadModel(inputPath("bn_input_adam.mlir"));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  InputNet bn(d, 1e-5, 0.9);
  ASSERT_TRUE(bn.valid());
  EXPECT_EQ(bn.beta->init, DLC_INIT_ZEROS);
  EXPECT_EQ(bn.gamma->init, DLC_INIT_NORMAL);
  EXPECT_EQ(bn.gamma->init_a, 1.0);
  EXPECT_EQ(bn.gamma->init_b, 0.002);
  EXPECT_EQ(bn.mean->init, DLC_INIT_ZEROS);
  EXPECT_EQ(bn.var->init, DLC_INIT_CONSTANT);
  EXPECT_EQ(bn.var->init_a, 1.0);
  for (const dlc_param_desc *p : {bn.beta, bn.gamma, bn.mean, bn.var}) {
    EXPECT_EQ(p->rank, 1);
    EXPECT_EQ(p->shape[0], InputNet::kChannels);
    EXPECT_EQ(p->weight_decay, 0.0) << p->name;
  }
  const std::vector<float> p = net.initParams(42);
  bool gammaVaries = false;
  for (int64_t c = 0; c < InputNet::kChannels; ++c) {
    EXPECT_EQ(p[bn.beta->offset + c], 0.0f);
    EXPECT_NEAR(p[bn.gamma->offset + c], 1.0, 0.002 * 6);
    gammaVaries |= p[bn.gamma->offset + c] != 1.0f;
    EXPECT_EQ(p[bn.mean->offset + c], 0.0f);
    EXPECT_EQ(p[bn.var->offset + c], 1.0f);
  }
  EXPECT_TRUE(gammaVaries);

  // Non-default options reach the initialisers: beta 0.25 is a constant.
  const dlc_model *sgd = loadModel(inputPath("bn_input_sgd.mlir"));
  ASSERT_NE(sgd, nullptr);
  Net net2(sgd);
  InputNet bn2(net2.desc(), 1e-3, 0.8);
  ASSERT_TRUE(bn2.valid());
  EXPECT_EQ(bn2.beta->init, DLC_INIT_CONSTANT);
  EXPECT_EQ(bn2.beta->init_a, 0.25);
  EXPECT_EQ(bn2.gamma->init_a, 1.5);
  EXPECT_EQ(bn2.gamma->init_b, 0.1);
  const std::vector<float> p2 = net2.initParams(7);
  for (int64_t c = 0; c < InputNet::kChannels; ++c)
    EXPECT_EQ(p2[bn2.beta->offset + c], 0.25f);
}

TEST(BatchNorm, TrainingUsesBatchStatistics) {
  const dlc_model *model = loadModel(inputPath("bn_input_sgd.mlir"));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  InputNet bn(d, 1e-3, 0.8);
  ASSERT_TRUE(bn.valid());
  for (int64_t batch : {1, 5, 13}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<float> p = bn.randomParams(d, 50 + batch);
    // Inputs far from zero mean and unit variance.
    std::vector<float> x = uniformData(batch * net.inputWidth(), 3 + batch, 0.5, 3.0);
    std::vector<float> t = uniformData(batch * net.outputWidth(), 5 + batch, -1, 1);
    std::vector<double> yRef;
    const double ref = bn.run(p, x, t, batch, /*training=*/true, yRef);
    std::vector<float> g;
    expectNear(net.gradient(p, x, t, batch, g), ref, 1e-5, "M_gradient loss");
    for (const dlc_param_desc *m : {bn.mean, bn.var})
      for (int64_t c = 0; c < m->size; ++c)
        EXPECT_EQ(g[m->offset + c], 0.0f) << m->name;
    // The training step predicts with the batch's statistics too.
    std::vector<float> state(d.opt_state_floats, 0.0f), yPred;
    std::vector<float> q = p;
    expectNear(net.trainStep(q, state, x, t, batch, 1, yPred), ref, 1e-5,
               "M_train_step loss");
    for (size_t i = 0; i < yRef.size(); ++i)
      expectNear(yPred[i], yRef[i], 1e-5, "M_train_step prediction");
  }
}

TEST(BatchNorm, InferenceUsesMovingStatistics) {
  const dlc_model *model = loadModel(inputPath("bn_input_sgd.mlir"));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  InputNet bn(d, 1e-3, 0.8);
  ASSERT_TRUE(bn.valid());
  for (int64_t batch : {1, 5, 13}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<float> p = bn.randomParams(d, 70 + batch);
    std::vector<float> x = uniformData(batch * net.inputWidth(), 11 + batch, -2, 2);
    std::vector<float> t = uniformData(batch * net.outputWidth(), 13 + batch, -1, 1);
    std::vector<double> yRef;
    const double ref = bn.run(p, x, t, batch, /*training=*/false, yRef);
    const std::vector<float> y = net.forward(p, x, batch);
    for (size_t i = 0; i < yRef.size(); ++i)
      expectNear(y[i], yRef[i], 1e-5, "M_forward");
    std::vector<float> yEval;
    expectNear(net.evalStep(p, x, t, batch, yEval), ref, 1e-5, "M_eval_step");
    for (size_t i = 0; i < yRef.size(); ++i)
      expectNear(yEval[i], yRef[i], 1e-5, "M_eval_step prediction");
  }
}

struct StepCase {
  std::string file;
  double epsilon, decay, learningRate, clip;
};

void PrintTo(const StepCase &c, std::ostream *os) { *os << c.file; }

class BatchNormTrainStep : public ::testing::TestWithParam<StepCase> {};

/// Two steps on different batches: the moving statistics follow their
/// average exactly, the optimizer leaves them otherwise alone, and the
/// trained parameters move (for sgd: by the clipped gradient).
TEST_P(BatchNormTrainStep, MovingStatisticsFollowTheirAverage) {
  const StepCase &c = GetParam();
  const dlc_model *model = loadModel(inputPath(c.file));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  InputNet bn(d, c.epsilon, c.decay);
  ASSERT_TRUE(bn.valid());
  std::vector<float> p = bn.randomParams(d, 99);
  std::vector<float> state(d.opt_state_floats, 0.0f), yPred, g;
  std::vector<double> mean(p.begin() + bn.mean->offset,
                           p.begin() + bn.mean->offset + bn.mean->size);
  std::vector<double> var(p.begin() + bn.var->offset,
                          p.begin() + bn.var->offset + bn.var->size);
  int64_t step = 0;
  for (int64_t batch : {5, 13}) {
    SCOPED_TRACE("step " + std::to_string(step + 1));
    std::vector<float> x = uniformData(batch * net.inputWidth(), 21 + batch, -1, 4);
    std::vector<float> t = uniformData(batch * net.outputWidth(), 23 + batch, -3, 3);
    std::vector<float> before = p;
    net.gradient(p, x, t, batch, g);
    net.trainStep(p, state, x, t, batch, ++step, yPred);
    std::vector<double> bm, bv;
    InputNet::batchStats(x, batch, bm, bv);
    for (int64_t k = 0; k < InputNet::kChannels; ++k) {
      mean[k] = c.decay * mean[k] + (1 - c.decay) * bm[k];
      var[k] = c.decay * var[k] + (1 - c.decay) * bv[k];
      expectNear(p[bn.mean->offset + k], mean[k], 2e-6, "moving_mean");
      expectNear(p[bn.var->offset + k], var[k], 2e-6, "moving_variance");
    }
    // Every other parameter trains.
    for (int64_t k = 0; k < d.num_params; ++k) {
      const dlc_param_desc &pd = d.params[k];
      if (isMoving(pd))
        continue;
      bool moved = false;
      for (int64_t i = pd.offset; i < pd.offset + pd.size; ++i)
        moved |= p[i] != before[i];
      EXPECT_TRUE(moved) << pd.name << " did not train";
    }
    if (d.optimizer == DLC_OPT_SGD) {
      // The moving statistics' slots are zero before clipping, so the
      // global norm is that of the trained parameters' gradient.
      double norm = 0;
      for (float e : g)
        norm += double(e) * e;
      norm = std::sqrt(norm);
      ASSERT_GT(norm, c.clip) << "clipping is meant to be active";
      const double scale = c.clip / std::max(norm, c.clip);
      for (int64_t k = 0; k < d.num_params; ++k) {
        const dlc_param_desc &pd = d.params[k];
        if (isMoving(pd))
          continue;
        for (int64_t i = pd.offset; i < pd.offset + pd.size; ++i)
          EXPECT_NEAR(p[i], before[i] - c.learningRate * scale * g[i],
                      1e-6 * std::max(1.0, std::fabs((double)before[i])))
              << pd.name << "[" << i - pd.offset << "]";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, BatchNormTrainStep,
    ::testing::Values(StepCase{"bn_input_sgd.mlir", 1e-3, 0.8, 0.1, 0.5},
                      StepCase{"bn_input_adam.mlir", 1e-5, 0.9, 0.01, 5.0},
                      StepCase{"bn_input_rmsprop.mlir", 1e-5, 0.9, 0.01, 5.0},
                      StepCase{"bn_input_adagrad.mlir", 1e-5, 0.9, 0.01, 5.0}),
    [](const ::testing::TestParamInfo<StepCase> &i) {
      std::string name = i.param.file.substr(0, i.param.file.find('.'));
      return name.substr(name.rfind('_') + 1);
    });

} // namespace
