//===- CsvTest.cpp - The CSV data loader and its diagnostics --------------===//

#include "TestSupport.h"

#include <clocale>
#include <cmath>
#include <cstdlib>

using namespace dlc::test;

namespace {

class CsvTest : public ::testing::Test {
protected:
  /// Loads `text` as data.csv with 2 inputs + 1 target (or as given).
  dlc_status load(const std::string &text, int64_t inW = 2, int64_t outW = 1,
                  unsigned flags = DLC_CSV_DEFAULT) {
    writeFile(path, text);
    dlc_dataset *d = nullptr;
    dlc_status s = dlc_dataset_load_csv(path.c_str(), inW, outW, flags, &d);
    data.reset(d);
    if (s != DLC_OK)
      EXPECT_EQ(d, nullptr);
    return s;
  }
  std::string error() const { return dlc_last_error(); }

  TempDir dir;
  std::string path = dir.file("data.csv");
  DatasetPtr data;
};

TEST_F(CsvTest, ReadsRowsSkippingCommentsBlankLinesAndHeader) {
  ASSERT_EQ(load("# OR gate\n"
                 "\n"
                 "x1, x2, y\n"
                 "0,0,0\r\n"
                 "   # indented comment\n"
                 " 0 , 1 ,1\n"
                 "\t\n"
                 "+1,0,1e0\n"
                 "1,-0.5,1e-50"), // last line without newline; underflow is 0
            DLC_OK)
      << error();
  ASSERT_EQ(dlc_dataset_size(data.get()), 4);
  EXPECT_EQ(dlc_dataset_input_width(data.get()), 2);
  EXPECT_EQ(dlc_dataset_target_width(data.get()), 1);
  const float *x = dlc_dataset_x(data.get()), *y = dlc_dataset_y(data.get());
  EXPECT_EQ(std::vector<float>(x, x + 8),
            (std::vector<float>{0, 0, 0, 1, 1, 0, 1, -0.5f}));
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{0, 1, 1, 0}));
}

