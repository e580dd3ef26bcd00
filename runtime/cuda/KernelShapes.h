//===- KernelShapes.h - How the runtime launches its kernels ---*- C++ -*-===//
//
// How the runtime launches its own kernels (Kernels.cu): the grid of a
// one-dimensional launch, and when a kernel may take its `_i32` variant
// (32-bit index arithmetic). Plain functions without CUDA headers, so the
// host tests of Kernels.cu (test/cuda/KernelsOnHostTest.cpp) launch the
// kernels exactly as the runtime does.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_CUDA_KERNELSHAPES_H
#define DLC_RUNTIME_CUDA_KERNELSHAPES_H

#include <cstdint>
#include <initializer_list>

namespace dlc::cuda {

/// Threads per block of a one-dimensional launch.
constexpr int64_t kBlockThreads = 256;
/// At most this many blocks: the kernels' grid-stride loops cover the rest.
constexpr int64_t kMaxBlocks = int64_t(1) << 20;

/// The blocks of a one-dimensional launch of `threads` threads (> 0).
inline int64_t blocksFor(int64_t threads) {
  const int64_t blocks = (threads + kBlockThreads - 1) / kBlockThreads;
  return blocks < kMaxBlocks ? blocks : kMaxBlocks;
}

constexpr int64_t k30 = int64_t(1) << 30;

/// The product of `factors` (each >= 0), or 2^30 if it or a factor is not
/// below 2^30.
inline int64_t product30(std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors) {
    if (f < 0 || f >= k30)
      return k30;
    p *= f; // both below 2^30
    if (p >= k30)
      return k30;
  }
  return p;
}

/// Every value is in (-2^28, 2^28): a sum of four of them and a value
/// below 2^30 fits in 31 bits.
inline bool within28(std::initializer_list<int64_t> values) {
  for (int64_t v : values)
    if (v <= -(k30 >> 2) || v >= (k30 >> 2))
      return false;
  return true;
}

// Whether a kernel may run its `_i32` variant: every index and
// intermediate value it computes is below 2^31. Flat indices stay below
// 2^30, and the grid-stride loop adds at most kBlockThreads * kMaxBlocks =
// 2^28 to one.
static_assert(kBlockThreads * kMaxBlocks <= (k30 >> 2),
              "a grid-stride step must stay below 2^28");

inline bool shiftCopyFits32(int64_t N, int64_t Hout, int64_t Wout, int64_t Hin,
                            int64_t Win, int64_t C, int64_t di, int64_t dj) {
  return product30({N, Hout, Wout, C}) < k30 &&
         product30({N, Hin, Win, C}) < k30 &&
         within28({Hout, Wout, Hin, Win, di, dj});
}

inline bool biasActFits32(int64_t rows, int64_t F, int64_t ld) {
  return product30({rows, ld}) < k30 && F <= ld;
}

inline bool poolFits32(int64_t N, int64_t H, int64_t W, int64_t C, int64_t KH,
                       int64_t KW, int64_t OH, int64_t OW, int64_t SH,
                       int64_t SW, int64_t PT, int64_t PL) {
  return product30({N, H, W, C}) < k30 && product30({N, OH, OW, C}) < k30 &&
         product30({OH, SH}) < k30 && product30({OW, SW}) < k30 &&
         within28({H, W, KH, KW, SH, SW, PT, PL});
}

} // namespace dlc::cuda

#endif // DLC_RUNTIME_CUDA_KERNELSHAPES_H
