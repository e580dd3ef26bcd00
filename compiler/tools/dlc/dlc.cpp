//===- dlc.cpp - The dlc command line -------------------------------------===//
//
//   dlc compile NET.mlir -o NET.so [--emit=net|train|linalg|llvm|obj]
//               [--emit-header NET.h] [--cpu=native|NAME] [--target=cpu|cuda|cuda-host]
//   dlc train   NET.so --data FILE ...      (runtime/cli)
//   dlc predict NET.so --checkpoint FILE ... (runtime/cli)
//   dlc report  LOGDIR -o report.html        (runtime/cli)
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen.h"
#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Pipeline.h"

#include "../../../runtime/cli/dlc_cli.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "dlc/model_abi.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <string>

using namespace mlir;

namespace {
const char *kUsage =
    "usage: dlc compile NET.mlir [-o OUT] [--emit=net|train|linalg|llvm|obj|so]\n"
    "                   [--emit-header OUT.h] [--cpu=native|NAME]\n"
    "                   [--target=cpu|cuda|cuda-host|cuda-host-reverse]\n"
    "       dlc train NET.so --data FILE [options]   (dlc train --help)\n"
    "       dlc predict NET.so --checkpoint FILE|DIR --input X [...]\n"
    "       dlc evaluate NET.so --checkpoint FILE|DIR --data SPEC (dlc evaluate --help)\n"
    "       dlc report LOGDIR -o report.html                (dlc report --help)\n";

int error(const llvm::Twine &message) {
  llvm::errs() << "dlc: error: " << message << "\n";
  return 1;
}

int usage(const llvm::Twine &message) {
  llvm::errs() << "dlc: error: " << message << "\n" << kUsage;
  return 2;
}

struct CompileArgs {
  std::string input, output, emit = "so", header, cpu, target = "cpu";
};

/// `dlc --version`: dlc's, LLVM/MLIR's and the model ABI's versions.
int printVersion() {
  llvm::outs() << "dlc " DLC_VERSION " (LLVM/MLIR " LLVM_VERSION_STRING
                  ", model ABI "
               << DLC_ABI_VERSION << ")\n";
  return 0;
}

/// Parses `compile` arguments; returns 0 on success, else an exit code.
int parseCompileArgs(int argc, char **argv, CompileArgs &args) {
  llvm::StringSet<> given;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef a = argv[i];
    auto value = [&](llvm::StringRef name, std::string &out) -> int {
      if (a.consume_front(("--" + name + "=").str())) {
        out = a.str();
        return 1;
      }
      if (a == ("--" + name).str() || (name == "output" && a == "-o")) {
        if (i + 1 >= argc)
          return -1;
        out = argv[++i];
        return 1;
      }
      return 0;
    };
    int r = 0;
    const char *option = nullptr;
    for (auto [name, out] :
         {std::pair{"output", &args.output}, {"emit", &args.emit},
          {"emit-header", &args.header}, {"cpu", &args.cpu},
          {"target", &args.target}}) {
      r = value(name, *out);
      option = name;
      if (r)
        break;
    }
    if (r < 0)
      return usage("option '" + a + "' needs a value");
    if (r > 0 && !given.insert(option).second)
      return usage(llvm::Twine("option '--") + option + "' given twice");
    if (r > 0)
      continue;
    if (a == "--help" || a == "-h") {
      llvm::outs() << kUsage;
      return -1;
    }
    if (a == "--version") {
      printVersion();
      return -1;
    }
    if (a.starts_with("-"))
      return usage("unknown option '" + a + "'");
    if (!args.input.empty())
      return usage("more than one input file ('" + args.input + "', '" + a + "')");
    args.input = a.str();
  }
  if (args.input.empty())
    return usage("no input file");
  static const char *emits[] = {"net", "train", "linalg", "llvm", "obj", "so"};
  if (llvm::none_of(emits, [&](const char *e) { return args.emit == e; }))
    return usage("unknown --emit value '" + args.emit + "'");
  if (!dlc::parseTarget(args.target))
    return usage("unknown --target value '" + args.target + "'");
  if (args.output.empty())
    args.output = args.emit == "so" ? "a.so" : "-";
  return 0;
}

int writeText(llvm::StringRef path, llvm::function_ref<void(llvm::raw_ostream &)> fn) {
  std::string err;
  auto out = openOutputFile(path, &err);
  if (!out)
    return error(err);
  fn(out->os());
  // A failed write is reported here: left in the stream, it would be a
  // fatal "IO failure on output stream" when the stream is destroyed.
  out->os().flush();
  if (std::error_code ec = out->os().error()) {
    out->os().clear_error();
    return error(path + ": cannot write: " + ec.message());
  }
  out->keep();
  return 0;
}

