//===- ModelTest.cpp - Loading model libraries ----------------------------===//

#include "TestSupport.h"

#include <dlfcn.h>

#include <cstring>

using namespace dlc::test;

namespace {

TEST(ModelTest, OpensTheFirstModelByDefault) {
  dlc_model *m = nullptr;
  ASSERT_EQ(dlc_model_open(DLC_TEST_LINEAR_MODEL, &m), DLC_OK)
      << dlc_last_error();
  ModelPtr model(m);
  const dlc_model_desc *d = dlc_model_get_desc(m);
  EXPECT_STREQ(d->name, "linear_model");
  EXPECT_EQ(dlc_model_input_width(m), 2);
  EXPECT_EQ(dlc_model_output_width(m), 1);
  EXPECT_FALSE(dlc_model_has_accuracy(m));
  EXPECT_STREQ(dlc_optimizer_display_name(d->optimizer), "SGD");
}

TEST(ModelTest, OpensANamedModel) {
  ModelPtr m = openFixture("softmax_model");
  ASSERT_TRUE(m);
  EXPECT_STREQ(dlc_model_get_desc(m.get())->name, "softmax_model");
  EXPECT_TRUE(dlc_model_has_accuracy(m.get()));
  EXPECT_STREQ(dlc_optimizer_display_name(DLC_OPT_MOMENTUM), "Momentum");
  EXPECT_STREQ(dlc_optimizer_display_name(DLC_OPT_ADAM), "Adam");
  // TFLearn's Nesterov optimizer is named "Nesterov" (optimizers.py).
  EXPECT_STREQ(dlc_optimizer_display_name(DLC_OPT_NESTEROV), "Nesterov");
  EXPECT_STREQ(dlc_optimizer_display_name(DLC_OPT_RMSPROP), "RMSProp");
  EXPECT_STREQ(dlc_optimizer_display_name(DLC_OPT_ADAGRAD), "AdaGrad");
}

TEST(ModelTest, UnknownModelNameListsTheAvailableOnes) {
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open_named(DLC_TEST_LINEAR_MODEL, "nope", &m),
            DLC_ERR_MODEL);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(std::string(dlc_last_error()),
            std::string(DLC_TEST_LINEAR_MODEL) +
                ": no model named 'nope' (the library has: linear_model, "
                "softmax_model, probe, bad_abi, slow_softmax)");
}

TEST(ModelTest, MissingFile) {
  TempDir dir;
  std::string path = dir.file("or_gate.so");
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open(path.c_str(), &m), DLC_ERR_IO);
  EXPECT_EQ(std::string(dlc_last_error()),
            path + ": cannot open: No such file or directory");
}

TEST(ModelTest, NotASharedLibrary) {
  TempDir dir;
  std::string path = dir.file("net.so");
  writeFile(path, "this is text\n");
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open(path.c_str(), &m), DLC_ERR_MODEL);
  std::string msg = dlc_last_error();
  EXPECT_EQ(msg.rfind(path + ": cannot load: ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(ModelTest, TruncatedLibraryIsRefusedBeforeLoading) {
  // A partial copy: dlopen would map the missing pages and fault (SIGBUS).
  std::string bytes = readFile(DLC_TEST_LINEAR_MODEL);
  ASSERT_GT(bytes.size(), 8192u);
  TempDir dir;
  for (size_t keep : {size_t(64), size_t(1000), size_t(4096), size_t(8192)}) {
    std::string path = dir.file("cut" + std::to_string(keep) + ".so");
    writeFile(path, bytes.substr(0, keep));
    dlc_model *m = nullptr;
    EXPECT_EQ(dlc_model_open(path.c_str(), &m), DLC_ERR_MODEL) << keep;
    EXPECT_EQ(m, nullptr);
    std::string msg = dlc_last_error();
    EXPECT_EQ(msg.rfind(path + ": offset " + std::to_string(keep) +
                            ": the file ends inside the ",
                        0),
              0u)
        << msg;
  }
}

TEST(ModelTest, NotADlcLibrary) {
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open(DLC_TEST_NO_MODELS, &m), DLC_ERR_MODEL);
  EXPECT_EQ(std::string(dlc_last_error()),
            std::string(DLC_TEST_NO_MODELS) +
                ": not a dlc model library (no 'dlc_models' symbol; build it "
                "with 'dlc compile')");
}

