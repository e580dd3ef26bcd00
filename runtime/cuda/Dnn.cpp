//===- Dnn.cpp - dlc_cu_*: GEMMs with cuBLAS, convolutions with cuDNN -----===//
//
// The CUDA versions of the CPU kernel library's dlc_k_* (same arguments,
// same semantics, device pointers; runtime/kernels/include/dlc/kernels.h),
// all asynchronous on the library's stream.
//
//  - sgemm: row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T:
//    one cublasSgemm with the operands swapped.
//  - convolutions: cuDNN's legacy API (deprecated in cuDNN 9, still
//    complete) with NHWC tensors. cuDNN has no HWIO filter layout: filters
//    are transposed HWCF <-> KRSC (F, KH, KW, C) with cublasSgeam into
//    scratch. cuDNN pads symmetrically; when the padding at the bottom/right
//    differs from the top/left in a way cuDNN cannot express (TensorFlow's
//    SAME with an even input and stride 2 pads one more row at the bottom),
//    the convolution runs on a zero-padded copy of the input (and the data
//    gradient is cropped back). Descriptors and the algorithm are chosen
//    once per shape (cudnnFind*Ex, the fastest deterministic algorithm) and
//    cached, as are the scratch buffers.
//  - conv2d_fwd_bias_act: the convolution, then the runtime's bias and
//    activation kernel; with DLC_CUDA_FUSED_CONV=1, a ReLU layer is one
//    cudnnConvolutionBiasActivationForward instead (which one is faster
//    depends on the algorithm cuDNN picks: the device check measures both).
//  - pooling: the runtime's own kernels (Kernels.cu), because cuDNN pools
//    over symmetric padding only; they reproduce the CPU kernels exactly.
//  - Degenerate shapes behave as on the CPU: an empty batch or an output
//    with no rows or columns computes nothing and gradients are zero.
//
// Convolutions use FP32 FMA math (no TF32), so results match the CPU
// kernels to float rounding; DLC_CUDA_TF32=1 in the environment allows
// TF32 tensor cores in cuDNN and cuBLAS.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "KernelShapes.h"

// The legacy convolution API is deprecated in cuDNN 9 but complete; the
// graph API would need cudnn-frontend, which is not installed.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cudnn.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>

using namespace dlc::cuda;