/// The largest .mlir dlc compile reads (a network is a few kilobytes).
constexpr uint64_t kMaxInputBytes = uint64_t(256) << 20;

/// argv[0] of the process: the kernel library is found relative to it.
const char *argv0 = "dlc";

/// Whether the lowered module calls dlc's kernel library.
bool usesKernels(ModuleOp module) {
  for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
    if (fn.getSymName().starts_with("dlc_k_"))
      return true;
  return false;
}

/// MLIR's parser recurses once per nested region, list or type: thousands
/// of levels would overflow the stack. A network is a few levels deep.
constexpr int kMaxNesting = 256;

/// Where `text` first opens its (kMaxNesting + 1)-th nested '(', '[', '{'
/// or '<' (one after a name: `tensor<`, `affine_map<`), skipping strings
/// and comments; null when it never does.
const char *tooDeeplyNested(llvm::StringRef text) {
  int depth = 0;
  for (const char *p = text.begin(), *end = text.end(); p != end; ++p) {
    const char c = *p;
    if (c == '"') { // a string: to its closing quote
      for (++p; p != end && *p != '"'; ++p)
        if (*p == '\\' && p + 1 != end)
          ++p;
      if (p == end)
        break;
    } else if (c == '/' && p + 1 != end && p[1] == '/') {
      while (p + 1 != end && p[1] != '\n')
        ++p;
    } else if (c == '(' || c == '[' || c == '{' ||
               (c == '<' && p != text.begin() &&
                (llvm::isAlnum(p[-1]) || p[-1] == '_'))) {
      if (++depth > kMaxNesting)
        return p;
    } else if (c == ')' || c == ']' || c == '}' ||
               (c == '>' && (p == text.begin() || p[-1] != '-'))) {
      depth = std::max(depth - 1, 0);
    }
  }
  return nullptr;
}

