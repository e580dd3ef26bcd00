// Tests of the dlc CPU kernel library against naive double-precision
// references. The same sources are linked against each archive
// (dlc_kernels_avx2, _generic, _avx512, and _avx512_blocking: the AVX-512
// blocking on AVX2 instructions); DLCK_TEST_ISA_AVX512 makes every test
// skip on a CPU without AVX-512, DLCK_TEST_ISA_AVX2 on one without AVX2.
#include "dlc/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Vec = std::vector<float>;
using DVec = std::vector<double>;

bool isaSupported() {
#if defined(DLCK_TEST_ISA_AVX512)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
#elif defined(DLCK_TEST_ISA_AVX2)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return true;
#endif
}

class Kernels : public ::testing::Test {
protected:
  void SetUp() override {
    if (!isaSupported()) GTEST_SKIP() << "CPU lacks the archive's ISA";
    dlc_k_set_num_threads(1);
  }
  void TearDown() override { dlc_k_set_num_threads(1); }
};

// Deterministic values in [-1, 1).
Vec randVec(size_t n, uint64_t seed) {
  Vec v(n);
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto &x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = (float)((double)(s >> 40) / (double)(1ULL << 24) * 2.0 - 1.0);
  }
  return v;
}

// |got - ref| <= 1e-5 * sqrt(K) * sum|terms| (per element).
void expectClose(const Vec &got, const DVec &ref, const DVec &mag, int64_t K,
                 const std::string &what) {
  ASSERT_EQ(got.size(), ref.size());
  double tol = 1e-5 * std::sqrt((double)std::max<int64_t>(K, 1));
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs((double)got[i] - ref[i]);
    if (!(err <= tol * mag[i] + 1e-30)) {
      if (++bad <= 5)
        ADD_FAILURE() << what << ": element " << i << " got " << got[i] << " want " << ref[i]
                      << " (mag " << mag[i] << ")";
    }
  }
  EXPECT_EQ(bad, 0) << what;
}

// ---------------------------------------------------------------- GEMM

struct GemmCase {
  int64_t M, N, K, tA, tB, acc, pad;
};

void refGemm(const GemmCase &g, const Vec &A, int64_t lda, const Vec &B, int64_t ldb,
             const Vec &C0, int64_t ldc, DVec &ref, DVec &mag) {
  ref.assign(C0.size(), 0.0);
  mag.assign(C0.size(), 0.0);
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) {
      double s = g.acc ? C0[i * ldc + j] : 0.0, m = std::fabs(s);
      for (int64_t k = 0; k < g.K; ++k) {
        double a = g.tA ? A[k * lda + i] : A[i * lda + k];
        double b = g.tB ? B[j * ldb + k] : B[k * ldb + j];
        s += a * b;
        m += std::fabs(a * b);
      }
      ref[i * ldc + j] = s;
      mag[i * ldc + j] = m;
    }
  // Untouched padding keeps its value.
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = g.N; j < ldc; ++j) ref[i * ldc + j] = C0[i * ldc + j];
}

void runGemm(const GemmCase &g, Vec &C, const Vec &A, int64_t lda, const Vec &B,
             int64_t ldb, int64_t ldc) {
  dlc_k_sgemm(g.M, g.N, g.K, A.data(), lda, g.tA, B.data(), ldb, g.tB, C.data(), ldc, g.acc);
}

TEST_F(Kernels, SgemmMatchesReference) {
  std::vector<GemmCase> cases;
  const int64_t dims[][3] = {{1, 1, 1},    {1, 17, 3},   {5, 1, 9},    {6, 16, 1},
                             {7, 13, 5},   {6, 16, 256}, {12, 32, 257}, {13, 33, 300},
                             {37, 45, 70}, {100, 33, 513}, {3, 200, 40}, {96, 96, 96},
                             {150, 70, 2}, {8, 8, 1000}};
  for (auto &d : dims)
    for (int t = 0; t < 8; ++t)
      cases.push_back({d[0], d[1], d[2], t & 1, (t >> 1) & 1, (t >> 2) & 1, (d[0] + t) % 3});
  int seed = 1;
  for (const auto &g : cases) {
    int64_t lda = (g.tA ? g.M : g.K) + g.pad, ldb = (g.tB ? g.K : g.N) + g.pad;
    int64_t ldc = g.N + g.pad;
    Vec A = randVec((size_t)((g.tA ? g.K : g.M) * lda), seed++);
    Vec B = randVec((size_t)((g.tB ? g.N : g.K) * ldb), seed++);
    Vec C = randVec((size_t)(g.M * ldc), seed++);
    DVec ref, mag;
    refGemm(g, A, lda, B, ldb, C, ldc, ref, mag);
    runGemm(g, C, A, lda, B, ldb, ldc);
    expectClose(C, ref, mag, g.K,
                "sgemm M=" + std::to_string(g.M) + " N=" + std::to_string(g.N) +
                    " K=" + std::to_string(g.K) + " tA=" + std::to_string(g.tA) +
                    " tB=" + std::to_string(g.tB) + " acc=" + std::to_string(g.acc));
  }
}

