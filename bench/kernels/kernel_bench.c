/* dlc kernel benchmark: the tutorial CIFAR CNN's convolution and FC shapes
 * (batch 96) and Fashion-MNIST's first convolution, 1 and 2 threads, as
 * GFLOP/s and as a fraction of the single-core FMA peak measured in the same
 * run with the same ISA (x threads for the multi-thread rows).
 * Built as dlc-kernel-bench against dlc_kernels_avx2 (or _avx512 with
 * -DDLC_KERNEL_BENCH_ISA=avx512). Usage: dlc-kernel-bench [max_threads] */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlc/kernels.h"

#if defined(__AVX512F__)
#define VW 16
#define ISA "avx512"
#elif defined(__AVX2__)
#define VW 8
#define ISA "avx2"
#else
#define VW 4
#define ISA "generic"
#endif
typedef float vf __attribute__((vector_size(VW * 4)));

/* The 1-thread column and the peak are timed in process CPU time (robust
 * on a shared, oversubscribed machine); multi-thread columns in wall time. */
static clockid_t g_clock = CLOCK_PROCESS_CPUTIME_ID;
static double now(void) {
  struct timespec ts;
  clock_gettime(g_clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static void use_threads(int t) {
  dlc_k_set_num_threads(t);
  g_clock = t == 1 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
}

/* 12 independent FMA chains: enough to cover latency x pipes. */
static double peak_gflops(void) {
  vf acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = (vf){0} + (float)i * 1e-3f;
  volatile float mv = 0.999999f, av = 1e-7f;
  vf m = (vf){0} + mv, a = (vf){0} + av;
  const long iters = 2000000;
  double best = 0;
  for (int rep = 0; rep < 40; ++rep) {
    double t0 = now();
    for (long it = 0; it < iters; ++it) {
#pragma clang loop unroll(full)
      for (int i = 0; i < 12; ++i) acc[i] = acc[i] * m + a;
      __asm__ volatile("" : "+x"(m));
    }
    double t = now() - t0;
    double g = 2.0 * VW * 12 * iters / t * 1e-9;
    if (g > best) best = g;
  }
  float s = 0;
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < VW; ++j) s += acc[i][j];
  if (s == 12345.0f) printf("!");
  return best;
}

static float *buf(size_t n) {
  float *p = (float *)aligned_alloc(64, (n * 4 + 63) & ~(size_t)63);
  for (size_t i = 0; i < n; ++i) p[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
  return p;
}

typedef struct {
  const char *name;
  int64_t N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL;
} conv_shape;

typedef struct {
  const char *name;
  int64_t M, N, K, tA, tB;
} gemm_shape;

#define MAXT 8

/* Best-of time (seconds) of fn over >= 0.3 s or 5 runs. */
#define TIME_IT(result, call)                                           \
  do {                                                                  \
    call;                                                               \
    double best_ = 1e30, start_ = now();                                \
    int runs_ = 0;                                                      \
    while (runs_ < 5 || (now() - start_ < 0.3 && runs_ < 50)) {        \
      double t0_ = now();                                               \
      call;                                                             \
      double t_ = now() - t0_;                                          \
      if (t_ < best_) best_ = t_;                                       \
      ++runs_;                                                          \
    }                                                                   \
    result = best_;                                                     \
  } while (0)

static void row(const char *name, const char *op, double flops, const double *t, int nt,
                double peak) {
  printf("%-22s %-11s", name, op);
  for (int i = 0; i < nt; ++i) {
    double g = flops / t[i] * 1e-9;
    printf(" | %8.3f ms %7.1f GF/s %5.1f%%", t[i] * 1e3, g, 100.0 * g / (peak * (i + 1)));
  }
  printf("\n");
}

int main(int argc, char **argv) {
  int maxt = argc > 1 ? atoi(argv[1]) : 2;
  if (maxt < 1) maxt = 1;
  if (maxt > MAXT) maxt = MAXT;
  double peak = peak_gflops();
  printf("dlc kernel bench (%s): single-core FMA peak %.1f GFLOP/s; %% is of peak x threads\n"
         "(1 thread: best process-CPU time; more threads: best wall time; a convolution's\n"
         "GF/s counts the direct sum's 2*P*KH*KW*C*F flops, so the Winograd ones (3x3,\n"
         "stride 1, >= 16 channels: conv2, conv3) can pass 100%%)\n",
         ISA, peak);
  printf("%-22s %-11s", "shape", "op");
  for (int i = 1; i <= maxt; ++i) printf(" | %d thread%s %27s", i, i > 1 ? "s" : " ", "");
  printf("\n");

  const conv_shape convs[] = {
      {"conv1 32x32x3->32", 96, 32, 32, 3, 3, 3, 32, 32, 32, 1, 1, 1, 1},
      {"conv2 16x16x32->64", 96, 16, 16, 32, 3, 3, 64, 16, 16, 1, 1, 1, 1},
      {"conv3 16x16x64->64", 96, 16, 16, 64, 3, 3, 64, 16, 16, 1, 1, 1, 1},
      {"fmnist 28x28x1->32", 96, 28, 28, 1, 3, 3, 32, 28, 28, 1, 1, 1, 1},
  };
  for (size_t s = 0; s < sizeof convs / sizeof convs[0]; ++s) {
    const conv_shape *c = &convs[s];
    size_t xs = c->N * c->H * c->W * c->C, ws = c->KH * c->KW * c->C * c->F;
    size_t ys = c->N * c->OH * c->OW * c->F;
    float *x = buf(xs), *w = buf(ws), *y = buf(ys), *dx = buf(xs), *dw = buf(ws);
    double flops = 2.0 * c->N * c->OH * c->OW * c->F * c->KH * c->KW * c->C;
    double tf[MAXT], td[MAXT], tw[MAXT];
    for (int t = 1; t <= maxt; ++t) {
      use_threads(t);
#define ARGS c->N, c->H, c->W, c->C, c->KH, c->KW, c->F, c->OH, c->OW, c->SH, c->SW, c->PT, c->PL
      TIME_IT(tf[t - 1], dlc_k_conv2d_fwd(x, w, y, ARGS));
      TIME_IT(td[t - 1], dlc_k_conv2d_bwd_data(y, w, dx, ARGS));
      TIME_IT(tw[t - 1], dlc_k_conv2d_bwd_filter(x, y, dw, ARGS));
    }
    row(c->name, "fwd", flops, tf, maxt, peak);
    row(c->name, "bwd_data", flops, td, maxt, peak);
    row(c->name, "bwd_filter", flops, tw, maxt, peak);
    free(x), free(w), free(y), free(dx), free(dw);
  }

  const gemm_shape gemms[] = {
      {"fc 96x4096*4096x512", 96, 512, 4096, 0, 0},
      {"fc dx: dy*W^T", 96, 4096, 512, 0, 1},
      {"fc dW: x^T*dy", 4096, 512, 96, 1, 0},
  };
  for (size_t s = 0; s < sizeof gemms / sizeof gemms[0]; ++s) {
    const gemm_shape *g = &gemms[s];
    float *A = buf(g->M * g->K), *B = buf(g->K * g->N), *C = buf(g->M * g->N);
    int64_t lda = g->tA ? g->M : g->K, ldb = g->tB ? g->K : g->N;
    double t[MAXT];
    for (int th = 1; th <= maxt; ++th) {
      use_threads(th);
      TIME_IT(t[th - 1], dlc_k_sgemm(g->M, g->N, g->K, A, lda, g->tA, B, ldb, g->tB, C, g->N, 0));
    }
    char op[32];
    snprintf(op, sizeof op, "sgemm %s%s", g->tA ? "T" : "N", g->tB ? "T" : "N");
    row(g->name, op, 2.0 * g->M * g->N * g->K, t, maxt, peak);
    free(A), free(B), free(C);
  }

  /* Pooling (memory bound; GF/s counts one op per window element). */
  {
    int64_t N = 96, H = 32, W = 32, C = 32, OH = 16, OW = 16;
    float *x = buf(N * H * W * C), *y = buf(N * OH * OW * C), *dx = buf(N * H * W * C);
    double tp[MAXT], tb[MAXT];
    for (int t = 1; t <= maxt; ++t) {
      use_threads(t);
      TIME_IT(tp[t - 1], dlc_k_pool2d_fwd(0, x, y, N, H, W, C, 2, 2, OH, OW, 2, 2, 0, 0));
      TIME_IT(tb[t - 1], dlc_k_pool2d_bwd(0, x, y, y, dx, N, H, W, C, 2, 2, OH, OW, 2, 2, 0, 0));
    }
    row("maxpool 32x32x32 2x2", "fwd", (double)N * H * W * C, tp, maxt, peak);
    row("maxpool 32x32x32 2x2", "bwd", (double)N * H * W * C, tb, maxt, peak);
    free(x), free(y), free(dx);
  }
  return 0;
}
