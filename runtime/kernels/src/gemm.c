/* BLIS-style single-precision GEMM: B packed into KC x NR panels, A read in
 * place (row-major rows, or k-major columns), an MR x NR register-blocked
 * microkernel, and a task grid over C tiles for the thread pool. */
#include "internal.h"

#define MR DLCK_MR
#define NR DLCK_NR
#define NV DLCK_NV
#define VW DLCK_VW


/* acc = sum_k a(r,k) * Bp[k][:], a(r,k) = A[r*rs + k*cs]; then
 * C = acc (+ C). Every path does the same arithmetic in the same order, so
 * results do not depend on where a tile boundary falls. */
static inline __attribute__((always_inline)) void
micro_body(int64_t kc, const float *A, int64_t rs, int64_t cs, const float *Bp,
           float *C, int64_t ldc, int beta, int64_t mr, int64_t nr) {
  vf acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = (vf){0};
  const float *a = A;
  const float *b = Bp;
#pragma clang loop unroll_count(4)
  for (int64_t k = 0; k < kc; ++k) {
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = vld(b + v * VW);
    for (int r = 0; r < MR; ++r) {
      vf av = vbc(a[r * rs]);
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
    a += cs;
    b += NR;
  }
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) {
        float *c = C + r * ldc + v * VW;
        vf x = acc[r][v];
        if (beta) x += vld(c);
        vst(c, x);
      }
  } else {
    float t[MR * NR];
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) vst(t + r * NR + v * VW, acc[r][v]);
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t j = 0; j < nr; ++j) {
        float x = t[r * NR + j];
        if (beta) x += C[r * ldc + j];
        C[r * ldc + j] = x;
      }
  }
}

/* A row-major: a(r,k) = A[r*lda + k]. */
static void micro_rm(int64_t kc, const float *A, int64_t lda, const float *Bp,
                     float *C, int64_t ldc, int beta, int64_t nr) {
  micro_body(kc, A, lda, 1, Bp, C, ldc, beta, MR, nr);
}

/* A k-major: a(r,k) = A[k*cs + r]. */
static void micro_kp(int64_t kc, const float *A, int64_t cs, const float *Bp,
                     float *C, int64_t ldc, int beta, int64_t mr, int64_t nr) {
  micro_body(kc, A, 1, cs, Bp, C, ldc, beta, mr, nr);
}

void dlck_macro(int64_t mc, int64_t nc, int64_t kc, const float *A, int64_t rs,
                int64_t cs, const float *Bp, int64_t bps, float *C, int64_t ldc,
                int beta) {
  if (rs == 0) { /* A packed: MR-row panels [k][MR], panel stride cs */
    for (int64_t jr = 0; jr < nc; jr += NR) {
      int64_t nr = DLCK_MIN(NR, nc - jr);
      const float *bp = Bp + (jr / NR) * bps;
      for (int64_t ir = 0; ir < mc; ir += MR)
        micro_kp(kc, A + (ir / MR) * cs, MR, bp, C + ir * ldc + jr, ldc, beta,
                 DLCK_MIN(MR, mc - ir), nr);
    }
    return;
  }
  float ta[MR * DLCK_KC] __attribute__((aligned(64)));
  for (int64_t jr = 0; jr < nc; jr += NR) {
    int64_t nr = DLCK_MIN(NR, nc - jr);
    const float *bp = Bp + (jr / NR) * bps;
    for (int64_t ir = 0; ir < mc; ir += MR) {
      int64_t mr = DLCK_MIN(MR, mc - ir);
      const float *a = A + ir * rs;
      float *c = C + ir * ldc + jr;
      if (mr == MR) {
        if (cs == 1)
          micro_rm(kc, a, rs, bp, c, ldc, beta, nr);
        else
          micro_kp(kc, a, cs, bp, c, ldc, beta, MR, nr);
      } else {
        /* Edge rows: copy into a zero-padded k-major panel, in chunks of
         * DLCK_KC... kc never exceeds DLCK_KC here. */
        for (int64_t k = 0; k < kc; ++k) {
          int64_t r = 0;
          for (; r < mr; ++r) ta[k * MR + r] = a[r * rs + k * cs];
          for (; r < MR; ++r) ta[k * MR + r] = 0.0f;
        }
        micro_kp(kc, ta, MR, bp, c, ldc, beta, mr, nr);
      }
    }
  }
}

void dlck_pack_a(const float *A, int64_t rs, int64_t cs, int64_t mc, int64_t kc, float *dst) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int64_t mr = DLCK_MIN(MR, mc - ir);
    float *d = dst + (ir / MR) * kc * MR;
    const float *a = A + ir * rs;
    if (rs == 1 && mr == MR) {
      for (int64_t k = 0; k < kc; ++k)
        for (int r = 0; r < MR; ++r) d[k * MR + r] = a[k * cs + r];
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        int64_t r = 0;
        for (; r < mr; ++r) d[k * MR + r] = a[r * rs + k * cs];
        for (; r < MR; ++r) d[k * MR + r] = 0.0f;
      }
    }
  }
}

