/* 2-D convolutions (NHWC activations, HWCF filters):
 *  fwd:         3x3 stride 1 with >= 16 channels in and out: Winograd
 *               F(2x2, 3x3) (winograd.c); else KKC <= 1024: direct,
 *               register-blocked over MR output pixels x NR filters from
 *               zero-padded input rows (no im2col copy); else
 *               y[P x F] = im2col(x)[P x KKC] * w[KKC x F]
 *  bwd_data:    one stride-1 convolution of dy with a flipped, transposed
 *               sub-filter per stride phase (no col2im scatter), run like
 *               fwd (Winograd or direct when its output is contiguous);
 *               for C <= 8 at stride 1 (first layers) a direct correlation
 *               vectorized over the filters, reading dy in place;
 *  bwd_filter:  Winograd where fwd is; else direct: dw[KKC x F] tiles in
 *               registers over pixel blocks. Either way the pixel (tile)
 *               sum is split into shape-fixed chunks whose partials are
 *               added in chunk order (thread-count free). */
#include "internal.h"

#define MR DLCK_MR
#define NR DLCK_NR
#define NV DLCK_NV
#define VW DLCK_VW


/* Zero-padded input rows: dst[r][q][c] = x[ih0 + r][q - PL][c] (0 outside
 * the image) for r < nr, q < WP. x is one image [H][W][C]. */
static void pad_rows(const float *x, int64_t H, int64_t W, int64_t C, int64_t ih0, int64_t nr,
                     int64_t PL, int64_t WP, float *dst) {
  int64_t qa = DLCK_MIN(DLCK_MAX(PL, 0), WP), qb = DLCK_MIN(DLCK_MAX(PL + W, 0), WP);
  if (qb < qa) qb = qa;
  for (int64_t r = 0; r < nr; ++r) {
    float *d = dst + r * WP * C;
    int64_t ih = ih0 + r;
    if (ih < 0 || ih >= H) {
      memset(d, 0, (size_t)(WP * C) * 4);
      continue;
    }
    if (qa > 0) memset(d, 0, (size_t)(qa * C) * 4);
    if (qb > qa) memcpy(d + qa * C, x + (ih * W + qa - PL) * C, (size_t)((qb - qa) * C) * 4);
    if (WP > qb) memset(d + qb * C, 0, (size_t)((WP - qb) * C) * 4);
  }
}

/* Store an mr x NR accumulator tile (only nr columns when nr < NR). */
static inline __attribute__((always_inline)) void
store_tile(vf acc[MR][NV], int mr, float *C, int64_t ldc, int64_t nr) {
  if (nr == NR) {
    for (int r = 0; r < mr; ++r)
      for (int v = 0; v < NV; ++v) vst(C + r * ldc + v * VW, acc[r][v]);
  } else {
    float t[NR];
    for (int r = 0; r < mr; ++r) {
      for (int v = 0; v < NV; ++v) vst(t + v * VW, acc[r][v]);
      for (int64_t j = 0; j < nr; ++j) C[r * ldc + j] = t[j];
    }
  }
}

/* The fused epilogue of a forward convolution: y = act(acc + bias),
 * act 1 = relu. bias == NULL: plain store. */
static inline __attribute__((always_inline)) void
store_tile_epi(vf acc[MR][NV], int mr, float *C, int64_t ldc, int64_t nr, const float *bias,
               int relu) {
  if (bias) {
    vf bv[NV];
    if (nr == NR) {
      for (int v = 0; v < NV; ++v) bv[v] = vld(bias + v * VW);
    } else {
      float t[NR] = {0};
      for (int64_t j = 0; j < nr; ++j) t[j] = bias[j];
      for (int v = 0; v < NV; ++v) bv[v] = vld(t + v * VW);
    }
    for (int r = 0; r < mr; ++r)
      for (int v = 0; v < NV; ++v) {
        vf s = acc[r][v] + bv[v];
        if (relu) s = relu_v(s);
        acc[r][v] = s;
      }
  }
  store_tile(acc, mr, C, ldc, nr);
}

/* Dispatch a body specialized for every constant tile height 1..MR. */
#define DLCK_MR_SWITCH(mr, CALL)                                                          \
  switch (mr) {                                                                           \
  case 1: CALL(1); break;                                                                 \
  case 2: CALL(2); break;                                                                 \
  case 3: CALL(3 <= MR ? 3 : 1); break;                                                   \
  case 4: CALL(4 <= MR ? 4 : 1); break;                                                   \
  case 5: CALL(5 <= MR ? 5 : 1); break;                                                   \
  case 6: CALL(6 <= MR ? 6 : 1); break;                                                   \
  case 7: CALL(7 <= MR ? 7 : 1); break;                                                   \
  case 8: CALL(8 <= MR ? 8 : 1); break;                                                   \
  case 9: CALL(9 <= MR ? 9 : 1); break;                                                   \
  case 10: CALL(10 <= MR ? 10 : 1); break;                                                \
  case 11: CALL(11 <= MR ? 11 : 1); break;                                                \
  default: CALL(12 <= MR ? 12 : 1); break;                                                \
  }

/* ---- direct forward convolution ----
 * Per task: a block of output rows of one image. Its input rows are copied
 * zero padded, then MR consecutive output pixels (flattened over the rows
 * of the block) x NR filters are accumulated in registers over the taps
 * k = (kh, kw, c), broadcasting x and loading packed w. Every output
 * element is one fixed-order sum, so tiling never changes results. */