TEST_F(Kernels, SgemmZeroK) {
  Vec C = randVec(12, 3), C0 = C;
  Vec A(1), B(1);
  dlc_k_sgemm(3, 4, 0, A.data(), 1, 0, B.data(), 4, 0, C.data(), 4, 1);
  EXPECT_EQ(C, C0);
  dlc_k_sgemm(3, 4, 0, A.data(), 1, 0, B.data(), 4, 0, C.data(), 4, 0);
  for (float v : C) EXPECT_EQ(v, 0.0f);
}

// The dense layer's epilogue: exactly dlc_k_sgemm then the bias add and
// the ReLU (NaN kept, -0 -> +0), padding columns of C untouched.
TEST_F(Kernels, SgemmBiasActIsSgemmThenBiasThenAct) {
  const int64_t dims[][3] = {{1, 1, 1}, {7, 13, 5}, {96, 512, 64}, {300, 10, 33}};
  int seed = 60;
  for (auto &d : dims)
    for (int t = 0; t < 4; ++t) {
      const int64_t M = d[0], N = d[1], K = d[2], tA = t & 1, tB = t >> 1;
      const int64_t lda = (tA ? M : K) + 1, ldb = (tB ? K : N) + 2, ldc = N + 3;
      Vec A = randVec((size_t)((tA ? K : M) * lda), seed++);
      Vec B = randVec((size_t)((tB ? N : K) * ldb), seed++);
      Vec bias = randVec((size_t)N, seed++);
      if (N > 2) {
        bias[0] = NAN;
        bias[1] = -0.0f;
      }
      Vec C0(M * ldc, 7.0f);
      dlc_k_sgemm(M, N, K, A.data(), lda, tA, B.data(), ldb, tB, C0.data(), ldc, 0);
      for (int64_t act : {0, 1}) {
        Vec want = C0, got(M * ldc, 7.0f);
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            float v = C0[i * ldc + j] + bias[j];
            if (act == 1) v = v > 0.0f || v != v ? v : 0.0f;
            want[i * ldc + j] = v;
          }
        dlc_k_sgemm_bias_act(M, N, K, A.data(), lda, tA, B.data(), ldb, tB, bias.data(),
                             got.data(), ldc, act);
        EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
            << "M=" << M << " N=" << N << " K=" << K << " tA=" << tA << " tB=" << tB
            << " act " << act;
      }
    }
}

// ---------------------------------------------------------------- conv

struct ConvCase {
  int64_t N, H, W, C, KH, KW, F, SH, SW, PT, PL, OH, OW;
  std::string name() const {
    char b[200];
    snprintf(b, sizeof b, "N%ld H%ld W%ld C%ld K%ldx%ld F%ld S%ldx%ld P%ld,%ld O%ldx%ld",
             (long)N, (long)H, (long)W, (long)C, (long)KH, (long)KW, (long)F, (long)SH,
             (long)SW, (long)PT, (long)PL, (long)OH, (long)OW);
    return b;
  }
  size_t xs() const { return (size_t)(N * H * W * C); }
  size_t ws() const { return (size_t)(KH * KW * C * F); }
  size_t ys() const { return (size_t)(N * OH * OW * F); }
};

// TF "SAME": OH = ceil(H/S), PT = total/2 (odd extra at the bottom).
ConvCase same(int64_t N, int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t F,
              int64_t SH, int64_t SW) {
  int64_t OH = (H + SH - 1) / SH, OW = (W + SW - 1) / SW;
  int64_t th = std::max<int64_t>((OH - 1) * SH + KH - H, 0);
  int64_t tw = std::max<int64_t>((OW - 1) * SW + KW - W, 0);
  return {N, H, W, C, KH, KW, F, SH, SW, th / 2, tw / 2, OH, OW};
}
ConvCase valid(int64_t N, int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t F,
               int64_t SH, int64_t SW) {
  return {N, H, W, C, KH, KW, F, SH, SW, 0, 0, (H - KH) / SH + 1, (W - KW) / SW + 1};
}
// Symmetric explicit padding (PyTorch style), output floor-rounded.
ConvCase padded(int64_t N, int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t F,
                int64_t SH, int64_t SW, int64_t P) {
  return {N, H, W, C, KH, KW, F, SH, SW, P, P, (H + 2 * P - KH) / SH + 1,
          (W + 2 * P - KW) / SW + 1};
}

