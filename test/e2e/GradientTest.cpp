//===- GradientTest.cpp - M_gradient against finite differences -----------===//
//
// For every model of gradientModels() (each activation, each loss with and
// without the fused forms, L2, two hidden layers, no bias, shapes past the
// kernels' tiles), at batch sizes 1, 5 and 13 (the kernels tile the batch by
// 8; 13 runs a full tile and the remainder loop):
//
//  - MatchesReference: the loss M_gradient returns, M_forward's output and
//    the gradient equal a double-precision reference of the network written
//    from dlc's documented semantics (E2ESupport.cpp); its gradient comes
//    from central differences in double (step 1e-6, exact to ~1e-9), and the
//    compiled float32 gradient must match it to 1e-4 relative (floor 1e-3;
//    the worst seen is 3e-5);
//  - MatchesFiniteDifferences: every element of the gradient equals the
//    central finite difference (L(w+h) - L(w-h)) / 2h in float32, where L is
//    the loss M_gradient itself returns;
//  - BatchGradientIsTheMean: the gradient of a batch is the mean of the
//    gradients of its examples: splitting 13 rows into 5 + 8 and weighting
//    gives the same gradient, and one row repeated 13 times gives the
//    gradient of that row alone.
//
// Choice of h and of the floor for the float32 finite differences. L is a
// float32 sum whose rounding error is a few ulps, which the quotient turns
// into an absolute error ~|dL| / h; its truncation error is ~h^2 |L'''| / 6,
// relative to the gradient. Measured against the exact gradient at
// h = 1e-2: the absolute error is at most 2.3e-5 (grad_wide, loss ~1.1,
// 2741 parameters), and the truncation error at most 2.2e-3 relative
// (tanh, L2). So h = 1e-2, and each element must satisfy
//
//     |g - fd| / max(|g|, |fd|, kFloor) < kRelTol = 1e-2,   kFloor = 1e-2:
//
// a relative error below 1% for gradients above 1e-2 (4x the worst
// truncation error) and an absolute one below 1e-4 under it (4x the worst
// rounding noise); the worst error seen is 2.3e-3. The small gradients are
// tested tightly by MatchesReference. So that the check cannot pass
// vacuously, at least a fifth of the elements must lie above the floor (the
// printed [ info ] lines give the counts). The evaluation points w +- h are
// rounded to float and the quotient divides by their actual distance; relu
// pre-activations are kept 3h away from the kink, and clamped probabilities
// away from the clamp bounds.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace dlc::e2e;

