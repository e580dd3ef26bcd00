//===- CudaRuntimeTest.cpp - CUDA model libraries in the runtime ----------===//
//
// Without a GPU (no libcuda.so.1, or no device): a CUDA model library still
// loads, and opening it fails with the reason; `dlc train` says so and
// writes nothing; the launch runtime's functions record a sticky error
// instead of crashing. With a GPU: the runtime tests' models, re-exported
// as CUDA models (fixtures/cuda_linear_model.c), train exactly as the CPU
// fixture does, and checkpoints move between the two. Neither this binary
// nor a CUDA model library links libcuda.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "dlc/cuda_abi.h"
#include "dlc_cli.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>

// The launch runtime's MLIR-facing functions (CUmodule, CUfunction and
// CUstream are pointers).
extern "C" {
void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **extra, size_t n);
void *mgpuStreamCreate();
void mgpuStreamSynchronize(void *stream);
void mgpuStreamDestroy(void *stream);
void *mgpuEventCreate();
void mgpuEventRecord(void *event, void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventDestroy(void *event);
void *mgpuMemAlloc(uint64_t size, void *stream, bool hostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t size, void *stream);
void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream);
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
void dlc_cu_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                  int64_t transA, const float *B, int64_t ldb, int64_t transB,
                  float *C, int64_t ldc, int64_t accumulate);
}

using namespace dlc::test;

namespace {

/// The fixture libraries; DLC_TEST_CUDA_MODEL / DLC_TEST_LINEAR_MODEL in the
/// environment override the build's paths (bench/cuda/device_check.sh runs
/// this binary elsewhere).
const char *fixture(const char *env, const char *built) {
  const char *e = std::getenv(env);
  return e && *e ? e : built;
}
const char *const kCudaModel =
    fixture("DLC_TEST_CUDA_MODEL", DLC_TEST_CUDA_MODEL);
const char *const kCpuModel =
    fixture("DLC_TEST_LINEAR_MODEL", DLC_TEST_LINEAR_MODEL);

/// Whether this process can use a CUDA device; the reason if not.
bool deviceAvailable(std::string *why = nullptr) {
  char message[512] = "";
  const bool ok = dlc_cuda_init(message, sizeof message) == 0;
  if (why)
    *why = message;
  return ok;
}

const char *const kReasons =
    "(no CUDA driver: .+|no CUDA device.*|the CUDA driver .+)";

TEST(CudaWithoutDevice, InitSaysWhy) {
  std::string why;
  if (deviceAvailable(&why))
    GTEST_SKIP() << "a CUDA device is available";
  EXPECT_TRUE(std::regex_match(why, std::regex(kReasons))) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos);
  // Without libcuda.so.1 (as on the build machines) the message is dlopen's.
  if (why.rfind("no CUDA driver: ", 0) == 0)
    EXPECT_NE(why.find("libcuda.so.1"), std::string::npos) << why;
  // The same answer again, and it is the sticky error.
  std::string again;
  EXPECT_FALSE(deviceAvailable(&again));
  EXPECT_EQ(again, why);
  ASSERT_NE(dlc_cuda_last_error(), nullptr);
  EXPECT_EQ(std::string(dlc_cuda_last_error()), why);
}

TEST(CudaWithoutDevice, OpeningTheModelFailsWithTheReason) {
  if (deviceAvailable())
    GTEST_SKIP() << "a CUDA device is available";
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open(kCudaModel, &m), DLC_ERR_DEVICE);
  EXPECT_EQ(m, nullptr);
  const std::string e = dlc_last_error();
  const std::string prefix = std::string(kCudaModel) +
                             " was compiled for CUDA, but no CUDA device is "
                             "available: ";
  ASSERT_EQ(e.rfind(prefix, 0), 0u) << e;
  EXPECT_TRUE(std::regex_match(e.substr(prefix.size()), std::regex(kReasons)))
      << e;
  EXPECT_STREQ(dlc_status_name(DLC_ERR_DEVICE), "DLC_ERR_DEVICE");
}