std::vector<ConvCase> convCases() {
  return {
      valid(1, 1, 1, 1, 1, 1, 1, 1, 1),
      same(2, 5, 7, 3, 3, 3, 5, 1, 1),
      same(5, 8, 8, 1, 3, 3, 4, 1, 1),
      same(1, 9, 9, 3, 3, 3, 7, 2, 2),
      same(1, 8, 8, 3, 3, 3, 7, 2, 2),  // odd total: extra row at the bottom
      same(2, 8, 10, 3, 3, 2, 9, 2, 2), // KH != KW
      same(1, 6, 6, 2, 2, 2, 3, 1, 1),  // even kernel, SAME: odd total
      valid(3, 11, 6, 5, 5, 3, 6, 2, 2),
      valid(3, 11, 6, 5, 5, 3, 6, 1, 1),
      valid(2, 7, 7, 16, 1, 1, 24, 1, 1), // 1x1 direct path
      valid(2, 7, 7, 16, 1, 1, 24, 2, 2),
      same(2, 12, 12, 32, 3, 3, 33, 1, 1),
      valid(1, 6, 6, 8, 4, 4, 5, 2, 2),
      valid(1, 7, 5, 2, 2, 1, 3, 3, 3),  // KH < SH: some dx get no taps
      padded(2, 7, 7, 4, 3, 3, 6, 2, 2, 1),
      padded(1, 10, 9, 3, 5, 5, 17, 1, 2, 2),
      same(1, 16, 16, 64, 3, 3, 64, 1, 1),
      valid(5, 4, 4, 3, 4, 4, 2, 1, 1),  // output 1x1
      // K = KH*KW*C over 1024: fwd by im2col GEMM (bwd_data direct), and
      // the other way round.
      same(2, 6, 7, 48, 5, 5, 20, 1, 1),
      same(1, 5, 5, 8, 5, 5, 48, 1, 1),
      // C >= NR/2: bwd_data by stride phases rather than col2im.
      same(2, 9, 11, 12, 3, 3, 10, 2, 2),
      same(1, 8, 8, 20, 3, 3, 7, 2, 2),
      valid(1, 7, 5, 10, 2, 1, 3, 3, 3),
      padded(2, 7, 8, 9, 3, 3, 6, 2, 2, 1),
      // First-layer shapes (direct fwd; bwd_filter with the
      // pixel reduction split into several fixed chunks: N*OH*OW >= 2048).
      same(3, 32, 32, 3, 3, 3, 32, 1, 1),
      same(1, 28, 28, 1, 3, 3, 32, 1, 1),
      same(3, 27, 29, 1, 3, 3, 32, 1, 1),
      valid(1, 31, 33, 3, 3, 3, 32, 2, 2),
      valid(4, 29, 31, 1, 3, 3, 32, 1, 1),
      same(1, 13, 11, 4, 5, 5, 19, 2, 1),
      // bwd_filter: several k ranges, F % NR != 0, several chunks.
      same(3, 27, 29, 16, 3, 3, 40, 1, 1),
      // Winograd F(2x2, 3x3) (3x3, stride 1, >= 16 channels in and out):
      // VALID with odd output sizes (edge tiles clipped), padding 2 (tiles
      // reading only zeros), C over DLCK_KC (tile GEMMs split over C),
      // channel counts that are not a multiple of the vector width.
      valid(2, 9, 11, 16, 3, 3, 24, 1, 1),
      padded(1, 10, 9, 20, 3, 3, 17, 1, 1, 2),
      same(1, 6, 5, 300, 3, 3, 16, 1, 1),
      same(2, 7, 7, 19, 3, 3, 21, 1, 1),
      // bwd_data for few channels read from dy in place (C <= 8, stride 1,
      // F a multiple of the vector width): padding 2, a 5x5 filter.
      padded(2, 9, 10, 5, 3, 3, 16, 1, 1, 2),
      same(1, 12, 13, 2, 5, 5, 32, 1, 1),
  };
}

double xAt(const ConvCase &c, const Vec &x, int64_t n, int64_t h, int64_t w, int64_t ch) {
  if (h < 0 || h >= c.H || w < 0 || w >= c.W) return 0.0;
  return x[(size_t)(((n * c.H + h) * c.W + w) * c.C + ch)];
}

