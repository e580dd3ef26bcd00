//===- Codegen.h - Object code, shared libraries and headers ----*- C++ -*-===//

#ifndef DLC_CODEGEN_H
#define DLC_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace dlc {

/// Translates a module in the LLVM dialect to LLVM IR for `cpu` ("" or
/// "native": the host) and optimizes it at -O2 (kernels are already
/// vectorized; -O3 adds compile time, not speed).
llvm::Expected<std::unique_ptr<llvm::Module>>
translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                     llvm::StringRef cpu);

/// Emits a relocatable object for the host target.
llvm::Error emitObject(llvm::Module &module, llvm::StringRef cpu,
                       llvm::StringRef path);

/// The variant of dlc's kernel library for `cpu` ("" or "native": the
/// host): "avx512" (AVX-512 F/VL/DQ/BW), "avx2" (AVX2 + FMA) or "generic".
llvm::Expected<std::string> kernelVariant(llvm::StringRef cpu);

/// The path of libdlc_kernels_<variant>.a: in $DLC_KERNELS_DIR when set,
/// else next to the running dlc (../lib), else in the build tree.
llvm::Expected<std::string> findKernelLibrary(llvm::StringRef variant,
                                              const char *argv0);

/// The path of libdlc_cuda_rt.a (runtime/cuda), searched like the kernel
/// library.
llvm::Expected<std::string> findCudaRuntimeLibrary(const char *argv0);

/// The linker arguments of a CUDA model library: cuDNN and cuBLAS from
/// `toolkit`/lib64 (also its run path) and the C++ runtime; not libcuda.
std::vector<std::string> cudaLinkArguments(llvm::StringRef toolkit);

/// Links an object and static libraries into a shared library with the
/// system's LLVM linker. The result depends on libc (and libm) only, plus
/// `libraries` (linker arguments such as -lNAME).
llvm::Error linkSharedLibrary(llvm::StringRef object, llvm::StringRef output,
                              llvm::ArrayRef<std::string> archives = {},
                              llvm::ArrayRef<std::string> libraries = {});

/// The C header of the models described in `module` (after
/// net-build-entry-points).
std::string generateHeader(mlir::ModuleOp module, llvm::StringRef source);

} // namespace dlc

#endif // DLC_CODEGEN_H
