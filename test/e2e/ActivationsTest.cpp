//===- ActivationsTest.cpp - tensorboard_verbose 3 through a compiled CNN -===//
//
// Inputs/activations_cnn.mlir: conv_2d (relu, SAME) -> max_pool_2d 2x2 ->
// fully_connected (relu) -> dropout -> fully_connected (softmax).
//
//  - Descriptor: M_activations reports the outputs TFLearn summarizes (its
//    tf.GraphKeys.ACTIVATIONS: not dropout) under TensorFlow's op names,
//    with their shapes, laid out one [batch, ...] block after the other.
//  - LayerOutputs: each block equals a double-precision reference computed
//    here from the parameters (convolution, pooling and dense layers written
//    out), and the softmax block equals M_forward's prediction.
//  - TrainAtLevelThree: three steps of dlc_trainer_train at level 3 write,
//    at every step, a `<op>/Activations` histogram whose num, min, max and
//    sum are the reference's on that step's batch and the parameters the
//    step started from, and a `<op>/Sparsity` scalar equal to the counted
//    fraction of zeros of the reference's output (the relus' zeros).
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

using namespace dlc::e2e;

namespace {

const char *const kNames[] = {"Conv2D/Relu", "MaxPool2D/MaxPool",
                              "FullyConnected/Relu",
                              "FullyConnected_1/Softmax"};

const dlc_model *model() {
  return loadModel(inputPath("activations_cnn.mlir"));
}

const float *param(const dlc_model_desc &d, const std::vector<float> &p,
                   const char *name) {
  for (int64_t i = 0; i < d.num_params; ++i)
    if (std::strcmp(d.params[i].name, name) == 0)
      return p.data() + d.params[i].offset;
  ADD_FAILURE() << "no parameter " << name;
  static const float zeros[64] = {};
  return zeros;
}

/// The four layer outputs of one batch, each [batch, ...] row-major.
using Outputs = std::vector<std::vector<double>>;

Outputs reference(const dlc_model_desc &d, const std::vector<float> &p,
                  const float *x, int64_t batch) {
  const float *cw = param(d, p, "Conv2D/W"), *cb = param(d, p, "Conv2D/b");
  const float *w1 = param(d, p, "FullyConnected/W");
  const float *b1 = param(d, p, "FullyConnected/b");
  const float *w2 = param(d, p, "FullyConnected_1/W");
  const float *b2 = param(d, p, "FullyConnected_1/b");
  Outputs out(4);
  for (int64_t n = 0; n < batch; ++n) {
    const float *img = x + n * 36;
    // 3x3 SAME convolution, stride 1: one row and column of zeros around.
    double conv[6][6][2];
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j)
        for (int f = 0; f < 2; ++f) {
          double s = cb[f];
          for (int di = 0; di < 3; ++di)
            for (int dj = 0; dj < 3; ++dj) {
              int r = i + di - 1, c = j + dj - 1;
              if (r >= 0 && r < 6 && c >= 0 && c < 6)
                s += (double)img[r * 6 + c] * cw[(di * 3 + dj) * 2 + f];
            }
          conv[i][j][f] = std::max(s, 0.0);
          out[0].push_back(conv[i][j][f]);
        }
    // 2x2 max pooling, stride 2.
    std::vector<double> pool;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int f = 0; f < 2; ++f) {
          double m = -INFINITY;
          for (int di = 0; di < 2; ++di)
            for (int dj = 0; dj < 2; ++dj)
              m = std::max(m, conv[2 * i + di][2 * j + dj][f]);
          pool.push_back(m);
        }
    out[1].insert(out[1].end(), pool.begin(), pool.end());
    double hidden[4];
    for (int u = 0; u < 4; ++u) {
      double s = b1[u];
      for (int k = 0; k < 18; ++k)
        s += pool[k] * w1[k * 4 + u];
      hidden[u] = std::max(s, 0.0);
      out[2].push_back(hidden[u]);
    }
    double logits[3], top = -INFINITY, total = 0;
    for (int u = 0; u < 3; ++u) {
      logits[u] = b2[u];
      for (int k = 0; k < 4; ++k) // dropout: the identity at inference
        logits[u] += hidden[k] * w2[k * 3 + u];
      top = std::max(top, logits[u]);
    }
    for (double &l : logits)
      total += (l = std::exp(l - top));
    for (double l : logits)
      out[3].push_back(l / total);
  }
  return out;
}