void refConvFwd(const ConvCase &c, const Vec &x, const Vec &w, DVec &y, DVec &mag) {
  y.assign(c.ys(), 0.0);
  mag.assign(c.ys(), 0.0);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t oh = 0; oh < c.OH; ++oh)
      for (int64_t ow = 0; ow < c.OW; ++ow)
        for (int64_t f = 0; f < c.F; ++f) {
          double s = 0, m = 0;
          for (int64_t kh = 0; kh < c.KH; ++kh)
            for (int64_t kw = 0; kw < c.KW; ++kw)
              for (int64_t ch = 0; ch < c.C; ++ch) {
                double t = xAt(c, x, n, oh * c.SH + kh - c.PT, ow * c.SW + kw - c.PL, ch) *
                           w[(size_t)(((kh * c.KW + kw) * c.C + ch) * c.F + f)];
                s += t;
                m += std::fabs(t);
              }
          size_t i = (size_t)(((n * c.OH + oh) * c.OW + ow) * c.F + f);
          y[i] = s;
          mag[i] = m;
        }
}

void refConvBwdData(const ConvCase &c, const Vec &dy, const Vec &w, DVec &dx, DVec &mag) {
  dx.assign(c.xs(), 0.0);
  mag.assign(c.xs(), 0.0);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t oh = 0; oh < c.OH; ++oh)
      for (int64_t ow = 0; ow < c.OW; ++ow)
        for (int64_t kh = 0; kh < c.KH; ++kh)
          for (int64_t kw = 0; kw < c.KW; ++kw) {
            int64_t h = oh * c.SH + kh - c.PT, ww = ow * c.SW + kw - c.PL;
            if (h < 0 || h >= c.H || ww < 0 || ww >= c.W) continue;
            for (int64_t ch = 0; ch < c.C; ++ch)
              for (int64_t f = 0; f < c.F; ++f) {
                double t = (double)dy[(size_t)(((n * c.OH + oh) * c.OW + ow) * c.F + f)] *
                           w[(size_t)(((kh * c.KW + kw) * c.C + ch) * c.F + f)];
                size_t i = (size_t)(((n * c.H + h) * c.W + ww) * c.C + ch);
                dx[i] += t;
                mag[i] += std::fabs(t);
              }
          }
}

void refConvBwdFilter(const ConvCase &c, const Vec &x, const Vec &dy, DVec &dw, DVec &mag) {
  dw.assign(c.ws(), 0.0);
  mag.assign(c.ws(), 0.0);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t oh = 0; oh < c.OH; ++oh)
      for (int64_t ow = 0; ow < c.OW; ++ow)
        for (int64_t kh = 0; kh < c.KH; ++kh)
          for (int64_t kw = 0; kw < c.KW; ++kw)
            for (int64_t ch = 0; ch < c.C; ++ch) {
              double xv = xAt(c, x, n, oh * c.SH + kh - c.PT, ow * c.SW + kw - c.PL, ch);
              for (int64_t f = 0; f < c.F; ++f) {
                double t = xv * dy[(size_t)(((n * c.OH + oh) * c.OW + ow) * c.F + f)];
                size_t i = (size_t)(((kh * c.KW + kw) * c.C + ch) * c.F + f);
                dw[i] += t;
                mag[i] += std::fabs(t);
              }
            }
}

#define CONV_ARGS(c)                                                                       \
  (c).N, (c).H, (c).W, (c).C, (c).KH, (c).KW, (c).F, (c).OH, (c).OW, (c).SH, (c).SW, (c).PT, \
      (c).PL

TEST_F(Kernels, ConvFwdMatchesReference) {
  int seed = 100;
  for (const auto &c : convCases()) {
    Vec x = randVec(c.xs(), seed++), w = randVec(c.ws(), seed++);
    Vec y(c.ys(), NAN);
    dlc_k_conv2d_fwd(x.data(), w.data(), y.data(), CONV_ARGS(c));
    DVec ref, mag;
    refConvFwd(c, x, w, ref, mag);
    expectClose(y, ref, mag, c.KH * c.KW * c.C, "conv fwd " + c.name());
  }
}

