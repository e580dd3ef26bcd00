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
#include "dlc/Pipeline.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <limits>

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

/// Whether the ops being built are for the CUDA target (the module's
/// `dlc.target`).
bool buildingForCuda(OpBuilder &b) {
  return dlc::targetsCuda(b.getInsertionBlock()->getParentOp());
}

/// The longest row a GPU thread reduces alone (rowsInLoops); longer rows
/// keep the reduction form, which dlc-split-reductions splits in stages.
constexpr int64_t kMaxRowLoop = 1024;

/// Whether the row reductions of a [N, C] tensor `x` are one thread per row
/// (perRowLoop): on the CUDA target, C static and at most kMaxRowLoop.
bool rowsInLoops(OpBuilder &b, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  return buildingForCuda(b) && type.getRank() == 2 &&
         !type.isDynamicDim(1) && type.getDimSize(1) <= kMaxRowLoop;
}

/// One thread per row of the [N, C] `inputs` (on the GPU): a linalg.generic
/// over the N rows, parallel, whose body loops over its row's C elements
/// (tensor.extract) and yields the `outputs` [N] values `body` computes from
/// the row index and the number of columns. A row reduction is then one
/// kernel without a fill, and reductions over the same row share it.
using RowLoopFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, Value)>;
SmallVector<Value> perRowLoop(OpBuilder &b, Location loc, Value like,
                              unsigned outputs, RowLoopFn body) {
  auto type = cast<RankedTensorType>(like.getType());
  auto rowType = RankedTensorType::get({type.getDimSize(0)}, b.getF32Type());
  Value cols = b.create<tensor::DimOp>(loc, like, 1);
  SmallVector<Value> inits;
  for (unsigned i = 0; i < outputs; ++i)
    inits.push_back(emptyLike(b, loc, rowType, like));
  SmallVector<AffineMap> maps(outputs, b.getMultiDimIdentityMap(1));
  auto op = b.create<linalg::GenericOp>(
      loc, SmallVector<Type>(outputs, rowType), ValueRange{}, inits, maps,
      iterators(1, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value row = nb.create<linalg::IndexOp>(nl, 0);
        nb.create<linalg::YieldOp>(nl, body(nb, nl, row, cols));
      });
  return SmallVector<Value>(op.getResults());
}

/// sum over j of body(inputs[..][row, j]..., acc), j from 0, in a loop.
Value rowLoopSum(OpBuilder &b, Location loc, ValueRange inputs, Value row,
                 Value cols, Value init, BodyFn body) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  return b
      .create<scf::ForOp>(
          loc, zero, cols, one, ValueRange{init},
          [&](OpBuilder &lb, Location ll, Value j, ValueRange acc) {
            SmallVector<Value> args;
            for (Value in : inputs)
              args.push_back(
                  lb.create<tensor::ExtractOp>(ll, in, ValueRange{row, j}));
            args.push_back(acc[0]);
            lb.create<scf::YieldOp>(ll, body(lb, ll, args));
          })
      .getResult(0);
}

/// Reduces the last dimension of a [N, C] tensor to [N]; `body` gets
/// (input scalars..., accumulator). On the CUDA target, one thread per row
/// (perRowLoop, rowsInLoops); the sum runs in the same order.
Value rowReduce(OpBuilder &b, Location loc, ValueRange inputs, double init,
                BodyFn body) {
  if (rowsInLoops(b, inputs[0]))
    return perRowLoop(b, loc, inputs[0], 1,
                      [&](OpBuilder &nb, Location nl, Value row, Value cols) {
                        return SmallVector<Value>{
                            rowLoopSum(nb, nl, inputs, row, cols,
                                       f32Const(nb, nl, init), body)};
                      })
        .front();
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

Value clampProb(OpBuilder &b, Location loc, Value p, double eps = 1e-7) {
  // Probabilities are clipped to [eps, 1 - eps] before taking logs.
  Value lo = b.create<arith::MaximumFOp>(loc, p, f32Const(b, loc, eps));
  return b.create<arith::MinimumFOp>(loc, lo, f32Const(b, loc, 1.0 - eps));
}

/// TFLearn's clip of normalized probabilities in categorical_crossentropy
/// (tflearn/config.py's _EPSILON; 1 - 1e-10 is 1 in float32).
constexpr double kCceEps = 1e-10;

/// A row sum of probabilities kept at least FLT_MIN: a row whose outputs
/// all underflow to 0 gives q = 0 (clipped: a finite loss, no gradient)
/// instead of 0 / 0.
Value positiveSum(OpBuilder &b, Location loc, Value sum) {
  return b.create<arith::MaximumFOp>(
      loc, sum, f32Const(b, loc, std::numeric_limits<float>::min()));
}

Value addCombine(OpBuilder &b, Location loc, ValueRange a) {
  return b.create<arith::AddFOp>(loc, a[0], a[1]).getResult();
}

/// `grad` where clampProb(p) == p, 0 where the clamp changed p: the loss is
/// flat there (TensorFlow's clip_by_value passes no gradient either). A NaN
/// p keeps its (NaN) gradient.
Value unlessClamped(OpBuilder &b, Location loc, Value p, Value pc,
                    Value grad) {
  Value clamped =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ONE, p, pc);
  return b.create<arith::SelectOp>(loc, clamped, f32Const(b, loc, 0.0), grad);
}

Value maxCombine(OpBuilder &b, Location loc, ValueRange a) {
  return b.create<arith::MaximumFOp>(loc, a[0], a[1]).getResult();
}

/// On the CUDA target: each row's maximum m and s = sum_j exp(x_j - m) of
/// [N, C] logits in one kernel (two loops over the row, in the order of
/// the separate reductions). The softmax and its loss share it (CSE).
std::pair<Value, Value> softmaxRowStats(OpBuilder &b, Location loc, Value x) {
  SmallVector<Value> r = perRowLoop(
      b, loc, x, 2, [&](OpBuilder &nb, Location nl, Value row, Value cols) {
        Value m = rowLoopSum(nb, nl, x, row, cols,
                             f32Const(nb, nl, -INFINITY), maxCombine);
        Value s = rowLoopSum(
            nb, nl, x, row, cols, f32Const(nb, nl, 0.0),
            [&](OpBuilder &lb, Location ll, ValueRange a) {
              Value e = lb.create<math::ExpOp>(
                  ll, lb.create<arith::SubFOp>(ll, a[0], m));
              return lb.create<arith::AddFOp>(ll, e, a[1]).getResult();
            });
        return SmallVector<Value>{m, s};
      });
  return {r[0], r[1]};
}

