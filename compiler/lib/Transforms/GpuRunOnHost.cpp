//===- GpuRunOnHost.cpp - dlc-gpu-run-on-host -----------------------------===//
//
// The test target `cuda-host` (docs/cuda.md): the CUDA lowering up to
// kernel outlining, then every kernel run on the host,
//
//   gpu.launch blocks(%bx, ...) in (%gx, ...) threads(%tx, ...) in (%nx, ...)
//   ->
//   scf.for %bz, %by, %bx, %tz, %ty, %tx { body }
//
// and the cuDNN/cuBLAS calls (`dlc_cu_*`) replaced by the CPU kernel
// library's (`dlc_k_*`, which take the same arguments). The library then
// computes what the CUDA library computes, on any machine: dlc's own GPU
// passes (split reductions, loop mapping, device scalars, the graph step,
// the workspace plan under the CUDA ordering) are checked numerically
// against the CPU build without a GPU. Run in reverse, the threads of a
// kernel that race on the GPU give a different result.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPURUNONHOST
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// What a launch's body cannot do on the host, or success.
LogicalResult checkLaunch(gpu::LaunchOp launch) {
  if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken())
    return launch.emitOpError(
        "is asynchronous; dlc-gpu-run-on-host runs before gpu-async-region");
  if (launch.getDynamicSharedMemorySize())
    return launch.emitOpError("uses dynamic shared memory; it cannot run on "
                              "the host one thread after another");
  if (launch.hasClusterSize())
    return launch.emitOpError("has thread block clusters; it cannot run on "
                              "the host");
  if (!launch.getWorkgroupAttributions().empty() ||
      !launch.getPrivateAttributions().empty())
    return launch.emitOpError("has memory attributions; it cannot run on "
                              "the host");
  WalkResult barrier = launch.getBody().walk([](gpu::BarrierOp op) {
    op.emitOpError("synchronizes the threads of a kernel; it cannot run on "
                   "the host one thread after another");
    return WalkResult::interrupt();
  });
  return failure(barrier.wasInterrupted());
}

/// Replaces `launch` by loops over its grid and block, blocks outermost,
/// z before y before x (none for a constant size of 1); with `reverse`,
/// each loop counts down.
void runOnHost(RewriterBase &rewriter, gpu::LaunchOp launch, bool reverse) {
  Location loc = launch.getLoc();
  rewriter.setInsertionPoint(launch);
  Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
  Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  // The ids, in the order of the loops.
  SmallVector<Value> sizes = {grid.z, grid.y, grid.x,
                              block.z, block.y, block.x};
  SmallVector<Value> lasts; // size - 1, for `reverse`
  for (Value size : sizes)
    lasts.push_back(reverse && getConstantIntValue(size) != 1
                        ? rewriter.create<arith::SubIOp>(loc, size, one)
                        : Value());
  SmallVector<Value> ids;
  // The body goes before the innermost loop's terminator; without loops,
  // before the launch itself.
  Operation *before = launch;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    if (getConstantIntValue(size) == 1) {
      ids.push_back(zero);
      continue;
    }
    auto loop = rewriter.create<scf::ForOp>(loc, zero, size, one);
    rewriter.setInsertionPointToStart(loop.getBody());
    before = loop.getBody()->getTerminator();
    Value id = loop.getInductionVar();
    if (reverse)
      id = rewriter.create<arith::SubIOp>(loc, lasts[i], id);
    ids.push_back(id);
  }
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  gpu::KernelDim3 gridArgs = launch.getGridSize();
  gpu::KernelDim3 blockArgs = launch.getBlockSize();
  IRMapping values;
  values.map(blockIds.z, ids[0]);
  values.map(blockIds.y, ids[1]);
  values.map(blockIds.x, ids[2]);
  values.map(threadIds.z, ids[3]);
  values.map(threadIds.y, ids[4]);
  values.map(threadIds.x, ids[5]);
  values.map(gridArgs.z, grid.z);
  values.map(gridArgs.y, grid.y);
  values.map(gridArgs.x, grid.x);
  values.map(blockArgs.z, block.z);
  values.map(blockArgs.y, block.y);
  values.map(blockArgs.x, block.x);

  // gpu.block_id and its kin inside the body name the same values.
  auto dim = [](gpu::Dimension d, const gpu::KernelDim3 &v) {
    return d == gpu::Dimension::x ? v.x : d == gpu::Dimension::y ? v.y : v.z;
  };
  Region &body = launch.getBody();
  SmallVector<Operation *> idOps;
  body.walk([&](Operation *op) {
    if (isa<gpu::BlockIdOp, gpu::ThreadIdOp, gpu::GridDimOp, gpu::BlockDimOp>(
            op))
      idOps.push_back(op);
  });
  for (Operation *op : idOps) {
    Value v;
    if (auto id = dyn_cast<gpu::BlockIdOp>(op))
      v = dim(id.getDimension(), blockIds);
    else if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
      v = dim(id.getDimension(), threadIds);
    else if (auto id = dyn_cast<gpu::GridDimOp>(op))
      v = dim(id.getDimension(), gridArgs);
    else
      v = dim(cast<gpu::BlockDimOp>(op).getDimension(), blockArgs);
    rewriter.replaceOp(op, v);
  }

  // The body in the innermost loop: inlined when it is one block, else in
  // an scf.execute_region.
  SmallVector<Value> replacements;
  for (BlockArgument arg : body.front().getArguments())
    replacements.push_back(values.lookup(arg));
  if (body.hasOneBlock()) {
    Block &only = body.front();
    rewriter.eraseOp(only.getTerminator());
    rewriter.inlineBlockBefore(&only, before, replacements);
  } else {
    rewriter.setInsertionPoint(before);
    auto exec = rewriter.create<scf::ExecuteRegionOp>(loc, TypeRange{});
    Block &entry = body.front();
    for (auto [arg, value] : llvm::zip(entry.getArguments(), replacements))
      rewriter.replaceAllUsesWith(arg, value);
    entry.eraseArguments(0, entry.getNumArguments());
    rewriter.inlineRegionBefore(body, exec.getRegion(),
                                exec.getRegion().end());
    SmallVector<gpu::TerminatorOp> terminators;
    exec.getRegion().walk(
        [&](gpu::TerminatorOp op) { terminators.push_back(op); });
    for (gpu::TerminatorOp op : terminators) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<scf::YieldOp>(op);
    }
  }
  rewriter.eraseOp(launch);
}

