//===- CudaOpsTest.cpp - dlc_cu_* against the CPU kernels dlc_k_* ---------===//
//
// Each CUDA operation on the tutorial CNN's shapes (32x32x3 inputs, 3x3
// convolutions with SAME and VALID padding, stride 2 with TensorFlow's
// asymmetric SAME padding, 2x2 and 3x3/2 max and average pooling, the GEMMs
// of its dense layers and every transpose combination) must match the CPU
// kernel library to 1e-4, relative to the magnitude of the result. Needs a
// GPU: skipped when dlc_cuda_init fails. ctest runs the convolution tests a
// second time with DLC_CUDA_FUSED_CONV=1 (cuDNN's fused bias and ReLU), and
// the GEMM tests with DLC_CUDA_FUSED_GEMM=1 (cuBLASLt's epilogue).
//
//===----------------------------------------------------------------------===//

#include "dlc/cuda_abi.h"
#include "dlc/kernels.h"

#include "RandomVector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

extern "C" {
void dlc_cu_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                  int64_t transA, const float *B, int64_t ldb, int64_t transB,
                  float *C, int64_t ldc, int64_t accumulate);
void dlc_cu_sgemm_bias_act(int64_t M, int64_t N, int64_t K, const float *A,
                           int64_t lda, int64_t transA, const float *B,
                           int64_t ldb, int64_t transB, const float *bias,
                           float *C, int64_t ldc, int64_t act);
void dlc_cu_conv2d_fwd(const float *x, const float *w, float *y, int64_t N,
                       int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW,
                       int64_t F, int64_t OH, int64_t OW, int64_t SH,
                       int64_t SW, int64_t PT, int64_t PL);
void dlc_cu_conv2d_fwd_bias_act(const float *x, const float *w,
                                const float *bias, float *y, int64_t N,
                                int64_t H, int64_t W, int64_t C, int64_t KH,
                                int64_t KW, int64_t F, int64_t OH, int64_t OW,
                                int64_t SH, int64_t SW, int64_t PT, int64_t PL,
                                int64_t act);
void dlc_cu_conv2d_bwd_data(const float *dy, const float *w, float *dx,
                            int64_t N, int64_t H, int64_t W, int64_t C,
                            int64_t KH, int64_t KW, int64_t F, int64_t OH,
                            int64_t OW, int64_t SH, int64_t SW, int64_t PT,
                            int64_t PL);
void dlc_cu_conv2d_bwd_filter(const float *x, const float *dy, float *dw,
                              int64_t N, int64_t H, int64_t W, int64_t C,
                              int64_t KH, int64_t KW, int64_t F, int64_t OH,
                              int64_t OW, int64_t SH, int64_t SW, int64_t PT,
                              int64_t PL);
void dlc_cu_pool2d_fwd(int64_t kind, const float *x, float *y, int64_t N,
                       int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW,
                       int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                       int64_t PT, int64_t PL);
void dlc_cu_pool2d_bwd(int64_t kind, const float *x, const float *y,
                       const float *dy, float *dx, int64_t N, int64_t H,
                       int64_t W, int64_t C, int64_t KH, int64_t KW,
                       int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                       int64_t PT, int64_t PL);
}

