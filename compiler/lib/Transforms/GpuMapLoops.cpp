//===- GpuMapLoops.cpp - dlc-gpu-map-loops --------------------------------===//
//
// Maps the loops of bufferized host code onto the GPU (docs/cuda.md). An
// outermost scf.parallel becomes one dimension of N elements, the source's
// innermost dimension fastest, run by ceil(N / B) blocks of B threads:
//
//   scf.parallel (%b) = (0) to (ceil(N / B)) {mapping = [block_x]}
//     scf.parallel (%t) = (0) to (B) {mapping = [thread_x]}
//       %i = %b * B + %t
//       scf.if %i < N { body at delinearize(%i) }
//
// so consecutive threads touch consecutive elements (coalesced accesses).
// convert-parallel-loops-to-gpu then builds the gpu.launch. Loops left on
// the host that touch memory move into a gpu.launch of one thread.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPUMAPLOOPS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Checks that `op` (a loop about to move to the device) holds nothing that
/// only the host can do.
LogicalResult checkDeviceCode(Operation *op) {
  Operation *bad = nullptr;
  op->walk([&](Operation *nested) {
    if (isa<CallOpInterface, memref::AllocOp, memref::AllocaOp,
            memref::DeallocOp, memref::GetGlobalOp, memref::CopyOp>(nested)) {
      bad = nested;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!bad)
    return success();
  return op->emitOpError("touches memory and contains '")
         << bad->getName() << "', which cannot run on the device";
}

/// Rewrites `op` (no results) into nested scf.for loops.
void sequentialize(RewriterBase &rewriter, scf::ParallelOp op) {
  rewriter.setInsertionPoint(op);
  SmallVector<Value> ivs;
  Block *body = nullptr;
  for (auto [lb, ub, step] :
       llvm::zip(op.getLowerBound(), op.getUpperBound(), op.getStep())) {
    auto loop = rewriter.create<scf::ForOp>(op.getLoc(), lb, ub, step);
    ivs.push_back(loop.getInductionVar());
    body = loop.getBody();
    rewriter.setInsertionPointToStart(body);
  }
  // The scf.reduce terminator goes; the loop's own scf.yield stays.
  rewriter.eraseOp(op.getBody()->getTerminator());
  rewriter.inlineBlockBefore(op.getBody(), body->getTerminator(), ivs);
  rewriter.eraseOp(op);
}

/// Makes every scf.parallel nested in `root` sequential (innermost first).
LogicalResult sequentializeNested(RewriterBase &rewriter, Operation *root) {
  SmallVector<scf::ParallelOp> nested;
  root->walk([&](scf::ParallelOp op) {
    if (op != root)
      nested.push_back(op);
  });
  for (scf::ParallelOp op : nested) {
    if (op.getNumResults() != 0)
      return op.emitOpError("with reductions cannot run on the device");
    sequentialize(rewriter, op);
  }
  return success();
}

/// The constant value of `v`, if any.
std::optional<int64_t> constantIndex(Value v) {
  if (auto c = v.getDefiningOp<arith::ConstantIndexOp>())
    return c.value();
  return std::nullopt;
}

/// Collapses and tiles one outermost parallel loop (see the file comment).
LogicalResult mapParallel(RewriterBase &rewriter, scf::ParallelOp op,
                          int64_t blockSize) {
  if (op.getNumResults() != 0)
    return op.emitOpError("with reductions cannot be mapped to the GPU");
  if (failed(checkDeviceCode(op)) || failed(sequentializeNested(rewriter, op)))
    return failure();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto cst = [&](int64_t v) -> Value {
    return rewriter.create<arith::ConstantIndexOp>(loc, v);
  };
  // Trip counts, and their product with static ones folded.
  SmallVector<Value> trips;
  Value total;
  std::optional<int64_t> staticTotal = 1;
  for (auto [lb, ub, step] :
       llvm::zip(op.getLowerBound(), op.getUpperBound(), op.getStep())) {
    std::optional<int64_t> l = constantIndex(lb), u = constantIndex(ub),
                           s = constantIndex(step);
    Value trip;
    if (l && u && s) {
      int64_t n = *u > *l ? (*u - *l + *s - 1) / *s : 0;
      trip = cst(n);
      if (staticTotal)
        *staticTotal *= n;
    } else {
      Value extent =
          l == 0 ? ub : rewriter.create<arith::SubIOp>(loc, ub, lb).getResult();
      if (s == 1) {
        trip = extent;
      } else {
        Value rounded = rewriter.create<arith::AddIOp>(
            loc, extent, rewriter.create<arith::SubIOp>(loc, step, cst(1)));
        trip = rewriter.create<arith::DivUIOp>(loc, rounded, step);
      }
      staticTotal.reset();
    }
    trips.push_back(trip);
    total = total ? rewriter.create<arith::MulIOp>(loc, total, trip).getResult()
                  : trip;
  }
  if (staticTotal)
    total = cst(*staticTotal);
  // Small static loops get one block of just enough threads.
  int64_t threads = blockSize;
  if (staticTotal && *staticTotal < blockSize)
    threads = std::max<int64_t>(*staticTotal, 1);
  Value threadCount = cst(threads);
  Value blocks =
      staticTotal
          ? cst((*staticTotal + threads - 1) / threads)
          : rewriter.create<arith::DivUIOp>(
                loc,
                rewriter.create<arith::AddIOp>(loc, total, cst(threads - 1)),
                threadCount);

  MLIRContext *ctx = rewriter.getContext();
  auto mapping = [&](gpu::Processor processor) {
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
    return rewriter.getArrayAttr(
        {gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id)});
  };
  Value zero = cst(0), one = cst(1);
  auto grid = rewriter.create<scf::ParallelOp>(loc, zero, blocks, one);
  grid->setAttr(gpu::getMappingAttrName(), mapping(gpu::Processor::BlockX));
  rewriter.setInsertionPointToStart(grid.getBody());
  auto block = rewriter.create<scf::ParallelOp>(loc, zero, threadCount, one);
  block->setAttr(gpu::getMappingAttrName(), mapping(gpu::Processor::ThreadX));
  rewriter.setInsertionPointToStart(block.getBody());
  Value linear = rewriter.create<arith::AddIOp>(
      loc,
      rewriter.create<arith::MulIOp>(loc, grid.getInductionVars()[0],
                                     threadCount),
      block.getInductionVars()[0]);
  bool exact = staticTotal && *staticTotal % threads == 0;
  if (!exact) {
    Value inside = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::ult, linear, total);
    auto guard = rewriter.create<scf::IfOp>(loc, inside);
    rewriter.setInsertionPointToStart(guard.thenBlock());
  }
  // Delinearize, innermost dimension fastest.
  SmallVector<Value> ivs(trips.size());
  Value rest = linear;
  for (int64_t d = trips.size() - 1; d >= 0; --d) {
    Value index = rest;
    if (d > 0) {
      index = rewriter.create<arith::RemUIOp>(loc, rest, trips[d]);
      rest = rewriter.create<arith::DivUIOp>(loc, rest, trips[d]);
    }
    Value scaled = constantIndex(op.getStep()[d]) == 1
                       ? index
                       : rewriter.create<arith::MulIOp>(loc, index,
                                                        op.getStep()[d]);
    ivs[d] = constantIndex(op.getLowerBound()[d]) == 0
                 ? scaled
                 : rewriter.create<arith::AddIOp>(loc, scaled,
                                                  op.getLowerBound()[d]);
  }
  Operation *insertBefore = exact ? block.getBody()->getTerminator()
                                  : rewriter.getInsertionBlock()->getTerminator();
  rewriter.eraseOp(op.getBody()->getTerminator()); // scf.reduce
  rewriter.inlineBlockBefore(op.getBody(), insertBefore, ivs);
  rewriter.eraseOp(op);
  return success();
}

