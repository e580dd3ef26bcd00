//===- TileAndVectorize.cpp - dlc-tile-and-vectorize ----------------------===//
//
// Generated kernels are vectorized from the start. linalg's vectorizer needs
// static shapes, and the batch is dynamic, so every dynamic dimension is
// tiled by a constant and the loop peeled: full tiles become static and the
// remainder loop is tiled again by 1. Contractions are tiled [8, 32, 1]
// (the outer-product form PERF-NOTES.md measured at 93% of peak); long
// static dimensions are tiled so vectors stay a few registers wide.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCTILEANDVECTORIZE
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {
constexpr int64_t kContractionTile[3] = {8, 32, 1};
constexpr int64_t kInnerTile = 16;
constexpr int64_t kMaxWholeK = 16; // Longer K: whole outer products
                                   // unroll into slow-to-compile code.

bool isContraction(Operation *op) {
  return isa<linalg::MatmulOp, linalg::MatmulTransposeAOp,
             linalg::MatmulTransposeBOp>(op);
}

/// Whether an indexing map reads backwards (a negative coefficient, as in a
/// flipped filter). Linalg's tiling computes wrong slices for such maps, so
/// these ops are left to the loop lowering.
bool readsBackwards(linalg::LinalgOp op) {
  bool backwards = false;
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr expr : map.getResults())
      expr.walk([&](AffineExpr e) {
        if (auto bin = dyn_cast<AffineBinaryOpExpr>(e))
          if (bin.getKind() == AffineExprKind::Mul)
            if (auto c = dyn_cast<AffineConstantExpr>(bin.getRHS()))
              backwards |= c.getValue() < 0;
      });
  return backwards;
}

/// Tile sizes for the first round (0 = not tiled).
SmallVector<int64_t> firstTiles(linalg::LinalgOp op, int64_t batchTile) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t n = ranges.size();
  SmallVector<int64_t> tiles(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = ranges[i];
    int64_t want;
    if (isContraction(op))
      // A short static K stays whole: its outer products unroll in registers.
      want = (i == 2 && !ShapedType::isDynamic(r))
                 ? (r <= kMaxWholeK ? r : kContractionTile[2])
                 : (i == 2 ? batchTile : kContractionTile[i]);
    else if (ShapedType::isDynamic(r))
      // Elementwise ops and reductions are memory bound: one row at a time
      // needs no remainder copy of the kernel.
      want = 1;
    else if (i == n - 1)
      want = kInnerTile;
    else
      want = 1;
    if (ShapedType::isDynamic(r) ? true : r > want)
      tiles[i] = want;
  }
  // Non-contraction ops keep a 2-D tile at most: leading static dims above
  // 8 were tiled by 1 above.
  return tiles;
}

/// Tile sizes for the second round: remaining dynamic dimensions by 1.
SmallVector<int64_t> remainderTiles(linalg::LinalgOp op) {
  SmallVector<int64_t> tiles;
  bool any = false;
  for (int64_t r : op.getStaticLoopRanges()) {
    tiles.push_back(ShapedType::isDynamic(r) ? 1 : 0);
    any |= ShapedType::isDynamic(r);
  }
  return any ? tiles : SmallVector<int64_t>{};
}

/// Loop order for tiling: parallel dimensions outside, reductions inside
/// (a bias gradient [N, H, W, C] -> [C] runs C tiles outermost; each output
/// element still sums its inputs in the same order, its accumulator stays
/// in registers across the reduction loops, and the C tiles can run in
/// parallel). Empty when the order is already so (or for contractions).
SmallVector<int64_t> loopOrder(linalg::LinalgOp op) {
  if (isContraction(op))
    return {};
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<int64_t> order;
  for (auto kind : {utils::IteratorType::parallel, utils::IteratorType::reduction})
    for (auto [i, it] : llvm::enumerate(iters))
      if (it == kind)
        order.push_back(i);
  if (llvm::equal(order, llvm::seq<int64_t>(0, order.size())))
    return {};
  return order;
}