namespace {

constexpr double kStep = 1e-2;
constexpr double kRelTol = 1e-2;
constexpr double kFloor = 1e-2;
constexpr double kReferenceTol = 1e-4;
constexpr double kReferenceFloor = 1e-3;

const std::vector<NetSpec> &gradientModels() {
  using A = Act;
  static const std::vector<NetSpec> specs = {
      {"grad_linear.mlir", 3, {{2, A::Linear}}, Loss::MeanSquare},
      {"grad_sigmoid_mse.mlir",
       3,
       {{4, A::Sigmoid}, {2, A::Sigmoid}},
       Loss::MeanSquare},
      {"grad_tanh.mlir", 4, {{5, A::Tanh}, {2, A::Linear}}, Loss::MeanSquare},
      {"grad_relu.mlir", 4, {{6, A::Relu}, {2, A::Linear}}, Loss::MeanSquare},
      {"grad_softmax_cce.mlir",
       4,
       {{5, A::Tanh}, {3, A::Softmax}},
       Loss::CategoricalCE},
      {"grad_softmax_mse.mlir", 3, {{4, A::Softmax}}, Loss::MeanSquare},
      {"grad_sigmoid_bce.mlir", 4, {{3, A::Sigmoid}}, Loss::BinaryCE},
      {"grad_softmax_bce.mlir", 4, {{3, A::Softmax}}, Loss::BinaryCE},
      {"grad_sigmoid_cce.mlir", 4, {{3, A::Sigmoid}}, Loss::CategoricalCE},
      {"grad_l2.mlir",
       3,
       {{4, A::Tanh, true, 0.05}, {2, A::Linear, true, 0.2}},
       Loss::MeanSquare},
      {"grad_deep.mlir",
       3,
       {{6, A::Tanh}, {5, A::Relu}, {3, A::Softmax}},
       Loss::CategoricalCE},
      {"grad_nobias.mlir",
       4,
       {{5, A::Sigmoid, false}, {2, A::Linear}},
       Loss::MeanSquare},
      {"grad_wide.mlir",
       70,
       {{37, A::Tanh}, {3, A::Softmax}},
       Loss::CategoricalCE},
  };
  return specs;
}

/// Parameters and a batch of data for one check.
struct Sample {
  std::vector<float> params, x, y;
  Reference ref;
};

/// Random parameters (weights scaled by the fan-in so pre-activations are
/// O(1)) and data, redrawn until no relu pre-activation lies within 3h of
/// the kink (a perturbation of h moves a pre-activation by at most ~h here)
/// and no clamped probability is near its clamp bounds.
Sample pickSample(const NetSpec &spec, const dlc_model_desc &d, int64_t batch,
                  uint64_t seed) {
  Sample s;
  for (int attempt = 0; attempt < 1000; ++attempt, seed += 7919) {
    s.params = randomParams(d, seed, 1.0);
    for (int64_t i = 0; i < d.num_params; ++i) {
      const dlc_param_desc &p = d.params[i];
      double scale = p.rank == 2 ? std::min(1.0, 2.5 / std::sqrt(p.shape[0]))
                                 : 0.5;
      for (int64_t k = 0; k < p.size; ++k)
        s.params[p.offset + k] *= (float)scale;
    }
    randomData(spec, batch, seed + 1, s.x, s.y);
    s.ref = reference(spec, d, s.params, s.x, s.y, batch);
    if (s.ref.minReluMargin > 3 * kStep && s.ref.minProbMargin > 1e-3)
      return s;
  }
  ADD_FAILURE() << "no sample away from the relu kinks and clamp bounds";
  return s;
}

/// The name of the parameter holding element `i` of the params buffer, with
/// the element's index inside it.
std::string elementName(const dlc_model_desc &d, int64_t i) {
  for (int64_t k = 0; k < d.num_params; ++k)
    if (i >= d.params[k].offset && i < d.params[k].offset + d.params[k].size)
      return std::string(d.params[k].name) + "[" +
             std::to_string(i - d.params[k].offset) + "]";
  return "?";
}

class GradientCheck : public ::testing::TestWithParam<NetSpec> {
protected:
  void SetUp() override {
    model = loadModel(inputPath(GetParam().file));
    ASSERT_NE(model, nullptr);
    ASSERT_TRUE(matchesSpec(GetParam(), *dlc_model_get_desc(model)));
  }
  uint64_t seedFor(int64_t batch) const {
    uint64_t h = 1469598103934665603ull; // FNV-1a of the file name
    for (char c : GetParam().file)
      h = (h ^ (unsigned char)c) * 1099511628211ull;
    return h + (uint64_t)batch;
  }

