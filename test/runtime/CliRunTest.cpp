//===- CliRunTest.cpp - `dlc train` with event files and snapshot dirs ----===//
//
// --logdir/--run-id, --tensorboard-verbose, --checkpoint-dir with
// --snapshot-step/--max-checkpoints, --resume DIR, the progress line on a
// terminal, and the kill -9 test: a training process killed mid-run and
// resumed from its checkpoint directory logs exactly the loss sequence of a
// run that was never stopped.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "dlc_cli.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <thread>

using namespace dlc::test;

namespace {

class CliRunTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeFile(csv, "0,0,0\n0,1,1\n1,0,1\n1,1,1\n");
    // 10 rows of 2 classes for the softmax models: batches of 3 give
    // 4 steps an epoch, the last one short.
    std::string rows;
    for (int i = 0; i < 10; ++i) {
      float a = (float)((i * 7) % 10) / 10.0f, b = (float)((i * 3) % 10) / 10.0f;
      rows += std::to_string(a) + "," + std::to_string(b) + "," +
              (a > b ? "1,0\n" : "0,1\n");
    }
    writeFile(classes, rows);
    writeFile(valCsv, "0.2,0.1,1,0\n0.1,0.8,0,1\n0.9,0.3,1,0\n0.4,0.6,0,1\n");
  }
  ChildResult train(std::vector<std::string> extra,
                    const std::function<void(pid_t, const std::string &)>
                        &whileRunning = nullptr) {
    std::vector<std::string> args = {"train", lib};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCli(dlcTrainMain, args, dir.path, whileRunning);
  }

  TempDir dir;
  std::string lib = DLC_TEST_LINEAR_MODEL, csv = dir.file("or.csv"),
              classes = dir.file("classes.csv"), valCsv = dir.file("val.csv");
};