namespace {

/// Managed memory from the CUDA runtime, filled and read by the host.
struct DeviceBuffer {
  explicit DeviceBuffer(const std::vector<float> &host) : n(host.size()) {
    p = static_cast<float *>(dlc_cuda_alloc(n * sizeof(float)));
    if (p)
      std::memcpy(p, host.data(), n * sizeof(float));
  }
  explicit DeviceBuffer(size_t count) : n(count) {
    p = static_cast<float *>(dlc_cuda_alloc(n * sizeof(float)));
    if (p) // garbage: outputs must be overwritten
      for (size_t i = 0; i < n; ++i)
        p[i] = std::nanf("");
  }
  ~DeviceBuffer() { dlc_cuda_free(p); }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  std::vector<float> host() const {
    EXPECT_EQ(dlc_cuda_synchronize(), 0) << dlc_cuda_last_error();
    return std::vector<float>(p, p + n);
  }
  float *p = nullptr;
  size_t n;
};

/// |got - ref| <= 1e-4 * max(|ref|, rms(ref)) everywhere.
void expectClose(const std::vector<float> &got, const std::vector<float> &ref,
                 const std::string &what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  double sq = 0;
  for (float r : ref)
    sq += (double)r * r;
  const double rms = ref.empty() ? 0 : std::sqrt(sq / ref.size());
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double tol = 1e-4 * std::max<double>(std::fabs(ref[i]), rms) + 1e-30;
    if (!(std::fabs((double)got[i] - ref[i]) <= tol) && bad++ == 0)
      first = i;
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << ref.size()
                     << " elements differ; first at " << first << ": got "
                     << got[first] << ", expected " << ref[first]
                     << " (rms " << rms << ")";
}

class CudaOps : public ::testing::Test {
protected:
  void SetUp() override {
    char message[512];
    if (dlc_cuda_init(message, sizeof message) != 0)
      GTEST_SKIP() << "no CUDA device: " << message;
  }
  void TearDown() override {
    if (!IsSkipped())
      EXPECT_EQ(dlc_cuda_last_error(), nullptr)
          << dlc_cuda_last_error();
  }
};

//===------------------------------- GEMM ---------------------------------===//

void checkGemm(int64_t M, int64_t N, int64_t K, int64_t tA, int64_t tB,
               int64_t acc, uint32_t seed) {
  const int64_t lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 5, ldc = N + 2;
  std::vector<float> a = randomVector((tA ? K : M) * lda, seed),
                     b = randomVector((tB ? N : K) * ldb, seed + 1),
                     c = randomVector(M * ldc, seed + 2);
  DeviceBuffer da(a), db(b), dc(c);
  dlc_cu_sgemm(M, N, K, da.p, lda, tA, db.p, ldb, tB, dc.p, ldc, acc);
  std::vector<float> ref = c;
  dlc_k_sgemm(M, N, K, a.data(), lda, tA, b.data(), ldb, tB, ref.data(), ldc,
              acc);
  // Only the M x N block is defined; the padding columns keep their values.
  std::vector<float> got = dc.host();
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = N; j < ldc; ++j)
      EXPECT_EQ(got[i * ldc + j], c[i * ldc + j]) << "padding overwritten";
  expectClose(got, ref,
              "sgemm M " + std::to_string(M) + " N " + std::to_string(N) +
                  " K " + std::to_string(K) + " transA " + std::to_string(tA) +
                  " transB " + std::to_string(tB) + " accumulate " +
                  std::to_string(acc));
}

TEST_F(CudaOps, SgemmTransposesAndAccumulate) {
  uint32_t seed = 1;
  for (int64_t tA = 0; tA < 2; ++tA)
    for (int64_t tB = 0; tB < 2; ++tB)
      for (int64_t acc = 0; acc < 2; ++acc)
        checkGemm(37, 53, 71, tA, tB, acc, seed += 3);
}

TEST_F(CudaOps, SgemmOfAnEmptySumZeroesOrKeepsC) {
  // K = 0: C = 0 (only the M x N block; ldc > N), or C unchanged when
  // accumulating, as the CPU's kernel does.
  uint32_t seed = 40;
  for (int64_t tA = 0; tA < 2; ++tA)
    for (int64_t acc = 0; acc < 2; ++acc)
      checkGemm(7, 5, 0, tA, 1 - tA, acc, seed += 3);
}

TEST_F(CudaOps, SgemmDenseLayersOfTheCifarNet) {
  // fc 4096 -> 512 and 512 -> 10 at batch 96: forward, both gradients.
  checkGemm(96, 512, 4096, 0, 0, 0, 11);
  checkGemm(4096, 512, 96, 1, 0, 0, 12); // dW = x^T dy
  checkGemm(96, 4096, 512, 0, 1, 0, 13); // dx = dy W^T
  checkGemm(96, 10, 512, 0, 0, 1, 14);
}