/// Marks the outermost tile loop of `op` with kParallelLoopAttr when it
/// runs over a parallel dimension: the estimated work of one iteration (the
/// iteration space, a dynamic size counted as 32, divided by the trip
/// count). dlc-parallelize-loops runs such loops on the thread pool.
void markParallel(linalg::LinalgOp op, ArrayRef<int64_t> tiles,
                  ArrayRef<int64_t> order, scf::ForOp outer) {
  int64_t d = -1;
  for (int64_t i = 0, e = tiles.size(); i < e && d < 0; ++i) {
    int64_t dim = order.empty() ? i : order[i];
    if (tiles[dim] != 0)
      d = dim;
  }
  if (d < 0 || op.getIteratorTypesArray()[d] != utils::IteratorType::parallel)
    return;
  // Every output is indexed by the dimension: iterations write disjoint
  // elements.
  AffineExpr dimExpr = getAffineDimExpr(d, op->getContext());
  for (OpOperand &init : op.getDpsInitsMutable())
    if (!llvm::is_contained(op.getMatchingIndexingMap(&init).getResults(),
                            dimExpr))
      return;
  int64_t cost = tiles[d];
  for (auto [i, r] : llvm::enumerate(op.getStaticLoopRanges()))
    if (static_cast<int64_t>(i) != d)
      cost *= ShapedType::isDynamic(r) ? 32 : r;
  outer->setAttr(kParallelLoopAttr,
                 IntegerAttr::get(IntegerType::get(op->getContext(), 64), cost));
}

LogicalResult tile(RewriterBase &rewriter, linalg::LinalgOp op,
                   ArrayRef<int64_t> tiles, bool peel) {
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return success();
  // Ops on buffers only: tiled tensors would carry their results in the
  // loop, which is then no longer a plain parallel loop.
  bool parallel = peel && op.hasPureBufferSemantics();
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), tiles));
  SmallVector<int64_t> order = peel ? loopOrder(op) : SmallVector<int64_t>{};
  if (!order.empty())
    options.setInterchange(order);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  if (parallel && !result->loops.empty())
    if (auto outer = dyn_cast<scf::ForOp>(result->loops.front().getOperation()))
      markParallel(op, tiles, order, outer);
  if (op->getNumResults())
    rewriter.replaceOp(op, result->replacements);
  else
    rewriter.eraseOp(op);
  if (peel)
    for (LoopLikeOpInterface loop : result->loops)
      if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation())) {
        scf::ForOp partial;
        (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
      }
  return success();
}

LogicalResult canonicalize(func::FuncOp fn) {
  MLIRContext *ctx = fn.getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  return applyPatternsAndFoldGreedily(fn, std::move(patterns));
}

struct DlcTileAndVectorizePass
    : public dlc::impl::DlcTileAndVectorizeBase<DlcTileAndVectorizePass> {
  using DlcTileAndVectorizeBase::DlcTileAndVectorizeBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    IRRewriter rewriter(&getContext());

    SmallVector<linalg::LinalgOp> ops;
    fn.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops)
      if (!readsBackwards(op) &&
          failed(tile(rewriter, op, firstTiles(op, batchTile), /*peel=*/true)))
        return signalPassFailure();
    (void)canonicalize(fn);

    ops.clear();
    fn.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> tiles = remainderTiles(op);
      if (!tiles.empty() && !readsBackwards(op) &&
          failed(tile(rewriter, op, tiles, /*peel=*/false)))
        return signalPassFailure();
    }
    (void)canonicalize(fn);

    ops.clear();
    fn.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    int64_t scalar = 0;
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      if (!op.hasDynamicShape() && !readsBackwards(op) &&
          succeeded(linalg::vectorize(rewriter, op)))
        continue;
      ++scalar;
      if (report)
        op.emitRemark("left scalar");
    }

    // Broadcasts that the vectorizer put into transfer_read maps become
    // vector.broadcast ops, which then fold into the contractions' maps: a
    // matmul tile reads A as [8, K] and B as [K, 32], not as [8, 32, K].
    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, &getContext());
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, &getContext());
    (void)applyPatternsAndFoldGreedily(fn, std::move(patterns));
    (void)canonicalize(fn);
  }
};
} // namespace
