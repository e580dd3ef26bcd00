//===- TestSupport.h - Helpers shared by the runtime tests ------*- C++ -*-===//
//
// Temporary directories, file I/O, RAII wrappers of the C API objects and a
// way to run code in a child process with its output captured.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TEST_RUNTIME_TESTSUPPORT_H
#define DLC_TEST_RUNTIME_TESTSUPPORT_H

#include "dlc/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DLC_TEST_LINEAR_MODEL
#error "DLC_TEST_LINEAR_MODEL must name the fixture model library"
#endif

namespace dlc::test {

/// A fresh directory, removed with its contents at scope exit.
class TempDir {
public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "dlc-rt-test-XXXXXX")
            .string();
    path = mkdtemp(tmpl.data()) ? tmpl : "";
    EXPECT_FALSE(path.empty());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string &name) const { return path + "/" + name; }
  std::string path;
};

inline void writeFile(const std::string &path, const std::string &contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A version 4 checkpoint's bytes without what differs between two runs of
/// the same training: its run id and the CRC over it (the last 12 bytes),
/// zeroed. Two runs that train the same, one of them stopped and resumed,
/// give equal results.
inline std::string withoutRunId(std::string bytes) {
  if (bytes.size() >= 24 && bytes[8] == 4)
    std::fill(bytes.end() - 12, bytes.end(), '\0');
  return bytes;
}

inline std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> result;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    result.push_back(line);
  return result;
}

struct ModelCloser {
  void operator()(dlc_model *m) const { dlc_model_close(m); }
};
struct TrainerFreer {
  void operator()(dlc_trainer *t) const { dlc_trainer_free(t); }
};
struct DatasetFreer {
  void operator()(dlc_dataset *d) const { dlc_dataset_free(d); }
};
using ModelPtr = std::unique_ptr<dlc_model, ModelCloser>;
using TrainerPtr = std::unique_ptr<dlc_trainer, TrainerFreer>;
using DatasetPtr = std::unique_ptr<dlc_dataset, DatasetFreer>;

/// Opens a model of the fixture library (linear_model, softmax_model, probe).
inline ModelPtr openFixture(const char *name) {
  dlc_model *m = nullptr;
  EXPECT_EQ(dlc_model_open_named(DLC_TEST_LINEAR_MODEL, name, &m), DLC_OK)
      << dlc_last_error();
  return ModelPtr(m);
}

inline TrainerPtr makeTrainer(const dlc_model *model, uint64_t seed = 0) {
  dlc_trainer *t = nullptr;
  EXPECT_EQ(dlc_trainer_create(model, &t), DLC_OK) << dlc_last_error();
  if (t)
    EXPECT_EQ(dlc_trainer_init(t, seed), DLC_OK);
  return TrainerPtr(t);
}

inline DatasetPtr makeData(const std::vector<float> &x,
                           const std::vector<float> &y, int64_t inW,
                           int64_t outW) {
  dlc_dataset *d = nullptr;
  EXPECT_EQ(dlc_dataset_from_arrays(x.data(), y.data(),
                                    (int64_t)x.size() / inW, inW, outW, &d),
            DLC_OK)
      << dlc_last_error();
  return DatasetPtr(d);
}

/// One model opened from a CPU library and from a device library (a CUDA
/// fixture or the simulated device), with a trainer of each from the same
/// seed: the device path must train as the CPU's, bit for bit.
struct TrainerPair {
  ModelPtr cpuModel, gpuModel;
  TrainerPtr cpu, gpu;
  /// False (with a test failure) when a model does not open.
  bool open(const char *cpuPath, const char *gpuPath, const char *name) {
    dlc_model *cm = nullptr, *gm = nullptr;
    EXPECT_EQ(dlc_model_open_named(cpuPath, name, &cm), DLC_OK)
        << dlc_last_error();
    EXPECT_EQ(dlc_model_open_named(gpuPath, name, &gm), DLC_OK)
        << dlc_last_error();
    cpuModel.reset(cm);
    gpuModel.reset(gm);
    if (!cm || !gm)
      return false;
    EXPECT_EQ(dlc_model_get_desc(gm)->device, DLC_DEVICE_CUDA);
    cpu = makeTrainer(cm, 7);
    gpu = makeTrainer(gm, 7);
    return cpu && gpu;
  }
};

