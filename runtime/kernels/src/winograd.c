/* Winograd F(2x2, 3x3) convolutions (internal.h: dlck_wino_*), for 3x3
 * stride-1 convolutions with >= 16 channels in and out (conv2/conv3 of the
 * tutorial's CNN), with 2x2 output tiles and 4x4 input tiles d:
 *  fwd (and bwd_data, a forward-style convolution of dy): each output tile
 *    is A^T [ (G g G^T) (.) (B^T d B) ] A; the 16 elementwise products
 *    summed over the input channels are 16 GEMMs [tiles x C] * [C x F],
 *    2.25x fewer multiply-adds than the direct sum;
 *  bwd_filter: dw = G^T [ sum over tiles (B^T d B) (.) (A dy A^T) ] G, the
 *    tile sum being 16 GEMMs [C x tiles] * [tiles x F].
 * Tiles are numbered across the images of the batch and taken in blocks
 * of tb whose transformed data stays in cache. Every output element is a
 * fixed sequence of operations whatever the blocking or thread count (the
 * bwd_filter tile sum is split into chunks fixed by the shape, added in
 * chunk order). */
#include "internal.h"

#define MR DLCK_MR
#define NR DLCK_NR
#define NV DLCK_NV
#define VW DLCK_VW

#define DLCK_WINO_MIN_CH 16

/* The tiled input: image geometry, padding, tiles per tile row and per
 * image, and >= C zero floats read for taps outside the image. */
typedef struct {
  const float *x;
  int64_t H, W, C, PT, PL, TW, ntiles;
  const float *zeros;
} wino_geo;

static wino_geo wino_geometry(const float *x, int64_t H, int64_t W, int64_t C, int64_t OH,
                              int64_t OW, int64_t PT, int64_t PL) {
  wino_geo q = {x, H, W, C, PT, PL, (OW + 1) / 2, 0, NULL};
  q.ntiles = ((OH + 1) / 2) * q.TW;
  return q;
}

/* A vector of p[0 .. n) (n <= VW), zero padded. */
static inline __attribute__((always_inline)) vf vld_part(const float *p, int64_t n) {
  if (n == VW) return vld(p);
  float tmp[VW] = {0};
  for (int64_t l = 0; l < n; ++l) tmp[l] = p[l];
  return vld(tmp);
}
static inline __attribute__((always_inline)) void vst_part(float *p, vf v, int64_t n) {
  if (n == VW) {
    vst(p, v);
    return;
  }
  float tmp[VW];
  vst(tmp, v);
  for (int64_t l = 0; l < n; ++l) p[l] = tmp[l];
}

/* B^T d B on one vector of channels, d[r*4 + s]. */
static inline __attribute__((always_inline)) void wino_in(const vf d[16], vf v[16]) {
  vf t[16];
  for (int s = 0; s < 4; ++s) {
    t[0 + s] = d[0 + s] - d[8 + s];
    t[4 + s] = d[4 + s] + d[8 + s];
    t[8 + s] = d[8 + s] - d[4 + s];
    t[12 + s] = d[4 + s] - d[12 + s];
  }
  for (int r = 0; r < 16; r += 4) {
    v[r + 0] = t[r + 0] - t[r + 2];
    v[r + 1] = t[r + 1] + t[r + 2];
    v[r + 2] = t[r + 2] - t[r + 1];
    v[r + 3] = t[r + 1] - t[r + 3];
  }
}