TEST_F(CudaOps, SgemmWithBiasAndActivationMatchesTheCpu) {
  // The dense layers' forward products with their epilogue, every
  // transpose combination, and operands at odd float offsets (cuBLASLt
  // plans depend on the pointers' alignment).
  const int64_t dims[][3] = {{96, 512, 4096}, {96, 10, 512}, {7, 13, 5},
                             {33, 64, 1}};
  const char *fused = std::getenv("DLC_CUDA_FUSED_GEMM");
  const bool fusedGemm = fused && std::strcmp(fused, "1") == 0;
  uint32_t seed = 30;
  for (auto &d : dims)
    for (int t = 0; t < 8; ++t) {
      const int64_t M = d[0], N = d[1], K = d[2], tA = t & 1, tB = (t >> 1) & 1;
      const size_t off = (t >> 2) & 1; // floats
      const int64_t lda = (tA ? M : K) + 1, ldb = (tB ? K : N) + 2,
                    ldc = N + 3;
      std::vector<float> a = randomVector(off + (tA ? K : M) * lda, ++seed),
                         b = randomVector(off + (tB ? N : K) * ldb, ++seed),
                         bias = randomVector(off + N, ++seed);
      DeviceBuffer da(a), db(b), dbias(bias);
      for (int64_t act = 0; act < 2; ++act) {
        SCOPED_TRACE("M " + std::to_string(M) + " N " + std::to_string(N) +
                     " K " + std::to_string(K) + " transA " +
                     std::to_string(tA) + " transB " + std::to_string(tB) +
                     " offset " + std::to_string(off) + " act " +
                     std::to_string(act));
        std::vector<float> c(off + M * ldc, 7.0f);
        DeviceBuffer dc(c);
        // With DLC_CUDA_FUSED_GEMM=1, the dense layers' aligned products
        // must run in cuBLASLt, not fall back (which says so on stderr).
        const bool mustFuse = fusedGemm && off == 0 && K > 1;
        if (mustFuse)
          testing::internal::CaptureStderr();
        dlc_cu_sgemm_bias_act(M, N, K, da.p + off, lda, tA, db.p + off, ldb,
                              tB, dbias.p + off, dc.p + off, ldc, act);
        if (mustFuse) {
          ASSERT_EQ(dlc_cuda_synchronize(), 0) << dlc_cuda_last_error();
          const std::string note = testing::internal::GetCapturedStderr();
          EXPECT_EQ(note.find("cuBLASLt has no"), std::string::npos) << note;
        }
        std::vector<float> ref = c;
        dlc_k_sgemm_bias_act(M, N, K, a.data() + off, lda, tA, b.data() + off,
                             ldb, tB, bias.data() + off, ref.data() + off, ldc,
                             act);
        std::vector<float> got = dc.host();
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = N; j < ldc; ++j)
            ASSERT_EQ(got[off + i * ldc + j], 7.0f) << "padding overwritten";
        expectClose(got, ref, "sgemm + bias");
        ASSERT_EQ(dlc_cuda_last_error(), nullptr) << dlc_cuda_last_error();
      }
    }
}

//===---------------------------- Convolutions ----------------------------===//

struct ConvCase {
  const char *name;
  int64_t N, H, W, C, KH, KW, F, SH, SW;
  int same;                  // 1: TensorFlow's SAME, 0: VALID, -1: explicit
  int64_t PT, PL, OH, OW;    // explicit only
};

void resolve(ConvCase &c) {
  if (c.same == 1) {
    c.OH = (c.H + c.SH - 1) / c.SH;
    c.OW = (c.W + c.SW - 1) / c.SW;
    c.PT = std::max<int64_t>((c.OH - 1) * c.SH + c.KH - c.H, 0) / 2;
    c.PL = std::max<int64_t>((c.OW - 1) * c.SW + c.KW - c.W, 0) / 2;
  } else if (c.same == 0) {
    c.OH = (c.H - c.KH) / c.SH + 1;
    c.OW = (c.W - c.KW) / c.SW + 1;
    c.PT = c.PL = 0;
  }
}

