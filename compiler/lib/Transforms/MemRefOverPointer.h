//===- MemRefOverPointer.h - memrefs built from plain pointers --*- C++ -*-===//
//
// The C entry points (net-export-c-abi) and the workspace buffers
// (dlc-plan-workspace) are memrefs over pointers, built the same way.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TRANSFORMS_MEMREFOVERPOINTER_H
#define DLC_TRANSFORMS_MEMREFOVERPOINTER_H

#include "mlir/IR/Builders.h"

namespace dlc {

/// A dense row-major memref of `type` over `ptr` (an !llvm.ptr), built
/// with LLVM dialect ops and an unrealized cast back to `type` that the
/// LLVM lowering folds away. `dynamicSize(i)` gives the size (an i64) of
/// dynamic dimension `i`.
mlir::Value
memrefOverPointer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ptr,
                  mlir::MemRefType type,
                  llvm::function_ref<mlir::Value(int64_t)> dynamicSize);

} // namespace dlc

#endif // DLC_TRANSFORMS_MEMREFOVERPOINTER_H