// The fused epilogue gives exactly dlc_k_conv2d_fwd followed by the bias
// add and arith.maximumf(v, 0) (NaN kept, -0 -> +0), on every path
// (direct, im2col, 1x1).
TEST_F(Kernels, ConvFwdBiasActIsFwdThenBiasThenAct) {
  int seed = 150;
  for (const auto &c : convCases()) {
    Vec x = randVec(c.xs(), seed++), w = randVec(c.ws(), seed++);
    Vec bias = randVec((size_t)c.F, seed++);
    if (c.F > 2) {
      bias[0] = NAN;
      bias[1] = -0.0f;
    }
    Vec y(c.ys());
    dlc_k_conv2d_fwd(x.data(), w.data(), y.data(), CONV_ARGS(c));
    for (int64_t act : {0, 1}) {
      Vec want(c.ys()), got(c.ys(), 12345.0f);
      for (size_t i = 0; i < y.size(); ++i) {
        float v = y[i] + bias[i % (size_t)c.F];
        if (act == 1) v = v > 0.0f || v != v ? v : 0.0f;
        want[i] = v;
      }
      dlc_k_conv2d_fwd_bias_act(x.data(), w.data(), bias.data(), got.data(), CONV_ARGS(c),
                                act);
      EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
          << "conv fwd + bias, act " << act << ", " << c.name();
    }
  }
}

TEST_F(Kernels, ConvBwdDataMatchesReference) {
  int seed = 200;
  for (const auto &c : convCases()) {
    Vec dy = randVec(c.ys(), seed++), w = randVec(c.ws(), seed++);
    Vec dx(c.xs(), NAN);
    dlc_k_conv2d_bwd_data(dy.data(), w.data(), dx.data(), CONV_ARGS(c));
    DVec ref, mag;
    refConvBwdData(c, dy, w, ref, mag);
    expectClose(dx, ref, mag, c.KH * c.KW * c.F, "conv bwd_data " + c.name());
  }
}

TEST_F(Kernels, ConvBwdFilterMatchesReference) {
  int seed = 300;
  for (const auto &c : convCases()) {
    Vec x = randVec(c.xs(), seed++), dy = randVec(c.ys(), seed++);
    Vec dw(c.ws(), NAN);
    dlc_k_conv2d_bwd_filter(x.data(), dy.data(), dw.data(), CONV_ARGS(c));
    DVec ref, mag;
    refConvBwdFilter(c, x, dy, ref, mag);
    expectClose(dw, ref, mag, c.N * c.OH * c.OW, "conv bwd_filter " + c.name());
  }
}

// <conv(x, w), dy> == <x, bwd_data(dy, w)> == <w, bwd_filter(x, dy)>.
TEST_F(Kernels, ConvGradientsAreConsistent) {
  int seed = 400;
  for (const auto &c : convCases()) {
    Vec x = randVec(c.xs(), seed++), w = randVec(c.ws(), seed++), dy = randVec(c.ys(), seed++);
    Vec y(c.ys()), dx(c.xs()), dw(c.ws());
    dlc_k_conv2d_fwd(x.data(), w.data(), y.data(), CONV_ARGS(c));
    dlc_k_conv2d_bwd_data(dy.data(), w.data(), dx.data(), CONV_ARGS(c));
    dlc_k_conv2d_bwd_filter(x.data(), dy.data(), dw.data(), CONV_ARGS(c));
    double a = 0, b = 0, d = 0, ma = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      a += (double)y[i] * dy[i];
      ma += std::fabs((double)y[i] * dy[i]);
    }
    for (size_t i = 0; i < x.size(); ++i) b += (double)x[i] * dx[i];
    for (size_t i = 0; i < w.size(); ++i) d += (double)w[i] * dw[i];
    double scale = std::max(ma, 1.0) * 1e-5 * std::sqrt((double)(c.KH * c.KW * c.C * c.F));
    EXPECT_NEAR(a, b, scale) << c.name();
    EXPECT_NEAR(a, d, scale) << c.name();
  }
}

// ---------------------------------------------------------------- pooling

struct PoolCase {
  int64_t N, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL;
  std::string name() const {
    char b[200];
    snprintf(b, sizeof b, "N%ld H%ld W%ld C%ld K%ldx%ld S%ldx%ld P%ld,%ld O%ldx%ld", (long)N,
             (long)H, (long)W, (long)C, (long)KH, (long)KW, (long)SH, (long)SW, (long)PT,
             (long)PL, (long)OH, (long)OW);
    return b;
  }
};

PoolCase poolOf(const ConvCase &c) {
  return {c.N, c.H, c.W, c.C, c.KH, c.KW, c.OH, c.OW, c.SH, c.SW, c.PT, c.PL};
}

