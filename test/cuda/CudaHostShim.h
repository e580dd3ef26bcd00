//===- CudaHostShim.h - Compile simple CUDA kernels as host C++ -*- C++ -*-===//
//
// Enough of CUDA's device-side names for kernels that only use the built-in
// thread and block indices, min and max: no shared memory, barriers, warp
// functions or atomics. Each kernel becomes a plain function; a test runs it
// once per (block, thread) of a grid after setting blockIdx and threadIdx
// (KernelsOnHostTest.cpp). Kernels.cu's grid-stride kernels need nothing
// more: each thread writes only its own elements, so any order of threads is
// one the GPU could take.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TEST_CUDA_CUDAHOSTSHIM_H
#define DLC_TEST_CUDA_CUDAHOSTSHIM_H

#include <cstdint>

#define __global__
#define __device__

struct HostDim3 {
  unsigned x = 1, y = 1, z = 1;
};
inline HostDim3 threadIdx, blockIdx, blockDim, gridDim;

template <typename T> inline T min(T a, T b) { return b < a ? b : a; }
template <typename T> inline T max(T a, T b) { return a < b ? b : a; }

#endif // DLC_TEST_CUDA_CUDAHOSTSHIM_H
