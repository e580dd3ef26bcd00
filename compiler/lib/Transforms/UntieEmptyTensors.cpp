//===- UntieEmptyTensors.cpp - dlc-untie-empty-tensors --------------------===//
//
// After CSE, one tensor.empty of each shape (and one linalg.fill of it with
// each value) serves every op that starts from such a tensor:
//
//   %e = tensor.empty() : tensor<64xf32>
//   %z = linalg.fill ins(%cst) outs(%e)
//   %g2 = linalg.generic ... outs(%z)   // conv2's bias gradient -> slice A
//   %g3 = linalg.generic ... outs(%z)   // conv3's bias gradient -> slice B
//
// Empty-tensor elimination in MLIR 19 replaces %e, for all its uses, by the
// destination of one of the materializations (slice A), so %g3 starts from
// slice A too and bufferization gives it a temporary copied into slice B:
// one more kernel on the GPU. Here every use but one gets its own fill and
// tensor.empty, cloned just before it.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

namespace dlc {
#define GEN_PASS_DEF_DLCUNTIEEMPTYTENSORS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// The uses of `value` but one (which keeps it).
SmallVector<OpOperand *> laterUses(Value value) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : value.getUses())
    uses.push_back(&use);
  if (!uses.empty())
    uses.pop_back();
  return uses;
}

struct UntieEmptyTensorsPass
    : dlc::impl::DlcUntieEmptyTensorsBase<UntieEmptyTensorsPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    // Fills of an empty tensor, then the empty tensors (the fills' clones
    // each take a clone of their tensor.empty, so those have one use).
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() &&
          fill.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      auto empty = fill.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>();
      for (OpOperand *use : laterUses(fill->getResult(0))) {
        b.setInsertionPoint(use->getOwner());
        Operation *newEmpty = b.clone(*empty);
        IRMapping map;
        map.map(empty.getResult(), newEmpty->getResult(0));
        use->set(b.clone(*fill, map)->getResult(0));
      }
    }
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp empty) {
      empties.push_back(empty);
    });
    for (tensor::EmptyOp empty : empties)
      for (OpOperand *use : laterUses(empty.getResult())) {
        b.setInsertionPoint(use->getOwner());
        use->set(b.clone(*empty)->getResult(0));
      }
  }
};

} // namespace