/* V[e*ldv + t*ldt + ch] = (B^T d B)[e] of tile g0 + t, for t < tb. */
static void wino_in_tiles(const wino_geo *q, int64_t g0, int64_t tb, float *V, int64_t ldv,
                          int64_t ldt) {
  const int64_t C = q->C, cv = C - C % VW;
  for (int64_t t = 0; t < tb; ++t) {
    int64_t n = (g0 + t) / q->ntiles, tt = (g0 + t) % q->ntiles;
    int64_t ih0 = 2 * (tt / q->TW) - q->PT, iw0 = 2 * (tt % q->TW) - q->PL;
    const float *x = q->x + n * q->H * q->W * C;
    const float *src[16];
    for (int r = 0; r < 4; ++r)
      for (int s = 0; s < 4; ++s) {
        int64_t ih = ih0 + r, iw = iw0 + s;
        src[r * 4 + s] =
            ih >= 0 && ih < q->H && iw >= 0 && iw < q->W ? x + (ih * q->W + iw) * C : q->zeros;
      }
    float *dst = V + t * ldt;
    for (int64_t ch = 0; ch < cv; ch += VW) {
      vf d[16], v[16];
      for (int i = 0; i < 16; ++i) d[i] = vld(src[i] + ch);
      wino_in(d, v);
      for (int e = 0; e < 16; ++e) vst(dst + e * ldv + ch, v[e]);
    }
    if (cv < C) { /* the channel tail through zero-padded vectors */
      vf d[16], v[16];
      for (int i = 0; i < 16; ++i) d[i] = vld_part(src[i] + cv, C - cv);
      wino_in(d, v);
      for (int e = 0; e < 16; ++e) vst_part(dst + e * ldv + cv, v[e], C - cv);
    }
  }
}

/* The stride between the 16 transformed matrices of a block holding n
 * floats each: skewed by two cache lines, so that the 16 rows a tile's
 * transform writes do not all fall into the same L1 set. */
static inline int64_t wino_ld(int64_t n) { return n + 32; }

typedef struct {
  wino_geo q;
  float *y;
  int64_t N, F, OH, OW, tb, npan;
  const float *U;    /* transformed filters, NR panels: [16][npan][C][NR] */
  const float *bias; /* fused epilogue, or NULL */
  int relu;
} wino_ctx;

static void wino_task(void *vctx, int64_t task) {
  const wino_ctx *c = (const wino_ctx *)vctx;
  const int64_t C = c->q.C, F = c->F, ldv = wino_ld(c->tb * C), ldm = wino_ld(c->tb * F);
  const int64_t g0 = task * c->tb, tb = DLCK_MIN(c->tb, c->N * c->q.ntiles - g0);
  float *V = (float *)dlck_scratch(1, (size_t)(16 * ldv) * 4);
  float *M = (float *)dlck_scratch(2, (size_t)(16 * ldm) * 4);
  wino_in_tiles(&c->q, g0, tb, V, ldv, C);
  /* M[e] = V[e] * U[e]: 16 GEMMs [tb x C] * [C x F]. */
  int64_t kcb = dlck_kc(C, DLCK_KC);
  for (int e = 0; e < 16; ++e) {
    const float *Ue = c->U + (int64_t)e * c->npan * C * NR;
    for (int64_t pc = 0; pc < C; pc += kcb) {
      int64_t kc = DLCK_MIN(kcb, C - pc);
      dlck_macro(tb, F, kc, V + e * ldv + pc, C, 1, Ue + pc * NR, C * NR, M + e * ldm, F,
                 pc > 0);
    }
  }
  /* y = A^T M A per tile (+ bias, relu), clipped at the image's edge. */
  for (int64_t t = 0; t < tb; ++t) {
    int64_t n = (g0 + t) / c->q.ntiles, tt = (g0 + t) % c->q.ntiles;
    int64_t oh = 2 * (tt / c->q.TW), ow = 2 * (tt % c->q.TW);
    int rows = oh + 1 < c->OH ? 2 : 1, cols = ow + 1 < c->OW ? 2 : 1;
    float *y = c->y + ((n * c->OH + oh) * c->OW + ow) * F;
    const float *src = M + t * F;
    for (int64_t f = 0; f < F; f += VW) {
      int64_t nl = DLCK_MIN(VW, F - f);
      vf m[16], s0[4], s1[4], o[4];
      for (int e = 0; e < 16; ++e) m[e] = vld_part(src + e * ldm + f, nl);
      for (int j = 0; j < 4; ++j) {
        s0[j] = m[j] + m[4 + j] + m[8 + j];
        s1[j] = m[4 + j] - m[8 + j] - m[12 + j];
      }
      o[0] = s0[0] + s0[1] + s0[2];
      o[1] = s0[1] - s0[2] - s0[3];
      o[2] = s1[0] + s1[1] + s1[2];
      o[3] = s1[1] - s1[2] - s1[3];
      if (c->bias) {
        vf bv = vld_part(c->bias + f, nl);
        for (int i = 0; i < 4; ++i) {
          o[i] += bv;
          if (c->relu) o[i] = relu_v(o[i]);
        }
      }
      for (int a = 0; a < rows; ++a)
        for (int b = 0; b < cols; ++b) vst_part(y + (a * c->OW + b) * F + f, o[a * 2 + b], nl);
    }
  }
}