namespace {

std::mutex gMutex; // cuDNN/cuBLAS handles, plans and scratch

cudnnHandle_t gDnn = nullptr;
cublasHandle_t gBlas = nullptr;
cublasLtHandle_t gLt = nullptr;
/// cuBLAS's workspace, lent to cuBLASLt too (both run on the one stream).
void *gBlasWorkspace = nullptr;
bool gTf32 = false;
bool gFusedConv = false; // DLC_CUDA_FUSED_CONV=1
bool gFusedGemm = false; // DLC_CUDA_FUSED_GEMM=1
/// DLC_CUDA_NONDETERMINISTIC=1: cuDNN's fastest algorithm, deterministic or
/// not (atomics may then change the rounding from run to run).
bool gAnyAlgorithm = false;

bool dnnCheck(cudnnStatus_t s, const char *call) {
  if (s == CUDNN_STATUS_SUCCESS)
    return true;
  std::string detail = cudnnGetErrorString(s);
  char last[256] = "";
  cudnnGetLastErrorString(last, sizeof last);
  if (last[0])
    detail += std::string(" (") + last + ")";
  for (char &c : detail)
    if (c == '\n')
      c = ' ';
  fail(call, detail.c_str());
  return false;
}

bool blasCheck(cublasStatus_t s, const char *call) {
  if (s == CUBLAS_STATUS_SUCCESS)
    return true;
  fail(call, cublasGetStatusString(s));
  return false;
}

/// Creates the cuDNN and cuBLAS handles on first use; holds gMutex.
bool handlesReady() {
  if (!enter())
    return false;
  if (gDnn && gBlas && (gLt || !gFusedGemm))
    return true;
  const char *tf32 = std::getenv("DLC_CUDA_TF32");
  gTf32 = tf32 && std::strcmp(tf32, "1") == 0;
  const char *fused = std::getenv("DLC_CUDA_FUSED_CONV");
  gFusedConv = fused && std::strcmp(fused, "1") == 0;
  const char *fusedGemm = std::getenv("DLC_CUDA_FUSED_GEMM");
  gFusedGemm = fusedGemm && std::strcmp(fusedGemm, "1") == 0;
  const char *any = std::getenv("DLC_CUDA_NONDETERMINISTIC");
  gAnyAlgorithm = any && std::strcmp(any, "1") == 0;
  cudaStream_t s = reinterpret_cast<cudaStream_t>(stream());
  if (!gBlas) {
    // cuBLAS's workspace is the library's own, allocated once: cuBLAS then
    // allocates nothing while a step is captured in a CUDA graph. 32 MiB is
    // what NVIDIA suggests for Hopper.
    constexpr size_t kBlasWorkspace = size_t(32) << 20;
    void *ws = poolAlloc(kBlasWorkspace, 256);
    if (!ws)
      return false;
    cublasHandle_t h = nullptr;
    if (!blasCheck(cublasCreate(&h), "cublasCreate") ||
        !blasCheck(cublasSetStream(h, s), "cublasSetStream") ||
        !blasCheck(cublasSetWorkspace(h, ws, kBlasWorkspace),
                   "cublasSetWorkspace") ||
        !blasCheck(cublasSetMathMode(h, gTf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                              : CUBLAS_DEFAULT_MATH),
                   "cublasSetMathMode"))
      return false;
    gBlas = h;
    gBlasWorkspace = ws;
  }
  if (!gLt && gFusedGemm) { // only for DLC_CUDA_FUSED_GEMM=1
    cublasLtHandle_t h = nullptr;
    if (!blasCheck(cublasLtCreate(&h), "cublasLtCreate"))
      return false;
    gLt = h;
  }
  if (!gDnn) {
    cudnnHandle_t h = nullptr;
    if (!dnnCheck(cudnnCreate(&h), "cudnnCreate") ||
        !dnnCheck(cudnnSetStream(h, s), "cudnnSetStream"))
      return false;
    gDnn = h;
  }
  return true;
}

/// A grow-only device buffer from the pool, reused across calls (all its
/// uses are ordered on the one stream).
struct Scratch {
  void *p = nullptr;
  size_t size = 0;
  float *get(size_t bytes) {
    if (bytes <= size && p)
      return static_cast<float *>(p);
    if (capturing()) { // nothing can be allocated or freed in a capture
      fail("dlc_cu_*", "a scratch buffer would grow while a CUDA graph is "
                       "captured (the step must run once before)");
      return nullptr;
    }
    invalidateGraphs(); // captured steps use the old block
    poolFree(p);
    p = poolAlloc(bytes ? bytes : 1, 256);
    size = p ? bytes : 0;
    return static_cast<float *>(p);
  }
};
Scratch gFilter, gPadded, gPaddedGrad, gFilterGrad, gWorkspace;

/// B[cols][rows] = A[rows][cols]^T (row-major, float) with cublasSgeam.
bool transpose(const float *a, float *b, int64_t rows, int64_t cols,
               const char *what) {
  const float one = 1.0f, zero = 0.0f;
  // Column-major: A is cols x rows (ld cols); B = A^T is rows x cols (ld rows).
  return blasCheck(cublasSgeam(gBlas, CUBLAS_OP_T, CUBLAS_OP_N, (int)rows,
                               (int)cols, &one, a, (int)cols, &zero, b,
                               (int)rows, b, (int)rows),
                   what);
}

/// The Kernels.cu kernel `name`, or its `_i32` variant (32-bit index
/// arithmetic: a GPU divides 64-bit integers in software) when `fits32`:
/// every index and intermediate value it computes is below 2^31 (the
/// grid-stride loop adds at most 2^28 to an index below 2^30).
CUfunction kernelFor(const char *name, bool fits32) {
  return ownKernel(fits32 ? (std::string(name) + "_i32").c_str() : name);
}

bool shiftCopy(float *out, const float *in, int64_t N, int64_t Hout,
               int64_t Wout, int64_t Hin, int64_t Win, int64_t C, int64_t di,
               int64_t dj, const char *what) {
  void *params[] = {&out, &in, &N, &Hout, &Wout, &Hin, &Win, &C, &di, &dj};
  return launch1d(kernelFor("dlc_shift_copy", shiftCopyFits32(N, Hout, Wout,
                                                             Hin, Win, C, di,
                                                             dj)),
                  N * Hout * Wout * C, params, what);
}

/// y[r][f] = act(y[r][f] + bias[f]) over [rows, F] with row stride ld
/// (act 1: ReLU, 0: identity).
bool biasAct(float *y, const float *bias, int64_t rows, int64_t F, int64_t ld,
             int64_t act, const char *what) {
  void *params[] = {&y, &bias, &rows, &F, &ld, &act};
  return launch1d(kernelFor("dlc_bias_act", biasActFits32(rows, F, ld)),
                  rows * F, params, what);
}

enum ConvKind { kFwd = 0, kBwdData = 1, kBwdFilter = 2 };
const char *const kConvNames[] = {"dlc_cu_conv2d_fwd", "dlc_cu_conv2d_bwd_data",
                                  "dlc_cu_conv2d_bwd_filter"};
const char *const kConvBiasActName = "dlc_cu_conv2d_fwd_bias_act";

/// `count` floats at `p` set to 0 on the stream.
bool zeroFill(float *p, int64_t count, const char *what) {
  if (count <= 0)
    return true;
  if (!check(drv.cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(p), 0,
                                  (size_t)count, stream()),
             "cuMemsetD32Async")) {
    fail(what, "cuMemsetD32Async failed");
    return false;
  }
  return true;
}

struct ConvShape {
  int64_t N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL;
};

struct ConvPlan {
  bool padded = false;     // run on a zero-padded copy of the input
  int64_t Hp = 0, Wp = 0;  // the input cuDNN sees
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  // conv2d_fwd_bias_act with DLC_CUDA_FUSED_CONV=1: the bias ([1, F, 1, 1])
  // and ReLU descriptors; `unfused` once cuDNN refused the fused call.
  cudnnTensorDescriptor_t bias = nullptr;
  cudnnActivationDescriptor_t relu = nullptr;
  bool unfused = false;
  bool chosen = false;     // algorithm picked (on the first call)
  int algo = 0;
  size_t workspace = 0;
};

/// The largest power of two up to 256 that divides `p`'s address: what
/// cuDNN's and cuBLASLt's algorithms may assume of an operand.
uint32_t alignmentOf(const void *p) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p) | 256;
  return (uint32_t)(a & -a);
}

/// A plan per kind, shape and the alignment of the operands cuDNN reads and
/// writes in place (alignmentOf, up to 256 bytes): an algorithm found with
/// aligned buffers may refuse a view at a 4-byte offset
/// (CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER), so a call with less aligned
/// operands gets its own search.
std::map<std::array<int64_t, 15>, ConvPlan> gPlans;

/// Whether the product of the (non-negative) factors is below 2^31,
/// checked factor by factor so that it cannot overflow.
bool below31(std::initializer_list<int64_t> factors) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f < 0 || (f > 0 && product > ((int64_t(1) << 31) - 1) / f))
      return false;
    product *= f;
  }
  return true;
}