/// Row-wise softmax of [N, C] logits, computed stably.
Value softmax(OpBuilder &b, Location loc, Value x) {
  if (rowsInLoops(b, x)) { // two kernels: the row statistics, then this
    auto [m, s] = softmaxRowStats(b, loc, x);
    return withRows(b, loc, x, {m, s},
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      Value e = nb.create<math::ExpOp>(
                          nl, nb.create<arith::SubFOp>(nl, a[0], a[1]));
                      return nb.create<arith::DivFOp>(nl, e, a[2]).getResult();
                    });
  }
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
    case Loss::categorical_crossentropy: { // -sum t log clip(p / sum p)
      // TFLearn's (objectives.categorical_crossentropy): each row made to
      // sum to 1, then clipped to [1e-10, 1 - 1e-10].
      Value rowSum = rowReduce(rewriter, loc, p, 0.0, addCombine);
      Value perClass = withRows(
          rewriter, loc, {p, t}, rowSum,
          [](OpBuilder &b, Location l, ValueRange a) {
            Value q = b.create<arith::DivFOp>(l, a[0], positiveSum(b, l, a[2]));
            Value lq = b.create<math::LogOp>(l, clampProb(b, l, q, kCceEps));
            return b
                .create<arith::NegFOp>(l, b.create<arith::MulFOp>(l, a[1], lq))
                .getResult();
          });
      sum = sumAll(rewriter, loc, perClass,
                   [](OpBuilder &, Location, ValueRange a) { return a[0]; });
      break;
    }
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
      if (rowsInLoops(rewriter, p)) { // the softmax's row statistics
        auto [m, s] = softmaxRowStats(rewriter, loc, p);
        Value perClass = withRows(
            rewriter, loc, {p, t}, {m, s},
            [](OpBuilder &b, Location l, ValueRange a) {
              Value shifted = b.create<arith::SubFOp>(l, a[0], a[2]);
              Value lse = b.create<math::LogOp>(l, a[3]);
              return b
                  .create<arith::MulFOp>(
                      l, a[1], b.create<arith::SubFOp>(l, lse, shifted))
                  .getResult();
            });
        sum = sumAll(rewriter, loc, perClass,
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
        break;
      }
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
        Value g = b.create<arith::MulFOp>(l, b.create<arith::DivFOp>(l, d, den), inv);
        return unlessClamped(b, l, a[0], pc, g);
      });
      break;
    case Loss::categorical_crossentropy: {
      // With s = sum_i p_i, q = p / s and u_i = 1 where q_i is not clipped:
      // dL/dp_j = (-t_j u_j / q_j + sum_i t_i u_i) / s / N.
      Value rowSum = rowReduce(rewriter, loc, p, 0.0, addCombine);
      Value q = withRows(rewriter, loc, p, rowSum,
                         [](OpBuilder &b, Location l, ValueRange a) {
                           return b
                               .create<arith::DivFOp>(l, a[0],
                                                      positiveSum(b, l, a[1]))
                               .getResult();
                         });
      Value kept = rowReduce(
          rewriter, loc, {q, t}, 0.0,
          [](OpBuilder &b, Location l, ValueRange a) {
            Value qc = clampProb(b, l, a[0], kCceEps);
            Value tu = unlessClamped(b, l, a[0], qc, a[1]);
            return b.create<arith::AddFOp>(l, a[2], tu).getResult();
          });
      result = withRows(
          rewriter, loc, {q, t}, {rowSum, kept},
          [&](OpBuilder &b, Location l, ValueRange a) {
            Value qc = clampProb(b, l, a[0], kCceEps);
            Value own = unlessClamped(
                b, l, a[0], qc,
                b.create<arith::NegFOp>(l, b.create<arith::DivFOp>(l, a[1], qc)));
            Value g = b.create<arith::DivFOp>(
                l, b.create<arith::AddFOp>(l, own, a[3]),
                positiveSum(b, l, a[2]));
            return b.create<arith::MulFOp>(l, g, inv).getResult();
          });
      break;
    }
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
// Batch normalization
//===----------------------------------------------------------------------===//

/// The map of a per-channel [C] operand in an op over a rank-`rank` tensor.
AffineMap channelMap(MLIRContext *ctx, int64_t rank) {
  return AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
}

/// Sums `body` over every dimension but the last into a [C] tensor. `inputs`
/// have the shape of inputs[0]; `channels` are [C]; `body` gets the input
/// scalars then the channel scalars.
Value channelSum(OpBuilder &b, Location loc, ValueRange inputs,
                 ValueRange channels, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  auto outType =
      RankedTensorType::get({type.getDimSize(rank - 1)}, b.getF32Type());
  Value acc = filled(b, loc,
                     b.create<tensor::EmptyOp>(loc, outType.getShape(),
                                               b.getF32Type()),
                     0.0);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap last = channelMap(b.getContext(), rank);
  SmallVector<AffineMap> maps(inputs.size(), id);
  maps.append(channels.size() + 1, last);
  SmallVector<Value> all(inputs);
  all.append(channels.begin(), channels.end());
  auto iters = iterators(rank, utils::IteratorType::reduction);
  iters.back() = utils::IteratorType::parallel;
  return b
      .create<linalg::GenericOp>(
          loc, outType, all, acc, maps, iters,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value v = body(nb, nl, args.drop_back());
            nb.create<linalg::YieldOp>(
                nl, nb.create<arith::AddFOp>(nl, args.back(), v).getResult());
          })
      .getResult(0);
}

/// Elementwise op over `inputs` (of one shape) and per-channel [C]
/// `channels`; `body` gets the input scalars then the channel scalars.
Value perChannel(OpBuilder &b, Location loc, ValueRange inputs,
                 ValueRange channels, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size(), id);
  maps.append(channels.size(), channelMap(b.getContext(), rank));
  maps.push_back(id);
  SmallVector<Value> all(inputs);
  all.append(channels.begin(), channels.end());
  return b
      .create<linalg::GenericOp>(
          loc, type, all, emptyLike(b, loc, type, inputs[0]), maps,
          iterators(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            nb.create<linalg::YieldOp>(nl, body(nb, nl, args.drop_back()));
          })
      .getResult(0);
}

/// 1 / M, M the number of elements per channel of `x`: the (dynamic) batch
/// times the static dimensions between it and the channels.
Value inverseChannelCount(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t inner = 1;
  for (int64_t d : type.getShape().drop_front().drop_back())
    inner *= d;
  Value n = b.create<tensor::DimOp>(loc, x, 0);
  Value nf = b.create<arith::UIToFPOp>(
      loc, b.getF32Type(),
      b.create<arith::IndexCastUIOp>(loc, b.getI64Type(), n));
  if (inner != 1)
    nf = b.create<arith::MulFOp>(loc, nf, f32Const(b, loc, double(inner)));
  return b.create<arith::DivFOp>(loc, f32Const(b, loc, 1.0), nf);
}

/// 1 / sqrt(variance + epsilon), per channel.
Value inverseStddev(OpBuilder &b, Location loc, Value variance,
                    double epsilon) {
  return elementwise(b, loc, variance,
                     [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value v = nb.create<arith::AddFOp>(
                           l, a[0], f32Const(nb, l, epsilon));
                       return nb
                           .create<arith::DivFOp>(l, f32Const(nb, l, 1.0),
                                                  nb.create<math::SqrtOp>(l, v))
                           .getResult();
                     });
}

/// Multiplies a [C] tensor by a scalar.
Value scaled(OpBuilder &b, Location loc, Value t, Value s) {
  return elementwise(b, loc, t, [&](OpBuilder &nb, Location l, ValueRange a) {
    return nb.create<arith::MulFOp>(l, a[0], s).getResult();
  });
}

/// (x - mean) * gamma * rstd + beta.
Value normalize(OpBuilder &b, Location loc, Value x, Value gamma, Value beta,
                Value mean, Value rstd) {
  Value scale = elementwise(b, loc, {gamma, rstd},
                            [](OpBuilder &nb, Location l, ValueRange a) {
                              return nb.create<arith::MulFOp>(l, a[0], a[1])
                                  .getResult();
                            });
  return perChannel(b, loc, x, {mean, scale, beta},
                    [](OpBuilder &nb, Location l, ValueRange a) {
                      Value c = nb.create<arith::SubFOp>(l, a[0], a[1]);
                      return nb
                          .create<arith::AddFOp>(
                              l, nb.create<arith::MulFOp>(l, c, a[2]), a[3])
                          .getResult();
                    });
}

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value rstd = inverseStddev(rewriter, loc, adaptor.getVariance(),
                               op.getEpsilon().convertToDouble());
    rewriter.replaceOp(op, normalize(rewriter, loc, adaptor.getInput(),
                                     adaptor.getGamma(), adaptor.getBeta(),
                                     adaptor.getMean(), rstd));
    return success();
  }
};