TEST(ModelTest, AbiMismatch) {
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open_named(DLC_TEST_LINEAR_MODEL, "bad_abi", &m),
            DLC_ERR_ABI);
  EXPECT_EQ(std::string(dlc_last_error()),
            std::string(DLC_TEST_LINEAR_MODEL) +
                ": model 'bad_abi' was built for dlc ABI version 999; this "
                "runtime supports version 3 (recompile the model with this "
                "dlc)");
}

TEST(ModelTest, FromDescriptorChecksTheDescriptor) {
  ModelPtr lib = openFixture("linear_model");
  ASSERT_TRUE(lib);
  dlc_model_desc desc = *dlc_model_get_desc(lib.get());
  dlc_model *m = nullptr;
  ASSERT_EQ(dlc_model_from_desc(&desc, &m), DLC_OK) << dlc_last_error();
  EXPECT_EQ(dlc_model_input_width(m), 2);
  dlc_model_close(m);

  desc.abi_version = DLC_ABI_VERSION + 1;
  EXPECT_EQ(dlc_model_from_desc(&desc, &m), DLC_ERR_ABI);
  desc.abi_version = DLC_ABI_VERSION;
  desc.input_shape[0] = 4;
  EXPECT_EQ(dlc_model_from_desc(&desc, &m), DLC_ERR_MODEL);
  EXPECT_EQ(std::string(dlc_last_error()),
            "dlc_model_from_desc: model 'linear_model' has a bad descriptor: "
            "input dimension 0 is 4, expected -1 (the batch)");
  desc.input_shape[0] = -1;
  desc.train_step = nullptr;
  EXPECT_EQ(dlc_model_from_desc(&desc, &m), DLC_ERR_MODEL);
  EXPECT_EQ(dlc_model_from_desc(nullptr, &m), DLC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(dlc_last_error()),
            "dlc_model_from_desc: null argument");
}

TEST(ModelTest, ThreadsReachTheLibraryOfALinkedModel) {
  // An app linking the model's library (no dlopen by the runtime) reaches
  // the library's kernel threads through its descriptor.
  void *library = dlopen(DLC_TEST_LINEAR_MODEL, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  auto describe = reinterpret_cast<const dlc_model_desc *(*)(void)>(
      dlsym(library, "linear_model_describe"));
  ASSERT_NE(describe, nullptr);
  dlc_model *m = nullptr;
  ASSERT_EQ(dlc_model_from_desc(describe(), &m), DLC_OK) << dlc_last_error();
  EXPECT_EQ(dlc_model_get_threads(m), 1);
  EXPECT_EQ(dlc_model_set_threads(m, 3), DLC_OK);
  EXPECT_EQ(dlc_model_get_threads(m), 3);
  dlc_model_set_threads(m, 1);
  dlc_model_close(m);
  dlclose(library);
}

TEST(ModelTest, PathWithoutSlashIsRelativeToTheWorkingDirectory) {
  std::string lib = DLC_TEST_LINEAR_MODEL;
  std::string dir = lib.substr(0, lib.rfind('/'));
  std::string base = lib.substr(lib.rfind('/') + 1);
  char old[4096];
  ASSERT_NE(getcwd(old, sizeof old), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  dlc_model *m = nullptr;
  dlc_status s = dlc_model_open(base.c_str(), &m);
  ASSERT_EQ(chdir(old), 0);
  EXPECT_EQ(s, DLC_OK) << dlc_last_error();
  dlc_model_close(m);
}

TEST(ModelTest, StatusNames) {
  EXPECT_STREQ(dlc_status_name(DLC_OK), "DLC_OK");
  EXPECT_STREQ(dlc_status_name(DLC_ERR_MISMATCH), "DLC_ERR_MISMATCH");
}

} // namespace
