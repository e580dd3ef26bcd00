//===- ExpandLayers.cpp - net-expand-layers -------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace dlc {
#define GEN_PASS_DEF_NETEXPANDLAYERS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
using namespace dlc::net;

namespace {
/// TFLearn's scope names: `FullyConnected`, `FullyConnected_1`, ...
std::string scopeName(StringRef base, int index) {
  return index == 0 ? base.str() : (base + "_" + Twine(index)).str();
}

/// The two numbers a net.parameter keeps for its initialiser.
std::pair<double, double> initNumbers(FullyConnectedOp fc) {
  switch (fc.getWeightsInit()) {
  case Init::truncated_normal:
  case Init::normal:
    return {0.0, fc.getStddev().convertToDouble()};
  case Init::uniform:
    return {fc.getInitMin().convertToDouble(),
            fc.getInitMax().convertToDouble()};
  default:
    return {0.0, 0.0};
  }
}

/// [batch, d1, d2, ...] -> [batch, d1 * d2 * ...].
Value flatten(OpBuilder &b, Location loc, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t features = 1;
  for (int64_t d : type.getShape().drop_front())
    features *= d;
  auto flatType =
      RankedTensorType::get({type.getDimSize(0), features}, type.getElementType());
  return b.create<ReshapeOp>(loc, flatType, input);
}

LogicalResult expandFlatten(FlattenOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
  if (!type)
    return op.emitOpError("has no inferred input shape (run net-infer-shapes "
                          "first)");
  OpBuilder b(op);
  Value result = type.getRank() == 2 ? op.getInput()
                                     : flatten(b, op.getLoc(), op.getInput());
  op.replaceAllUsesWith(result);
  op.erase();
  return success();
}

LogicalResult expandFullyConnected(FullyConnectedOp fc, int index) {
  auto inputType = dyn_cast<RankedTensorType>(fc.getInput().getType());
  if (!inputType)
    return fc.emitOpError("has no inferred input shape (run net-infer-shapes "
                          "first)");
  OpBuilder b(fc);
  Location loc = fc.getLoc();
  std::string scope = scopeName("FullyConnected", index);
  Value input = fc.getInput();
  if (inputType.getRank() > 2) // TFLearn flattens a >2-D input.
    input = flatten(b, loc, input);
  inputType = cast<RankedTensorType>(input.getType());
  int64_t in = inputType.getDimSize(1), units = fc.getUnits();
  double decay = fc.getRegularizer() ? fc.getWeightDecay().convertToDouble() : 0.0;
  auto [a, bnum] = initNumbers(fc);

  auto wType = RankedTensorType::get({in, units}, b.getF32Type());
  Value w = b.create<ParameterOp>(loc, wType, b.getStringAttr(scope + "/W"),
                                  InitAttr::get(b.getContext(), fc.getWeightsInit()),
                                  b.getF64FloatAttr(a), b.getF64FloatAttr(bnum),
                                  b.getF64FloatAttr(decay));
  auto outType = RankedTensorType::get({inputType.getDimSize(0), units},
                                       b.getF32Type());
  Value y = b.create<MatmulOp>(loc, outType, input, w, false, false);
  if (fc.getBias()) {
    auto bType = RankedTensorType::get({units}, b.getF32Type());
    Value bias = b.create<ParameterOp>(
        loc, bType, b.getStringAttr(scope + "/b"),
        InitAttr::get(b.getContext(), Init::zeros), b.getF64FloatAttr(0.0),
        b.getF64FloatAttr(0.0), b.getF64FloatAttr(0.0));
    y = b.create<BiasAddOp>(loc, y, bias);
  }
  if (fc.getActivation() != Activation::linear)
    y = b.create<ActivationOp>(loc, outType, fc.getActivation(), y);
  fc.replaceAllUsesWith(y);
  fc.erase();
  return success();
}

struct NetExpandLayersPass
    : public dlc::impl::NetExpandLayersBase<NetExpandLayersPass> {
  void runOnOperation() override {
    for (auto model : getOperation().getOps<ModelOp>()) {
      int fcIndex = 0;
      for (Operation &op : llvm::make_early_inc_range(model.getBlock())) {
        if (auto fc = dyn_cast<FullyConnectedOp>(op)) {
          if (failed(expandFullyConnected(fc, fcIndex++)))
            return signalPassFailure();
        } else if (auto flat = dyn_cast<FlattenOp>(op)) {
          if (failed(expandFlatten(flat)))
            return signalPassFailure();
        }
      }
    }
  }
};
} // namespace
