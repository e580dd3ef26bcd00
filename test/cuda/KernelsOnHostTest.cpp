//===- KernelsOnHostTest.cpp - The runtime's own CUDA kernels, on the CPU -===//
//
// runtime/cuda/Kernels.cu compiled as host C++ (CudaHostShim.h) and run
// block by block, thread by thread, on the grids the runtime launches
// (KernelShapes.h), in both variants (64- and 32-bit indices). Pooling must
// give the CPU kernel library's bits, the padding copies and the bias and
// activation kernel those of a direct loop. Smaller grids than the
// runtime's, and threads in reverse order, check the grid-stride loops and
// that no thread depends on another. Needs no GPU; the same kernels run on
// one in CudaOpsTest.cpp.
//
//===----------------------------------------------------------------------===//

#include "dlc/kernels.h"

#include "RandomVector.h"

#include "../../runtime/cuda/KernelShapes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "CudaHostShim.h"

#include "../../runtime/cuda/Kernels.cu"

using namespace dlc::cuda;

namespace {

/// How a test launches: the runtime's grid, or at most `maxBlocks` blocks
/// (the grid-stride loops do the rest), threads first to last or reversed.
struct Grid {
  int64_t maxBlocks = kMaxBlocks;
  bool reverse = false;
  std::string name() const {
    return (maxBlocks == kMaxBlocks ? std::string("runtime grid")
                                    : std::to_string(maxBlocks) + " blocks") +
           (reverse ? ", reversed" : "");
  }
};
const Grid kGrids[] = {{}, {1, false}, {3, true}};

/// Runs `kernel(args...)` once per thread of the one-dimensional launch of
/// `threads` threads that launch1d makes.
template <typename Kernel, typename... Args>
void launch(Kernel kernel, int64_t threads, const Grid &grid, Args... args) {
  if (threads <= 0)
    return; // launch1d launches nothing
  const int64_t blocks = std::min(blocksFor(threads), grid.maxBlocks);
  gridDim = {};
  blockDim = {};
  gridDim.x = (unsigned)blocks;
  blockDim.x = (unsigned)kBlockThreads;
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t t = 0; t < kBlockThreads; ++t) {
      blockIdx.x = (unsigned)(grid.reverse ? blocks - 1 - b : b);
      threadIdx.x = (unsigned)(grid.reverse ? kBlockThreads - 1 - t : t);
      kernel(args...);
    }
}

/// Equal bits (NaN payloads and signed zeros included).
void expectSameBits(const std::vector<float> &got,
                    const std::vector<float> &want, const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t g, w;
    std::memcpy(&g, &got[i], 4);
    std::memcpy(&w, &want[i], 4);
    if (g != w) {
      ADD_FAILURE() << what << ": element " << i << " is " << got[i]
                    << ", expected " << want[i];
      return;
    }
  }
}

constexpr float kUnwritten = -12345.0f;

//===------------------------------ Pooling -------------------------------===//

struct PoolCase {
  const char *name;
  int64_t N, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL;
};

/// The SAME padding TensorFlow computes (more at the bottom and right).
PoolCase same(const char *name, int64_t N, int64_t H, int64_t W, int64_t C,
              int64_t K, int64_t S) {
  const int64_t OH = (H + S - 1) / S, OW = (W + S - 1) / S;
  return {name, N, H, W, C, K, K, OH, OW, S, S,
          std::max<int64_t>((OH - 1) * S + K - H, 0) / 2,
          std::max<int64_t>((OW - 1) * S + K - W, 0) / 2};
}

std::vector<PoolCase> poolCases() {
  return {
      same("2x2/2 on 32x32x32", 2, 32, 32, 32, 2, 2),
      same("2x2/2 SAME on 15x15x8 (last window clipped)", 2, 15, 15, 8, 2, 2),
      same("3x3/2 SAME on 32x32x16 (pads 0 top, 1 bottom)", 3, 32, 32, 16, 3,
           2),
      same("3x3/2 SAME on 15x15x8 (pads 1 and 1)", 2, 15, 15, 8, 3, 2),
      same("3x3/1 SAME on 8x8x5 (overlapping, padded)", 2, 8, 8, 5, 3, 1),
      {"2x3/2x1 VALID on 7x9x3 (rectangular)", 2, 7, 9, 3, 2, 3, 3, 7, 2, 1,
       0, 0},
      {"2x2/1 with windows entirely in the padding", 1, 4, 4, 3, 2, 2, 7, 7,
       1, 1, 3, 3},
  };
}