/// Whether `loop`'s iterations are independent: nothing in it reads
/// memory, and its only write stores to `buffer[iv]` or `buffer[iv + c]`
/// (c and the buffer defined outside the loop).
bool hasIndependentIterations(scf::ForOp loop) {
  if (loop.getNumResults() != 0)
    return false;
  memref::StoreOp store;
  bool ok = true;
  loop.getBody()->walk([&](Operation *op) {
    if (auto s = dyn_cast<memref::StoreOp>(op)) {
      ok &= !store;
      store = s;
      return;
    }
    if (op->getNumRegions() == 0 && !isMemoryEffectFree(op))
      ok = false;
  });
  if (!ok || !store || store.getIndices().size() != 1 ||
      loop->isAncestor(store.getMemRef().getParentBlock()->getParentOp()))
    return false;
  Value iv = loop.getInductionVar(), index = store.getIndices()[0];
  if (index == iv)
    return true;
  auto add = index.getDefiningOp<arith::AddIOp>();
  if (!add)
    return false;
  auto outside = [&](Value v) {
    return !loop->isAncestor(v.getParentBlock()->getParentOp());
  };
  return (add.getLhs() == iv && outside(add.getRhs())) ||
         (add.getRhs() == iv && outside(add.getLhs()));
}

/// Rewrites `loop` into an scf.parallel over the same range.
scf::ParallelOp toParallel(RewriterBase &rewriter, scf::ForOp loop) {
  rewriter.setInsertionPoint(loop);
  auto par = rewriter.create<scf::ParallelOp>(
      loop.getLoc(), ValueRange{loop.getLowerBound()},
      ValueRange{loop.getUpperBound()}, ValueRange{loop.getStep()});
  rewriter.eraseOp(loop.getBody()->getTerminator()); // scf.yield
  rewriter.inlineBlockBefore(loop.getBody(), par.getBody()->getTerminator(),
                             par.getInductionVars());
  rewriter.eraseOp(loop);
  return par;
}