TEST(CudaWithoutDevice, DlcTrainFailsAndWritesNothing) {
  if (deviceAvailable())
    GTEST_SKIP() << "a CUDA device is available";
  TempDir dir;
  writeFile(dir.file("or.csv"), "0,0,0\n0,1,1\n1,0,1\n1,1,1\n");
  ChildResult r = runCli(dlcTrainMain,
                         {"train", kCudaModel, "--data", "or.csv", "--epochs",
                          "2", "--checkpoint", "or.ckpt", "--logdir", "runs",
                          "--checkpoint-dir", "snapshots"},
                         dir.path);
  EXPECT_NE(r.exitCode, 0);
  EXPECT_EQ(r.err.rfind("dlc: error: " + std::string(kCudaModel) +
                            " was compiled for CUDA, but no CUDA device is "
                            "available: ",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.out, "");
  std::vector<std::string> files;
  for (const auto &e : std::filesystem::directory_iterator(dir.path))
    files.push_back(e.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{"or.csv"});
}

/// In a child process (the error is sticky for the whole process): every
/// entry point either works or, after an error, does nothing and reports
/// the first error. Returns "" or what went wrong.
std::string stickyErrorCheck() {
  char message[512] = "";
  std::string first;
  if (dlc_cuda_init(message, sizeof message) != 0) {
    first = message; // no driver or no device
  } else {
    // With a device: a bad argument is the first error.
    dlc_cu_sgemm(-1, 1, 1, nullptr, 1, 0, nullptr, 1, 0, nullptr, 1, 0);
    if (!dlc_cuda_last_error())
      return "a bad sgemm argument recorded no error";
    first = dlc_cuda_last_error();
    if (first.rfind("dlc_cu_sgemm: bad arguments", 0) != 0)
      return "unexpected first error: " + first;
  }
  static unsigned char image[64] = {0};
  void *module = mgpuModuleLoad(image, sizeof image);
  void *function = mgpuModuleGetFunction(module, "kernel");
  void *stream = mgpuStreamCreate();
  mgpuLaunchKernel(function, 1, 1, 1, 1, 1, 1, 0, stream, nullptr, nullptr, 0);
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, stream);
  mgpuStreamWaitEvent(stream, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  void *m1 = mgpuMemAlloc(256, stream, false);
  void *m2 = _mlir_memref_to_llvm_alloc(100);
  void *m3 = _mlir_memref_to_llvm_aligned_alloc(64, 100);
  void *m4 = dlc_cuda_alloc(16);
  mgpuMemcpy(m1, m2, 16, stream);
  mgpuMemset32(m1, 0, 4, stream);
  mgpuMemFree(m1, stream);
  _mlir_memref_to_llvm_free(m2);
  _mlir_memref_to_llvm_free(m3);
  dlc_cuda_free(m4);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  float host[4] = {1, 2, 3, 4}, copy[4] = {0};
  if (module || function || stream || event || m1 || m2 || m3 || m4)
    return "a function returned a handle or memory after an error";
  if (dlc_cuda_memcpy(copy, host, sizeof host) != -1 ||
      dlc_cuda_synchronize() != -1)
    return "memcpy or synchronize succeeded after an error";
  if (copy[0] != 0)
    return "memcpy copied after an error";
  if (!dlc_cuda_last_error() || first != dlc_cuda_last_error())
    return "the first error was not kept: " +
           std::string(dlc_cuda_last_error() ? dlc_cuda_last_error()
                                             : "(none)");
  char again[512] = "";
  if (dlc_cuda_init(again, sizeof again) == 0 || first != again)
    return "dlc_cuda_init does not report the sticky error";
  return "";
}

TEST(CudaRuntime, ErrorsAreStickyAndNothingCrashes) {
  ChildResult r = runInChild([] {
    std::string problem = stickyErrorCheck();
    std::fprintf(stderr, "%s", problem.c_str());
    return problem.empty() ? 0 : 1;
  });
  EXPECT_EQ(r.signal, 0) << "crashed";
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

/// readelf -d of `path`: its NEEDED entries; empty when readelf is missing.
std::string needed(const std::string &path) {
  std::string out;
  FILE *p = popen(("readelf -d '" + path + "' 2>/dev/null").c_str(), "r");
  if (!p)
    return out;
  char line[512];
  while (std::fgets(line, sizeof line, p))
    if (std::strstr(line, "(NEEDED)"))
      out += line;
  pclose(p);
  return out;
}

TEST(CudaRuntime, NothingLinksLibcuda) {
  for (const std::string path :
       {std::string(kCudaModel), std::string("/proc/self/exe")}) {
    std::string n = needed(path);
    if (n.empty())
      GTEST_SKIP() << "readelf is not available";
    EXPECT_EQ(n.find("libcuda.so"), std::string::npos) << path << ":\n" << n;
    // The model library needs cuDNN and cuBLAS (the runtime's convolutions
    // and GEMMs), which load without a driver.
    if (path == kCudaModel) {
      EXPECT_NE(n.find("libcudnn"), std::string::npos) << n;
      EXPECT_NE(n.find("libcublas"), std::string::npos) << n;
    }
  }
}

//===---------------------------- With a device ---------------------------===//

class CudaDevice : public ::testing::Test {
protected:
  void SetUp() override {
    std::string why;
    if (!deviceAvailable(&why))
      GTEST_SKIP() << "no CUDA device: " << why;
  }
  static ModelPtr open(const char *path, const char *name) {
    dlc_model *m = nullptr;
    EXPECT_EQ(dlc_model_open_named(path, name, &m), DLC_OK) << dlc_last_error();
    return ModelPtr(m);
  }
};

/// Trains `name` from both libraries with the same options; everything the
/// trainers report and hold must be equal, bit for bit (the fixture's math
/// is the same host code).
void trainBoth(const char *name, const DatasetPtr &data, int64_t epochs,
               int64_t batch) {
  TrainerPair p;
  ASSERT_TRUE(p.open(kCpuModel, kCudaModel, name));
  const dlc_model *cm = p.cpuModel.get(), *gm = p.gpuModel.get();
  dlc_trainer *cpu = p.cpu.get(), *gpu = p.gpu.get();
  dlc_train_options o = trainOptions(epochs, batch);
  dlc_train_result rc{}, rg{};
  ASSERT_EQ(dlc_trainer_train(cpu, data.get(), data.get(), &o, &rc),
            DLC_OK);
  ASSERT_EQ(dlc_trainer_train(gpu, data.get(), data.get(), &o, &rg),
            DLC_OK)
      << dlc_last_error();
  const dlc_model_desc *d = dlc_model_get_desc(cm);
  expectSameTraining(rc, rg, cpu, gpu, d);
  // Prediction and evaluation.
  const int64_t n = dlc_dataset_size(data.get());
  const int64_t outW = dlc_model_output_width(cm);
  std::vector<float> pc(n * outW), pg(n * outW, -1.0f);
  ASSERT_EQ(dlc_trainer_predict(cpu, dlc_dataset_x(data.get()), n,
                                pc.data()),
            DLC_OK);
  ASSERT_EQ(dlc_trainer_predict(gpu, dlc_dataset_x(data.get()), n,
                                pg.data()),
            DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(pc, pg);
  double lc = 0, lg = 0;
  ASSERT_EQ(dlc_trainer_evaluate(cpu, data.get(), 3, &lc, nullptr),
            DLC_OK);
  ASSERT_EQ(dlc_trainer_evaluate(gpu, data.get(), 3, &lg, nullptr),
            DLC_OK);
  EXPECT_EQ(lc, lg);

  // Checkpoints are device-independent: GPU -> CPU and CPU -> GPU.
  TempDir dir;
  ASSERT_EQ(dlc_trainer_save(gpu, dir.file("gpu.ckpt").c_str()), DLC_OK);
  ASSERT_EQ(dlc_trainer_save(cpu, dir.file("cpu.ckpt").c_str()), DLC_OK);
  EXPECT_EQ(readFile(dir.file("gpu.ckpt")), readFile(dir.file("cpu.ckpt")));
  TrainerPtr cpu2 = makeTrainer(cm, 99), gpu2 = makeTrainer(gm, 99);
  ASSERT_EQ(dlc_trainer_load(cpu2.get(), dir.file("gpu.ckpt").c_str()), DLC_OK)
      << dlc_last_error();
  ASSERT_EQ(dlc_trainer_load(gpu2.get(), dir.file("cpu.ckpt").c_str()), DLC_OK)
      << dlc_last_error();
  EXPECT_EQ(0, std::memcmp(dlc_trainer_params(cpu2.get()),
                           dlc_trainer_params(gpu2.get()),
                           d->param_floats * sizeof(float)));
  EXPECT_EQ(dlc_trainer_global_step(gpu2.get()), rc.global_step);
}

TEST_F(CudaDevice, LinearModelTrainsAsOnTheCpu) {
  DatasetPtr data = orGate();
  trainBoth("linear_model", data, 5, 3);
}

TEST_F(CudaDevice, SoftmaxModelTrainsAsOnTheCpu) {
  std::vector<float> x, y;
  for (int i = 0; i < 10; ++i) {
    float a = (float)((i * 7) % 10) / 10.0f, b = (float)((i * 3) % 10) / 10.0f;
    x.insert(x.end(), {a, b});
    y.insert(y.end(), {a > b ? 1.0f : 0.0f, a > b ? 0.0f : 1.0f});
  }
  DatasetPtr data = makeData(x, y, 2, 2);
  trainBoth("softmax_model", data, 4, 3);
}

TEST_F(CudaDevice, DlcTrainRunsAndSavesACheckpoint) {
  TempDir dir;
  writeFile(dir.file("or.csv"), "0,0,0\n0,1,1\n1,0,1\n1,1,1\n");
  ChildResult r = runCli(dlcTrainMain,
                         {"train", kCudaModel, "--data", "or.csv", "--epochs",
                          "20", "--batch-size", "4", "--checkpoint", "or.ckpt",
                          "--quiet"},
                         dir.path);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("or.ckpt"))) << r.out;
}

} // namespace