bool fitsInt(const ConvShape &s) {
  for (int64_t v : {s.N, s.H, s.W, s.C, s.KH, s.KW, s.F, s.OH, s.OW, s.SH,
                    s.SW, s.PT, s.PL})
    if (v > INT_MAX / 4 || v < -(INT_MAX / 4))
      return false;
  return below31({s.N, s.H, s.W, s.C}) && below31({s.N, s.OH, s.OW, s.F}) &&
         below31({s.KH, s.KW, s.C, s.F});
}

/// Checks the arguments of a dlc_cu_conv2d_*; false with the error recorded.
bool checkConv(const ConvShape &s, const void *a, const void *b,
               const void *c, const char *what) {
  if (s.N < 0 || s.H < 1 || s.W < 1 || s.C < 1 || s.KH < 1 || s.KW < 1 ||
      s.F < 1 || s.OH < 0 || s.OW < 0 || s.SH < 1 || s.SW < 1) {
    fail(what, "bad shape: every size must be >= 1 (N, OH, OW >= 0)");
    return false;
  }
  if (!fitsInt(s)) {
    fail(what, "bad shape: sizes out of range");
    return false;
  }
  if (s.N > 0 && (!a || !b || !c)) {
    fail(what, "null pointer");
    return false;
  }
  if (s.N == 0 || s.OH == 0 || s.OW == 0) // nothing to compute (convolution)
    return true;
  // The rows a window reads run from -PT to (OH-1)*SH + KH - 1 - PT; the
  // padded copy of the input holds them.
  const int64_t Hp = (s.OH - 1) * s.SH + s.KH, Wp = (s.OW - 1) * s.SW + s.KW;
  if (s.PT < 0 || s.PL < 0 || s.PT >= Hp || s.PL >= Wp ||
      !below31({s.N, Hp, Wp, s.C})) {
    fail(what, "bad shape: padding or sizes out of range");
    return false;
  }
  return true;
}

