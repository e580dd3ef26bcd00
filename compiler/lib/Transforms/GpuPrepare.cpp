//===- GpuPrepare.cpp - dlc-set-target and dlc-gpu-prepare ----------------===//
//
// The first steps of the CUDA lowering (docs/cuda.md): the module records
// its target, and bufferized host code is made ready for its loops to move
// to the GPU.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace dlc {
#define GEN_PASS_DEF_DLCSETTARGET
#define GEN_PASS_DEF_DLCGPUPREPARE
#define GEN_PASS_DEF_DLCGPUSYNCHOSTACCESS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

struct DlcSetTargetPass : public dlc::impl::DlcSetTargetBase<DlcSetTargetPass> {
  using DlcSetTargetBase::DlcSetTargetBase;
  void runOnOperation() override {
    if (target != "cpu" && target != "cuda" && target != "cuda-host") {
      getOperation().emitError("unknown target '") << target << "'";
      return signalPassFailure();
    }
    getOperation()->setAttr("dlc.target",
                            StringAttr::get(&getContext(), target));
  }
};

/// The function every exported function calls before it returns.
constexpr StringLiteral kSynchronize = "dlc_cuda_synchronize";

/// Declares dlc_cuda_synchronize() in `module` when it is not there.
void declareSynchronize(RewriterBase &rewriter, ModuleOp module) {
  if (module.lookupSymbol(kSynchronize))
    return;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(module.getBody());
  auto decl = rewriter.create<func::FuncOp>(
      module.getLoc(), kSynchronize,
      rewriter.getFunctionType({}, {rewriter.getI32Type()}));
  decl.setPrivate();
}

/// memref.alloca -> memref.alloc: kernels cannot reach the host's stack.
/// The deallocation pipeline, which runs next, frees the buffer.
void allocaToAlloc(RewriterBase &rewriter, func::FuncOp fn) {
  SmallVector<memref::AllocaOp> allocas;
  fn.walk([&](memref::AllocaOp op) { allocas.push_back(op); });
  for (memref::AllocaOp op : allocas) {
    rewriter.setInsertionPoint(op);
    rewriter.replaceOpWithNewOp<memref::AllocOp>(
        op, op.getType(), op.getDynamicSizes(), op.getSymbolOperands(),
        op.getAlignmentAttr());
  }
}

/// Replaces each memref.get_global by a copy of the global in a new
/// buffer: host constants are not visible to kernels.
LogicalResult copyGlobals(RewriterBase &rewriter, func::FuncOp fn) {
  SmallVector<memref::GetGlobalOp> globals;
  fn.walk([&](memref::GetGlobalOp op) { globals.push_back(op); });
  for (memref::GetGlobalOp op : globals) {
    MemRefType type = op.getType();
    if (!type.getLayout().isIdentity() || !type.hasStaticShape())
      return op.emitOpError(
          "reads a global that is not a dense static buffer; it cannot be "
          "copied to the device");
    rewriter.setInsertionPointAfter(op);
    auto alloc = rewriter.create<memref::AllocOp>(
        op.getLoc(), MemRefType::get(type.getShape(), type.getElementType()));
    // A host copy (memcpy): the new buffer is managed memory.
    auto copy =
        rewriter.create<memref::CopyOp>(op.getLoc(), op.getResult(), alloc);
    rewriter.replaceAllUsesExcept(op.getResult(), alloc.getResult(), copy);
  }
  return success();
}

/// Generalizes named linalg ops and puts the parallel loops of every
/// linalg.generic first, keeping the order within each kind. (A named op
/// without a generic form keeps its loop order.)
void parallelLoopsFirst(RewriterBase &rewriter, func::FuncOp fn) {
  SmallVector<linalg::LinalgOp> ops;
  fn.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
  for (linalg::LinalgOp op : ops) {
    rewriter.setInsertionPoint(op);
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic) {
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
      if (failed(g))
        continue;
      generic = *g;
    }
    SmallVector<unsigned> order;
    for (auto [i, it] : llvm::enumerate(generic.getIteratorTypesArray()))
      if (it == utils::IteratorType::parallel)
        order.push_back(i);
    for (auto [i, it] : llvm::enumerate(generic.getIteratorTypesArray()))
      if (it != utils::IteratorType::parallel)
        order.push_back(i);
    if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
      continue;
    // A permutation of the loops, hence valid: this cannot fail.
    (void)linalg::interchangeGenericOp(rewriter, generic, order);
  }
}

/// Public functions with a body call dlc_cuda_synchronize() before each
/// return: the device work they started is done when they return.
void synchronizeExports(RewriterBase &rewriter, ModuleOp module) {
  SmallVector<func::FuncOp> exports;
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal())
      exports.push_back(fn);
  if (exports.empty())
    return;
  declareSynchronize(rewriter, module);
  for (func::FuncOp fn : exports)
    fn.walk([&](func::ReturnOp ret) {
      rewriter.setInsertionPoint(ret);
      // The result (0, or -1 after an error) is left to the caller, who
      // checks dlc_cuda_last_error().
      rewriter.create<func::CallOp>(ret.getLoc(), kSynchronize,
                                    TypeRange{rewriter.getI32Type()},
                                    ValueRange{});
    });
}

struct DlcGpuSyncHostAccessPass
    : public dlc::impl::DlcGpuSyncHostAccessBase<DlcGpuSyncHostAccessPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>()))
      for (Block &block : fn.getBody())
        syncBlock(rewriter, module, block);
  }

  /// Device work may be pending at the start of a block (a loop body, a
  /// branch) and after any launch or call; a sync clears it.
  void syncBlock(RewriterBase &rewriter, ModuleOp module, Block &block) {
    bool pending = true;
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto call = dyn_cast<func::CallOp>(op)) {
        pending = call.getCallee() != kSynchronize;
        continue;
      }
      if (isa<gpu::LaunchFuncOp, gpu::LaunchOp>(op)) {
        pending = true;
        continue;
      }
      if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp>(op)) {
        if (pending) {
          declareSynchronize(rewriter, module);
          rewriter.setInsertionPoint(&op);
          rewriter.create<func::CallOp>(op.getLoc(), kSynchronize,
                                        TypeRange{rewriter.getI32Type()},
                                        ValueRange{});
          pending = false;
        }
        continue;
      }
      for (Region &region : op.getRegions()) {
        for (Block &nested : region)
          syncBlock(rewriter, module, nested);
        pending = true; // the region may have launched work
      }
    }
  }
};

struct DlcGpuPreparePass
    : public dlc::impl::DlcGpuPrepareBase<DlcGpuPreparePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (fn.isExternal())
        continue;
      allocaToAlloc(rewriter, fn);
      if (failed(copyGlobals(rewriter, fn)))
        return signalPassFailure();
      parallelLoopsFirst(rewriter, fn);
    }
    synchronizeExports(rewriter, module);
  }
};

} // namespace
