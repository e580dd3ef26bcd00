/* 2-D max / average pooling, NHWC, vectorized over C; one task per image. */
#include "internal.h"

typedef struct {
  int64_t kind; /* 0 max, 1 average */
  int relu;     /* backward: dx masked by x > 0 */
  const float *x, *dy;
  float *y, *dx;
  int64_t H, W, C, KH, KW, OH, OW, SH, SW, PT, PL;
} pool_ctx;

#define CB 256 /* channel block for the max-backward argmax */

typedef int32_t vi __attribute__((vector_size(DLCK_VW * 4)));
/* m ? a : b per lane (m all ones or zero). */
static inline __attribute__((always_inline)) vf vsel(vi m, vf a, vf b) {
  return (vf)(((vi)a & m) | ((vi)b & ~m));
}

/* dx = x > 0 ? dx : 0 over one image (the gradient through the ReLU whose
 * output is the pooled x), while the image is still in cache. */
static void relu_mask(const float *x, float *dx, int64_t n) {
  int64_t i = 0;
  for (; i + DLCK_VW <= n; i += DLCK_VW) {
    vf xv = vld(x + i);
    vst(dx + i, vsel((vi)(xv > 0), vld(dx + i), (vf){0}));
  }
  for (; i < n; ++i) dx[i] = x[i] > 0.0f ? dx[i] : 0.0f;
}

/* Max pooling with non-overlapping windows (SH >= KH, SW >= KW), backward:
 * every x lies in at most one window, so dx is written once, directly
 * (dy where x is the window's first max, else 0), without a scatter pass.
 * Elements outside every window are zeroed first unless the windows tile
 * the image. */
static void maxpool_bwd_disjoint_task(void *vctx, int64_t n) {
  const pool_ctx *p = (const pool_ctx *)vctx;
  int64_t C = p->C;
  const float *x = p->x + n * p->H * p->W * C;
  const float *dy = p->dy + n * p->OH * p->OW * C;
  float *dx = p->dx + n * p->H * p->W * C;
  int tiles = p->KH == p->SH && p->KW == p->SW && p->PT == 0 && p->PL == 0 &&
              p->OH * p->SH >= p->H && p->OW * p->SW >= p->W;
  if (!tiles) memset(dx, 0, (size_t)(p->H * p->W * C) * 4);
  int64_t W = p->W;
  for (int64_t oh = 0; oh < p->OH; ++oh) {
    int64_t h0 = oh * p->SH - p->PT, h1 = DLCK_MIN(h0 + p->KH, p->H);
    h0 = DLCK_MAX(h0, 0);
    for (int64_t ow = 0; ow < p->OW; ++ow) {
      int64_t w0 = ow * p->SW - p->PL, w1 = DLCK_MIN(w0 + p->KW, p->W);
      w0 = DLCK_MAX(w0, 0);
      if (h0 >= h1 || w0 >= w1) continue;
      const float *g = dy + (oh * p->OW + ow) * C;
      int64_t c = 0;
      if (h1 - h0 == 2 && w1 - w0 == 2) {
        const float *xa = x + (h0 * W + w0) * C, *xb = xa + C, *xc = xa + W * C, *xd = xc + C;
        float *da = dx + (h0 * W + w0) * C, *db = da + C, *dc = da + W * C, *dd = dc + C;
        for (; c + DLCK_VW <= C; c += DLCK_VW) {
          vf m = vld(xa + c), b = vld(xb + c), cv = vld(xc + c), d = vld(xd + c);
          vi gb = (vi)(b > m);
          m = vsel(gb, b, m);
          vi gc = (vi)(cv > m);
          m = vsel(gc, cv, m);
          vi gd = (vi)(d > m);
          /* The winner is the last position whose compare succeeded. */
          vi wd = gd, wc = gc & ~gd, wb = gb & ~gc & ~gd, wa = ~(gb | gc | gd);
          vf gv = vld(g + c);
          vst(da + c, vsel(wa, gv, (vf){0}));
          vst(db + c, vsel(wb, gv, (vf){0}));
          vst(dc + c, vsel(wc, gv, (vf){0}));
          vst(dd + c, vsel(wd, gv, (vf){0}));
        }
      }
      for (; c + DLCK_VW <= C; c += DLCK_VW) {
        vf best = vld(x + (h0 * W + w0) * C + c);
        vi idx = (vi){0} + (int32_t)(h0 * W + w0);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            vf xi = vld(x + (h * W + w) * C + c);
            vi gt = (vi)(xi > best);
            best = vsel(gt, xi, best);
            idx = (idx & ~gt) | (((vi){0} + (int32_t)(h * W + w)) & gt);
          }
        vf gv = vld(g + c);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            vi eq = (vi)(idx == (int32_t)(h * W + w));
            vst(dx + (h * W + w) * C + c, vsel(eq, gv, (vf){0}));
          }
      }
      for (; c < C; ++c) {
        int64_t bi = h0 * W + w0;
        float best = x[bi * C + c];
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w)
            if (x[(h * W + w) * C + c] > best) {
              best = x[(h * W + w) * C + c];
              bi = h * W + w;
            }
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) dx[(h * W + w) * C + c] = (h * W + w == bi) ? g[c] : 0.0f;
      }
    }
  }
  if (p->relu) relu_mask(x, dx, p->H * p->W * C);
}