/// The plan for a shape and operand alignment, descriptors created; null
/// after an error.
ConvPlan *planFor(ConvKind kind, const ConvShape &s, uint32_t align,
                  const char *what) {
  std::array<int64_t, 15> key = {kind, s.N,  s.H,  s.W,  s.C,  s.KH, s.KW, s.F,
                                 s.OH, s.OW, s.SH, s.SW, s.PT, s.PL, align};
  auto it = gPlans.find(key);
  if (it != gPlans.end())
    return &it->second;
  ConvPlan p;
  const int64_t PB = (s.OH - 1) * s.SH + s.KH - s.PT - s.H;
  const int64_t PR = (s.OW - 1) * s.SW + s.KW - s.PL - s.W;
  // cuDNN with symmetric padding PT gives OH + floor((PT - PB) / SH) rows.
  p.padded = !(s.PT >= 0 && s.PL >= 0 && s.PT - PB >= 0 && s.PT - PB < s.SH &&
               s.PL - PR >= 0 && s.PL - PR < s.SW);
  p.Hp = p.padded ? s.H + s.PT + PB : s.H;
  p.Wp = p.padded ? s.W + s.PL + PR : s.W;
  const int padH = p.padded ? 0 : (int)s.PT, padW = p.padded ? 0 : (int)s.PL;
  if (!dnnCheck(cudnnCreateTensorDescriptor(&p.x), what) ||
      !dnnCheck(cudnnCreateTensorDescriptor(&p.y), what) ||
      !dnnCheck(cudnnCreateFilterDescriptor(&p.w), what) ||
      !dnnCheck(cudnnCreateConvolutionDescriptor(&p.conv), what))
    return nullptr;
  if (!dnnCheck(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NHWC,
                                           CUDNN_DATA_FLOAT, (int)s.N,
                                           (int)s.C, (int)p.Hp, (int)p.Wp),
                "cudnnSetTensor4dDescriptor") ||
      !dnnCheck(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NHWC,
                                           CUDNN_DATA_FLOAT, (int)s.N,
                                           (int)s.F, (int)s.OH, (int)s.OW),
                "cudnnSetTensor4dDescriptor") ||
      !dnnCheck(cudnnSetFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT,
                                           CUDNN_TENSOR_NHWC, (int)s.F,
                                           (int)s.C, (int)s.KH, (int)s.KW),
                "cudnnSetFilter4dDescriptor") ||
      !dnnCheck(cudnnSetConvolution2dDescriptor(
                    p.conv, padH, padW, (int)s.SH, (int)s.SW, 1, 1,
                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor") ||
      !dnnCheck(cudnnSetConvolutionMathType(
                    p.conv, gTf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
                "cudnnSetConvolutionMathType"))
    return nullptr;
  int n = 0, c = 0, h = 0, w = 0;
  if (!dnnCheck(cudnnGetConvolution2dForwardOutputDim(p.conv, p.x, p.w, &n,
                                                      &c, &h, &w),
                "cudnnGetConvolution2dForwardOutputDim"))
    return nullptr;
  if (h != s.OH || w != s.OW) {
    fail(what, ("internal error: cuDNN computes a " + std::to_string(h) + "x" +
                std::to_string(w) + " output, expected " +
                std::to_string(s.OH) + "x" + std::to_string(s.OW))
                   .c_str());
    return nullptr;
  }
  return &gPlans.emplace(key, p).first->second;
}

constexpr size_t kFindWorkspaceLimit = size_t(256) << 20;

/// Picks the fastest deterministic algorithm among cudnnFind*'s results
/// (any successful one if none is deterministic, or with
/// DLC_CUDA_NONDETERMINISTIC=1). Without DLC_CUDA_TF32,
/// results that cuDNN timed with tensor-op math are passed over (cuDNN may
/// report them even with FMA math set), those it reports with FMA math are
/// preferred to those with its default math, and FMA math is what runs:
/// TF32 would round the inputs to 10 bits of mantissa.
template <typename Perf>
bool choose(ConvPlan &p, const Perf *perf, int count, const char *what,
            const ConvShape &s) {
  auto usable = [&](int i, cudnnMathType_t math, bool deterministic) {
    return perf[i].status == CUDNN_STATUS_SUCCESS &&
           (gTf32 || perf[i].mathType == math) &&
           (!deterministic || gAnyAlgorithm ||
            perf[i].determinism == CUDNN_DETERMINISTIC);
  };
  int best = -1;
  for (cudnnMathType_t math : {CUDNN_FMA_MATH, CUDNN_DEFAULT_MATH})
    for (bool deterministic : {true, false})
      for (int i = 0; i < count && best < 0; ++i)
        if (usable(i, math, deterministic))
          best = i;
  if (best < 0) {
    std::string found;
    for (int i = 0; i < count; ++i)
      found += (i ? ", " : "; cudnnFind* reported: ") + std::string("algorithm ") +
               std::to_string((int)perf[i].algo) + " status " +
               std::to_string((int)perf[i].status) + " math " +
               std::to_string((int)perf[i].mathType);
    fail(what, ("cuDNN found no algorithm for this convolution" + found).c_str());
    return false;
  }
  p.algo = (int)perf[best].algo;
  p.workspace = perf[best].memory;
  p.chosen = true;
  if (profiling())
    std::fprintf(stderr,
                 "dlc cuDNN: %s N=%lld H=%lld W=%lld C=%lld K=%lldx%lld "
                 "F=%lld stride %lldx%lld: algorithm %d, %s, %s math, "
                 "%.3f ms, workspace %zu bytes\n",
                 what, (long long)s.N, (long long)s.H, (long long)s.W,
                 (long long)s.C, (long long)s.KH, (long long)s.KW,
                 (long long)s.F, (long long)s.SH, (long long)s.SW, p.algo,
                 perf[best].determinism == CUDNN_DETERMINISTIC
                     ? "deterministic"
                     : "NOT deterministic",
                 perf[best].mathType == CUDNN_FMA_MATH       ? "FMA"
                 : perf[best].mathType == CUDNN_DEFAULT_MATH ? "default"
                                                             : "tensor-op",
                 (double)perf[best].time, p.workspace);
  return dnnCheck(cudnnSetConvolutionMathType(
                      p.conv, gTf32 ? perf[best].mathType : CUDNN_FMA_MATH),
                  "cudnnSetConvolutionMathType");
}

/// Runs one convolution. `a`, `b` are the inputs, `out` the output, as in
/// the dlc_k_* signature of `kind`; a forward convolution with `act` >= 0
/// adds `bias` and applies `act` (conv2d_fwd_bias_act).
void convolution(ConvKind kind, const float *a, const float *b, float *out,
                 const ConvShape &s, const float *bias = nullptr,
                 int64_t act = -1) {
  const bool withBias = kind == kFwd && act >= 0;
  const char *what = withBias ? kConvBiasActName : kConvNames[kind];
  Entry entry;
  if (!entry || !checkConv(s, a, b, out, what))
    return;
  if (withBias && act > 1) {
    fail(what, "bad act: 0 (identity) or 1 (relu) expected");
    return;
  }
  if (s.N == 0 || s.OH == 0 || s.OW == 0) {
    // As on the CPU: no output elements, or gradients that sum nothing.
    if (kind == kBwdData)
      zeroFill(out, s.N * s.H * s.W * s.C, what);
    else if (kind == kBwdFilter)
      zeroFill(out, s.KH * s.KW * s.C * s.F, what);
    return;
  }
  if (withBias && !bias) { // checkConv does not see the bias
    fail(what, "null pointer");
    return;
  }
  std::lock_guard<std::mutex> lock(gMutex);
  if (!handlesReady())
    return;
  // The operands cuDNN sees in place (the filter, the padded input and the
  // padded gradient are copies in scratch, 256-byte aligned).
  uint32_t align = std::min(alignmentOf(a),
                            alignmentOf(kind == kBwdFilter ? b : out));
  if (withBias && gFusedConv)
    align = std::min(align, alignmentOf(bias));
  ConvPlan *p = planFor(kind, s, align, what);
  if (!p)
    return;
  const int64_t R = s.KH * s.KW * s.C; // filter rows in HWCF
  const float one = 1.0f, zero = 0.0f;

  // The input as cuDNN sees it (a zero-padded copy when needed).
  const float *x = kind == kBwdData ? nullptr : a;
  if (x && p->padded) {
    float *xp = gPadded.get((size_t)(s.N * p->Hp * p->Wp * s.C) * 4);
    if (!xp || !shiftCopy(xp, x, s.N, p->Hp, p->Wp, s.H, s.W, s.C, -s.PT,
                          -s.PL, what))
      return;
    x = xp;
  }
  // The filter in KRSC for the forward and data-gradient convolutions.
  const float *wk = nullptr;
  if (kind != kBwdFilter) {
    float *t = gFilter.get((size_t)(R * s.F) * 4);
    if (!t || !transpose(b, t, R, s.F, what))
      return;
    wk = t;
  }
  float *dxp = nullptr, *dwk = nullptr;
  if (kind == kBwdData)
    dxp = p->padded ? gPaddedGrad.get((size_t)(s.N * p->Hp * p->Wp * s.C) * 4)
                    : out;
  if (kind == kBwdFilter)
    dwk = gFilterGrad.get((size_t)(R * s.F) * 4);
  if ((kind == kBwdData && !dxp) || (kind == kBwdFilter && !dwk))
    return;

  if (!p->chosen && capturing()) { // cudnnFind* synchronizes the stream
    fail(what, "no cuDNN algorithm was chosen for this convolution before "
               "the CUDA graph capture (the step must run once before)");
    return;
  }
  if (!p->chosen) {
    void *ws = gWorkspace.get(kFindWorkspaceLimit);
    if (!ws)
      return;
    // Twice, the first search's times thrown away: in it, the first
    // algorithms tried also pay for moving the managed pages of x, w and
    // y to the device and for touching the fresh workspace.
    for (int pass = 0; pass < 2; ++pass) {
      const bool last = pass == 1;
      int count = 0;
      if (kind == kFwd) {
        cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        if (!dnnCheck(cudnnFindConvolutionForwardAlgorithmEx(
                          gDnn, p->x, x, p->w, wk, p->conv, p->y, out,
                          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf, ws,
                          kFindWorkspaceLimit),
                      "cudnnFindConvolutionForwardAlgorithmEx") ||
            (last && !choose(*p, perf, count, what, s)))
          return;
      } else if (kind == kBwdData) {
        cudnnConvolutionBwdDataAlgoPerf_t
            perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        if (!dnnCheck(cudnnFindConvolutionBackwardDataAlgorithmEx(
                          gDnn, p->w, wk, p->y, a, p->conv, p->x, dxp,
                          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf,
                          ws, kFindWorkspaceLimit),
                      "cudnnFindConvolutionBackwardDataAlgorithmEx") ||
            (last && !choose(*p, perf, count, what, s)))
          return;
      } else {
        cudnnConvolutionBwdFilterAlgoPerf_t
            perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        if (!dnnCheck(cudnnFindConvolutionBackwardFilterAlgorithmEx(
                          gDnn, p->x, x, p->y, b, p->conv, p->w, dwk,
                          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count,
                          perf, ws, kFindWorkspaceLimit),
                      "cudnnFindConvolutionBackwardFilterAlgorithmEx") ||
            (last && !choose(*p, perf, count, what, s)))
          return;
      }
    }
  }
  // The algorithm search is not profiled, the rest is.
  ProfileScope scope(what);
  void *ws = p->workspace ? gWorkspace.get(p->workspace) : nullptr;
  if (p->workspace && !ws)
    return;

  if (kind == kFwd) {
    if (withBias && act == 1 && gFusedConv && !p->unfused) {
      if (!p->bias) {
        if (!dnnCheck(cudnnCreateTensorDescriptor(&p->bias), what) ||
            !dnnCheck(cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NHWC,
                                                 CUDNN_DATA_FLOAT, 1, (int)s.F,
                                                 1, 1),
                      "cudnnSetTensor4dDescriptor") ||
            !dnnCheck(cudnnCreateActivationDescriptor(&p->relu), what) ||
            // The fused call takes no other NaN mode: relu(NaN) = 0 here.
            !dnnCheck(cudnnSetActivationDescriptor(p->relu,
                                                   CUDNN_ACTIVATION_RELU,
                                                   CUDNN_NOT_PROPAGATE_NAN, 0.0),
                      "cudnnSetActivationDescriptor"))
          return;
      }
      // y = relu(conv(x, w) + 0 * z + bias); z is y (alpha2 = 0).
      cudnnStatus_t st = cudnnConvolutionBiasActivationForward(
          gDnn, &one, p->x, x, p->w, wk, p->conv,
          (cudnnConvolutionFwdAlgo_t)p->algo, ws, p->workspace, &zero, p->y,
          out, p->bias, bias, p->relu, p->y, out);
      // NOT_SUPPORTED and BAD_PARAM (a misaligned bias, say) are refusals
      // before any launch: the convolution and dlc's kernel from now.
      const int category = CUDNN_STATUS_CATEGORY(st);
      if (category != CUDNN_STATUS_NOT_SUPPORTED &&
          category != CUDNN_STATUS_BAD_PARAM) {
        dnnCheck(st, "cudnnConvolutionBiasActivationForward");
        return;
      }
      if (capturing()) {
        fail(what, "cuDNN refused the fused convolution while a CUDA graph "
                   "was captured");
        return;
      }
      p->unfused = true;
      std::fprintf(stderr,
                   "dlc: DLC_CUDA_FUSED_CONV: cuDNN does not fuse the bias "
                   "and ReLU into convolution algorithm %d here (%s); the "
                   "convolution and dlc's kernel run instead\n",
                   p->algo, cudnnGetErrorString(st));
    }
    if (!dnnCheck(cudnnConvolutionForward(
                      gDnn, &one, p->x, x, p->w, wk, p->conv,
                      (cudnnConvolutionFwdAlgo_t)p->algo, ws, p->workspace,
                      &zero, p->y, out),
                  "cudnnConvolutionForward"))
      return;
    if (withBias)
      biasAct(out, bias, s.N * s.OH * s.OW, s.F, s.F, act, what);
  } else if (kind == kBwdData) {
    if (!dnnCheck(cudnnConvolutionBackwardData(
                      gDnn, &one, p->w, wk, p->y, a, p->conv,
                      (cudnnConvolutionBwdDataAlgo_t)p->algo, ws,
                      p->workspace, &zero, p->x, dxp),
                  "cudnnConvolutionBackwardData"))
      return;
    if (p->padded) // crop the padded gradient back to [H, W]
      shiftCopy(out, dxp, s.N, s.H, s.W, p->Hp, p->Wp, s.C, s.PT, s.PL, what);
  } else {
    if (!dnnCheck(cudnnConvolutionBackwardFilter(
                      gDnn, &one, p->x, x, p->y, b, p->conv,
                      (cudnnConvolutionBwdFilterAlgo_t)p->algo, ws,
                      p->workspace, &zero, p->w, dwk),
                  "cudnnConvolutionBackwardFilter"))
      return;
    transpose(dwk, out, s.F, R, what); // KRSC [F][R] -> HWCF [R][F]
  }
}

