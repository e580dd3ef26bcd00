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

/// TensorFlow's op type for the activation TFLearn applies.
StringRef activationOpName(Activation kind) {
  switch (kind) {
  case Activation::sigmoid:
    return "Sigmoid";
  case Activation::tanh:
    return "Tanh";
  case Activation::relu:
    return "Relu";
  case Activation::softmax:
    return "Softmax";
  case Activation::linear:
    break;
  }
  return "";
}

/// Marks the op computing `output` as the layer's tracked output (see
/// kLayerOutputAttr), named `<scope>/<TensorFlow op type>`.
void markLayerOutput(Value output, StringRef scope, StringRef opType) {
  Operation *op = output.getDefiningOp();
  op->setAttr(kLayerOutputAttr,
              StringAttr::get(op->getContext(), scope + "/" + opType));
}

/// The weights of a fully_connected or conv_2d layer: their initialiser with
/// its two numbers (mean and stddev, or min and max) and the L2 factor.
template <typename LayerOp>
Value createWeights(OpBuilder &b, LayerOp layer, RankedTensorType type,
                    const std::string &scope) {
  double a = 0.0, bnum = 0.0;
  switch (layer.getWeightsInit()) {
  case Init::truncated_normal:
  case Init::normal:
    bnum = layer.getStddev().convertToDouble();
    break;
  case Init::uniform:
    a = layer.getInitMin().convertToDouble();
    bnum = layer.getInitMax().convertToDouble();
    break;
  default:
    break;
  }
  double decay =
      layer.getRegularizer() ? layer.getWeightDecay().convertToDouble() : 0.0;
  return b.create<ParameterOp>(
      layer.getLoc(), type, b.getStringAttr(scope + "/W"),
      InitAttr::get(b.getContext(), layer.getWeightsInit()),
      b.getF64FloatAttr(a), b.getF64FloatAttr(bnum), b.getF64FloatAttr(decay),
      /*moving_average=*/FloatAttr());
}

/// `y + b` with a zero-initialised, unregularized bias of `units`.
Value addBias(OpBuilder &b, Location loc, Value y, int64_t units,
              const std::string &scope) {
  Value bias = b.create<ParameterOp>(
      loc, RankedTensorType::get({units}, b.getF32Type()),
      b.getStringAttr(scope + "/b"), InitAttr::get(b.getContext(), Init::zeros),
      b.getF64FloatAttr(0.0), b.getF64FloatAttr(0.0), b.getF64FloatAttr(0.0),
      /*moving_average=*/FloatAttr());
  return b.create<BiasAddOp>(loc, y, bias);
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
  Value filter = createWeights(
      b, conv, RankedTensorType::get({k, k, c, f}, b.getF32Type()), scope);
  Value y = b.create<Conv2DOp>(
      loc, outType, conv.getInput(), filter, b.getDenseI64ArrayAttr({s, s}),
      b.getDenseI64ArrayAttr({h.padBefore, h.padAfter, w.padBefore, w.padAfter}));
  StringRef opType = "Conv2D";
  if (conv.getBias()) {
    y = addBias(b, loc, y, f, scope);
    opType = "BiasAdd";
  }
  if (conv.getActivation() != Activation::linear) {
    y = b.create<ActivationOp>(loc, outType, conv.getActivation(), y);
    opType = activationOpName(conv.getActivation());
  }
  markLayerOutput(y, scope, opType);
  conv.replaceAllUsesWith(y);
  conv.erase();
  return success();
}

