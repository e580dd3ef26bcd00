//===- E2ESupport.cpp - Helpers of the end-to-end tests -------------------===//

#include "E2ESupport.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dlc::e2e {

namespace fs = std::filesystem;

std::string inputPath(const std::string &name) {
  return std::string(DLC_E2E_INPUTS) + "/" + name;
}
std::string examplePath(const std::string &name) {
  return std::string(DLC_E2E_EXAMPLES) + "/" + name;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "dlc-e2e-XXXXXX").string();
  path = mkdtemp(tmpl.data()) ? tmpl : "";
  EXPECT_FALSE(path.empty()) << "mkdtemp failed";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path.empty())
    fs::remove_all(path, ec);
}

void writeFile(const std::string &path, const std::string &contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> result;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    result.push_back(line);
  return result;
}

//===----------------------------- Subprocesses ---------------------------===//

std::string ProcResult::describe() const {
  std::string s = signal ? "signal " + std::to_string(signal) +
                               (coreDumped ? " (core dumped)" : "")
                         : "exit " + std::to_string(exitCode);
  return s + "; stderr:\n" + err;
}

ProcResult runProcess(const std::vector<std::string> &args,
                      const std::string &cwd, unsigned timeoutSeconds) {
  ProcResult r;
  TempDir io;
  const std::string outPath = io.file("stdout"), errPath = io.file("stderr");
  std::vector<char *> argv;
  for (const std::string &a : args)
    argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
      _exit(126);
    close(out);
    close(err);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0)
      _exit(126);
    alarm(timeoutSeconds); // survives exec: a hanging child dies of SIGALRM
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    r.exitCode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    r.coreDumped = WCOREDUMP(status);
  }
  r.out = readFile(outPath);
  r.err = readFile(errPath);
  return r;
}

ProcResult runDlc(const std::vector<std::string> &args,
                  const std::string &cwd) {
  std::vector<std::string> full = {DLC_E2E_DLC};
  full.insert(full.end(), args.begin(), args.end());
  // The e2e.cuda-host.* run of these tests: every model through the CUDA
  // lowering, its kernels run on the host (docs/cuda.md).
  const char *target = std::getenv("DLC_TEST_TARGET");
  if (target && *target && !args.empty() && args[0] == "compile")
    full.push_back(std::string("--target=") + target);
  return runProcess(full, cwd);
}

//===------------------------- Compiled model cache -----------------------===//

namespace {
struct ModelCloser {
  void operator()(dlc_model *m) const { dlc_model_close(m); }
};

/// Libraries compiled by this process, in one directory removed at exit
/// (after the models loaded from it are closed).
struct Cache {
  std::unique_ptr<TempDir> dir;
  std::map<std::string, std::string> libraries;
  std::map<std::string, std::unique_ptr<dlc_model, ModelCloser>> models;
  ~Cache() {
    models.clear();
    dir.reset();
  }
};

Cache &cache() {
  static Cache c;
  return c;
}
} // namespace

std::string compiledLibrary(const std::string &mlirPath) {
  Cache &c = cache();
  auto it = c.libraries.find(mlirPath);
  if (it != c.libraries.end())
    return it->second;
  if (!c.dir)
    c.dir = std::make_unique<TempDir>();
  std::string lib = c.dir->file(fs::path(mlirPath).stem().string() + "-" +
                                std::to_string(c.libraries.size()) + ".so");
  ProcResult r = runDlc({"compile", mlirPath, "-o", lib});
  if (r.exitCode != 0 || !fs::exists(lib)) {
    ADD_FAILURE() << "dlc compile " << mlirPath << " failed: " << r.describe();
    return "";
  }
  c.libraries[mlirPath] = lib;
  return lib;
}

const dlc_model *loadModel(const std::string &mlirPath) {
  Cache &c = cache();
  auto it = c.models.find(mlirPath);
  if (it != c.models.end())
    return it->second.get();
  std::string lib = compiledLibrary(mlirPath);
  if (lib.empty())
    return nullptr;
  dlc_model *m = nullptr;
  if (dlc_model_open(lib.c_str(), &m) != DLC_OK) {
    ADD_FAILURE() << "dlc_model_open " << lib << ": " << dlc_last_error();
    return nullptr;
  }
  c.models[mlirPath].reset(m);
  return m;
}

//===----------------------------- Model calls ----------------------------===//

namespace {
constexpr size_t kGuardBytes = 256;
constexpr unsigned char kGuard = 0xA5;

/// Fails the test when `before` and `after` differ (a const input written).
void expectUnchanged(const std::vector<float> &before,
                     const std::vector<float> &after, const char *what) {
  EXPECT_TRUE(before.size() == after.size() &&
              std::memcmp(before.data(), after.data(),
                          before.size() * sizeof(float)) == 0)
      << what << " was modified by a call that takes it as const";
}
} // namespace

