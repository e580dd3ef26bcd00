//===- InitTest.cpp - M_init_params ---------------------------------------===//
//
// Inputs/init.mlir has one layer per weights_init kind. init_params must be
// a pure function of the seed (same seed: same bytes; another seed: other
// values), stay inside param_floats, zero the biases, and draw each kind
// from its distribution:
//  - truncated_normal(0, 0.02) on the 784x512 layer (401,408 draws): every
//    value within 2 stddev, sample mean ~0, sample std 0.02 * 0.87963 (the
//    std of a standard normal truncated to [-2, 2]) within 1% (~9 sigma of
//    the estimate), values reaching close to the bounds, and no correlation
//    between neighbours;
//  - uniform [-0.5, 0.25]: inside the range, mean and std of U(a, b);
//  - normal(0, 0.1): mean ~0, std 0.1 within 4% (5 sigma of 7680 draws);
//  - xavier and uniform_scaling: inside their limits
//    sqrt(6 / (fan_in + fan_out)) and sqrt(3 / fan_in);
//  - zeros: zeros.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <cmath>
#include <cstring>

using namespace dlc::e2e;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 1e300, max = -1e300, neighbourCorr = 0;
};

Stats stats(const float *v, int64_t n) {
  Stats s;
  for (int64_t i = 0; i < n; ++i) {
    s.mean += v[i];
    s.min = std::min(s.min, (double)v[i]);
    s.max = std::max(s.max, (double)v[i]);
  }
  s.mean /= n;
  double var = 0, cov = 0;
  for (int64_t i = 0; i < n; ++i) {
    var += (v[i] - s.mean) * (v[i] - s.mean);
    if (i + 1 < n)
      cov += (v[i] - s.mean) * (v[i + 1] - s.mean);
  }
  s.std = std::sqrt(var / (n - 1));
  s.neighbourCorr = var > 0 ? cov / var : 0;
  return s;
}

class InitParams : public ::testing::Test {
protected:
  void SetUp() override {
    model = loadModel(inputPath("init.mlir"));
    ASSERT_NE(model, nullptr);
    const dlc_model_desc &d = *dlc_model_get_desc(model);
    ASSERT_EQ(d.num_params, 12);
    for (int64_t i = 0; i < 6; ++i) {
      ASSERT_EQ(std::string(d.params[2 * i].name),
                (i ? "FullyConnected_" + std::to_string(i) : "FullyConnected") +
                    "/W");
      ASSERT_EQ(d.params[2 * i + 1].init, DLC_INIT_ZEROS) << "biases";
    }
  }
  const dlc_param_desc &weight(int layer) const {
    return dlc_model_get_desc(model)->params[2 * layer];
  }

  const dlc_model *model = nullptr;
};

TEST_F(InitParams, SameSeedSameBytesOtherSeedOtherValues) {
  Net net(model);
  const std::vector<float> a = net.initParams(1), b = net.initParams(1);
  ASSERT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
      << "init_params(seed 1) twice differs";
  for (uint64_t other : {0ull, 2ull, 1ull | (1ull << 32), ~0ull}) {
    SCOPED_TRACE("seed " + std::to_string(other));
    const std::vector<float> c = net.initParams(other);
    int64_t nonZero = 0, differ = 0;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != 0 || c[i] != 0) {
        ++nonZero;
        differ += a[i] != c[i];
      }
    EXPECT_GT(nonZero, 400000);
    EXPECT_GT(differ, nonZero * 99 / 100)
        << "another seed should change (almost) every random value";
  }
}

TEST_F(InitParams, DescriptorRecordsTheInitialisers) {
  EXPECT_EQ(weight(0).init, DLC_INIT_TRUNCATED_NORMAL);
  EXPECT_EQ(weight(0).init_a, 0.0);
  EXPECT_DOUBLE_EQ(weight(0).init_b, 0.02);
  EXPECT_EQ(weight(1).init, DLC_INIT_UNIFORM);
  EXPECT_EQ(weight(1).init_a, -0.5);
  EXPECT_EQ(weight(1).init_b, 0.25);
  EXPECT_EQ(weight(2).init, DLC_INIT_NORMAL);
  EXPECT_DOUBLE_EQ(weight(2).init_b, 0.1);
  EXPECT_EQ(weight(3).init, DLC_INIT_XAVIER);
  EXPECT_EQ(weight(4).init, DLC_INIT_UNIFORM_SCALING);
  EXPECT_EQ(weight(5).init, DLC_INIT_ZEROS);
}