/// mean = sum x / M, variance = sum (x - mean)^2 / M (two passes, biased).
struct BatchNormTrainLowering : OpConversionPattern<BatchNormTrainOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormTrainOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = adaptor.getInput();
    Value invM = inverseChannelCount(b, loc, x);
    Value sum = channelSum(b, loc, x, {}, [](OpBuilder &, Location, ValueRange a) {
      return a[0];
    });
    Value mean = scaled(b, loc, sum, invM);
    Value squares = channelSum(b, loc, x, mean,
                               [](OpBuilder &nb, Location l, ValueRange a) {
                                 Value c = nb.create<arith::SubFOp>(l, a[0], a[1]);
                                 return nb.create<arith::MulFOp>(l, c, c).getResult();
                               });
    Value variance = scaled(b, loc, squares, invM);
    Value rstd = inverseStddev(b, loc, variance, op.getEpsilon().convertToDouble());
    Value y = normalize(b, loc, x, adaptor.getGamma(), adaptor.getBeta(), mean,
                        rstd);
    rewriter.replaceOp(op, {y, mean, variance});
    return success();
  }
};

/// dbeta = sum dy, dgamma = sum dy xhat,
/// dx = gamma rstd (dy - dbeta / M - xhat dgamma / M).
struct BatchNormGradLowering : OpConversionPattern<BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = adaptor.getInput(), dy = adaptor.getOutputGrad();
    Value mean = adaptor.getMean();
    Value invM = inverseChannelCount(b, loc, x);
    Value rstd = inverseStddev(b, loc, adaptor.getVariance(),
                               op.getEpsilon().convertToDouble());
    Value dbeta = channelSum(b, loc, dy, {}, [](OpBuilder &, Location, ValueRange a) {
      return a[0];
    });
    Value dgamma = channelSum(b, loc, {x, dy}, {mean, rstd},
                              [](OpBuilder &nb, Location l, ValueRange a) {
                                Value c = nb.create<arith::SubFOp>(l, a[0], a[2]);
                                Value xhat = nb.create<arith::MulFOp>(l, c, a[3]);
                                return nb.create<arith::MulFOp>(l, a[1], xhat)
                                    .getResult();
                              });
    Value k = elementwise(b, loc, {adaptor.getGamma(), rstd},
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            return nb.create<arith::MulFOp>(l, a[0], a[1])
                                .getResult();
                          });
    Value dbetaM = scaled(b, loc, dbeta, invM);
    Value dgammaM = scaled(b, loc, dgamma, invM);
    Value dx = perChannel(
        b, loc, {x, dy}, {mean, rstd, k, dbetaM, dgammaM},
        [](OpBuilder &nb, Location l, ValueRange a) {
          Value c = nb.create<arith::SubFOp>(l, a[0], a[2]);
          Value xhat = nb.create<arith::MulFOp>(l, c, a[3]);
          Value corr = nb.create<arith::AddFOp>(
              l, a[5], nb.create<arith::MulFOp>(l, xhat, a[6]));
          return nb
              .create<arith::MulFOp>(l, a[4],
                                     nb.create<arith::SubFOp>(l, a[1], corr))
              .getResult();
        });
    rewriter.replaceOp(op, {dx, dgamma, dbeta});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Buffer-level ops
//===----------------------------------------------------------------------===//

/// The `size` elements of the 1-D `buffer` from `offset`.
Value slice1D(OpBuilder &b, Location loc, Value buffer, int64_t offset,
              int64_t size) {
  return b.create<memref::SubViewOp>(
      loc, buffer, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

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

/// params = decay params + (1 - decay) stats, stats = 0, on one slice.
struct MovingAverageLowering : OpConversionPattern<MovingAverageOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MovingAverageOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto slice = [&](Value buffer) {
      return slice1D(rewriter, loc, buffer, op.getOffset(), op.getSize());
    };
    double d = op.getDecay().convertToDouble();
    updateInPlace(rewriter, loc, {}, {slice(adaptor.getParams()), slice(adaptor.getStats())},
                  [&](OpBuilder &b, Location l, ValueRange a) {
      Value kept = b.create<arith::MulFOp>(l, a[0], f32Const(b, l, d));
      Value added = b.create<arith::MulFOp>(l, a[1], f32Const(b, l, 1.0 - d));
      return SmallVector<Value>{b.create<arith::AddFOp>(l, kept, added),
                                f32Const(b, l, 0.0)};
    });
    rewriter.eraseOp(op);
    return success();
  }
};

/// Whether `type` is a 1-D buffer of consecutive elements.
bool unitStride1D(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.getRank() == 1 &&
         succeeded(getStridesAndOffset(type, strides, offset)) &&
         strides[0] == 1;
}

/// What thread `t` of `T` sums over `n` elements on the GPU: `element(at,
/// sum)` (sum plus element at's term) folded over at = t, t + T, ... below
/// rows * T (rows = n / T), then at rows * T + t when t < n mod T. Threads
/// next to each other take elements next to each other (coalesced).
using StridedElementFn = function_ref<Value(OpBuilder &, Value, Value)>;
Value stridedThreadSum(OpBuilder &b, Location loc, Value t, int64_t n,
                       int64_t T, StridedElementFn element) {
  const int64_t rows = n / T, rest = n - rows * T;
  auto index = [&](OpBuilder &ib, int64_t v) -> Value {
    return ib.create<arith::ConstantIndexOp>(loc, v);
  };
  Value sum = b.create<scf::ForOp>(
                   loc, index(b, 0), index(b, rows * T), index(b, T),
                   ValueRange{f32Const(b, loc, 0.0)},
                   [&](OpBuilder &fb, Location, Value row, ValueRange a) {
                     Value at = fb.create<arith::AddIOp>(loc, row, t);
                     fb.create<scf::YieldOp>(loc, ValueRange{element(fb, at, a[0])});
                   })
                  .getResult(0);
  if (rest == 0)
    return sum;
  Value inRest =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, t, index(b, rest));
  return b
      .create<scf::IfOp>(
          loc, inRest,
          [&](OpBuilder &ib, Location) {
            Value at = ib.create<arith::AddIOp>(loc, t, index(ib, rows * T));
            ib.create<scf::YieldOp>(loc, ValueRange{element(ib, at, sum)});
          },
          [&](OpBuilder &ib, Location) {
            ib.create<scf::YieldOp>(loc, ValueRange{sum});
          })
      .getResult(0);
}

/// acc += sum of squares of the 1-D buffer `g`. A buffer of at least
/// kSquaresChunk elements is summed in two stages: 16 lanes of each chunk
/// accumulate their strided elements in parallel ([chunks, 256, 16] ->
/// partials [chunks, 16], the chunks split over threads or GPU threads),
/// then the partials and the tail are added in order. The order depends
/// only on the size, never on the number of threads; a smaller buffer is
/// summed element by element, as before.
constexpr int64_t kSquaresLanes = 16;
constexpr int64_t kSquaresChunk = 256 * kSquaresLanes;
/// The threads of the first stage of the sum of squares on the GPU.
constexpr int64_t kGpuSquaresThreads = 128 * 128;

