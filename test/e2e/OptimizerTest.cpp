//===- OptimizerTest.cpp - M_train_step against the optimizer formulas ----===//
//
// From known parameters, each M_train_step must equal the update computed
// here in double from M_gradient's output at the same parameters:
//
//   clipping (clip_norm c > 0):  g *= c / max(||g||_2 over all params, c)
//   sgd:       w -= lr g
//   momentum:  a = m a + g;  w -= lr a                      (a: opt_state)
//   adam:      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//              lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)
//              w -= lr_t m / (sqrt(v) + eps)        (opt_state: m then v)
//   lr_decay d, decay_step k:  lr = lr0 d^((t - 1) / k), the exponent
//              floored with staircase (TensorFlow's exponential_decay at
//              the global step before the update)
//
// The reference carries its own optimizer state in double across steps and
// restarts each step from the library's parameters (the gradient is taken
// there). Parameters and optimizer state must match to 1e-5 relative; the
// learning rates are large enough that the updates are O(0.1), so 1e-5 of
// a parameter is ~1e-4 of its update. The step's returned loss and y_pred
// must equal M_gradient's loss without its L2 terms (TFLearn's console
// loss; M_gradient's is the objective its gradients are of) and M_forward's
// output before the update.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <cmath>
#include <cstdio>
#include <ostream>

using namespace dlc::e2e;

namespace {

/// Inactive: ||g|| < clip_norm; NearlyActive: clip_norm / 4 < ||g|| <
/// clip_norm; Active: ||g|| > 2 clip_norm; Disabled: clip_norm 0, ||g|| > 5.
enum class Clip { Inactive, NearlyActive, Active, Disabled };

struct OptCase {
  std::string name, file;
  int64_t optimizer; // enum dlc_optimizer_kind, checked in the descriptor
  int steps;
  double targetScale; // large targets give large gradients
  Clip clip;
  NetSpec spec;
  bool nearFit = false; // targets = prediction + targetScale * noise
  double lrDecay = 0;    // as written in the file (not in the descriptor)
  int64_t decayStep = 1;
  bool staircase = false;
};

void PrintTo(const OptCase &c, std::ostream *os) { *os << c.name; }

const std::vector<OptCase> &optimizerCases() {
  using A = Act;
  const NetSpec sgdNet = {"", 3, {{4, A::Tanh}, {2, A::Linear}}, Loss::MeanSquare};
  const NetSpec momentumNet = {
      "", 3, {{4, A::Tanh, true, 0.1}, {2, A::Linear}}, Loss::MeanSquare};
  const NetSpec adamNet = {
      "", 3, {{4, A::Sigmoid}, {3, A::Softmax}}, Loss::CategoricalCE};
  static const std::vector<OptCase> cases = {
      {"sgd", "opt_sgd.mlir", DLC_OPT_SGD, 1, 1, Clip::Inactive, sgdNet},
      {"momentum", "opt_momentum.mlir", DLC_OPT_MOMENTUM, 2, 1, Clip::Inactive,
       momentumNet},
      {"adam", "opt_adam.mlir", DLC_OPT_ADAM, 3, 1, Clip::Inactive, adamNet},
      {"clip_inactive", "opt_clip.mlir", DLC_OPT_SGD, 1, 1.5, Clip::NearlyActive,
       sgdNet, /*nearFit=*/true},
      {"clip_active", "opt_clip.mlir", DLC_OPT_SGD, 2, 20, Clip::Active,
       sgdNet},
      {"clip_disabled", "opt_noclip.mlir", DLC_OPT_SGD, 1, 20, Clip::Disabled,
       sgdNet},
      {"sgd_lr_decay", "opt_sgd_decay.mlir", DLC_OPT_SGD, 4, 1, Clip::Inactive,
       sgdNet, false, 0.5, 2, false},
      {"adam_staircase", "opt_adam_staircase.mlir", DLC_OPT_ADAM, 4, 1,
       Clip::Inactive, adamNet, false, 0.25, 2, true},
  };
  return cases;
}

/// max over i of |lib - ref| / max(|ref|, floor).
double maxRelError(const float *lib, const std::vector<double> &ref,
                   double floor, size_t *at = nullptr) {
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double e = std::fabs(lib[i] - ref[i]) / std::max(std::fabs(ref[i]), floor);
    if (e > worst) {
      worst = e;
      if (at)
        *at = i;
    }
  }
  return worst;
}