int dlck_wino_applies(int64_t KA, int64_t KB, int64_t SA, int64_t SB, int64_t IC, int64_t OC) {
  return KA == 3 && KB == 3 && SA == 1 && SB == 1 && IC >= DLCK_WINO_MIN_CH &&
         OC >= DLCK_WINO_MIN_CH;
}

/* Bp: NR panels of stride K*NR (K = 9*IC). */
void dlck_wino_fwd(const float *x, const float *Bp, float *out, int64_t N, int64_t H, int64_t W,
                   int64_t IC, int64_t OC, int64_t OH, int64_t OW, int64_t PT, int64_t PL,
                   const float *bias, int relu) {
  const int64_t C = IC, K = 9 * C, npan = (OC + NR - 1) / NR;
  /* U[e][jp][c][NR] = (G g G^T)[e] of the 3x3 filter (c, column jp*NR + j),
   * then C zeros. */
  float *U = (float *)dlck_scratch(3, (size_t)(16 * npan * C * NR + C) * 4);
  const vf half = vbc(0.5f);
  for (int64_t jp = 0; jp < npan; ++jp)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int v = 0; v < NV; ++v) {
        vf w[3][3], t[4][3];
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            w[a][b] = vld(Bp + jp * K * NR + ((a * 3 + b) * C + ch) * NR + v * VW);
        for (int b = 0; b < 3; ++b) {
          t[0][b] = w[0][b];
          t[1][b] = (w[0][b] + w[1][b] + w[2][b]) * half;
          t[2][b] = (w[0][b] - w[1][b] + w[2][b]) * half;
          t[3][b] = w[2][b];
        }
        for (int r = 0; r < 4; ++r) {
          vf u[4];
          u[0] = t[r][0];
          u[1] = (t[r][0] + t[r][1] + t[r][2]) * half;
          u[2] = (t[r][0] - t[r][1] + t[r][2]) * half;
          u[3] = t[r][2];
          for (int s = 0; s < 4; ++s)
            vst(U + (((r * 4 + s) * npan + jp) * C + ch) * NR + v * VW, u[s]);
        }
      }
  float *zeros = U + 16 * npan * C * NR;
  memset(zeros, 0, (size_t)C * 4);
  wino_ctx w;
  w.q = wino_geometry(x, H, W, C, OH, OW, PT, PL);
  w.q.zeros = zeros;
  w.y = out;
  w.N = N, w.F = OC, w.OH = OH, w.OW = OW;
  /* Tiles per task: V and M (16 * tb * (C + OC) floats) within ~192 KiB of
   * L2, a multiple of MR (fixed by the shape). */
  int64_t nt = N * w.q.ntiles;
  int64_t tb = (192 * 1024) / (64 * (C + OC));
  tb = DLCK_MAX(tb / MR, 1) * MR;
  w.tb = DLCK_MIN(tb, (nt + MR - 1) / MR * MR);
  w.npan = npan;
  w.U = U;
  w.bias = bias;
  w.relu = relu;
  dlck_parallel((nt + w.tb - 1) / w.tb, wino_task, &w);
}