void sumSquaresInto(OpBuilder &b, Location loc, Value g, Value acc) {
  auto type = cast<MemRefType>(g.getType());
  AffineMap scalar1 = AffineMap::get(1, 0, {}, b.getContext());
  auto sumSquares = [&](Value buffer, int64_t rank, ArrayRef<utils::IteratorType> iters,
                        AffineMap outMap, Value out) {
    AffineMap id = b.getMultiDimIdentityMap(rank);
    b.create<linalg::GenericOp>(
        loc, TypeRange{}, buffer, out, ArrayRef<AffineMap>{id, outMap}, iters,
        [](OpBuilder &nb, Location l, ValueRange a) {
          Value sq = nb.create<arith::MulFOp>(l, a[0], a[0]);
          nb.create<linalg::YieldOp>(l, nb.create<arith::AddFOp>(l, a[1], sq).getResult());
        });
  };
  auto red = utils::IteratorType::reduction, par = utils::IteratorType::parallel;
  int64_t n = type.getRank() == 1 ? type.getDimSize(0) : ShapedType::kDynamic;
  auto slice = [&](int64_t offset, int64_t size) {
    return slice1D(b, loc, g, offset, size);
  };
  if (!ShapedType::isDynamic(n) && type.getLayout().isIdentity() &&
      buildingForCuda(b) && n >= 2 * kGpuSquaresThreads) {
    // On the GPU, one kernel of kGpuSquaresThreads threads: thread t sums
    // the squares of g[t], g[t + T], ... (coalesced), and of the one
    // element of the rest (n mod T) at t, into partials[t]; then the sum
    // of the partials, which dlc-split-reductions splits evenly (T is a
    // power of two). Any length, even one with a large prime factor (the
    // CIFAR CNN's 2159114 = 2 * 53 * 20369), in three kernels.
    const int64_t T = kGpuSquaresThreads;
    Value partials = b.create<memref::AllocaOp>(
        loc, MemRefType::get({T}, b.getF32Type()));
    AffineMap id1 = b.getMultiDimIdentityMap(1);
    b.create<linalg::GenericOp>(
        loc, TypeRange{}, ValueRange{}, partials, ArrayRef<AffineMap>{id1},
        ArrayRef<utils::IteratorType>{par},
        [&](OpBuilder &nb, Location l, ValueRange) {
          Value t = nb.create<linalg::IndexOp>(l, 0);
          Value sum = stridedThreadSum(
              nb, l, t, n, T, [&](OpBuilder &sb, Value at, Value sum) -> Value {
                Value v = sb.create<memref::LoadOp>(l, g, at);
                return sb.create<arith::AddFOp>(
                    l, sum, sb.create<arith::MulFOp>(l, v, v));
              });
          nb.create<linalg::YieldOp>(l, sum);
        });
    b.create<linalg::GenericOp>(
        loc, TypeRange{}, partials, acc, ArrayRef<AffineMap>{id1, scalar1},
        ArrayRef<utils::IteratorType>{red},
        [](OpBuilder &nb, Location l, ValueRange a) {
          nb.create<linalg::YieldOp>(
              l, nb.create<arith::AddFOp>(l, a[1], a[0]).getResult());
        });
    return;
  }
  if (!ShapedType::isDynamic(n) && type.getLayout().isIdentity() &&
      buildingForCuda(b)) {
    // Smaller on the GPU: blocks of [k, 128 * 128], then of [k, 128], then
    // the rest (< 128), each summed into acc; dlc-split-reductions turns
    // each into stages in which no thread adds more than about 128 values
    // in a row (a length with a large prime factor does not split evenly
    // as a whole; the chunks below are for the CPU's vector lanes).
    int64_t offset = 0;
    for (int64_t block : {int64_t(128 * 128), int64_t(128)}) {
      int64_t k = (n - offset) / block;
      if (k == 0)
        continue;
      Value part = b.create<memref::ExpandShapeOp>(
          loc, ArrayRef<int64_t>{k, block}, slice(offset, k * block),
          ArrayRef<ReassociationIndices>{{0, 1}});
      sumSquares(part, 2, {red, red}, AffineMap::get(2, 0, {}, b.getContext()),
                 acc);
      offset += k * block;
    }
    if (offset < n)
      sumSquares(offset == 0 ? g : slice(offset, n - offset), 1, {red},
                 scalar1, acc);
    return;
  }
  if (ShapedType::isDynamic(n) || n < kSquaresChunk || !unitStride1D(type)) {
    sumSquares(g, 1, {red}, scalar1, acc);
    return;
  }
  int64_t chunks = n / kSquaresChunk, main = chunks * kSquaresChunk;
  Value head = b.create<memref::ExpandShapeOp>(
      loc, ArrayRef<int64_t>{chunks, kSquaresChunk / kSquaresLanes, kSquaresLanes},
      slice(0, main), ArrayRef<ReassociationIndices>{{0, 1, 2}});
  Value partials = b.create<memref::AllocaOp>(
      loc, MemRefType::get({chunks, kSquaresLanes}, b.getF32Type()));
  b.create<linalg::FillOp>(loc, f32Const(b, loc, 0.0), partials);
  AffineMap chunkLane = AffineMap::get(
      3, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(2)}, b.getContext());
  sumSquares(head, 3, {par, red, par}, chunkLane, partials);
  AffineMap id2 = b.getMultiDimIdentityMap(2);
  b.create<linalg::GenericOp>(
      loc, TypeRange{}, partials, acc,
      ArrayRef<AffineMap>{id2, AffineMap::get(2, 0, {}, b.getContext())},
      ArrayRef<utils::IteratorType>{red, red}, [](OpBuilder &nb, Location l, ValueRange a) {
        nb.create<linalg::YieldOp>(l, nb.create<arith::AddFOp>(l, a[1], a[0]).getResult());
      });
  if (main < n)
    sumSquares(slice(main, n - main), 1, {red}, scalar1, acc);
}

/// TensorFlow's clip_by_global_norm factor for the gradients `g`:
/// clip / max(norm(g), clip).
Value clipScale(OpBuilder &b, Location loc, Value g, double clipNorm) {
  auto accType = MemRefType::get({}, b.getF32Type());
  Value acc = b.create<memref::AllocaOp>(loc, accType);
  b.create<linalg::FillOp>(loc, f32Const(b, loc, 0.0), acc);
  sumSquaresInto(b, loc, g, acc);
  Value clip = f32Const(b, loc, clipNorm);
  Value norm = b.create<math::SqrtOp>(
      loc, b.create<memref::LoadOp>(loc, acc, ValueRange{}));
  return b.create<arith::DivFOp>(loc, clip,
                                 b.create<arith::MaximumFOp>(loc, norm, clip));
}

struct ClipByGlobalNormLowering : OpConversionPattern<ClipByGlobalNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClipByGlobalNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value g = adaptor.getGrads();
    // g *= clip / max(norm, clip)
    Value scale = clipScale(rewriter, loc, g, op.getClip().convertToDouble());
    updateInPlace(rewriter, loc, {}, g, [&](OpBuilder &b, Location l, ValueRange a) {
      return SmallVector<Value>{b.create<arith::MulFOp>(l, a[0], scale)};
    });
    rewriter.eraseOp(op);
    return success();
  }
};

/// The threads of the weight decay's pass on the GPU for `n` elements: a
/// power of two, at most kGpuSquaresThreads, each thread taking two
/// elements or more (fewer than four when there are fewer threads), and
/// at least two threads for two elements or more: one thread's loop over
/// 2 or 3 elements would be folded out of its one-iteration parallel loop
/// into host code, a loop with a result that touches memory, which cannot
/// move to the device.
int64_t weightDecayThreads(int64_t n) {
  if (n < 2)
    return 1;
  return std::clamp<int64_t>(
      llvm::bit_floor(static_cast<uint64_t>(n / 2)), 2, kGpuSquaresThreads);
}

