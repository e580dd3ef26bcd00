//===- Augment.cpp - TFLearn's image augmentation -------------------------===//
//
// Random flips, rotation, padded crop and gaussian blur of h x w x c images
// (tflearn/data_augmentation.py). The random choices come from a
// counter-based hash of (key, global step, row in the batch), never from a
// stateful generator, so a batch's augmentation does not depend on which
// thread assembles it or when, and a resumed run repeats it exactly.
// See docs/data-pipeline.md.
//
//===----------------------------------------------------------------------===//

#include "BatchPipeline.h"

#include <algorithm>
#include <cmath>

using namespace dlc::rt;

namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr int64_t kMaxBlurRadius = 128; // ceil(4 * 32), the largest sigma

/// splitmix64's output function: a bijective 64-bit mixer.
uint64_t mix64(uint64_t z) {
  z += kGolden;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Uniform in [0, 1) from the top 53 bits.
double unit(uint64_t u) { return (double)(u >> 11) * 0x1p-53; }
bool coin(uint64_t u) { return u >> 63; }
int64_t below(uint64_t u, uint64_t n) {
  return (int64_t)(((unsigned __int128)u * n) >> 64);
}

void flipColumns(float *img, int64_t h, int64_t w, int64_t c) {
  for (int64_t y = 0; y < h; ++y) {
    float *row = img + y * w * c;
    for (int64_t a = 0, b = w - 1; a < b; ++a, --b)
      for (int64_t k = 0; k < c; ++k)
        std::swap(row[a * c + k], row[b * c + k]);
  }
}

void flipRows(float *img, int64_t h, int64_t w, int64_t c) {
  const int64_t rowLen = w * c;
  for (int64_t a = 0, b = h - 1; a < b; ++a, --b)
    std::swap_ranges(img + a * rowLen, img + (a + 1) * rowLen,
                     img + b * rowLen);
}

/// Rotates `src` by `degrees` (counter-clockwise as displayed, rows going
/// down) about the centre into `dst`: bilinear, zeros outside.
void rotate(const float *src, float *dst, int64_t h, int64_t w, int64_t c,
            double degrees) {
  const double theta = degrees * (M_PI / 180.0);
  const double cs = std::cos(theta), sn = std::sin(theta);
  const double cy = (double)(h - 1) / 2, cx = (double)(w - 1) / 2;
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const double dy = (double)y - cy, dx = (double)x - cx;
      const double sx = cx + cs * dx - sn * dy;
      const double sy = cy + sn * dx + cs * dy;
      const double fx0 = std::floor(sx), fy0 = std::floor(sy);
      const float fx = (float)(sx - fx0), fy = (float)(sy - fy0);
      const int64_t x0 = (int64_t)fx0, y0 = (int64_t)fy0;
      float *out = dst + (y * w + x) * c;
      std::fill(out, out + c, 0.0f);
      const float wts[4] = {(1 - fy) * (1 - fx), (1 - fy) * fx,
                            fy * (1 - fx), fy * fx};
      const int64_t ys[4] = {y0, y0, y0 + 1, y0 + 1};
      const int64_t xs[4] = {x0, x0 + 1, x0, x0 + 1};
      for (int k = 0; k < 4; ++k) {
        if (ys[k] < 0 || ys[k] >= h || xs[k] < 0 || xs[k] >= w)
          continue;
        const float *in = src + (ys[k] * w + xs[k]) * c;
        for (int64_t ch = 0; ch < c; ++ch)
          out[ch] += wts[k] * in[ch];
      }
    }
  }
}

/// The window at (oy, ox) of `src` zero-padded by `pad`, same size, to dst.
void crop(const float *src, float *dst, int64_t h, int64_t w, int64_t c,
          int64_t pad, int64_t oy, int64_t ox) {
  for (int64_t y = 0; y < h; ++y) {
    const int64_t sy = y + oy - pad;
    float *out = dst + y * w * c;
    if (sy < 0 || sy >= h) {
      std::fill(out, out + w * c, 0.0f);
      continue;
    }
    for (int64_t x = 0; x < w; ++x) {
      const int64_t sx = x + ox - pad;
      if (sx < 0 || sx >= w)
        std::fill(out + x * c, out + (x + 1) * c, 0.0f);
      else
        std::memcpy(out + x * c, src + (sy * w + sx) * c, c * 4);
    }
  }
}

