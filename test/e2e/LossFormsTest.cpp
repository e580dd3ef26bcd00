//===- LossFormsTest.cpp - softmax_categorical_crossentropy on logits -----===//
//
// `loss softmax_categorical_crossentropy` after a linear layer is the same
// objective as a softmax layer trained with categorical_crossentropy (which
// the gradient and reference tests check against finite differences and
// PyTorch): same loss and gradients at the same parameters, and its
// predictions are the logits, whose softmax is the other model's output.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <cmath>

using namespace dlc::e2e;

namespace {

TEST(LossForms, SoftmaxCrossEntropyOnLogitsMatchesSoftmaxLayer) {
  const dlc_model *logits = loadModel(inputPath("loss_softmax_logits.mlir"));
  const dlc_model *probs = loadModel(inputPath("loss_softmax_probs.mlir"));
  ASSERT_NE(logits, nullptr);
  ASSERT_NE(probs, nullptr);
  Net a(logits), b(probs);
  ASSERT_EQ(a.paramFloats(), b.paramFloats());
  EXPECT_EQ(a.desc().loss, DLC_LOSS_SOFTMAX_CATEGORICAL_CROSSENTROPY);
  EXPECT_EQ(b.desc().loss, DLC_LOSS_CATEGORICAL_CROSSENTROPY);
  EXPECT_EQ(dlc_model_has_accuracy(logits), 1);

  const NetSpec spec = {"", 3, {{4, Act::Tanh}, {3, Act::Softmax}},
                        Loss::CategoricalCE};
  const int64_t batch = 7;
  std::vector<float> params = randomParams(a.desc(), 77, 1.0), x, y;
  randomData(spec, batch, 5, x, y);

  std::vector<float> ga, gb;
  const float la = a.gradient(params, x, y, batch, ga);
  const float lb = b.gradient(params, x, y, batch, gb);
  EXPECT_GT(la, 0.1f);
  EXPECT_NEAR(la, lb, 1e-5 * lb);
  for (size_t i = 0; i < ga.size(); ++i)
    EXPECT_NEAR(ga[i], gb[i], 1e-5 + 1e-4 * std::fabs(gb[i])) << "grad " << i;

  const std::vector<float> z = a.forward(params, x, batch);
  const std::vector<float> p = b.forward(params, x, batch);
  for (int64_t r = 0; r < batch; ++r) {
    double sum = 0;
    for (int64_t j = 0; j < 3; ++j)
      sum += std::exp(double(z[r * 3 + j]));
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_NEAR(std::exp(double(z[r * 3 + j])) / sum, p[r * 3 + j], 1e-6)
          << "row " << r << " class " << j;
  }
}

TEST(LossForms, AccuracyFollowsTheLoss) {
  // binary_crossentropy reports binary accuracy, mean_square none.
  const dlc_model *bce = loadModel(inputPath("grad_sigmoid_bce.mlir"));
  const dlc_model *mse = loadModel(inputPath("opt_sgd.mlir"));
  ASSERT_NE(bce, nullptr);
  ASSERT_NE(mse, nullptr);
  EXPECT_EQ(dlc_model_has_accuracy(bce), 2);
  EXPECT_EQ(dlc_model_has_accuracy(mse), 0);
}

} // namespace

namespace {

// Cross-entropies on outputs that are not a softmax's or a sigmoid's clamp
// them to [1e-7, 1 - 1e-7] (TFLearn's clip_by_value) before the log. Where
// an output was clamped the loss is flat, so its gradient is 0, as in
// TensorFlow, not the derivative at the clamp (~1e7).
TEST(LossForms, ClampedProbabilitiesHaveNoGradient) {
  {
    const dlc_model *m = loadModel(inputPath("clamped_cce.mlir"));
    ASSERT_NE(m, nullptr);
    Net net(m);
    // TFLearn's categorical_crossentropy: q = p / sum p, clipped to
    // [1e-10, 1]. p = sigmoid([-30, 0]) for x = 1: q0 = 1.9e-13 is clipped,
    // the loss is -log(1e-10), and flat in both weights (the other class
    // has target 0).
    const std::vector<float> params = {-30.0f, 0.0f};
    std::vector<float> g;
    const float loss = net.gradient(params, {1.0f}, {1.0f, 0.0f}, 1, g);
    EXPECT_NEAR(loss, -std::log(1e-10), 1e-3);
    EXPECT_EQ(g, (std::vector<float>{0.0f, 0.0f}));
    // Inside the range, x = 0.05: p = sigmoid([-1.5, 0]), s = p0 + p1,
    // dL/dp0 = (1 - 1 / q0) / s, dL/dp1 = 1 / s, through p (1 - p) x.
    const float inside = net.gradient(params, {0.05f}, {1.0f, 0.0f}, 1, g);
    const double p0 = 1.0 / (1.0 + std::exp(1.5)), p1 = 0.5, s = p0 + p1;
    const double q0 = p0 / s;
    EXPECT_NEAR(inside, -std::log(q0), 1e-5);
    EXPECT_NEAR(g[0], (1.0 - 1.0 / q0) / s * p0 * (1 - p0) * 0.05, 1e-6);
    EXPECT_NEAR(g[1], 1.0 / s * p1 * (1 - p1) * 0.05, 1e-6);
    // Every output underflowing to 0 (sigmoid(-200)): a row sum of 0 gives
    // q = 0, clipped, not 0 / 0.
    const float zero =
        net.gradient({-200.0f, -200.0f}, {1.0f}, {1.0f, 0.0f}, 1, g);
    EXPECT_NEAR(zero, -std::log(1e-10), 1e-3);
    EXPECT_EQ(g, (std::vector<float>{0.0f, 0.0f}));
  }
  {
    const dlc_model *m = loadModel(inputPath("clamped_bce.mlir"));
    ASSERT_NE(m, nullptr);
    Net net(m);
    ASSERT_EQ(net.desc().num_params, 1);
    // Logits [-10, 10]: softmax [2e-9, 1 - 2e-9], both clamped, targets
    // [1, 0]: the loss is flat in W.
    std::vector<float> g;
    const float loss =
        net.gradient({-10.0f, 10.0f}, {1.0f}, {1.0f, 0.0f}, 1, g);
    // Both elements at the clamp: -log(1e-7) and -log(1 - (1 - 1e-7)) in
    // float32, averaged.
    EXPECT_NEAR(loss, 16.03, 0.01);
    EXPECT_EQ(g, (std::vector<float>{0.0f, 0.0f}));
    // Logits [-1, 1]: inside, a gradient.
    net.gradient({-1.0f, 1.0f}, {1.0f}, {1.0f, 0.0f}, 1, g);
    EXPECT_GT(std::fabs(g[0]), 0.1f);
  }
}

} // namespace
