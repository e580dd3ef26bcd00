//===- Codegen.cpp - Object code, shared libraries and headers ------------===//

#include "dlc/Codegen.h"
#include "dlc/Dialect/Net/NetOps.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace {
Expected<std::unique_ptr<TargetMachine>> createTargetMachine(StringRef cpu) {
  static bool initialized = [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  std::string triple = sys::getDefaultTargetTriple();
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(), error);
  std::string cpuName = cpu.empty() || cpu == "native" ? sys::getHostCPUName().str()
                                                      : cpu.str();
  std::string features;
  if (cpu.empty() || cpu == "native") {
    SubtargetFeatures f;
    for (auto &feature : sys::getHostCPUFeatures())
      f.AddFeature(feature.first(), feature.second);
    features = f.getString();
  }
  if (!cpu.empty() && cpu != "native") {
    // Asked of the generic subtarget: one made for an unknown CPU name
    // prints a warning of its own. The library is x86-64 code, so a
    // 32-bit-only CPU is refused too (LLVM would abort on it).
    std::unique_ptr<MCSubtargetInfo> generic(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!generic || !generic->isCPUStringValid(cpuName))
      return createStringError(inconvertibleErrorCode(),
                               "unknown CPU '" + cpuName + "'");
    std::unique_ptr<MCSubtargetInfo> sti(
        target->createMCSubtargetInfo(triple, cpuName, ""));
    if (!sti || !sti->checkFeatures("+64bit"))
      return createStringError(inconvertibleErrorCode(),
                               "CPU '" + cpuName +
                                   "' cannot run x86-64 code (a 32-bit CPU)");
  }
  TargetOptions options;
  options.UnsafeFPMath = false;
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      triple, cpuName, features, options, Reloc::PIC_, std::nullopt,
      CodeGenOptLevel::Aggressive));
  return tm;
}
} // namespace

Expected<std::unique_ptr<Module>>
dlc::translateAndOptimize(mlir::ModuleOp module, LLVMContext &ctx,
                          StringRef cpu) {
  std::unique_ptr<Module> llvmModule = mlir::translateModuleToLLVMIR(module, ctx);
  if (!llvmModule)
    return createStringError(inconvertibleErrorCode(),
                             "translation to LLVM IR failed");
  // --target cuda: the offloading translation embeds each gpu.binary's
  // fatbin as `<name>_bin_cst`; in section .nv_fatbin, as nvcc places
  // fatbins, CUDA's tools (cuobjdump) find it in the library.
  for (GlobalVariable &global : llvmModule->globals())
    if (global.getName().ends_with("_bin_cst")) {
      global.setSection(".nv_fatbin");
      global.setAlignment(Align(8));
    }
  auto tm = createTargetMachine(cpu);
  if (!tm)
    return tm.takeError();
  llvmModule->setTargetTriple((*tm)->getTargetTriple().str());
  llvmModule->setDataLayout((*tm)->createDataLayout());

  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder pb(tm->get());
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(OptimizationLevel::O2);
  mpm.run(*llvmModule, mam);
  return llvmModule;
}