/* Max pooling 2x2 stride 2 without padding, forward: full windows only
 * (a clipped last row/column, e.g. SAME on an odd size, goes the general
 * way in pool_fwd_task). Same comparisons as the general path. */
static void maxpool2_fwd_task(void *vctx, int64_t n) {
  const pool_ctx *p = (const pool_ctx *)vctx;
  int64_t C = p->C, W = p->W;
  const float *x = p->x + n * p->H * W * C;
  float *y = p->y + n * p->OH * p->OW * C;
  int64_t fh = DLCK_MIN(p->OH, p->H / 2), fw = DLCK_MIN(p->OW, W / 2);
  for (int64_t oh = 0; oh < fh; ++oh)
    for (int64_t ow = 0; ow < fw; ++ow) {
      const float *a = x + (2 * oh * W + 2 * ow) * C, *b = a + C, *cc = a + W * C,
                  *d = cc + C;
      float *yo = y + (oh * p->OW + ow) * C;
      int64_t c = 0;
      for (; c + DLCK_VW <= C; c += DLCK_VW) {
        vf m = vld(a + c), v;
        v = vld(b + c);
        m = vsel((vi)(v > m), v, m);
        v = vld(cc + c);
        m = vsel((vi)(v > m), v, m);
        v = vld(d + c);
        m = vsel((vi)(v > m), v, m);
        vst(yo + c, m);
      }
      for (; c < C; ++c) {
        float m = a[c];
        m = b[c] > m ? b[c] : m;
        m = cc[c] > m ? cc[c] : m;
        m = d[c] > m ? d[c] : m;
        yo[c] = m;
      }
    }
}

static void pool_fwd_task(void *vctx, int64_t n) {
  const pool_ctx *p = (const pool_ctx *)vctx;
  int64_t C = p->C;
  const float *x = p->x + n * p->H * p->W * C;
  float *y = p->y + n * p->OH * p->OW * C;
  int fast = p->kind == 0 && p->KH == 2 && p->KW == 2 && p->SH == 2 && p->SW == 2 &&
             p->PT == 0 && p->PL == 0;
  int64_t fh = 0, fw = 0;
  if (fast) {
    maxpool2_fwd_task(vctx, n);
    fh = DLCK_MIN(p->OH, p->H / 2);
    fw = DLCK_MIN(p->OW, p->W / 2);
  }
  for (int64_t oh = 0; oh < p->OH; ++oh) {
    int64_t h0 = oh * p->SH - p->PT, h1 = DLCK_MIN(h0 + p->KH, p->H);
    h0 = DLCK_MAX(h0, 0);
    for (int64_t ow = (oh < fh ? fw : 0); ow < p->OW; ++ow) {
      int64_t w0 = ow * p->SW - p->PL, w1 = DLCK_MIN(w0 + p->KW, p->W);
      w0 = DLCK_MAX(w0, 0);
      float *yo = y + (oh * p->OW + ow) * C;
      if (h0 >= h1 || w0 >= w1) {
        memset(yo, 0, (size_t)C * 4);
        continue;
      }
      if (p->kind == 0) {
        memcpy(yo, x + (h0 * p->W + w0) * C, (size_t)C * 4);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float *xi = x + (h * p->W + w) * C;
            for (int64_t c = 0; c < C; ++c) yo[c] = xi[c] > yo[c] ? xi[c] : yo[c];
          }
      } else {
        memset(yo, 0, (size_t)C * 4);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float *xi = x + (h * p->W + w) * C;
            for (int64_t c = 0; c < C; ++c) yo[c] += xi[c];
          }
        float cnt = (float)((h1 - h0) * (w1 - w0));
        for (int64_t c = 0; c < C; ++c) yo[c] = yo[c] / cnt;
      }
    }
  }
}

