//===- NetToLinalg.cpp - convert-net-to-linalg ----------------------------===//
//
// Tensor ops of the net dialect become linalg ops on tensors (elementwise
// math as linalg.generic, products as named matmuls). The buffer-level ops
// of the entry points (clipping, optimizer update) become linalg ops on
// memrefs, and the initialiser becomes an scf loop around a counter-based
// generator (splitmix64 of seed, stream and index).
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace dlc {
#define GEN_PASS_DEF_CONVERTNETTOLINALG
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
using namespace dlc::net;

namespace {
using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

Value f32Const(OpBuilder &b, Location loc, double v) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
}

/// tensor.empty of `type`, taking dynamic sizes from `like`.
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dyn.push_back(b.create<tensor::DimOp>(loc, like, i));
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(),
                                   dyn);
}

Value filled(OpBuilder &b, Location loc, Value empty, double v) {
  return b.create<linalg::FillOp>(loc, f32Const(b, loc, v), empty).getResult(0);
}

SmallVector<utils::IteratorType> iterators(int64_t rank,
                                           utils::IteratorType kind) {
  return SmallVector<utils::IteratorType>(rank, kind);
}

/// Elementwise op over inputs of one shape; `body` gets the input scalars.
Value elementwise(OpBuilder &b, Location loc, ValueRange inputs, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size() + 1, id);
  return b
      .create<linalg::GenericOp>(
          loc, type, inputs, emptyLike(b, loc, type, inputs[0]), maps,
          iterators(type.getRank(), utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            nb.create<linalg::YieldOp>(nl, body(nb, nl, args.drop_back()));
          })
      .getResult(0);
}

/// Reduces the last dimension of a [N, C] tensor to [N]; `body` gets
/// (input scalars..., accumulator).
Value rowReduce(OpBuilder &b, Location loc, ValueRange inputs, double init,
                BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  auto rowType = RankedTensorType::get({type.getDimSize(0)}, b.getF32Type());
  Value acc = filled(b, loc, emptyLike(b, loc, rowType, inputs[0]), init);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<AffineMap> maps(inputs.size(), id);
  maps.push_back(row);
  return b
      .create<linalg::GenericOp>(
          loc, rowType, inputs, acc, maps,
          SmallVector<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            nb.create<linalg::YieldOp>(nl, body(nb, nl, args));
          })
      .getResult(0);
}

/// Elementwise op over [N, C] inputs and [N] row values; `body` gets the
/// input scalars then the row scalars.
Value withRows(OpBuilder &b, Location loc, ValueRange inputs, ValueRange rows,
               BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<AffineMap> maps(inputs.size(), id);
  maps.append(rows.size(), row);
  maps.push_back(id);
  SmallVector<Value> all(inputs);
  all.append(rows.begin(), rows.end());
  return b
      .create<linalg::GenericOp>(
          loc, type, all, emptyLike(b, loc, type, inputs[0]), maps,
          iterators(2, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            nb.create<linalg::YieldOp>(nl, body(nb, nl, args.drop_back()));
          })
      .getResult(0);
}

/// Sums `body(inputs...)` over every element into a tensor<f32>.
Value sumAll(OpBuilder &b, Location loc, ValueRange inputs, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  auto scalarType = RankedTensorType::get({}, b.getF32Type());
  Value acc = filled(
      b, loc, b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{}, b.getF32Type()),
      0.0);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size(), id);
  maps.push_back(AffineMap::get(type.getRank(), 0, {}, b.getContext()));
  return b
      .create<linalg::GenericOp>(
          loc, scalarType, inputs, acc, maps,
          iterators(type.getRank(), utils::IteratorType::reduction),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value v = body(nb, nl, args.drop_back());
            nb.create<linalg::YieldOp>(
                nl, nb.create<arith::AddFOp>(nl, args.back(), v).getResult());
          })
      .getResult(0);
}

/// Multiplies a tensor<f32> by a scalar.
Value scaleScalar(OpBuilder &b, Location loc, Value t, Value s) {
  return elementwise(b, loc, t, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return nb.create<arith::MulFOp>(nl, a[0], s).getResult();
  });
}

