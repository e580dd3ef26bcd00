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
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFUSEELEMENTWISE
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {
struct DlcFuseElementwisePass
    : public dlc::impl::DlcFuseElementwiseBase<DlcFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          Operation *producer = fused->get().getDefiningOp();
          return producer && producer->getNumResults() == 1 &&
                 producer->getResult(0).hasOneUse() &&
                 isa<RankedTensorType>(fused->get().getType());
        });
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
