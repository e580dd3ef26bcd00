/* 2-D max / average pooling, NHWC, vectorized over C; one task per image. */
#include "internal.h"

typedef struct {
  int64_t kind;
  const float *x, *dy;
  float *y, *dx;
  int64_t H, W, C, KH, KW, OH, OW, SH, SW, PT, PL;
} pool_ctx;

#define CB 256 /* channel block for the max-backward argmax */

static void pool_fwd_task(void *vctx, int64_t n) {
  const pool_ctx *p = (const pool_ctx *)vctx;
  int64_t C = p->C;
  const float *x = p->x + n * p->H * p->W * C;
  float *y = p->y + n * p->OH * p->OW * C;
  for (int64_t oh = 0; oh < p->OH; ++oh) {
    int64_t h0 = oh * p->SH - p->PT, h1 = DLCK_MIN(h0 + p->KH, p->H);
    h0 = DLCK_MAX(h0, 0);
    for (int64_t ow = 0; ow < p->OW; ++ow) {
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
  pool_setup(&p, kind, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL);
  p.x = x;
  p.y = NULL;
  p.dy = dy;
  p.dx = dx;
  if (OH <= 0 || OW <= 0) {
    memset(dx, 0, (size_t)(N * H * W * C) * 4);
    return;
  }
  dlck_parallel(N, pool_bwd_task, &p);
}