/// Training options of `epochs` epochs of batches of `batch` rows.
inline dlc_train_options trainOptions(int64_t epochs, int64_t batch) {
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = epochs;
  o.batch_size = batch;
  return o;
}

/// Two trainers of one model, built for two targets (or run two ways),
/// reported the same results and hold the same parameters and optimizer
/// state, bit for bit.
inline void expectSameTraining(const dlc_train_result &a,
                               const dlc_train_result &b,
                               dlc_trainer *ta, dlc_trainer *tb,
                               const dlc_model_desc *d) {
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.global_step, b.global_step);
  EXPECT_EQ(a.last_loss, b.last_loss);
  EXPECT_EQ(a.loss_avg, b.loss_avg);
  EXPECT_EQ(a.acc_avg, b.acc_avg);
  EXPECT_EQ(a.val_loss, b.val_loss);
  EXPECT_EQ(0, std::memcmp(dlc_trainer_params(ta), dlc_trainer_params(tb),
                           d->param_floats * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(dlc_trainer_opt_state(ta),
                           dlc_trainer_opt_state(tb),
                           d->opt_state_floats * sizeof(float)));
}

/// The OR gate's truth table as (x1, x2) -> y.
inline DatasetPtr orGate() {
  return makeData({0, 0, 0, 1, 1, 0, 1, 1}, {0, 1, 1, 1}, 2, 1);
}

struct ChildResult {
  int exitCode = -1; // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

/// Forks; the child runs `body` with stdout/stderr going to files and exits
/// with its result. `whileRunning(pid, outPath)` runs in the parent before
/// it waits (to send signals, say).
inline ChildResult
runInChild(const std::function<int()> &body,
           const std::function<void(pid_t, const std::string &)>
               &whileRunning = nullptr) {
  TempDir dir;
  const std::string outPath = dir.file("stdout"), errPath = dir.file("stderr");
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    int code = body();
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  ChildResult r;
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return r;
  }
  if (whileRunning)
    whileRunning(pid, outPath);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status))
    r.exitCode = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  r.out = readFile(outPath);
  r.err = readFile(errPath);
  return r;
}

/// Runs a CLI entry point (dlcTrainMain, ...) in a child process, in `cwd`
/// when given, with `args` as its argv.
inline ChildResult runCli(int (*mainFn)(int, char **), std::vector<std::string> args,
                   const std::string &cwd = "",
                   const std::function<void(pid_t, const std::string &)>
                       &whileRunning = nullptr) {
  return runInChild(
      [&] {
        if (!cwd.empty() && chdir(cwd.c_str()) != 0)
          return 99;
        std::vector<char *> argv;
        for (std::string &a : args)
          argv.push_back(a.data());
        argv.push_back(nullptr);
        return mainFn((int)args.size(), argv.data());
      },
      whileRunning);
}

/// A run's scalars as TensorBoard shows them: its event files read in name
/// order, each SessionLog START dropping what came before for its step and
/// later ones. tag -> (step, value) in order.
struct RunScalars {
  std::map<std::string, std::vector<std::pair<int64_t, float>>> tags;
  std::vector<std::string> problems, files;
  int64_t histograms = 0;
};

inline RunScalars readRun(const std::string &dir) {
  RunScalars run;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      run.files.push_back(e.path().string());
  std::sort(run.files.begin(), run.files.end());
  for (const std::string &file : run.files)
    dlc_event_file_read(
        file.c_str(),
        [](const dlc_event *e, void *user) {
          RunScalars &r = *static_cast<RunScalars *>(user);
          if (e->kind == DLC_EVENT_SESSION_LOG &&
              e->session_status == DLC_SESSION_START)
            for (auto &[tag, points] : r.tags)
              while (!points.empty() && points.back().first >= e->step)
                points.pop_back();
          for (int64_t i = 0; i < e->num_values; ++i)
            if (e->values[i].is_histogram)
              ++r.histograms;
            else
              r.tags[e->values[i].tag].emplace_back(e->step,
                                                    e->values[i].value);
          return 0;
        },
        [](int64_t, const char *message, void *user) {
          static_cast<RunScalars *>(user)->problems.push_back(message);
        },
        &run);
  return run;
}

} // namespace dlc::test

#endif // DLC_TEST_RUNTIME_TESTSUPPORT_H