/// A clearer message for the parser errors that numbers and shapes written
/// the way Python (TFLearn) writes them get from MLIR's syntax, given the
/// source text at the error; none for any other error.
std::optional<std::string> pythonismHint(llvm::StringRef message,
                                         llvm::StringRef at,
                                         llvm::StringRef before) {
  auto digits = [](llvm::StringRef s) {
    return s.take_while([](char c) { return llvm::isDigit(c); });
  };
  // "e-3" after a number: its exponent ("" when there is none).
  auto exponentOf = [&](llvm::StringRef s) -> llvm::StringRef {
    if (!s.starts_with_insensitive("e"))
      return "";
    size_t n = 1 + (s.size() > 1 && (s[1] == '-' || s[1] == '+'));
    llvm::StringRef d = digits(s.drop_front(n));
    return d.empty() ? "" : s.take_front(n + d.size());
  };
  // Where a number ends: not inside a longer token (1_000, 1x2, 1..0) nor
  // an expression (1/10, 3-1, 2*0.1), which MLIR does not compute.
  auto ends = [](llvm::StringRef rest) {
    if (!rest.empty() && (llvm::isAlnum(rest[0]) ||
                          llvm::StringRef("_.$(").contains(rest[0])))
      return false;
    rest = rest.ltrim(" \t");
    return rest.empty() || !llvm::StringRef("/*%+-").contains(rest[0]);
  };
  // A sign the parser read as a token of its own (`- 5` too).
  const llvm::StringRef trimmed = before.rtrim();
  const llvm::StringRef sign = trimmed.ends_with("-")   ? "-"
                               : trimmed.ends_with("+") ? "+"
                                                        : "";
  if (message.starts_with("unexpected decimal integer literal for a floating "
                          "point value")) {
    llvm::StringRef mantissa = digits(at), rest = at.drop_front(mantissa.size());
    if (mantissa.empty() || mantissa.size() != rest.data() - at.data())
      return std::nullopt;
    llvm::StringRef exponent = exponentOf(rest);
    if (!exponent.empty() && ends(rest.drop_front(exponent.size())))
      return ("expected a float: MLIR writes " + sign + mantissa + exponent +
              " as " + sign + mantissa + ".0e" +
              exponent.drop_front() + " (a '.' before the exponent)")
          .str();
    if (exponent.empty() && ends(rest))
      return ("expected a float: write " + sign + mantissa +
              ".0 (MLIR's floats have a '.')")
          .str();
    return std::nullopt;
  }
  // The lexer reports `.001` at the digit after the dot.
  if (message == "expected three consecutive dots for an ellipsis" &&
      before.ends_with(".") &&
      !(before.size() > 1 && (llvm::isDigit(before[before.size() - 2]) ||
                              before[before.size() - 2] == '.'))) {
    llvm::StringRef fraction = digits(at);
    llvm::StringRef exponent = exponentOf(at.drop_front(fraction.size()));
    llvm::StringRef signBefore = before.drop_back().ends_with("-")   ? "-"
                                 : before.drop_back().ends_with("+") ? "+"
                                                                     : "";
    if (!fraction.empty() &&
        ends(at.drop_front(fraction.size() + exponent.size())))
      return ("expected a float: write " + signBefore + "0." + fraction +
              exponent + " (a digit before the '.')")
          .str();
    return std::nullopt;
  }
  // Python's keyword arguments: `learning_rate=0.1`, `units = 3`.
  llvm::StringRef beforeEq = before.rtrim(" \t");
  if (at.starts_with("=") && !beforeEq.empty() &&
      (llvm::isAlnum(beforeEq.back()) || beforeEq.back() == '_')) {
    llvm::StringRef option =
        beforeEq.substr(beforeEq.find_last_of(" \t([{,") + 1);
    llvm::StringRef value = at.drop_front().ltrim(" \t");
    std::string written;
    if (value.starts_with("[")) { // a shape: through its bracket
      written = value.take_until([](char c) { return c == ']'; }).str() + "]";
      if (llvm::StringRef(written).contains("None"))
        written.clear(); // the None hint applies next; say less here
    } else {
      llvm::StringRef token = value.take_until([](char c) {
        return llvm::StringRef(" \t\r\n,;)}").contains(c);
      });
      // An expression (`1 / 10`, `1e-3*2`) is no value to suggest.
      const bool expression =
          !ends(value.drop_front(token.size())) ||
          token.find_first_of("/*%") != llvm::StringRef::npos;
      value = expression ? llvm::StringRef() : token;
      if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
          value.back() == value.front())
        value = value.drop_front().drop_back(); // 'relu' is relu
      written = value.str();
      // A float where one is expected, written as MLIR writes it.
      if (message.ends_with("expected floating point literal")) {
        llvm::StringRef v = value;
        llvm::StringRef whole = digits(v.starts_with("-") ? v.drop_front() : v);
        llvm::StringRef afterWhole =
            v.drop_front(whole.size() + (v.starts_with("-") ? 1 : 0));
        if (!whole.empty() && (afterWhole.empty() ||
                               !exponentOf(afterWhole).empty()))
          written = (v.take_front(v.size() - afterWhole.size()) + ".0" +
                     (afterWhole.empty() ? "" : "e" + exponentOf(afterWhole).drop_front()))
                        .str();
        else if (v.starts_with("."))
          written = "0" + v.str();
        else if (v.starts_with("-."))
          written = "-0" + v.drop_front().str();
      }
    }
    return ("options are written without '='" +
            (written.empty() ? std::string()
                             : ": " + option.str() + " " + written))
        ;
  }
  if (message.ends_with("expected integer value") && at.starts_with("None"))
    return std::string("a dimension of any size (TFLearn's None) is written "
                       "'?', as in shape [?, 28, 28, 1]");
  if (message.ends_with("invalid kind of attribute specified") &&
      at.starts_with("[")) {
    llvm::StringRef option = before.rtrim();
    option = option.substr(option.find_last_of(" \t") + 1);
    if (option == "size" || option == "strides")
      return ("expected one integer: " + option +
              " is the same in both dimensions (dlc's windows are square), "
              "e.g. " + option + " 3")
          .str();
  }
  // At the start of a line, '#' begins an attribute alias definition.
  // (`#word` is taken for an alias and reported after the word.)
  const bool hashLine = (at.starts_with("#") && before.trim().empty()) ||
                        before.ltrim().starts_with("#");
  if (hashLine &&
      (message == "invalid attribute name" ||
       message.starts_with("expected '=' in attribute alias definition")))
    return std::string("comments start with '//' in MLIR, not '#'");
  return std::nullopt;
}

