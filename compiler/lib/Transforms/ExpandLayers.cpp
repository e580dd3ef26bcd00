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

/// The initialiser numbers of conv_2d (same rules as fully_connected).
std::pair<double, double> initNumbers(Conv2DLayerOp conv) {
  switch (conv.getWeightsInit()) {
  case Init::truncated_normal:
  case Init::normal:
    return {0.0, conv.getStddev().convertToDouble()};
  case Init::uniform:
    return {conv.getInitMin().convertToDouble(),
            conv.getInitMax().convertToDouble()};
  default:
    return {0.0, 0.0};
  }
}

LogicalResult expandConv2D(Conv2DLayerOp conv, int index) {
  auto inType = dyn_cast<RankedTensorType>(conv.getInput().getType());
  auto outType = dyn_cast<RankedTensorType>(conv.getType());
  if (!inType || !outType)
    return conv.emitOpError("has no inferred input shape (run net-infer-shapes "
                            "first)");
  OpBuilder b(conv);
  Location loc = conv.getLoc();
  std::string scope = scopeName("Conv2D", index);
  int64_t k = conv.getSize(), s = conv.getStrides();
  int64_t c = inType.getDimSize(3), f = conv.getFilters();
  Window h = computeWindow(inType.getDimSize(1), k, s, conv.getPadding());
  Window w = computeWindow(inType.getDimSize(2), k, s, conv.getPadding());
  double decay =
      conv.getRegularizer() ? conv.getWeightDecay().convertToDouble() : 0.0;
  auto [a, bnum] = initNumbers(conv);
  auto wType = RankedTensorType::get({k, k, c, f}, b.getF32Type());
  Value filter = b.create<ParameterOp>(
      loc, wType, b.getStringAttr(scope + "/W"),
      InitAttr::get(b.getContext(), conv.getWeightsInit()), b.getF64FloatAttr(a),
      b.getF64FloatAttr(bnum), b.getF64FloatAttr(decay));
  Value y = b.create<Conv2DOp>(
      loc, outType, conv.getInput(), filter, b.getDenseI64ArrayAttr({s, s}),
      b.getDenseI64ArrayAttr({h.padBefore, h.padAfter, w.padBefore, w.padAfter}));
  if (conv.getBias()) {
    Value bias = b.create<ParameterOp>(
        loc, RankedTensorType::get({f}, b.getF32Type()),
        b.getStringAttr(scope + "/b"), InitAttr::get(b.getContext(), Init::zeros),
        b.getF64FloatAttr(0.0), b.getF64FloatAttr(0.0), b.getF64FloatAttr(0.0));
    y = b.create<BiasAddOp>(loc, y, bias);
  }
  if (conv.getActivation() != Activation::linear)
    y = b.create<ActivationOp>(loc, outType, conv.getActivation(), y);
  conv.replaceAllUsesWith(y);
  conv.erase();
  return success();
}

template <typename PoolOp>
LogicalResult expandPool(PoolOp pool, PoolKind kind) {
  auto inType = dyn_cast<RankedTensorType>(pool.getInput().getType());
  auto outType = dyn_cast<RankedTensorType>(pool.getType());
  if (!inType || !outType)
    return pool.emitOpError("has no inferred input shape (run net-infer-shapes "
                            "first)");
  OpBuilder b(pool);
  int64_t k = pool.getSize(), s = pool.getStride();
  Window h = computeWindow(inType.getDimSize(1), k, s, pool.getPadding());
  Window w = computeWindow(inType.getDimSize(2), k, s, pool.getPadding());
  Value y = b.create<Pool2DOp>(
      pool.getLoc(), outType, kind, pool.getInput(),
      b.getDenseI64ArrayAttr({k, k}), b.getDenseI64ArrayAttr({s, s}),
      b.getDenseI64ArrayAttr({h.padBefore, h.padAfter, w.padBefore, w.padAfter}));
  pool.replaceAllUsesWith(y);
  pool.erase();
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
      int fcIndex = 0, convIndex = 0;
      for (Operation &op : llvm::make_early_inc_range(model.getBlock())) {
        LogicalResult result = success();
        if (auto fc = dyn_cast<FullyConnectedOp>(op))
          result = expandFullyConnected(fc, fcIndex++);
        else if (auto conv = dyn_cast<Conv2DLayerOp>(op))
          result = expandConv2D(conv, convIndex++);
        else if (auto pool = dyn_cast<MaxPool2DLayerOp>(op))
          result = expandPool(pool, PoolKind::max);
        else if (auto pool = dyn_cast<AvgPool2DLayerOp>(op))
          result = expandPool(pool, PoolKind::avg);
        else if (auto flat = dyn_cast<FlattenOp>(op))
          result = expandFlatten(flat);
        if (failed(result))
          return signalPassFailure();
      }
    }
  }
};
} // namespace