static void pool_bwd_task(void *vctx, int64_t n) {
  const pool_ctx *p = (const pool_ctx *)vctx;
  int64_t C = p->C;
  const float *x = p->x + n * p->H * p->W * C;
  const float *dy = p->dy + n * p->OH * p->OW * C;
  float *dx = p->dx + n * p->H * p->W * C;
  memset(dx, 0, (size_t)(p->H * p->W * C) * 4);
  float best[CB];
  int32_t idx[CB];
  for (int64_t oh = 0; oh < p->OH; ++oh) {
    int64_t h0 = oh * p->SH - p->PT, h1 = DLCK_MIN(h0 + p->KH, p->H);
    h0 = DLCK_MAX(h0, 0);
    for (int64_t ow = 0; ow < p->OW; ++ow) {
      int64_t w0 = ow * p->SW - p->PL, w1 = DLCK_MIN(w0 + p->KW, p->W);
      w0 = DLCK_MAX(w0, 0);
      if (h0 >= h1 || w0 >= w1) continue;
      const float *g = dy + (oh * p->OW + ow) * C;
      if (p->kind == 0) {
        for (int64_t c0 = 0; c0 < C; c0 += CB) {
          int64_t cn = DLCK_MIN(CB, C - c0);
          int32_t first = (int32_t)(h0 * p->W + w0);
          const float *xf = x + first * C + c0;
          for (int64_t c = 0; c < cn; ++c) {
            best[c] = xf[c];
            idx[c] = first;
          }
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) {
              int32_t pos = (int32_t)(h * p->W + w);
              const float *xi = x + pos * C + c0;
              for (int64_t c = 0; c < cn; ++c) {
                int gt = xi[c] > best[c];
                best[c] = gt ? xi[c] : best[c];
                idx[c] = gt ? pos : idx[c];
              }
            }
          for (int64_t c = 0; c < cn; ++c) dx[idx[c] * C + c0 + c] += g[c0 + c];
        }
      } else {
        float cnt = (float)((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            float *di = dx + (h * p->W + w) * C;
            for (int64_t c = 0; c < C; ++c) di[c] += g[c] / cnt;
          }
      }
    }
  }
  if (p->relu) relu_mask(x, dx, p->H * p->W * C);
}

static int64_t pool_setup(pool_ctx *p, int64_t kind, int64_t H, int64_t W, int64_t C, int64_t KH,
                          int64_t KW, int64_t OH, int64_t OW, int64_t SH, int64_t SW, int64_t PT,
                          int64_t PL) {
  p->kind = kind;
  p->H = H;
  p->W = W;
  p->C = C;
  p->KH = KH;
  p->KW = KW;
  p->OH = OH;
  p->OW = OW;
  p->SH = SH;
  p->SW = SW;
  p->PT = PT;
  p->PL = PL;
  return 0;
}

DLC_K_API void dlc_k_pool2d_fwd(int64_t kind, const float *x, float *y, int64_t N, int64_t H,
                                int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t OH,
                                int64_t OW, int64_t SH, int64_t SW, int64_t PT, int64_t PL) {
  if (N <= 0 || OH <= 0 || OW <= 0 || C <= 0) return;
  pool_ctx p;
  pool_setup(&p, kind, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL);
  p.relu = 0;
  p.x = x;
  p.y = y;
  p.dy = NULL;
  p.dx = NULL;
  dlck_parallel(N, pool_fwd_task, &p);
}

DLC_K_API void dlc_k_pool2d_bwd(int64_t kind, const float *x, const float *y, const float *dy,
                                float *dx, int64_t N, int64_t H, int64_t W, int64_t C, int64_t KH,
                                int64_t KW, int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                                int64_t PT, int64_t PL) {
  (void)y;
  if (N <= 0 || H <= 0 || W <= 0 || C <= 0) return;
  pool_ctx p;
  pool_setup(&p, kind & 1, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL);
  p.relu = (kind & 2) != 0;
  p.x = x;
  p.y = NULL;
  p.dy = dy;
  p.dx = dx;
  if (OH <= 0 || OW <= 0) {
    memset(dx, 0, (size_t)(N * H * W * C) * 4);
    return;
  }
  if (p.kind == 0 && SH >= KH && SW >= KW)
    dlck_parallel(N, maxpool_bwd_disjoint_task, &p);
  else
    dlck_parallel(N, pool_bwd_task, &p);
}