double maxAbs(const std::vector<double> &v) {
  double m = 0;
  for (double x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

class OptimizerCheck : public ::testing::TestWithParam<OptCase> {};

TEST_P(OptimizerCheck, TrainStepMatchesFormula) {
  const OptCase &c = GetParam();
  const dlc_model *model = loadModel(inputPath(c.file));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  NetSpec spec = c.spec;
  spec.file = c.file;
  ASSERT_TRUE(matchesSpec(spec, d));
  ASSERT_EQ(d.optimizer, c.optimizer);
  const int64_t P = d.param_floats;
  ASSERT_EQ(d.opt_state_floats, c.optimizer == DLC_OPT_SGD      ? 0
                                : c.optimizer == DLC_OPT_MOMENTUM ? P
                                                                  : 2 * P);
  if (c.clip == Clip::Disabled)
    ASSERT_EQ(d.clip_norm, 0.0);
  else
    ASSERT_GT(d.clip_norm, 0.0);

  const int64_t batch = 6;
  std::vector<float> params = randomParams(d, 1234, 1.0), x, y;
  randomData(spec, batch, 99, x, y);
  const std::vector<float> prediction = net.forward(params, x, batch);
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = (c.nearFit ? prediction[i] : 0.0f) + (float)c.targetScale * y[i];
  std::vector<float> state(d.opt_state_floats, 0.0f);
  std::vector<double> acc(P, 0.0), m(P, 0.0), v(P, 0.0); // reference state

  for (int64_t step = 1; step <= c.steps; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    std::vector<float> g, yPred;
    const float gradLoss = net.gradient(params, x, y, batch, g);
    const std::vector<float> yForward = net.forward(params, x, batch);
    double l2 = 0; // sum of decay / 2 * w^2 over the decayed weights
    for (int64_t k = 0; k < d.num_params; ++k)
      for (int64_t i = 0; i < d.params[k].size; ++i) {
        const double w = params[d.params[k].offset + i];
        l2 += d.params[k].weight_decay / 2 * w * w;
      }

    // The reference update, in double.
    std::vector<double> gd(g.begin(), g.end());
    double norm = 0;
    for (double e : gd)
      norm += e * e;
    norm = std::sqrt(norm);
    switch (c.clip) {
    case Clip::Inactive:
      ASSERT_LT(norm, d.clip_norm) << "the case is meant not to clip";
      break;
    case Clip::NearlyActive:
      ASSERT_LT(norm, d.clip_norm) << "the case is meant not to clip";
      ASSERT_GT(norm, d.clip_norm / 4) << "the case is meant to come close";
      break;
    case Clip::Active:
      ASSERT_GT(norm, 2 * d.clip_norm) << "the case is meant to clip";
      break;
    case Clip::Disabled:
      ASSERT_GT(norm, 5.0) << "the case is meant to have a large gradient";
      break;
    }
    if (d.clip_norm > 0)
      for (double &e : gd)
        e *= d.clip_norm / std::max(norm, d.clip_norm);
    std::vector<double> expected(P);
    double lr = d.learning_rate;
    if (c.lrDecay > 0) {
      double periods = double(step - 1) / double(c.decayStep);
      lr *= std::pow(c.lrDecay, c.staircase ? std::floor(periods) : periods);
    }
    for (int64_t i = 0; i < P; ++i) {
      switch (d.optimizer) {
      case DLC_OPT_SGD:
        expected[i] = params[i] - lr * gd[i];
        break;
      case DLC_OPT_MOMENTUM:
        acc[i] = d.momentum * acc[i] + gd[i];
        expected[i] = params[i] - lr * acc[i];
        break;
      case DLC_OPT_ADAM: {
        m[i] = d.beta1 * m[i] + (1 - d.beta1) * gd[i];
        v[i] = d.beta2 * v[i] + (1 - d.beta2) * gd[i] * gd[i];
        const double lrT = lr * std::sqrt(1 - std::pow(d.beta2, step)) /
                           (1 - std::pow(d.beta1, step));
        expected[i] = params[i] - lrT * m[i] / (std::sqrt(v[i]) + d.epsilon);
        break;
      }
      }
    }
    double moved = 0;
    for (int64_t i = 0; i < P; ++i)
      moved = std::max(moved, std::fabs(expected[i] - params[i]));
    EXPECT_GT(moved, 1e-2) << "the updates are too small to test";

    const float loss = net.trainStep(params, state, x, y, batch, step, yPred);
    EXPECT_NEAR(loss, gradLoss - l2, 1e-6 * std::max(1.f, std::fabs(gradLoss)))
        << "train_step's loss is not M_gradient's without its L2 terms ("
        << l2 << ")";
    if (c.name == "momentum")
      EXPECT_GT(l2, 1e-2) << "the L2 terms are too small to test";
    for (size_t i = 0; i < yPred.size(); ++i)
      ASSERT_NEAR(yPred[i], yForward[i], 1e-6) << "y_pred[" << i << "]";

    size_t at = 0;
    const double err = maxRelError(params.data(), expected, 1e-2, &at);
    EXPECT_LT(err, 1e-5) << "param " << at << ": " << params[at]
                         << ", expected " << expected[at];
    std::printf("[ info     ] %s step %lld: |g| %.3g, max update %.3g, "
                "max param error %.2e\n",
                c.name.c_str(), (long long)step, norm, moved, err);
    if (d.optimizer == DLC_OPT_MOMENTUM) {
      EXPECT_LT(maxRelError(state.data(), acc, 1e-3 * maxAbs(acc)), 1e-5)
          << "momentum accumulators";
    } else if (d.optimizer == DLC_OPT_ADAM) {
      EXPECT_LT(maxRelError(state.data(), m, 1e-3 * maxAbs(m)), 1e-5)
          << "adam m (opt_state[0, P))";
      EXPECT_LT(maxRelError(state.data() + P, v, 1e-3 * maxAbs(v)), 1e-5)
          << "adam v (opt_state[P, 2P))";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, OptimizerCheck, ::testing::ValuesIn(optimizerCases()),
    [](const ::testing::TestParamInfo<OptCase> &info) {
      return info.param.name;
    });

} // namespace