const ConvCase kConvCases[] = {
    {"cifar conv1 32x32x3 3x3 SAME", 4, 32, 32, 3, 3, 3, 32, 1, 1, 1},
    {"cifar conv2 16x16x32 3x3 SAME", 4, 16, 16, 32, 3, 3, 64, 1, 1, 1},
    {"stride 2 SAME (pads 0 top, 1 bottom)", 4, 32, 32, 3, 3, 3, 16, 2, 2, 1},
    {"stride 2 SAME, odd input", 3, 15, 15, 8, 3, 3, 8, 2, 2, 1},
    {"VALID 3x3", 4, 32, 32, 3, 3, 3, 8, 1, 1, 0},
    {"VALID 3x3 stride 2 (last row unused)", 4, 32, 32, 3, 3, 3, 8, 2, 2, 0},
    {"5x5 SAME stride 2, non-square", 2, 28, 20, 4, 5, 5, 6, 2, 2, 1},
    {"explicit asymmetric: 1 top, 2 bottom, 0 left, 2 right", 2, 8, 9, 5, 3,
     3, 7, 1, 1, -1, 1, 0, 9, 9},
    {"1x1 stride 2", 2, 9, 9, 6, 1, 1, 5, 2, 2, 0},
    {"explicit 1 top and left, stride 2 (cuDNN's bottom pad unread)", 2, 16,
     16, 4, 3, 3, 6, 2, 2, -1, 1, 1, 8, 8},
};

TEST_F(CudaOps, ConvolutionsMatchTheCpuKernels) {
  uint32_t seed = 100;
  for (ConvCase c : kConvCases) {
    resolve(c);
    SCOPED_TRACE(c.name);
    const size_t xs = c.N * c.H * c.W * c.C, ws = c.KH * c.KW * c.C * c.F,
                 ys = c.N * c.OH * c.OW * c.F;
    std::vector<float> x = randomVector(xs, ++seed), w = randomVector(ws, ++seed),
                       dy = randomVector(ys, ++seed),
                       b = randomVector(c.F, ++seed);
    DeviceBuffer dX(x), dW(w), dDy(dy), dB(b), y(ys), y0(ys), y1(ys), dx(xs),
        dw(ws);
    // Twice: the second call takes the cached plan.
    for (int round = 0; round < 2; ++round) {
      dlc_cu_conv2d_fwd(dX.p, dW.p, y.p, c.N, c.H, c.W, c.C, c.KH, c.KW, c.F,
                        c.OH, c.OW, c.SH, c.SW, c.PT, c.PL);
      for (int64_t act = 0; act < 2; ++act)
        dlc_cu_conv2d_fwd_bias_act(dX.p, dW.p, dB.p, act ? y1.p : y0.p, c.N,
                                   c.H, c.W, c.C, c.KH, c.KW, c.F, c.OH, c.OW,
                                   c.SH, c.SW, c.PT, c.PL, act);
      dlc_cu_conv2d_bwd_data(dDy.p, dW.p, dx.p, c.N, c.H, c.W, c.C, c.KH, c.KW,
                             c.F, c.OH, c.OW, c.SH, c.SW, c.PT, c.PL);
      dlc_cu_conv2d_bwd_filter(dX.p, dDy.p, dw.p, c.N, c.H, c.W, c.C, c.KH,
                               c.KW, c.F, c.OH, c.OW, c.SH, c.SW, c.PT, c.PL);
    }
    std::vector<float> ry(ys), ry0(ys), ry1(ys), rdx(xs), rdw(ws);
    dlc_k_conv2d_fwd(x.data(), w.data(), ry.data(), c.N, c.H, c.W, c.C, c.KH,
                     c.KW, c.F, c.OH, c.OW, c.SH, c.SW, c.PT, c.PL);
    for (int64_t act = 0; act < 2; ++act)
      dlc_k_conv2d_fwd_bias_act(x.data(), w.data(), b.data(),
                                act ? ry1.data() : ry0.data(), c.N, c.H, c.W,
                                c.C, c.KH, c.KW, c.F, c.OH, c.OW, c.SH, c.SW,
                                c.PT, c.PL, act);
    dlc_k_conv2d_bwd_data(dy.data(), w.data(), rdx.data(), c.N, c.H, c.W, c.C,
                          c.KH, c.KW, c.F, c.OH, c.OW, c.SH, c.SW, c.PT, c.PL);
    dlc_k_conv2d_bwd_filter(x.data(), dy.data(), rdw.data(), c.N, c.H, c.W,
                            c.C, c.KH, c.KW, c.F, c.OH, c.OW, c.SH, c.SW, c.PT,
                            c.PL);
    expectClose(y.host(), ry, std::string(c.name) + ": forward");
    expectClose(y0.host(), ry0, std::string(c.name) + ": forward + bias");
    expectClose(y1.host(), ry1, std::string(c.name) + ": relu(forward + bias)");
    expectClose(dx.host(), rdx, std::string(c.name) + ": data gradient");
    expectClose(dw.host(), rdw, std::string(c.name) + ": filter gradient");
    ASSERT_EQ(dlc_cuda_last_error(), nullptr) << dlc_cuda_last_error();
  }
}