Net::Net(const dlc_model *model)
    : d(dlc_model_get_desc(model)), inW(dlc_model_input_width(model)),
      outW(dlc_model_output_width(model)) {}

void *Net::workspace(int64_t batch) {
  wsBytes = (size_t)dlc_workspace_bytes(d, batch);
  ws.assign(wsBytes + kGuardBytes, kGuard);
  return ws.data();
}

void Net::checkGuard(const char *what) {
  size_t bad = 0;
  for (size_t i = wsBytes; i < ws.size(); ++i)
    bad += ws[i] != kGuard;
  EXPECT_EQ(bad, 0u) << what << " wrote past the " << wsBytes
                     << " workspace bytes dlc_workspace_bytes() asks for";
}

std::vector<float> Net::initParams(uint64_t seed) const {
  // Guard floats on both sides: init_params must stay inside its buffer.
  const float guard = -12345.0f;
  std::vector<float> buf(d->param_floats + 32, guard);
  d->init_params(buf.data() + 16, seed);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(buf[i], guard) << "init_params wrote before the buffer";
    EXPECT_EQ(buf[buf.size() - 1 - i], guard)
        << "init_params wrote past param_floats";
  }
  return std::vector<float>(buf.begin() + 16, buf.end() - 16);
}

std::vector<float> Net::forward(const std::vector<float> &params,
                                const std::vector<float> &x, int64_t batch) {
  std::vector<float> p0 = params, x0 = x;
  std::vector<float> y(batch * outW, std::nanf(""));
  d->forward(params.data(), x.data(), y.data(), batch, workspace(batch));
  checkGuard("forward");
  expectUnchanged(p0, params, "params");
  expectUnchanged(x0, x, "x");
  return y;
}

float Net::gradient(const std::vector<float> &params,
                    const std::vector<float> &x, const std::vector<float> &y,
                    int64_t batch, std::vector<float> &grads) {
  std::vector<float> p0 = params, x0 = x, y0 = y;
  grads.assign(d->param_floats, std::nanf(""));
  float loss = d->gradient(params.data(), x.data(), y.data(), batch,
                           grads.data(), workspace(batch));
  checkGuard("gradient");
  expectUnchanged(p0, params, "params");
  expectUnchanged(x0, x, "x");
  expectUnchanged(y0, y, "y");
  return loss;
}

float Net::evalStep(const std::vector<float> &params,
                    const std::vector<float> &x, const std::vector<float> &y,
                    int64_t batch, std::vector<float> &yPred) {
  std::vector<float> p0 = params, x0 = x, y0 = y;
  yPred.assign(batch * outW, std::nanf(""));
  float loss = d->eval_step(params.data(), x.data(), y.data(), batch,
                            yPred.data(), workspace(batch));
  checkGuard("eval_step");
  expectUnchanged(p0, params, "params");
  expectUnchanged(x0, x, "x");
  expectUnchanged(y0, y, "y");
  return loss;
}

float Net::trainStep(std::vector<float> &params, std::vector<float> &optState,
                     const std::vector<float> &x, const std::vector<float> &y,
                     int64_t batch, int64_t step, std::vector<float> &yPred) {
  EXPECT_EQ((int64_t)params.size(), d->param_floats);
  EXPECT_EQ((int64_t)optState.size(), d->opt_state_floats);
  std::vector<float> x0 = x, y0 = y;
  yPred.assign(batch * outW, std::nanf(""));
  float loss = d->train_step(params.data(), optState.data(), x.data(),
                             y.data(), batch, step, yPred.data(),
                             workspace(batch));
  checkGuard("train_step");
  expectUnchanged(x0, x, "x");
  expectUnchanged(y0, y, "y");
  return loss;
}

//===----------------------- Double-precision reference -------------------===//

namespace {
std::string layerScope(size_t i) {
  return i == 0 ? "FullyConnected" : "FullyConnected_" + std::to_string(i);
}
} // namespace

void PrintTo(const NetSpec &spec, std::ostream *os) { *os << spec.file; }

