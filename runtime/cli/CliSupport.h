//===- CliSupport.h - Option parsing and diagnostics for the CLI -*- C++ -*-===//

#ifndef DLC_CLI_CLISUPPORT_H
#define DLC_CLI_CLISUPPORT_H

#include "dlc/runtime.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dlc::cli {

/// Prints `dlc: error: <message>` to stderr; returns exit code 1.
int fail(const std::string &message);
/// fail() with dlc_last_error().
int failWithLastError();
/// Prints the error and the usage line to stderr; returns exit code 2.
int usageError(const std::string &message, const char *usage,
               const char *command);

/// `--name value`, `--name=value` and `--flag` options, `--` ends options.
class Args {
public:
  struct Spec {
    const char *name; // without the leading "--"
    bool takesValue;
    bool repeatable = false; // else given twice is an error, not last-wins
  };
  /// Parses argv[1..]; on failure returns false with `error` set.
  bool parse(int argc, char **argv, const std::vector<Spec> &specs,
             std::string &error);
  bool has(const std::string &name) const;
  /// The last value given for `name`, or `fallback`.
  std::string get(const std::string &name, const std::string &fallback) const;
  std::vector<std::string> all(const std::string &name) const;
  std::vector<std::string> positional;

private:
  std::vector<std::pair<std::string, std::string>> values;
};

/// Parses a `dlc train|predict|evaluate MODEL.so ...` command line: the
/// options of `specs` (and --help, which prints `usage` and `help`) and one
/// model library. Returns -1 to go on, else the exit code to return (0
/// after --help, 2 for a usage error).
int parseModelCommand(int argc, char **argv, std::vector<Args::Spec> specs,
                      const char *usage, const char *help, const char *command,
                      Args &args);

/// Loads a checkpoint file, or the newest good snapshot of a checkpoint
/// directory (dlc_trainer_load_latest; each one passed over is a
/// `dlc: warning:` on stderr). The file loaded goes to `loaded`.
dlc_status loadCheckpointOrNewest(dlc_trainer *trainer, const std::string &path,
                                  std::string &loaded);

/// Strict integer parsing: the whole text, within [min, max].
bool parseInt(const std::string &text, int64_t min, int64_t max,
              int64_t &out);
bool parseU64(const std::string &text, uint64_t &out);

/// Keeps freed memory in the process for reuse: a training step's large
/// temporaries would otherwise be mapped, zeroed and unmapped every step.
void keepFreedMemory();

struct ModelCloser {
  void operator()(dlc_model *m) const { dlc_model_close(m); }
};
struct DatasetFreer {
  void operator()(dlc_dataset *d) const { dlc_dataset_free(d); }
};
struct TrainerFreer {
  void operator()(dlc_trainer *t) const { dlc_trainer_free(t); }
};
using ModelPtr = std::unique_ptr<dlc_model, ModelCloser>;
using DatasetPtr = std::unique_ptr<dlc_dataset, DatasetFreer>;
using TrainerPtr = std::unique_ptr<dlc_trainer, TrainerFreer>;

/// The model library of a parsed model command (args.positional[0]), the
/// one named by --model in a multi-model library; null with
/// dlc_last_error() set on failure.
ModelPtr openCommandModel(const Args &args);
/// --threads N (0: all CPUs, the default) into `threads`; else the usage
/// error's exit code.
std::optional<int> parseThreads(const Args &args, const char *usage,
                                const char *command, int64_t &threads);


} // namespace dlc::cli

#endif // DLC_CLI_CLISUPPORT_H