/// 1 / (number of rows) or 1 / (number of elements) of a [N, C] tensor.
Value inverseCount(OpBuilder &b, Location loc, Value t, bool perElement) {
  auto type = cast<RankedTensorType>(t.getType());
  Value n = b.create<tensor::DimOp>(loc, t, 0);
  Value nf = b.create<arith::UIToFPOp>(
      loc, b.getF32Type(),
      b.create<arith::IndexCastUIOp>(loc, b.getI64Type(), n));
  if (perElement) {
    int64_t perRow = 1;
    for (int64_t d : type.getShape().drop_front())
      perRow *= d;
    nf = b.create<arith::MulFOp>(loc, nf, f32Const(b, loc, double(perRow)));
  }
  return b.create<arith::DivFOp>(loc, f32Const(b, loc, 1.0), nf);
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  Value one = f32Const(b, loc, 1.0);
  return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
}

Value clampProb(OpBuilder &b, Location loc, Value p) {
  // TFLearn clips probabilities to [eps, 1 - eps] before taking logs.
  const double eps = 1e-7;
  Value lo = b.create<arith::MaximumFOp>(loc, p, f32Const(b, loc, eps));
  return b.create<arith::MinimumFOp>(loc, lo, f32Const(b, loc, 1.0 - eps));
}

/// Row-wise softmax of [N, C] logits, computed stably.
Value softmax(OpBuilder &b, Location loc, Value x) {
  Value max = rowReduce(b, loc, x, -INFINITY,
                        [](OpBuilder &nb, Location nl, ValueRange a) {
                          return nb.create<arith::MaximumFOp>(nl, a[0], a[1])
                              .getResult();
                        });
  Value e = withRows(b, loc, x, max, [](OpBuilder &nb, Location nl, ValueRange a) {
    return nb.create<math::ExpOp>(nl, nb.create<arith::SubFOp>(nl, a[0], a[1]))
        .getResult();
  });
  Value sum = rowReduce(b, loc, e, 0.0, [](OpBuilder &nb, Location nl, ValueRange a) {
    return nb.create<arith::AddFOp>(nl, a[0], a[1]).getResult();
  });
  return withRows(b, loc, e, sum, [](OpBuilder &nb, Location nl, ValueRange a) {
    return nb.create<arith::DivFOp>(nl, a[0], a[1]).getResult();
  });
}

//===----------------------------------------------------------------------===//
// Tensor ops
//===----------------------------------------------------------------------===//

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    SmallVector<Value> dyn;
    if (type.isDynamicDim(0))
      dyn.push_back(rewriter.create<tensor::DimOp>(loc, lhs, op.getTransposeA() ? 1 : 0));
    if (type.isDynamicDim(1))
      dyn.push_back(rewriter.create<tensor::DimOp>(loc, rhs, op.getTransposeB() ? 0 : 1));
    Value init = filled(rewriter, loc,
                        rewriter.create<tensor::EmptyOp>(
                            loc, type.getShape(), type.getElementType(), dyn),
                        0.0);
    Operation *mm;
    if (op.getTransposeA() && op.getTransposeB())
      return rewriter.notifyMatchFailure(op, "both operands transposed");
    if (op.getTransposeA())
      mm = rewriter.create<linalg::MatmulTransposeAOp>(loc, ValueRange{lhs, rhs},
                                                       ValueRange{init});
    else if (op.getTransposeB())
      mm = rewriter.create<linalg::MatmulTransposeBOp>(loc, ValueRange{lhs, rhs},
                                                       ValueRange{init});
    else
      mm = rewriter.create<linalg::MatmulOp>(loc, ValueRange{lhs, rhs},
                                             ValueRange{init});
    rewriter.replaceOp(op, mm->getResults());
    return success();
  }
};

