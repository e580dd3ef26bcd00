//===- LogicGateTest.cpp - the tutorial's logic gates learn ---------------===//
//
// For examples/{or,and,not,xor}.mlir, runs the commands their header
// comment documents, as a user would in the repository root:
//
//   dlc compile examples/X.mlir -o X.so
//   dlc train X.so --data examples/X.csv --epochs 2000 --batch-size 4
//
// (in a temporary directory, with `examples/` pointing at the source tree),
// then `dlc predict X.so --checkpoint <the checkpoint train saved> --input
// ...` on every row of the CSV, and checks every printed prediction is
// within 0.1 of the row's target.
//
//===----------------------------------------------------------------------===//

#include "E2ESupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>

using namespace dlc::e2e;

namespace {

/// The arguments after `dlc <command>` on the example's `//   dlc <command>`
/// comment line, with `examples/` made absolute.
std::vector<std::string> documentedArgs(const std::string &mlir,
                                        const std::string &command) {
  std::vector<std::string> args;
  for (const std::string &line : lines(readFile(mlir))) {
    std::istringstream words(line);
    std::string slashes, dlc, cmd;
    if (!(words >> slashes >> dlc >> cmd) || slashes != "//" || dlc != "dlc" ||
        cmd != command)
      continue;
    for (std::string w; words >> w;)
      args.push_back(w.rfind("examples/", 0) == 0
                         ? examplePath(w.substr(std::strlen("examples/")))
                         : w);
    break;
  }
  return args;
}

struct Row {
  std::vector<std::string> inputs;
  double target;
};

std::vector<Row> truthTable(const std::string &csv) {
  std::vector<Row> rows;
  for (const std::string &line : lines(readFile(csv))) {
    if (line.empty() || line[0] == '#')
      continue;
    Row r;
    std::stringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');)
      r.inputs.push_back(f);
    r.target = std::stod(r.inputs.back());
    r.inputs.pop_back();
    rows.push_back(r);
  }
  return rows;
}

class LogicGate : public ::testing::TestWithParam<std::string> {};

TEST_P(LogicGate, LearnsTheTruthTable) {
  const std::string gate = GetParam(), mlir = examplePath(gate + ".mlir");
  TempDir dir;

  std::vector<std::string> compile = documentedArgs(mlir, "compile");
  ASSERT_FALSE(compile.empty()) << mlir << " documents no 'dlc compile'";
  compile.insert(compile.begin(), "compile");
  ProcResult r = runDlc(compile, dir.path);
  ASSERT_EQ(r.exitCode, 0) << r.describe();

  std::vector<std::string> train = documentedArgs(mlir, "train");
  ASSERT_GE(train.size(), 3u) << mlir << " documents no 'dlc train'";
  const std::string lib = train[0];
  const std::string csv = examplePath(gate + ".csv");
  EXPECT_NE(std::find(train.begin(), train.end(), csv), train.end())
      << "the documented command should train on " << csv;
  train.insert(train.begin(), "train");
  r = runDlc(train, dir.path);
  ASSERT_EQ(r.exitCode, 0) << r.describe();

  std::vector<std::string> checkpoints;
  for (const auto &entry : std::filesystem::directory_iterator(dir.path))
    if (entry.path().extension() == ".ckpt")
      checkpoints.push_back(entry.path().filename().string());
  ASSERT_EQ(checkpoints.size(), 1u) << "train should save one checkpoint";
  const std::string saved = "Checkpoint saved: ./" + checkpoints[0];
  EXPECT_NE(r.out.find(saved), std::string::npos)
      << "expected '" << saved << "' at the end of:\n"
      << r.out.substr(r.out.size() > 400 ? r.out.size() - 400 : 0);

  const std::vector<Row> rows = truthTable(csv);
  ASSERT_FALSE(rows.empty());
  std::vector<std::string> predict = {"predict", lib, "--checkpoint",
                                      checkpoints[0]};
  for (const Row &row : rows) {
    std::string joined;
    for (const std::string &v : row.inputs)
      joined += (joined.empty() ? "" : ",") + v;
    predict.push_back("--input");
    predict.push_back(joined);
  }
  r = runDlc(predict, dir.path);
  ASSERT_EQ(r.exitCode, 0) << r.describe();

  // `[0, 1] -> [0.97629]`
  const std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), rows.size()) << r.out;
  const std::regex line(R"(\[(.*)\] -> \[([-+0-9.eE]+)\])");
  for (size_t i = 0; i < rows.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(out[i], m, line)) << out[i];
    std::string inputs;
    for (const std::string &v : rows[i].inputs)
      inputs += (inputs.empty() ? "" : ", ") + v;
    EXPECT_EQ(m[1].str(), inputs);
    const double predicted = std::stod(m[2].str());
    EXPECT_NEAR(predicted, rows[i].target, 0.1) << gate << ": " << out[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, LogicGate,
                         ::testing::Values("or", "and", "not", "xor"),
                         [](const ::testing::TestParamInfo<std::string> &i) {
                           return i.param;
                         });

} // namespace