TEST_F(CsvTest, OnlyTheFirstLineCanBeAHeader) {
  EXPECT_EQ(load("0,0,0\nx1,x2,y\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2:1: 'x1' is not a number");
}

TEST_F(CsvTest, AFirstLineWithSomeNumbersIsData) {
  EXPECT_EQ(load("0,abc,1\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:3: 'abc' is not a number");
}

TEST_F(CsvTest, MissingFile) {
  dlc_dataset *d = nullptr;
  std::string missing = dir.file("or.csv");
  EXPECT_EQ(dlc_dataset_load_csv(missing.c_str(), 2, 1, 0, &d), DLC_ERR_IO);
  EXPECT_EQ(error(), missing + ": cannot open: No such file or directory");
}

TEST_F(CsvTest, WrongColumnCount) {
  EXPECT_EQ(load("0,0,0\n0,1,1\n1,0,1,7\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(),
            path + ":3: expected 3 columns (2 inputs + 1 target), found 4");
  EXPECT_EQ(load("1,2\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(),
            path + ":1: expected 3 columns (2 inputs + 1 target), found 2");
}

TEST_F(CsvTest, ColumnCountMessageUsesSingularAndPlural) {
  EXPECT_EQ(load("1,2\n", 1, 2), DLC_ERR_FORMAT);
  EXPECT_EQ(error(),
            path + ":1: expected 3 columns (1 input + 2 targets), found 2");
}

TEST_F(CsvTest, NotANumberNamesLineAndColumn) {
  EXPECT_EQ(load("0,0,0\n0.5,abc,1\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2:5: 'abc' is not a number");
  EXPECT_EQ(load("1,2,3x\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:5: '3x' is not a number");
}

TEST_F(CsvTest, NulBytesAndLoneCarriageReturnsAreNamed) {
  EXPECT_EQ(load(std::string("0,0,0\n0,\0,1\n", 12)), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2:3: a NUL byte: not a text (CSV) file "
                            "(UTF-16 text? save it as UTF-8)");
  // Old Mac line ends: one line of 9 fields otherwise.
  EXPECT_EQ(load("0,0,0\r0,1,1\r1,0,1\r"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:6: a carriage return inside the line: lines "
                            "end with \\n or \\r\\n (\\r alone, the old "
                            "Mac line end, is not one)");
  // Windows line ends are lines; comments and a header are not checked.
  EXPECT_EQ(load("0,0,0\r\n0,1,1\r\n"), DLC_OK) << error();
  EXPECT_EQ(load("# made\r by hand\nx1,x2,y\r\r\n0,0,0\n"), DLC_OK)
      << error();
}

TEST_F(CsvTest, EmptyField) {
  EXPECT_EQ(load("0,0,0\n1,,1\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2:3: empty field, expected a number");
  EXPECT_EQ(load("0,0,0\n1,1,\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2:5: empty field, expected a number");
}

TEST_F(CsvTest, UnderflowReadsAsZeroOrSubnormal) {
  // Below float64's range too: still zero, with its sign.
  ASSERT_EQ(load("1e-400,-1e-400,1e-40\n"), DLC_OK) << error();
  const float *x = dlc_dataset_x(data.get());
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_FALSE(std::signbit(x[0]));
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_TRUE(std::signbit(x[1]));
  const float *y = dlc_dataset_y(data.get());
  EXPECT_EQ(y[0], 1e-40f);
  EXPECT_EQ(std::fpclassify(y[0]), FP_SUBNORMAL);
}

// A host application's locale with a decimal comma must not change what an
// underflowing value reads as (strtod would take "1.5e-400" as 1 there).
TEST_F(CsvTest, UnderflowReadsAsZeroInADecimalCommaLocale) {
  TempDir locales;
  const std::string cmd = "localedef -i de_DE -f UTF-8 " +
                          locales.file("de_DE.UTF-8") + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    GTEST_SKIP() << "cannot build the de_DE locale (localedef)";
  const char *old = std::getenv("LOCPATH");
  const std::string saved = old ? old : "";
  setenv("LOCPATH", locales.path.c_str(), 1);
  const bool set = std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr;
  dlc_status status = DLC_OK;
  if (set)
    status = load("1.5e-400,2.5e-400,1\n");
  std::setlocale(LC_NUMERIC, "C");
  if (old)
    setenv("LOCPATH", saved.c_str(), 1);
  else
    unsetenv("LOCPATH");
  if (!set)
    GTEST_SKIP() << "cannot switch to the de_DE locale";
  ASSERT_EQ(status, DLC_OK) << error();
  EXPECT_EQ(dlc_dataset_x(data.get())[0], 0.0f);
  EXPECT_EQ(dlc_dataset_x(data.get())[1], 0.0f);
}

TEST_F(CsvTest, OutOfRangeForFloat32) {
  EXPECT_EQ(load("0,1e39,0\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:3: '1e39' is out of range for float32");
  EXPECT_EQ(load("0,-1e999,0\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:3: '-1e999' is out of range for float32");
  EXPECT_EQ(load("0,3.5e38,0\n"), DLC_ERR_FORMAT); // above FLT_MAX, in float64
  EXPECT_EQ(error(), path + ":1:3: '3.5e38' is out of range for float32");
}

TEST_F(CsvTest, NonFiniteValuesAndDoubleSignsAreRefused) {
  EXPECT_EQ(load("0,0,0\n0,nan,1\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2:3: 'nan' is not a finite number");
  EXPECT_EQ(load("0,0,-Infinity\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:5: '-Infinity' is not a finite number");
  EXPECT_EQ(load("inf,0,0\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:1: 'inf' is not a finite number");
  EXPECT_EQ(load("0,+-1,0\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:3: '+-1' is not a number");
  EXPECT_EQ(load("0,+1,0\n"), DLC_OK) << error();
}

TEST_F(CsvTest, AByteOrderMarkIsSkipped) {
  EXPECT_EQ(load("\xEF\xBB\xBFx1,x2,y\n0,1,1\n"), DLC_OK) << error();
  EXPECT_EQ(load("\xEF\xBB\xBF" "0,1,1\n1,0,1\n"), DLC_OK) << error();
  EXPECT_EQ(load("\xEF\xBB\xBF" "0,z,1\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1:3: 'z' is not a number");
}

TEST_F(CsvTest, EmptyDataSet) {
  const std::string expected =
      path + ": empty data set: no data rows (expected rows of 3 columns (2 "
             "inputs + 1 target))";
  EXPECT_EQ(load(""), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), expected);
  EXPECT_EQ(load("# nothing\n\nx1,x2,y\n\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), expected);
}

TEST_F(CsvTest, TargetsOptionalForPrediction) {
  ASSERT_EQ(load("0,1\n1,1\n", 2, 1, DLC_CSV_TARGETS_OPTIONAL), DLC_OK);
  EXPECT_EQ(dlc_dataset_size(data.get()), 2);
  EXPECT_EQ(dlc_dataset_target_width(data.get()), 0);
  ASSERT_EQ(load("0,1,1\n1,1,1\n", 2, 1, DLC_CSV_TARGETS_OPTIONAL), DLC_OK);
  EXPECT_EQ(dlc_dataset_target_width(data.get()), 1);
  // The first data row decides; the others must follow it.
  EXPECT_EQ(load("0,1\n1,1,1\n", 2, 1, DLC_CSV_TARGETS_OPTIONAL),
            DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":2: expected 2 columns (2 inputs), found 3");
  EXPECT_EQ(load("0,1,1,1\n", 2, 1, DLC_CSV_TARGETS_OPTIONAL),
            DLC_ERR_FORMAT);
  EXPECT_EQ(error(), path + ":1: expected 2 columns (2 inputs) or 3 columns "
                            "(2 inputs + 1 target), found 4");
}

TEST_F(CsvTest, FromArraysCopies) {
  std::vector<float> x = {1, 2, 3, 4}, y = {5, 6};
  DatasetPtr d = makeData(x, y, 2, 1);
  x[0] = 99;
  EXPECT_EQ(dlc_dataset_size(d.get()), 2);
  EXPECT_EQ(dlc_dataset_x(d.get())[0], 1.0f);
  EXPECT_EQ(dlc_dataset_y(d.get())[1], 6.0f);
  dlc_dataset *bad = nullptr;
  EXPECT_EQ(dlc_dataset_from_arrays(nullptr, nullptr, 2, 2, 1, &bad),
            DLC_ERR_INVALID_ARGUMENT);
}

} // namespace