/// TFLearn's L2 regularizer on slices of the flat buffers: grads += decay *
/// params, and the loss plus decay * sum(params^2) / 2 of each slice.
///
/// On the CPU, slice by slice: one in-place update and one sum of squares
/// (in vector lanes) each. On the GPU, two kernels: one elementwise update
/// of the gradients over the range the slices span, each element's decay
/// found from its index (zero between the slices: biases, which are left
/// alone); and one strided pass of T threads (weightDecayThreads), thread t
/// summing the squares of the elements t, t + T, ... (coalesced) of each
/// slice, times decay / 2, into partials[t], which are then summed into the
/// loss (dlc-split-reductions stages). One pass doing both would store each
/// gradient before loading the next element, which the device compiler
/// cannot move ahead of the store: a memory latency per element.
struct WeightDecayLowering : OpConversionPattern<WeightDecayOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WeightDecayOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value params = adaptor.getParams(), grads = adaptor.getGrads();
    ArrayRef<int64_t> offsets = op.getOffsets(), sizes = op.getSizes();
    ArrayRef<double> decays = op.getDecays();
    auto scalarType = MemRefType::get({}, rewriter.getF32Type());
    AffineMap scalar1 = AffineMap::get(1, 0, {}, rewriter.getContext());
    AffineMap id1 = rewriter.getMultiDimIdentityMap(1);
    auto red = utils::IteratorType::reduction;
    // The sum of squares only when the result is used; the gradients'
    // update unless `loss_only`.
    const bool wantLoss = !op.getTotal().use_empty();
    const bool wantGrads = !op.getLossOnly();
    if (!wantLoss && !wantGrads) {
      rewriter.replaceOp(op, adaptor.getLoss());
      return success();
    }
    Value acc;
    if (wantLoss) {
      acc = rewriter.create<memref::AllocaOp>(loc, scalarType);
      rewriter.create<linalg::FillOp>(loc, adaptor.getLoss(), acc);
    }
    auto index = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    if (!buildingForCuda(rewriter)) {
      for (size_t k = 0; k < offsets.size(); ++k) {
        double d = decays[k];
        Value w = slice1D(rewriter, loc, params, offsets[k], sizes[k]);
        if (wantGrads) {
          Value g = slice1D(rewriter, loc, grads, offsets[k], sizes[k]);
          updateInPlace(rewriter, loc, w, g,
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value dw = b.create<arith::MulFOp>(l, a[0], f32Const(b, l, d));
                          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[1], dw)};
                        });
        }
        if (!wantLoss)
          continue;
        Value squares = rewriter.create<memref::AllocaOp>(loc, scalarType);
        rewriter.create<linalg::FillOp>(loc, f32Const(rewriter, loc, 0.0), squares);
        sumSquaresInto(rewriter, loc, w, squares);
        AffineMap none = AffineMap::get(0, 0, {}, rewriter.getContext());
        rewriter.create<linalg::GenericOp>(
            loc, TypeRange{}, squares, acc, ArrayRef<AffineMap>{none, none},
            ArrayRef<utils::IteratorType>{},
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value term = b.create<arith::MulFOp>(l, a[0], f32Const(b, l, d / 2.0));
              b.create<linalg::YieldOp>(l, b.create<arith::AddFOp>(l, a[1], term).getResult());
            });
      }
    } else {
      const int64_t lo = offsets.front(), n = offsets.back() + sizes.back() - lo;
      int64_t decayedFloats = 0;
      for (int64_t size : sizes)
        decayedFloats += size;
      const int64_t T = weightDecayThreads(decayedFloats);
      // decay / 2 at index `at` (in [lo, hi)), zero between the slices, and
      // whether it is not zero.
      auto halfDecayAt = [&](OpBuilder &b, Value at) -> std::pair<Value, Value> {
        Value i = b.create<arith::IndexCastOp>(loc, b.getI64Type(), at);
        auto from = [&](int64_t bound, double value, Value before) -> Value {
          Value past = b.create<arith::CmpIOp>(
              loc, arith::CmpIPredicate::sge, i,
              b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(bound)));
          return b.create<arith::SelectOp>(loc, past, f32Const(b, loc, value), before);
        };
        Value half = f32Const(b, loc, decays[0] / 2.0);
        for (size_t k = 0; k < offsets.size(); ++k) {
          if (k > 0)
            half = from(offsets[k], decays[k] / 2.0, half);
          int64_t end = offsets[k] + sizes[k];
          if (k + 1 < offsets.size() && offsets[k + 1] != end)
            half = from(end, 0.0, half);
        }
        Value decayed = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, half,
                                                f32Const(b, loc, 0.0));
        return {half, decayed};
      };
      // The gradients: one element a thread.
      if (wantGrads)
        updateInPlace(rewriter, loc, slice1D(rewriter, loc, params, lo, n),
                    slice1D(rewriter, loc, grads, lo, n),
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      Value at = b.create<arith::AddIOp>(
                          l, b.create<linalg::IndexOp>(l, 0), index(b, lo));
                      auto [half, decayed] = halfDecayAt(b, at);
                      Value decay = b.create<arith::AddFOp>(l, half, half);
                      Value updated = b.create<arith::AddFOp>(
                          l, a[1], b.create<arith::MulFOp>(l, decay, a[0]));
                      return SmallVector<Value>{
                          b.create<arith::SelectOp>(l, decayed, updated, a[1])};
                    });
      if (!wantLoss) {
        rewriter.replaceOp(op, adaptor.getLoss());
        return success();
      }
      // The squares: T threads, each summing its strided elements of each
      // slice (loops of loads and adds only, which the device compiler
      // unrolls, loading several elements at a time), times decay / 2.
      Value partials = rewriter.create<memref::AllocaOp>(
          loc, MemRefType::get({T}, rewriter.getF32Type()));
      auto loop = rewriter.create<scf::ParallelOp>(
          loc, ValueRange{index(rewriter, 0)}, ValueRange{index(rewriter, T)},
          ValueRange{index(rewriter, 1)});
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(loop.getBody());
        Value t = loop.getInductionVars()[0];
        Value sum;
        for (size_t k = 0; k < offsets.size(); ++k) {
          int64_t offset = offsets[k];
          Value squares = stridedThreadSum(
              rewriter, loc, t, sizes[k], T,
              [&](OpBuilder &b, Value j, Value acc) -> Value {
                Value at = b.create<arith::AddIOp>(loc, j, index(b, offset));
                Value w = b.create<memref::LoadOp>(loc, params, at);
                return b.create<arith::AddFOp>(loc, acc,
                                               b.create<arith::MulFOp>(loc, w, w));
              });
          Value term = rewriter.create<arith::MulFOp>(
              loc, squares, f32Const(rewriter, loc, decays[k] / 2.0));
          sum = sum ? rewriter.create<arith::AddFOp>(loc, sum, term) : term;
        }
        rewriter.create<memref::StoreOp>(loc, sum, partials, t);
      }
      rewriter.create<linalg::GenericOp>(
          loc, TypeRange{}, partials, acc, ArrayRef<AffineMap>{id1, scalar1},
          ArrayRef<utils::IteratorType>{red},
          [](OpBuilder &nb, Location l, ValueRange a) {
            nb.create<linalg::YieldOp>(l, nb.create<arith::AddFOp>(l, a[1], a[0]).getResult());
          });
    }
    rewriter.replaceOp(op, wantLoss ? rewriter.create<memref::LoadOp>(
                                          loc, acc, ValueRange{})
                                    : adaptor.getLoss());
    return success();
  }
};

