//===- RandomVector.h - Seeded test data for the CUDA tests -----*- C++ -*-===//

#ifndef DLC_TEST_CUDA_RANDOMVECTOR_H
#define DLC_TEST_CUDA_RANDOMVECTOR_H

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

/// `n` floats uniform in [-1, 1), the same for the same seed.
inline std::vector<float> randomVector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = u(rng);
  return v;
}

#endif // DLC_TEST_CUDA_RANDOMVECTOR_H