struct BiasAddLowering : OpConversionPattern<BiasAddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BiasAddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    MLIRContext *ctx = getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap last = AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
    Value result =
        rewriter
            .create<linalg::GenericOp>(
                loc, type, ValueRange{adaptor.getInput(), adaptor.getBias()},
                emptyLike(rewriter, loc, type, adaptor.getInput()),
                ArrayRef<AffineMap>{id, last, id},
                iterators(rank, utils::IteratorType::parallel),
                [](OpBuilder &b, Location l, ValueRange a) {
                  b.create<linalg::YieldOp>(
                      l, b.create<arith::AddFOp>(l, a[0], a[1]).getResult());
                })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BiasGradLowering : OpConversionPattern<BiasGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BiasGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = inType.getRank();
    MLIRContext *ctx = getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap last = AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
    auto iters = iterators(rank, utils::IteratorType::reduction);
    iters.back() = utils::IteratorType::parallel;
    Value acc = filled(rewriter, loc,
                       rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                        type.getElementType()),
                       0.0);
    Value result =
        rewriter
            .create<linalg::GenericOp>(
                loc, type, adaptor.getInput(), acc,
                ArrayRef<AffineMap>{id, last}, iters,
                [](OpBuilder &b, Location l, ValueRange a) {
                  b.create<linalg::YieldOp>(
                      l, b.create<arith::AddFOp>(l, a[0], a[1]).getResult());
                })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ActivationLowering : OpConversionPattern<ActivationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Value result;
    switch (op.getKind()) {
    case Activation::linear:
      result = x;
      break;
    case Activation::sigmoid:
      result = elementwise(rewriter, loc, x, [](OpBuilder &b, Location l, ValueRange a) {
        return sigmoid(b, l, a[0]);
      });
      break;
    case Activation::tanh:
      result = elementwise(rewriter, loc, x, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<math::TanhOp>(l, a[0]).getResult();
      });
      break;
    case Activation::relu:
      result = elementwise(rewriter, loc, x, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::MaximumFOp>(l, a[0], f32Const(b, l, 0.0))
            .getResult();
      });
      break;
    case Activation::softmax:
      if (cast<RankedTensorType>(x.getType()).getRank() != 2)
        return rewriter.notifyMatchFailure(op, "softmax needs a 2-D input");
      result = softmax(rewriter, loc, x);
      break;
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ActivationGradLowering : OpConversionPattern<ActivationGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ActivationGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = adaptor.getOutput(), dy = adaptor.getOutputGrad();
    Value result;
    switch (op.getKind()) {
    case Activation::linear:
      result = dy;
      break;
    case Activation::sigmoid: // dy * y * (1 - y)
      result = elementwise(rewriter, loc, {y, dy}, [](OpBuilder &b, Location l, ValueRange a) {
        Value oneMinus = b.create<arith::SubFOp>(l, f32Const(b, l, 1.0), a[0]);
        return b.create<arith::MulFOp>(l, a[1], b.create<arith::MulFOp>(l, a[0], oneMinus))
            .getResult();
      });
      break;
    case Activation::tanh: // dy * (1 - y^2)
      result = elementwise(rewriter, loc, {y, dy}, [](OpBuilder &b, Location l, ValueRange a) {
        Value sq = b.create<arith::MulFOp>(l, a[0], a[0]);
        return b.create<arith::MulFOp>(
                    l, a[1], b.create<arith::SubFOp>(l, f32Const(b, l, 1.0), sq))
            .getResult();
      });
      break;
    case Activation::relu: // dy where y > 0
      result = elementwise(rewriter, loc, {y, dy}, [](OpBuilder &b, Location l, ValueRange a) {
        Value pos = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, a[0],
                                            f32Const(b, l, 0.0));
        return b.create<arith::SelectOp>(l, pos, a[1], f32Const(b, l, 0.0))
            .getResult();
      });
      break;
    case Activation::softmax: { // y * (dy - sum_j dy_j y_j)
      Value dot = rowReduce(rewriter, loc, {y, dy}, 0.0, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::AddFOp>(l, a[2], b.create<arith::MulFOp>(l, a[0], a[1]))
            .getResult();
      });
      result = withRows(rewriter, loc, {y, dy}, dot, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::MulFOp>(l, a[0], b.create<arith::SubFOp>(l, a[1], a[2]))
            .getResult();
      });
      break;
    }
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AddLowering : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(),
                                       {adaptor.getLhs(), adaptor.getRhs()},
                                       [](OpBuilder &b, Location l, ValueRange a) {
                                         return b.create<arith::AddFOp>(l, a[0], a[1])
                                             .getResult();
                                       }));
    return success();
  }
};

struct AddScaledLowering : OpConversionPattern<AddScaledOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AddScaledOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double scale = op.getScale().convertToDouble();
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), {adaptor.getLhs(), adaptor.getRhs()},
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value s = b.create<arith::MulFOp>(l, a[1], f32Const(b, l, scale));
                          return b.create<arith::AddFOp>(l, a[0], s).getResult();
                        }));
    return success();
  }
};

struct L2LossLowering : OpConversionPattern<L2LossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(L2LossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value sum = sumAll(rewriter, loc, adaptor.getInput(), [](OpBuilder &b, Location l, ValueRange a) {
      return b.create<arith::MulFOp>(l, a[0], a[0]).getResult();
    });
    double half = op.getScale().convertToDouble() / 2.0;
    rewriter.replaceOp(op, scaleScalar(rewriter, loc, sum, f32Const(rewriter, loc, half)));
    return success();
  }
};