TEST_F(CudaOps, ConvolutionsOnViewsAtAnOffset) {
  // The compiler passes views of the workspace at any 4-byte offset; the
  // algorithm cached for one call must work on another pointer.
  ConvCase c = {"cifar conv2", 3, 16, 16, 32, 3, 3, 64, 1, 1, 1};
  resolve(c);
  const size_t xs = c.N * c.H * c.W * c.C, ws = c.KH * c.KW * c.C * c.F,
               ys = c.N * c.OH * c.OW * c.F;
  std::vector<float> x = randomVector(xs, 900), w = randomVector(ws, 901);
  std::vector<float> ry(ys);
  dlc_k_conv2d_fwd(x.data(), w.data(), ry.data(), c.N, c.H, c.W, c.C, c.KH,
                   c.KW, c.F, c.OH, c.OW, c.SH, c.SW, c.PT, c.PL);
  for (size_t offset : {0, 1, 3}) {
    SCOPED_TRACE("offset " + std::to_string(offset));
    std::vector<float> xo(offset, 0.0f), wo(offset, 0.0f);
    xo.insert(xo.end(), x.begin(), x.end());
    wo.insert(wo.end(), w.begin(), w.end());
    DeviceBuffer dX(xo), dW(wo), y(ys + offset);
    dlc_cu_conv2d_fwd(dX.p + offset, dW.p + offset, y.p + offset, c.N, c.H,
                      c.W, c.C, c.KH, c.KW, c.F, c.OH, c.OW, c.SH, c.SW, c.PT,
                      c.PL);
    std::vector<float> got = y.host();
    expectClose(std::vector<float>(got.begin() + offset, got.end()), ry,
                "forward");
    ASSERT_EQ(dlc_cuda_last_error(), nullptr) << dlc_cuda_last_error();
  }
}

//===------------------------------ Pooling -------------------------------===//

