//===- E2ESupport.h - Helpers of the end-to-end tests -----------*- C++ -*-===//
//
// Running the real `dlc` binary as a subprocess, compiling .mlir files once
// per test process, calling a compiled model through its descriptor with
// checked buffers, and a double-precision reference of the fully connected
// networks the tests compile (forward pass and loss, with dlc's documented
// semantics) to check the compiled numbers against.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TEST_E2E_E2ESUPPORT_H
#define DLC_TEST_E2E_E2ESUPPORT_H

#include "dlc/runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#ifndef DLC_E2E_DLC
#error "DLC_E2E_DLC must name the dlc executable"
#endif

namespace dlc::e2e {

//===--------------------------- Files and paths --------------------------===//

/// test/e2e/Inputs/<name> and examples/<name> in the source tree.
std::string inputPath(const std::string &name);
std::string examplePath(const std::string &name);

/// A fresh directory, removed with its contents at scope exit.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  std::string file(const std::string &name) const { return path + "/" + name; }
  std::string path;
};

void writeFile(const std::string &path, const std::string &contents);
std::string readFile(const std::string &path);
std::vector<std::string> lines(const std::string &text);

//===----------------------------- Subprocesses ---------------------------===//

struct ProcResult {
  int exitCode = -1; // -1 when the process did not exit normally
  int signal = 0;    // the terminating signal, 0 when it exited
  bool coreDumped = false;
  std::string out, err;
  /// "exit 1" / "signal 11 (core dumped)", plus the captured stderr.
  std::string describe() const;
};

/// fork + execv of args[0] with stdout/stderr captured, in `cwd` when not
/// empty. The child gets SIGALRM after `timeoutSeconds` (a hang fails).
ProcResult runProcess(const std::vector<std::string> &args,
                      const std::string &cwd = "", unsigned timeoutSeconds = 240);
/// runProcess({dlc, args...}).
ProcResult runDlc(const std::vector<std::string> &args,
                  const std::string &cwd = "");

//===------------------------- Compiled model cache -----------------------===//

/// `dlc compile mlirPath -o <process cache dir>/<stem>.so`, once per
/// process and path. Returns "" (with a test failure) when compiling fails.
std::string compiledLibrary(const std::string &mlirPath);

/// The first model of compiledLibrary(mlirPath), opened with dlc_model_open
/// once per process (closed at exit). nullptr (with a failure) on error.
const dlc_model *loadModel(const std::string &mlirPath);

//===----------------------------- Model calls ----------------------------===//

/// Calls the entry points of a compiled model with fresh buffers, checking
/// that none writes past its workspace (dlc_workspace_bytes) or into its
/// const inputs, and that forward/gradient/eval leave the params alone.
class Net {
public:
  explicit Net(const dlc_model *model);
  const dlc_model_desc &desc() const { return *d; }
  int64_t inputWidth() const { return inW; }
  int64_t outputWidth() const { return outW; }
  int64_t paramFloats() const { return d->param_floats; }

  std::vector<float> initParams(uint64_t seed) const;
  std::vector<float> forward(const std::vector<float> &params,
                             const std::vector<float> &x, int64_t batch);
  /// Returns the loss; `grads` is resized and pre-filled with NaN, so every
  /// element must be written.
  float gradient(const std::vector<float> &params, const std::vector<float> &x,
                 const std::vector<float> &y, int64_t batch,
                 std::vector<float> &grads);
  float evalStep(const std::vector<float> &params, const std::vector<float> &x,
                 const std::vector<float> &y, int64_t batch,
                 std::vector<float> &yPred);
  float trainStep(std::vector<float> &params, std::vector<float> &optState,
                  const std::vector<float> &x, const std::vector<float> &y,
                  int64_t batch, int64_t step, std::vector<float> &yPred);

private:
  /// A workspace of the right size followed by guard bytes.
  void *workspace(int64_t batch);
  void checkGuard(const char *what);

  const dlc_model_desc *d;
  int64_t inW, outW;
  std::vector<unsigned char> ws;
  size_t wsBytes = 0;
};

//===----------------------- Double-precision reference -------------------===//

enum class Act { Linear, Sigmoid, Tanh, Relu, Softmax };
enum class Loss { MeanSquare, BinaryCE, CategoricalCE };

struct LayerSpec {
  int64_t units;
  Act act = Act::Linear;
  bool bias = true;
  double weightDecay = 0; // L2 factor, 0 when not regularized
};

/// What a test's .mlir declares: input width, the chain of fully connected
/// layers and the loss.
struct NetSpec {
  std::string file; // under test/e2e/Inputs
  int64_t inputs;
  std::vector<LayerSpec> layers;
  Loss loss;
};

/// gtest prints a parameterized test's NetSpec as its file name.
void PrintTo(const NetSpec &spec, std::ostream *os);

/// Checks that the descriptor has the spec's parameters (names, shapes,
/// layout, weight decay) and loss; failures are reported with `ADD_FAILURE`.
/// Returns true when they match.
bool matchesSpec(const NetSpec &spec, const dlc_model_desc &d);

struct Reference {
  double dataLoss = 0;       // the loss without the L2 term
  double loss = 0;           // with it
  double minReluMargin = 1e300; // smallest |pre-activation| of a relu unit
  double minProbMargin = 1e300; // smallest distance of a probability that
                                // goes through a log to the clamp bounds
  std::vector<double> y;     // the prediction
};

/// The forward pass and loss of `spec` in double, reading the float params
/// through the descriptor's layout.
Reference reference(const NetSpec &spec, const dlc_model_desc &d,
                    const std::vector<double> &params,
                    const std::vector<float> &x, const std::vector<float> &y,
                    int64_t batch);
Reference reference(const NetSpec &spec, const dlc_model_desc &d,
                    const std::vector<float> &params,
                    const std::vector<float> &x, const std::vector<float> &y,
                    int64_t batch);

/// The gradient of reference(...).loss, by central differences in double
/// (step 1e-6: accurate to ~1e-9 for these O(1) functions).
std::vector<double> referenceGradient(const NetSpec &spec,
                                      const dlc_model_desc &d,
                                      const std::vector<float> &params,
                                      const std::vector<float> &x,
                                      const std::vector<float> &y,
                                      int64_t batch);

//===------------------------------- Data ---------------------------------===//

/// splitmix64: a small deterministic generator for test data.
class Rng {
public:
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next();
  double uniform(double lo, double hi);

private:
  uint64_t s;
};

/// x in U(-1, 1); targets in the range the loss expects: U(-1, 1) for
/// mean_square (U(0, 1) after a sigmoid/softmax output), U(0, 1) for
/// binary_crossentropy, random distributions (rows summing to 1) for
/// categorical_crossentropy.
void randomData(const NetSpec &spec, int64_t batch, uint64_t seed,
                std::vector<float> &x, std::vector<float> &y);
/// Every parameter (biases too) in U(-scale, scale).
std::vector<float> randomParams(const dlc_model_desc &d, uint64_t seed,
                                double scale);

/// Rows [first, first + count) of a row-major matrix of `width` columns.
std::vector<float> rows(const std::vector<float> &m, int64_t width,
                        int64_t first, int64_t count);

} // namespace dlc::e2e

#endif // DLC_TEST_E2E_E2ESUPPORT_H
