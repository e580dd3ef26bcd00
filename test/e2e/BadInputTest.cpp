//===- BadInputTest.cpp - the CLI on bad input ----------------------------===//
//
// Runs `dlc` as a subprocess on malformed models, missing files, data of the
// wrong width, truncated checkpoints and checkpoints of another model. Each
// must fail cleanly: a non-zero exit status below 128 (no signal, no core
// file), and an error on stderr that names the location (file:line:col for
// .mlir, file:line for CSV, file and byte offset for checkpoints). No
// sanitizer report may appear (the suite is also run under ASan/UBSan).
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <filesystem>

using namespace dlc::e2e;

namespace {

class BadInput : public ::testing::Test {
protected:
  /// Runs dlc in the test's directory and checks the clean failure; returns
  /// stderr's first line.
  std::string expectCleanFailure(const std::vector<std::string> &args) {
    ProcResult r = runDlc(args, dir.path);
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_FALSE(r.coreDumped);
    EXPECT_GT(r.exitCode, 0) << r.describe();
    EXPECT_LT(r.exitCode, 128) << r.describe();
    for (const auto &entry : std::filesystem::directory_iterator(dir.path))
      EXPECT_NE(entry.path().filename().string().rfind("core", 0), 0u)
          << "core file " << entry.path();
    for (const char *report : {"Sanitizer", "runtime error:", "LeakSanitizer",
                               "Stack dump", "PLEASE submit a bug report"})
      EXPECT_EQ(r.err.find(report), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << "errors go to stderr";
    std::vector<std::string> errLines = lines(r.err);
    EXPECT_FALSE(errLines.empty()) << "no error message";
    return errLines.empty() ? "" : errLines[0];
  }

  /// `dlc train` on a tiny CSV for one epoch; returns the checkpoint path.
  std::string trainCheckpoint(const std::string &lib, const std::string &csv,
                              const std::string &name) {
    const std::string ckpt = dir.file(name);
    ProcResult r = runDlc({"train", lib, "--data", csv, "--epochs", "1",
                           "--batch-size", "4", "--checkpoint", ckpt,
                           "--quiet"},
                          dir.path);
    EXPECT_EQ(r.exitCode, 0) << r.describe();
    return ckpt;
  }

  TempDir dir;
};

TEST_F(BadInput, MlirSyntaxError) {
  const std::string mlir = inputPath("bad_syntax.mlir");
  std::string err =
      expectCleanFailure({"compile", mlir, "-o", dir.file("x.so")});
  EXPECT_EQ(err, mlir + ":3:34: error: expected ']'");
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.so")));
}

TEST_F(BadInput, UnknownActivation) {
  const std::string mlir = inputPath("bad_activation.mlir");
  std::string err =
      expectCleanFailure({"compile", mlir, "-o", dir.file("x.so")});
  EXPECT_EQ(err.rfind(mlir + ":4:50: error: ", 0), 0u) << err;
  EXPECT_NE(err.find("'activation' [linear, sigmoid, tanh, relu, softmax]"),
            std::string::npos)
      << err;
}

TEST_F(BadInput, VerifierError) {
  const std::string mlir = inputPath("bad_verifier.mlir");
  std::string err =
      expectCleanFailure({"compile", mlir, "-o", dir.file("x.so")});
  EXPECT_EQ(err, mlir + ":5:8: error: 'net.fully_connected' op softmax needs "
                        "at least 2 units, got 1");
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.so")));
}

TEST_F(BadInput, MissingMlirFile) {
  const std::string mlir = dir.file("missing.mlir");
  std::string err =
      expectCleanFailure({"compile", mlir, "-o", dir.file("x.so")});
  EXPECT_EQ(err.rfind("dlc: error: cannot open input file '" + mlir + "'", 0), 0u)
      << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
}

TEST_F(BadInput, DataWidthMismatch) {
  const std::string lib = compiledLibrary(examplePath("or.mlir"));
  ASSERT_FALSE(lib.empty());
  const std::string csv = dir.file("wide.csv");
  writeFile(csv, "# or gate, one row too wide\n0,0,0\n0,1,1,1\n1,1,1\n");
  std::string err = expectCleanFailure(
      {"train", lib, "--data", csv, "--epochs", "1", "--quiet"});
  EXPECT_EQ(err, "dlc: error: " + csv +
                     ":3: expected 3 columns (2 inputs + 1 target), found 4");
  EXPECT_FALSE(std::filesystem::exists(dir.file("or_gate.ckpt")));
}

TEST_F(BadInput, MissingDataFile) {
  const std::string lib = compiledLibrary(examplePath("or.mlir"));
  ASSERT_FALSE(lib.empty());
  const std::string csv = dir.file("missing.csv");
  std::string err = expectCleanFailure({"train", lib, "--data", csv});
  EXPECT_EQ(err, "dlc: error: " + csv + ": cannot open: No such file or "
                                        "directory");
}

TEST_F(BadInput, TruncatedCheckpoint) {
  const std::string lib = compiledLibrary(examplePath("or.mlir"));
  ASSERT_FALSE(lib.empty());
  const std::string full =
      readFile(trainCheckpoint(lib, examplePath("or.csv"), "or.ckpt"));
  // docs/checkpoint-format.md: "or_gate" has L = 7, P = 3 (W 2x1, b 1),
  // O = 0 (SGD). The shuffling state's u64 words start at 72 + L = 79, the
  // parameters at 120 + L = 127, and the file ends with a u32 CRC.
  ASSERT_GE(full.size(), 124u + 7 + 4 * 3);
  struct Cut {
    size_t size;
    std::string where;
  };
  const std::string crcAt = std::to_string(full.size() - 4);
  for (const Cut &cut : {Cut{100, "offset 95: expected 8 more bytes"},
                         Cut{130, "offset 127: expected 12 more bytes"},
                         Cut{full.size() - 1,
                             "offset " + crcAt + ": expected 4 more bytes"},
                         Cut{0, "offset 0: expected 8 more bytes"}}) {
    SCOPED_TRACE("truncated to " + std::to_string(cut.size) + " bytes");
    const std::string ckpt = dir.file("cut.ckpt");
    writeFile(ckpt, full.substr(0, cut.size));
    std::string err = expectCleanFailure(
        {"predict", lib, "--checkpoint", ckpt, "--input", "0,1"});
    EXPECT_EQ(err.rfind("dlc: error: " + ckpt + ": truncated at " + cut.where,
                        0),
              0u)
        << err;
  }
}

TEST_F(BadInput, CheckpointOfAnotherModel) {
  const std::string orLib = compiledLibrary(examplePath("or.mlir"));
  const std::string andLib = compiledLibrary(examplePath("and.mlir"));
  const std::string otherOrLib =
      compiledLibrary(inputPath("or_gate_hidden.mlir"));
  ASSERT_FALSE(orLib.empty() || andLib.empty() || otherOrLib.empty());

  // Same shapes, another model name.
  const std::string andCkpt =
      trainCheckpoint(andLib, examplePath("and.csv"), "and.ckpt");
  std::string err = expectCleanFailure(
      {"predict", orLib, "--checkpoint", andCkpt, "--input", "0,1"});
  EXPECT_EQ(err.rfind("dlc: error: " + andCkpt +
                          ": checkpoint is for model 'and_gate'",
                      0),
            0u)
      << err;

  // Same name, another network: the fingerprint differs.
  const std::string otherCkpt =
      trainCheckpoint(otherOrLib, examplePath("or.csv"), "other_or.ckpt");
  err = expectCleanFailure(
      {"predict", orLib, "--checkpoint", otherCkpt, "--input", "0,1"});
  EXPECT_EQ(err.rfind("dlc: error: " + otherCkpt +
                          ": checkpoint is for model 'or_gate' (fingerprint ",
                      0),
            0u)
      << err;
  // Resuming training from it is refused the same way.
  err = expectCleanFailure({"train", orLib, "--data", examplePath("or.csv"),
                            "--resume", otherCkpt, "--checkpoint",
                            dir.file("resumed.ckpt")});
  EXPECT_NE(err.find(otherCkpt + ": checkpoint is for model 'or_gate'"),
            std::string::npos)
      << err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("resumed.ckpt")));
}

} // namespace