/// `maxKind`: 1 for the forward pass, 3 for the gradient (kind | 2 masks
/// it with the ReLU of the pooled input).
bool checkPool(int64_t kind, int64_t maxKind, const float *a, const float *b,
               const float *c, int64_t N, int64_t H, int64_t W, int64_t C,
               int64_t KH, int64_t KW, int64_t OH, int64_t OW, int64_t SH,
               int64_t SW, const char *what) {
  if (kind < 0 || kind > maxKind) {
    fail(what, maxKind == 1 ? "bad kind: 0 (max) or 1 (average) expected"
                            : "bad kind: 0 (max) or 1 (average), | 2 for the "
                              "ReLU mask, expected");
    return false;
  }
  if (N < 0 || H < 1 || W < 1 || C < 1 || KH < 1 || KW < 1 || OH < 0 ||
      OW < 0 || SH < 1 || SW < 1) {
    fail(what, "bad shape: every size must be >= 1 (N, OH, OW >= 0)");
    return false;
  }
  if (N > 0 && (!a || !b || !c)) {
    fail(what, "null pointer");
    return false;
  }
  return true;
}

} // namespace

namespace {

/// Checks a dlc_cu_sgemm*'s arguments; false with the error recorded, or
/// when there is nothing to compute (M or N is 0).
bool checkGemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
               int64_t transA, const float *B, int64_t ldb, int64_t transB,
               const float *C, int64_t ldc, const char *what) {
  const int64_t aCols = transA ? M : K, bCols = transB ? K : N;
  if (M < 0 || N < 0 || K < 0 || lda < (aCols > 1 ? aCols : 1) ||
      ldb < (bCols > 1 ? bCols : 1) || ldc < (N > 1 ? N : 1) ||
      M > INT_MAX || N > INT_MAX || K > INT_MAX || lda > INT_MAX ||
      ldb > INT_MAX || ldc > INT_MAX) {
    fail(what, ("bad arguments: M " + std::to_string(M) + ", N " +
                std::to_string(N) + ", K " + std::to_string(K) + ", lda " +
                std::to_string(lda) + ", ldb " + std::to_string(ldb) +
                ", ldc " + std::to_string(ldc))
                   .c_str());
    return false;
  }
  if (M == 0 || N == 0)
    return false;
  if (!C || (K > 0 && (!A || !B))) {
    fail(what, "null pointer");
    return false;
  }
  return true;
}

