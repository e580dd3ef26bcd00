//===- Metrics.cpp - Shuffling generator, moving averages, accuracy -------===//
//
// The generator is xoshiro256** (Blackman & Vigna) seeded with splitmix64, so
// a seed fixes every shuffle on every platform. The moving average is
// TFLearn's; runtime.h explains why it lags one step.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <utility>

namespace {
uint64_t splitmix64(uint64_t &x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
} // namespace

void dlc_rng_seed(dlc_rng *rng, uint64_t seed) {
  for (uint64_t &word : rng->s)
    word = splitmix64(seed);
}

uint64_t dlc_rng_next(dlc_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t dlc_rng_below(dlc_rng *rng, uint64_t bound) {
  // Lemire's multiply-and-reject: unbiased, rarely divides.
  if (bound <= 1)
    return 0;
  __uint128_t m = (__uint128_t)dlc_rng_next(rng) * bound;
  uint64_t low = (uint64_t)m;
  if (low < bound) {
    uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = (__uint128_t)dlc_rng_next(rng) * bound;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

void dlc_rng_shuffle(dlc_rng *rng, int64_t *idx, int64_t n) {
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(idx[i], idx[dlc_rng_below(rng, (uint64_t)i + 1)]);
}

double dlc_ema_decay(int64_t step) {
  // tf.train.ExponentialMovingAverage(0.9, num_updates): min(0.9,
  // (1 + n) / (10 + n)) with n = the training step before this one.
  double n = (double)(step - 1);
  return std::min(0.9, (1.0 + n) / (10.0 + n));
}

double dlc_ema_update(double avg, double x, int64_t step) {
  double decay = dlc_ema_decay(step);
  return decay * avg + (1.0 - decay) * x;
}

double dlc_batch_accuracy(const float *y_pred, const float *y, int64_t rows,
                          int64_t width) {
  if (rows <= 0 || width <= 0)
    return 0.0;
  int64_t correct = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float *p = y_pred + r * width, *t = y + r * width;
    correct += std::max_element(p, p + width) - p ==
               std::max_element(t, t + width) - t;
  }
  return (double)correct / (double)rows;
}

double dlc_batch_binary_accuracy(const float *y_pred, const float *y,
                                 int64_t rows, int64_t width) {
  if (rows <= 0 || width <= 0)
    return 0.0;
  int64_t correct = 0, n = rows * width;
  for (int64_t i = 0; i < n; ++i)
    correct += (y_pred[i] > 0.5f) == (y[i] > 0.5f);
  return (double)correct / (double)n;
}
