/* Internal pieces shared by the dlc kernel sources (not installed). */
#ifndef DLC_KERNELS_INTERNAL_H
#define DLC_KERNELS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dlc/kernels.h"

/* Register blocking, chosen from the ISA the archive is compiled for.
 * The microkernel keeps an MR x NR tile of C in MR*NV vector registers.
 * DLCK_AVX512_BLOCKING selects the AVX-512 blocking and vector width on a
 * narrower ISA (the compiler splits each 16-float vector): a test archive
 * that checks the AVX-512 archive's tiling on machines without AVX-512. */
#if defined(__AVX512F__) || defined(DLCK_AVX512_BLOCKING)
#define DLCK_VW 16
#define DLCK_MR 12
#elif defined(__AVX2__) && defined(__FMA__)
#define DLCK_VW 8
#define DLCK_MR 6
#else
#define DLCK_VW 4
#define DLCK_MR 6
#endif
#define DLCK_NV 2
#define DLCK_NR (DLCK_VW * DLCK_NV)
#define DLCK_KC 256             /* max K block (B micro-panel KC*NR in L1) */
#define DLCK_MC (12 * DLCK_MR)  /* A block MC x KC in L2 */
#define DLCK_NC 3072            /* B block KC x NC in L3 */

#define DLCK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DLCK_MAX(a, b) ((a) > (b) ? (a) : (b))

/* One vector register of floats (GCC/clang vector extension) and its
 * unaligned load, store and broadcast. */
typedef float vf __attribute__((vector_size(DLCK_VW * 4)));

static inline __attribute__((always_inline)) vf vld(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline __attribute__((always_inline)) void vst(float *p, vf v) {
  memcpy(p, &v, sizeof v);
}
static inline __attribute__((always_inline)) vf vbc(float s) {
  vf v;
  for (int i = 0; i < DLCK_VW; ++i) v[i] = s;
  return v;
}

/* relu as the generated code's arith.maximumf(s, 0): s where s > 0 or s
 * is NaN, else +0.0 (also for s = -0.0). */
typedef int32_t vmask __attribute__((vector_size(DLCK_VW * 4)));
static inline __attribute__((always_inline)) vf relu_v(vf s) {
  vmask m = (vmask)(s > 0) | (vmask)(s != s);
  return (vf)((vmask)s & m);
}

/* Split K into equal blocks of at most DLCK_KC (depends on K only, so the
 * summation order never depends on the thread count). */
static inline int64_t dlck_kc(int64_t K, int64_t kcmax) {
  int64_t nb = (K + kcmax - 1) / kcmax;
  if (nb < 1) nb = 1;
  return (K + nb - 1) / nb;
}

/* C[mc][nc] (+)= A[mc][kc] * B[kc][nc].
 * A element (i,k) is A[i*rs + k*cs]; one of rs, cs must be 1. rs == 0:
 * A is packed (dlck_pack_a) in MR-row panels [k][MR], panel stride cs.
 * Bp: packed B, NR-column panels [k][NR] (zero padded), panel j at
 * Bp + j*bps. beta != 0: add to C, else overwrite C. */
void dlck_macro(int64_t mc, int64_t nc, int64_t kc, const float *A, int64_t rs,
                int64_t cs, const float *Bp, int64_t bps, float *C, int64_t ldc,
                int beta);

/* Pack A (element (i,k) at A[i*rs + k*cs]) mc x kc into zero-padded MR-row
 * panels [k][MR] with panel stride kc*MR. */
void dlck_pack_a(const float *A, int64_t rs, int64_t cs, int64_t mc, int64_t kc, float *dst);

/* Pack B (element (k,j) at B[k*rsb + j*csb]) rows k0..k0+kc, cols j0..j0+nc
 * into NR panels with panel stride bps. */
void dlck_pack_b(const float *B, int64_t rsb, int64_t csb, int64_t k0, int64_t kc,
                 int64_t j0, int64_t nc, float *dst, int64_t bps);

/* Choose a tm x tn task grid (tm*tn <= T) over mp x np tiles. */
void dlck_grid(int64_t mp, int64_t np, int64_t T, int64_t *tm, int64_t *tn);

/* Runs fn(ctx, t) for t in [0, ntasks) on the pool (the caller helps).
 * Tasks must write disjoint outputs. */
typedef void (*dlck_task_fn)(void *ctx, int64_t task);
void dlck_parallel(int64_t ntasks, dlck_task_fn fn, void *ctx);
int64_t dlck_threads(void);

/* Winograd F(2x2, 3x3) convolutions (winograd.c). Whether a forward-style
 * convolution (KA x KB filter, strides SA, SB, IC -> OC channels) runs as
 * one, and the convolution: x [N][H][W][IC], Bp the filters packed as
 * dlck_pack_b packs [9*IC x OC] (k = (a*3 + b)*IC + c), y [N][OH][OW][OC]
 * contiguous, padding PT, PL; bias != NULL: y = act(y + bias), relu. */
int dlck_wino_applies(int64_t KA, int64_t KB, int64_t SA, int64_t SB, int64_t IC, int64_t OC);
void dlck_wino_fwd(const float *x, const float *Bp, float *y, int64_t N, int64_t H, int64_t W,
                   int64_t IC, int64_t OC, int64_t OH, int64_t OW, int64_t PT, int64_t PL,
                   const float *bias, int relu);
/* The filter gradient dw [3][3][C][F] of x [N][H][W][C], dy [N][OH][OW][F]. */
int dlck_wino_bwf_applies(int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t C, int64_t F);
void dlck_wino_bwf(const float *x, const float *dy, float *dw, int64_t N, int64_t H, int64_t W,
                   int64_t C, int64_t F, int64_t OH, int64_t OW, int64_t PT, int64_t PL);

/* Per-thread scratch buffer `slot` (0..3) of at least `bytes`, 64-byte
 * aligned, reused across calls (grown on demand). */
void *dlck_scratch(int slot, size_t bytes);

#endif