std::vector<float> uniform(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float &e : v)
    e = (float)rng.uniform(-1, 1);
  return v;
}

TEST(Activations, Descriptor) {
  const dlc_model *m = model();
  ASSERT_NE(m, nullptr);
  const dlc_model_desc &d = *dlc_model_get_desc(m);
  ASSERT_EQ(d.num_activations, 4);
  ASSERT_NE(d.activation_descs, nullptr);
  ASSERT_NE(d.activations, nullptr);
  const std::vector<std::vector<int64_t>> shapes = {
      {-1, 6, 6, 2}, {-1, 3, 3, 2}, {-1, 4}, {-1, 3}};
  int64_t offset = 0;
  for (int k = 0; k < 4; ++k) {
    const dlc_activation_desc &a = d.activation_descs[k];
    SCOPED_TRACE(kNames[k]);
    EXPECT_STREQ(a.name, kNames[k]);
    EXPECT_EQ(std::vector<int64_t>(a.shape, a.shape + a.rank), shapes[k]);
    EXPECT_EQ(a.offset, offset);
    int64_t size = 1;
    for (int64_t i = 1; i < a.rank; ++i)
      size *= a.shape[i];
    EXPECT_EQ(a.size, size);
    offset += size;
  }
  EXPECT_EQ(d.activation_floats, offset);
}

TEST(Activations, LayerOutputs) {
  const dlc_model *m = model();
  ASSERT_NE(m, nullptr);
  Net net(m);
  const dlc_model_desc &d = net.desc();
  ASSERT_EQ(d.num_activations, 4);
  for (int64_t batch : {1, 5}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<float> p = randomParams(d, 11 + batch, 0.8);
    std::vector<float> x = uniform(batch * 36, 3 + batch);
    // Guard floats after the buffer: nothing is written past it.
    std::vector<float> acts(d.activation_floats * batch + 16, NAN);
    std::vector<unsigned char> ws(dlc_workspace_bytes(&d, batch) + 64);
    d.activations(p.data(), x.data(), batch, acts.data(), ws.data());
    for (int64_t i = d.activation_floats * batch; i < (int64_t)acts.size(); ++i)
      ASSERT_TRUE(std::isnan(acts[i])) << "written past the buffer at " << i;
    Outputs ref = reference(d, p, x.data(), batch);
    for (int k = 0; k < 4; ++k) {
      const dlc_activation_desc &a = d.activation_descs[k];
      ASSERT_EQ((int64_t)ref[k].size(), a.size * batch) << kNames[k];
      for (int64_t i = 0; i < a.size * batch; ++i)
        ASSERT_NEAR(acts[a.offset * batch + i], ref[k][i],
                    1e-5 + 1e-5 * std::fabs(ref[k][i]))
            << kNames[k] << " element " << i;
    }
    // The last block is the model's prediction.
    std::vector<float> y = net.forward(p, x, batch);
    const dlc_activation_desc &last = d.activation_descs[3];
    for (int64_t i = 0; i < batch * 3; ++i)
      EXPECT_EQ(acts[last.offset * batch + i], y[i]) << i;
  }
}

struct Capture {
  dlc_trainer *trainer = nullptr;
  int64_t floats = 0;
  std::vector<std::vector<float>> params; // [k]: before step k + 1
};

int captureParams(const dlc_step_info *, void *user) {
  Capture &c = *static_cast<Capture *>(user);
  const float *p = dlc_trainer_params(c.trainer);
  c.params.emplace_back(p, p + c.floats);
  return 0;
}

struct Logged {
  std::map<int64_t, std::map<std::string, dlc_histogram>> histograms;
  std::map<int64_t, std::map<std::string, float>> scalars;
  std::vector<std::string> problems;
};

