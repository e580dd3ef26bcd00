// dlc's own CUDA kernels: zero-padding/cropping copies for convolutions
// whose padding cuDNN cannot express, and pooling with TensorFlow's
// semantics (windows clipped to the image, asymmetric padding, averages
// over in-image elements only, max gradients routed to the first maximum in
// (kh, kw) order -- exactly the CPU kernel library's pool2d).
//
// Compiled by nvcc to a fatbin that the build embeds in libdlc_cuda_rt.a;
// the runtime loads it with the driver API (no CUDA runtime library).
// NHWC; one thread per output element, consecutive threads on consecutive
// channels (coalesced); grid-stride loops. Also the bias and activation of a
// convolution or a dense layer's GEMM when cuDNN's or cuBLASLt's fused call
// is not used (without DLC_CUDA_FUSED_CONV=1 / DLC_CUDA_FUSED_GEMM=1).

#include <stdint.h>

// Every kernel comes twice: with 64-bit index arithmetic, and (`_i32`) with
// 32-bit, which the runtime launches when every index and size fits in 30
// bits (kernelFor in Dnn.cpp): a GPU divides 64-bit integers in software,
// and unravelling a flat index takes three divisions.

#define GRID_STRIDE(I, i, n)                                                   \
  for (I i = (I)blockIdx.x * (I)blockDim.x + (I)threadIdx.x; i < (n);          \
       i += (I)gridDim.x * (I)blockDim.x)

// (n, i, j, c) of flat index idx into an NHWC array with H rows, W columns.
template <typename I> struct Nhwc {
  I n, i, j, c;
};
template <typename I>
__device__ inline Nhwc<I> unravelNhwc(I idx, I H, I W, I C) {
  I c = idx % C, r = idx / C;
  I j = r % W;
  r /= W;
  return {r / H, r % H, j, c};
}

// out[n, i, j, c] = in[n, i + di, j + dj, c], 0 outside in's [Hin, Win].
template <typename I>
__device__ void shiftCopy(float *out, const float *in, I N, I Hout, I Wout,
                          I Hin, I Win, I C, I di, I dj) {
  const I total = N * Hout * Wout * C;
  GRID_STRIDE(I, idx, total) {
    auto [n, i, j, c] = unravelNhwc<I>(idx, Hout, Wout, C);
    I si = i + di, sj = j + dj;
    out[idx] = (si >= 0 && si < Hin && sj >= 0 && sj < Win)
                   ? in[((n * Hin + si) * Win + sj) * C + c]
                   : 0.0f;
  }
}

// kind 0 = max, 1 = average; y [N, OH, OW, C].
template <typename I>
__device__ void poolFwd(I kind, const float *x, float *y, I N, I H, I W, I C,
                        I KH, I KW, I OH, I OW, I SH, I SW, I PT, I PL) {
  const I total = N * OH * OW * C;
  GRID_STRIDE(I, idx, total) {
    auto [n, oh, ow, c] = unravelNhwc<I>(idx, OH, OW, C);
    I h0 = oh * SH - PT, w0 = ow * SW - PL;
    I h1 = min(h0 + KH, H), w1 = min(w0 + KW, W);
    h0 = max(h0, (I)0);
    w0 = max(w0, (I)0);
    const float *xn = x + n * H * W * C + c;
    float out = 0.0f;
    if (h0 < h1 && w0 < w1) {
      if (kind == 0) {
        float best = xn[(h0 * W + w0) * C];
        for (I h = h0; h < h1; ++h)
          for (I w = w0; w < w1; ++w) {
            float v = xn[(h * W + w) * C];
            if (v > best)
              best = v;
          }
        out = best;
      } else {
        float sum = 0.0f;
        for (I h = h0; h < h1; ++h)
          for (I w = w0; w < w1; ++w)
            sum += xn[(h * W + w) * C];
        out = sum / (float)((h1 - h0) * (w1 - w0));
      }
    }
    y[idx] = out;
  }
}