/// Row-major C[M][N] = op(A) op(B) (+ C): the column-major
/// C^T[N][M] = op(B)^T op(A)^T. Holds gMutex, handles ready.
bool sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
           int64_t transA, const float *B, int64_t ldb, int64_t transB,
           float *C, int64_t ldc, bool accumulate) {
  if (K == 0) {
    // An empty sum: C unchanged, or zero (the CPU's kernel does the same;
    // cuBLAS documents no k = 0 case).
    if (accumulate)
      return true;
    return check(drv.cuMemsetD2D32Async(reinterpret_cast<CUdeviceptr>(C),
                                        (size_t)ldc * 4, 0, (size_t)N,
                                        (size_t)M, stream()),
                 "cuMemsetD2D32Async");
  }
  const float one = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  return blasCheck(cublasSgemm(gBlas, transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                               transA ? CUBLAS_OP_T : CUBLAS_OP_N, (int)N,
                               (int)M, (int)K, &one, B, (int)ldb, A, (int)lda,
                               &beta, C, (int)ldc),
                   "cublasSgemm");
}

/// A cuBLASLt matmul with a bias (+ ReLU) epilogue for one shape, layout
/// and pointer alignment, or `unfused` when cuBLASLt has no algorithm.
struct LtPlan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  size_t workspace = 0;
  bool unfused = false;
};
std::map<std::array<int64_t, 14>, LtPlan> gLtPlans;
constexpr size_t kLtWorkspace = size_t(32) << 20; // cuBLAS's, lent