/// Kernels.cu's pooling against dlc_k_pool2d_*, every kind (| 2: the ReLU
/// mask of the gradient), in the given variant.
void checkPooling(const PoolCase &p, bool use32, const Grid &grid,
                  uint32_t seed) {
  const size_t xs = p.N * p.H * p.W * p.C, ys = p.N * p.OH * p.OW * p.C;
  std::vector<float> x = randomVector(xs, seed),
                     dy = randomVector(ys, seed + 1);
  // Ties and ReLU zeros: the max gradient goes to the first maximum.
  for (size_t i = 0; i < xs; i += 3)
    x[i] = 0.0f;
  for (int64_t kind = 0; kind < 4; ++kind) {
    const std::string name = std::string(p.name) +
                             (kind & 1 ? ", average" : ", max") +
                             (kind & 2 ? " (ReLU mask)" : "") + ", " +
                             (use32 ? "_i32" : "64-bit") + ", " + grid.name();
    std::vector<float> y(ys, kUnwritten), dx(xs, kUnwritten), ry(ys),
        rdx(xs);
    const int64_t fwdKind = kind & 1;
    if (use32) {
      launch(dlc_pool2d_fwd_i32, (int64_t)ys, grid, fwdKind, x.data(),
             y.data(), p.N, p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH, p.SW,
             p.PT, p.PL);
      launch(dlc_pool2d_bwd_i32, (int64_t)xs, grid, kind, x.data(), dy.data(),
             dx.data(), p.N, p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH,
             p.SW, p.PT, p.PL);
    } else {
      launch(dlc_pool2d_fwd, (int64_t)ys, grid, fwdKind, x.data(), y.data(),
             p.N, p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH, p.SW, p.PT,
             p.PL);
      launch(dlc_pool2d_bwd, (int64_t)xs, grid, kind, x.data(), dy.data(),
             dx.data(), p.N, p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH,
             p.SW, p.PT, p.PL);
    }
    dlc_k_pool2d_fwd(fwdKind, x.data(), ry.data(), p.N, p.H, p.W, p.C, p.KH,
                     p.KW, p.OH, p.OW, p.SH, p.SW, p.PT, p.PL);
    dlc_k_pool2d_bwd(kind, x.data(), ry.data(), dy.data(), rdx.data(), p.N,
                     p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH, p.SW, p.PT,
                     p.PL);
    expectSameBits(y, ry, name + ": forward");
    expectSameBits(dx, rdx, name + ": gradient");
  }
}

TEST(KernelsOnHost, PoolingGivesTheCpuKernelsBits) {
  uint32_t seed = 100;
  for (const PoolCase &p : poolCases()) {
    ASSERT_TRUE(poolFits32(p.N, p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH,
                           p.SW, p.PT, p.PL))
        << p.name << ": the runtime would not take the _i32 variant";
    for (const Grid &grid : kGrids)
      for (bool use32 : {true, false})
        checkPooling(p, use32, grid, seed += 2);
  }
}

TEST(KernelsOnHost, PoolingWithAWindowBeyond32BitIndicesTakesTheWideVariant) {
  // Global pooling with a 2^28 window: too large for 32-bit arithmetic
  // (h + PT - KH + 1 and friends), so the runtime takes the 64-bit kernels.
  const int64_t K = int64_t(1) << 28;
  const PoolCase p = {"2^28 window", 2, 5, 7, 6, K, K, 1, 1, 1, 1, 0, 0};
  EXPECT_FALSE(poolFits32(p.N, p.H, p.W, p.C, p.KH, p.KW, p.OH, p.OW, p.SH,
                          p.SW, p.PT, p.PL));
  checkPooling(p, false, Grid{}, 900);
}

//===------------------------- Padding and cropping ------------------------===//

TEST(KernelsOnHost, ShiftCopyPadsAndCrops) {
  struct ShiftCase {
    const char *name;
    int64_t N, Hout, Wout, Hin, Win, C, di, dj;
  };
  const ShiftCase cases[] = {
      {"pad 0 top, 1 bottom", 2, 33, 33, 32, 32, 3, 0, 0},
      {"pad 1 all around", 2, 17, 18, 15, 16, 8, -1, -1},
      {"crop back", 2, 15, 16, 17, 18, 8, 1, 1},
      {"shifted beyond the input (all zeros)", 1, 4, 4, 3, 3, 2, 5, -7},
  };
  uint32_t seed = 300;
  for (const ShiftCase &s : cases)
    for (const Grid &grid : kGrids)
      for (bool use32 : {true, false}) {
        const std::string name = std::string(s.name) + ", " +
                                 (use32 ? "_i32" : "64-bit") + ", " +
                                 grid.name();
        ASSERT_TRUE(shiftCopyFits32(s.N, s.Hout, s.Wout, s.Hin, s.Win, s.C,
                                    s.di, s.dj))
            << name;
        const std::vector<float> in =
            randomVector(s.N * s.Hin * s.Win * s.C, ++seed);
        const size_t outSize = s.N * s.Hout * s.Wout * s.C;
        std::vector<float> out(outSize, kUnwritten), want(outSize);
        for (int64_t n = 0; n < s.N; ++n)
          for (int64_t i = 0; i < s.Hout; ++i)
            for (int64_t j = 0; j < s.Wout; ++j)
              for (int64_t c = 0; c < s.C; ++c) {
                const int64_t si = i + s.di, sj = j + s.dj;
                want[((n * s.Hout + i) * s.Wout + j) * s.C + c] =
                    si >= 0 && si < s.Hin && sj >= 0 && sj < s.Win
                        ? in[((n * s.Hin + si) * s.Win + sj) * s.C + c]
                        : 0.0f;
              }
        launch(use32 ? dlc_shift_copy_i32 : dlc_shift_copy, (int64_t)outSize,
               grid, out.data(), in.data(), s.N, s.Hout, s.Wout, s.Hin, s.Win,
               s.C, s.di, s.dj);
        expectSameBits(out, want, name);
      }
}