/// The learning rate of this update: a constant, or with lr_decay > 0
/// TensorFlow's exponential_decay at global step `step - 1` (the updates
/// before this one), lr * lr_decay^(s / decay_step), s floored to a multiple
/// of decay_step with `staircase`.
Value learningRate(OpBuilder &b, Location loc, ApplyGradientsOp op,
                   Value step) {
  double lr = op.getLearningRate().convertToDouble();
  double decay = op.getLrDecay().convertToDouble();
  if (decay <= 0.0 || decay == 1.0)
    return f32Const(b, loc, lr);
  auto i64 = [&](int64_t v) {
    return b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(v));
  };
  Value done = b.create<arith::SubIOp>(loc, step, i64(1));
  Value t;
  if (op.getStaircase()) {
    Value periods = b.create<arith::DivSIOp>(loc, done, i64(op.getDecayStep()));
    t = b.create<arith::SIToFPOp>(loc, b.getF32Type(), periods);
  } else {
    t = b.create<arith::DivFOp>(
        loc, b.create<arith::SIToFPOp>(loc, b.getF32Type(), done),
        f32Const(b, loc, static_cast<double>(op.getDecayStep())));
  }
  Value factor = b.create<math::ExpOp>(
      loc, b.create<arith::MulFOp>(loc, t, f32Const(b, loc, std::log(decay))));
  return b.create<arith::MulFOp>(loc, f32Const(b, loc, lr), factor);
}

struct ApplyGradientsLowering : OpConversionPattern<ApplyGradientsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ApplyGradientsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value params = adaptor.getParams(), grads = adaptor.getGrads();
    int64_t n = cast<MemRefType>(params.getType()).getDimSize(0);
    auto slot = [&](int64_t i) {
      return slice1D(rewriter, loc, adaptor.getState(), i * n, n);
    };
    Value lr = learningRate(rewriter, loc, op, adaptor.getStep());
    // With clip_norm, every update reads g * scale (the clipped gradient)
    // where it read g.
    Value scale;
    if (std::optional<llvm::APFloat> clip = op.getClipNorm())
      scale = clipScale(rewriter, loc, grads, clip->convertToDouble());
    auto update = [&](ValueRange outs,
                      function_ref<SmallVector<Value>(OpBuilder &, Location,
                                                      ValueRange)>
                          body) {
      updateInPlace(rewriter, loc, grads, outs,
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      if (!scale)
                        return body(b, l, a);
                      SmallVector<Value> args(a);
                      args[0] = b.create<arith::MulFOp>(l, a[0], scale);
                      return body(b, l, args);
                    });
    };
    switch (op.getOptimizer()) {
    case Optimizer::sgd: // w -= lr g
      update(params, [&](OpBuilder &b, Location l, ValueRange a) {
        Value step = b.create<arith::MulFOp>(l, a[0], lr);
        return SmallVector<Value>{b.create<arith::SubFOp>(l, a[1], step)};
      });
      break;
    case Optimizer::momentum: { // a = m a + g; w -= lr a
      double m = op.getMomentum().convertToDouble();
      update({params, slot(0)}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value acc = b.create<arith::AddFOp>(
            l, b.create<arith::MulFOp>(l, a[2], f32Const(b, l, m)), a[0]);
        Value w = b.create<arith::SubFOp>(
            l, a[1], b.create<arith::MulFOp>(l, acc, lr));
        return SmallVector<Value>{w, acc};
      });
      break;
    }
    case Optimizer::nesterov: { // a = m a + g; w -= lr (g + m a)
      double m = op.getMomentum().convertToDouble();
      update({params, slot(0)}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value mc = f32Const(b, l, m);
        Value acc = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, a[2], mc), a[0]);
        Value look = b.create<arith::AddFOp>(l, a[0], b.create<arith::MulFOp>(l, acc, mc));
        Value w = b.create<arith::SubFOp>(
            l, a[1], b.create<arith::MulFOp>(l, look, lr));
        return SmallVector<Value>{w, acc};
      });
      break;
    }
    case Optimizer::rmsprop:
    case Optimizer::adagrad: {
      // TensorFlow's RMSProp: ms = d ms + (1 - d) g^2, w -= lr g / sqrt(ms + eps),
      // ms starting at 1. Adagrad: acc += g^2, w -= lr g / sqrt(acc), acc
      // starting at initial_accumulator. The zeroed state stands for those
      // starting values at step 1.
      bool rms = op.getOptimizer() == Optimizer::rmsprop;
      double d = op.getDecay().convertToDouble();
      double eps = rms ? op.getEpsilon().convertToDouble() : 0.0;
      double start = rms ? 1.0 : op.getInitialAccumulator().convertToDouble();
      Value first = rewriter.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::sle, adaptor.getStep(),
          rewriter.create<arith::ConstantOp>(loc, rewriter.getI64IntegerAttr(1)));
      update({params, slot(0)}, [&](OpBuilder &b, Location l, ValueRange a) {
        Value g = a[0];
        Value prev = b.create<arith::SelectOp>(l, first, f32Const(b, l, start), a[2]);
        Value g2 = b.create<arith::MulFOp>(l, g, g);
        Value acc = rms ? b.create<arith::AddFOp>(
                              l, b.create<arith::MulFOp>(l, prev, f32Const(b, l, d)),
                              b.create<arith::MulFOp>(l, g2, f32Const(b, l, 1.0 - d)))
                              .getResult()
                        : b.create<arith::AddFOp>(l, prev, g2).getResult();
        Value den = b.create<math::SqrtOp>(l, rms ? b.create<arith::AddFOp>(l, acc, f32Const(b, l, eps)).getResult()
                                                  : acc);
        Value upd = b.create<arith::DivFOp>(l, b.create<arith::MulFOp>(l, g, lr), den);
        return SmallVector<Value>{b.create<arith::SubFOp>(l, a[1], upd), acc};
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
              loc, lr,
              rewriter.create<math::SqrtOp>(loc, rewriter.create<arith::SubFOp>(loc, one, pow(b2)))),
          rewriter.create<arith::SubFOp>(loc, one, pow(b1)));
      update({params, slot(0), slot(1)},
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
                                           i64(rewriter, static_cast<int64_t>(0x9e3779b97f4a7c15ull))),
            i64(rewriter, static_cast<int64_t>((op.getStream() + 1) * 0x2545f4914f6cdd1dull))));
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

/// Pads the spatial dimensions of an NHWC tensor by [top, bottom, left,
/// right] with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pad,
                 double value) {
  if (llvm::all_of(pad, [](int64_t p) { return p == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] += pad[0] + pad[1];
  shape[2] += pad[2] + pad[3];
  SmallVector<OpFoldResult> low{b.getIndexAttr(0), b.getIndexAttr(pad[0]),
                                b.getIndexAttr(pad[2]), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high{b.getIndexAttr(0), b.getIndexAttr(pad[1]),
                                 b.getIndexAttr(pad[3]), b.getIndexAttr(0)};
  return b.create<tensor::PadOp>(
      loc, RankedTensorType::get(shape, type.getElementType()), x, low, high,
      f32Const(b, loc, value));
}

/// tensor.empty of NHWC `shape` whose batch comes from `like`, filled.
Value nhwcFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value like,
                 double value) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return filled(b, loc, emptyLike(b, loc, type, like), value);
}

Value conv2d(OpBuilder &b, Location loc, Value x, Value w, int64_t stride,
             RankedTensorType outType) {
  Value init = nhwcFilled(b, loc, outType.getShape(), x, 0.0);
  return b
      .create<linalg::Conv2DNhwcHwcfOp>(
          loc, TypeRange{outType}, ValueRange{x, w}, ValueRange{init},
          b.getI64VectorAttr({stride, stride}), b.getI64VectorAttr({1, 1}))
      .getResult(0);
}

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xpad = padSpatial(rewriter, loc, adaptor.getInput(), op.getPad(), 0.0);
    rewriter.replaceOp(op, conv2d(rewriter, loc, xpad, adaptor.getFilter(),
                                  op.getStrides()[0],
                                  cast<RankedTensorType>(op.getType())));
    return success();
  }
};