TEST_F(CudaOps, PoolingMatchesTheCpuKernels) {
  struct PoolCase {
    const char *name;
    int64_t N, H, W, C, K, S;
  };
  const PoolCase cases[] = {
      {"2x2/2 on 32x32x32", 4, 32, 32, 32, 2, 2},
      {"2x2/2 on 15x15x8 (SAME, last window clipped)", 2, 15, 15, 8, 2, 2},
      {"3x3/2 SAME on 32x32x16 (pads 0 top, 1 bottom)", 3, 32, 32, 16, 3, 2},
      {"3x3/2 SAME on 15x15x8 (pads 1 and 1)", 2, 15, 15, 8, 3, 2},
      {"3x3/1 SAME on 8x8x5 (overlapping, padded)", 2, 8, 8, 5, 3, 1},
  };
  uint32_t seed = 500;
  for (const PoolCase &p : cases)
    for (int64_t kind = 0; kind < 4; ++kind) { // | 2: the ReLU mask
      const std::string name = std::string(kind & 1 ? "avg " : "max ") +
                               (kind & 2 ? "(relu mask) " : "") + p.name;
      SCOPED_TRACE(name);
      const int64_t OH = (p.H + p.S - 1) / p.S, OW = (p.W + p.S - 1) / p.S;
      const int64_t PT = std::max<int64_t>((OH - 1) * p.S + p.K - p.H, 0) / 2;
      const int64_t PL = std::max<int64_t>((OW - 1) * p.S + p.K - p.W, 0) / 2;
      const size_t xs = p.N * p.H * p.W * p.C, ys = p.N * OH * OW * p.C;
      std::vector<float> x = randomVector(xs, ++seed),
                         dy = randomVector(ys, ++seed);
      DeviceBuffer dX(x), dDy(dy), y(ys), dx(xs);
      dlc_cu_pool2d_fwd(kind & 1, dX.p, y.p, p.N, p.H, p.W, p.C, p.K, p.K,
                        OH, OW, p.S, p.S, PT, PL);
      dlc_cu_pool2d_bwd(kind, dX.p, y.p, dDy.p, dx.p, p.N, p.H, p.W, p.C, p.K,
                        p.K, OH, OW, p.S, p.S, PT, PL);
      std::vector<float> ry(ys), rdx(xs);
      dlc_k_pool2d_fwd(kind & 1, x.data(), ry.data(), p.N, p.H, p.W, p.C,
                       p.K, p.K, OH, OW, p.S, p.S, PT, PL);
      dlc_k_pool2d_bwd(kind, x.data(), ry.data(), dy.data(), rdx.data(), p.N,
                       p.H, p.W, p.C, p.K, p.K, OH, OW, p.S, p.S, PT, PL);
      expectClose(y.host(), ry, name + ": forward");
      expectClose(dx.host(), rdx, name + ": gradient");
    }
}

TEST_F(CudaOps, MaxPoolGradientGoesToTheFirstMaximum) {
  // All-equal windows (ReLU zeros): the CPU kernels route dy to the first
  // element in (kh, kw) order; so must the device.
  const int64_t N = 1, H = 4, W = 4, C = 3;
  std::vector<float> x(N * H * W * C, 0.0f), dy(N * 2 * 2 * C, 1.0f);
  DeviceBuffer dX(x), dDy(dy), y(dy.size()), dx(x.size());
  dlc_cu_pool2d_fwd(0, dX.p, y.p, N, H, W, C, 2, 2, 2, 2, 2, 2, 0, 0);
  dlc_cu_pool2d_bwd(0, dX.p, y.p, dDy.p, dx.p, N, H, W, C, 2, 2, 2, 2, 2, 2, 0,
                    0);
  std::vector<float> ref(x.size());
  dlc_k_pool2d_bwd(0, x.data(), nullptr, dy.data(), ref.data(), N, H, W, C, 2,
                   2, 2, 2, 2, 2, 0, 0);
  EXPECT_EQ(dx.host(), ref);
}