bool matchesSpec(const NetSpec &spec, const dlc_model_desc &d) {
  bool ok = true;
  auto fail = [&](const std::string &what) {
    ADD_FAILURE() << spec.file << ": " << what;
    ok = false;
  };
  if (d.input_rank != 2 || d.input_shape[1] != spec.inputs)
    fail("input width differs from the spec");
  if (d.output_rank != 2 || d.output_shape[1] != spec.layers.back().units)
    fail("output width differs from the spec");
  int64_t expectedLoss = spec.loss == Loss::MeanSquare ? DLC_LOSS_MEAN_SQUARE
                         : spec.loss == Loss::BinaryCE
                             ? DLC_LOSS_BINARY_CROSSENTROPY
                             : DLC_LOSS_CATEGORICAL_CROSSENTROPY;
  if (d.loss != expectedLoss)
    fail("loss kind differs from the spec");
  int64_t index = 0, offset = 0, in = spec.inputs;
  for (size_t l = 0; l < spec.layers.size(); ++l) {
    const LayerSpec &layer = spec.layers[l];
    struct Expected {
      std::string name;
      std::vector<int64_t> shape;
      double decay;
    };
    std::vector<Expected> want = {
        {layerScope(l) + "/W", {in, layer.units}, layer.weightDecay}};
    if (layer.bias)
      want.push_back({layerScope(l) + "/b", {layer.units}, 0.0});
    for (const Expected &e : want) {
      if (index >= d.num_params) {
        fail("missing parameter " + e.name);
        return false;
      }
      const dlc_param_desc &p = d.params[index++];
      int64_t size = 1;
      for (int64_t s : e.shape)
        size *= s;
      bool shapeOk = p.rank == (int64_t)e.shape.size();
      for (int64_t k = 0; shapeOk && k < p.rank; ++k)
        shapeOk = p.shape[k] == e.shape[k];
      if (e.name != p.name || !shapeOk || p.offset != offset ||
          p.size != size || p.weight_decay != e.decay)
        fail("parameter " + std::to_string(index - 1) + " is '" + p.name +
             "', expected '" + e.name + "' at offset " +
             std::to_string(offset) + " with the spec's shape and decay");
      offset += size;
    }
    in = layer.units;
  }
  if (index != d.num_params)
    fail("more parameters than the spec has");
  if (offset != d.param_floats)
    fail("param_floats is not the sum of the parameter sizes");
  return ok;
}

Reference reference(const NetSpec &spec, const dlc_model_desc &d,
                    const std::vector<float> &params,
                    const std::vector<float> &x, const std::vector<float> &y,
                    int64_t batch) {
  return reference(spec, d, std::vector<double>(params.begin(), params.end()),
                   x, y, batch);
}

std::vector<double> referenceGradient(const NetSpec &spec,
                                      const dlc_model_desc &d,
                                      const std::vector<float> &params,
                                      const std::vector<float> &x,
                                      const std::vector<float> &y,
                                      int64_t batch) {
  std::vector<double> p(params.begin(), params.end()), g(p.size());
  const double h = 1e-6;
  for (size_t i = 0; i < p.size(); ++i) {
    const double w = p[i];
    p[i] = w + h;
    const double plus = reference(spec, d, p, x, y, batch).loss;
    p[i] = w - h;
    const double minus = reference(spec, d, p, x, y, batch).loss;
    p[i] = w;
    g[i] = (plus - minus) / (2 * h);
  }
  return g;
}

