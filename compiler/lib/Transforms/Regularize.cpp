//===- Regularize.cpp - net-regularize ------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace dlc {
#define GEN_PASS_DEF_NETREGULARIZE
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
using namespace dlc::net;

namespace {
struct NetRegularizePass
    : public dlc::impl::NetRegularizeBase<NetRegularizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto model : module.getOps<ModelOp>()) {
      auto grad = module.lookupSymbol<func::FuncOp>(
          (model.getSymName() + ".grad").str());
      if (!grad) {
        model.emitOpError("has no gradient function (run net-autodiff first)");
        return signalPassFailure();
      }
      auto ret = cast<func::ReturnOp>(grad.front().getTerminator());
      OpBuilder b(ret);
      // Results: loss, prediction, then one gradient per parameter.
      SmallVector<Value> results(ret.getOperands());
      for (auto [i, param] :
           llvm::enumerate(model.getBlock().getOps<ParameterOp>())) {
        double decay = param.getDecay().convertToDouble();
        if (decay == 0.0)
          continue;
        Value w = grad.getArgument(i);
        Value l2 = b.create<L2LossOp>(param.getLoc(), w, decay);
        results[0] = b.create<AddOp>(param.getLoc(), results[0], l2);
        results[2 + i] = b.create<AddScaledOp>(param.getLoc(), results[2 + i],
                                               w, b.getF64FloatAttr(decay));
      }
      ret->setOperands(results);
    }
  }
};
} // namespace