/// The plan for C = act(op(A) op(B) + bias) in cuBLASLt's column-major
/// terms (D^T[N][M] = op(B)^T op(A)^T, the bias along D^T's rows); null
/// after an error. Holds gMutex.
LtPlan *ltPlanFor(int64_t M, int64_t N, int64_t K, const float *A,
                  int64_t lda, int64_t transA, const float *B, int64_t ldb,
                  int64_t transB, const float *bias, float *C, int64_t ldc,
                  int64_t act, const char *what) {
  std::array<int64_t, 14> key = {M,      N,      K,   lda, transA,
                                 ldb,    transB, ldc, act, alignmentOf(A),
                                 alignmentOf(B), alignmentOf(C),
                                 alignmentOf(bias), gTf32};
  auto it = gLtPlans.find(key);
  if (it != gLtPlans.end())
    return &it->second;
  if (capturing()) {
    fail(what, "no cuBLASLt algorithm was chosen for this product before "
               "the CUDA graph capture (the step must run once before)");
    return nullptr;
  }
  LtPlan p;
  // Releases what was created when the plan cannot be made.
  auto abandon = [&p]() -> LtPlan * {
    if (p.desc)
      cublasLtMatmulDescDestroy(p.desc);
    for (cublasLtMatrixLayout_t l : {p.a, p.b, p.c})
      if (l)
        cublasLtMatrixLayoutDestroy(l);
    return nullptr;
  };
  const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                          opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const uint32_t epilogue =
      act == 1 ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
  // cuBLASLt's "A" is B (N x K after op), its "B" is A (K x M after op).
  if (!blasCheck(cublasLtMatmulDescCreate(&p.desc,
                                          gTf32 ? CUBLAS_COMPUTE_32F_FAST_TF32
                                                : CUBLAS_COMPUTE_32F,
                                          CUDA_R_32F),
                 "cublasLtMatmulDescCreate") ||
      !blasCheck(cublasLtMatmulDescSetAttribute(
                     p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opB, sizeof opB),
                 "cublasLtMatmulDescSetAttribute") ||
      !blasCheck(cublasLtMatmulDescSetAttribute(
                     p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opA, sizeof opA),
                 "cublasLtMatmulDescSetAttribute") ||
      !blasCheck(cublasLtMatmulDescSetAttribute(p.desc,
                                                CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                &epilogue, sizeof epilogue),
                 "cublasLtMatmulDescSetAttribute") ||
      !blasCheck(cublasLtMatmulDescSetAttribute(
                     p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                     sizeof bias),
                 "cublasLtMatmulDescSetAttribute") ||
      !blasCheck(cublasLtMatrixLayoutCreate(&p.a, CUDA_R_32F,
                                            transB ? K : N, transB ? N : K,
                                            ldb),
                 "cublasLtMatrixLayoutCreate") ||
      !blasCheck(cublasLtMatrixLayoutCreate(&p.b, CUDA_R_32F,
                                            transA ? M : K, transA ? K : M,
                                            lda),
                 "cublasLtMatrixLayoutCreate") ||
      !blasCheck(cublasLtMatrixLayoutCreate(&p.c, CUDA_R_32F, N, M, ldc),
                 "cublasLtMatrixLayoutCreate"))
    return abandon();
  cublasLtMatmulPreference_t pref = nullptr;
  // No in-place split-K reduction: its counters would live in the
  // workspace, which cuBLAS shares.
  const uint32_t schemes =
      CUBLASLT_REDUCTION_SCHEME_NONE | CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE |
      CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE;
  const uint64_t wsBytes = kLtWorkspace;
  // The epilogue reads the bias with D's vector width: D is assumed no
  // more aligned than the bias.
  const uint32_t alignA = alignmentOf(B), alignB = alignmentOf(A),
                 alignC = std::min(alignmentOf(C), alignmentOf(bias));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const bool ok =
      blasCheck(cublasLtMatmulPreferenceCreate(&pref),
                "cublasLtMatmulPreferenceCreate") &&
      blasCheck(cublasLtMatmulPreferenceSetAttribute(
                    pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsBytes,
                    sizeof wsBytes),
                "cublasLtMatmulPreferenceSetAttribute") &&
      blasCheck(cublasLtMatmulPreferenceSetAttribute(
                    pref, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &schemes,
                    sizeof schemes),
                "cublasLtMatmulPreferenceSetAttribute") &&
      blasCheck(cublasLtMatmulPreferenceSetAttribute(
                    pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &alignA,
                    sizeof alignA),
                "cublasLtMatmulPreferenceSetAttribute") &&
      blasCheck(cublasLtMatmulPreferenceSetAttribute(
                    pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &alignB,
                    sizeof alignB),
                "cublasLtMatmulPreferenceSetAttribute") &&
      blasCheck(cublasLtMatmulPreferenceSetAttribute(
                    pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &alignC,
                    sizeof alignC),
                "cublasLtMatmulPreferenceSetAttribute") &&
      blasCheck(cublasLtMatmulPreferenceSetAttribute(
                    pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &alignC,
                    sizeof alignC),
                "cublasLtMatmulPreferenceSetAttribute");
  cublasStatus_t st = CUBLAS_STATUS_SUCCESS;
  if (ok)
    st = cublasLtMatmulAlgoGetHeuristic(gLt, p.desc, p.a, p.b, p.c, p.c, pref,
                                        1, &result, &found);
  if (pref)
    cublasLtMatmulPreferenceDestroy(pref);
  if (!ok)
    return abandon();
  if (st != CUBLAS_STATUS_SUCCESS || found < 1 ||
      result.state != CUBLAS_STATUS_SUCCESS) {
    p.unfused = true;
    std::fprintf(stderr,
                 "dlc: DLC_CUDA_FUSED_GEMM: cuBLASLt has no bias%s epilogue "
                 "for M=%lld N=%lld K=%lld (%s); cuBLAS and dlc's kernel run "
                 "instead\n",
                 act == 1 ? " + ReLU" : "", (long long)M, (long long)N,
                 (long long)K,
                 st != CUBLAS_STATUS_SUCCESS ? cublasGetStatusString(st)
                                             : "no algorithm");
  } else {
    p.algo = result.algo;
    p.workspace = result.workspaceSize;
  }
  return &gLtPlans.emplace(key, p).first->second;
}

} // namespace

DLC_CU_EXPORT void dlc_cu_sgemm(int64_t M, int64_t N, int64_t K,
                                const float *A, int64_t lda, int64_t transA,
                                const float *B, int64_t ldb, int64_t transB,
                                float *C, int64_t ldc, int64_t accumulate) {
  Entry entry;
  if (!entry || !checkGemm(M, N, K, A, lda, transA, B, ldb, transB, C, ldc,
                           "dlc_cu_sgemm"))
    return;
  std::lock_guard<std::mutex> lock(gMutex);
  if (!handlesReady())
    return;
  ProfileScope scope("dlc_cu_sgemm");
  sgemm(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, accumulate != 0);
}