Error dlc::emitObject(Module &module, StringRef cpu, StringRef path) {
  auto tm = createTargetMachine(cpu);
  if (!tm)
    return tm.takeError();
  std::error_code ec;
  ToolOutputFile out(path, ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '" + path + "': " + ec.message());
  legacy::PassManager pm;
  if ((*tm)->addPassesToEmitFile(pm, out.os(), nullptr,
                                 CodeGenFileType::ObjectFile))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit object files");
  pm.run(module);
  out.os().flush();
  if (std::error_code writeError = out.os().error()) {
    out.os().clear_error(); // else fatal when the stream is destroyed
    return createStringError(writeError, "cannot write '" + path +
                                             "': " + writeError.message());
  }
  out.keep();
  return Error::success();
}

Expected<std::string> dlc::kernelVariant(StringRef cpu) {
  StringMap<bool> features;
  if (cpu.empty() || cpu == "native") {
    features = sys::getHostCPUFeatures();
  } else {
    std::string error, triple = sys::getDefaultTargetTriple();
    const Target *target = TargetRegistry::lookupTarget(triple, error);
    if (!target)
      return createStringError(inconvertibleErrorCode(), error);
    std::unique_ptr<MCSubtargetInfo> info(
        target->createMCSubtargetInfo(triple, cpu, ""));
    if (!info || !info->isCPUStringValid(cpu))
      return createStringError(inconvertibleErrorCode(),
                               "unknown CPU '" + cpu + "'");
    for (const char *f : {"avx512f", "avx512vl", "avx512dq", "avx512bw",
                          "avx2", "fma"})
      features[f] = info->checkFeatures(std::string("+") + f);
  }
  auto has = [&](StringRef f) { return features.lookup(f); };
  if (has("avx512f") && has("avx512vl") && has("avx512dq") && has("avx512bw"))
    return std::string("avx512");
  if (has("avx2") && has("fma"))
    return std::string("avx2");
  return std::string("generic");
}

/// The path of archive `name`: in $DLC_KERNELS_DIR when set, else next to
/// the running dlc (../lib).
static std::optional<std::string> findArchive(StringRef name,
                                              const char *argv0) {
  SmallVector<std::string> dirs;
  if (const char *env = std::getenv("DLC_KERNELS_DIR"))
    dirs.push_back(env);
  static int anchor;
  std::string exe = sys::fs::getMainExecutable(argv0, &anchor);
  if (!exe.empty())
    dirs.push_back((sys::path::parent_path(sys::path::parent_path(exe)) +
                    "/lib").str());
#ifdef DLC_KERNELS_BUILD_DIR
  dirs.push_back(DLC_KERNELS_BUILD_DIR);
#endif
  for (const std::string &dir : dirs) {
    SmallString<256> path(dir);
    sys::path::append(path, name);
    if (sys::fs::exists(path))
      return path.str().str();
  }
  return std::nullopt;
}

Expected<std::string> dlc::findKernelLibrary(StringRef variant,
                                             const char *argv0) {
  std::string name = ("libdlc_kernels_" + variant + ".a").str();
  if (std::optional<std::string> path = findArchive(name, argv0))
    return *path;
  return createStringError(inconvertibleErrorCode(),
                           "cannot find the kernel library " + name +
                               " (set DLC_KERNELS_DIR)");
}

Expected<std::string> dlc::findCudaRuntimeLibrary(const char *argv0) {
  if (std::optional<std::string> path = findArchive("libdlc_cuda_rt.a", argv0))
    return *path;
  return createStringError(inconvertibleErrorCode(),
                           "cannot find the CUDA runtime library "
                           "libdlc_cuda_rt.a (set DLC_KERNELS_DIR)");
}

std::vector<std::string> dlc::cudaLinkArguments(StringRef toolkit) {
  std::string lib = (toolkit + "/lib64").str();
  // libcuda.so.1 is not linked: the runtime opens it on first use, so the
  // library loads on machines without a GPU.
  // The C++ runtime by its soname: Debian installs the libstdc++.so link
  // only under GCC's directory.
  return {"-L" + lib, "-rpath", lib, "-lcudnn", "-lcublas", "-lcublasLt",
          "-l:libstdc++.so.6", "-lm", "-ldl", "-lpthread"};
}

Error dlc::linkSharedLibrary(StringRef object, StringRef output,
                             ArrayRef<std::string> archives,
                             ArrayRef<std::string> libraries) {
  // Debian's lld-19 installs ld.lld-19; fall back to the system linker.
  ErrorOr<std::string> linker = sys::findProgramByName("ld.lld-19");
  if (!linker)
    linker = sys::findProgramByName("ld.lld", {"/usr/lib/llvm-19/bin"});
  if (!linker)
    linker = sys::findProgramByName("ld");
  if (!linker)
    return createStringError(inconvertibleErrorCode(),
                             "no linker found (install lld-19)");
  // The soname is the file name, so apps that link the library by path find
  // it through their rpath rather than by the build directory's path.
  std::string soname = sys::path::filename(output).str();
  // -Bsymbolic: the library's calls into its own kernels stay inside it
  // even when another model library exporting dlc_k_* is loaded globally.
  SmallVector<StringRef> args{*linker, "-shared", "--no-undefined", "-Bsymbolic",
                              "-soname", soname,
                              "-z", "noexecstack", "--as-needed",
                              "--eh-frame-hdr",
                              "-o", output, object};
  for (const std::string &archive : archives)
    args.push_back(archive);
  for (const std::string &library : libraries)
    args.push_back(library);
  args.append({"-L/usr/lib/x86_64-linux-gnu",
               "-L/lib/x86_64-linux-gnu", "-lm", "-lc"});
  // The linker's messages (a full disk: "LLVM ERROR: IO failure on output
  // stream") become part of dlc's one error line.
  SmallString<128> messages;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("dlc-link", "txt", messages))
    return createStringError(ec, "cannot create a temporary file: " +
                                     ec.message());
  std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt,
                                          StringRef(messages)};
  std::string error;
  int rc = sys::ExecuteAndWait(*linker, args, std::nullopt, redirects, 0, 0,
                               &error);
  std::string said;
  if (ErrorOr<std::unique_ptr<MemoryBuffer>> text =
          MemoryBuffer::getFile(messages))
    said = (*text)->getBuffer().trim().str();
  sys::fs::remove(messages);
  if (rc != 0) {
    StringRef first = StringRef(said).split('\n').first;
    return createStringError(
        inconvertibleErrorCode(),
        "linking '" + output + "' failed" +
            (!first.empty() ? ": " + first.str()
             : error.empty() ? ""
                             : ": " + error));
  }
  if (!said.empty())
    errs() << said << "\n"; // warnings
  return Error::success();
}

