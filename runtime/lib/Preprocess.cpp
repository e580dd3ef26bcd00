//===- Preprocess.cpp - TFLearn's data preprocessing ----------------------===//
//
// Samplewise and featurewise zero-centering and std-normalisation
// (tflearn/data_preprocessing.py), the statistics fitted on the training set
// in double precision, and the parsing and checking of the pipeline options.
// See docs/data-pipeline.md.
//
//===----------------------------------------------------------------------===//

#include "BatchPipeline.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

using namespace dlc::rt;

namespace {

constexpr double kEpsilon = 1e-8; // TFLearn's _EPSILON
constexpr double kMaxBlurSigma = 32;

std::vector<std::string> splitList(const char *text) {
  std::vector<std::string> items;
  std::string s(text), item;
  size_t pos = 0;
  while (true) {
    size_t comma = s.find(',', pos);
    item = s.substr(pos, comma == std::string::npos ? std::string::npos
                                                    : comma - pos);
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    items.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return items;
}

bool parseDouble(const std::string &text, double &out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  return errno == 0 && *end == '\0' && std::isfinite(out);
}

bool parseCount(const std::string &text, int64_t &out) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::strtoll(text.c_str(), nullptr, 10);
  return true;
}

/// Centers and/or std-normalises one sample in place (double accumulation).
void samplewise(float *x, int64_t n, bool center, bool stdnorm) {
  if (!center && !stdnorm)
    return;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i];
  double mean = sum / (double)n;
  if (center) {
    const float m = (float)mean;
    for (int64_t i = 0; i < n; ++i)
      x[i] -= m;
    if (stdnorm) { // the std of what is there now
      sum = 0;
      for (int64_t i = 0; i < n; ++i)
        sum += x[i];
      mean = sum / (double)n;
    }
  }
  if (stdnorm) {
    double sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = x[i] - mean;
      sq += d * d;
    }
    const float denom = (float)(std::sqrt(sq / (double)n) + kEpsilon);
    for (int64_t i = 0; i < n; ++i)
      x[i] /= denom;
  }
}

} // namespace

uint32_t dlc::rt::prepFlagsOf(const dlc_preprocess_options &o) {
  uint32_t f = 0;
  if (o.featurewise_zero_center)
    f |= kPrepFeatureMean;
  if (o.featurewise_stdnorm)
    f |= kPrepFeatureStd;
  if (o.samplewise_zero_center)
    f |= kPrepSampleCenter;
  if (o.samplewise_stdnorm)
    f |= kPrepSampleStd;
  if (o.per_channel)
    f |= kPrepPerChannel;
  return f;
}

std::string dlc::rt::prepFlagsName(uint32_t flags) {
  static const std::pair<uint32_t, const char *> names[] = {
      {kPrepFeatureMean, "featurewise_zero_center"},
      {kPrepFeatureStd, "featurewise_stdnorm"},
      {kPrepSampleCenter, "samplewise_zero_center"},
      {kPrepSampleStd, "samplewise_stdnorm"},
      {kPrepPerChannel, "per_channel"}};
  std::string s;
  for (const auto &[bit, name] : names)
    if (flags & bit)
      s += (s.empty() ? "" : ",") + std::string(name);
  return s.empty() ? "none" : s;
}

bool dlc::rt::augmentEnabled(const dlc_augment_options &o) {
  return o.flip_leftright || o.flip_updown || o.max_rotation_deg > 0 ||
         o.crop_h > 0 || o.crop_w > 0 || o.crop_pad > 0 ||
         o.max_blur_sigma > 0;
}

bool dlc::rt::imageShape(const dlc_model &m, int64_t &h, int64_t &w,
                         int64_t &c) {
  const dlc_model_desc &d = *m.desc;
  if (d.input_rank != 4)
    return false;
  h = d.input_shape[1], w = d.input_shape[2], c = d.input_shape[3];
  return h > 0 && w > 0 && c > 0;
}

