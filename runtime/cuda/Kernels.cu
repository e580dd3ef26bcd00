// dlc's own CUDA kernels: zero-padding/cropping copies for convolutions
// whose padding cuDNN cannot express, and pooling with TensorFlow's
// semantics (windows clipped to the image, asymmetric padding, averages
// over in-image elements only, max gradients routed to the first maximum in
// (kh, kw) order -- exactly the CPU kernel library's pool2d).
//
// Compiled by nvcc to a fatbin that the build embeds in libdlc_cuda_rt.a;
// the runtime loads it with the driver API (no CUDA runtime library).
// NHWC; one thread per output element, consecutive threads on consecutive
// channels (coalesced); grid-stride loops.

#include <stdint.h>

#define GRID_STRIDE(i, n)                                                      \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n);   \
       i += (int64_t)gridDim.x * blockDim.x)

// (n, i, j, c) of flat index idx into an NHWC array with H rows, W columns.
struct Nhwc {
  int64_t n, i, j, c;
};
__device__ inline Nhwc unravelNhwc(int64_t idx, int64_t H, int64_t W,
                                   int64_t C) {
  int64_t c = idx % C, r = idx / C;
  int64_t j = r % W;
  r /= W;
  return {r / H, r % H, j, c};
}

// out[n, i, j, c] = in[n, i + di, j + dj, c], 0 outside in's [Hin, Win].
extern "C" __global__ void dlc_shift_copy(float *out, const float *in,
                                          int64_t N, int64_t Hout,
                                          int64_t Wout, int64_t Hin,
                                          int64_t Win, int64_t C, int64_t di,
                                          int64_t dj) {
  const int64_t total = N * Hout * Wout * C;
  GRID_STRIDE(idx, total) {
    auto [n, i, j, c] = unravelNhwc(idx, Hout, Wout, C);
    int64_t si = i + di, sj = j + dj;
    out[idx] = (si >= 0 && si < Hin && sj >= 0 && sj < Win)
                   ? in[((n * Hin + si) * Win + sj) * C + c]
                   : 0.0f;
  }
}

// kind 0 = max, 1 = average; y [N, OH, OW, C].
extern "C" __global__ void dlc_pool2d_fwd(int64_t kind, const float *x,
                                          float *y, int64_t N, int64_t H,
                                          int64_t W, int64_t C, int64_t KH,
                                          int64_t KW, int64_t OH, int64_t OW,
                                          int64_t SH, int64_t SW, int64_t PT,
                                          int64_t PL) {
  const int64_t total = N * OH * OW * C;
  GRID_STRIDE(idx, total) {
    auto [n, oh, ow, c] = unravelNhwc(idx, OH, OW, C);
    int64_t h0 = oh * SH - PT, w0 = ow * SW - PL;
    int64_t h1 = min(h0 + KH, H), w1 = min(w0 + KW, W);
    h0 = max(h0, (int64_t)0);
    w0 = max(w0, (int64_t)0);
    const float *xn = x + n * H * W * C + c;
    float out = 0.0f;
    if (h0 < h1 && w0 < w1) {
      if (kind == 0) {
        float best = xn[(h0 * W + w0) * C];
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            float v = xn[(h * W + w) * C];
            if (v > best)
              best = v;
          }
        out = best;
      } else {
        float sum = 0.0f;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w)
            sum += xn[(h * W + w) * C];
        out = sum / (float)((h1 - h0) * (w1 - w0));
      }
    }
    y[idx] = out;
  }
}

// dx [N, H, W, C] overwritten: each thread gathers the windows that contain
// its element (deterministic, no atomics).
extern "C" __global__ void dlc_pool2d_bwd(int64_t kind, const float *x,
                                          const float *dy, float *dx,
                                          int64_t N, int64_t H, int64_t W,
                                          int64_t C, int64_t KH, int64_t KW,
                                          int64_t OH, int64_t OW, int64_t SH,
                                          int64_t SW, int64_t PT, int64_t PL) {
  const int64_t total = N * H * W * C;
  GRID_STRIDE(idx, total) {
    auto [n, h, w, c] = unravelNhwc(idx, H, W, C);
    // Windows oh with oh*SH - PT <= h <= oh*SH - PT + KH - 1.
    int64_t a = h + PT - KH + 1, b = h + PT;
    int64_t oh0 = a <= 0 ? 0 : (a + SH - 1) / SH;
    int64_t oh1 = b < 0 ? -1 : min(b / SH, OH - 1);
    int64_t a2 = w + PL - KW + 1, b2 = w + PL;
    int64_t ow0 = a2 <= 0 ? 0 : (a2 + SW - 1) / SW;
    int64_t ow1 = b2 < 0 ? -1 : min(b2 / SW, OW - 1);
    const float *xn = x + n * H * W * C + c;
    const float *dyn = dy + n * OH * OW * C + c;
    float g = 0.0f;
    for (int64_t oh = oh0; oh <= oh1; ++oh) {
      int64_t h0 = oh * SH - PT, h1 = min(h0 + KH, H);
      h0 = max(h0, (int64_t)0);
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        int64_t w0 = ow * SW - PL, w1 = min(w0 + KW, W);
        w0 = max(w0, (int64_t)0);
        float d = dyn[(oh * OW + ow) * C];
        if ((kind & 1) == 0) {
          int64_t bh = h0, bw = w0;
          float best = xn[(h0 * W + w0) * C];
          for (int64_t hh = h0; hh < h1; ++hh)
            for (int64_t ww = w0; ww < w1; ++ww) {
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
