//===- InferShapes.cpp - net-infer-shapes ---------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

namespace dlc {
#define GEN_PASS_DEF_NETINFERSHAPES
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {
struct NetInferShapesPass
    : public dlc::impl::NetInferShapesBase<NetInferShapesPass> {
  void runOnOperation() override {
    getOperation().walk([&](net::ModelOp model) {
      // Ops are in def-before-use order, so one forward walk suffices.
      for (Operation &op : model.getBlock()) {
        auto iface = dyn_cast<InferTypeOpInterface>(op);
        if (!iface)
          continue;
        SmallVector<Type> types;
        if (failed(iface.inferReturnTypes(
                op.getContext(), op.getLoc(), op.getOperands(),
                op.getAttrDictionary(), op.getPropertiesStorage(),
                op.getRegions(), types))) {
          op.emitOpError("could not infer its result type");
          return signalPassFailure();
        }
        for (auto [result, type] : llvm::zip(op.getResults(), types)) {
          // Sizes that overflowed in inference, or examples too large for
          // the workspace's byte offsets.
          auto ranked = dyn_cast<RankedTensorType>(type);
          if (ranked && ranked.getRank() > 0) {
            ArrayRef<int64_t> perExample = ranked.getShape().drop_front();
            if (llvm::any_of(perExample, ShapedType::isDynamic) ||
                !net::boundedElementCount(perExample)) {
              op.emitOpError("infers ")
                  << type << ": examples of more than " << net::kMaxElements
                  << " elements (or sizes that overflow) are not supported";
              return signalPassFailure();
            }
          }
          result.setType(type);
        }
      }
    });
  }
};
} // namespace