std::string dlc::generateHeader(mlir::ModuleOp module, StringRef source) {
  std::string text;
  raw_string_ostream os(text);
  os << "/* Generated by `dlc compile --emit-header` from " << source
     << ". Do not edit. */\n";
  for (auto desc : module.getOps<net::DescriptorOp>()) {
    std::string m = desc.getSymName().str();
    std::string guard = "DLC_MODEL_" + StringRef(m).upper() + "_H";
    std::string up = StringRef(m).upper();
    auto features = [](ArrayRef<int64_t> shape) {
      int64_t n = 1;
      for (int64_t d : shape.drop_front())
        n *= d;
      return n;
    };
    os << "#ifndef " << guard << "\n#define " << guard << "\n\n"
       << "#include <dlc/model_abi.h>\n\n"
       << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
       << "#define " << up << "_INPUT_FEATURES " << features(desc.getInputShape())
       << "\n#define " << up << "_OUTPUT_FEATURES "
       << features(desc.getOutputShape()) << "\n#define " << up
       << "_PARAM_FLOATS " << desc.getParamFloats() << "\n#define " << up
       << "_OPT_STATE_FLOATS " << desc.getOptStateFloats() << "\n\n"
       << "const dlc_model_desc *" << m << "_describe(void);\n"
       << "void " << m << "_init_params(float *params, uint64_t seed);\n"
       << "void " << m << "_forward(const float *params, const float *x, "
          "float *y, int64_t batch, void *workspace);\n"
       << "float " << m << "_gradient(const float *params, const float *x, "
          "const float *y, int64_t batch, float *grads, void *workspace);\n"
       << "float " << m << "_train_step(float *params, float *opt_state, "
          "const float *x, const float *y, int64_t batch, int64_t step, "
          "float *y_pred, void *workspace);\n"
       << "float " << m << "_eval_step(const float *params, const float *x, "
          "const float *y, int64_t batch, float *y_pred, void *workspace);\n";
    if (desc.getActivationsAttr())
      os << "void " << m << "_activations(const float *params, const float *x, "
            "int64_t batch, float *acts, void *workspace);\n";
    os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  }
  return os.str();
}