typedef struct {
  const float *x, *Bp;
  float *y;
  int64_t N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL;
  int64_t K, WP, rb, nrb;
  const int64_t *off; /* tap k at off[k] from a pixel's window origin */
  const float *bias;  /* fused epilogue (store_tile_epi), or NULL */
  int relu;
} dfwd_ctx;

static inline __attribute__((always_inline)) void
dfwd_tile(const int mr, int64_t K, const float *const *ap, const int64_t *off, const float *bp,
          float *y, int64_t F, int64_t nr, const float *bias, int relu) {
  vf acc[MR][NV];
  const float *a[MR];
  for (int r = 0; r < mr; ++r) {
    a[r] = ap[r];
    for (int v = 0; v < NV; ++v) acc[r][v] = (vf){0};
  }
#pragma clang loop unroll_count(2)
  for (int64_t k = 0; k < K; ++k) {
    int64_t o = off[k];
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = vld(bp + k * NR + v * VW);
    for (int r = 0; r < mr; ++r) {
      vf av = vbc(a[r][o]);
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
  store_tile_epi(acc, mr, y, F, nr, bias, relu);
}

static void dfwd_task(void *vctx, int64_t t) {
  const dfwd_ctx *c = (const dfwd_ctx *)vctx;
  int64_t n = t / c->nrb, oh0 = (t % c->nrb) * c->rb;
  int64_t nb = DLCK_MIN(c->rb, c->OH - oh0);
  int64_t nrows = (nb - 1) * c->SH + c->KH;
  int64_t rowf = c->WP * c->C;
  float *pad = (float *)dlck_scratch(1, (size_t)(nrows * rowf) * 4 + 64);
  pad_rows(c->x + n * c->H * c->W * c->C, c->H, c->W, c->C, oh0 * c->SH - c->PT, nrows, c->PL,
           c->WP, pad);
  int64_t npix = nb * c->OW;
  float *y = c->y + (n * c->OH + oh0) * c->OW * c->F;
  int64_t pi = 0, pj = 0; /* (row, col) of pixel p0 in the block */
  for (int64_t p0 = 0; p0 < npix; p0 += MR) {
    int mr = (int)DLCK_MIN(MR, npix - p0);
    const float *ap[MR];
    for (int r = 0; r < mr; ++r) {
      ap[r] = pad + pi * c->SH * rowf + pj * c->SW * c->C;
      if (++pj == c->OW) {
        pj = 0;
        ++pi;
      }
    }
    for (int64_t f0 = 0; f0 < c->F; f0 += NR) {
      int64_t nr = DLCK_MIN(NR, c->F - f0);
      const float *bp = c->Bp + (f0 / NR) * c->K * NR;
      float *yo = y + p0 * c->F + f0;
      const float *bias = c->bias ? c->bias + f0 : NULL;
#define DFWD_CALL(m) dfwd_tile(m, c->K, ap, c->off, bp, yo, c->F, nr, bias, c->relu)
      DLCK_MR_SWITCH(mr, DFWD_CALL)
#undef DFWD_CALL
    }
  }
}

/* Tap offsets k = (kh*KW + kw)*C + c -> kh*rowf + kw*C + c. */
static int64_t *tap_offsets(int64_t KH, int64_t KW, int64_t C, int64_t rowf, int slot) {
  int64_t *off = (int64_t *)dlck_scratch(slot, (size_t)(KH * KW * C) * 8);
  int64_t k = 0;
  for (int64_t kh = 0; kh < KH; ++kh)
    for (int64_t kw = 0; kw < KW; ++kw)
      for (int64_t ch = 0; ch < C; ++ch) off[k++] = kh * rowf + kw * C + ch;
  return off;
}

/* A generic convolution geometry: output pixel (n, i, j), tap (a, b) reads
 * input (n, i*SA + a - PA, j*SB + b - PB, :). */
typedef struct {
  const float *in;
  int64_t N, IH, IW, IC;
  int64_t OH, OW;
  int64_t KA, KB, SA, SB, PA, PB;
} geom;

static inline void seg_copy(float *d, int64_t k0, int64_t k1, int64_t ks, const float *src,
                            int64_t len) {
  int64_t lo = DLCK_MAX(ks, k0), hi = DLCK_MIN(ks + len, k1);
  if (lo >= hi) return;
  float *o = d + (lo - k0);
  if (src) {
    const float *s = src + (lo - ks);
    int64_t n = hi - lo;
    if (n < 64) {
      for (int64_t t = 0; t < n; ++t) o[t] = s[t];
    } else {
      memcpy(o, s, (size_t)n * 4);
    }
  } else {
    memset(o, 0, (size_t)(hi - lo) * 4);
  }
}

/* Rows p0 .. p0+m of the im2col matrix, columns [k0, k1), into dst (row
 * stride ldd). Column k = (a*KB + b)*IC + c. */
static void im2col(const geom *g, int64_t p0, int64_t m, int64_t k0, int64_t k1, float *dst,
                   int64_t ldd) {
  int64_t ohw = g->OH * g->OW;
  int64_t n = p0 / ohw, rem = p0 % ohw, i = rem / g->OW, j = rem % g->OW;
  int64_t seg = g->KB * g->IC;
  int64_t img = g->IH * g->IW * g->IC;
  for (int64_t r = 0; r < m; ++r) {
    float *d = dst + r * ldd;
    const float *x = g->in + n * img;
    int64_t jw0 = j * g->SB - g->PB;
    int full = jw0 >= 0 && jw0 + g->KB <= g->IW;
    for (int64_t a = 0; a < g->KA; ++a) {
      int64_t ks = a * seg;
      if (ks + seg <= k0 || ks >= k1) continue;
      int64_t ih = i * g->SA + a - g->PA;
      if (ih < 0 || ih >= g->IH) {
        seg_copy(d, k0, k1, ks, NULL, seg);
        continue;
      }
      const float *row = x + ih * g->IW * g->IC;
      if (full) {
        seg_copy(d, k0, k1, ks, row + jw0 * g->IC, seg);
      } else {
        for (int64_t b = 0; b < g->KB; ++b) {
          int64_t iw = jw0 + b;
          int ok = iw >= 0 && iw < g->IW;
          seg_copy(d, k0, k1, ks + b * g->IC, ok ? row + iw * g->IC : NULL, g->IC);
        }
      }
    }
    if (++j == g->OW) {
      j = 0;
      if (++i == g->OH) {
        i = 0;
        ++n;
      }
    }
  }
}

/* ---- forward-style implicit GEMM: out[pixel][0..OC) = im2col * Bp ---- */
typedef struct {
  geom g;
  const float *Bp; /* packed [K x OC], panel stride K*NR */
  int64_t K, OC;
  float *out;
  int64_t osn, osh, osw; /* output pixel (n,i,j) at out + n*osn + i*osh + j*osw */
  int64_t mc, M;
  int direct, contig;
  const float *bias; /* fused epilogue [OC] (contiguous output only), or NULL */
  int relu;
} fwd_ctx;

static void fwd_task(void *vctx, int64_t t) {
  const fwd_ctx *c = (const fwd_ctx *)vctx;
  int64_t p0 = t * c->mc;
  int64_t m = DLCK_MIN(c->mc, c->M - p0);
  if (m <= 0) return;
  const float *A;
  int64_t lda;
  if (c->direct) {
    A = c->g.in + p0 * c->g.IC;
    lda = c->g.IC;
  } else {
    float *col = (float *)dlck_scratch(1, (size_t)c->mc * (size_t)c->K * 4);
    im2col(&c->g, p0, m, 0, c->K, col, c->K);
    A = col;
    lda = c->K;
  }
  float *C;
  if (c->contig)
    C = c->out + p0 * c->OC;
  else
    C = (float *)dlck_scratch(2, (size_t)c->mc * (size_t)c->OC * 4);
  if (c->K == 0) {
    memset(C, 0, (size_t)m * (size_t)c->OC * 4);
  } else {
    int64_t kcb = dlck_kc(c->K, DLCK_KC);
    for (int64_t pc = 0; pc < c->K; pc += kcb) {
      int64_t kc = DLCK_MIN(kcb, c->K - pc);
      dlck_macro(m, c->OC, kc, A + pc, lda, 1, c->Bp + pc * NR, c->K * NR, C, c->OC, pc > 0);
    }
  }
  if (c->bias)
    for (int64_t r = 0; r < m; ++r) {
      float *row = C + r * c->OC;
      for (int64_t j = 0; j < c->OC; ++j) {
        float v = row[j] + c->bias[j];
        row[j] = c->relu && !(v > 0.0f) && v == v ? 0.0f : v;
      }
    }
  if (!c->contig) {
    int64_t ohw = c->g.OH * c->g.OW;
    int64_t n = p0 / ohw, rem = p0 % ohw, i = rem / c->g.OW, j = rem % c->g.OW;
    for (int64_t r = 0; r < m; ++r) {
      memcpy(c->out + n * c->osn + i * c->osh + j * c->osw, C + r * c->OC,
             (size_t)c->OC * 4);
      if (++j == c->g.OW) {
        j = 0;
        if (++i == c->g.OH) {
          i = 0;
          ++n;
        }
      }
    }
  }
}

/* The direct kernel for a forward-style convolution with contiguous
 * output and K = KA*KB*IC in (0, DLCK_DIRECT_MAX_K]: no im2col copy (the
 * taps are read from zero-padded input rows); each output element is one
 * sum over its K taps in order, whatever the tiling or thread count. */
#define DLCK_DIRECT_MAX_K 1024
static void run_direct(const geom *g, const float *Bp, int64_t K, int64_t OC, float *out,
                       const float *bias, int relu) {
  dfwd_ctx d;
  d.x = g->in;
  d.Bp = Bp;
  d.y = out;
  d.N = g->N, d.H = g->IH, d.W = g->IW, d.C = g->IC, d.KH = g->KA, d.KW = g->KB, d.F = OC;
  d.OH = g->OH, d.OW = g->OW, d.SH = g->SA, d.SW = g->SB, d.PT = g->PA, d.PL = g->PB;
  d.K = K;
  d.WP = (g->OW - 1) * g->SB + g->KB;
  /* About 128 output pixels per task (fixed by the shape). */
  d.rb = DLCK_MAX(1, DLCK_MIN(g->OH, 128 / g->OW));
  d.nrb = (g->OH + d.rb - 1) / d.rb;
  d.off = tap_offsets(g->KA, g->KB, g->IC, d.WP * g->IC, 3);
  d.bias = bias;
  d.relu = relu;
  dlck_parallel(g->N * d.nrb, dfwd_task, &d);
}

static void run_fwd(fwd_ctx *c) {
  c->M = c->g.N * c->g.OH * c->g.OW;
  if (c->M <= 0 || c->OC <= 0) return;
  c->direct = c->g.KA == 1 && c->g.KB == 1 && c->g.SA == 1 && c->g.SB == 1 && c->g.PA == 0 &&
              c->g.PB == 0 && c->g.OH == c->g.IH && c->g.OW == c->g.IW;
  c->contig = c->osw == c->OC && c->osh == c->g.OW * c->OC && c->osn == c->g.OH * c->osh;
  if (c->contig && dlck_wino_applies(c->g.KA, c->g.KB, c->g.SA, c->g.SB, c->g.IC, c->OC)) {
    dlck_wino_fwd(c->g.in, c->Bp, c->out, c->g.N, c->g.IH, c->g.IW, c->g.IC, c->OC, c->g.OH,
                  c->g.OW, c->g.PA, c->g.PB, c->bias, c->relu);
    return;
  }
  if (c->contig && !c->direct && c->K > 0 && c->K <= DLCK_DIRECT_MAX_K) {
    run_direct(&c->g, c->Bp, c->K, c->OC, c->out, c->bias, c->relu);
    return;
  }
  /* Chunk of output pixels whose im2col rows stay in L2 (~192 KiB). */
  int64_t mc = (48 * 1024) / DLCK_MAX(c->K, 1);
  mc = DLCK_MIN(mc, 64 * MR);
  mc = DLCK_MAX(mc / MR, 1) * MR;
  c->mc = mc;
  int64_t ntasks = (c->M + mc - 1) / mc;
  dlck_parallel(ntasks, fwd_task, c);
}

static void conv_fwd(const float *x, const float *w, const float *bias, int relu, float *y,
                     int64_t N, int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW,
                     int64_t F, int64_t OH, int64_t OW, int64_t SH, int64_t SW, int64_t PT,
                     int64_t PL) {
  if (N <= 0 || OH <= 0 || OW <= 0 || F <= 0) return;
  int64_t K = KH * KW * C;
  int64_t npan = (F + NR - 1) / NR;
  float *bp = (float *)dlck_scratch(0, (size_t)DLCK_MAX(K, 1) * (size_t)npan * NR * 4);
  if (K > 0) dlck_pack_b(w, F, 1, 0, K, 0, F, bp, K * NR);
  fwd_ctx c;
  c.g = (geom){x, N, H, W, C, OH, OW, KH, KW, SH, SW, PT, PL};
  c.Bp = bp;
  c.K = K;
  c.OC = F;
  c.out = y;
  c.osw = F;
  c.osh = OW * F;
  c.osn = OH * OW * F;
  c.bias = bias;
  c.relu = bias && relu;
  run_fwd(&c);
}

DLC_K_API void dlc_k_conv2d_fwd(const float *x, const float *w, float *y, int64_t N, int64_t H,
                                int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t F,
                                int64_t OH, int64_t OW, int64_t SH, int64_t SW, int64_t PT,
                                int64_t PL) {
  conv_fwd(x, w, NULL, 0, y, N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL);
}

DLC_K_API void dlc_k_conv2d_fwd_bias_act(const float *x, const float *w, const float *bias,
                                         float *y, int64_t N, int64_t H, int64_t W, int64_t C,
                                         int64_t KH, int64_t KW, int64_t F, int64_t OH,
                                         int64_t OW, int64_t SH, int64_t SW, int64_t PT,
                                         int64_t PL, int64_t act) {
  conv_fwd(x, w, bias, act == 1, y, N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL);
}

/* ---- bwd_data ----
 * dx[n,h,w,c] = sum dy[n,oh,ow,f] w[kh,kw,c,f] over oh*SH+kh-PT == h (same
 * for w). For the phase h = ph + SH*i, the taps are kh = kh0 + SH*t with
 * kh0 = (ph+PT) mod SH, and oh = i + q - t, q = (ph+PT-kh0)/SH. With
 * t' = nkh-1-t this is a stride-1 convolution of dy over (i, t') with
 * padding nkh-1-q: a forward-style implicit GEMM with IC = F, OC = C. */
static int64_t pmod(int64_t a, int64_t m) {
  int64_t r = a % m;
  return r < 0 ? r + m : r;
}
static int64_t fdiv(int64_t a, int64_t m) { return (a - pmod(a, m)) / m; }

/* bwd_data for few input channels (C < NR/2, e.g. the first layer), where
 * the per-phase GEMM's N = C would waste most of each register tile:
 * col[P x KKC] = dy[P x F] * w^T, then col2im scatter-add. One task per
 * image (its dx is private to it), chunks in a fixed order. */
typedef struct {
  const float *dy;
  float *dx;
  const float *Bp; /* packed w^T: [F x KKC], panel stride F*NR */
  int64_t H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL, K, mc;
} c2i_ctx;

static void c2i_task(void *vctx, int64_t n) {
  const c2i_ctx *c = (const c2i_ctx *)vctx;
  float *dx = c->dx + n * c->H * c->W * c->C;
  memset(dx, 0, (size_t)(c->H * c->W * c->C) * 4);
  int64_t P = c->OH * c->OW;
  float *col = (float *)dlck_scratch(1, (size_t)c->mc * (size_t)c->K * 4);
  const float *dy = c->dy + n * P * c->F;
  int64_t kcb = dlck_kc(c->F, DLCK_KC);
  for (int64_t p0 = 0; p0 < P; p0 += c->mc) {
    int64_t m = DLCK_MIN(c->mc, P - p0);
    for (int64_t pc = 0; pc < c->F; pc += kcb) {
      int64_t kc = DLCK_MIN(kcb, c->F - pc);
      dlck_macro(m, c->K, kc, dy + p0 * c->F + pc, c->F, 1, c->Bp + pc * NR, c->F * NR, col,
                 c->K, pc > 0);
    }
    for (int64_t r = 0; r < m; ++r) {
      int64_t oh = (p0 + r) / c->OW, ow = (p0 + r) % c->OW;
      const float *cr = col + r * c->K;
      for (int64_t kh = 0; kh < c->KH; ++kh) {
        int64_t ih = oh * c->SH + kh - c->PT;
        if (ih < 0 || ih >= c->H) continue;
        for (int64_t kw = 0; kw < c->KW; ++kw) {
          int64_t iw = ow * c->SW + kw - c->PL;
          if (iw < 0 || iw >= c->W) continue;
          float *d = dx + (ih * c->W + iw) * c->C;
          const float *sc = cr + (kh * c->KW + kw) * c->C;
          for (int64_t ch = 0; ch < c->C; ++ch) d[ch] += sc[ch];
        }
      }
    }
  }
}

/* bwd_data for few input channels and stride 1 (the first layers: C = 1
 * or 3), as a direct correlation of dy with the flipped filters,
 * vectorized over the filters f (F % VW == 0):
 *   dx[h][w][c] = sum over (a, b, f) of dy[h + a - QH][w + b - QW][f] *
 *                 w[KH-1-a][KW-1-b][c][f],  QH = KH-1-PT, QW = KW-1-PL,
 * taps outside dy skipped. Inside the columns every tap reads, PB pixels x
 * C channels of vector partial sums stay in registers over the taps (a
 * row's last block overlaps the previous one, recomputing equal values);
 * the pixels at the left and right edges go one at a time, skipping their
 * outside taps. Each sum is then added over its lanes in a fixed order, so
 * every dx element is the same sequence of operations whatever the tiling
 * or thread count. dy is read in place (no padded copy). */
/* Vector registers for PB*C sums, C filter vectors and a dy vector. */
#define FEWC_REGS (DLCK_VW == 16 ? 30 : 15)
#define FEWC_PB(C) ((FEWC_REGS - 1 - (C)) / (C) > 0 ? (FEWC_REGS - 1 - (C)) / (C) : 1)

typedef struct {
  const float *dy, *w;
  float *dx;
  int64_t H, W, C, KH, KW, F, OH, OW, PT, PL, rb, nrb;
} fewc_ctx;

static inline __attribute__((always_inline)) float hsum_v(vf v) {
  float s = v[0];
  for (int l = 1; l < VW; ++l) s += v[l];
  return s;
}

/* PB pixels from dx column x: rows[a] is dy's row for tap row a (NULL:
 * outside), read from column x - QW + b for the taps b in [b0, b1). */
static inline __attribute__((always_inline)) void
fewc_block(const int C, const int PB, const float *const *rows, int64_t x, int64_t QW,
           int64_t b0, int64_t b1, const float *w, int64_t KH, int64_t KW, int64_t F,
           float *dx) {
  vf acc[FEWC_REGS];
  for (int i = 0; i < PB * C; ++i) acc[i] = (vf){0};
  for (int64_t a = 0; a < KH; ++a) {
    if (!rows[a]) continue;
    for (int64_t b = b0; b < b1; ++b) {
      const float *d = rows[a] + (x + b - QW) * F;
      const float *wt = w + ((KH - 1 - a) * KW + (KW - 1 - b)) * C * F;
      for (int64_t f = 0; f < F; f += VW) {
        vf wv[8];
        for (int ch = 0; ch < C; ++ch) wv[ch] = vld(wt + ch * F + f);
        for (int p = 0; p < PB; ++p) {
          vf dv = vld(d + p * F + f);
          for (int ch = 0; ch < C; ++ch) acc[p * C + ch] += dv * wv[ch];
        }
      }
    }
  }
  for (int p = 0; p < PB; ++p)
    for (int ch = 0; ch < C; ++ch) dx[p * C + ch] = hsum_v(acc[p * C + ch]);
}

static inline __attribute__((always_inline)) void fewc_rows(const int C, const fewc_ctx *c,
                                                           int64_t n, int64_t h0, int64_t nb) {
  const int PB = FEWC_PB(C);
  const int64_t QH = c->KH - 1 - c->PT, QW = c->KW - 1 - c->PL, F = c->F, W = c->W;
  /* Columns whose taps all fall inside dy: [xlo, xhi). */
  const int64_t xlo = DLCK_MIN(DLCK_MAX(QW, 0), W);
  const int64_t xhi = DLCK_MAX(DLCK_MIN(W, c->OW - c->PL), xlo);
  const float *rows[16];
  for (int64_t r = 0; r < nb; ++r) {
    for (int64_t a = 0; a < c->KH; ++a) {
      int64_t oh = h0 + r + a - QH;
      rows[a] = oh >= 0 && oh < c->OH ? c->dy + (n * c->OH + oh) * c->OW * F : NULL;
    }
    float *drow = c->dx + ((n * c->H + h0 + r) * W) * C;
    for (int64_t x = 0; x < W; ++x) {
      if (x == xlo && xhi - xlo >= PB) { /* the inside columns, PB at a time */
        for (int64_t x0 = xlo;; x0 += PB) {
          if (x0 + PB > xhi) x0 = xhi - PB;
          fewc_block(C, PB, rows, x0, QW, 0, c->KW, c->w, c->KH, c->KW, F, drow + x0 * C);
          if (x0 + PB == xhi) break;
        }
        x = xhi - 1;
        continue;
      }
      int64_t b0 = DLCK_MAX(0, QW - x), b1 = DLCK_MIN(c->KW, c->OW + QW - x);
      fewc_block(C, 1, rows, x, QW, b0, DLCK_MAX(b0, b1), c->w, c->KH, c->KW, F, drow + x * C);
    }
  }
}

static void fewc_task(void *vctx, int64_t t) {
  const fewc_ctx *c = (const fewc_ctx *)vctx;
  int64_t n = t / c->nrb, h0 = (t % c->nrb) * c->rb;
  int64_t nb = DLCK_MIN(c->rb, c->H - h0);
  switch (c->C) {
  case 1: fewc_rows(1, c, n, h0, nb); break;
  case 2: fewc_rows(2, c, n, h0, nb); break;
  case 3: fewc_rows(3, c, n, h0, nb); break;
  case 4: fewc_rows(4, c, n, h0, nb); break;
  case 5: fewc_rows(5, c, n, h0, nb); break;
  case 6: fewc_rows(6, c, n, h0, nb); break;
  case 7: fewc_rows(7, c, n, h0, nb); break;
  default: fewc_rows(8, c, n, h0, nb); break;
  }
}

/* Whether bwd_data runs as fewc_task: stride 1, C <= 8, KH <= 16, F a
 * multiple of the vector width. */
static int fewc_applies(int64_t C, int64_t KH, int64_t F, int64_t SH, int64_t SW) {
  return C >= 1 && C <= 8 && KH <= 16 && F > 0 && F % VW == 0 && SH == 1 && SW == 1;
}

static void run_fewc(const float *dy, const float *w, float *dx, int64_t N, int64_t H, int64_t W,
                     int64_t C, int64_t KH, int64_t KW, int64_t F, int64_t OH, int64_t OW,
                     int64_t PT, int64_t PL) {
  fewc_ctx c = {dy, w, dx, H, W, C, KH, KW, F, OH, OW, PT, PL, 0, 0};
  /* About 256 pixels per task (fixed by the shape). */
  c.rb = DLCK_MAX(1, DLCK_MIN(H, 256 / W));
  c.nrb = (H + c.rb - 1) / c.rb;
  dlck_parallel(N * c.nrb, fewc_task, &c);
}

DLC_K_API void dlc_k_conv2d_bwd_data(const float *dy, const float *w, float *dx, int64_t N,
                                     int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW,
                                     int64_t F, int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                                     int64_t PT, int64_t PL) {
  if (N <= 0 || H <= 0 || W <= 0 || C <= 0) return;
  if (2 * C <= NR && KH * KW > 1 && OH > 0 && OW > 0 && fewc_applies(C, KH, F, SH, SW)) {
    run_fewc(dy, w, dx, N, H, W, C, KH, KW, F, OH, OW, PT, PL);
    return;
  }
  if (2 * C <= NR && F > 0 && OH > 0 && OW > 0 && KH * KW > 1) {
    int64_t K = KH * KW * C;
    int64_t npan = (K + NR - 1) / NR;
    float *bp = (float *)dlck_scratch(0, (size_t)F * (size_t)npan * NR * 4);
    dlck_pack_b(w, 1, F, 0, F, 0, K, bp, F * NR); /* B(f, k) = w[k*F + f] */
    c2i_ctx c = {dy, dx, bp, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL, K, 0};
    int64_t mc = (48 * 1024) / K;
    mc = DLCK_MIN(mc, 64 * MR);
    c.mc = DLCK_MAX(mc / MR, 1) * MR;
    dlck_parallel(N, c2i_task, &c);
    return;
  }
  for (int64_t ph = 0; ph < SH && ph < H; ++ph) {
    int64_t kh0 = pmod(ph + PT, SH);
    int64_t nkh = kh0 < KH ? (KH - kh0 + SH - 1) / SH : 0;
    int64_t qh = fdiv(ph + PT - kh0, SH);
    int64_t ni = (H - ph + SH - 1) / SH;
    for (int64_t pw = 0; pw < SW && pw < W; ++pw) {
      int64_t kw0 = pmod(pw + PL, SW);
      int64_t nkw = kw0 < KW ? (KW - kw0 + SW - 1) / SW : 0;
      int64_t qw = fdiv(pw + PL - kw0, SW);
      int64_t nj = (W - pw + SW - 1) / SW;
      int64_t K = nkh * nkw * F;
      int64_t npan = (C + NR - 1) / NR;
      float *bp = (float *)dlck_scratch(0, (size_t)DLCK_MAX(K, 1) * (size_t)npan * NR * 4);
      /* Packed B[(t', u', f)][c] = w[kh, kw, c, f], kh = kh0 + SH*(nkh-1-t'). */
      for (int64_t jp = 0; jp < npan; ++jp) {
        float *d = bp + jp * K * NR;
        int64_t c0 = jp * NR, nr = DLCK_MIN(NR, C - c0);
        int64_t k = 0;
        for (int64_t t = 0; t < nkh; ++t) {
          int64_t kh = kh0 + SH * (nkh - 1 - t);
          for (int64_t u = 0; u < nkw; ++u) {
            int64_t kw = kw0 + SW * (nkw - 1 - u);
            const float *ws = w + (kh * KW + kw) * C * F;
            for (int64_t f = 0; f < F; ++f, ++k) {
              int64_t j = 0;
              for (; j < nr; ++j) d[k * NR + j] = ws[(c0 + j) * F + f];
              for (; j < NR; ++j) d[k * NR + j] = 0.0f;
            }
          }
        }
      }
      fwd_ctx c;
      c.g = (geom){dy, N, OH, OW, F, ni, nj, nkh, nkw, 1, 1, nkh - 1 - qh, nkw - 1 - qw};
      c.Bp = bp;
      c.K = K;
      c.OC = C;
      c.out = dx + (ph * W + pw) * C;
      c.osw = SW * C;
      c.osh = SH * W * C;
      c.osn = H * W * C;
      c.bias = NULL;
      c.relu = 0;
      run_fwd(&c);
    }
  }
}

/* ---- bwd_filter ----
 * dw[k][f] = sum_p x(p, k) dy[p][f], k = (kh, kw, c), computed directly: an
 * MR (k) x NR (f) tile of dw stays in registers while the pixels of a block
 * stream by (x broadcast from zero-padded input rows, one pointer per tile
 * since a tile stays within one filter row, dy loaded in place). The pixel
 * reduction is split into G chunks of output rows (KR k ranges, now 1),
 * fixed by the shape (never by the thread count); each chunk sums its
 * pixels in order into its own partial dw, and the partials are added in
 * chunk order at the end. */
#ifndef BWF_PIX
#define BWF_PIX 64
#endif
typedef struct {
  const float *x, *dy;
  float *dw, *part;
  int64_t N, H, W, C, KH, KW, F, OH, OW, SH, SW, PT, PL;
  int64_t K, WP, G, KR, ktr, R, rb, FP;
  int packdy;
  const int64_t *off;
} dbwf_ctx;

/* Vector registers of the ISA the archive is built for. */
#if DLCK_VW == 16 && defined(__AVX512F__)
#define DLCK_NREGS 32
#else
#define DLCK_NREGS 16
#endif

/* A tile whose accumulators use at most half the registers sums even and
 * odd pixels of each row block separately (two independent FMA chains per
 * element; the first layers' tiles are short: 3 taps per filter row when
 * C = 1), then adds the two. The split depends on the shape only. */
#define DBWF_SPLITS(mr) (2 * (mr) * NV + NV + 1 <= DLCK_NREGS)

static inline __attribute__((always_inline)) void
dbwf_tile(const int mr, const float *a, int64_t nb, int64_t OW, int64_t rstep,
          int64_t cstep, const float *dyb, int64_t ldd, float *out, int64_t F, int64_t nr,
          int first) {
  vf acc[MR][NV], acc2[MR][NV];
  for (int r = 0; r < mr; ++r) {
    for (int v = 0; v < NV; ++v) acc2[r][v] = (vf){0};
    if (first) {
      for (int v = 0; v < NV; ++v) acc[r][v] = (vf){0};
    } else if (nr == NR) {
      for (int v = 0; v < NV; ++v) acc[r][v] = vld(out + r * F + v * VW);
    } else {
      float t[NR];
      int64_t j = 0;
      for (; j < nr; ++j) t[j] = out[r * F + j];
      for (; j < NR; ++j) t[j] = 0.0f;
      for (int v = 0; v < NV; ++v) acc[r][v] = vld(t + v * VW);
    }
  }
  for (int64_t i = 0; i < nb; ++i) {
    const float *d = dyb + i * OW * ldd;
    int64_t o = i * rstep, j = 0;
    if (DBWF_SPLITS(mr)) {
      for (; j + 1 < OW; j += 2, o += 2 * cstep) {
        vf b0[NV], b1[NV];
        for (int v = 0; v < NV; ++v) {
          b0[v] = vld(d + j * ldd + v * VW);
          b1[v] = vld(d + (j + 1) * ldd + v * VW);
        }
        for (int r = 0; r < mr; ++r) {
          vf a0 = vbc(a[o + r]), a1 = vbc(a[o + cstep + r]);
          for (int v = 0; v < NV; ++v) {
            acc[r][v] += a0 * b0[v];
            acc2[r][v] += a1 * b1[v];
          }
        }
      }
    }
#pragma clang loop unroll_count(2)
    for (; j < OW; ++j, o += cstep) {
      vf bv[NV];
      for (int v = 0; v < NV; ++v) bv[v] = vld(d + j * ldd + v * VW);
      for (int r = 0; r < mr; ++r) {
        vf av = vbc(a[o + r]);
        for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
      }
    }
  }
  if (DBWF_SPLITS(mr))
    for (int r = 0; r < mr; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] += acc2[r][v];
  store_tile(acc, mr, out, F, nr);
}

static void dbwf_task(void *vctx, int64_t t) {
  const dbwf_ctx *c = (const dbwf_ctx *)vctx;
  int64_t g = t / c->KR, kr = t % c->KR;
  int64_t r0 = g * c->R / c->G, r1 = (g + 1) * c->R / c->G;
  int64_t k0 = kr * c->ktr, k1 = DLCK_MIN(c->K, k0 + c->ktr);
  if (r0 >= r1 || k0 >= k1) return;
  float *out = c->G == 1 ? c->dw : c->part + g * c->K * c->F;
  int64_t rowf = c->WP * c->C;
  int64_t seg = c->KW * c->C; /* k of one filter row */
  int64_t maxrows = (c->rb - 1) * c->SH + c->KH;
  float *pad = (float *)dlck_scratch(1, (size_t)(maxrows * rowf) * 4 + 64);
  float *dyp = c->packdy ? (float *)dlck_scratch(2, (size_t)(c->rb * c->OW * c->FP) * 4) : NULL;
  int first = 1;
  for (int64_t row = r0; row < r1;) {
    int64_t n = row / c->OH, oh0 = row % c->OH;
    int64_t nb = DLCK_MIN(DLCK_MIN(c->rb, c->OH - oh0), r1 - row);
    pad_rows(c->x + n * c->H * c->W * c->C, c->H, c->W, c->C, oh0 * c->SH - c->PT,
             (nb - 1) * c->SH + c->KH, c->PL, c->WP, pad);
    const float *dyb = c->dy + row * c->OW * c->F;
    int64_t ldd = c->F;
    if (c->packdy) {
      int64_t np = nb * c->OW;
      for (int64_t p = 0; p < np; ++p) {
        memcpy(dyp + p * c->FP, dyb + p * c->F, (size_t)c->F * 4);
        memset(dyp + p * c->FP + c->F, 0, (size_t)(c->FP - c->F) * 4);
      }
      dyb = dyp;
      ldd = c->FP;
    }
    for (int64_t f0 = 0; f0 < c->F; f0 += NR) {
      int64_t nr = DLCK_MIN(NR, c->F - f0);
      /* The taps of one filter row (kw, c) are consecutive in a padded
       * input row, so a tile inside one filter row reads x through one
       * pointer (x at a + o + r). Tiles of near-equal height: more
       * independent FMA chains in the last tile than a short remainder. */
      for (int64_t s0 = k0; s0 < k1;) {
        int64_t s1 = DLCK_MIN(k1, (s0 / seg + 1) * seg);
        int64_t ntl = (s1 - s0 + MR - 1) / MR;
        for (int64_t tl = 0; tl < ntl; ++tl) {
          int64_t kb = s0 + tl * (s1 - s0) / ntl;
          int mr = (int)(s0 + (tl + 1) * (s1 - s0) / ntl - kb);
          const float *a = pad + c->off[kb];
          float *o = out + kb * c->F + f0;
#define DBWF_CALL(m) \
  dbwf_tile(m, a, nb, c->OW, c->SH * rowf, c->SW * c->C, dyb + f0, ldd, o, c->F, nr, first)
          DLCK_MR_SWITCH(mr, DBWF_CALL)
#undef DBWF_CALL
        }
        s0 = s1;
      }
    }
    first = 0;
    row += nb;
  }
}

/* dw[i] = part[0][i] + part[1][i] + ... in chunk order. */
#define RED_BLK 4096
typedef struct {
  const float *part;
  float *dw;
  int64_t G, n;
} red_ctx;

static void red_task(void *vctx, int64_t t) {
  const red_ctx *c = (const red_ctx *)vctx;
  int64_t i0 = t * RED_BLK, i1 = DLCK_MIN(c->n, i0 + RED_BLK);
  float *d = c->dw;
  memcpy(d + i0, c->part + i0, (size_t)(i1 - i0) * 4);
  for (int64_t g = 1; g < c->G; ++g) {
    const float *p = c->part + g * c->n;
    for (int64_t i = i0; i < i1; ++i) d[i] += p[i];
  }
}

DLC_K_API void dlc_k_conv2d_bwd_filter(const float *x, const float *dy, float *dw, int64_t N,
                                       int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW,
                                       int64_t F, int64_t OH, int64_t OW, int64_t SH,
                                       int64_t SW, int64_t PT, int64_t PL) {
  int64_t K = KH * KW * C;
  if (K <= 0 || F <= 0) return;
  int64_t P = (N > 0 && OH > 0 && OW > 0) ? N * OH * OW : 0;
  if (P == 0) {
    memset(dw, 0, (size_t)K * (size_t)F * 4);
    return;
  }
  if (dlck_wino_bwf_applies(KH, KW, SH, SW, C, F)) {
    dlck_wino_bwf(x, dy, dw, N, H, W, C, F, OH, OW, PT, PL);
    return;
  }
  dbwf_ctx c;
  c.x = x, c.dy = dy, c.dw = dw;
  c.N = N, c.H = H, c.W = W, c.C = C, c.KH = KH, c.KW = KW, c.F = F;
  c.OH = OH, c.OW = OW, c.SH = SH, c.SW = SW, c.PT = PT, c.PL = PL;
  c.K = K;
  c.WP = (OW - 1) * SW + KW;
  c.R = N * OH;
  /* Pixel chunks of >= 1024 pixels, at most 16, partials <= 16 MiB. */
  int64_t G = DLCK_MIN(P / 1024, 16);
  G = DLCK_MIN(G, c.R);
  G = DLCK_MIN(G, (int64_t)(4 << 20) / (K * F));
  c.G = DLCK_MAX(G, 1);
  /* One k range: each task pads its input rows once and runs every k
   * tile over them (splitting k as well padded the same rows again per
   * range; the chunks alone give enough tasks). */
  c.KR = 1;
  c.ktr = K;
  /* Rows per block: about BWF_PIX pixels. */
  c.rb = DLCK_MAX(1, DLCK_MIN(OH, BWF_PIX / OW));
  c.FP = ((F + NR - 1) / NR) * NR;
  c.packdy = F % NR != 0;
  c.off = tap_offsets(KH, KW, C, c.WP * C, 0);
  c.part = c.G > 1 ? (float *)dlck_scratch(3, (size_t)(c.G * K * F) * 4) : NULL;
  dlck_parallel(c.G * c.KR, dbwf_task, &c);
  if (c.G > 1) {
    red_ctx rc = {c.part, dw, c.G, K * F};
    dlck_parallel((K * F + RED_BLK - 1) / RED_BLK, red_task, &rc);
  }
}