TEST_F(CliRunTest, LogdirAndRunIdWriteEventFiles) {
  ChildResult r = train({"--data", csv, "--epochs", "3", "--batch-size", "4",
                         "--logdir", "runs", "--run-id", "or_sgd",
                         "--tensorboard-verbose", "2"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> out = lines(r.out);
  EXPECT_EQ(out[1], "Run id: or_sgd");
  EXPECT_EQ(out[2], "Log directory: runs");
  // The TFLearn lines, then what the logging cost, then the checkpoint.
  ASSERT_EQ(out.size(), 7u + 3 * 3 + 2);
  EXPECT_EQ(out[16].rfind("Event files and snapshots: ", 0), 0u) << out[16];
  EXPECT_EQ(out[17], "Checkpoint saved: ./linear_model.ckpt");
  RunScalars run = readRun(dir.file("runs/or_sgd"));
  ASSERT_EQ(run.files.size(), 1u);
  EXPECT_TRUE(run.problems.empty());
  EXPECT_EQ(run.tags["SGD/Loss/raw"].size(), 3u);
  EXPECT_EQ(run.tags["Loss"].size(), 2u);
  EXPECT_EQ(run.histograms, 3 * 4); // W, b: gradients and weights
}

TEST_F(CliRunTest, VerbosePrintsPeakMemory) {
  ChildResult r = train({"--data", csv, "--epochs", "2", "--batch-size", "4",
                         "--verbose", "--threads", "1"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  auto it = std::find_if(out.begin(), out.end(), [](const std::string &l) {
    return l.rfind("Peak memory: ", 0) == 0;
  });
  ASSERT_NE(it, out.end()) << r.out;
  double mib = std::atof(it->c_str() + std::strlen("Peak memory: "));
  EXPECT_GT(mib, 0.5) << *it;    // at least the process itself
  EXPECT_LT(mib, 4096.0) << *it; // and nothing absurd for a 2x1 model
  EXPECT_NE(it->find("kernel threads: 1"), std::string::npos) << *it;
  // linear_model's descriptor: 16 bytes + 4 per example.
  EXPECT_NE(std::find(out.begin(), out.end(),
                      "Workspace: 0.0 MiB at batch 4 (16 bytes + 4 per "
                      "example, planned at compile time)"),
            out.end())
      << r.out;
  ChildResult plain = train({"--data", csv, "--epochs", "1", "--batch-size", "4"});
  EXPECT_EQ(plain.out.find("Peak memory"), std::string::npos);
  EXPECT_EQ(plain.out.find("Workspace"), std::string::npos);
}

TEST_F(CliRunTest, VerboseSaysHowCudaStepsRan) {
  // The runtime tests' models on a simulated GPU (fake_device_model.c):
  // step 1 runs directly, step 2 is captured and replayed.
  lib = DLC_TEST_FAKE_DEVICE_MODEL;
  ChildResult r = train({"--data", csv, "--epochs", "2", "--batch-size", "4",
                         "--verbose"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  EXPECT_NE(std::find(out.begin(), out.end(),
                      "CUDA graphs: 1 captured; of 2 steps, 1 replayed, 1 run "
                      "directly"),
            out.end())
      << r.out;
  lib = DLC_TEST_LINEAR_MODEL; // a CPU model says nothing of CUDA
  ChildResult cpu = train({"--data", csv, "--epochs", "1", "--verbose"});
  EXPECT_EQ(cpu.out.find("CUDA"), std::string::npos) << cpu.out;
}

TEST_F(CliRunTest, TensorboardOptionErrors) {
  ChildResult r = train({"--data", csv, "--logdir", "runs",
                         "--tensorboard-verbose", "3"});
  // The fixture library has no M_activations: refused once loaded, before
  // anything is written.
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("does not expose its layers' activations"),
            std::string::npos)
      << r.err;
  r = train({"--data", csv, "--tensorboard-verbose", "1"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: --tensorboard-verbose needs --logdir "
                             "DIR");
  r = train({"--data", csv, "--logdir", "runs", "--tensorboard-verbose", "5"});
  EXPECT_EQ(r.exitCode, 2);
  r = train({"--data", csv, "--snapshot-step", "-1"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --snapshot-step expects an integer >= 0, got '-1'");
  EXPECT_FALSE(std::filesystem::exists(dir.file("runs")));
}

// TFLearn shows the validation of each snapshot (--snapshot-step) and keeps
// its block ("--" after it), between the steps --print-every skips.
TEST_F(CliRunTest, SnapshotStepValidationShowsAndStays) {
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "2", "--batch-size", "3",
                         "--snapshot-step", "5", "--print-every", "100",
                         "--validation-data", valCsv, "--checkpoint",
                         "final.ckpt"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::vector<std::string> out = lines(r.out);
  std::vector<std::string> steps;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].rfind("Training Step: ", 0) == 0) {
      steps.push_back(out[i].substr(0, out[i].find(' ', 15)));
      ASSERT_LT(i + 2, out.size());
      EXPECT_NE(out[i + 1].find(" | val_loss: "), std::string::npos)
          << out[i + 1];
      EXPECT_EQ(out[i + 2], "--") << out[i];
    }
  // Steps 5 and (with 4 steps an epoch) the epoch ends 4 and 8.
  EXPECT_EQ(steps, (std::vector<std::string>{"Training Step: 4",
                                             "Training Step: 5",
                                             "Training Step: 8"}))
      << r.out;
}

TEST_F(CliRunTest, CheckpointDirAndResumeFromIt) {
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "3", "--batch-size", "3",
                         "--checkpoint-dir", "ck", "--snapshot-step", "5",
                         "--max-checkpoints", "3", "--validation-data", valCsv,
                         "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: ck/softmax_model-12.ckpt");
  // Snapshots at 4, 5, 8, 10, 12, the newest 3 kept; and the best one.
  std::vector<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(dir.file("ck")))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "softmax_model-10.ckpt", "softmax_model-12.ckpt",
                       "softmax_model-8.ckpt", "softmax_model-best.ckpt"}));
  EXPECT_FALSE(std::filesystem::exists(dir.file("softmax_model.ckpt")));

  // The newest is damaged: a warning naming it, and the previous one.
  std::string newest = dir.file("ck/softmax_model-12.ckpt");
  std::string bytes = readFile(newest);
  bytes[140] ^= 1; // inside the parameters
  writeFile(newest, bytes);
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "4",
             "--batch-size", "3", "--checkpoint-dir", "ck", "--resume", "ck",
             "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.rfind("dlc: warning: ck/softmax_model-12.ckpt: checksum "
                        "mismatch",
                        0),
            0u)
      << r.err;
  EXPECT_NE(r.err.find("; trying the previous checkpoint, "
                       "ck/softmax_model-10.ckpt"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(lines(r.out)[0], "Resuming from ck/softmax_model-10.ckpt (step 10)");
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: ck/softmax_model-16.ckpt");

  // A directory without snapshots of the model is an error.
  std::filesystem::create_directory(dir.file("empty"));
  r = train({"--data", csv, "--resume", "empty"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: empty: no checkpoint of model 'linear_model' "
                   "(linear_model-<step>.ckpt) in this directory\n");
}

TEST_F(CliRunTest, AFreshRunNeverWritesOverAnotherRunsSnapshots) {
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "2", "--batch-size", "3",
                         "--checkpoint-dir", "ck", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string newest = dir.file("ck/softmax_model-8.ckpt");
  const std::string bytes = readFile(newest);
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "1",
             "--batch-size", "3", "--seed", "4", "--checkpoint-dir", "ck",
             "--quiet"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            "dlc: error: ck: the checkpoint directory holds "
            "ck/softmax_model-8.ckpt, a checkpoint of another training run, "
            "which this run would mix with its own snapshots, replace or "
            "delete. To "
            "continue that run, resume from the directory (dlc train "
            "--resume ck, dlc_trainer_load_latest); to start another, choose "
            "another directory or move its files away\n");
  EXPECT_EQ(readFile(newest), bytes);
  EXPECT_FALSE(std::filesystem::exists(dir.file("softmax_model.ckpt")));
}

TEST_F(CliRunTest, ARunContinuesInItsDirectoryFromAnyCopyOfItsState) {
  // Its final state saved elsewhere (--checkpoint), or a snapshot reached
  // through a symbolic link: the same run, which goes on in its directory.
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "2", "--batch-size", "3",
                         "--checkpoint-dir", "ck", "--checkpoint",
                         "final.ckpt", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "3",
             "--batch-size", "3", "--resume", "final.ckpt",
             "--checkpoint-dir", "ck", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: ck/softmax_model-12.ckpt");
  std::filesystem::create_symlink("ck/softmax_model-12.ckpt",
                                  dir.file("latest.ckpt"));
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "4",
             "--batch-size", "3", "--resume", "latest.ckpt",
             "--checkpoint-dir", "ck", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: ck/softmax_model-16.ckpt");
}

TEST_F(CliRunTest, NothingTrainedSavesNothing) {
  ChildResult r = train({"--data", csv, "--epochs", "2", "--checkpoint",
                         "or.ckpt", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string trained = readFile(dir.file("or.ckpt"));
  // --epochs 0 used to write a fresh initialisation over the trained file.
  for (auto extra : {std::vector<std::string>{"--epochs", "0"},
                     std::vector<std::string>{"--epochs", "2", "--resume",
                                              "or.ckpt"}}) {
    std::vector<std::string> args = {"--data", csv, "--checkpoint", "or.ckpt",
                                     "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    r = train(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(lines(r.out).back(), "No step trained: no checkpoint written");
    EXPECT_EQ(readFile(dir.file("or.ckpt")), trained);
  }
}

TEST_F(CliRunTest, EvaluateGivesTheValidationFiguresOfTraining) {
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "3", "--batch-size", "3",
                         "--validation-data", valCsv, "--checkpoint-dir",
                         "ck", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // "Training done: ... | val_loss: X - val_acc: Y | time: ..."
  std::string done;
  for (const std::string &line : lines(r.out))
    if (line.rfind("Training done: ", 0) == 0)
      done = line;
  const size_t at = done.find("val_loss: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string figures =
      done.substr(at + 4, done.find(" | time") - at - 4); // "loss: X - val_acc: Y"
  auto evaluate = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"evaluate", lib, "--model",
                                     "softmax_model"};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCli(dlcEvaluateMain, args, dir.path);
  };
  for (const char *checkpoint : {"ck", "ck/softmax_model-12.ckpt"}) {
    r = evaluate({"--checkpoint", checkpoint, "--data", valCsv,
                  "--batch-size", "3"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::vector<std::string> out = lines(r.out);
    ASSERT_EQ(out.size(), 3u) << r.out;
    EXPECT_EQ(out[0], "Checkpoint: ck/softmax_model-12.ckpt (step 12, epoch 3)");
    EXPECT_EQ(out[1], "Data: " + valCsv + ": 4 examples");
    std::string expected = figures;
    expected.replace(expected.find("val_acc"), 7, "acc");
    EXPECT_EQ(out[2].substr(0, out[2].find(" | time")), expected) << r.out;
  }
  // Errors: a CSV has no test part; data of another shape; no checkpoint.
  r = evaluate({"--checkpoint", "ck", "--data", valCsv, "--part", "test"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --part test: '" + valCsv +
                "' has no test part (only fashion-mnist, mnist, cifar10 and "
                "imagefolder with train/ and test/ have one)");
  // Data without a test part is all training part.
  r = evaluate({"--checkpoint", "ck", "--data", valCsv, "--part", "train"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out)[1], "Data: " + valCsv + ": 4 examples");
  r = evaluate({"--checkpoint", "ck", "--data", csv});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find(csv + ":1: expected 4 columns"), std::string::npos)
      << r.err;
  r = evaluate({"--checkpoint", "none", "--data", valCsv});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: none: cannot open: No such file or "
                   "directory\n");
  r = evaluate({"--data", valCsv});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: missing --checkpoint PATH|DIR");

  // dlc predict takes the directory too, and sends image sets to evaluate.
  r = runCli(dlcPredictMain,
             {"predict", lib, "--model", "softmax_model", "--checkpoint", "ck",
              "--input", "0.2,0.1"},
             dir.path);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.rfind("[0.2, 0.1] -> [", 0), 0u) << r.out;
  r = runCli(dlcPredictMain,
             {"predict", lib, "--model", "softmax_model", "--checkpoint", "ck",
              "--data", "cifar10:dir"},
             dir.path);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --data cifar10:dir: dlc predict reads a CSV file of "
            "input rows; for the loss and accuracy on cifar10 data use 'dlc "
            "evaluate'");
}

TEST_F(CliRunTest, ResumingFromADirectoryGoesOnThere) {
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "1", "--batch-size", "3",
                         "--checkpoint-dir", "ck", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "2",
             "--batch-size", "3", "--resume", "ck", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: ck/softmax_model-8.ckpt");
  EXPECT_FALSE(std::filesystem::exists(dir.file("softmax_model.ckpt")));
  // --checkpoint names another place for the final state (and no snapshots).
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "3",
             "--batch-size", "3", "--resume", "ck", "--checkpoint", "out.ckpt",
             "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: out.ckpt");
  EXPECT_FALSE(std::filesystem::exists(dir.file("ck/softmax_model-12.ckpt")));
}

TEST_F(CliRunTest, AnOptionGivenTwiceIsAnError) {
  ChildResult r = train({"--data", csv, "--epochs", "3", "--epochs", "5"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: option '--epochs' given twice");
  r = train({"--data", csv, "--progress", "--no-progress"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --progress and --no-progress exclude each other");
}

/// The snapshot steps in `dir` of `model`.
std::vector<int64_t> snapshots(const std::string &dir, const std::string &model) {
  std::vector<int64_t> steps;
  std::error_code ec;
  for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(model + "-", 0) == 0 && name.size() > 5 &&
        name.compare(name.size() - 5, 5, ".ckpt") == 0 &&
        name != model + "-best.ckpt")
      steps.push_back(std::stoll(name.substr(model.size() + 1)));
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

TEST_F(CliRunTest, KilledAndResumedRunLogsTheSameLosses) {
  // slow_softmax sleeps in every step: 1600 steps take about a second,
  // and the process is killed (SIGKILL, no chance to clean up) once a
  // snapshot at step >= 400 exists. Snapshots every 99 steps (mid-epoch
  // ones mostly: 4 steps an epoch, the last one short), validation at each
  // and at every epoch end (for the event file): 400 + 12 validations.
  const std::vector<std::string> common = {
      "--data", classes, "--validation-data", valCsv, "--model",
      "slow_softmax", "--epochs", "400", "--batch-size", "3", "--seed", "9",
      "--no-snapshot-epoch", "--snapshot-step", "99", "--max-checkpoints",
      "3", "--print-every", "1000"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = common;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const std::string ck = dir.file("ck");
  ChildResult killed = train(
      with({"--logdir", "runs", "--run-id", "cut", "--checkpoint-dir", "ck"}),
      [&](pid_t pid, const std::string &) {
        for (int i = 0; i < 30000; ++i) {
          std::vector<int64_t> s = snapshots(ck, "slow_softmax");
          if (!s.empty() && s.back() >= 400)
            break;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        kill(pid, SIGKILL);
      });
  ASSERT_EQ(killed.signal, SIGKILL) << "exit " << killed.exitCode << "\n"
                                    << killed.err;
  std::vector<int64_t> left = snapshots(ck, "slow_softmax");
  ASSERT_FALSE(left.empty());
  ASSERT_LT(left.back(), 1600);
  // Every snapshot on disk is complete: each one loads.
  ModelPtr m = openFixture("slow_softmax");
  for (int64_t step : left) {
    TrainerPtr t = makeTrainer(m.get());
    std::string path = ck + "/slow_softmax-" + std::to_string(step) + ".ckpt";
    EXPECT_EQ(dlc_trainer_load(t.get(), path.c_str()), DLC_OK)
        << dlc_last_error();
  }

  ChildResult resumed = train(with({"--logdir", "runs", "--run-id", "cut",
                                    "--checkpoint-dir", "ck", "--resume",
                                    "ck"}));
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  ChildResult reference = train(with({"--logdir", "runs", "--run-id", "ref",
                                      "--checkpoint-dir", "ref_ck"}));
  ASSERT_EQ(reference.exitCode, 0) << reference.err;

  // TensorBoard's view of the killed-and-resumed run is the reference's,
  // every loss bit for bit. (The killed process may have logged steps past
  // its last snapshot; the resumed session's START event drops them.)
  RunScalars cut = readRun(dir.file("runs/cut")),
             ref = readRun(dir.file("runs/ref"));
  EXPECT_EQ(cut.files.size(), 2u);
  EXPECT_EQ(ref.problems, std::vector<std::string>{});
  ASSERT_EQ(ref.tags["Momentum/Loss/raw"].size(), 1600u);
  ASSERT_EQ(ref.tags["Loss/Validation"].size(), 400u + 12);
  for (const auto &[tag, points] : ref.tags)
    EXPECT_TRUE(cut.tags[tag] == points) << tag;
  EXPECT_EQ(cut.tags.size(), ref.tags.size());
  // And the final checkpoints are the same bytes (but the run ids).
  EXPECT_EQ(withoutRunId(readFile(dir.file("ck/slow_softmax-1600.ckpt"))),
            withoutRunId(readFile(dir.file("ref_ck/slow_softmax-1600.ckpt"))));
  EXPECT_EQ(withoutRunId(readFile(dir.file("ck/slow_softmax-best.ckpt"))),
            withoutRunId(readFile(dir.file("ref_ck/slow_softmax-best.ckpt"))));
}

/// Runs `dlc train` with stdout on a pseudo-terminal; returns what it showed.
std::string trainOnTerminal(std::vector<std::string> args,
                            const std::string &cwd) {
  int master = -1;
  struct winsize size = {24, 120, 0, 0};
  std::fflush(stdout);
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0)
      _exit(99);
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int code = dlcTrainMain((int)args.size(), argv.data());
    std::fflush(stdout);
    _exit(code);
  }
  std::string out;
  if (pid < 0)
    return out;
  char buf[4096];
  while (true) {
    struct pollfd p = {master, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0)
      break;
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0)
      break; // EIO once the child has exited
    out.append(buf, (size_t)n);
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

// An error during training (here the loss of step 3 is infinite: a target
// of 1e37) is printed below the block the next step would have redrawn,
// not over it.
TEST_F(CliRunTest, AnErrorOnATerminalIsPrintedBelowTheBlock) {
  writeFile(dir.file("diverge.csv"), "0,0,0\n0,1,1\n1,0,1e37\n1,1,1\n");
  std::string shown = trainOnTerminal(
      {"train", lib, "--data", "diverge.csv", "--epochs", "1", "--batch-size",
       "1", "--no-shuffle"},
      dir.path);
  const size_t error = shown.find("dlc: error: ");
  ASSERT_NE(error, std::string::npos) << shown;
  EXPECT_NE(shown.find("training diverged", error), std::string::npos);
  // The last cursor movement before the error goes down, past the block.
  const size_t up = shown.rfind("\033[A", error),
               down = shown.rfind("\033[B\033[B", error);
  ASSERT_NE(up, std::string::npos) << shown;
  ASSERT_NE(down, std::string::npos) << shown;
  EXPECT_GT(down, up) << shown;
}

TEST_F(CliRunTest, ProgressLineOnATerminalOnly) {
  std::string shown = trainOnTerminal(
      {"train", lib, "--data", classes, "--model", "softmax_model", "--epochs",
       "3", "--batch-size", "3"},
      dir.path);
  EXPECT_NE(shown.find("Training Step: 12 "), std::string::npos) << shown;
  EXPECT_NE(shown.find(" steps/s | "), std::string::npos) << shown;
  EXPECT_NE(shown.find(" samples/s | ETA "), std::string::npos) << shown;
  EXPECT_NE(shown.find("\x1b[2K"), std::string::npos); // redrawn in place
  // Not on a file (the TFLearn lines stay as they are) unless asked for.
  ChildResult r = train({"--data", classes, "--model", "softmax_model",
                         "--epochs", "3", "--batch-size", "3"});
  ASSERT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out.find("steps/s"), std::string::npos);
  EXPECT_EQ(r.out.find("\x1b"), std::string::npos);
  r = train({"--data", classes, "--model", "softmax_model", "--epochs", "3",
             "--batch-size", "3", "--progress"});
  ASSERT_EQ(r.exitCode, 0);
  std::vector<std::string> out = lines(r.out);
  // Each block gains the progress line after its two TFLearn lines.
  ASSERT_GE(out.size(), 10u);
  EXPECT_EQ(out[7].rfind("Training Step: 1 ", 0), 0u) << r.out;
  EXPECT_EQ(out[9].rfind("[", 0), 0u) << r.out;
  EXPECT_NE(out[9].find("%"), std::string::npos);
  EXPECT_NE(out[9].find(" steps/s | "), std::string::npos);
  EXPECT_NE(out[9].find(" ETA "), std::string::npos);
  // A terminal still gets none with --no-progress.
  shown = trainOnTerminal({"train", lib, "--data", classes, "--model",
                           "softmax_model", "--epochs", "2", "--batch-size",
                           "3", "--no-progress"},
                          dir.path);
  EXPECT_NE(shown.find("Training Step: 8 "), std::string::npos) << shown;
  EXPECT_EQ(shown.find("steps/s"), std::string::npos);
}

} // namespace