std::vector<PoolCase> poolCases() {
  return {
      poolOf(same(2, 32, 32, 32, 2, 2, 1, 2, 2)), poolOf(same(3, 7, 9, 5, 3, 3, 1, 2, 2)),
      poolOf(same(2, 8, 8, 3, 3, 3, 1, 1, 1)),    poolOf(valid(1, 9, 7, 17, 3, 2, 1, 2, 1)),
      poolOf(same(5, 5, 5, 1, 2, 3, 1, 1, 2)),    poolOf(valid(1, 1, 1, 1, 1, 1, 1, 1, 1)),
      poolOf(padded(2, 6, 6, 300, 3, 3, 1, 2, 2, 1)),
      // 2x2 stride 2 and other non-overlapping windows (fast paths).
      poolOf(same(2, 7, 9, 37, 2, 2, 1, 2, 2)),   // SAME, odd: clipped last row/col
      poolOf(valid(1, 7, 9, 19, 2, 2, 1, 2, 2)),  // VALID, odd: last row/col unused
      poolOf(valid(1, 8, 6, 3, 3, 2, 1, 3, 2)),
      poolOf(padded(1, 6, 7, 8, 2, 2, 1, 2, 2, 1)),
      poolOf(valid(1, 8, 8, 16, 2, 2, 1, 3, 3)),  // gaps between windows
  };
}

void windowOf(const PoolCase &p, int64_t oh, int64_t ow, int64_t &h0, int64_t &h1, int64_t &w0,
              int64_t &w1) {
  h0 = std::max<int64_t>(oh * p.SH - p.PT, 0);
  h1 = std::min<int64_t>(oh * p.SH - p.PT + p.KH, p.H);
  w0 = std::max<int64_t>(ow * p.SW - p.PL, 0);
  w1 = std::min<int64_t>(ow * p.SW - p.PL + p.KW, p.W);
}

void refPool(int kind, const PoolCase &p, const Vec &x, const Vec &dy, DVec &y, DVec &dx) {
  y.assign((size_t)(p.N * p.OH * p.OW * p.C), 0.0);
  dx.assign((size_t)(p.N * p.H * p.W * p.C), 0.0);
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t oh = 0; oh < p.OH; ++oh)
      for (int64_t ow = 0; ow < p.OW; ++ow)
        for (int64_t c = 0; c < p.C; ++c) {
          int64_t h0, h1, w0, w1;
          windowOf(p, oh, ow, h0, h1, w0, w1);
          size_t yi = (size_t)(((n * p.OH + oh) * p.OW + ow) * p.C + c);
          if (h0 >= h1 || w0 >= w1) continue;
          auto xi = [&](int64_t h, int64_t w) {
            return (size_t)(((n * p.H + h) * p.W + w) * p.C + c);
          };
          if (kind == 0) {
            size_t best = xi(h0, w0);
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w)
                if (x[xi(h, w)] > x[best]) best = xi(h, w);
            y[yi] = x[best];
            dx[best] += dy[yi];
          } else {
            double cnt = (double)((h1 - h0) * (w1 - w0)), s = 0;
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) {
                s += x[xi(h, w)];
                dx[xi(h, w)] += dy[yi] / cnt;
              }
            y[yi] = s / cnt;
          }
        }
}

#define POOL_ARGS(p) \
  (p).N, (p).H, (p).W, (p).C, (p).KH, (p).KW, (p).OH, (p).OW, (p).SH, (p).SW, (p).PT, (p).PL

TEST_F(Kernels, PoolMatchesReference) {
  int seed = 500;
  for (int kind = 0; kind < 2; ++kind)
    for (const auto &p : poolCases()) {
      // Quantized inputs: plenty of ties inside every max window.
      Vec x = randVec((size_t)(p.N * p.H * p.W * p.C), seed++);
      for (auto &v : x) v = std::floor(v * 2.0f);
      Vec dy = randVec((size_t)(p.N * p.OH * p.OW * p.C), seed++);
      Vec y(dy.size(), NAN), dx(x.size(), NAN);
      dlc_k_pool2d_fwd(kind, x.data(), y.data(), POOL_ARGS(p));
      dlc_k_pool2d_bwd(kind, x.data(), y.data(), dy.data(), dx.data(), POOL_ARGS(p));
      DVec ry, rdx;
      refPool(kind, p, x, dy, ry, rdx);
      std::string what = std::string(kind ? "avg " : "max ") + p.name();
      int64_t win = p.KH * p.KW;
      DVec my(ry.size()), mdx(rdx.size());
      for (size_t i = 0; i < ry.size(); ++i) my[i] = std::max(std::fabs(ry[i]), 1.0);
      for (size_t i = 0; i < rdx.size(); ++i) mdx[i] = std::max(std::fabs(rdx[i]), 1.0);
      if (kind == 0) {
        for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ((double)y[i], ry[i]) << what;
        // Routed gradients are sums of a few dy in window order: near exact.
        expectClose(dx, rdx, mdx, win, "bwd " + what);
      } else {
        expectClose(y, ry, my, win, "fwd " + what);
        expectClose(dx, rdx, mdx, win, "bwd " + what);
      }
    }
}

