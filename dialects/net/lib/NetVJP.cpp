//===- NetVJP.cpp - Vector-Jacobian products of the net ops ---------------===//
//
// Each differentiable op builds the gradients of its operands from the
// gradients of its results. Autodiff (net-autodiff) walks the graph backwards
// and calls these rules; the rules are checked against finite differences
// through compiled libraries in test/e2e.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace dlc::net;

FailureOr<SmallVector<Value>> MatmulOp::buildVJP(OpBuilder &b,
                                                 ArrayRef<Value> resultGrads) {
  Value dc = resultGrads[0];
  if (!dc)
    return SmallVector<Value>{Value(), Value()};
  if (getTransposeA() || getTransposeB())
    return emitOpError("has no gradient rule for transposed operands");
  Location loc = getLoc();
  // C = A B:  dA = dC B^T,  dB = A^T dC.
  Value da = b.create<MatmulOp>(loc, getLhs().getType(), dc, getRhs(),
                                /*transpose_a=*/false, /*transpose_b=*/true);
  Value db = b.create<MatmulOp>(loc, getRhs().getType(), getLhs(), dc,
                                /*transpose_a=*/true, /*transpose_b=*/false);
  return SmallVector<Value>{da, db};
}

FailureOr<SmallVector<Value>> BiasAddOp::buildVJP(OpBuilder &b,
                                                  ArrayRef<Value> resultGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return SmallVector<Value>{Value(), Value()};
  Value db = b.create<BiasGradOp>(getLoc(), getBias().getType(), dy);
  return SmallVector<Value>{dy, db};
}

FailureOr<SmallVector<Value>>
ActivationOp::buildVJP(OpBuilder &b, ArrayRef<Value> resultGrads) {
  Value dy = resultGrads[0];
  if (!dy || getKind() == Activation::linear)
    return SmallVector<Value>{dy};
  Value dx = b.create<ActivationGradOp>(getLoc(), getType(), getKind(),
                                        getOutput(), dy);
  return SmallVector<Value>{dx};
}

FailureOr<SmallVector<Value>> LossOp::buildVJP(OpBuilder &b,
                                               ArrayRef<Value> resultGrads) {
  // The loss is the root of differentiation: its own gradient is 1.
  if (!resultGrads[0])
    return SmallVector<Value>{Value(), Value()};
  Value dp = b.create<LossGradOp>(getLoc(), getPrediction().getType(),
                                  getKind(), getPrediction(), getTarget());
  return SmallVector<Value>{dp, Value()};
}

FailureOr<SmallVector<Value>> ReshapeOp::buildVJP(OpBuilder &b,
                                                 ArrayRef<Value> resultGrads) {
  if (!resultGrads[0])
    return SmallVector<Value>{Value()};
  Value dx = b.create<ReshapeOp>(getLoc(), getInput().getType(), resultGrads[0]);
  return SmallVector<Value>{dx};
}

FailureOr<SmallVector<Value>>
ApplyDropoutOp::buildVJP(OpBuilder &b, ArrayRef<Value> resultGrads) {
  // y = x * mask with a mask fixed by (step, stream): dx = dy * mask.
  if (!resultGrads[0])
    return SmallVector<Value>{Value(), Value()};
  Value dx = b.create<ApplyDropoutOp>(getLoc(), getType(), resultGrads[0],
                                      getStep(), getKeepAttr(), getStreamAttr());
  return SmallVector<Value>{dx, Value()};
}

FailureOr<SmallVector<Value>> Conv2DOp::buildVJP(OpBuilder &b,
                                                ArrayRef<Value> resultGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return SmallVector<Value>{Value(), Value()};
  Location loc = getLoc();
  Value dx = b.create<Conv2DGradInputOp>(loc, getInput().getType(), dy,
                                         getFilter(), getStridesAttr(),
                                         getPadAttr());
  Value dw = b.create<Conv2DGradFilterOp>(loc, getFilter().getType(),
                                          getInput(), dy, getStridesAttr(),
                                          getPadAttr());
  return SmallVector<Value>{dx, dw};
}

FailureOr<SmallVector<Value>> Pool2DOp::buildVJP(OpBuilder &b,
                                                ArrayRef<Value> resultGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return SmallVector<Value>{Value()};
  Value dx = b.create<Pool2DGradOp>(getLoc(), getKind(), getInput(),
                                    getOutput(), dy, getSizeAttr(),
                                    getStridesAttr(), getPadAttr());
  return SmallVector<Value>{dx};
}

FailureOr<SmallVector<Value>>
BatchNormTrainOp::buildVJP(OpBuilder &b, ArrayRef<Value> resultGrads) {
  // The batch statistics feed the moving averages, not the loss.
  if (resultGrads[1] || resultGrads[2])
    return emitOpError("has no gradient rule for its batch statistics");
  Value dy = resultGrads[0];
  if (!dy)
    return SmallVector<Value>{Value(), Value(), Value()};
  auto grad = b.create<BatchNormGradOp>(getLoc(), getInput(), dy, getGamma(),
                                        getMean(), getVariance(),
                                        getEpsilonAttr());
  return SmallVector<Value>{grad.getInputGrad(), grad.getGammaGrad(),
                            grad.getBetaGrad()};
}