struct LossLowering : OpConversionPattern<LossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value p = adaptor.getPrediction(), t = adaptor.getTarget();
    Value sum;
    bool perElement = false;
    switch (op.getKind()) {
    case Loss::mean_square:
      perElement = true;
      sum = sumAll(rewriter, loc, {p, t}, [](OpBuilder &b, Location l, ValueRange a) {
        Value d = b.create<arith::SubFOp>(l, a[0], a[1]);
        return b.create<arith::MulFOp>(l, d, d).getResult();
      });
      break;
    case Loss::binary_crossentropy: // -(t log p + (1 - t) log(1 - p))
      perElement = true;
      sum = sumAll(rewriter, loc, {p, t}, [](OpBuilder &b, Location l, ValueRange a) {
        Value pc = clampProb(b, l, a[0]);
        Value one = f32Const(b, l, 1.0);
        Value lp = b.create<math::LogOp>(l, pc);
        Value lq = b.create<math::LogOp>(l, b.create<arith::SubFOp>(l, one, pc));
        Value q = b.create<arith::SubFOp>(l, one, a[1]);
        Value s = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, a[1], lp),
                                          b.create<arith::MulFOp>(l, q, lq));
        return b.create<arith::NegFOp>(l, s).getResult();
      });
      break;
    case Loss::categorical_crossentropy: // -sum t log p, per example
      sum = sumAll(rewriter, loc, {p, t}, [](OpBuilder &b, Location l, ValueRange a) {
        Value lp = b.create<math::LogOp>(l, clampProb(b, l, a[0]));
        return b.create<arith::NegFOp>(l, b.create<arith::MulFOp>(l, a[1], lp))
            .getResult();
      });
      break;
    case Loss::sigmoid_binary_crossentropy: // max(z,0) - z t + log(1 + e^-|z|)
      perElement = true;
      sum = sumAll(rewriter, loc, {p, t}, [](OpBuilder &b, Location l, ValueRange a) {
        Value z = a[0];
        Value relu = b.create<arith::MaximumFOp>(l, z, f32Const(b, l, 0.0));
        Value absz = b.create<math::AbsFOp>(l, z);
        Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, absz));
        Value lg = b.create<math::Log1pOp>(l, e);
        Value zt = b.create<arith::MulFOp>(l, z, a[1]);
        return b.create<arith::AddFOp>(l, b.create<arith::SubFOp>(l, relu, zt), lg)
            .getResult();
      });
      break;
    case Loss::softmax_categorical_crossentropy: { // sum_j t_j (lse - z_j)
      Value max = rowReduce(rewriter, loc, p, -INFINITY, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::MaximumFOp>(l, a[0], a[1]).getResult();
      });
      Value shifted = withRows(rewriter, loc, p, max, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::SubFOp>(l, a[0], a[1]).getResult();
      });
      Value sumExp = rowReduce(rewriter, loc, shifted, 0.0, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::AddFOp>(l, a[1], b.create<math::ExpOp>(l, a[0])).getResult();
      });
      Value perClass = withRows(rewriter, loc, {shifted, t}, sumExp, [](OpBuilder &b, Location l, ValueRange a) {
        Value lse = b.create<math::LogOp>(l, a[2]);
        return b.create<arith::MulFOp>(l, a[1], b.create<arith::SubFOp>(l, lse, a[0]))
            .getResult();
      });
      sum = sumAll(rewriter, loc, perClass, [](OpBuilder &, Location, ValueRange a) {
        return a[0];
      });
      break;
    }
    }
    Value inv = inverseCount(rewriter, loc, p, perElement);
    rewriter.replaceOp(op, scaleScalar(rewriter, loc, sum, inv));
    return success();
  }
};