TEST(Activations, TrainAtLevelThree) {
  const dlc_model *m = model();
  ASSERT_NE(m, nullptr);
  const dlc_model_desc &d = *dlc_model_get_desc(m);
  const int64_t batch = 4, steps = 3, n = batch * steps;
  std::vector<float> x = uniform(n * 36, 21);
  std::vector<float> y(n * 3, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    y[i * 3 + i % 3] = 1.0f;
  dlc_dataset *data = nullptr;
  ASSERT_EQ(dlc_dataset_from_arrays(x.data(), y.data(), n, 36, 3, &data),
            DLC_OK);
  dlc_trainer *t = nullptr;
  ASSERT_EQ(dlc_trainer_create(m, &t), DLC_OK);
  ASSERT_EQ(dlc_trainer_init(t, 5), DLC_OK);
  Capture cap;
  cap.trainer = t;
  cap.floats = d.param_floats;
  captureParams(nullptr, &cap); // the initial parameters
  TempDir dir;
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = 1;
  o.batch_size = batch;
  o.shuffle = 0; // step k trains on rows [(k - 1) * batch, k * batch)
  o.quiet = 1;
  o.progress = 0;
  o.event_dir = dir.path.c_str();
  o.tensorboard_verbose = 3;
  o.on_step = captureParams;
  o.user = &cap;
  dlc_train_result r{};
  ASSERT_EQ(dlc_trainer_train(t, data, nullptr, &o, &r), DLC_OK)
      << dlc_last_error();
  ASSERT_EQ(r.steps, steps);
  ASSERT_EQ((int64_t)cap.params.size(), steps + 1);

  std::string file;
  for (const auto &e : std::filesystem::directory_iterator(dir.path))
    file = e.path().string();
  Logged logged;
  // Histogram pointers live during the callback only: keep the figures.
  dlc_status read = dlc_event_file_read(
      file.c_str(),
      [](const dlc_event *e, void *user) {
        Logged &l = *static_cast<Logged *>(user);
        for (int64_t i = 0; i < e->num_values; ++i) {
          const dlc_summary_value &v = e->values[i];
          if (v.is_histogram) {
            dlc_histogram h = v.histogram;
            h.bucket_limit = h.bucket = nullptr;
            l.histograms[e->step][v.tag] = h;
          } else {
            l.scalars[e->step][v.tag] = v.value;
          }
        }
        return 0;
      },
      [](int64_t, const char *message, void *user) {
        static_cast<Logged *>(user)->problems.push_back(message);
      },
      &logged);
  EXPECT_EQ(read, DLC_OK);
  EXPECT_TRUE(logged.problems.empty());

  for (int64_t step = 1; step <= steps; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    // Levels 1 and 2 are there too: 6 parameters, gradients and weights.
    int64_t activationTags = 0;
    for (const auto &[tag, h] : logged.histograms[step])
      activationTags += tag.find("/Activations") != std::string::npos;
    EXPECT_EQ(logged.histograms[step].size(), 6u * 2 + 4);
    EXPECT_EQ(activationTags, 4);
    Outputs ref = reference(d, cap.params[step - 1],
                            x.data() + (step - 1) * batch * 36, batch);
    for (int k = 0; k < 4; ++k) {
      const std::string name = kNames[k];
      SCOPED_TRACE(name);
      auto h = logged.histograms[step].find(name + "/Activations");
      ASSERT_NE(h, logged.histograms[step].end());
      auto s = logged.scalars[step].find(name + "/Sparsity");
      ASSERT_NE(s, logged.scalars[step].end());
      const std::vector<double> &v = ref[k];
      double lo = *std::min_element(v.begin(), v.end());
      double hi = *std::max_element(v.begin(), v.end());
      double sum = 0, abs = 0;
      int64_t zeros = 0;
      for (double e : v) {
        sum += e;
        abs += std::fabs(e);
        zeros += e == 0.0;
      }
      EXPECT_EQ(h->second.num, (double)v.size());
      EXPECT_NEAR(h->second.min, lo, 1e-5 + 1e-5 * std::fabs(lo));
      EXPECT_NEAR(h->second.max, hi, 1e-5 + 1e-5 * std::fabs(hi));
      EXPECT_NEAR(h->second.sum, sum, 1e-5 * (1 + abs));
      EXPECT_FLOAT_EQ(s->second, (float)((double)zeros / v.size()));
      if (k == 0 || k == 2) // the relus have zeros
        EXPECT_GT(zeros, 0);
    }
  }
  dlc_trainer_free(t);
  dlc_dataset_free(data);
}

} // namespace