template <typename PoolOp>
LogicalResult expandPool(PoolOp pool, PoolKind kind, int index) {
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
  // TFLearn's pooling layers are name scopes around tf.nn.max_pool/avg_pool.
  bool max = kind == PoolKind::max;
  markLayerOutput(y, scopeName(max ? "MaxPool2D" : "AvgPool2D", index),
                  max ? "MaxPool" : "AvgPool");
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
  Value w = createWeights(
      b, fc, RankedTensorType::get({in, units}, b.getF32Type()), scope);
  auto outType = RankedTensorType::get({inputType.getDimSize(0), units},
                                       b.getF32Type());
  Value y = b.create<MatmulOp>(loc, outType, input, w, false, false);
  StringRef opType = "MatMul";
  if (fc.getBias()) {
    y = addBias(b, loc, y, units, scope);
    opType = "BiasAdd";
  }
  if (fc.getActivation() != Activation::linear) {
    y = b.create<ActivationOp>(loc, outType, fc.getActivation(), y);
    opType = activationOpName(fc.getActivation());
  }
  markLayerOutput(y, scope, opType);
  fc.replaceAllUsesWith(y);
  fc.erase();
  return success();
}

/// TFLearn's batch_normalization: beta, gamma and the two moving statistics
/// (not trained: updated by their moving average), all [channels], and the
/// inference form of the op; autodiff switches the training function to the
/// batch's statistics.
LogicalResult expandBatchNormalization(BatchNormalizationOp bn, int index) {
  auto type = dyn_cast<RankedTensorType>(bn.getInput().getType());
  if (!type)
    return bn.emitOpError("has no inferred input shape (run net-infer-shapes "
                          "first)");
  OpBuilder b(bn);
  Location loc = bn.getLoc();
  std::string scope = scopeName("BatchNormalization", index);
  auto channels =
      RankedTensorType::get({type.getDimSize(type.getRank() - 1)},
                            b.getF32Type());
  auto param = [&](StringRef name, Init init, double a, double bnum,
                   FloatAttr moving = {}) -> Value {
    return b.create<ParameterOp>(
        loc, channels, b.getStringAttr(scope + "/" + name),
        InitAttr::get(b.getContext(), init), b.getF64FloatAttr(a),
        b.getF64FloatAttr(bnum), b.getF64FloatAttr(0.0), moving);
  };
  double beta = bn.getBeta().convertToDouble();
  Value betaParam = param("beta", beta == 0.0 ? Init::zeros : Init::constant,
                          beta, 0.0);
  Value gamma = param("gamma", Init::normal, bn.getGamma().convertToDouble(),
                      bn.getStddev().convertToDouble());
  Value mean = param("moving_mean", Init::zeros, 0.0, 0.0, bn.getDecayAttr());
  Value var = param("moving_variance", Init::constant, 1.0, 0.0,
                    bn.getDecayAttr());
  Value y = b.create<BatchNormOp>(loc, bn.getInput(), gamma, betaParam, mean,
                                  var, bn.getEpsilonAttr());
  bn.replaceAllUsesWith(y);
  bn.erase();
  return success();
}

struct NetExpandLayersPass
    : public dlc::impl::NetExpandLayersBase<NetExpandLayersPass> {
  void runOnOperation() override {
    for (auto model : getOperation().getOps<ModelOp>()) {
      int fcIndex = 0, convIndex = 0, bnIndex = 0, maxIndex = 0, avgIndex = 0;
      for (Operation &op : llvm::make_early_inc_range(model.getBlock())) {
        LogicalResult result = success();
        if (auto fc = dyn_cast<FullyConnectedOp>(op))
          result = expandFullyConnected(fc, fcIndex++);
        else if (auto conv = dyn_cast<Conv2DLayerOp>(op))
          result = expandConv2D(conv, convIndex++);
        else if (auto pool = dyn_cast<MaxPool2DLayerOp>(op))
          result = expandPool(pool, PoolKind::max, maxIndex++);
        else if (auto pool = dyn_cast<AvgPool2DLayerOp>(op))
          result = expandPool(pool, PoolKind::avg, avgIndex++);
        else if (auto flat = dyn_cast<FlattenOp>(op))
          result = expandFlatten(flat);
        else if (auto bn = dyn_cast<BatchNormalizationOp>(op))
          result = expandBatchNormalization(bn, bnIndex++);
        if (failed(result))
          return signalPassFailure();
      }
    }
  }
};
} // namespace