TEST_F(CudaOps, ConvolutionsAndPoolingWithoutOutputPixels) {
  // A 3x3 VALID window on a 2x2 image: OH = OW = 0. As on the CPU, the
  // forward calls write nothing and the gradients are zero; an empty batch
  // gives a zero filter gradient too.
  const int64_t N = 2, H = 2, W = 2, C = 3, K = 3, F = 4;
  std::vector<float> x = randomVector(N * H * W * C, 700),
                     w = randomVector(K * K * C * F, 701);
  DeviceBuffer dX(x), dW(w), dB(std::vector<float>(F, 1.0f)), y(16), dx(x.size()),
      dw(w.size()), dxPool(x.size()), dwEmpty(w.size());
  for (int64_t act = 0; act < 2; ++act)
    dlc_cu_conv2d_fwd_bias_act(dX.p, dW.p, dB.p, y.p, N, H, W, C, K, K, F, 0,
                               0, 1, 1, 0, 0, act);
  dlc_cu_conv2d_fwd(dX.p, dW.p, y.p, N, H, W, C, K, K, F, 0, 0, 1, 1, 0, 0);
  dlc_cu_pool2d_fwd(0, dX.p, y.p, N, H, W, C, K, K, 0, 0, 1, 1, 0, 0);
  dlc_cu_conv2d_bwd_data(dW.p, dW.p, dx.p, N, H, W, C, K, K, F, 0, 0, 1, 1, 0,
                         0);
  dlc_cu_conv2d_bwd_filter(dX.p, dX.p, dw.p, N, H, W, C, K, K, F, 0, 0, 1, 1,
                           0, 0);
  dlc_cu_pool2d_bwd(2, dX.p, dX.p, dX.p, dxPool.p, N, H, W, C, K, K, 0, 0, 1,
                    1, 0, 0);
  dlc_cu_conv2d_bwd_filter(dX.p, dX.p, dwEmpty.p, 0, 4, 4, C, K, K, F, 2, 2,
                           1, 1, 0, 0);
  ASSERT_EQ(dlc_cuda_last_error(), nullptr) << dlc_cuda_last_error();
  for (float v : y.host())
    EXPECT_TRUE(std::isnan(v)) << "a forward call without outputs wrote";
  const std::vector<float> zeros(x.size(), 0.0f);
  EXPECT_EQ(dx.host(), zeros);
  EXPECT_EQ(dw.host(), std::vector<float>(w.size(), 0.0f));
  EXPECT_EQ(dxPool.host(), zeros);
  EXPECT_EQ(dwEmpty.host(), std::vector<float>(w.size(), 0.0f))
      << "the filter gradient of an empty batch";
  std::vector<float> ref(x.size(), std::nanf(""));
  dlc_k_conv2d_bwd_data(w.data(), w.data(), ref.data(), N, H, W, C, K, K, F, 0,
                        0, 1, 1, 0, 0);
  EXPECT_EQ(ref, zeros) << "the CPU kernels zero it too";
}

TEST_F(CudaOps, PoolingWithWindowsBeyond32BitIndicesMatchesTheCpu) {
  // A window of 2^28 rows and columns (global pooling) is too large for the
  // 32-bit variants of the runtime's kernels: the 64-bit ones run.
  const int64_t N = 2, H = 5, W = 7, C = 6, K = int64_t(1) << 28;
  std::vector<float> x = randomVector(N * H * W * C, 800),
                     dy = randomVector(N * C, 801);
  for (int64_t kind = 0; kind < 4; ++kind) {
    SCOPED_TRACE("kind " + std::to_string(kind));
    DeviceBuffer dX(x), dDy(dy), y(N * C), dx(x.size());
    dlc_cu_pool2d_fwd(kind & 1, dX.p, y.p, N, H, W, C, K, K, 1, 1, 1, 1, 0, 0);
    dlc_cu_pool2d_bwd(kind, dX.p, y.p, dDy.p, dx.p, N, H, W, C, K, K, 1, 1, 1,
                      1, 0, 0);
    std::vector<float> ry(N * C), rdx(x.size());
    dlc_k_pool2d_fwd(kind & 1, x.data(), ry.data(), N, H, W, C, K, K, 1, 1, 1,
                     1, 0, 0);
    dlc_k_pool2d_bwd(kind, x.data(), ry.data(), dy.data(), rdx.data(), N, H, W,
                     C, K, K, 1, 1, 1, 1, 0, 0);
    expectClose(y.host(), ry, "forward");
    expectClose(dx.host(), rdx, "gradient");
  }
}