#if DLCK_VW >= 8
typedef float v8 __attribute__((vector_size(32)));
static inline __attribute__((always_inline)) v8 ld8(const float *p) {
  v8 v;
  memcpy(&v, p, 32);
  return v;
}
static inline __attribute__((always_inline)) void st8(float *p, v8 v) { memcpy(p, &v, 32); }

/* dst[k*NR + j] = s[j*ld + k] for an 8 (j) x 8 (k) block. */
static inline __attribute__((always_inline)) void tr8x8(const float *s, int64_t ld, float *dst) {
  v8 r0 = ld8(s), r1 = ld8(s + ld), r2 = ld8(s + 2 * ld), r3 = ld8(s + 3 * ld);
  v8 r4 = ld8(s + 4 * ld), r5 = ld8(s + 5 * ld), r6 = ld8(s + 6 * ld), r7 = ld8(s + 7 * ld);
  v8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
  v8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
  v8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
  v8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
  st8(dst + 0 * NR, __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11));
  st8(dst + 1 * NR, __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11));
  st8(dst + 2 * NR, __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11));
  st8(dst + 3 * NR, __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11));
  st8(dst + 4 * NR, __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15));
  st8(dst + 5 * NR, __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15));
  st8(dst + 6 * NR, __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15));
  st8(dst + 7 * NR, __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15));
}
#endif

void dlck_pack_b(const float *B, int64_t rsb, int64_t csb, int64_t k0, int64_t kc,
                 int64_t j0, int64_t nc, float *dst, int64_t bps) {
  for (int64_t jp = 0; jp < nc; jp += NR) {
    int64_t nr = DLCK_MIN(NR, nc - jp);
    float *d = dst + (jp / NR) * bps;
    const float *s = B + k0 * rsb + (j0 + jp) * csb;
    if (csb == 1) {
      if (nr == NR) {
        for (int64_t k = 0; k < kc; ++k)
          for (int v = 0; v < NV; ++v)
            vst(d + k * NR + v * VW, vld(s + k * rsb + v * VW));
      } else {
        for (int64_t k = 0; k < kc; ++k) {
          int64_t j = 0;
          for (; j < nr; ++j) d[k * NR + j] = s[k * rsb + j];
          for (; j < NR; ++j) d[k * NR + j] = 0.0f;
        }
      }
#if DLCK_VW >= 8
    } else if (rsb == 1 && nr == NR) {
      /* Transposed source: 8x8 register transposes. */
      int64_t k8 = kc & ~(int64_t)7;
      for (int64_t k = 0; k < k8; k += 8)
        for (int64_t j = 0; j < NR; j += 8) tr8x8(s + j * csb + k, csb, d + k * NR + j);
      for (int64_t k = k8; k < kc; ++k)
        for (int64_t j = 0; j < NR; ++j) d[k * NR + j] = s[j * csb + k];
#endif
    } else {
      /* Transposed source: read along k (contiguous when rsb == 1). Do it
       * in blocks of 64 k so the strided writes stay in L1. */
      for (int64_t kb = 0; kb < kc; kb += 64) {
        int64_t ke = DLCK_MIN(kc, kb + 64);
        for (int64_t j = 0; j < nr; ++j)
          for (int64_t k = kb; k < ke; ++k) d[k * NR + j] = s[k * rsb + j * csb];
        for (int64_t j = nr; j < NR; ++j)
          for (int64_t k = kb; k < ke; ++k) d[k * NR + j] = 0.0f;
      }
    }
  }
}

void dlck_grid(int64_t mp, int64_t np, int64_t T, int64_t *tm, int64_t *tn) {
  int64_t bm = 1, bn = 1, bw = -1, bp = 0;
  if (T < 1) T = 1;
  for (int64_t a = 1; a <= T && a <= mp; ++a)
    for (int64_t b = 1; a * b <= T && b <= np; ++b) {
      int64_t cm = (mp + a - 1) / a, cn = (np + b - 1) / b;
      int64_t w = cm * cn, p = cm * MR + cn * NR;
      if (bw < 0 || w < bw || (w == bw && p < bp)) {
        bw = w;
        bp = p;
        bm = a;
        bn = b;
      }
    }
  *tm = bm;
  *tn = bn;
}

typedef struct {
  int64_t M, N, K;
  const float *A;
  int64_t rs, cs;
  const float *B;
  int64_t rsb, csb;
  float *C;
  int64_t ldc;
  int acc;
  int64_t tm, tn, mp, np;
} gemm_ctx;