dlc_status dlc::rt::fitPreprocess(dlc_trainer &t, const dlc_dataset &data,
                                  uint32_t flags) {
  const int64_t F = data.inputWidth, n = data.n;
  int64_t h = 1, w = 1, c = 1;
  const bool perChannel = (flags & kPrepPerChannel) &&
                          imageShape(*t.model, h, w, c);
  const int64_t groups = perChannel ? c : 1;
  const bool center = flags & kPrepSampleCenter, stdn = flags & kPrepSampleStd;
  std::vector<float> row(F);
  std::vector<double> sum(groups, 0.0), sq(groups, 0.0);
  std::vector<float> mean(F, 0.0f), stddev(F, 0.0f);
  auto sampleRow = [&](int64_t i) {
    std::memcpy(row.data(), data.x.data() + i * F, F * 4);
    samplewise(row.data(), F, center, stdn);
  };
  if (flags & (kPrepFeatureMean | kPrepFeatureStd)) {
    for (int64_t i = 0; i < n; ++i) {
      sampleRow(i);
      for (int64_t f = 0; f < F; ++f)
        sum[f % groups] += row[f];
    }
    const double count = (double)n * (double)(F / groups);
    std::vector<double> mu(groups);
    for (int64_t g = 0; g < groups; ++g)
      mu[g] = sum[g] / count;
    // The std: one scalar over the whole set (numpy's np.std of the
    // array), or per channel as TFLearn computes it
    // (ImagePreprocessing._compute_global_std with per_channel): the mean
    // over the images of each image's own std of the channel (np.std over
    // H and W), not the std of the pooled channel.
    std::vector<double> sd(groups, 0.0);
    if (flags & kPrepFeatureStd) {
      std::vector<double> imageSum(groups), imageSq(groups);
      const double perImage = (double)(F / groups);
      for (int64_t i = 0; i < n; ++i) {
        sampleRow(i);
        if (!perChannel) {
          for (int64_t f = 0; f < F; ++f) {
            const double d = row[f] - mu[0];
            sq[0] += d * d;
          }
          continue;
        }
        std::fill(imageSum.begin(), imageSum.end(), 0.0);
        std::fill(imageSq.begin(), imageSq.end(), 0.0);
        for (int64_t f = 0; f < F; ++f)
          imageSum[f % groups] += row[f];
        for (int64_t f = 0; f < F; ++f) {
          const double d = row[f] - imageSum[f % groups] / perImage;
          imageSq[f % groups] += d * d;
        }
        for (int64_t g = 0; g < groups; ++g)
          sd[g] += std::sqrt(imageSq[g] / perImage);
      }
      for (int64_t g = 0; g < groups; ++g)
        sd[g] = perChannel ? sd[g] / (double)n : std::sqrt(sq[g] / count);
    }
    for (int64_t f = 0; f < F; ++f) {
      mean[f] = (float)mu[f % groups];
      stddev[f] = (float)sd[f % groups];
    }
  }
  t.prepFlags = flags;
  t.prepWidth = F;
  t.prepMean.clear();
  t.prepStd.clear();
  if (flags & kPrepFeatureMean)
    t.prepMean = std::move(mean);
  if (flags & kPrepFeatureStd)
    t.prepStd = std::move(stddev);
  return DLC_OK;
}