/// `dlc_cu_X` -> `dlc_k_X`; calls of dlc_cuda_synchronize() dropped (0,
/// no error).
LogicalResult useHostKernels(RewriterBase &rewriter, ModuleOp module) {
  SymbolTable symbols(module);
  SmallVector<func::CallOp> calls;
  module.walk([&](func::CallOp call) { calls.push_back(call); });
  for (func::CallOp call : calls) {
    StringRef callee = call.getCallee();
    if (callee == "dlc_cuda_synchronize") {
      rewriter.setInsertionPoint(call);
      SmallVector<Value> zeros;
      for (Type type : call.getResultTypes())
        zeros.push_back(rewriter.create<arith::ConstantOp>(
            call.getLoc(), rewriter.getZeroAttr(type)));
      rewriter.replaceOp(call, zeros);
      continue;
    }
    if (!callee.consume_front("dlc_cu_"))
      continue;
    std::string host = ("dlc_k_" + callee).str();
    auto device = symbols.lookup<func::FuncOp>(call.getCallee());
    auto existing = symbols.lookup<func::FuncOp>(host);
    if (existing && device &&
        existing.getFunctionType() != device.getFunctionType())
      return call.emitOpError("calls '")
             << call.getCallee() << "', whose host kernel '" << host
             << "' takes other arguments";
    if (!existing) {
      if (!device)
        return call.emitOpError("calls '")
               << call.getCallee() << "', which is not declared";
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      auto decl = b.create<func::FuncOp>(device.getLoc(), host,
                                         device.getFunctionType());
      decl.setPrivate();
      symbols.insert(decl);
    }
    rewriter.modifyOpInPlace(call, [&] { call.setCallee(host); });
  }
  // The device functions' declarations, now unused.
  for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
    StringRef name = fn.getSymName();
    if (fn.isDeclaration() &&
        (name.starts_with("dlc_cu_") || name == "dlc_cuda_synchronize") &&
        SymbolTable::symbolKnownUseEmpty(fn, module))
      rewriter.eraseOp(fn);
  }
  return success();
}

struct DlcGpuRunOnHostPass
    : public dlc::impl::DlcGpuRunOnHostBase<DlcGpuRunOnHostPass> {
  using DlcGpuRunOnHostBase::DlcGpuRunOnHostBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchOp> launches;
    module.walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(checkLaunch(launch)))
        return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (gpu::LaunchOp launch : launches)
      runOnHost(rewriter, launch, reverse);
    if (failed(useHostKernels(rewriter, module)))
      return signalPassFailure();
    // Nothing of the gpu dialect may be left for the host lowering.
    WalkResult left = module.walk([](Operation *op) {
      if (!isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitOpError("has no host form for dlc-gpu-run-on-host");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