/* bwd_filter: chunk g of the tiles sums (B^T d B) (.) (A dy A^T) into its
 * partial S_g [16][C][F]; then dw = G^T (S_0 + S_1 + ...) G. */
typedef struct {
  wino_geo q;
  const float *dy;
  int64_t F, OH, OW, nt, G, tb, npan;
  float *part;
} wbwf_ctx;

static void wbwf_task(void *vctx, int64_t g) {
  const wbwf_ctx *c = (const wbwf_ctx *)vctx;
  /* V's tile rows hold CP = C rounded up to MR channels, the last ones
   * zero, so that the GEMMs' row panels are all full. */
  const int64_t C = c->q.C, F = c->F, CP = (C + MR - 1) / MR * MR;
  const int64_t ldv = wino_ld(c->tb * CP), ldz = wino_ld(c->npan * c->tb * NR);
  float *V = (float *)dlck_scratch(1, (size_t)(16 * ldv) * 4);
  float *Z = (float *)dlck_scratch(2, (size_t)(16 * ldz) * 4);
  if (CP > C)
    for (int e = 0; e < 16; ++e)
      for (int64_t t = 0; t < c->tb; ++t)
        memset(V + e * ldv + t * CP + C, 0, (size_t)(CP - C) * 4);
  float *S = c->part + g * 16 * CP * F;
  const int64_t lo = g * c->nt / c->G, hi = (g + 1) * c->nt / c->G;
  for (int64_t g0 = lo; g0 < hi; g0 += c->tb) {
    const int64_t tb = DLCK_MIN(c->tb, hi - g0);
    wino_in_tiles(&c->q, g0, tb, V, ldv, CP);
    /* Z[e][jp][t][NR] = (A dy A^T)[e], zero padded to npan*NR filters. */
    for (int64_t t = 0; t < tb; ++t) {
      int64_t n = (g0 + t) / c->q.ntiles, tt = (g0 + t) % c->q.ntiles;
      int64_t oh = 2 * (tt / c->q.TW), ow = 2 * (tt % c->q.TW);
      int rows = oh + 1 < c->OH ? 2 : 1, cols = ow + 1 < c->OW ? 2 : 1;
      const float *dy = c->dy + ((n * c->OH + oh) * c->OW + ow) * F;
      for (int64_t f = 0; f < c->npan * NR; f += VW) {
        int64_t nl = DLCK_MAX(0, DLCK_MIN(VW, F - f));
        vf d[4], r[8], z[16];
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b)
            d[a * 2 + b] = a < rows && b < cols && nl > 0
                               ? vld_part(dy + (a * c->OW + b) * F + f, nl)
                               : (vf){0};
        for (int b = 0; b < 2; ++b) {
          r[0 + b] = d[b];
          r[2 + b] = d[b] + d[2 + b];
          r[4 + b] = d[b] - d[2 + b];
          r[6 + b] = -d[2 + b];
        }
        for (int i = 0; i < 4; ++i) {
          z[i * 4 + 0] = r[i * 2];
          z[i * 4 + 1] = r[i * 2] + r[i * 2 + 1];
          z[i * 4 + 2] = r[i * 2] - r[i * 2 + 1];
          z[i * 4 + 3] = -r[i * 2 + 1];
        }
        float *dst = Z + (f / NR) * c->tb * NR + t * NR + f % NR;
        for (int e = 0; e < 16; ++e) vst(dst + e * ldz, z[e]);
      }
    }
    /* S[e] (+)= V[e]^T * Z[e]: [C x tb] * [tb x F]. */
    for (int e = 0; e < 16; ++e)
      dlck_macro(CP, F, tb, V + e * ldv, 1, CP, Z + e * ldz, c->tb * NR, S + e * CP * F, F,
                 g0 > lo);
  }
  if (hi <= lo) memset(S, 0, (size_t)(16 * CP * F) * 4);
}