void dlc::rt::applyPreprocess(const dlc_trainer &t, float *x, int64_t rows) {
  const uint32_t flags = t.prepFlags;
  if (!flags)
    return;
  const int64_t F = t.model->inputWidth;
  const bool center = flags & kPrepSampleCenter, stdn = flags & kPrepSampleStd;
  const float *mean = (flags & kPrepFeatureMean) && !t.prepMean.empty()
                          ? t.prepMean.data()
                          : nullptr;
  const float *sd = (flags & kPrepFeatureStd) && !t.prepStd.empty()
                        ? t.prepStd.data()
                        : nullptr;
  for (int64_t r = 0; r < rows; ++r) {
    float *v = x + r * F;
    samplewise(v, F, center, stdn);
    if (mean)
      for (int64_t f = 0; f < F; ++f)
        v[f] -= mean[f];
    if (sd)
      for (int64_t f = 0; f < F; ++f)
        v[f] /= sd[f] + (float)kEpsilon;
  }
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

dlc_status dlc_preprocess_options_parse(const char *text,
                                        dlc_preprocess_options *out) {
  return guarded([&]() -> dlc_status {
    if (!text || !out)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_preprocess_options_parse: null argument");
    dlc_preprocess_options o{};
    for (const std::string &item : splitList(text)) {
      if (item == "featurewise_zero_center")
        o.featurewise_zero_center = 1;
      else if (item == "featurewise_stdnorm")
        o.featurewise_stdnorm = 1;
      else if (item == "samplewise_zero_center")
        o.samplewise_zero_center = 1;
      else if (item == "samplewise_stdnorm")
        o.samplewise_stdnorm = 1;
      else if (item == "per_channel")
        o.per_channel = 1;
      else
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "--preprocess: unknown item '%s' (expected "
                        "featurewise_zero_center, featurewise_stdnorm, "
                        "samplewise_zero_center, samplewise_stdnorm, "
                        "per_channel)",
                        item.c_str());
    }
    if (o.per_channel && !o.featurewise_zero_center && !o.featurewise_stdnorm)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "--preprocess: per_channel applies to "
                      "featurewise_zero_center and featurewise_stdnorm; "
                      "give one of them too");
    *out = o;
    return DLC_OK;
  });
}

dlc_status dlc_augment_options_parse(const char *text,
                                     dlc_augment_options *out) {
  return guarded([&]() -> dlc_status {
    if (!text || !out)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_augment_options_parse: null argument");
    dlc_augment_options o{};
    for (const std::string &item : splitList(text)) {
      const size_t eq = item.find('=');
      const std::string name = item.substr(0, eq);
      const std::string value =
          eq == std::string::npos ? "" : item.substr(eq + 1);
      if ((name == "flip_leftright" || name == "flip_updown") &&
          eq == std::string::npos) {
        (name == "flip_leftright" ? o.flip_leftright : o.flip_updown) = 1;
      } else if (name == "rotation" && eq == std::string::npos) {
        o.max_rotation_deg = 20; // TFLearn's add_random_rotation(max_angle=20.)
      } else if (name == "blur" && eq == std::string::npos) {
        o.max_blur_sigma = 5; // TFLearn's add_random_blur(sigma_max=5.)
      } else if (name == "rotation") {
        if (!parseDouble(value, o.max_rotation_deg) ||
            o.max_rotation_deg <= 0 || o.max_rotation_deg > 180)
          return setError(DLC_ERR_INVALID_ARGUMENT,
                          "--augment: rotation=DEGREES expects a maximum "
                          "angle in (0, 180], got '%s'",
                          item.c_str());
      } else if (name == "blur") {
        if (!parseDouble(value, o.max_blur_sigma) || o.max_blur_sigma <= 0 ||
            o.max_blur_sigma > kMaxBlurSigma)
          return setError(DLC_ERR_INVALID_ARGUMENT,
                          "--augment: blur=SIGMA expects a maximum sigma in "
                          "(0, %g], got '%s'",
                          kMaxBlurSigma, item.c_str());
      } else if (name == "crop") {
        const size_t x = value.find('x'), colon = value.find(':');
        const bool ok =
            x != std::string::npos &&
            parseCount(value.substr(0, x), o.crop_h) &&
            parseCount(value.substr(x + 1, colon == std::string::npos
                                               ? std::string::npos
                                               : colon - x - 1),
                       o.crop_w) &&
            (colon == std::string::npos ||
             parseCount(value.substr(colon + 1), o.crop_pad)) &&
            o.crop_h > 0 && o.crop_w > 0;
        if (!ok)
          return setError(DLC_ERR_INVALID_ARGUMENT,
                          "--augment: crop=HxW[:PAD] expects positive "
                          "integers H, W and PAD >= 0 (e.g. crop=32x32:4), "
                          "got '%s'",
                          item.c_str());
      } else {
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "--augment: unknown item '%s' (expected "
                        "flip_leftright, flip_updown, rotation[=DEG], "
                        "crop=HxW:PAD, blur[=SIGMA])",
                        item.c_str());
      }
    }
    *out = o;
    return DLC_OK;
  });
}