/// dW[kh, kw, c, f] = sum_{n, oh, ow} xpad[n, oh s + kh, ow s + kw, c] dy[n, oh, ow, f].
struct Conv2DGradFilterLowering : OpConversionPattern<Conv2DGradFilterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DGradFilterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t s = op.getStrides()[0];
    Value xpad = padSpatial(rewriter, loc, adaptor.getInput(), op.getPad(), 0.0);
    auto type = cast<RankedTensorType>(op.getType());
    Value init = filled(rewriter, loc,
                        rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                         rewriter.getF32Type()),
                        0.0);
    // Loops (kh, kw, c, f, n, oh, ow).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap xMap = AffineMap::get(7, 0, {d(4), d(5) * s + d(0), d(6) * s + d(1), d(2)}, ctx);
    AffineMap dyMap = AffineMap::get(7, 0, {d(4), d(5), d(6), d(3)}, ctx);
    AffineMap wMap = AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx);
    auto iters = iterators(7, utils::IteratorType::parallel);
    for (int i = 4; i < 7; ++i)
      iters[i] = utils::IteratorType::reduction;
    Value result =
        rewriter
            .create<linalg::GenericOp>(
                loc, type, ValueRange{xpad, adaptor.getOutputGrad()}, init,
                ArrayRef<AffineMap>{xMap, dyMap, wMap}, iters,
                [](OpBuilder &b, Location l, ValueRange a) {
                  Value m = b.create<arith::MulFOp>(l, a[0], a[1]);
                  b.create<linalg::YieldOp>(l, b.create<arith::AddFOp>(l, a[2], m).getResult());
                })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// dx: dy dilated by the stride and padded by K - 1, convolved with the
/// filter flipped in space and transposed in channels, then cropped to the
/// unpadded input.
struct Conv2DGradInputLowering : OpConversionPattern<Conv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    OpBuilder &b = rewriter;
    Value dy = adaptor.getOutputGrad();
    auto dyType = cast<RankedTensorType>(dy.getType());
    auto wType = cast<RankedTensorType>(adaptor.getFilter().getType());
    auto dxType = cast<RankedTensorType>(op.getType());
    int64_t s = op.getStrides()[0];
    int64_t kh = wType.getDimSize(0), kw = wType.getDimSize(1);
    int64_t c = wType.getDimSize(2), f = wType.getDimSize(3);
    int64_t oh = dyType.getDimSize(1), ow = dyType.getDimSize(2);
    ArrayRef<int64_t> pad = op.getPad();
    // Dilate and pad dy in one strided insert into zeros.
    int64_t dh = (oh - 1) * s + 1 + 2 * (kh - 1), dw = (ow - 1) * s + 1 + 2 * (kw - 1);
    Value zeros = nhwcFilled(b, loc, {dyType.getDimSize(0), dh, dw, f}, dy, 0.0);
    Value n = b.create<tensor::DimOp>(loc, dy, 0);
    Value dyd = b.create<tensor::InsertSliceOp>(
        loc, dy, zeros,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(kh - 1),
                               b.getIndexAttr(kw - 1), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{n, b.getIndexAttr(oh), b.getIndexAttr(ow),
                               b.getIndexAttr(f)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(s),
                               b.getIndexAttr(s), b.getIndexAttr(1)});
    // wflip[i, j, f, c] = w[kh - 1 - i, kw - 1 - j, c, f].
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto flipType = RankedTensorType::get({kh, kw, f, c}, b.getF32Type());
    Value wflip =
        b.create<linalg::GenericOp>(
             loc, flipType, adaptor.getFilter(),
             b.create<tensor::EmptyOp>(loc, flipType.getShape(), b.getF32Type())
                 .getResult(),
             ArrayRef<AffineMap>{
                 AffineMap::get(4, 0, {(kh - 1) - d(0), (kw - 1) - d(1), d(3), d(2)}, ctx),
                 AffineMap::getMultiDimIdentityMap(4, ctx)},
             iterators(4, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange a) {
               nb.create<linalg::YieldOp>(l, a[0]);
             })
            .getResult(0);
    int64_t fh = (oh - 1) * s + kh, fw = (ow - 1) * s + kw;
    auto fullType = RankedTensorType::get({dyType.getDimSize(0), fh, fw, c},
                                          b.getF32Type());
    Value full = conv2d(b, loc, dyd, wflip, 1, fullType);
    // Rows and columns of the padded input that no window reached get zeros.
    int64_t hp = dxType.getDimSize(1) + pad[0] + pad[1];
    int64_t wp = dxType.getDimSize(2) + pad[2] + pad[3];
    if (fh < hp || fw < wp)
      full = padSpatial(b, loc, full, {0, std::max<int64_t>(hp - fh, 0), 0,
                                       std::max<int64_t>(wp - fw, 0)}, 0.0);
    Value dx = b.create<tensor::ExtractSliceOp>(
        loc, dxType, full,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(pad[0]),
                               b.getIndexAttr(pad[2]), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{n, b.getIndexAttr(dxType.getDimSize(1)),
                               b.getIndexAttr(dxType.getDimSize(2)),
                               b.getIndexAttr(c)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(1), b.getIndexAttr(1)});
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// The number of input elements (not padding) in output (oh, ow)'s window.
Value windowCount(OpBuilder &b, Location l, Value oh, Value ow,
                  ArrayRef<int64_t> size, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> pad, int64_t h, int64_t w) {
  auto idx = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(l, v); };
  auto extent = [&](Value o, int64_t k, int64_t s, int64_t before, int64_t in) {
    // [o s - before, o s - before + k) clipped to [0, in).
    Value start = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, o, idx(s)),
                                          idx(before));
    Value end = b.create<arith::MinSIOp>(l, b.create<arith::AddIOp>(l, start, idx(k)),
                                         idx(in));
    Value begin = b.create<arith::MaxSIOp>(l, start, idx(0));
    return b.create<arith::SubIOp>(l, end, begin);
  };
  Value count = b.create<arith::MulIOp>(l, extent(oh, size[0], strides[0], pad[0], h),
                                        extent(ow, size[1], strides[1], pad[2], w));
  return b.create<arith::SIToFPOp>(
      l, b.getF32Type(), b.create<arith::IndexCastOp>(l, b.getI64Type(), count));
}