Reference reference(const NetSpec &spec, const dlc_model_desc &d,
                    const std::vector<double> &params,
                    const std::vector<float> &x, const std::vector<float> &y,
                    int64_t batch) {
  Reference r;
  std::vector<double> a(x.begin(), x.begin() + batch * spec.inputs), z;
  int64_t in = spec.inputs, index = 0;
  double l2 = 0;
  for (const LayerSpec &layer : spec.layers) {
    const int64_t units = layer.units;
    const double *w = params.data() + d.params[index++].offset;
    const double *b =
        layer.bias ? params.data() + d.params[index++].offset : nullptr;
    for (int64_t k = 0; k < in * units; ++k)
      l2 += layer.weightDecay * w[k] * w[k] / 2;
    z.assign(batch * units, 0.0);
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t j = 0; j < units; ++j) {
        double s = b ? b[j] : 0.0;
        for (int64_t k = 0; k < in; ++k)
          s += a[n * in + k] * w[k * units + j];
        z[n * units + j] = s;
      }
    a = z;
    for (int64_t n = 0; n < batch; ++n) {
      double *row = &a[n * units];
      switch (layer.act) {
      case Act::Linear:
        break;
      case Act::Sigmoid:
        for (int64_t j = 0; j < units; ++j)
          row[j] = 1 / (1 + std::exp(-row[j]));
        break;
      case Act::Tanh:
        for (int64_t j = 0; j < units; ++j)
          row[j] = std::tanh(row[j]);
        break;
      case Act::Relu:
        for (int64_t j = 0; j < units; ++j) {
          r.minReluMargin = std::min(r.minReluMargin, std::fabs(row[j]));
          row[j] = std::max(row[j], 0.0);
        }
        break;
      case Act::Softmax: {
        double m = *std::max_element(row, row + units), sum = 0;
        for (int64_t j = 0; j < units; ++j)
          sum += row[j] = std::exp(row[j] - m);
        for (int64_t j = 0; j < units; ++j)
          row[j] /= sum;
        break;
      }
      }
    }
    in = units;
  }
  r.y = a;

  // dlc's losses:
  //   mean_square: mean over all elements of (p - t)^2;
  //   binary_crossentropy: mean over all elements of
  //     -(t log p + (1 - t) log(1 - p)), p clamped to [1e-7, 1 - 1e-7];
  //     after a sigmoid, on its logits z: max(z, 0) - z t + log1p(e^-|z|);
  //   categorical_crossentropy: mean over the rows of -sum_j t_j log q_j,
  //     q = p / sum_j p_j clamped to [1e-10, 1 - 1e-10] (TFLearn's); after
  //     a softmax, on its logits: sum_j t_j (logsumexp(z) - z_j);
  //   L2: + wd * sum(W^2) / 2 over the regularized weights.
  const int64_t out = in;
  const Act last = spec.layers.back().act;
  const double eps = 1e-7;
  auto clampProb = [&](double p) {
    r.minProbMargin = std::min(r.minProbMargin, std::min(p - eps, 1 - eps - p));
    return std::min(std::max(p, eps), 1 - eps);
  };
  const double cceEps = 1e-10;
  auto clampNormalized = [&](double q) {
    r.minProbMargin = std::min(r.minProbMargin, q - cceEps);
    return std::max(q, cceEps);
  };
  double sum = 0;
  for (int64_t n = 0; n < batch; ++n) {
    double rowSum = 0;
    for (int64_t j = 0; j < out; ++j)
      rowSum += a[n * out + j];
    for (int64_t j = 0; j < out; ++j) {
      const double p = a[n * out + j], t = y[n * out + j],
                   logit = z[n * out + j];
      switch (spec.loss) {
      case Loss::MeanSquare:
        sum += (p - t) * (p - t);
        break;
      case Loss::BinaryCE:
        if (last == Act::Sigmoid)
          sum += std::max(logit, 0.0) - logit * t +
                 std::log1p(std::exp(-std::fabs(logit)));
        else
          sum -= t * std::log(clampProb(p)) + (1 - t) * std::log(1 - clampProb(p));
        break;
      case Loss::CategoricalCE:
        if (last == Act::Softmax) {
          const double *zr = &z[n * out];
          double m = *std::max_element(zr, zr + out), se = 0;
          for (int64_t k = 0; k < out; ++k)
            se += std::exp(zr[k] - m);
          sum += t * (m + std::log(se) - logit);
        } else {
          sum -= t * std::log(clampNormalized(p / rowSum));
        }
        break;
      }
    }
  }
  r.dataLoss = sum / double(spec.loss == Loss::CategoricalCE ? batch
                                                             : batch * out);
  r.loss = r.dataLoss + l2;
  return r;
}

//===------------------------------- Data ---------------------------------===//

uint64_t Rng::next() {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double Rng::uniform(double lo, double hi) {
  return lo + (hi - lo) * double(next() >> 11) * 0x1.0p-53;
}

void randomData(const NetSpec &spec, int64_t batch, uint64_t seed,
                std::vector<float> &x, std::vector<float> &y) {
  Rng rng(seed);
  const int64_t out = spec.layers.back().units;
  const Act last = spec.layers.back().act;
  x.resize(batch * spec.inputs);
  for (float &v : x)
    v = (float)rng.uniform(-1, 1);
  y.resize(batch * out);
  for (int64_t n = 0; n < batch; ++n) {
    float *row = &y[n * out];
    double sum = 0;
    for (int64_t j = 0; j < out; ++j) {
      bool unit = spec.loss != Loss::MeanSquare || last == Act::Sigmoid ||
                  last == Act::Softmax;
      row[j] = (float)(unit ? rng.uniform(0, 1) : rng.uniform(-1, 1));
      sum += row[j];
    }
    if (spec.loss == Loss::CategoricalCE)
      for (int64_t j = 0; j < out; ++j)
        row[j] = (float)(row[j] / sum);
  }
}

std::vector<float> randomParams(const dlc_model_desc &d, uint64_t seed,
                                double scale) {
  Rng rng(seed);
  std::vector<float> p(d.param_floats);
  for (float &v : p)
    v = (float)rng.uniform(-scale, scale);
  return p;
}

std::vector<float> rows(const std::vector<float> &m, int64_t width,
                        int64_t first, int64_t count) {
  return std::vector<float>(m.begin() + first * width,
                            m.begin() + (first + count) * width);
}

} // namespace dlc::e2e
