//===- SplitReductions.cpp - dlc-split-reductions -------------------------===//
//
// On the GPU each thread of a linalg.generic runs its reduction loops one
// iteration after another (dlc-gpu-map-loops maps the parallel loops to
// threads). A bias gradient sums N*H*W values per channel: 32 threads, each
// adding 98304 values in a row for the CIFAR CNN's first convolution, which
// is latency-bound for milliseconds. This pass splits such reductions in
// stages: the first makes some reduction loops parallel and writes partial
// results to a new buffer, the next reduces the partial results, until no
// thread runs more than `max-serial` iterations in a row (or no loop is
// left to make parallel). The bias gradient becomes
//
//   partial[h, w, c] = sum over n of dy[n, h, w, c]   (32768 threads)
//   partial2[w, c]   = sum over h of partial[h, w, c]  (1024 threads)
//   db[c]           += sum over w of partial2[w, c]     (32 threads)
//
// A stage over one long static loop has it factored in two first: 522
// values are summed as 87 x 6. A length with no factor short enough (a
// large prime) stays one loop; convert-net-to-linalg gives the clipping
// norm a form that always splits.
//
// The CPU pipeline splits full sums only (`full-only`, max-serial 4096), for
// accuracy: a vectorized sum of the CIFAR CNN's 2M fully-connected weights
// (the L2 penalty) adds 131072 values in a row in each lane, and is off by
// 1e-3 of its value; in two stages it is exact to float rounding.
//
// Only reductions with one output and one combiner that has a neutral
// element (addf, maximumf, ...) are split; the sum's order changes, which
// float rounding shows (the CPU and CUDA results are compared to 1e-4).
// Reduction loops of dynamic size (the batch) stay in the first stage.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/IRMapping.h"

namespace dlc {
#define GEN_PASS_DEF_DLCSPLITREDUCTIONS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// What a loop of dynamic size (the batch) is taken to run.
constexpr int64_t kDynamicEstimate = 128;

/// The combiner of a reduction this pass can split: one output, on
/// buffers, reduced by one binary op with a neutral element that is the
/// output's only use; null otherwise.
Operation *splittableCombiner(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0)
    return nullptr;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!isa<MemRefType>(init->get().getType()) ||
      !op.getMatchingIndexingMap(init).isProjectedPermutation())
    return nullptr;
  SmallVector<Operation *, 4> combiners;
  BlockArgument outArg = op.getRegionOutputArgs()[0];
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
      combiners.size() != 1 || !outArg.hasOneUse() ||
      combiners[0]->getNumOperands() != 2 ||
      combiners[0]->getOperand(0) == combiners[0]->getOperand(1) ||
      !arith::getNeutralElement(combiners[0]))
    return nullptr;
  return combiners[0];
}

/// A reduction over one static loop of E > maxSerial iterations becomes one
/// over two loops, (E / f, f) for the smallest f that leaves E / f <=
/// maxSerial: each operand that loop indexes is reshaped with
/// memref.expand_shape. splitOnce then makes the f loop parallel.
FailureOr<linalg::GenericOp> factorLongLoop(RewriterBase &rewriter,
                                            linalg::GenericOp op,
                                            int64_t maxSerial) {
  if (!splittableCombiner(op) || op.getNumReductionLoops() != 1 ||
      !op.getBody()->getOps<linalg::IndexOp>().empty())
    return failure();
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  const unsigned d = reductions.front();
  const int64_t extent = op.getStaticLoopRanges()[d];
  if (ShapedType::isDynamic(extent) || extent <= maxSerial)
    return failure();
  int64_t f = 2;
  while (f < extent && (extent % f != 0 || extent / f > maxSerial))
    ++f;
  if (f >= extent)
    return failure(); // prime, or no factor short enough
  MLIRContext *ctx = op.getContext();
  const unsigned loops = op.getNumLoops();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    Value value = operand.get();
    SmallVector<AffineExpr> exprs;
    std::optional<unsigned> at; // the operand dimension the loop indexes
    for (auto [r, e] : llvm::enumerate(map.getResults())) {
      if (e == getAffineDimExpr(d, ctx)) {
        if (at)
          return failure();
        at = r;
        exprs.append({e, getAffineDimExpr(d + 1, ctx)});
      } else if (e.isFunctionOfDim(d)) {
        return failure();
      } else {
        exprs.push_back(e.shiftDims(loops, 1, d + 1));
      }
    }
    if (at) {
      auto type = dyn_cast<MemRefType>(value.getType());
      if (!type)
        return failure();
      SmallVector<int64_t> shape;
      SmallVector<ReassociationIndices> groups;
      SmallVector<OpFoldResult> sizes;
      for (int64_t i = 0; i < type.getRank(); ++i) {
        if (i == int64_t(*at)) {
          groups.push_back({int64_t(shape.size()), int64_t(shape.size()) + 1});
          shape.append({extent / f, f});
          sizes.append({rewriter.getIndexAttr(extent / f),
                        rewriter.getIndexAttr(f)});
          continue;
        }
        groups.push_back({int64_t(shape.size())});
        shape.push_back(type.getDimSize(i));
        sizes.push_back(
            type.isDynamicDim(i)
                ? OpFoldResult(rewriter.create<memref::DimOp>(loc, value, i)
                                   .getResult())
                : OpFoldResult(rewriter.getIndexAttr(type.getDimSize(i))));
      }
      FailureOr<MemRefType> expanded =
          memref::ExpandShapeOp::computeExpandedType(type, shape, groups);
      if (failed(expanded))
        return failure();
      value = rewriter.create<memref::ExpandShapeOp>(loc, *expanded, value,
                                                     groups, sizes);
    }
    operands.push_back(value);
    maps.push_back(AffineMap::get(loops + 1, 0, exprs, ctx));
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.insert(iterators.begin() + d + 1, utils::IteratorType::reduction);
  const unsigned inputs = op.getNumDpsInputs();
  auto factored = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{}, ArrayRef<Value>(operands).take_front(inputs),
      ArrayRef<Value>(operands).drop_front(inputs), maps, iterators);
  rewriter.cloneRegionBefore(op.getRegion(), factored.getRegion(),
                             factored.getRegion().end());
  rewriter.eraseOp(op);
  return factored;
}