static void gemm_task(void *vctx, int64_t t) {
  const gemm_ctx *g = (const gemm_ctx *)vctx;
  int64_t ti = t / g->tn, tj = t % g->tn;
  int64_t m0 = (ti * g->mp / g->tm) * MR;
  int64_t m1 = DLCK_MIN(g->M, ((ti + 1) * g->mp / g->tm) * MR);
  int64_t n0 = (tj * g->np / g->tn) * NR;
  int64_t n1 = DLCK_MIN(g->N, ((tj + 1) * g->np / g->tn) * NR);
  if (m0 >= m1 || n0 >= n1) return;
  int64_t kcb = dlck_kc(g->K, DLCK_KC);
  int64_t ncmax = DLCK_MIN(DLCK_NC, n1 - n0);
  float *bp = (float *)dlck_scratch(1, (size_t)kcb * (size_t)((ncmax + NR - 1) / NR * NR) * 4);
  /* A is packed too: in place, its rows (or columns) are lda apart, often a
   * power of two, and the microkernel's MR streams then fight for L1 sets. */
  int packa = 1;
  float *ap = packa ? (float *)dlck_scratch(2, (size_t)kcb * (DLCK_MC + MR) * 4) : NULL;
  for (int64_t jc = n0; jc < n1; jc += DLCK_NC) {
    int64_t nc = DLCK_MIN(DLCK_NC, n1 - jc);
    for (int64_t pc = 0; pc < g->K; pc += kcb) {
      int64_t kc = DLCK_MIN(kcb, g->K - pc);
      dlck_pack_b(g->B, g->rsb, g->csb, pc, kc, jc, nc, bp, kc * NR);
      for (int64_t ic = m0; ic < m1; ic += DLCK_MC) {
        int64_t mc = DLCK_MIN(DLCK_MC, m1 - ic);
        const float *a = g->A + ic * g->rs + pc * g->cs;
        if (packa) {
          dlck_pack_a(a, g->rs, g->cs, mc, kc, ap);
          dlck_macro(mc, nc, kc, ap, 0, kc * MR, bp, kc * NR, g->C + ic * g->ldc + jc, g->ldc,
                     g->acc || pc > 0);
        } else {
          dlck_macro(mc, nc, kc, a, g->rs, g->cs, bp, kc * NR, g->C + ic * g->ldc + jc, g->ldc,
                     g->acc || pc > 0);
        }
      }
    }
  }
}

DLC_K_API void dlc_k_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                           int64_t transA, const float *B, int64_t ldb, int64_t transB,
                           float *C, int64_t ldc, int64_t accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; ++i) memset(C + i * ldc, 0, (size_t)N * 4);
    return;
  }
  gemm_ctx g;
  g.M = M;
  g.N = N;
  g.K = K;
  g.A = A;
  g.rs = transA ? 1 : lda;
  g.cs = transA ? lda : 1;
  g.B = B;
  g.rsb = transB ? 1 : ldb;
  g.csb = transB ? ldb : 1;
  g.C = C;
  g.ldc = ldc;
  g.acc = accumulate != 0;
  g.mp = (M + MR - 1) / MR;
  g.np = (N + NR - 1) / NR;
  /* Small problems are not worth waking the pool for. */
  int64_t T = dlck_threads();
  if ((double)M * N * K < 2e5) T = 1;
  dlck_grid(g.mp, g.np, T, &g.tm, &g.tn);
  dlck_parallel(g.tm * g.tn, gemm_task, &g);
}

typedef struct {
  float *C;
  const float *bias;
  int64_t M, N, ldc, rows, relu;
} bias_act_ctx;

static void bias_act_task(void *vctx, int64_t t) {
  const bias_act_ctx *c = (const bias_act_ctx *)vctx;
  int64_t i1 = DLCK_MIN((t + 1) * c->rows, c->M);
  for (int64_t i = t * c->rows; i < i1; ++i) {
    float *row = c->C + i * c->ldc;
    for (int64_t j = 0; j < c->N; ++j) {
      float v = row[j] + c->bias[j];
      row[j] = c->relu && !(v > 0.0f) && v == v ? 0.0f : v;
    }
  }
}

DLC_K_API void dlc_k_sgemm_bias_act(int64_t M, int64_t N, int64_t K, const float *A,
                                    int64_t lda, int64_t transA, const float *B, int64_t ldb,
                                    int64_t transB, const float *bias, float *C, int64_t ldc,
                                    int64_t act) {
  if (M <= 0 || N <= 0) return;
  dlc_k_sgemm(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, 0);
  bias_act_ctx c = {C, bias, M, N, ldc, 0, act == 1};
  /* Row blocks of ~16K elements. */
  c.rows = DLCK_MAX((int64_t)16384 / N, 1);
  dlck_parallel((M + c.rows - 1) / c.rows, bias_act_task, &c);
}
