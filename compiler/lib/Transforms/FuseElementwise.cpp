//===- FuseElementwise.cpp - dlc-fuse-elementwise -------------------------===//
//
// A layer's bias add and activation are separate linalg.generic ops after
// convert-net-to-linalg, each a pass over the layer's output. Fusing a
// producer whose result has no other use into its consumer (on tensors,
// before bufferization) computes both in one pass and drops the
// intermediate buffer. Producers with several uses (an activation that the
// backward pass reads again) are left alone: fusing them would compute
// them twice.
//
// Then a net.conv2d whose result only feeds one such fused op computing
// act(y + b[c]) (act = identity or relu) becomes net.conv2d_bias_act: the
// CPU kernel applies the bias and the activation to each output tile while
// it is still in registers, so the convolution's raw output is never
// stored and read back (on the CUDA target, the runtime's kernel or
// cuDNN's fused call does it, runtime/cuda/Dnn.cpp). On the CUDA target a
// dense layer's net.matmul becomes net.matmul_bias_act the same way (the
// runtime's bias/ReLU kernel after cuBLAS, or cuBLASLt's epilogue).
// Likewise the ReLU
// gradient x > 0 ? g : 0 of a max/average pooling gradient g whose input
// is x (the ReLU's output) becomes the pooling gradient's `relu` mask,
// applied per image while it is in cache (on the CUDA target too: its
// pooling gradient kernel applies the mask per element).
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Pipeline.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFUSEELEMENTWISE
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {
/// Whether every use of `value` other than by `user` is tensor.dim of
/// dimension 0 (the batch size, which the fused op's input also has).
bool onlyBatchSizeUsesBesides(Value value, Operation *user) {
  for (OpOperand &use : value.getUses()) {
    if (use.getOwner() == user)
      continue;
    auto dim = dyn_cast<tensor::DimOp>(use.getOwner());
    std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
    if (!index || *index != 0)
      return false;
  }
  return true;
}

/// Replaces `op` by `fused` and erases `replaced` (the op `fused` absorbs),
/// whose batch-size queries then read `input`'s.
void replaceFused(RewriterBase &rewriter, Operation *op, Operation *fused,
                  Operation *replaced, Value input) {
  rewriter.replaceOp(op, fused->getResults());
  for (OpOperand &use : llvm::make_early_inc_range(replaced->getUses())) {
    auto dim = cast<tensor::DimOp>(use.getOwner());
    rewriter.setInsertionPoint(dim);
    rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, input, 0);
  }
  rewriter.eraseOp(replaced);
}

/// The bias operand and activation of `op` when it computes
/// act(y[..., c] + bias[c]) from the result y of a ProducerOp (net.conv2d:
/// NHWC, net.matmul: rows x columns) whose other uses are only tensor.dim
/// of the batch size.
template <typename ProducerOp> struct Epilogue {
  ProducerOp producer;
  Value bias;
  bool relu = false;
};