//===------------------------- Bias and activation -------------------------===//

TEST(KernelsOnHost, BiasActivationKeepsNanAndTheRowPadding) {
  const int64_t rows = 37, F = 10, ld = 13;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> bias = randomVector(F, 400);
  bias[3] = 0.0f;
  std::vector<float> y0 = randomVector(rows * ld, 401);
  y0[2 * ld + 4] = nan;           // NaN stays NaN through the ReLU
  y0[5 * ld + 3] = -0.0f;         // -0 + 0 = 0, the ReLU keeps 0
  y0[6 * ld + 7] = -bias[7];      // exactly 0
  y0[7 * ld + 1] = std::ldexp(1.0f, -140) - bias[1]; // tiny differences
  ASSERT_TRUE(biasActFits32(rows, F, ld));
  ASSERT_FALSE(biasActFits32(rows, ld + 1, ld)) << "F > ld";
  for (int64_t act = 0; act < 2; ++act)
    for (const Grid &grid : kGrids)
      for (bool use32 : {true, false}) {
        const std::string name = std::string(act ? "ReLU" : "identity") +
                                 ", " + (use32 ? "_i32" : "64-bit") + ", " +
                                 grid.name();
        std::vector<float> y = y0, want = y0;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t f = 0; f < F; ++f) {
            float v = y0[r * ld + f] + bias[f];
            want[r * ld + f] = act == 1 && v <= 0.0f ? 0.0f : v;
          }
        launch(use32 ? dlc_bias_act_i32 : dlc_bias_act, rows * F, grid,
               y.data(), bias.data(), rows, F, ld, act);
        expectSameBits(y, want, name);
        EXPECT_TRUE(std::isnan(y[2 * ld + 4])) << name;
      }
}

//===------------------------- The runtime's rules -------------------------===//

TEST(KernelsOnHost, IndexWidthRules) {
  const int64_t k28 = int64_t(1) << 28;
  EXPECT_EQ(product30({}), 1);
  EXPECT_EQ(product30({1 << 15, (1 << 15) - 1}), (int64_t(1) << 30) - (1 << 15));
  EXPECT_EQ(product30({1 << 15, 1 << 15}), k30);
  EXPECT_EQ(product30({k30, 0}), k30) << "a factor of 2^30 alone is too large";
  EXPECT_EQ(product30({0, k30}), k30);
  EXPECT_EQ(product30({3, -1}), k30);
  EXPECT_TRUE(within28({k28 - 1, -(k28 - 1), 0}));
  EXPECT_FALSE(within28({k28}));
  EXPECT_FALSE(within28({-k28}));
  // The largest 32-bit launch: its last grid-stride step stays below 2^31.
  EXPECT_EQ(blocksFor(1), 1);
  EXPECT_EQ(blocksFor(kBlockThreads + 1), 2);
  EXPECT_EQ(blocksFor(k30 - 1), kMaxBlocks);
  EXPECT_LT((k30 - 1) + kBlockThreads * kMaxBlocks, int64_t(1) << 31);
  EXPECT_TRUE(poolFits32(96, 32, 32, 32, 2, 2, 16, 16, 2, 2, 0, 0));
  EXPECT_FALSE(poolFits32(1 << 10, 1 << 10, 1 << 10, 1, 2, 2, 512, 512, 2, 2,
                          0, 0))
      << "2^30 input elements";
  EXPECT_TRUE(shiftCopyFits32(96, 33, 33, 32, 32, 64, 0, 0));
  EXPECT_FALSE(shiftCopyFits32(1, 1, 1, 1, 1, 1, k28, 0));
}

} // namespace