DLC_CU_EXPORT void dlc_cu_sgemm_bias_act(int64_t M, int64_t N, int64_t K,
                                         const float *A, int64_t lda,
                                         int64_t transA, const float *B,
                                         int64_t ldb, int64_t transB,
                                         const float *bias, float *C,
                                         int64_t ldc, int64_t act) {
  const char *what = "dlc_cu_sgemm_bias_act";
  Entry entry;
  if (!entry)
    return;
  if (act != 0 && act != 1) {
    fail(what, "bad act: 0 (identity) or 1 (relu) expected");
    return;
  }
  if (!checkGemm(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, what))
    return;
  if (!bias) {
    fail(what, "null pointer");
    return;
  }
  std::lock_guard<std::mutex> lock(gMutex);
  if (!handlesReady())
    return;
  ProfileScope scope(what);
  if (gFusedGemm && K > 0) {
    LtPlan *p = ltPlanFor(M, N, K, A, lda, transA, B, ldb, transB, bias, C,
                          ldc, act, what);
    if (!p)
      return;
    if (!p->unfused) {
      const float one = 1.0f, zero = 0.0f;
      // The bias pointer is the call's (the plan may be another call's).
      if (!blasCheck(cublasLtMatmulDescSetAttribute(
                         p->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                         sizeof bias),
                     "cublasLtMatmulDescSetAttribute"))
        return;
      cublasStatus_t st = cublasLtMatmul(
          gLt, p->desc, &one, B, p->a, A, p->b, &zero, C, p->c, C, p->c,
          &p->algo, gBlasWorkspace, p->workspace,
          reinterpret_cast<cudaStream_t>(stream()));
      if (st == CUBLAS_STATUS_SUCCESS)
        return;
      // Refused before any launch (an operand cuBLASLt cannot take after
      // all): cuBLAS and dlc's kernel from now on; in a capture, the
      // capture fails (the step ran once before without this error).
      if (capturing()) {
        blasCheck(st, "cublasLtMatmul");
        return;
      }
      p->unfused = true;
      std::fprintf(stderr,
                   "dlc: DLC_CUDA_FUSED_GEMM: cuBLASLt has no bias epilogue "
                   "for M=%lld N=%lld K=%lld after all (cublasLtMatmul: %s); "
                   "cuBLAS and dlc's kernel run instead\n",
                   (long long)M, (long long)N, (long long)K,
                   cublasGetStatusString(st));
    }
  }
  if (sgemm(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, false))
    biasAct(C, bias, M, N, ldc, act, what);
}

DLC_CU_EXPORT void dlc_cu_conv2d_fwd(const float *x, const float *w, float *y,
                                     int64_t N, int64_t H, int64_t W,
                                     int64_t C, int64_t KH, int64_t KW,
                                     int64_t F, int64_t OH, int64_t OW,
                                     int64_t SH, int64_t SW, int64_t PT,
                                     int64_t PL) {
  convolution(kFwd, x, w, y, {N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL});
}

DLC_CU_EXPORT void dlc_cu_conv2d_bwd_data(const float *dy, const float *w,
                                          float *dx, int64_t N, int64_t H,
                                          int64_t W, int64_t C, int64_t KH,
                                          int64_t KW, int64_t F, int64_t OH,
                                          int64_t OW, int64_t SH, int64_t SW,
                                          int64_t PT, int64_t PL) {
  convolution(kBwdData, dy, w, dx,
              {N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL});
}

DLC_CU_EXPORT void dlc_cu_conv2d_bwd_filter(const float *x, const float *dy,
                                            float *dw, int64_t N, int64_t H,
                                            int64_t W, int64_t C, int64_t KH,
                                            int64_t KW, int64_t F, int64_t OH,
                                            int64_t OW, int64_t SH,
                                            int64_t SW, int64_t PT,
                                            int64_t PL) {
  convolution(kBwdFilter, x, dy, dw,
              {N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL});
}

DLC_CU_EXPORT void dlc_cu_conv2d_fwd_bias_act(
    const float *x, const float *w, const float *bias, float *y, int64_t N,
    int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t F,
    int64_t OH, int64_t OW, int64_t SH, int64_t SW, int64_t PT, int64_t PL,
    int64_t act) {
  convolution(kFwd, x, w, y, {N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL},
              bias, act < 0 ? 2 : act); // a negative act is bad too
}

DLC_CU_EXPORT void dlc_cu_pool2d_fwd(int64_t kind, const float *x, float *y,
                                     int64_t N, int64_t H, int64_t W,
                                     int64_t C, int64_t KH, int64_t KW,
                                     int64_t OH, int64_t OW, int64_t SH,
                                     int64_t SW, int64_t PT, int64_t PL) {
  Entry entry;
  if (!entry || !checkPool(kind, 1, x, y, y, N, H, W, C, KH, KW, OH, OW,
                             SH, SW, "dlc_cu_pool2d_fwd"))
    return;
  ProfileScope scope("dlc_cu_pool2d_fwd");
  void *params[] = {&kind, &x,  &y,  &N,  &H,  &W,  &C,  &KH,
                    &KW,   &OH, &OW, &SH, &SW, &PT, &PL};
  launch1d(kernelFor("dlc_pool2d_fwd", poolFits32(N, H, W, C, KH, KW, OH, OW,
                                                  SH, SW, PT, PL)),
           N * OH * OW * C, params, "dlc_cu_pool2d_fwd");
}

DLC_CU_EXPORT void dlc_cu_pool2d_bwd(int64_t kind, const float *x,
                                     const float * /*y*/, const float *dy,
                                     float *dx, int64_t N, int64_t H,
                                     int64_t W, int64_t C, int64_t KH,
                                     int64_t KW, int64_t OH, int64_t OW,
                                     int64_t SH, int64_t SW, int64_t PT,
                                     int64_t PL) {
  Entry entry;
  if (!entry || !checkPool(kind, 3, x, dy, dx, N, H, W, C, KH, KW, OH, OW,
                             SH, SW, "dlc_cu_pool2d_bwd"))
    return;
  ProfileScope scope("dlc_cu_pool2d_bwd");
  void *params[] = {&kind, &x,  &dy, &dx, &N,  &H,  &W,  &C,
                    &KH,   &KW, &OH, &OW, &SH, &SW, &PT, &PL};
  launch1d(kernelFor("dlc_pool2d_bwd", poolFits32(N, H, W, C, KH, KW, OH, OW,
                                                  SH, SW, PT, PL)),
           N * H * W * C, params, "dlc_cu_pool2d_bwd");
}

#pragma GCC diagnostic pop