struct LossGradLowering : OpConversionPattern<LossGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value p = adaptor.getPrediction(), t = adaptor.getTarget();
    Loss kind = op.getKind();
    bool perElement = kind == Loss::mean_square ||
                      kind == Loss::binary_crossentropy ||
                      kind == Loss::sigmoid_binary_crossentropy;
    Value inv = inverseCount(rewriter, loc, p, perElement);
    Value result;
    switch (kind) {
    case Loss::mean_square: { // 2 (p - t) / count
      Value twoInv = rewriter.create<arith::MulFOp>(loc, inv, f32Const(rewriter, loc, 2.0));
      result = elementwise(rewriter, loc, {p, t}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value d = b.create<arith::SubFOp>(l, a[0], a[1]);
        return b.create<arith::MulFOp>(l, d, twoInv).getResult();
      });
      break;
    }
    case Loss::binary_crossentropy: // (p - t) / (p (1 - p)) / count
      result = elementwise(rewriter, loc, {p, t}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value pc = clampProb(b, l, a[0]);
        Value q = b.create<arith::SubFOp>(l, f32Const(b, l, 1.0), pc);
        Value d = b.create<arith::SubFOp>(l, pc, a[1]);
        Value den = b.create<arith::MulFOp>(l, pc, q);
        return b.create<arith::MulFOp>(l, b.create<arith::DivFOp>(l, d, den), inv)
            .getResult();
      });
      break;
    case Loss::categorical_crossentropy: // -t / p / count
      result = elementwise(rewriter, loc, {p, t}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value q = b.create<arith::DivFOp>(l, a[1], clampProb(b, l, a[0]));
        return b.create<arith::MulFOp>(l, b.create<arith::NegFOp>(l, q), inv)
            .getResult();
      });
      break;
    case Loss::sigmoid_binary_crossentropy: // (sigmoid(z) - t) / count
      result = elementwise(rewriter, loc, {p, t}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value d = b.create<arith::SubFOp>(l, sigmoid(b, l, a[0]), a[1]);
        return b.create<arith::MulFOp>(l, d, inv).getResult();
      });
      break;
    case Loss::softmax_categorical_crossentropy: { // (softmax(z) sum t - t) / N
      Value sm = softmax(rewriter, loc, p);
      Value tsum = rowReduce(rewriter, loc, t, 0.0, [](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::AddFOp>(l, a[0], a[1]).getResult();
      });
      result = withRows(rewriter, loc, {sm, t}, tsum, [&](OpBuilder &b, Location l, ValueRange a) {
        Value d = b.create<arith::SubFOp>(l, b.create<arith::MulFOp>(l, a[0], a[2]), a[1]);
        return b.create<arith::MulFOp>(l, d, inv).getResult();
      });
      break;
    }
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Buffer-level ops
//===----------------------------------------------------------------------===//

/// linalg.generic over 1-D buffers of one shape, in place on `outs`.
void updateInPlace(OpBuilder &b, Location loc, ValueRange ins, ValueRange outs,
                   function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  AffineMap id = b.getMultiDimIdentityMap(1);
  SmallVector<AffineMap> maps(ins.size() + outs.size(), id);
  b.create<linalg::GenericOp>(
      loc, TypeRange{}, ins, outs, maps,
      iterators(1, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        nb.create<linalg::YieldOp>(nl, body(nb, nl, args));
      });
}

struct ClipByGlobalNormLowering : OpConversionPattern<ClipByGlobalNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClipByGlobalNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value g = adaptor.getGrads();
    auto accType = MemRefType::get({}, rewriter.getF32Type());
    Value acc = rewriter.create<memref::AllocaOp>(loc, accType);
    rewriter.create<linalg::FillOp>(loc, f32Const(rewriter, loc, 0.0), acc);
    AffineMap id = rewriter.getMultiDimIdentityMap(1);
    AffineMap scalar = AffineMap::get(1, 0, {}, getContext());
    rewriter.create<linalg::GenericOp>(
        loc, TypeRange{}, g, acc, ArrayRef<AffineMap>{id, scalar},
        iterators(1, utils::IteratorType::reduction),
        [](OpBuilder &b, Location l, ValueRange a) {
          Value sq = b.create<arith::MulFOp>(l, a[0], a[0]);
          b.create<linalg::YieldOp>(l, b.create<arith::AddFOp>(l, a[1], sq).getResult());
        });
    // g *= clip / max(norm, clip)
    Value clip = f32Const(rewriter, loc, op.getClip().convertToDouble());
    Value norm = rewriter.create<math::SqrtOp>(
        loc, rewriter.create<memref::LoadOp>(loc, acc, ValueRange{}));
    Value scale = rewriter.create<arith::DivFOp>(
        loc, clip, rewriter.create<arith::MaximumFOp>(loc, norm, clip));
    updateInPlace(rewriter, loc, {}, g, [&](OpBuilder &b, Location l, ValueRange a) {
      return SmallVector<Value>{b.create<arith::MulFOp>(l, a[0], scale)};
    });
    rewriter.eraseOp(op);
    return success();
  }
};

