//===- AllocationTest.cpp - a compiled model allocates nothing per step ---===//
//
// Every buffer of a step lives in the caller's workspace (dlc-plan-workspace)
// and the kernels' per-thread scratch is reused once it has grown, so after
// a warm-up a training step, a forward pass, an evaluation and a gradient
// call no allocation function. This executable replaces malloc and friends
// (forwarding to glibc's) and counts the calls made while the model runs,
// on every thread.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include "dlc/model_abi.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <vector>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
void count() {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

extern "C" {
void *malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
  count();
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void *memalign(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
void *aligned_alloc(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
int posix_memalign(void **p, size_t align, size_t n) {
  count();
  *p = __libc_memalign(align, n);
  return *p ? 0 : 12; // ENOMEM
}
void free(void *p) { __libc_free(p); }
}

namespace dlc::e2e {
namespace {

/// The number of allocations `fn` makes.
template <typename Fn> long allocationsOf(Fn fn) {
  allocations = 0;
  counting = true;
  fn();
  counting = false;
  return allocations.load();
}

struct Case {
  const char *name;
  std::string path;
};

class Allocation : public ::testing::TestWithParam<int> {};

std::vector<Case> cases() {
  return {{"cifar_cnn", examplePath("cifar10/cnn_dropout.mlir")},
          {"fashion_mlp", examplePath("fashion_mnist/mlp.mlir")},
          {"bn_conv", inputPath("bn_conv.mlir")}};
}

TEST_P(Allocation, NoneInASteadyStep) {
  const Case c = cases()[GetParam()];
  SCOPED_TRACE(c.name);
  const dlc_model *model = loadModel(c.path);
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(dlc_model_set_threads(const_cast<dlc_model *>(model), 2), DLC_OK);
  const dlc_model_desc &d = *dlc_model_get_desc(model);
  const int64_t in = dlc_model_input_width(model);
  const int64_t out = dlc_model_output_width(model);
  constexpr int64_t kBatch = 24;
  // The planned workspace, not an allocation per buffer: the CNN's is a
  // few MB per 24 examples, not the tens a step used to malloc.
  EXPECT_GT(d.workspace_per_example_bytes, 0);
  std::vector<float> params(d.param_floats), state(d.opt_state_floats, 0.0f),
      grads(d.param_floats), x(kBatch * in), y(kBatch * out, 0.0f),
      yPred(kBatch * out);
  std::vector<unsigned char> ws(dlc_workspace_bytes(&d, kBatch));
  d.init_params(params.data(), 7);
  for (int64_t i = 0; i < kBatch * in; ++i)
    x[i] = float((i * 37) % 101) / 101.0f;
  for (int64_t i = 0; i < kBatch; ++i)
    y[i * out + i % out] = 1.0f;
  int64_t step = 0;
  auto run = [&](int64_t batch) {
    d.train_step(params.data(), state.data(), x.data(), y.data(), batch,
                 ++step, yPred.data(), ws.data());
    d.forward(params.data(), x.data(), yPred.data(), batch, ws.data());
    d.eval_step(params.data(), x.data(), y.data(), batch, yPred.data(),
                ws.data());
    d.gradient(params.data(), x.data(), y.data(), batch, grads.data(),
               ws.data());
  };
  run(kBatch); // the thread pool starts, the kernels' scratch grows
  run(kBatch);
  EXPECT_EQ(allocationsOf([&] {
              for (int i = 0; i < 3; ++i)
                run(kBatch);
            }),
            0);
  // A smaller last batch of an epoch fits in the same workspace.
  EXPECT_EQ(allocationsOf([&] { run(kBatch - 5); }), 0);
  // The counter sees allocations (it is not dead code).
  EXPECT_EQ(allocationsOf([] { free(malloc(std::rand() % 2 + 64)); }), 1);
}

INSTANTIATE_TEST_SUITE_P(Models, Allocation, ::testing::Range(0, 3),
                         [](const ::testing::TestParamInfo<int> &info) {
                           return std::string(cases()[info.param].name);
                         });

} // namespace
} // namespace dlc::e2e