template <typename ProducerOp>
std::optional<Epilogue<ProducerOp>> matchEpilogue(linalg::GenericOp op) {
  const int64_t rank = std::is_same_v<ProducerOp, net::Conv2DOp> ? 4 : 2;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 || op.getNumLoops() != rank ||
      op.getNumParallelLoops() != rank)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  if (op.getIndexingMapsArray()[2] != id)
    return std::nullopt;
  Block &body = op.getRegion().front();
  if (!body.getArgument(2).use_empty())
    return std::nullopt;
  for (int64_t yi : {0, 1}) {
    OpOperand *y = op.getDpsInputOperand(yi), *b = op.getDpsInputOperand(1 - yi);
    auto conv = y->get().getDefiningOp<ProducerOp>();
    if (!conv || op.getMatchingIndexingMap(y) != id ||
        op.getMatchingIndexingMap(b) != channel ||
        conv.getType() != op->getResult(0).getType())
      continue;
    // The body: s = y + b (either order), optionally max(s, +0.0).
    Value ya = body.getArgument(yi), ba = body.getArgument(1 - yi);
    auto ops = body.without_terminator();
    auto it = ops.begin();
    if (it == ops.end())
      continue;
    auto add = dyn_cast<arith::AddFOp>(*it);
    if (!add || !((add.getLhs() == ya && add.getRhs() == ba) ||
                  (add.getLhs() == ba && add.getRhs() == ya)))
      continue;
    Value last = add;
    bool relu = false;
    if (++it != ops.end()) {
      auto max = dyn_cast<arith::MaximumFOp>(*it);
      if (!max)
        continue;
      Value other = max.getLhs() == last ? max.getRhs()
                    : max.getRhs() == last ? max.getLhs()
                                           : Value();
      if (!other || !matchPattern(other, m_PosZeroFloat()))
        continue;
      last = max;
      relu = true;
      if (++it != ops.end())
        continue;
    }
    if (cast<linalg::YieldOp>(body.getTerminator()).getOperand(0) != last)
      continue;
    // The raw product must not be needed anywhere else.
    if (!onlyBatchSizeUsesBesides(conv.getResult(), op) ||
        llvm::count(op->getOperands(), conv.getResult()) != 1)
      continue;
    return Epilogue<ProducerOp>{conv, b->get(), relu};
  }
  return std::nullopt;
}

void fuseConvEpilogues(func::FuncOp fn) {
  SmallVector<std::pair<linalg::GenericOp, Epilogue<net::Conv2DOp>>> found;
  fn.walk([&](linalg::GenericOp op) {
    if (auto e = matchEpilogue<net::Conv2DOp>(op))
      found.push_back({op, *e});
  });
  IRRewriter rewriter(fn.getContext());
  for (auto &[op, e] : found) {
    rewriter.setInsertionPoint(op);
    net::Conv2DOp conv = e.producer;
    auto fused = rewriter.create<net::Conv2DBiasActOp>(
        op.getLoc(), op->getResult(0).getType(), conv.getInput(),
        conv.getFilter(), e.bias, conv.getStridesAttr(), conv.getPadAttr(),
        e.relu ? rewriter.getUnitAttr() : UnitAttr());
    replaceFused(rewriter, op, fused, conv, conv.getInput());
  }
}

/// A dense layer's net.matmul (no transposed operand) and its bias add (+
/// ReLU): net.matmul_bias_act, for the CUDA target only -- the CPU's GEMM
/// kernel has no epilogue, and there the bias add and ReLU run in the
/// compiler's vectorized loop anyway.
void fuseMatmulEpilogues(func::FuncOp fn) {
  SmallVector<std::pair<linalg::GenericOp, Epilogue<net::MatmulOp>>> found;
  fn.walk([&](linalg::GenericOp op) {
    if (auto e = matchEpilogue<net::MatmulOp>(op))
      if (!e->producer.getTransposeA() && !e->producer.getTransposeB())
        found.push_back({op, *e});
  });
  IRRewriter rewriter(fn.getContext());
  for (auto &[op, e] : found) {
    rewriter.setInsertionPoint(op);
    net::MatmulOp mm = e.producer;
    auto fused = rewriter.create<net::MatmulBiasActOp>(
        op.getLoc(), op->getResult(0).getType(), mm.getLhs(), mm.getRhs(),
        e.bias, e.relu ? rewriter.getUnitAttr() : UnitAttr());
    replaceFused(rewriter, op, fused, mm, mm.getLhs());
  }
}