/// Separable gaussian blur of img (H and W only, not across channels),
/// kernel radius ceil(4 sigma) as scipy's truncate=4, edge-clamped.
void blur(float *img, float *tmp, int64_t h, int64_t w, int64_t c,
          double sigma) {
  const int64_t r = std::min<int64_t>((int64_t)std::ceil(4 * sigma),
                                      kMaxBlurRadius);
  double wd[2 * kMaxBlurRadius + 1], total = 0;
  for (int64_t k = -r; k <= r; ++k)
    total += wd[k + r] = std::exp(-(double)(k * k) / (2 * sigma * sigma));
  float wt[2 * kMaxBlurRadius + 1];
  for (int64_t k = 0; k <= 2 * r; ++k)
    wt[k] = (float)(wd[k] / total);
  // Along W: img -> tmp.
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t ch = 0; ch < c; ++ch) {
        float acc = 0;
        for (int64_t k = -r; k <= r; ++k) {
          const int64_t sx = std::clamp<int64_t>(x + k, 0, w - 1);
          acc += wt[k + r] * img[(y * w + sx) * c + ch];
        }
        tmp[(y * w + x) * c + ch] = acc;
      }
  // Along H: tmp -> img.
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t ch = 0; ch < c; ++ch) {
        float acc = 0;
        for (int64_t k = -r; k <= r; ++k) {
          const int64_t sy = std::clamp<int64_t>(y + k, 0, h - 1);
          acc += wt[k + r] * tmp[(sy * w + x) * c + ch];
        }
        img[(y * w + x) * c + ch] = acc;
      }
}

void augmentOne(const dlc_augment_options &o, const dlc_augment_draw &d,
                int64_t h, int64_t w, int64_t c, float *img, float *scratch) {
  if (d.flip_leftright)
    flipColumns(img, h, w, c);
  if (d.flip_updown)
    flipRows(img, h, w, c);
  if (d.rotation_deg != 0) {
    std::memcpy(scratch, img, h * w * c * 4);
    rotate(scratch, img, h, w, c, d.rotation_deg);
  }
  if (o.crop_h > 0 && o.crop_pad > 0 &&
      (d.crop_y != o.crop_pad || d.crop_x != o.crop_pad)) {
    std::memcpy(scratch, img, h * w * c * 4);
    crop(scratch, img, h, w, c, o.crop_pad, d.crop_y, d.crop_x);
  }
  if (d.blur_sigma > 0)
    blur(img, scratch, h, w, c, d.blur_sigma);
}

} // namespace

namespace dlc::rt {
/// Augments rows x[0..rows) of h x w x c images of a batch at `step`.
void augmentBatch(const dlc_augment_options &o, uint64_t key, int64_t step,
                  float *x, int64_t rows, int64_t h, int64_t w, int64_t c,
                  float *scratch) {
  for (int64_t r = 0; r < rows; ++r) {
    dlc_augment_draw d;
    dlc_augment_draw_for(&o, key, step, r, &d);
    augmentOne(o, d, h, w, c, x + r * h * w * c, scratch);
  }
}
} // namespace dlc::rt

void dlc_augment_draw_for(const dlc_augment_options *o, uint64_t key,
                          int64_t step, int64_t row, dlc_augment_draw *out) {
  if (!out)
    return;
  *out = dlc_augment_draw{};
  if (!o)
    return;
  const uint64_t base =
      mix64(mix64(mix64(key) ^ (uint64_t)step) ^ (uint64_t)row);
  uint64_t u[8];
  for (int i = 0; i < 8; ++i)
    u[i] = mix64(base ^ (kGolden * (uint64_t)(i + 1)));
  out->flip_leftright = o->flip_leftright && coin(u[0]);
  out->flip_updown = o->flip_updown && coin(u[1]);
  if (o->max_rotation_deg > 0 && coin(u[2]))
    out->rotation_deg = o->max_rotation_deg * (2 * unit(u[3]) - 1);
  if (o->crop_h > 0 && o->crop_pad > 0) {
    out->crop_y = below(u[4], 2 * (uint64_t)o->crop_pad + 1);
    out->crop_x = below(u[5], 2 * (uint64_t)o->crop_pad + 1);
  } else {
    out->crop_y = out->crop_x = o->crop_pad > 0 ? o->crop_pad : 0;
  }
  if (o->max_blur_sigma > 0 && coin(u[6]))
    out->blur_sigma = o->max_blur_sigma * unit(u[7]);
}

dlc_status dlc_augment_image(const dlc_augment_options *o,
                             const dlc_augment_draw *d, int64_t h, int64_t w,
                             int64_t c, float *image, float *scratch) {
  if (!o || !d || !image || !scratch || h < 1 || w < 1 || c < 1)
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "dlc_augment_image: bad argument");
  if (o->crop_h > 0 && (o->crop_h != h || o->crop_w != w || o->crop_pad < 0 ||
                        d->crop_y < 0 || d->crop_y > 2 * o->crop_pad ||
                        d->crop_x < 0 || d->crop_x > 2 * o->crop_pad))
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "dlc_augment_image: crop %lldx%lld:%lld at (%lld, %lld) "
                    "does not fit a %lldx%lld image",
                    (long long)o->crop_h, (long long)o->crop_w,
                    (long long)o->crop_pad, (long long)d->crop_y,
                    (long long)d->crop_x, (long long)h, (long long)w);
  if (!(d->blur_sigma >= 0 && d->blur_sigma <= 32) ||
      !std::isfinite(d->rotation_deg))
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "dlc_augment_image: bad rotation %g or blur sigma %g",
                    d->rotation_deg, d->blur_sigma);
  augmentOne(*o, *d, h, w, c, image, scratch);
  return DLC_OK;
}
