//===- Codegen.h - Object code, shared libraries and headers ----*- C++ -*-===//

#ifndef DLC_CODEGEN_H
#define DLC_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

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

/// Links an object into a shared library with the system's LLVM linker.
llvm::Error linkSharedLibrary(llvm::StringRef object, llvm::StringRef output);

/// The C header of the models described in `module` (after
/// net-build-entry-points).
std::string generateHeader(mlir::ModuleOp module, llvm::StringRef source);

} // namespace dlc

#endif // DLC_CODEGEN_H