// Kind | 2: the pooling gradient masked by x > 0 (the ReLU whose output x
// is pooled) is exactly the unmasked gradient followed by that select.
TEST_F(Kernels, PoolGradReluMaskIsGradThenSelect) {
  int seed = 550;
  for (int kind = 0; kind < 2; ++kind)
    for (const auto &p : poolCases()) {
      Vec x = randVec((size_t)(p.N * p.H * p.W * p.C), seed++);
      for (auto &v : x) v = std::floor(v * 2.0f); // ties and zeros
      if (x.size() > 2) {
        x[0] = NAN;
        x[1] = -0.0f;
      }
      Vec dy = randVec((size_t)(p.N * p.OH * p.OW * p.C), seed++);
      Vec y(dy.size()), dx(x.size()), got(x.size(), 12345.0f);
      dlc_k_pool2d_fwd(kind, x.data(), y.data(), POOL_ARGS(p));
      dlc_k_pool2d_bwd(kind, x.data(), y.data(), dy.data(), dx.data(), POOL_ARGS(p));
      dlc_k_pool2d_bwd(kind | 2, x.data(), y.data(), dy.data(), got.data(), POOL_ARGS(p));
      for (size_t i = 0; i < dx.size(); ++i)
        dx[i] = x[i] > 0.0f ? dx[i] : 0.0f;
      EXPECT_EQ(0, std::memcmp(dx.data(), got.data(), dx.size() * 4))
          << (kind ? "avg " : "max ") << p.name();
    }
}

TEST_F(Kernels, MaxPoolTiesGoToFirstMax) {
  // One window, all equal: the whole gradient lands on (0, 0).
  PoolCase p{1, 3, 3, 2, 3, 3, 1, 1, 1, 1, 0, 0};
  Vec x(18, 1.0f), y(2), dy{2.0f, 3.0f}, dx(18, NAN);
  dlc_k_pool2d_fwd(0, x.data(), y.data(), POOL_ARGS(p));
  dlc_k_pool2d_bwd(0, x.data(), y.data(), dy.data(), dx.data(), POOL_ARGS(p));
  EXPECT_EQ(dx[0], 2.0f);
  EXPECT_EQ(dx[1], 3.0f);
  for (size_t i = 2; i < dx.size(); ++i) EXPECT_EQ(dx[i], 0.0f) << i;
  // Padding never wins: all-negative input with SAME padding.
  PoolCase q{1, 2, 2, 1, 3, 3, 2, 2, 1, 1, 1, 1};
  Vec xq{-5.0f, -3.0f, -3.0f, -4.0f}, yq(4), dyq{1, 1, 1, 1}, dxq(4);
  dlc_k_pool2d_fwd(0, xq.data(), yq.data(), POOL_ARGS(q));
  for (float v : yq) EXPECT_EQ(v, -3.0f);
  dlc_k_pool2d_bwd(0, xq.data(), yq.data(), dyq.data(), dxq.data(), POOL_ARGS(q));
  EXPECT_EQ(dxq[1], 4.0f);  // (0,1) comes first in scan order in every window
  EXPECT_EQ(dxq[2], 0.0f);
}

TEST_F(Kernels, AvgPoolCountsOnlyInImageElements) {
  PoolCase p{1, 2, 2, 1, 3, 3, 2, 2, 1, 1, 1, 1};
  Vec x{1, 2, 3, 4}, y(4), dy{4, 4, 4, 4}, dx(4);
  dlc_k_pool2d_fwd(1, x.data(), y.data(), POOL_ARGS(p));
  for (float v : y) EXPECT_FLOAT_EQ(v, 2.5f);
  dlc_k_pool2d_bwd(1, x.data(), y.data(), dy.data(), dx.data(), POOL_ARGS(p));
  for (float v : dx) EXPECT_FLOAT_EQ(v, 4.0f);
}

// ---------------------------------------------------------------- threads

TEST_F(Kernels, ThreadCountSetting) {
  dlc_k_set_num_threads(3);
  EXPECT_EQ(dlc_k_get_num_threads(), 3);
  dlc_k_set_num_threads(0);
  EXPECT_GE(dlc_k_get_num_threads(), 1);
  dlc_k_set_num_threads(1);
  EXPECT_EQ(dlc_k_get_num_threads(), 1);
}

