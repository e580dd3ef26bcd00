//===- ReferenceTest.cpp - dlc against PyTorch's numbers ------------------===//
//
// Each model of Inputs/ is compiled by the real `dlc`, loaded through
// libdlcrt, set to the weights of a fixture written by make_fixtures.py
// (PyTorch autograd with TensorFlow's update rules), and trained on the
// fixture's batch. The loss of every step and the final weights must match
// PyTorch's to 1e-4 relative.
//
//===----------------------------------------------------------------------===//

#include "dlc/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Fixture {
  int steps = 0;
  std::map<std::string, std::vector<double>> arrays;
};

Fixture readFixture(const std::string &path) {
  Fixture f;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream s(line);
    std::string key;
    s >> key;
    if (key == "steps") {
      s >> f.steps;
      continue;
    }
    size_t n = 0;
    s >> n;
    std::vector<double> values(n);
    for (double &v : values)
      s >> v;
    EXPECT_FALSE(s.fail()) << path << ": bad line for '" << key << "'";
    f.arrays[key] = values;
  }
  return f;
}

/// Compiles Inputs/NAME.mlir with the dlc binary into the test's temp dir.
std::string compile(const std::string &name) {
  std::string out = testing::TempDir() + "dlc_reference_" + name + ".so";
  std::string cmd = std::string(DLC_TOOL) + " compile " + DLC_REFERENCE_DIR +
                    "/Inputs/" + name + ".mlir -o " + out;
  // reference.cuda-host.*: the CUDA lowering, its kernels run on the host.
  if (const char *target = std::getenv("DLC_TEST_TARGET"); target && *target)
    cmd += std::string(" --target=") + target;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return out;
}

void expectClose(double got, double want, double rel, const std::string &what) {
  double tol = rel * std::max(std::fabs(want), 1e-3);
  EXPECT_NEAR(got, want, tol) << what;
}

class Reference : public testing::TestWithParam<const char *> {};

TEST_P(Reference, MatchesPyTorch) {
  std::string name = GetParam();
  Fixture f = readFixture(std::string(DLC_REFERENCE_DIR) + "/" + name + ".txt");
  ASSERT_GT(f.steps, 0);
  std::string lib = compile(name);
  dlc_model *model = nullptr;
  ASSERT_EQ(dlc_model_open(lib.c_str(), &model), DLC_OK) << dlc_last_error();
  const dlc_model_desc *d = dlc_model_get_desc(model);

  std::vector<double> &init = f.arrays["params"];
  ASSERT_EQ(static_cast<int64_t>(init.size()), d->param_floats);
  std::vector<float> params(init.begin(), init.end());
  std::vector<float> state(d->opt_state_floats, 0.0f);
  std::vector<float> x(f.arrays["x"].begin(), f.arrays["x"].end());
  std::vector<float> y(f.arrays["y"].begin(), f.arrays["y"].end());
  int64_t outputs = d->output_shape[1];
  int64_t batch = static_cast<int64_t>(y.size()) / outputs;
  std::vector<float> pred(y.size());
  std::vector<char> workspace(dlc_workspace_bytes(d, batch));

  std::vector<double> &losses = f.arrays["losses"];
  ASSERT_EQ(static_cast<int>(losses.size()), f.steps);
  for (int step = 1; step <= f.steps; ++step) {
    float loss = d->train_step(params.data(), state.data(), x.data(), y.data(),
                               batch, step, pred.data(), workspace.data());
    expectClose(loss, losses[step - 1], 1e-4,
                name + ": loss of step " + std::to_string(step));
  }
  std::vector<double> &final = f.arrays["final"];
  ASSERT_EQ(final.size(), params.size());
  for (size_t i = 0; i < params.size(); ++i)
    expectClose(params[i], final[i], 1e-4,
                name + ": parameter " + std::to_string(i) + " after " +
                    std::to_string(f.steps) + " steps");
  dlc_model_close(model);
}

INSTANTIATE_TEST_SUITE_P(Models, Reference,
                         testing::Values("or_sgd", "softmax_adam_l2",
                                         "bce_momentum_clip", "mse_nobias",
                                         "cnn_adam", "mlp_nesterov",
                                         "mlp_rmsprop", "mlp_adagrad",
                                         "sigmoid_cce_momentum"));

} // namespace
