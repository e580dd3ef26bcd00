//===- PipelineTestModel.h - An image model for the data pipeline tests -*- C++ -*-===//
//
// A linear regression y = x . W + b on h x w x c images (input [?, H, W, C]),
// defined in the test and loaded with dlc_model_from_desc. Its train_step,
// eval_step and forward log the inputs they are given, so that the tests
// see exactly what the runtime's pipeline produced; train_step can also
// spin for a while to stand in for a step of some cost.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TEST_RUNTIME_PIPELINETESTMODEL_H
#define DLC_TEST_RUNTIME_PIPELINETESTMODEL_H

#include "dlc/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace dlc::test {

struct PipelineLog {
  bool on = true;
  std::vector<std::vector<float>> train, eval, forward;
  std::vector<int64_t> steps;
  double spinSeconds = 0; // each train_step busy-waits this long
  double sleepSeconds = 0; // and/or sleeps this long (a step off the CPU)
  void clear() { train.clear(), eval.clear(), forward.clear(), steps.clear(); }
};

inline PipelineLog &pipelineLog() {
  static PipelineLog log;
  return log;
}

template <int H, int W, int C> struct ImageModel {
  static constexpr int F = H * W * C;
  static void init(float *p, uint64_t seed) {
    for (int f = 0; f < F; ++f)
      p[f] = (float)((int)((seed + f) % 7) - 3) / 64.0f;
    p[F] = 0;
  }
  static void predict(const float *p, const float *x, float *y, int64_t b) {
    for (int64_t r = 0; r < b; ++r) {
      double acc = p[F];
      for (int f = 0; f < F; ++f)
        acc += (double)p[f] * x[r * F + f];
      y[r] = (float)acc;
    }
  }
  static void log(std::vector<std::vector<float>> &to, const float *x,
                  int64_t b) {
    if (pipelineLog().on)
      to.emplace_back(x, x + b * F);
  }
  static void forward(const float *p, const float *x, float *y, int64_t b,
                      void *) {
    log(pipelineLog().forward, x, b);
    predict(p, x, y, b);
  }
  static float lossAndGrad(const float *p, const float *x, const float *y,
                           int64_t b, float *g, float *yPred) {
    std::vector<float> pred(b);
    predict(p, x, pred.data(), b);
    double loss = 0;
    if (g)
      std::fill(g, g + F + 1, 0.0f);
    for (int64_t r = 0; r < b; ++r) {
      const float d = pred[r] - y[r];
      loss += (double)d * d;
      if (g) {
        for (int f = 0; f < F; ++f)
          g[f] += 2.0f * d * x[r * F + f] / (float)b;
        g[F] += 2.0f * d / (float)b;
      }
      if (yPred)
        yPred[r] = pred[r];
    }
    return (float)(loss / (double)b);
  }
  static float gradient(const float *p, const float *x, const float *y,
                        int64_t b, float *g, void *) {
    return lossAndGrad(p, x, y, b, g, nullptr);
  }
  static float trainStep(float *p, float *, const float *x, const float *y,
                         int64_t b, int64_t step, float *yPred, void *) {
    if (pipelineLog().spinSeconds > 0) {
      auto until = std::chrono::steady_clock::now() +
                   std::chrono::duration<double>(pipelineLog().spinSeconds);
      while (std::chrono::steady_clock::now() < until) {
      }
    }
    if (pipelineLog().sleepSeconds > 0)
      std::this_thread::sleep_for(
          std::chrono::duration<double>(pipelineLog().sleepSeconds));
    log(pipelineLog().train, x, b);
    if (pipelineLog().on)
      pipelineLog().steps.push_back(step);
    std::vector<float> g(F + 1);
    float loss = lossAndGrad(p, x, y, b, g.data(), yPred);
    for (int f = 0; f <= F; ++f)
      p[f] -= 0.001f * g[f];
    return loss;
  }
  static float evalStep(const float *p, const float *x, const float *y,
                        int64_t b, float *yPred, void *) {
    log(pipelineLog().eval, x, b);
    return lossAndGrad(p, x, y, b, nullptr, yPred);
  }
  static const dlc_model_desc *desc() {
    static const dlc_param_desc params[] = {
        {"fc/W", 2, {F, 1}, 0, F, DLC_INIT_ZEROS, 0.0, 0.0, 0.0},
        {"fc/b", 1, {1}, F, 1, DLC_INIT_ZEROS, 0.0, 0.0, 0.0}};
    static const dlc_model_desc d = {
        DLC_ABI_VERSION, H == 4 ? "img_small" : "img_large",
        4, {-1, H, W, C},
        2, {-1, 1},
        2, params, F + 1, 0,
        0, 0,
        DLC_OPT_SGD, DLC_LOSS_MEAN_SQUARE,
        0.001, 0.0, 0.0, 0.0, 0.0, 0.0,
        0xA0A0000ull + F,
        init, forward, gradient, trainStep, evalStep};
    return &d;
  }
};

using SmallImage = ImageModel<4, 4, 2>;   // 32 features
using LargeImage = ImageModel<32, 32, 3>; // CIFAR-sized

struct ImageModelCloser {
  void operator()(dlc_model *m) const { dlc_model_close(m); }
};
inline std::unique_ptr<dlc_model, ImageModelCloser>
openImageModel(const dlc_model_desc *desc) {
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_from_desc(desc, &m), DLC_OK) << dlc_last_error();
  return std::unique_ptr<dlc_model, ImageModelCloser>(m);
}

/// n images of F features with varied values, targets n x 1.
inline void imageData(int64_t n, int64_t F, uint64_t seed,
                      std::vector<float> &x, std::vector<float> &y) {
  dlc_rng rng;
  dlc_rng_seed(&rng, seed);
  x.resize(n * F);
  y.resize(n);
  for (float &v : x)
    v = (float)(dlc_rng_next(&rng) >> 40) / (float)(1 << 24) * 2.0f + 0.5f;
  for (float &v : y)
    v = (float)(dlc_rng_next(&rng) >> 40) / (float)(1 << 24);
}

} // namespace dlc::test

#endif // DLC_TEST_RUNTIME_PIPELINETESTMODEL_H
