//===- CliTest.cpp - `dlc train` and `dlc predict` end to end -------------===//
//
// Each command runs in a forked child with stdout/stderr captured, like the
// `dlc` executable would run it.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "dlc_cli.h"

#include <chrono>
#include <signal.h>
#include <thread>

using namespace dlc::test;

namespace {

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeFile(csv, "# OR gate\nx1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n");
  }
  ChildResult train(std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", lib, "--data", csv};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCli(dlcTrainMain, args, dir.path);
  }
  ChildResult predict(std::vector<std::string> extra) {
    std::vector<std::string> args = {"predict", lib};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCli(dlcPredictMain, args, dir.path);
  }

  TempDir dir;
  std::string lib = DLC_TEST_LINEAR_MODEL, csv = dir.file("or.csv");
};

TEST_F(CliTest, TrainThenPredict) {
  std::string ckpt = dir.file("or.ckpt");
  ChildResult r = train({"--epochs", "3", "--batch-size", "4", "--no-shuffle",
                         "--checkpoint", ckpt, "--run-id", "or_gate"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 7u + 3 * 3 + 1) << r.out;
  EXPECT_EQ(out[1], "Run id: or_gate");
  EXPECT_EQ(out[4], "Training samples: 4");
  EXPECT_EQ(out[14], "| SGD | epoch: 003 | loss: 0.20107 -- iter: 4/4");
  EXPECT_EQ(out.back(), "Checkpoint saved: " + ckpt);

  // The printed predictions are the model's forward pass on the checkpoint.
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), ckpt.c_str()), DLC_OK);
  float x[] = {0, 1, 1, 1, 0.5f, 0}, y[3];
  ASSERT_EQ(dlc_trainer_predict(t.get(), x, 3, y), DLC_OK);
  char expected[256];
  std::snprintf(expected, sizeof expected,
                "[0, 1] -> [%.5f]\n[1, 1] -> [%.5f]\n[0.5, 0] -> [%.5f]\n",
                y[0], y[1], y[2]);
  writeFile(dir.file("more.csv"), "0.5,0\n");
  r = predict({"--checkpoint", ckpt, "--input", "0,1", "--input=1, 1",
               "--data", dir.file("more.csv")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, expected);
}

TEST_F(CliTest, DefaultCheckpointIsNamedAfterTheModel) {
  ChildResult r = train({"--epochs", "1", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out).back(), "Checkpoint saved: ./linear_model.ckpt");
  EXPECT_TRUE(std::filesystem::exists(dir.file("linear_model.ckpt")));
  EXPECT_NE(r.out.find("Run id: linear_model\n"), std::string::npos);
}

TEST_F(CliTest, ResumeContinuesToTheSameResult) {
  std::string a = dir.file("a.ckpt"), b = dir.file("b.ckpt");
  ASSERT_EQ(train({"--epochs", "6", "--batch-size", "3", "--seed", "4",
                   "--checkpoint", a})
                .exitCode,
            0);
  ASSERT_EQ(train({"--epochs", "2", "--batch-size", "3", "--seed", "4",
                   "--checkpoint", b})
                .exitCode,
            0);
  ChildResult r = train({"--epochs", "6", "--batch-size", "3", "--resume", b,
                         "--checkpoint", b});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Training Step: 5 "), std::string::npos) << r.out;
  // Bit-identical checkpoints, but for the run ids of two runs.
  EXPECT_EQ(withoutRunId(readFile(a)), withoutRunId(readFile(b)));
}

