/* 2-D convolutions (NHWC activations, HWCF filters) as implicit GEMMs:
 *  fwd:         y[P x F]   = im2col(x)[P x KKC] * w[KKC x F]
 *  bwd_data:    one stride-1 convolution of dy with a flipped, transposed
 *               sub-filter per stride phase (no col2im scatter);
 *  bwd_filter:  dw[KKC x F] = im2col(x)^T * dy, reduced over pixel chunks in
 *               a fixed order; threads split dw, never the reduction. */
#include "internal.h"

#define MR DLCK_MR
#define NR DLCK_NR

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

static void run_fwd(fwd_ctx *c) {
  c->M = c->g.N * c->g.OH * c->g.OW;
  if (c->M <= 0 || c->OC <= 0) return;
  c->direct = c->g.KA == 1 && c->g.KB == 1 && c->g.SA == 1 && c->g.SB == 1 && c->g.PA == 0 &&
              c->g.PB == 0 && c->g.OH == c->g.IH && c->g.OW == c->g.IW;
  c->contig = c->osw == c->OC && c->osh == c->g.OW * c->OC && c->osn == c->g.OH * c->osh;
  /* Chunk of output pixels whose im2col rows stay in L2 (~192 KiB). */
  int64_t mc = (48 * 1024) / DLCK_MAX(c->K, 1);
  mc = DLCK_MIN(mc, 64 * MR);
  mc = DLCK_MAX(mc / MR, 1) * MR;
  c->mc = mc;
  int64_t ntasks = (c->M + mc - 1) / mc;
  dlck_parallel(ntasks, fwd_task, c);
}

DLC_K_API void dlc_k_conv2d_fwd(const float *x, const float *w, float *y, int64_t N, int64_t H,
                                int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t F,
                                int64_t OH, int64_t OW, int64_t SH, int64_t SW, int64_t PT,
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
  run_fwd(&c);
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

DLC_K_API void dlc_k_conv2d_bwd_data(const float *dy, const float *w, float *dx, int64_t N,
                                     int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW,
                                     int64_t F, int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                                     int64_t PT, int64_t PL) {
  if (N <= 0 || H <= 0 || W <= 0 || C <= 0) return;
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
      run_fwd(&c);
    }
  }
}

/* ---- bwd_filter ---- */
#define BWF_KC 128 /* pixels per reduction chunk */

typedef struct {
  geom g;
  const float *dy;
  float *dw;
  int64_t K, F, P;
  int64_t tm, tn, mp, np;
} bwf_ctx;

static void bwf_task(void *vctx, int64_t t) {
  const bwf_ctx *c = (const bwf_ctx *)vctx;
  int64_t ti = t / c->tn, tj = t % c->tn;
  int64_t m0 = (ti * c->mp / c->tm) * MR;
  int64_t m1 = DLCK_MIN(c->K, ((ti + 1) * c->mp / c->tm) * MR);
  int64_t n0 = (tj * c->np / c->tn) * NR;
  int64_t n1 = DLCK_MIN(c->F, ((tj + 1) * c->np / c->tn) * NR);
  if (m0 >= m1 || n0 >= n1) return;
  int64_t mw = m1 - m0, nw = n1 - n0;
  float *col = (float *)dlck_scratch(1, (size_t)BWF_KC * (size_t)mw * 4);
  float *bp = (float *)dlck_scratch(2, (size_t)BWF_KC * (size_t)((nw + NR - 1) / NR) * NR * 4);
  float *ap = (float *)dlck_scratch(3, (size_t)BWF_KC * (size_t)(mw + MR) * 4);
  for (int64_t p0 = 0; p0 < c->P; p0 += BWF_KC) {
    int64_t kc = DLCK_MIN(BWF_KC, c->P - p0);
    im2col(&c->g, p0, kc, m0, m1, col, mw);
    dlck_pack_b(c->dy, c->F, 1, p0, kc, n0, nw, bp, kc * NR);
    /* Pack im2col^T into MR-row panels: the microkernel then streams A
     * contiguously instead of touching a new cache line every k. */
    dlck_pack_a(col, 1, mw, mw, kc, ap);
    dlck_macro(mw, nw, kc, ap, 0, kc * MR, bp, kc * NR, c->dw + m0 * c->F + n0, c->F, p0 > 0);
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
  bwf_ctx c;
  c.g = (geom){x, N, H, W, C, OH, OW, KH, KW, SH, SW, PT, PL};
  c.dy = dy;
  c.dw = dw;
  c.K = K;
  c.F = F;
  c.P = P;
  c.mp = (K + MR - 1) / MR;
  c.np = (F + NR - 1) / NR;
  dlck_grid(c.mp, c.np, dlck_threads(), &c.tm, &c.tn);
  dlck_parallel(c.tm * c.tn, bwf_task, &c);
}
