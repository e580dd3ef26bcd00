// bench/or_handwritten.cpp: the physical reference for the OR benchmark, the
// same training loop as dlc's train_step written by hand (C++ -O2): a 2->1
// sigmoid unit, mean square loss over the 4 rows, gradient clipping by global
// norm 5 (TFLearn's default, as in dlc and the PyTorch peer), SGD lr 2.
//
//   or_handwritten STEPS REPEATS W0 W1 B
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s STEPS REPEATS W0 W1 B\n", argv[0]);
    return 2;
  }
  const long steps = std::atol(argv[1]), repeats = std::atol(argv[2]);
  const float w0init = std::strtof(argv[3], nullptr);
  const float w1init = std::strtof(argv[4], nullptr);
  const float binit = std::strtof(argv[5], nullptr);
  const float x[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  const float t[4] = {0, 1, 1, 1};
  const float lr = 2.0f, clip = 5.0f;

  float w0 = 0, w1 = 0, b = 0, loss = 0;
  for (long r = 0; r < repeats; ++r) {
    w0 = w0init, w1 = w1init, b = binit;
    auto t0 = std::chrono::steady_clock::now();
    for (long s = 0; s < steps; ++s) {
      float g0 = 0, g1 = 0, gb = 0, l = 0;
      for (int i = 0; i < 4; ++i) {
        float y = 1.0f / (1.0f + std::exp(-(x[i][0] * w0 + x[i][1] * w1 + b)));
        float e = y - t[i];
        l += e * e;
        float dz = 2.0f * e / 4.0f * y * (1.0f - y);
        g0 += dz * x[i][0];
        g1 += dz * x[i][1];
        gb += dz;
      }
      loss = l / 4.0f;
      float norm = std::sqrt(g0 * g0 + g1 * g1 + gb * gb);
      float scale = lr * clip / std::fmax(norm, clip);
      w0 -= scale * g0;
      w1 -= scale * g1;
      b -= scale * gb;
    }
    auto t1 = std::chrono::steady_clock::now();
    std::printf("time_s %.9f\n", std::chrono::duration<double>(t1 - t0).count());
  }
  std::printf("loss %.9g\npred", loss);
  for (int i = 0; i < 4; ++i)
    std::printf(" %.6f",
                1.0f / (1.0f + std::exp(-(x[i][0] * w0 + x[i][1] * w1 + b))));
  std::printf("\n");
  return 0;
}