struct ApplyGradientsLowering : OpConversionPattern<ApplyGradientsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ApplyGradientsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value params = adaptor.getParams(), grads = adaptor.getGrads();
    int64_t n = cast<MemRefType>(params.getType()).getDimSize(0);
    auto slot = [&](int64_t i) -> Value {
      return rewriter.create<memref::SubViewOp>(
          loc, adaptor.getState(), ArrayRef<OpFoldResult>{rewriter.getIndexAttr(i * n)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(n)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
    };
    double lr = op.getLearningRate().convertToDouble();
    switch (op.getOptimizer()) {
    case Optimizer::sgd: // w -= lr g
      updateInPlace(rewriter, loc, grads, params, [&](OpBuilder &b, Location l, ValueRange a) {
        Value step = b.create<arith::MulFOp>(l, a[0], f32Const(b, l, lr));
        return SmallVector<Value>{b.create<arith::SubFOp>(l, a[1], step)};
      });
      break;
    case Optimizer::momentum: { // a = m a + g; w -= lr a
      double m = op.getMomentum().convertToDouble();
      updateInPlace(rewriter, loc, grads, {params, slot(0)}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value acc = b.create<arith::AddFOp>(
            l, b.create<arith::MulFOp>(l, a[2], f32Const(b, l, m)), a[0]);
        Value w = b.create<arith::SubFOp>(
            l, a[1], b.create<arith::MulFOp>(l, acc, f32Const(b, l, lr)));
        return SmallVector<Value>{w, acc};
      });
      break;
    }
    case Optimizer::adam: {
      // TensorFlow's Adam: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),
      // w -= lr_t m / (sqrt(v) + eps).
      double b1 = op.getBeta1().convertToDouble();
      double b2 = op.getBeta2().convertToDouble();
      double eps = op.getEpsilon().convertToDouble();
      Value t = rewriter.create<arith::SIToFPOp>(loc, rewriter.getF32Type(),
                                                 adaptor.getStep());
      auto pow = [&](double base) -> Value { // base^t = exp(t log base)
        return rewriter.create<math::ExpOp>(
            loc, rewriter.create<arith::MulFOp>(loc, t, f32Const(rewriter, loc, std::log(base))));
      };
      Value one = f32Const(rewriter, loc, 1.0);
      Value lrT = rewriter.create<arith::DivFOp>(
          loc,
          rewriter.create<arith::MulFOp>(
              loc, f32Const(rewriter, loc, lr),
              rewriter.create<math::SqrtOp>(loc, rewriter.create<arith::SubFOp>(loc, one, pow(b2)))),
          rewriter.create<arith::SubFOp>(loc, one, pow(b1)));
      updateInPlace(rewriter, loc, grads, {params, slot(0), slot(1)},
                    [&](OpBuilder &b, Location l, ValueRange a) {
        Value g = a[0];
        Value mNew = b.create<arith::AddFOp>(
            l, b.create<arith::MulFOp>(l, a[2], f32Const(b, l, b1)),
            b.create<arith::MulFOp>(l, g, f32Const(b, l, 1.0 - b1)));
        Value vNew = b.create<arith::AddFOp>(
            l, b.create<arith::MulFOp>(l, a[3], f32Const(b, l, b2)),
            b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, g, g),
                                    f32Const(b, l, 1.0 - b2)));
        Value den = b.create<arith::AddFOp>(l, b.create<math::SqrtOp>(l, vNew),
                                            f32Const(b, l, eps));
        Value upd = b.create<arith::MulFOp>(l, lrT, b.create<arith::DivFOp>(l, mNew, den));
        return SmallVector<Value>{b.create<arith::SubFOp>(l, a[1], upd), mNew, vNew};
      });
      break;
    }
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// splitmix64's finaliser.
Value mix64(OpBuilder &b, Location loc, Value x) {
  auto c = [&](uint64_t v) {
    return b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(static_cast<int64_t>(v)));
  };
  auto xorShift = [&](Value v, int64_t s) {
    return b.create<arith::XOrIOp>(loc, v, b.create<arith::ShRUIOp>(loc, v, c(s)));
  };
  x = b.create<arith::MulIOp>(loc, xorShift(x, 30), c(0xbf58476d1ce4e5b9ull));
  x = b.create<arith::MulIOp>(loc, xorShift(x, 27), c(0x94d049bb133111ebull));
  return xorShift(x, 31);
}