TEST_F(CudaOps, OtherThreadsWorkStaysOutOfACapturedGraph) {
  // Another thread copies b while this one captures a copy of a, again and
  // again: its copies must wait for each capture to end, never land in the
  // graph nor break the capture.
  const size_t n = 4096, bytes = n * sizeof(float);
  DeviceBuffer aSrc(std::vector<float>(n, 1.0f)), aDst(n),
      bSrc(std::vector<float>(n, 2.0f)), bDst(n);
  std::atomic<bool> stop{false};
  std::atomic<int> copies{0}, failed{0};
  std::thread other([&] {
    while (!stop.load()) {
      if (dlc_cuda_copy_async(bDst.p, bSrc.p, bytes) != 0 ||
          dlc_cuda_synchronize() != 0) {
        failed = 1;
        return;
      }
      ++copies;
    }
  });
  // Waits (up to 10 s) until the other thread has copied more than `n`
  // times: true when it did.
  auto progressed = [&](int n) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (copies.load() <= n && !failed.load() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    return copies.load() > n;
  };
  progressed(10);
  struct Copy {
    float *dst;
    const float *src;
    size_t bytes;
  } copy{aDst.p, aSrc.p, bytes};
  auto step = [](void *p) {
    auto *c = static_cast<Copy *>(p);
    dlc_cuda_copy_async(c->dst, c->src, c->bytes);
  };
  dlc_cuda_graph *graph = nullptr;
  char why[256] = "";
  int captureFailures = 0, interleaved = 0;
  for (int i = 0; i < 50 && captureFailures == 0; ++i) {
    dlc_cuda_graph_destroy(graph);
    graph = nullptr;
    const int before = copies.load();
    if (dlc_cuda_graph_capture(step, &copy, &graph, why, sizeof why) != 0)
      ++captureFailures;
    // The other thread copies again before the next capture: captures
    // begin while its calls are in flight, not only between them.
    interleaved += progressed(before);
  }
  // The other thread ends before anything is asserted.
  stop = true;
  other.join();
  ASSERT_EQ(captureFailures, 0) << why;
  ASSERT_EQ(failed.load(), 0) << dlc_cuda_last_error();
  EXPECT_EQ(interleaved, 50) << "the other thread stalled";
  ASSERT_EQ(dlc_cuda_synchronize(), 0) << dlc_cuda_last_error();
  for (size_t i = 0; i < n; ++i) {
    aSrc.p[i] = 5.0f;
    bSrc.p[i] = 3.0f;
    bDst.p[i] = 0.0f;
  }
  ASSERT_EQ(dlc_cuda_graph_launch(graph), 0) << dlc_cuda_last_error();
  EXPECT_EQ(aDst.host(), std::vector<float>(n, 5.0f)) << "the captured copy";
  EXPECT_EQ(bDst.host(), std::vector<float>(n, 0.0f))
      << "the other thread's copy ran in the graph";
  dlc_cuda_graph_destroy(graph);
}

TEST_F(CudaOps, BadArgumentsAreReportedNotExecuted) {
  // Each in a child: the error is sticky and would end the other tests.
  DeviceBuffer x(std::vector<float>(64, 1.0f));
  for (int which = 0; which < 3; ++which) {
    pid_t pid = fork();
    if (pid == 0) {
      const char *expected = "";
      if (which == 0) {
        dlc_cu_conv2d_fwd(nullptr, nullptr, nullptr, 1, 0, 4, 1, 3, 3, 1, 2,
                          2, 1, 1, 0, 0);
        expected = "dlc_cu_conv2d_fwd: bad shape";
      } else if (which == 1) {
        dlc_cu_conv2d_fwd_bias_act(x.p, x.p, x.p, x.p, 1, 3, 3, 1, 3, 3, 1, 1,
                                   1, 1, 1, 0, 0, 2);
        expected = "dlc_cu_conv2d_fwd_bias_act: bad act";
      } else {
        dlc_cu_conv2d_fwd_bias_act(x.p, x.p, nullptr, x.p, 1, 3, 3, 1, 3, 3, 1,
                                   1, 1, 1, 1, 0, 0, 1);
        expected = "dlc_cu_conv2d_fwd_bias_act: null pointer";
      }
      const char *e = dlc_cuda_last_error();
      _exit(e && std::strstr(e, expected) ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "case " << which;
  }
}

} // namespace