int compileMain(int argc, char **argv) {
  CompileArgs args;
  if (int rc = parseCompileArgs(argc, argv, args))
    return rc < 0 ? 0 : rc;
  dlc::Target target = *dlc::parseTarget(args.target);
  std::string toolkit;
  if (target == dlc::Target::CUDA) {
#ifndef DLC_ENABLE_CUDA
    return error("dlc was built without CUDA support");
#endif
    toolkit = dlc::cudaToolkitPath();
    if (!llvm::sys::fs::can_execute(toolkit + "/bin/ptxas"))
      return error("cannot find the CUDA toolkit at '" + toolkit +
                   "' (no bin/ptxas; set CUDA_HOME)");
  }

  DialectRegistry registry;
  dlc::registerDialects(registry);
  MLIRContext context(registry);
  context.loadDialect<dlc::net::NetDialect>();
  // Errors point at the user's line; a dump of the op in generic form would
  // only repeat it less readably.
  context.printOpOnDiagnostic(false);

  // A network is a small text file: a device is refused, and reading stops
  // past kMaxInputBytes (a FIFO or a pipe has no size to check first).
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(args.input, status) &&
      (status.type() == llvm::sys::fs::file_type::character_file ||
       status.type() == llvm::sys::fs::file_type::block_file))
    return error(args.input + ": a device, not a file: dlc compile reads a "
                              "network written in the net dialect "
                              "(NET.mlir)");
  std::unique_ptr<llvm::MemoryBuffer> file;
  {
    llvm::Expected<llvm::sys::fs::file_t> fd =
        llvm::sys::fs::openNativeFileForRead(args.input);
    if (!fd)
      return error("cannot open input file '" + args.input +
                   "': " + llvm::toString(fd.takeError()));
    std::string text;
    char chunk[1 << 16];
    while (text.size() <= kMaxInputBytes) {
      llvm::Expected<size_t> got =
          llvm::sys::fs::readNativeFile(*fd, llvm::MutableArrayRef(chunk));
      if (!got) {
        llvm::sys::fs::closeFile(*fd);
        return error("cannot read '" + args.input +
                     "': " + llvm::toString(got.takeError()));
      }
      if (*got == 0)
        break;
      text.append(chunk, *got);
    }
    llvm::sys::fs::closeFile(*fd);
    if (text.size() > kMaxInputBytes)
      return error(args.input + ": more than " + llvm::Twine(kMaxInputBytes) +
                   " bytes: too large for a network description");
    file = llvm::MemoryBuffer::getMemBufferCopy(text, args.input);
  }
  // A UTF-8 byte order mark (some editors write one) is not MLIR text.
  if (file->getBuffer().starts_with("\xEF\xBB\xBF"))
    file = llvm::MemoryBuffer::getMemBufferCopy(
        file->getBuffer().drop_front(3), file->getBufferIdentifier());
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, llvm::errs());
  // Registered after the printer, so called before it: a parser error at a
  // Python-style number or shape is printed with a clearer message.
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    auto loc = dyn_cast<FileLineColLoc>(diag.getLocation());
    if (diag.getSeverity() != DiagnosticSeverity::Error || !loc)
      return failure();
    const unsigned id = sourceMgr.getMainFileID();
    llvm::SMLoc at = sourceMgr.FindLocForLineAndColumn(id, loc.getLine(),
                                                       loc.getColumn());
    if (!at.isValid())
      return failure();
    llvm::StringRef buffer = sourceMgr.getMemoryBuffer(id)->getBuffer();
    const size_t offset = at.getPointer() - buffer.data();
    llvm::StringRef line = buffer.substr(0, offset);
    line = line.substr(line.rfind('\n') + 1);
    std::optional<std::string> hint =
        pythonismHint(diag.str(), buffer.substr(offset), line);
    if (!hint)
      return failure();
    diagnostics.emitDiagnostic(loc, *hint, DiagnosticSeverity::Error);
    return success();
  });
  llvm::StringRef source =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
  // A binary file (a compiled model given by mistake) would be parsed and
  // its bytes echoed to the terminal in the error: say what it is instead.
  if (!source.starts_with("ML\xEFR") &&
      (source.starts_with("\x7F" "ELF") ||
       source.take_front(4096).contains('\0')))
    return error(args.input + ": not a text file" +
                 (source.starts_with("\x7F" "ELF")
                      ? " (an ELF file, such as a library dlc compile wrote)"
                      : "") +
                 ": dlc compile reads a network written in the net dialect "
                 "(NET.mlir)");
  // MLIR bytecode ("ML\xEFR") has no brackets to count.
  if (const char *deep =
          source.starts_with("ML\xEFR") ? nullptr : tooDeeplyNested(source)) {
    sourceMgr.PrintMessage(llvm::SMLoc::getFromPointer(deep),
                           llvm::SourceMgr::DK_Error,
                           "nested more than " + std::to_string(kMaxNesting) +
                               " levels deep");
    return 1;
  }
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;
  if (module->getOps<dlc::net::ModelOp>().empty())
    return error(args.input + ": no net.model in the file");
  // A layer whose output nothing takes is computed for nothing: most
  // likely a layer left out of the chain (TFLearn's layers are a chain).
  for (dlc::net::ModelOp model : module->getOps<dlc::net::ModelOp>())
    for (Operation &op : model.getBlock())
      if (op.getNumResults() > 0 && op.use_empty())
        op.emitWarning("the output of this layer is not used by any later "
                       "layer nor by net.regression: it takes no part in "
                       "the model");

  dlc::Phase phase = args.emit == "net"      ? dlc::Phase::Net
                     : args.emit == "train"  ? dlc::Phase::Train
                     : args.emit == "linalg" ? dlc::Phase::Linalg
                                             : dlc::Phase::LLVM;
  // The header needs the descriptors: stop after `train` once for it.
  PassManager pm(&context);
  dlc::buildPipeline(pm, phase == dlc::Phase::LLVM ? dlc::Phase::Train : phase,
                     std::nullopt, target);
  if (failed(pm.run(*module)))
    return 1;
  if (!args.header.empty())
    if (int rc = writeText(args.header, [&](llvm::raw_ostream &os) {
          os << dlc::generateHeader(*module, llvm::sys::path::filename(args.input));
        }))
      return rc;
  if (phase != dlc::Phase::LLVM)
    return writeText(args.output, [&](llvm::raw_ostream &os) { module->print(os); });

  PassManager lower(&context);
  // The input was verified when parsed and after the net-level phases; the
  // lowering passes are checked by dlc-opt's tests, so skip the verifier
  // after each of them (a tenth of the compile time).
  lower.enableVerifier(false);
  dlc::buildPipeline(lower, dlc::Phase::LLVM, dlc::Phase::Train, target);
  if (failed(lower.run(*module)))
    return 1;

  llvm::LLVMContext llvmContext;
  auto llvmModule = dlc::translateAndOptimize(*module, llvmContext, args.cpu);
  if (!llvmModule)
    return error(llvm::toString(llvmModule.takeError()));
  if (args.emit == "llvm")
    return writeText(args.output, [&](llvm::raw_ostream &os) { (*llvmModule)->print(os, nullptr); });

  std::string objPath = args.output;
  llvm::SmallString<128> tmpObj;
  if (args.emit == "so") {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("dlc", "o", tmpObj))
      return error("cannot create a temporary file: " + ec.message());
    objPath = tmpObj.str().str();
  }
  if (llvm::Error e = dlc::emitObject(**llvmModule, args.cpu, objPath))
    return error(llvm::toString(std::move(e)));
  if (args.emit == "obj")
    return 0;
  std::vector<std::string> archives, libraries;
  if (target == dlc::Target::CUDA) {
    llvm::Expected<std::string> runtime = dlc::findCudaRuntimeLibrary(argv0);
    if (!runtime) {
      llvm::sys::fs::remove(objPath);
      return error(llvm::toString(runtime.takeError()));
    }
    archives.push_back(*runtime);
    libraries = dlc::cudaLinkArguments(toolkit);
  } else if (usesKernels(*module)) {
    llvm::Expected<std::string> variant = dlc::kernelVariant(args.cpu);
    if (!variant)
      return error(llvm::toString(variant.takeError()));
    llvm::Expected<std::string> kernels =
        dlc::findKernelLibrary(*variant, argv0);
    if (!kernels)
      return error(llvm::toString(kernels.takeError()));
    archives.push_back(*kernels);
  }
  llvm::Error linked =
      dlc::linkSharedLibrary(objPath, args.output, archives, libraries);
  llvm::sys::fs::remove(objPath);
  if (linked)
    return error(llvm::toString(std::move(linked)));
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  argv0 = argv[0];
  if (argc < 2)
    return usage("no command");
  llvm::StringRef cmd = argv[1];
  if (cmd == "compile")
    return compileMain(argc - 1, argv + 1);
  if (cmd == "train")
    return dlcTrainMain(argc - 1, argv + 1);
  if (cmd == "predict")
    return dlcPredictMain(argc - 1, argv + 1);
  if (cmd == "report")
    return dlcReportMain(argc - 1, argv + 1);
  if (cmd == "evaluate")
    return dlcEvaluateMain(argc - 1, argv + 1);
  if (cmd == "--version" || cmd == "version")
    return printVersion();
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    llvm::outs() << kUsage;
    return 0;
  }
  return usage("unknown command '" + cmd + "'");
}
