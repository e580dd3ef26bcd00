//===- ForwardEvalTest.cpp - forward, eval_step and gradient agree --------===//
//
// On models with fused and unfused losses and with L2, at batch sizes 1, 5,
// 13 and 100 (the workspace guard of Net checks dlc_workspace_bytes at each):
//  - M_eval_step's y_pred is M_forward's output, bit for bit;
//  - M_eval_step's loss (data loss, no L2) is M_gradient's loss minus the L2
//    term wd * sum(W^2) / 2, which is M_gradient's loss when there is no L2;
//  - M_forward on 13 rows gives, row by row, what it gives on each row alone
//    (the tiled rows and the tail rows compute the same function; to 1e-6,
//    though today it is bit for bit);
//  - the runtime's dlc_trainer_predict (bit for bit) and
//    dlc_trainer_evaluate (in batches of 64) give the same numbers as the
//    entry points.
// And the entry points keep no state: four threads calling M_gradient and
// M_train_step at once, each with its own buffers, get what one thread gets,
// bit for bit.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <cmath>
#include <memory>
#include <thread>

using namespace dlc::e2e;

namespace {

const std::vector<NetSpec> &models() {
  using A = Act;
  static const std::vector<NetSpec> specs = {
      {"grad_softmax_cce.mlir",
       4,
       {{5, A::Tanh}, {3, A::Softmax}},
       Loss::CategoricalCE},
      {"grad_sigmoid_bce.mlir", 4, {{3, A::Sigmoid}}, Loss::BinaryCE},
      {"grad_l2.mlir",
       3,
       {{4, A::Tanh, true, 0.05}, {2, A::Linear, true, 0.2}},
       Loss::MeanSquare},
  };
  return specs;
}

double l2Term(const dlc_model_desc &d, const std::vector<float> &params) {
  double sum = 0;
  for (int64_t k = 0; k < d.num_params; ++k)
    for (int64_t i = 0; i < d.params[k].size; ++i) {
      double w = params[d.params[k].offset + i];
      sum += d.params[k].weight_decay * w * w / 2;
    }
  return sum;
}

class ForwardEval : public ::testing::TestWithParam<NetSpec> {};

TEST_P(ForwardEval, EntryPointsAgree) {
  const NetSpec &spec = GetParam();
  const dlc_model *model = loadModel(inputPath(spec.file));
  ASSERT_NE(model, nullptr);
  Net net(model);
  const dlc_model_desc &d = net.desc();
  ASSERT_TRUE(matchesSpec(spec, d));
  const bool hasL2 = l2Term(d, std::vector<float>(d.param_floats, 1.0f)) > 0;
  const std::vector<float> params = randomParams(d, 77, 1.0);
  const double l2 = l2Term(d, params);

  for (int64_t batch : {1, 5, 13, 100}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<float> x, y, yPred, g;
    randomData(spec, batch, 500 + batch, x, y);
    const std::vector<float> yForward = net.forward(params, x, batch);
    const float evalLoss = net.evalStep(params, x, y, batch, yPred);
    const float gradLoss = net.gradient(params, x, y, batch, g);

    for (size_t i = 0; i < yPred.size(); ++i)
      ASSERT_EQ(yPred[i], yForward[i]) << "row " << i / net.outputWidth();
    if (hasL2) {
      EXPECT_GT(l2, 1e-2);
      EXPECT_NEAR(evalLoss + l2, gradLoss, 1e-6 * std::max(1.f, gradLoss));
    } else {
      EXPECT_NEAR(evalLoss, gradLoss, 1e-6 * std::max(1.f, gradLoss));
    }
    const Reference ref = reference(spec, d, params, x, y, batch);
    EXPECT_NEAR(evalLoss, ref.dataLoss, 2e-6 * std::max(1.0, ref.dataLoss));

    for (int64_t n = 0; n < batch; ++n) {
      std::vector<float> one =
          net.forward(params, rows(x, net.inputWidth(), n, 1), 1);
      for (int64_t j = 0; j < net.outputWidth(); ++j)
        ASSERT_NEAR(one[j], yForward[n * net.outputWidth() + j], 1e-6)
            << "row " << n;
    }

    // Through the runtime: a trainer holding the same parameters.
    dlc_trainer *raw = nullptr;
    ASSERT_EQ(dlc_trainer_create(model, &raw), DLC_OK) << dlc_last_error();
    std::unique_ptr<dlc_trainer, void (*)(dlc_trainer *)> trainer(
        raw, dlc_trainer_free);
    ASSERT_EQ(dlc_trainer_init(raw, 0), DLC_OK);
    std::copy(params.begin(), params.end(), dlc_trainer_params(raw));
    std::vector<float> predicted(yForward.size());
    ASSERT_EQ(dlc_trainer_predict(raw, x.data(), batch, predicted.data()),
              DLC_OK)
        << dlc_last_error();
    for (size_t i = 0; i < predicted.size(); ++i)
      ASSERT_EQ(predicted[i], yForward[i]);
    dlc_dataset *data = nullptr;
    ASSERT_EQ(dlc_dataset_from_arrays(x.data(), y.data(), batch,
                                      net.inputWidth(), net.outputWidth(),
                                      &data),
              DLC_OK);
    double rtLoss = -1;
    EXPECT_EQ(dlc_trainer_evaluate(raw, data, 64, &rtLoss, nullptr), DLC_OK)
        << dlc_last_error();
    dlc_dataset_free(data);
    EXPECT_NEAR(rtLoss, evalLoss, 1e-5 * std::max(1.f, evalLoss));
  }
}

TEST_P(ForwardEval, ConcurrentCallsAgree) {
  const NetSpec &spec = GetParam();
  const dlc_model *model = loadModel(inputPath(spec.file));
  ASSERT_NE(model, nullptr);
  const dlc_model_desc &d = *dlc_model_get_desc(model);
  const int64_t batch = 13;
  const std::vector<float> params = randomParams(d, 5, 1.0);
  std::vector<float> x, y;
  randomData(spec, batch, 6, x, y);

  struct Result {
    std::vector<float> grads, params, state;
    float loss = 0, trainLoss = 0;
  };
  auto work = [&](Result &r) {
    for (int round = 0; round < 50; ++round) {
      std::vector<unsigned char> ws(dlc_workspace_bytes(&d, batch));
      std::vector<float> yPred(batch * d.output_shape[1]);
      r.grads.assign(d.param_floats, 0.0f);
      r.loss = d.gradient(params.data(), x.data(), y.data(), batch,
                          r.grads.data(), ws.data());
      r.params = params;
      r.state.assign(d.opt_state_floats, 0.0f);
      r.trainLoss = d.train_step(r.params.data(), r.state.data(), x.data(),
                                 y.data(), batch, 1, yPred.data(), ws.data());
    }
  };
  Result serial;
  work(serial);
  std::vector<Result> results(4);
  std::vector<std::thread> threads;
  for (Result &r : results)
    threads.emplace_back(work, std::ref(r));
  for (std::thread &t : threads)
    t.join();
  for (const Result &r : results) {
    EXPECT_EQ(r.loss, serial.loss);
    EXPECT_EQ(r.trainLoss, serial.trainLoss);
    EXPECT_TRUE(r.grads == serial.grads);
    EXPECT_TRUE(r.params == serial.params);
    EXPECT_TRUE(r.state == serial.state);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, ForwardEval, ::testing::ValuesIn(models()),
    [](const ::testing::TestParamInfo<NetSpec> &info) {
      return info.param.file.substr(0, info.param.file.find('.'));
    });

} // namespace