/// Two uniforms in (0, 1] from 24-bit halves of a 64-bit hash.
std::pair<Value, Value> uniforms(OpBuilder &b, Location loc, Value h) {
  auto c = [&](int64_t v) { return b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(v)); };
  auto toUnit = [&](Value bits) {
    Value masked = b.create<arith::AndIOp>(loc, bits, c((1 << 24) - 1));
    Value f = b.create<arith::UIToFPOp>(loc, b.getF32Type(),
                                        b.create<arith::AddIOp>(loc, masked, c(1)));
    return b.create<arith::MulFOp>(loc, f, f32Const(b, loc, 1.0 / (1 << 24))).getResult();
  };
  return {toUnit(b.create<arith::ShRUIOp>(loc, h, c(40))),
          toUnit(b.create<arith::ShRUIOp>(loc, h, c(16)))};
}

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = cast<RankedTensorType>(adaptor.getInput().getType());
    auto out = cast<RankedTensorType>(op.getType());
    if (in == out) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    // [batch, d1, d2, ...] <-> [batch, d1 * d2 * ...].
    auto group = [](int64_t rank) {
      ReassociationIndices rest;
      for (int64_t i = 1; i < rank; ++i)
        rest.push_back(i);
      return SmallVector<ReassociationIndices>{{0}, rest};
    };
    if (out.getRank() == 2)
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, out, adaptor.getInput(), group(in.getRank()));
    else
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, out, adaptor.getInput(), group(out.getRank()));
    return success();
  }
};

