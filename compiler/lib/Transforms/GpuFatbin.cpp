//===- GpuFatbin.cpp - dlc-gpu-fatbin -------------------------------------===//
//
// gpu-module-to-binary makes one object per target of a gpu.module, and the
// offloading translation embeds one object per gpu.binary. This pass turns
// the PTX objects of all targets into one fatbin, with the toolkit's ptxas
// and fatbinary, so a library runs on every chip it was compiled for.
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipeline.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPUFATBIN
#define GEN_PASS_DEF_DLCGPUKERNELNAMES
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Temporary files, removed when it goes out of scope.
struct TempFiles {
  SmallVector<std::string> paths;
  ~TempFiles() {
    for (const std::string &p : paths)
      llvm::sys::fs::remove(p);
  }
  FailureOr<std::string> create(StringRef suffix) {
    SmallString<128> path;
    if (llvm::sys::fs::createTemporaryFile("dlc-gpu", suffix, path))
      return failure();
    paths.push_back(path.str().str());
    return paths.back();
  }
};

/// Runs `program args...`; on failure, the message holds its output.
LogicalResult run(StringRef program, ArrayRef<std::string> args,
                  TempFiles &temps, std::string &message) {
  FailureOr<std::string> log = temps.create("log");
  if (failed(log)) {
    message = "cannot create a temporary file";
    return failure();
  }
  SmallVector<StringRef> argv{program};
  for (const std::string &a : args)
    argv.push_back(a);
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(*log),
                                          StringRef(*log)};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, redirects,
                                     0, 0, &error);
  if (rc == 0)
    return success();
  message = llvm::sys::path::filename(program).str() + " failed";
  if (!error.empty())
    message += ": " + error;
  if (auto out = llvm::MemoryBuffer::getFile(*log))
    message += ": " + StringRef((*out)->getBuffer()).trim().str();
  return failure();
}

LogicalResult writeFile(StringRef path, StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return failure();
  os << data;
  return success();
}

/// `name` with every character PTX does not allow in an identifier
/// replaced by '_'.
std::string ptxIdentifier(StringRef name) {
  std::string id = name.str();
  for (char &c : id)
    if (!llvm::isAlnum(c) && c != '_' && c != '$')
      c = '_';
  return id;
}

struct DlcGpuKernelNamesPass
    : public dlc::impl::DlcGpuKernelNamesBase<DlcGpuKernelNamesPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    MLIRContext *ctx = &getContext();
    auto modules = llvm::to_vector(top.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    for (gpu::GPUModuleOp module : modules)
      for (Operation &op : module.getBody()->without_terminator())
        if (!isa<gpu::GPUFuncOp>(op)) {
          module.emitOpError("holds '")
              << op.getName() << "' besides kernels; it cannot be merged";
          return signalPassFailure();
        }
    // The new module, named apart from the host's symbols.
    SymbolTable symbols(top);
    OpBuilder b(modules.front());
    auto merged = b.create<gpu::GPUModuleOp>(top.getLoc(), "dlc_kernels");
    symbols.insert(merged);
    SymbolTable kernels(merged);
    // (old module, old kernel) -> kernel in the merged module.
    llvm::StringMap<SymbolRefAttr> moved;
    for (gpu::GPUModuleOp module : modules) {
      auto fns = llvm::to_vector(module.getBody()->getOps<gpu::GPUFuncOp>());
      for (gpu::GPUFuncOp fn : fns) {
        std::string key = (module.getName() + "::" + fn.getName()).str();
        // A kernel is named after its outlined module (unique among the
        // host's symbols), in characters PTX accepts.
        std::string name = ptxIdentifier(module.getName());
        if (fns.size() > 1)
          name += "_" + ptxIdentifier(fn.getName());
        std::string unique = name;
        for (int i = 0; kernels.lookup(unique); ++i)
          unique = name + "_" + std::to_string(i);
        fn.setName(unique);
        fn->moveBefore(merged.getBody()->getTerminator());
        kernels.insert(fn);
        moved[key] = SymbolRefAttr::get(
            ctx, merged.getName(), {FlatSymbolRefAttr::get(ctx, fn.getName())});
      }
      module.erase();
    }
    top.walk([&](gpu::LaunchFuncOp launch) {
      std::string key = (launch.getKernelModuleName().getValue() + "::" +
                         launch.getKernelName().getValue())
                            .str();
      if (SymbolRefAttr ref = moved.lookup(key))
        launch.setKernelAttr(ref);
    });
  }
};

