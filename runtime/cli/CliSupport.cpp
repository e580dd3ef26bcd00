//===- CliSupport.cpp - Option parsing and diagnostics for the CLI --------===//

#include <malloc.h>
#include "CliSupport.h"

#include <charconv>
#include <cstdio>
#include <filesystem>

using namespace dlc::cli;

int dlc::cli::fail(const std::string &message) {
  std::fflush(stdout); // keep stdout and stderr in order on a terminal
  std::fprintf(stderr, "dlc: error: %s\n", message.c_str());
  return 1;
}

int dlc::cli::failWithLastError() { return fail(dlc_last_error()); }

int dlc::cli::parseModelCommand(int argc, char **argv,
                                std::vector<Args::Spec> specs,
                                const char *usage, const char *help,
                                const char *command, Args &args) {
  specs.push_back({"help", false});
  std::string error;
  if (!args.parse(argc, argv, specs, error))
    return usageError(error, usage, command);
  if (args.has("help")) {
    std::printf("%s\n\n%s", usage, help);
    return 0;
  }
  if (args.positional.size() != 1)
    return usageError(args.positional.empty()
                          ? "no model library given"
                          : "unexpected argument '" + args.positional[1] + "'",
                      usage, command);
  return -1;
}

ModelPtr dlc::cli::openCommandModel(const Args &args) {
  dlc_model *model = nullptr;
  const std::string name = args.get("model", "");
  if (dlc_model_open_named(args.positional[0].c_str(),
                           name.empty() ? nullptr : name.c_str(),
                           &model) != DLC_OK)
    return nullptr;
  return ModelPtr(model);
}

std::optional<int> dlc::cli::parseThreads(const Args &args, const char *usage,
                                          const char *command,
                                          int64_t &threads) {
  if (parseInt(args.get("threads", "0"), 0, 1024, threads))
    return std::nullopt;
  return usageError("--threads expects an integer >= 0 (0: all CPUs), got '" +
                        args.get("threads", "") + "'",
                    usage, command);
}

dlc_status dlc::cli::loadCheckpointOrNewest(dlc_trainer *trainer,
                                            const std::string &path,
                                            std::string &loaded) {
  std::error_code ec;
  loaded = path;
  if (!std::filesystem::is_directory(path, ec))
    return dlc_trainer_load(trainer, path.c_str());
  char newest[4096] = "";
  dlc_status status = dlc_trainer_load_latest(
      trainer, path.c_str(),
      [](const char *message, void *) {
        std::fflush(stdout);
        std::fprintf(stderr, "dlc: warning: %s\n", message);
      },
      nullptr, newest, sizeof newest);
  loaded = newest;
  return status;
}

int dlc::cli::usageError(const std::string &message, const char *usage,
                         const char *command) {
  fail(message);
  std::fprintf(stderr, "%s\n(run 'dlc %s --help' for the options)\n", usage,
               command);
  return 2;
}

bool Args::parse(int argc, char **argv, const std::vector<Spec> &specs,
                 std::string &error) {
  bool optionsDone = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (optionsDone || arg.size() < 2 || arg.compare(0, 1, "-") != 0) {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      optionsDone = true;
      continue;
    }
    if (arg == "-h")
      arg = "--help";
    else if (arg == "-o") // the one short option: `dlc report DIR -o FILE`
      arg = "--output";
    if (arg.compare(0, 2, "--") != 0) {
      error = "unknown option '" + arg + "'";
      return false;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const Spec *spec = nullptr;
    for (const Spec &s : specs)
      if (name == s.name)
        spec = &s;
    if (!spec) {
      error = "unknown option '--" + name + "'";
      return false;
    }
    if (spec->takesValue && !inlineValue) {
      if (i + 1 >= argc) {
        error = "option '--" + name + "' needs a value";
        return false;
      }
      value = argv[++i];
    } else if (!spec->takesValue && inlineValue) {
      error = "option '--" + name + "' takes no value";
      return false;
    }
    if (!spec->repeatable && has(name)) {
      error = "option '--" + name + "' given twice";
      return false;
    }
    values.emplace_back(name, value);
  }
  return true;
}

bool Args::has(const std::string &name) const {
  for (const auto &[n, v] : values)
    if (n == name)
      return true;
  return false;
}

std::string Args::get(const std::string &name,
                      const std::string &fallback) const {
  std::string result = fallback;
  for (const auto &[n, v] : values)
    if (n == name)
      result = v;
  return result;
}

std::vector<std::string> Args::all(const std::string &name) const {
  std::vector<std::string> result;
  for (const auto &[n, v] : values)
    if (n == name)
      result.push_back(v);
  return result;
}

bool dlc::cli::parseInt(const std::string &text, int64_t min, int64_t max,
                        int64_t &out) {
  const char *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty() && out >= min &&
         out <= max;
}

bool dlc::cli::parseU64(const std::string &text, uint64_t &out) {
  const char *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

void dlc::cli::keepFreedMemory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