TEST_F(CliTest, UsageErrorsExitWith2) {
  ChildResult r = runCli(dlcTrainMain, {"train"});
  EXPECT_EQ(r.exitCode, 2);
  std::vector<std::string> err = lines(r.err);
  ASSERT_GE(err.size(), 2u);
  EXPECT_EQ(err[0], "dlc: error: no model library given");
  EXPECT_EQ(err[1].rfind("usage: dlc train MODEL.so --data FILE.csv", 0), 0u);

  r = train({"--epochs", "many"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --epochs expects an integer >= 0, got 'many'");
  r = train({"--frobnicate"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: unknown option '--frobnicate'");
  r = train({"--batch-size"});
  EXPECT_EQ(lines(r.err)[0], "dlc: error: option '--batch-size' needs a value");
  r = runCli(dlcTrainMain, {"train", lib});
  EXPECT_EQ(lines(r.err)[0], "dlc: error: missing --data FILE.csv");
  for (const char *id : {"../../x", "", ".."}) {
    r = train({"--logdir", dir.file("runs"), "--run-id", id});
    EXPECT_EQ(r.exitCode, 2) << id;
    EXPECT_EQ(lines(r.err)[0], "dlc: error: --run-id '" + std::string(id) +
                                   "': expected a folder name (no '/', not "
                                   "'.' or '..')");
  }
  r = predict({"--input", "0,1"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: missing --checkpoint PATH");
}

TEST_F(CliTest, HelpGoesToStdout) {
  ChildResult r = runCli(dlcTrainMain, {"train", "--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out.rfind("usage: dlc train", 0), 0u);
  EXPECT_NE(r.out.find("--print-every N"), std::string::npos);
  r = runCli(dlcPredictMain, {"predict", "-h"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out.rfind("usage: dlc predict", 0), 0u);
}

TEST_F(CliTest, BadInputsAreOneLineErrorsExiting1) {
  std::string missing = dir.file("nope.csv");
  ChildResult r = runCli(dlcTrainMain, {"train", lib, "--data", missing});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            "dlc: error: " + missing + ": cannot open: No such file or directory\n");

  writeFile(csv, "0,0,0\n0,1\n");
  r = train({});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + csv +
                       ":2: expected 3 columns (2 inputs + 1 target), found 2\n");

  r = runCli(dlcTrainMain, {"train", DLC_TEST_NO_MODELS, "--data", csv});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(lines(r.err).size(), 1u);

  r = predict({"--checkpoint", csv, "--input", "0,1"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + csv +
                       ": not a dlc checkpoint (bad magic at offset 0)\n");
}

TEST_F(CliTest, ACheckpointPathThatCannotBeWrittenFailsBeforeTraining) {
  const std::string bad = dir.file("no/such/dir/or.ckpt");
  ChildResult r = train({"--epochs", "1000000", "--checkpoint", bad});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + bad + ": no directory '" +
                       dir.file("no/such/dir") + "'\n");
  EXPECT_EQ(r.out.find("Training Step"), std::string::npos) << r.out;
  r = train({"--epochs", "1", "--checkpoint", dir.path});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("not a regular file (a directory)"), std::string::npos)
      << r.err;
  // A folder the run creates itself is fine.
  r = train({"--epochs", "1", "--checkpoint-dir", dir.file("ckd"),
             "--checkpoint", dir.file("ckd/final.ckpt")});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("ckd/final.ckpt")));
}

TEST_F(CliTest, PredictChecksItsInputRows) {
  std::string ckpt = dir.file("or.ckpt");
  ASSERT_EQ(train({"--epochs", "1", "--checkpoint", ckpt}).exitCode, 0);
  ChildResult r = predict({"--checkpoint", ckpt, "--input", "0,x"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: --input '0,x': value 2 'x' is not a number\n");
  r = predict({"--checkpoint", ckpt, "--input", "nan,1"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            "dlc: error: --input 'nan,1': value 1 'nan' is not a finite number\n");
  r = predict({"--checkpoint", ckpt, "--input", "0,1e39"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: --input '0,1e39': value 2 '1e39' is out of "
                   "range for float32\n");
  r = predict({"--checkpoint", ckpt, "--input", "0,1e-400"}); // underflow: 0
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 9), "[0, 0] ->");
  r = predict({"--checkpoint", ckpt, "--input", "+-1,0"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: --input '+-1,0': value 1 '+-1' is not a number\n");
  r = predict({"--checkpoint", ckpt, "--input", "1"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: --input '1': expected 2 values (the model's "
                   "input), found 1\n");
  r = predict({"--checkpoint", ckpt, "--model", "softmax_model", "--input",
               "0,1"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("checkpoint is for model 'linear_model'"),
            std::string::npos);
}

TEST_F(CliTest, SigintSavesTheCheckpointAndExits130) {
  std::string ckpt = dir.file("or.ckpt");
  std::vector<std::string> args = {"train",        lib,       "--data",
                                   csv,            "--epochs", "1000000000",
                                   "--checkpoint", ckpt};
  ChildResult r = runCli(dlcTrainMain, args, dir.path,
                         [](pid_t pid, const std::string &outPath) {
                           // Wait until training is under way (the log is
                           // block-buffered, so output means many steps).
                           for (int i = 0; i < 2000; ++i) {
                             std::error_code ec;
                             if (std::filesystem::file_size(outPath, ec) > 0 &&
                                 !ec)
                               break;
                             std::this_thread::sleep_for(
                                 std::chrono::milliseconds(5));
                           }
                           kill(pid, SIGINT);
                         });
  EXPECT_EQ(r.exitCode, 130) << r.err << "signal " << r.signal;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> out = lines(r.out);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out.back(), "Checkpoint saved: " + ckpt);
  EXPECT_EQ(out[out.size() - 2].rfind("Training interrupted after step ", 0),
            0u)
      << out[out.size() - 2];
  ModelPtr m = openFixture("linear_model");
  TrainerPtr t = makeTrainer(m.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), ckpt.c_str()), DLC_OK)
      << dlc_last_error();
  EXPECT_GT(dlc_trainer_global_step(t.get()), 0);
}

} // namespace