  const dlc_model *model = nullptr;
};

TEST_P(GradientCheck, MatchesReference) {
  const NetSpec &spec = GetParam();
  Net net(model);
  const dlc_model_desc &d = net.desc();
  for (int64_t batch : {1, 5, 13}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Sample s = pickSample(spec, d, batch, seedFor(batch));
    std::vector<float> g;
    const float loss = net.gradient(s.params, s.x, s.y, batch, g);
    EXPECT_NEAR(loss, s.ref.loss, 2e-6 * std::max(1.0, std::fabs(s.ref.loss)));
    const std::vector<float> y = net.forward(s.params, s.x, batch);
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_NEAR(y[i], s.ref.y[i], 2e-6 * std::max(1.0, std::fabs(s.ref.y[i])))
          << "output " << i;
    // The reference's gradient is exact to ~1e-9: the compiled one, in
    // float32, must agree to 1e-4 (it does to ~3e-5 at worst).
    const std::vector<double> exact =
        referenceGradient(spec, d, s.params, s.x, s.y, batch);
    int64_t failures = 0;
    for (int64_t i = 0; i < d.param_floats; ++i) {
      const double err = std::fabs(g[i] - exact[i]) /
                         std::max(std::fabs(exact[i]), kReferenceFloor);
      if (!(err < kReferenceTol) && ++failures <= 5)
        ADD_FAILURE() << elementName(d, i) << ": gradient " << g[i]
                      << ", reference " << exact[i];
    }
  }
}

TEST_P(GradientCheck, MatchesFiniteDifferences) {
  const NetSpec &spec = GetParam();
  Net net(model);
  const dlc_model_desc &d = net.desc();
  for (int64_t batch : {1, 5, 13}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Sample s = pickSample(spec, d, batch, seedFor(batch));
    std::vector<float> g, scratch;
    net.gradient(s.params, s.x, s.y, batch, g);

    double worst = 0;
    int64_t worstAt = -1, aboveFloor = 0, failures = 0;
    std::vector<float> p = s.params;
    for (int64_t i = 0; i < d.param_floats; ++i) {
      const float w = p[i], wPlus = (float)(w + kStep),
                  wMinus = (float)(w - kStep);
      p[i] = wPlus;
      const double lPlus = net.gradient(p, s.x, s.y, batch, scratch);
      p[i] = wMinus;
      const double lMinus = net.gradient(p, s.x, s.y, batch, scratch);
      p[i] = w;
      const double fd = (lPlus - lMinus) / (double(wPlus) - double(wMinus));
      const double analytic = g[i];
      const double magnitude = std::max(std::fabs(analytic), std::fabs(fd));
      const double err = std::fabs(analytic - fd) / std::max(magnitude, kFloor);
      aboveFloor += magnitude > kFloor;
      if (err > worst)
        worst = err, worstAt = i;
      if (!(err < kRelTol) && ++failures <= 5)
        ADD_FAILURE() << elementName(d, i) << ": gradient " << g[i]
                      << ", finite difference " << fd << " (error " << err
                      << ")";
    }
    EXPECT_EQ(failures, 0) << "elements off by more than " << kRelTol;
    // Not vacuous: enough elements are tested relatively (small gradients
    // are legitimate: sigmoid' <= 1/4, means over batch and outputs, relu
    // units off for the whole batch).
    EXPECT_GE(aboveFloor * 5, d.param_floats)
        << "too few gradient elements above the floor " << kFloor;
    std::printf("[ info     ] %s batch %2lld: %lld params, max error %.2e "
                "at %s, %lld above the floor\n",
                spec.file.c_str(), (long long)batch,
                (long long)d.param_floats, worst,
                worstAt < 0 ? "-" : elementName(d, worstAt).c_str(),
                (long long)aboveFloor);
  }
}

/// max |a - b| over max(|b|, 1e-3), elementwise, for float32 sums that may
/// be associated differently.
double maxRelDiff(const std::vector<double> &a, const std::vector<float> &b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) /
                                std::max(std::fabs((double)b[i]), 1e-3));
  return worst;
}

TEST_P(GradientCheck, BatchGradientIsTheMean) {
  const NetSpec &spec = GetParam();
  Net net(model);
  const int64_t inW = net.inputWidth(), outW = net.outputWidth();
  Sample s = pickSample(spec, net.desc(), 13, seedFor(13));

  // 13 rows = 5 + 8: the gradient is the weighted mean of the two halves
  // (the L2 term, not per-example, is the same in all three).
  std::vector<float> g13, g5, g8;
  const float l13 = net.gradient(s.params, s.x, s.y, 13, g13);
  const float l5 = net.gradient(s.params, rows(s.x, inW, 0, 5),
                                rows(s.y, outW, 0, 5), 5, g5);
  const float l8 = net.gradient(s.params, rows(s.x, inW, 5, 8),
                                rows(s.y, outW, 5, 8), 8, g8);
  std::vector<double> mean(g13.size());
  for (size_t i = 0; i < mean.size(); ++i)
    mean[i] = (5.0 * g5[i] + 8.0 * g8[i]) / 13.0;
  EXPECT_LT(maxRelDiff(mean, g13), 1e-4);
  EXPECT_NEAR((5.0 * l5 + 8.0 * l8) / 13.0, l13, 1e-5 * std::max(1.f, l13));

  // One row repeated 13 times (a full tile and a tail) = that row alone.
  std::vector<float> x1 = rows(s.x, inW, 3, 1), y1 = rows(s.y, outW, 3, 1);
  std::vector<float> xRep, yRep, gRep, g1;
  for (int i = 0; i < 13; ++i) {
    xRep.insert(xRep.end(), x1.begin(), x1.end());
    yRep.insert(yRep.end(), y1.begin(), y1.end());
  }
  const float lRep = net.gradient(s.params, xRep, yRep, 13, gRep);
  const float l1 = net.gradient(s.params, x1, y1, 1, g1);
  EXPECT_LT(maxRelDiff(std::vector<double>(g1.begin(), g1.end()), gRep), 1e-4);
  EXPECT_NEAR(lRep, l1, 1e-5 * std::max(1.f, l1));
}

std::string specName(const ::testing::TestParamInfo<NetSpec> &info) {
  std::string name = info.param.file.substr(0, info.param.file.find('.'));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Models, GradientCheck,
                         ::testing::ValuesIn(gradientModels()), specName);

} // namespace