/// Moves `op` into a gpu.launch of one thread.
LogicalResult launchOneThread(RewriterBase &rewriter, Operation *op) {
  if (op->getNumResults() != 0)
    return op->emitOpError(
        "touches memory and returns values; it cannot move to the device");
  if (failed(checkDeviceCode(op)))
    return failure();
  rewriter.setInsertionPoint(op);
  Value one = rewriter.create<arith::ConstantIndexOp>(op->getLoc(), 1);
  auto launch = rewriter.create<gpu::LaunchOp>(op->getLoc(), one, one, one,
                                               one, one, one);
  rewriter.setInsertionPointToEnd(&launch.getBody().front());
  auto end = rewriter.create<gpu::TerminatorOp>(op->getLoc());
  rewriter.moveOpBefore(op, end);
  return sequentializeNested(rewriter, op);
}

/// In a sequential loop on the device that reads and writes one element
/// `m[i]` (m and i defined outside) and writes nothing else, such as a
/// reduction's `out[c] = out[c] + x[n, c]`, the element is carried in a
/// register: loaded before the loop, an iteration argument inside, stored
/// after it. Otherwise every iteration stores it and the next loads it
/// back, a round trip to memory the compiler cannot remove (it cannot tell
/// that the loop's other reads do not alias m). linalg's reductions never
/// read their output through another operand.
bool promoteAccumulator(RewriterBase &rewriter, scf::ForOp loop) {
  if (loop.getNumResults() != 0)
    return false;
  Block *body = loop.getBody();
  auto invariant = [&](Value v) {
    return !loop.getRegion().isAncestor(v.getParentRegion());
  };
  memref::LoadOp load;
  memref::StoreOp store;
  SmallVector<memref::LoadOp> loads; // of invariant elements, in order
  for (Operation &op : *body) {
    if (auto l = dyn_cast<memref::LoadOp>(op);
        l && invariant(l.getMemRef()) && llvm::all_of(l.getIndices(), invariant))
      loads.push_back(l);
    auto st = dyn_cast<memref::StoreOp>(op);
    if (!st)
      continue;
    for (memref::LoadOp l : loads)
      if (st.getMemRef() == l.getMemRef() &&
          st.getIndices() == l.getIndices()) {
        load = l;
        store = st;
      }
    break; // the first store decides
  }
  if (!load || !store)
    return false;
  // Nothing else in the loop touches m or writes memory.
  bool other = false;
  loop.getBody()->walk([&](Operation *op) {
    if (op == load || op == store)
      return;
    if (llvm::is_contained(op->getOperands(), load.getMemRef()) ||
        (!isa<memref::LoadOp>(op) && !isMemoryEffectFree(op) &&
         !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>()))
      other = true;
  });
  if (other)
    return false;
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value init = rewriter.create<memref::LoadOp>(loc, load.getMemRef(),
                                               load.getIndices());
  auto carried = rewriter.create<scf::ForOp>(
      loc, loop.getLowerBound(), loop.getUpperBound(), loop.getStep(),
      ValueRange{init});
  Block *newBody = carried.getBody();
  if (!newBody->empty())
    rewriter.eraseOp(newBody->getTerminator());
  rewriter.mergeBlocks(body, newBody, {carried.getInductionVar()});
  rewriter.replaceAllUsesWith(load.getResult(), carried.getRegionIterArgs()[0]);
  Value next = store.getValueToStore();
  rewriter.eraseOp(load);
  rewriter.eraseOp(store);
  Operation *yield = newBody->getTerminator();
  rewriter.setInsertionPoint(yield);
  rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);
  rewriter.setInsertionPointAfter(carried);
  rewriter.create<memref::StoreOp>(loc, carried.getResult(0),
                                   load.getMemRef(), load.getIndices());
  rewriter.eraseOp(loop);
  return true;
}

