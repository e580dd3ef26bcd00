//===- DerivedUses.h - The uses of a buffer and of what derives from it -*- C++ -*-===//
//
// Used where a pass must know every op that may touch a buffer it
// allocated: dlc-plan-workspace (a buffer's live range) and
// dlc-gpu-graph-step (where the loss is last written).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DERIVEDUSES_H
#define DLC_DERIVEDUSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/DenseSet.h"

namespace dlc {

/// How walkDerivedUses goes on after a use.
enum class UseWalk {
  Follow,     ///< and through the values the user derives from it
  DontFollow, ///< but not through the user's results
  Stop,       ///< no further: the walk fails
};

/// Calls `visit(use, value)` on each use of `root` and of the values
/// derived from it: the buffer, pointer and integer results of a user
/// (views, addresses; not the data a load reads) and, for a region
/// terminator that yields one (scf.if, scf.for), the results of the op
/// around it. Returns false when `visit` says Stop or a use lets the buffer
/// escape (a return, a store of it as a value); `visit` is not called on
/// those.
inline bool walkDerivedUses(
    mlir::Value root,
    llvm::function_ref<UseWalk(mlir::OpOperand &, mlir::Value)> visit) {
  llvm::SmallVector<mlir::Value> work{root};
  llvm::DenseSet<mlir::Value> seen;
  while (!work.empty()) {
    mlir::Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (mlir::OpOperand &use : v.getUses()) {
      mlir::Operation *user = use.getOwner();
      if (llvm::isa<mlir::func::ReturnOp>(user) ||
          (llvm::isa<mlir::memref::StoreOp, mlir::LLVM::StoreOp>(user) &&
           use.getOperandNumber() == 0))
        return false;
      switch (visit(use, v)) {
      case UseWalk::Stop:
        return false;
      case UseWalk::DontFollow:
        continue;
      case UseWalk::Follow:
        break;
      }
      if (llvm::isa<mlir::memref::LoadOp>(user))
        continue;
      mlir::ValueRange results = user->getResults();
      if (user->hasTrait<mlir::OpTrait::IsTerminator>() &&
          user->getParentOp())
        results = user->getParentOp()->getResults();
      for (mlir::Value result : results)
        if (llvm::isa<mlir::BaseMemRefType, mlir::LLVM::LLVMPointerType,
                      mlir::IndexType, mlir::IntegerType>(result.getType()))
          work.push_back(result);
    }
  }
  return true;
}

} // namespace dlc

#endif // DLC_DERIVEDUSES_H