/// `op` computes x > 0 ? g : 0 (the gradient through a ReLU with output x)
/// from g = net.pool2d_grad(x, ...) whose other uses are only tensor.dim
/// of the batch size: the pooling gradient that can apply the mask itself.
net::Pool2DGradOp matchPoolReluGrad(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 || op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  Block &body = op.getRegion().front();
  auto ops = body.without_terminator();
  if (std::distance(ops.begin(), ops.end()) != 2)
    return {};
  auto cmp = dyn_cast<arith::CmpFOp>(*ops.begin());
  auto sel = dyn_cast<arith::SelectOp>(*std::next(ops.begin()));
  if (!cmp || !sel || cmp.getPredicate() != arith::CmpFPredicate::OGT ||
      !matchPattern(cmp.getRhs(), m_AnyZeroFloat()) || sel.getCondition() != cmp ||
      !matchPattern(sel.getFalseValue(), m_PosZeroFloat()) ||
      cast<linalg::YieldOp>(body.getTerminator()).getOperand(0) != sel.getResult())
    return {};
  auto xArg = dyn_cast<BlockArgument>(cmp.getLhs());
  auto gArg = dyn_cast<BlockArgument>(sel.getTrueValue());
  if (!xArg || !gArg || xArg.getOwner() != &body || gArg.getOwner() != &body ||
      xArg.getArgNumber() > 1 || gArg.getArgNumber() > 1 || xArg == gArg)
    return {};
  Value x = op.getDpsInputOperand(xArg.getArgNumber())->get();
  Value g = op.getDpsInputOperand(gArg.getArgNumber())->get();
  auto grad = g.getDefiningOp<net::Pool2DGradOp>();
  if (!grad || grad.getRelu() || grad.getInput() != x ||
      grad.getType() != op->getResult(0).getType())
    return {};
  return onlyBatchSizeUsesBesides(grad.getResult(), op) ? grad : net::Pool2DGradOp();
}

void fusePoolReluGrads(func::FuncOp fn) {
  SmallVector<std::pair<linalg::GenericOp, net::Pool2DGradOp>> found;
  fn.walk([&](linalg::GenericOp op) {
    if (net::Pool2DGradOp grad = matchPoolReluGrad(op))
      found.push_back({op, grad});
  });
  IRRewriter rewriter(fn.getContext());
  for (auto [op, grad] : found) {
    rewriter.setInsertionPoint(op);
    auto fused = rewriter.create<net::Pool2DGradOp>(
        grad.getLoc(), grad.getType(), grad.getKindAttr(), grad.getInput(),
        grad.getOutput(), grad.getOutputGrad(), grad.getSizeAttr(),
        grad.getStridesAttr(), grad.getPadAttr(), rewriter.getUnitAttr());
    replaceFused(rewriter, op, fused, grad, grad.getInput());
  }
}

/// The longest loop in a producer that fusion may recompute for each
/// element of a consumer that reads it broadcast.
constexpr int64_t kMaxRecomputedLoop = 64;

struct DlcFuseElementwisePass
    : public dlc::impl::DlcFuseElementwiseBase<DlcFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          Operation *producer = fused->get().getDefiningOp();
          if (!producer || producer->getNumResults() != 1 ||
              !producer->getResult(0).hasOneUse() ||
              !isa<RankedTensorType>(fused->get().getType()))
            return false;
          // A producer the consumer reads broadcast (a row's value in each
          // of its elements) is computed again for each element it reaches:
          // fine for a few arithmetic ops or a short loop (a row of 10
          // classes: cheaper than a kernel launch), not for a long one (the
          // CUDA target's row reductions over up to 1024 elements).
          auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
          if (consumer &&
              !consumer.getMatchingIndexingMap(fused).isPermutation()) {
            WalkResult longLoop = producer->walk([&](Operation *inner) {
              if (inner == producer || inner->getNumRegions() == 0)
                return WalkResult::advance();
              auto loop = dyn_cast<scf::ForOp>(inner);
              std::optional<int64_t> trips =
                  loop ? constantTripCount(loop.getLowerBound(),
                                           loop.getUpperBound(),
                                           loop.getStep())
                       : std::nullopt;
              return trips && *trips <= kMaxRecomputedLoop
                         ? WalkResult::advance()
                         : WalkResult::interrupt();
            });
            if (longLoop.wasInterrupted())
              return false;
          }
          return true;
        });
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fuseConvEpilogues(getOperation());
    if (dlc::targetsCuda(getOperation()))
      fuseMatmulEpilogues(getOperation());
    fusePoolReluGrads(getOperation());
  }
};
} // namespace