/// Splits `op` once; the stage that reduces the partial results, or
/// failure when `op` is left as it is.
FailureOr<linalg::GenericOp> splitOnce(RewriterBase &rewriter,
                                       linalg::GenericOp op,
                                       int64_t maxSerial) {
  Operation *combiner = splittableCombiner(op);
  if (!combiner)
    return failure();
  OpOperand *init = op.getDpsInitOperand(0);
  auto outType = cast<MemRefType>(init->get().getType());
  AffineMap outMap = op.getMatchingIndexingMap(init);
  BlockArgument outArg = op.getRegionOutputArgs()[0];
  std::optional<TypedAttr> neutral = arith::getNeutralElement(combiner);

  // Reduction loops become parallel, innermost first (consecutive threads
  // then read consecutive elements), until the rest runs at most maxSerial
  // iterations; one reduction loop at least stays.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  auto extent = [&](unsigned d) {
    return ShapedType::isDynamic(ranges[d]) ? kDynamicEstimate : ranges[d];
  };
  int64_t serial = 1;
  for (unsigned d : reductions)
    serial *= extent(d);
  SmallVector<unsigned> kept; // loop dims made parallel, innermost first
  size_t remaining = reductions.size();
  for (unsigned d : llvm::reverse(reductions)) {
    if (serial <= maxSerial || remaining == 1)
      break;
    if (ShapedType::isDynamic(ranges[d]))
      continue;
    kept.push_back(d);
    serial /= ranges[d];
    --remaining;
  }
  if (kept.empty())
    return failure();
  std::reverse(kept.begin(), kept.end()); // loop order

  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value out = init->get();
  // partial[kept..., out...], filled with the neutral element.
  SmallVector<int64_t> shape;
  for (unsigned d : kept)
    shape.push_back(ranges[d]);
  llvm::append_range(shape, outType.getShape());
  SmallVector<Value> dynamicSizes;
  for (auto [i, size] : llvm::enumerate(outType.getShape()))
    if (ShapedType::isDynamic(size))
      dynamicSizes.push_back(rewriter.create<memref::DimOp>(loc, out, i));
  Value partial = rewriter.create<memref::AllocOp>(
      loc, MemRefType::get(shape, outType.getElementType()), dynamicSizes);
  Value identity = rewriter.create<arith::ConstantOp>(loc, *neutral);
  rewriter.create<linalg::FillOp>(loc, identity, partial);

  // Stage 1: the same computation with the kept loops parallel, into
  // partial.
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<AffineExpr> partialExprs;
  for (unsigned d : kept)
    partialExprs.push_back(getAffineDimExpr(d, ctx));
  llvm::append_range(partialExprs, outMap.getResults());
  maps.back() = AffineMap::get(op.getNumLoops(), 0, partialExprs, ctx);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d : kept)
    iterators[d] = utils::IteratorType::parallel;
  auto stage1 = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{}, op.getDpsInputs(), ValueRange{partial}, maps,
      iterators);
  rewriter.cloneRegionBefore(op.getRegion(), stage1.getRegion(),
                             stage1.getRegion().end());

  // Stage 2: out[o] = combine(out[o], partial[k..., o]) over k.
  const unsigned rank = kept.size() + outType.getRank();
  SmallVector<AffineExpr> outExprs;
  for (unsigned i = kept.size(); i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<utils::IteratorType> iterators2(kept.size(),
                                              utils::IteratorType::reduction);
  iterators2.append(outType.getRank(), utils::IteratorType::parallel);
  auto stage2 = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{}, ValueRange{partial}, ValueRange{out},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx),
                          AffineMap::get(rank, 0, outExprs, ctx)},
      iterators2, [&](OpBuilder &b, Location l, ValueRange args) {
        IRMapping map;
        for (Value operand : combiner->getOperands())
          map.map(operand, operand == outArg ? args[1] : args[0]);
        Operation *combined = b.clone(*combiner, map);
        b.create<linalg::YieldOp>(l, combined->getResults());
      });
  rewriter.eraseOp(op);
  return stage2;
}

struct DlcSplitReductionsPass
    : public dlc::impl::DlcSplitReductionsBase<DlcSplitReductionsPass> {
  using DlcSplitReductionsBase::DlcSplitReductionsBase;
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // A stage over one long static loop has that loop factored first.
    auto split = [&](linalg::GenericOp op) -> FailureOr<linalg::GenericOp> {
      if (fullOnly && op.getNumParallelLoops() != 0)
        return failure();
      FailureOr<linalg::GenericOp> next = splitOnce(rewriter, op, maxSerial);
      if (succeeded(next))
        return next;
      FailureOr<linalg::GenericOp> factored =
          factorLongLoop(rewriter, op, maxSerial);
      if (failed(factored))
        return failure();
      return splitOnce(rewriter, *factored, maxSerial);
    };
    // Until no stage runs too long (both stages of a split may).
    for (bool changed = true; changed;) {
      changed = false;
      SmallVector<linalg::GenericOp> ops;
      getOperation()->walk([&](linalg::GenericOp op) { ops.push_back(op); });
      for (linalg::GenericOp op : ops)
        changed |= succeeded(split(op));
    }
  }
};

} // namespace