TEST_F(InitParams, Distributions) {
  Net net(model);
  const dlc_model_desc &d = net.desc();
  const std::vector<float> p = net.initParams(42);
  auto values = [&](const dlc_param_desc &q) { return p.data() + q.offset; };

  for (int64_t i = 1; i < d.num_params; i += 2) {
    const dlc_param_desc &b = d.params[i];
    for (int64_t k = 0; k < b.size; ++k)
      ASSERT_EQ(values(b)[k], 0.0f) << b.name << "[" << k << "]";
  }

  { // truncated_normal(0, 0.02), 784 x 512
    SCOPED_TRACE("truncated_normal");
    const dlc_param_desc &w = weight(0);
    ASSERT_EQ(w.size, 784 * 512);
    const float *v = values(w);
    for (int64_t k = 0; k < w.size; ++k)
      ASSERT_LE(std::fabs(v[k]), 2 * 0.02f * (1 + 1e-6f)) << "element " << k;
    const Stats s = stats(v, w.size);
    const double sigma = 0.02 * 0.8796256610342398;
    EXPECT_NEAR(s.std, sigma, 0.01 * sigma);
    EXPECT_NEAR(s.mean, 0.0, 5 * sigma / std::sqrt((double)w.size));
    EXPECT_GT(s.max, 0.039);
    EXPECT_LT(s.min, -0.039);
    EXPECT_LT(std::fabs(s.neighbourCorr), 0.01);
  }
  { // uniform [-0.5, 0.25], 512 x 96
    SCOPED_TRACE("uniform");
    const dlc_param_desc &w = weight(1);
    const float *v = values(w);
    for (int64_t k = 0; k < w.size; ++k) {
      ASSERT_GE(v[k], -0.5f) << "element " << k;
      ASSERT_LE(v[k], 0.25f) << "element " << k;
    }
    const Stats s = stats(v, w.size);
    const double sigma = 0.75 / std::sqrt(12.0);
    EXPECT_NEAR(s.mean, -0.125, 5 * sigma / std::sqrt((double)w.size));
    EXPECT_NEAR(s.std, sigma, 0.03 * sigma);
    EXPECT_LT(s.min, -0.49);
    EXPECT_GT(s.max, 0.24);
    EXPECT_LT(std::fabs(s.neighbourCorr), 0.03);
  }
  { // normal(0, 0.1), 96 x 80
    SCOPED_TRACE("normal");
    const dlc_param_desc &w = weight(2);
    const Stats s = stats(values(w), w.size);
    EXPECT_NEAR(s.mean, 0.0, 5 * 0.1 / std::sqrt((double)w.size));
    EXPECT_NEAR(s.std, 0.1, 0.04 * 0.1);
    EXPECT_GT(s.max, 0.2) << "a normal, not a truncated one, reaches 2 sigma";
  }
  { // xavier, 80 x 16; uniform_scaling, 16 x 8
    const double xavier = std::sqrt(6.0 / (80 + 16)),
                 scaling = std::sqrt(3.0 / 16);
    for (auto [layer, limit] : {std::pair{3, xavier}, {4, scaling}}) {
      SCOPED_TRACE(weight(layer).name);
      const Stats s = stats(values(weight(layer)), weight(layer).size);
      EXPECT_GE(s.min, -limit * (1 + 1e-6));
      EXPECT_LE(s.max, limit * (1 + 1e-6));
      EXPECT_LT(s.min, -0.8 * limit) << "the range is not used";
      EXPECT_GT(s.max, 0.8 * limit) << "the range is not used";
    }
  }
  { // zeros, 8 x 4
    const dlc_param_desc &w = weight(5);
    for (int64_t k = 0; k < w.size; ++k)
      ASSERT_EQ(values(w)[k], 0.0f);
  }
}

} // namespace

namespace {

TEST(InitConvParams, XavierCountsTheReceptiveFieldInBothFans) {
  const dlc_model *model = loadModel(inputPath("init_conv.mlir"));
  ASSERT_NE(model, nullptr);
  const dlc_model_desc &d = *dlc_model_get_desc(model);
  ASSERT_EQ(d.num_params, 6);
  Net net(model);
  const std::vector<float> p = net.initParams(7);
  // 3x3x4x6 xavier: fan_in 36, fan_out 54 (TensorFlow's
  // variance_scaling_initializer); 3x3x6x5 uniform_scaling: fan_in 54.
  const double xavier = std::sqrt(6.0 / (36 + 54)),
               scaling = std::sqrt(3.0 / 54);
  for (auto [index, limit] : {std::pair{0, xavier}, {2, scaling}}) {
    const dlc_param_desc &w = d.params[index];
    SCOPED_TRACE(w.name);
    ASSERT_EQ(w.size, index == 0 ? 216 : 270);
    const Stats s = stats(p.data() + w.offset, w.size);
    EXPECT_GE(s.min, -limit * (1 + 1e-6));
    EXPECT_LE(s.max, limit * (1 + 1e-6));
    EXPECT_LT(s.min, -0.8 * limit) << "the range is not used";
    EXPECT_GT(s.max, 0.8 * limit) << "the range is not used";
  }
}

} // namespace