struct ApplyDropoutLowering : OpConversionPattern<ApplyDropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ApplyDropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    double keep = op.getKeep().convertToDouble();
    auto i64 = [&](OpBuilder &b, int64_t v) {
      return b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(v));
    };
    // key = mix(step * golden ^ (stream + 1) * other): one stream per layer.
    Value key = mix64(
        rewriter, loc,
        rewriter.create<arith::XOrIOp>(
            loc,
            rewriter.create<arith::MulIOp>(loc, adaptor.getStep(),
                                           i64(rewriter, 0x9e3779b97f4a7c15ll)),
            i64(rewriter, (op.getStream() + 1) * 0x2545f4914f6cdd1dll)));
    Value scale = f32Const(rewriter, loc, 1.0 / keep);
    Value result = elementwise(
        rewriter, loc, adaptor.getInput(), [&](OpBuilder &b, Location l, ValueRange a) {
          // Row-major index of the element.
          Value idx = i64(b, 0);
          for (int64_t d = 0; d < type.getRank(); ++d) {
            Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(),
                                                   b.create<linalg::IndexOp>(l, d));
            if (d > 0)
              idx = b.create<arith::MulIOp>(l, idx, i64(b, type.getDimSize(d)));
            idx = b.create<arith::AddIOp>(l, idx, i);
          }
          Value h = mix64(b, l, b.create<arith::AddIOp>(
                                    l, key, b.create<arith::MulIOp>(
                                                l, idx, i64(b, 0x632be59bd9b4e019ll))));
          Value u = uniforms(b, l, h).first;
          Value kept = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLE, u,
                                               f32Const(b, l, keep));
          return b.create<arith::SelectOp>(l, kept, b.create<arith::MulFOp>(l, a[0], scale),
                                           f32Const(b, l, 0.0))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RandomInitLowering : OpConversionPattern<RandomInitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RandomInitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto i64 = [&](int64_t v) { return b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(v)); };
    auto idx = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
    Init init = op.getInit();
    double a = op.getInitA().convertToDouble(), bb = op.getInitB().convertToDouble();
    double limit = 0.0;
    if (init == Init::uniform_scaling)
      limit = std::sqrt(3.0 / double(op.getFanIn()));
    else if (init == Init::xavier)
      limit = std::sqrt(6.0 / double(op.getFanIn() + op.getFanOut()));
    // key = mix(seed ^ stream * golden); element i draws mix(key + 4i + try).
    Value key = mix64(b, loc, b.create<arith::XOrIOp>(
                                  loc, adaptor.getSeed(),
                                  b.create<arith::MulIOp>(loc, i64(op.getStream() + 1),
                                                          i64(0x9e3779b97f4a7c15ll))));
    Value buffer = adaptor.getBuffer();
    int64_t offset = op.getOffset();
    auto loop = b.create<scf::ForOp>(loc, idx(0), idx(op.getSize()), idx(1));
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    Value i = b.create<arith::IndexCastOp>(loc, b.getI64Type(), iv);
    Value counter = b.create<arith::AddIOp>(
        loc, key, b.create<arith::MulIOp>(loc, i, i64(4 * 0x632be59bd9b4e019ll)));
    auto normal = [&](Value h) { // Box-Muller
      auto [u1, u2] = uniforms(b, loc, mix64(b, loc, h));
      Value r = b.create<math::SqrtOp>(
          loc, b.create<arith::MulFOp>(loc, f32Const(b, loc, -2.0),
                                       b.create<math::LogOp>(loc, u1)));
      Value th = b.create<arith::MulFOp>(loc, u2, f32Const(b, loc, 2.0 * M_PI));
      return b.create<arith::MulFOp>(loc, r, b.create<math::CosOp>(loc, th)).getResult();
    };
    Value value;
    switch (init) {
    case Init::zeros:
      value = f32Const(b, loc, 0.0);
      break;
    case Init::normal:
      value = normal(counter);
      value = b.create<arith::AddFOp>(loc, f32Const(b, loc, a),
                                      b.create<arith::MulFOp>(loc, value, f32Const(b, loc, bb)));
      break;
    case Init::truncated_normal: {
      // Redraw while |z| > 2 (TensorFlow's truncated_normal), at most 64 tries.
      auto whileOp = b.create<scf::WhileOp>(
          loc, TypeRange{b.getI64Type(), b.getF32Type()},
          ValueRange{i64(0), f32Const(b, loc, 4.0)},
          [&](OpBuilder &wb, Location wl, ValueRange args) {
            Value far = wb.create<arith::CmpFOp>(
                wl, arith::CmpFPredicate::OGT, wb.create<math::AbsFOp>(wl, args[1]),
                f32Const(wb, wl, 2.0));
            Value more = wb.create<arith::CmpIOp>(wl, arith::CmpIPredicate::slt, args[0],
                                                  wb.create<arith::ConstantOp>(wl, wb.getI64IntegerAttr(64)));
            wb.create<scf::ConditionOp>(wl, wb.create<arith::AndIOp>(wl, far, more), args);
          },
          [&](OpBuilder &wb, Location wl, ValueRange args) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(wb.getInsertionBlock(), wb.getInsertionPoint());
            Value z = normal(b.create<arith::AddIOp>(wl, counter, args[0]));
            Value next = b.create<arith::AddIOp>(wl, args[0], i64(1));
            b.create<scf::YieldOp>(wl, ValueRange{next, z});
          });
      Value z = b.create<arith::MinimumFOp>(
          loc, b.create<arith::MaximumFOp>(loc, whileOp.getResult(1), f32Const(b, loc, -2.0)),
          f32Const(b, loc, 2.0));
      value = b.create<arith::AddFOp>(loc, f32Const(b, loc, a),
                                      b.create<arith::MulFOp>(loc, z, f32Const(b, loc, bb)));
      break;
    }
    case Init::uniform:
    case Init::uniform_scaling:
    case Init::xavier: {
      double lo = init == Init::uniform ? a : -limit;
      double hi = init == Init::uniform ? bb : limit;
      Value u = uniforms(b, loc, mix64(b, loc, counter)).first;
      value = b.create<arith::AddFOp>(
          loc, f32Const(b, loc, lo),
          b.create<arith::MulFOp>(loc, u, f32Const(b, loc, hi - lo)));
      break;
    }
    }
    Value at = b.create<arith::AddIOp>(loc, iv, idx(offset));
    b.create<memref::StoreOp>(loc, value, buffer, at);
    rewriter.setInsertionPointAfter(loop);
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertNetToLinalgPass
    : public dlc::impl::ConvertNetToLinalgBase<ConvertNetToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<NetDialect>();
    target.addLegalOp<DescriptorOp>();
    target.addLegalDialect<linalg::LinalgDialect, arith::ArithDialect,
                           math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect,
                           func::FuncDialect,
                           bufferization::BufferizationDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<MatmulLowering, BiasAddLowering, BiasGradLowering,
                 ActivationLowering, ActivationGradLowering, AddLowering,
                 AddScaledLowering, L2LossLowering, LossLowering,
                 LossGradLowering, ClipByGlobalNormLowering,
                 ApplyGradientsLowering, RandomInitLowering, ReshapeLowering,
                 ApplyDropoutLowering>(ctx);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