typedef struct {
  const float *part;
  float *dw;
  int64_t C, CP, F, G, cb;
} wbwf_out_ctx;

static void wbwf_out_task(void *vctx, int64_t task) {
  const wbwf_out_ctx *c = (const wbwf_out_ctx *)vctx;
  const int64_t C = c->C, CP = c->CP, F = c->F, sz = 16 * CP * F;
  const vf half = vbc(0.5f);
  for (int64_t ch = task * c->cb; ch < DLCK_MIN(C, (task + 1) * c->cb); ++ch)
    for (int64_t f = 0; f < F; f += VW) {
      int64_t nl = DLCK_MIN(VW, F - f);
      vf s[16], t[12];
      for (int e = 0; e < 16; ++e) {
        const float *p = c->part + (e * CP + ch) * F + f;
        s[e] = vld_part(p, nl);
        for (int64_t g = 1; g < c->G; ++g) s[e] += vld_part(p + g * sz, nl);
      }
      /* w = G^T s G with G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1]. */
      for (int j = 0; j < 4; ++j) {
        t[0 + j] = s[j] + (s[4 + j] + s[8 + j]) * half;
        t[4 + j] = (s[4 + j] - s[8 + j]) * half;
        t[8 + j] = (s[4 + j] + s[8 + j]) * half + s[12 + j];
      }
      for (int a = 0; a < 3; ++a) {
        const vf *u = t + a * 4;
        vf w0 = u[0] + (u[1] + u[2]) * half;
        vf w1 = (u[1] - u[2]) * half;
        vf w2 = (u[1] + u[2]) * half + u[3];
        float *d = c->dw + ((a * 3) * C + ch) * F + f;
        vst_part(d, w0, nl);
        vst_part(d + C * F, w1, nl);
        vst_part(d + 2 * C * F, w2, nl);
      }
    }
}

int dlck_wino_bwf_applies(int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t C, int64_t F) {
  /* A chunk's partial S is 16*C*F floats: at most 32 MiB. */
  return KH == 3 && KW == 3 && SH == 1 && SW == 1 && C >= DLCK_WINO_MIN_CH &&
         F >= DLCK_WINO_MIN_CH && C * F <= (1 << 19);
}

#ifndef WBWF_TB
#define WBWF_TB 64
#endif
void dlck_wino_bwf(const float *x, const float *dy, float *dw, int64_t N, int64_t H, int64_t W,
                   int64_t C, int64_t F, int64_t OH, int64_t OW, int64_t PT, int64_t PL) {
  wbwf_ctx c;
  c.q = wino_geometry(x, H, W, C, OH, OW, PT, PL);
  c.dy = dy;
  c.F = F, c.OH = OH, c.OW = OW;
  c.nt = N * c.q.ntiles;
  c.npan = (F + NR - 1) / NR;
  /* Chunks of >= 128 tiles, at most 16, partials <= 32 MiB (fixed by the
   * shape); blocks of <= 64 tiles (the GEMMs' k, <= DLCK_KC). */
  int64_t G = DLCK_MIN(c.nt / 128, 16);
  const int64_t CP = (C + MR - 1) / MR * MR;
  G = DLCK_MIN(G, (int64_t)(8 << 20) / (16 * CP * F));
  c.G = DLCK_MAX(G, 1);
  c.tb = WBWF_TB;
  c.part = (float *)dlck_scratch(3, (size_t)(c.G * 16 * CP * F + C) * 4);
  float *zeros = c.part + c.G * 16 * CP * F;
  memset(zeros, 0, (size_t)C * 4);
  c.q.zeros = zeros;
  dlck_parallel(c.G, wbwf_task, &c);
  wbwf_out_ctx o = {c.part, dw, C, CP, F, c.G, 0};
  o.cb = DLCK_MAX(1, (16 * 1024) / (16 * F * c.G)); /* ~64 KiB of partials a task */
  dlck_parallel((C + o.cb - 1) / o.cb, wbwf_out_task, &o);
}