// Every index of [0, n) is visited exactly once, for any n, cost and
// thread count (small totals run as one call).
TEST_F(Kernels, ParallelForCoversTheRangeOnce) {
  struct Ctx {
    std::vector<std::atomic<int>> *hits;
    std::atomic<int> calls;
  };
  for (int threads : {1, 2, 3}) {
    dlc_k_set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 7, 96, 1000, 131072})
      for (int64_t cost : {0, 1, 16, 32768}) {
        std::vector<std::atomic<int>> hits((size_t)n);
        Ctx ctx{&hits, {0}};
        dlc_k_parallel_for(
            [](void *v, int64_t b, int64_t e) {
              auto *c = static_cast<Ctx *>(v);
              ++c->calls;
              for (int64_t i = b; i < e; ++i)
                ++(*c->hits)[(size_t)i];
            },
            &ctx, n, cost);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(hits[(size_t)i].load(), 1) << n << " " << cost << " " << i;
        if (threads == 1 || n * std::max<int64_t>(cost, 1) < 65536)
          EXPECT_LE(ctx.calls.load(), 1);
      }
  }
}

TEST_F(Kernels, ResultsAreBitIdenticalForAnyThreadCount) {
  ConvCase convs[] = {same(5, 16, 16, 32, 3, 3, 64, 1, 1), same(3, 15, 13, 3, 3, 3, 20, 2, 2),
                      valid(2, 9, 9, 7, 2, 3, 40, 1, 2), same(3, 11, 10, 20, 3, 3, 24, 2, 2),
                      same(3, 32, 32, 3, 3, 3, 32, 1, 1), same(4, 28, 28, 1, 3, 3, 32, 1, 1),
                      same(3, 27, 29, 16, 3, 3, 40, 1, 1), valid(3, 31, 33, 3, 3, 3, 32, 2, 2)};
  GemmCase gemms[] = {{96, 512, 700, 0, 0, 0, 0}, {300, 70, 96, 1, 0, 1, 0},
                      {96, 400, 512, 0, 1, 0, 0}, {7, 1000, 33, 1, 1, 0, 0}};
  std::vector<std::vector<Vec>> runs;
  for (int threads : {1, 2, 3, 1}) {
    dlc_k_set_num_threads(threads);
    std::vector<Vec> outs;
    int seed = 900;
    for (const auto &g : gemms) {
      int64_t lda = g.tA ? g.M : g.K, ldb = g.tB ? g.K : g.N;
      Vec A = randVec((size_t)(g.M * g.K), seed++), B = randVec((size_t)(g.K * g.N), seed++);
      Vec C = randVec((size_t)(g.M * g.N), seed++);
      runGemm(g, C, A, lda, B, ldb, g.N);
      outs.push_back(C);
    }
    for (const auto &c : convs) {
      Vec x = randVec(c.xs(), seed++), w = randVec(c.ws(), seed++), dy = randVec(c.ys(), seed++);
      Vec y(c.ys()), dx(c.xs()), dw(c.ws());
      dlc_k_conv2d_fwd(x.data(), w.data(), y.data(), CONV_ARGS(c));
      dlc_k_conv2d_bwd_data(dy.data(), w.data(), dx.data(), CONV_ARGS(c));
      dlc_k_conv2d_bwd_filter(x.data(), dy.data(), dw.data(), CONV_ARGS(c));
      outs.push_back(y);
      outs.push_back(dx);
      outs.push_back(dw);
      for (int pk : {3, 2})
      for (int kind = 0; kind < 2; ++kind) {
        PoolCase p = poolOf(same(c.N, c.H, c.W, c.C, pk, pk, 1, 2, 2));
        Vec py((size_t)(p.N * p.OH * p.OW * p.C)), pdx(c.xs());
        Vec pdy = randVec(py.size(), seed++);
        dlc_k_pool2d_fwd(kind, x.data(), py.data(), POOL_ARGS(p));
        dlc_k_pool2d_bwd(kind, x.data(), py.data(), pdy.data(), pdx.data(), POOL_ARGS(p));
        outs.push_back(py);
        outs.push_back(pdx);
      }
    }
    runs.push_back(outs);
  }
  for (size_t r = 1; r < runs.size(); ++r)
    for (size_t i = 0; i < runs[0].size(); ++i)
      EXPECT_EQ(0, std::memcmp(runs[0][i].data(), runs[r][i].data(), runs[0][i].size() * 4))
          << "run " << r << " output " << i;
}

} // namespace