struct Pool2DLowering : OpConversionPattern<Pool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    bool isMax = op.getKind() == PoolKind::max;
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    double padValue = isMax ? -INFINITY : 0.0;
    Value xpad = padSpatial(b, loc, adaptor.getInput(), op.getPad(), padValue);
    Value init = nhwcFilled(b, loc, outType.getShape(), adaptor.getInput(), padValue);
    Value window = b.create<tensor::EmptyOp>(loc, op.getSize(), b.getF32Type());
    auto strides = b.getI64VectorAttr({op.getStrides()[0], op.getStrides()[1]});
    auto dilations = b.getI64VectorAttr({1, 1});
    Value result;
    if (isMax) {
      result = b.create<linalg::PoolingNhwcMaxOp>(loc, TypeRange{outType},
                                                  ValueRange{xpad, window},
                                                  ValueRange{init}, strides, dilations)
                   .getResult(0);
    } else {
      Value sum = b.create<linalg::PoolingNhwcSumOp>(loc, TypeRange{outType},
                                                     ValueRange{xpad, window},
                                                     ValueRange{init}, strides, dilations)
                      .getResult(0);
      ArrayRef<int64_t> size = op.getSize(), st = op.getStrides(), pad = op.getPad();
      int64_t h = inType.getDimSize(1), w = inType.getDimSize(2);
      result = elementwise(b, loc, sum, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value count = windowCount(nb, l, nb.create<linalg::IndexOp>(l, 1),
                                  nb.create<linalg::IndexOp>(l, 2), size, st, pad, h, w);
        return nb.create<arith::DivFOp>(l, a[0], count).getResult();
      });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// dx[n, i, j, c] = sum over the windows (oh, ow) that contain (i, j):
/// max: dy[n, oh, ow, c] where x[n, i, j, c] is that window's maximum;
/// avg: dy[n, oh, ow, c] / count(oh, ow).
struct Pool2DGradLowering : OpConversionPattern<Pool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getRelu())
      return rewriter.notifyMatchFailure(op, "relu-masked pooling gradients "
                                             "are kernel calls only");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    OpBuilder &b = rewriter;
    bool isMax = op.getKind() == PoolKind::max;
    Value x = adaptor.getInput(), y = adaptor.getOutput(), dy = adaptor.getOutputGrad();
    auto xType = cast<RankedTensorType>(x.getType());
    auto yType = cast<RankedTensorType>(y.getType());
    ArrayRef<int64_t> size = op.getSize(), st = op.getStrides(), pad = op.getPad();
    int64_t h = xType.getDimSize(1), w = xType.getDimSize(2);
    int64_t oh = yType.getDimSize(1), ow = yType.getDimSize(2);
    Value window = b.create<tensor::EmptyOp>(loc, size, b.getF32Type());
    Value init = filled(b, loc, emptyLike(b, loc, xType, x), 0.0);
    // Loops (n, i, j, c, ki, kj).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap xMap = AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx);
    AffineMap wMap = AffineMap::get(6, 0, {d(4), d(5)}, ctx);
    auto iters = iterators(6, utils::IteratorType::parallel);
    iters[4] = iters[5] = utils::IteratorType::reduction;
    Value result =
        b.create<linalg::GenericOp>(
             loc, xType, ValueRange{x, window}, init,
             ArrayRef<AffineMap>{xMap, wMap, xMap}, iters,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               auto idx = [&](int64_t v) { return nb.create<arith::ConstantIndexOp>(l, v); };
               auto at = [&](int64_t dim) { return nb.create<linalg::IndexOp>(l, dim); };
               // The window along one axis whose offset k covers position i.
               auto source = [&](Value i, Value k, int64_t s, int64_t before,
                                 int64_t out) -> std::pair<Value, Value> {
                 Value num = nb.create<arith::SubIOp>(
                     l, nb.create<arith::AddIOp>(l, i, idx(before)), k);
                 Value o = nb.create<arith::DivSIOp>(l, num, idx(s));
                 Value exact = nb.create<arith::CmpIOp>(
                     l, arith::CmpIPredicate::eq,
                     nb.create<arith::RemSIOp>(l, num, idx(s)), idx(0));
                 Value inRange = nb.create<arith::AndIOp>(
                     l, nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, num, idx(0)),
                     nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, o, idx(out)));
                 Value ok = nb.create<arith::AndIOp>(l, exact, inRange);
                 return {ok, nb.create<arith::SelectOp>(l, ok, o, idx(0))};
               };
               auto [okH, oi] = source(at(1), at(4), st[0], pad[0], oh);
               auto [okW, oj] = source(at(2), at(5), st[1], pad[2], ow);
               Value ok = nb.create<arith::AndIOp>(l, okH, okW);
               SmallVector<Value> where{at(0), oi, oj, at(3)};
               Value g = nb.create<tensor::ExtractOp>(l, dy, where);
               Value contrib;
               if (isMax) {
                 Value ymax = nb.create<tensor::ExtractOp>(l, y, where);
                 Value hit = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, a[0], ymax);
                 ok = nb.create<arith::AndIOp>(l, ok, hit);
                 contrib = g;
               } else {
                 contrib = nb.create<arith::DivFOp>(
                     l, g, windowCount(nb, l, oi, oj, size, st, pad, h, w));
               }
               Value add = nb.create<arith::SelectOp>(l, ok, contrib, f32Const(nb, l, 0.0));
               nb.create<linalg::YieldOp>(l, nb.create<arith::AddFOp>(l, a[2], add).getResult());
             })
            .getResult(0);
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
                                                          i64(static_cast<int64_t>(0x9e3779b97f4a7c15ull)))));
    Value buffer = adaptor.getBuffer();
    int64_t offset = op.getOffset();
    auto loop = b.create<scf::ForOp>(loc, idx(0), idx(op.getSize()), idx(1));
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    Value i = b.create<arith::IndexCastOp>(loc, b.getI64Type(), iv);
    Value counter = b.create<arith::AddIOp>(
        loc, key, b.create<arith::MulIOp>(loc, i, i64(static_cast<int64_t>(4 * 0x632be59bd9b4e019ull))));
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
    case Init::constant:
      value = f32Const(b, loc, a);
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

/// The static extents of a matmul's operands (batch excluded) from which
/// it goes to the kernel library: a 32x32 weight times a 32-wide input.
constexpr int64_t kMinKernelMatmulElements = 32 * 32 * 32;

struct ConvertNetToLinalgPass
    : public dlc::impl::ConvertNetToLinalgBase<ConvertNetToLinalgPass> {
  using ConvertNetToLinalgBase::ConvertNetToLinalgBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<NetDialect>();
    target.addLegalOp<DescriptorOp>();
    if (kernels) {
      target.addLegalOp<Conv2DOp, Conv2DBiasActOp, Conv2DGradInputOp,
                        Conv2DGradFilterOp, Pool2DOp, Pool2DGradOp,
                        MatmulBiasActOp>();
      // Small products (the logic gates' layers) stay inline, where they are
      // tiled and vectorized with their neighbours; a call would cost more.
      // On CUDA every product is a cuBLAS call.
      bool cuda = dlc::targetsCuda(getOperation());
      target.addDynamicallyLegalOp<MatmulOp>([cuda](MatmulOp op) {
        if (cuda)
          return true;
        int64_t elements = 1;
        for (Value v : {op.getLhs(), op.getRhs()})
          for (int64_t d : cast<ShapedType>(v.getType()).getShape())
            if (!ShapedType::isDynamic(d))
              elements *= d;
        return elements >= kMinKernelMatmulElements;
      });
    }
    target.addLegalDialect<linalg::LinalgDialect, arith::ArithDialect,
                           math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect,
                           func::FuncDialect,
                           bufferization::BufferizationDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<MatmulLowering, BiasAddLowering, BiasGradLowering,
                 ActivationLowering, ActivationGradLowering, AddLowering,
                 LossLowering, LossGradLowering, ClipByGlobalNormLowering,
                 WeightDecayLowering,
                 ApplyGradientsLowering, RandomInitLowering, ReshapeLowering,
                 ApplyDropoutLowering, Conv2DLowering, Conv2DGradFilterLowering,
                 Conv2DGradInputLowering, Pool2DLowering, Pool2DGradLowering,
                 BatchNormLowering, BatchNormTrainLowering,
                 BatchNormGradLowering, MovingAverageLowering>(ctx);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