dlc_status dlc_pipeline_check(const dlc_model *model,
                              const dlc_preprocess_options *prep,
                              const dlc_augment_options *aug) {
  return guarded([&]() -> dlc_status {
    if (!model)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_pipeline_check: null model");
    int64_t h, w, c;
    const bool image = imageShape(*model, h, w, c);
    const char *name = model->desc->name;
    if (prep && prep->per_channel) {
      if (!image)
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "preprocessing per_channel needs an image model "
                        "(input [?, H, W, C]); model '%s' has an input of "
                        "rank %lld",
                        name, (long long)model->desc->input_rank);
      if (!prep->featurewise_zero_center && !prep->featurewise_stdnorm)
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "preprocessing per_channel applies to "
                        "featurewise_zero_center and featurewise_stdnorm; "
                        "neither is on");
    }
    if (!aug || !augmentEnabled(*aug))
      return DLC_OK;
    if (!image)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "augmentation needs an image model (input [?, H, W, "
                      "C]); model '%s' has an input of rank %lld",
                      name, (long long)model->desc->input_rank);
    if (!(aug->max_rotation_deg >= 0 && aug->max_rotation_deg <= 180))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "augmentation: maximum rotation %g is not in [0, 180]",
                      aug->max_rotation_deg);
    if (!(aug->max_blur_sigma >= 0 && aug->max_blur_sigma <= kMaxBlurSigma))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "augmentation: maximum blur sigma %g is not in [0, %g]",
                      aug->max_blur_sigma, kMaxBlurSigma);
    if (aug->crop_h || aug->crop_w || aug->crop_pad) {
      if (aug->crop_pad < 0 || aug->crop_pad > 1 << 20)
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "augmentation: bad crop padding %lld",
                        (long long)aug->crop_pad);
      if (aug->crop_h != h || aug->crop_w != w)
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "augmentation: crop %lldx%lld must be the image size "
                        "of model '%s', %lldx%lld",
                        (long long)aug->crop_h, (long long)aug->crop_w, name,
                        (long long)h, (long long)w);
    }
    return DLC_OK;
  });
}

void dlc_trainer_get_preprocess(const dlc_trainer *t,
                                dlc_preprocess_options *out) {
  if (!out)
    return;
  *out = dlc_preprocess_options{};
  if (!t)
    return;
  out->featurewise_zero_center = !!(t->prepFlags & kPrepFeatureMean);
  out->featurewise_stdnorm = !!(t->prepFlags & kPrepFeatureStd);
  out->samplewise_zero_center = !!(t->prepFlags & kPrepSampleCenter);
  out->samplewise_stdnorm = !!(t->prepFlags & kPrepSampleStd);
  out->per_channel = !!(t->prepFlags & kPrepPerChannel);
}

const float *dlc_trainer_preprocess_mean(const dlc_trainer *t) {
  return t && (t->prepFlags & kPrepFeatureMean) && !t->prepMean.empty()
             ? t->prepMean.data()
             : nullptr;
}

const float *dlc_trainer_preprocess_std(const dlc_trainer *t) {
  return t && (t->prepFlags & kPrepFeatureStd) && !t->prepStd.empty()
             ? t->prepStd.data()
             : nullptr;
}

dlc_status dlc_trainer_preprocess(const dlc_trainer *t, float *x,
                                  int64_t rows) {
  if (!t || rows < 0 || (rows > 0 && !x))
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "dlc_trainer_preprocess: bad argument");
  applyPreprocess(*t, x, rows);
  return DLC_OK;
}