// dx [N, H, W, C] overwritten: each thread gathers the windows that contain
// its element (deterministic, no atomics).
template <typename I>
__device__ void poolBwd(I kind, const float *x, const float *dy, float *dx,
                        I N, I H, I W, I C, I KH, I KW, I OH, I OW, I SH, I SW,
                        I PT, I PL) {
  const I total = N * H * W * C;
  GRID_STRIDE(I, idx, total) {
    auto [n, h, w, c] = unravelNhwc<I>(idx, H, W, C);
    // Windows oh with oh*SH - PT <= h <= oh*SH - PT + KH - 1.
    I a = h + PT - KH + 1, b = h + PT;
    I oh0 = a <= 0 ? 0 : (a + SH - 1) / SH;
    I oh1 = b < 0 ? -1 : min(b / SH, OH - 1);
    I a2 = w + PL - KW + 1, b2 = w + PL;
    I ow0 = a2 <= 0 ? 0 : (a2 + SW - 1) / SW;
    I ow1 = b2 < 0 ? -1 : min(b2 / SW, OW - 1);
    const float *xn = x + n * H * W * C + c;
    const float *dyn = dy + n * OH * OW * C + c;
    float g = 0.0f;
    for (I oh = oh0; oh <= oh1; ++oh) {
      I h0 = oh * SH - PT, h1 = min(h0 + KH, H);
      h0 = max(h0, (I)0);
      for (I ow = ow0; ow <= ow1; ++ow) {
        I w0 = ow * SW - PL, w1 = min(w0 + KW, W);
        w0 = max(w0, (I)0);
        float d = dyn[(oh * OW + ow) * C];
        if ((kind & 1) == 0) {
          I bh = h0, bw = w0;
          float best = xn[(h0 * W + w0) * C];
          for (I hh = h0; hh < h1; ++hh)
            for (I ww = w0; ww < w1; ++ww) {
              float v = xn[(hh * W + ww) * C];
              if (v > best) {
                best = v;
                bh = hh;
                bw = ww;
              }
            }
          if (bh == h && bw == w)
            g += d;
        } else {
          g += d / (float)((h1 - h0) * (w1 - w0));
        }
      }
    }
    // kind | 2: the gradient through the ReLU whose output x is pooled.
    dx[idx] = (kind & 2) && !(x[idx] > 0.0f) ? 0.0f : g;
  }
}

// y[r, f] = act(y[r, f] + bias[f]) on [rows, F] with row stride ld; act 1
// is the ReLU (NaN stays NaN, as in the CPU kernels), 0 the identity.
template <typename I>
__device__ void biasAct(float *y, const float *bias, I rows, I F, I ld,
                        I act) {
  const I total = rows * F;
  GRID_STRIDE(I, idx, total) {
    I r = idx / F, f = idx - r * F;
    float *p = y + r * ld + f;
    float v = *p + bias[f];
    *p = act == 1 && !(v > 0.0f) && v == v ? 0.0f : v;
  }
}

// The entry points: every argument is 64-bit (one parameter array serves
// both variants); the _i32 ones narrow them first.
#define DLC_KERNELS(NAME, I)                                                   \
  extern "C" __global__ void dlc_shift_copy##NAME(                             \
      float *out, const float *in, int64_t N, int64_t Hout, int64_t Wout,      \
      int64_t Hin, int64_t Win, int64_t C, int64_t di, int64_t dj) {           \
    shiftCopy<I>(out, in, N, Hout, Wout, Hin, Win, C, di, dj);                 \
  }                                                                            \
  extern "C" __global__ void dlc_pool2d_fwd##NAME(                             \
      int64_t kind, const float *x, float *y, int64_t N, int64_t H,            \
      int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t OH, int64_t OW,    \
      int64_t SH, int64_t SW, int64_t PT, int64_t PL) {                        \
    poolFwd<I>(kind, x, y, N, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL);        \
  }                                                                            \
  extern "C" __global__ void dlc_pool2d_bwd##NAME(                             \
      int64_t kind, const float *x, const float *dy, float *dx, int64_t N,     \
      int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t OH,     \
      int64_t OW, int64_t SH, int64_t SW, int64_t PT, int64_t PL) {            \
    poolBwd<I>(kind, x, dy, dx, N, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL);   \
  }                                                                            \
  extern "C" __global__ void dlc_bias_act##NAME(                               \
      float *y, const float *bias, int64_t rows, int64_t F, int64_t ld,        \
      int64_t act) {                                                           \
    biasAct<I>(y, bias, rows, F, ld, act);                                     \
  }

DLC_KERNELS(, int64_t)
DLC_KERNELS(_i32, int32_t)