/// promoteAccumulator on every sequential loop the device runs, innermost
/// first (an outer loop then sees its inner loop's load and store).
void promoteAccumulators(RewriterBase &rewriter, Operation *root) {
  SmallVector<scf::ForOp> loops;
  root->walk([&](scf::ForOp loop) { // post-order: inner loops first
    if (loop->getParentOfType<scf::ParallelOp>() ||
        loop->getParentOfType<gpu::LaunchOp>())
      loops.push_back(loop);
  });
  for (scf::ForOp loop : loops)
    promoteAccumulator(rewriter, loop);
}

/// Maps the loops of `region` that are not inside another loop.
LogicalResult mapRegion(RewriterBase &rewriter, Region &region,
                        int64_t blockSize) {
  for (Block &block : region)
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (isa<gpu::LaunchOp>(op))
        continue;
      if (auto par = dyn_cast<scf::ParallelOp>(op)) {
        if (failed(mapParallel(rewriter, par, blockSize)))
          return failure();
        continue;
      }
      if (isa<LoopLikeOpInterface>(op)) {
        // Loops on scalars stay on the host.
        if (isMemoryEffectFree(&op))
          continue;
        auto loop = dyn_cast<scf::ForOp>(op);
        if (loop && hasIndependentIterations(loop)) {
          if (failed(mapParallel(rewriter, toParallel(rewriter, loop),
                                 blockSize)))
            return failure();
          continue;
        }
        if (failed(launchOneThread(rewriter, &op)))
          return failure();
        continue;
      }
      for (Region &nested : op.getRegions())
        if (failed(mapRegion(rewriter, nested, blockSize)))
          return failure();
    }
  return success();
}

struct DlcGpuMapLoopsPass
    : public dlc::impl::DlcGpuMapLoopsBase<DlcGpuMapLoopsPass> {
  using DlcGpuMapLoopsBase::DlcGpuMapLoopsBase;
  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation().emitError("block size must be in [1, 1024]");
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    if (failed(mapRegion(rewriter, getOperation().getBody(), blockSize)))
      return signalPassFailure();
    promoteAccumulators(rewriter, getOperation());
  }
};

} // namespace