struct DlcGpuFatbinPass : public dlc::impl::DlcGpuFatbinBase<DlcGpuFatbinPass> {
  using DlcGpuFatbinBase::DlcGpuFatbinBase;

  void runOnOperation() override {
    std::string root = toolkit.empty() ? dlc::cudaToolkitPath() : toolkit;
    auto walk = getOperation().walk([&](gpu::BinaryOp binary) {
      if (failed(combine(binary, root)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }

  LogicalResult combine(gpu::BinaryOp binary, StringRef root) {
    SmallVector<gpu::ObjectAttr> objects;
    for (Attribute a : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(a);
      if (!object || !isa<NVVM::NVVMTargetAttr>(object.getTarget()) ||
          object.getFormat() != gpu::CompilationTarget::Assembly)
        return binary.emitOpError(
            "holds an object that is not NVVM assembly (PTX)");
      StringRef chip = cast<NVVM::NVVMTargetAttr>(object.getTarget()).getChip();
      if (!chip.starts_with("sm_"))
        return binary.emitOpError("targets '") << chip << "', not an sm_ chip";
      objects.push_back(object);
    }
    auto tool = [&](StringRef name) {
      SmallString<128> path(root);
      llvm::sys::path::append(path, "bin", name);
      return path.str().str();
    };
    std::string ptxas = tool("ptxas"), fatbinary = tool("fatbinary");
    for (const std::string &t : {ptxas, fatbinary})
      if (!llvm::sys::fs::can_execute(t))
        return binary.emitOpError("needs the CUDA toolkit: cannot find '")
               << t << "' (set CUDA_HOME)";

    TempFiles temps;
    std::string message;
    FailureOr<std::string> out = temps.create("fatbin");
    if (failed(out))
      return binary.emitOpError("cannot create a temporary file");
    SmallVector<std::string> images{"--64", "--create=" + *out};
    for (gpu::ObjectAttr object : objects) {
      auto target = cast<NVVM::NVVMTargetAttr>(object.getTarget());
      StringRef chip = target.getChip();
      StringRef sm = chip.drop_front(3);
      FailureOr<std::string> ptx = temps.create("ptx");
      FailureOr<std::string> cubin = temps.create("cubin");
      // The PTX ends with the NUL that JIT compilation wants; ptxas does
      // not accept it.
      StringRef text = object.getObject().getValue().rtrim('\0');
      if (failed(ptx) || failed(cubin) || failed(writeFile(*ptx, text)))
        return binary.emitOpError("cannot write a temporary file");
      std::string opt = "-O" + std::to_string(std::min(target.getO(), 3));
      if (failed(run(ptxas, {"-arch=" + chip.str(), opt, *ptx, "-o", *cubin},
                     temps, message)))
        return binary.emitOpError("for ") << chip << ": " << message;
      images.push_back("--image3=kind=elf,sm=" + sm.str() + ",file=" + *cubin);
      images.push_back("--image3=kind=ptx,sm=" + sm.str() + ",file=" + *ptx);
    }
    if (failed(run(fatbinary, images, temps, message)))
      return binary.emitOpError() << message;
    auto data = llvm::MemoryBuffer::getFile(*out, /*IsText=*/false);
    if (!data)
      return binary.emitOpError("cannot read the fatbin");
    MLIRContext *ctx = &getContext();
    auto fatbin = gpu::ObjectAttr::get(
        ctx, objects.front().getTarget(), gpu::CompilationTarget::Fatbin,
        StringAttr::get(ctx, (*data)->getBuffer()), nullptr);
    binary.setObjectsAttr(ArrayAttr::get(ctx, {fatbin}));
    return success();
  }
};

} // namespace
