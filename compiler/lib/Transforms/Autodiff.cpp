//===- Autodiff.cpp - net-autodiff ----------------------------------------===//
//
// Builds M.predict, M.eval and M.grad from an expanded net.model. The
// backward pass is reverse-mode autodiff: ops are visited from the loss back
// to the inputs and each DifferentiableOpInterface op builds the gradients of
// its operands; gradients reaching one value from several uses are summed.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringSet.h"

namespace dlc {
#define GEN_PASS_DEF_NETAUTODIFF
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
using namespace dlc::net;

namespace {
class ModelDiff {
public:
  explicit ModelDiff(ModelOp model)
      : model(model), input(model.getInput()),
        regression(model.getRegression()) {
    for (auto p : model.getBlock().getOps<ParameterOp>())
      params.push_back(p);
  }

  LogicalResult run() {
    auto predType = dyn_cast<RankedTensorType>(
        regression.getPrediction().getType());
    if (!predType)
      return regression.emitOpError(
          "has no inferred prediction shape (run net-infer-shapes first)");
    for (Operation &op : model.getBlock())
      if (!isa<InputDataOp, ParameterOp, RegressionOp>(op) &&
          op.getDialect() == model->getDialect() &&
          !isa<MatmulOp, BiasAddOp, ActivationOp, ReshapeOp, DropoutOp,
               Conv2DOp, Pool2DOp, BatchNormOp>(op))
        return op.emitOpError("is not expanded (run net-expand-layers first)");
    if (failed(checkMovingAverages()))
      return failure();
    if (failed(buildActivations()))
      return failure();
    buildPredict();
    buildEval();
    return buildGrad();
  }

private:
  /// The moving statistics of each net.batch_norm are moving-average
  /// parameters, and each moving-average parameter is the statistic of
  /// exactly one net.batch_norm: the training function returns that batch
  /// statistic in the parameter's slot.
  LogicalResult checkMovingAverages() {
    auto isMoving = [](Value v) {
      auto p = v.getDefiningOp<ParameterOp>();
      return p && p.getMovingAverage().has_value();
    };
    for (auto bn : model.getBlock().getOps<BatchNormOp>())
      if (!isMoving(bn.getMean()) || !isMoving(bn.getVariance()))
        return bn.emitOpError("expected its mean and variance to be "
                              "moving-average net.parameter ops");
    for (ParameterOp p : params) {
      if (!p.getMovingAverage())
        continue;
      Value v = p.getResult();
      auto bn = v.hasOneUse() ? dyn_cast<BatchNormOp>(*v.user_begin())
                              : BatchNormOp();
      if (!bn || (bn.getMean() != v && bn.getVariance() != v))
        return p.emitOpError("is a moving average, so it must be the mean or "
                             "the variance of exactly one net.batch_norm");
    }
    return success();
  }

  /// A function named `M.suffix` taking (params..., x[, y][, step]). With
  /// `training`, dropout draws its masks from `step` and batch normalization
  /// uses the batch's statistics (recorded in movingStats); without, dropout
  /// is the identity and batch normalization uses the moving statistics.
  func::FuncOp createFunction(StringRef suffix, bool withTarget,
                              TypeRange results, IRMapping &map,
                              bool training = false) {
    OpBuilder b(model->getContext());
    b.setInsertionPointAfter(model);
    SmallVector<Type> args;
    for (ParameterOp p : params)
      args.push_back(p.getType());
    args.push_back(input.getType());
    if (withTarget)
      args.push_back(regression.getPrediction().getType());
    if (training)
      args.push_back(IntegerType::get(model->getContext(), 64));
    auto fn = b.create<func::FuncOp>(
        model.getLoc(), (model.getSymName() + "." + suffix).str(),
        b.getFunctionType(args, results));
    fn.setPrivate();
    Block *entry = fn.addEntryBlock();
    for (auto [i, p] : llvm::enumerate(params))
      map.map(p.getResult(), entry->getArgument(i));
    map.map(input.getResult(), entry->getArgument(params.size()));
    // Clone the forward graph.
    OpBuilder fb = OpBuilder::atBlockEnd(entry);
    int64_t stream = 0;
    for (Operation &op : model.getBlock()) {
      if (isa<InputDataOp, ParameterOp, RegressionOp>(op))
        continue;
      if (auto dropout = dyn_cast<DropoutOp>(op)) {
        Value in = map.lookup(dropout.getInput());
        Value out = in;
        if (training)
          out = fb.create<ApplyDropoutOp>(
              dropout.getLoc(), in.getType(), in, entry->getArguments().back(),
              dropout.getKeepAttr(), fb.getI64IntegerAttr(stream++));
        map.map(dropout.getResult(), out);
        continue;
      }
      if (auto bn = dyn_cast<BatchNormOp>(op); bn && training) {
        auto train = fb.create<BatchNormTrainOp>(
            bn.getLoc(), map.lookup(bn.getInput()), map.lookup(bn.getGamma()),
            map.lookup(bn.getBeta()), bn.getEpsilonAttr());
        map.map(bn.getResult(), train.getOutput());
        movingStats[bn.getMean()] = train.getMean();
        movingStats[bn.getVariance()] = train.getVariance();
        continue;
      }
      // The layer outputs are named once, on M.activations.
      fb.clone(op, map)->removeAttr(kLayerOutputAttr);
    }
    return fn;
  }

  /// The loss of the prediction; a softmax/sigmoid prediction trained with
  /// the matching cross-entropy is fused into the stable form on logits.
  LossOp buildLoss(OpBuilder &b, IRMapping &map, Value target) {
    Value pred = regression.getPrediction();
    Loss kind = regression.getLoss();
    if (auto act = pred.getDefiningOp<ActivationOp>()) {
      if (kind == Loss::categorical_crossentropy &&
          act.getKind() == Activation::softmax) {
        kind = Loss::softmax_categorical_crossentropy;
        pred = act.getInput();
      } else if (kind == Loss::binary_crossentropy &&
                 act.getKind() == Activation::sigmoid) {
        kind = Loss::sigmoid_binary_crossentropy;
        pred = act.getInput();
      }
    }
    return b.create<LossOp>(regression.getLoc(), kind, map.lookup(pred),
                            target);
  }

  void buildPredict() {
    IRMapping map;
    Value pred = regression.getPrediction();
    func::FuncOp fn = createFunction("predict", false, pred.getType(), map);
    OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
    b.create<func::ReturnOp>(model.getLoc(), map.lookup(pred));
  }

  /// M.activations(params..., x) -> the outputs of the layers net-expand-layers
  /// marked, in model order, computed as predict computes them (dropout the
  /// identity, batch normalization with the moving statistics); their names
  /// in `net.activation_names`. Not built when no layer is marked.
  LogicalResult buildActivations() {
    SmallVector<Value> outputs;
    SmallVector<Attribute> names;
    llvm::StringSet<> seen;
    for (Operation &op : model.getBlock()) {
      Attribute attr = op.getAttr(kLayerOutputAttr);
      if (!attr)
        continue;
      auto name = dyn_cast<StringAttr>(attr);
      if (!name || name.getValue().empty())
        return op.emitOpError("expected '")
               << kLayerOutputAttr << "' to be a non-empty string";
      auto type = op.getNumResults() == 1
                      ? dyn_cast<RankedTensorType>(op.getResult(0).getType())
                      : RankedTensorType();
      if (!type || type.getRank() < 1 || !type.isDynamicDim(0) ||
          type.getNumDynamicDims() != 1)
        return op.emitOpError("is marked as a layer output but its result is "
                              "not a [?, ...] tensor static but for the batch");
      if (!seen.insert(name.getValue()).second)
        return op.emitOpError("names a second layer output '")
               << name.getValue() << "'";
      outputs.push_back(op.getResult(0));
      names.push_back(name);
    }
    if (outputs.empty())
      return success();
    IRMapping map;
    SmallVector<Type> types;
    for (Value v : outputs)
      types.push_back(v.getType());
    func::FuncOp fn = createFunction("activations", false, types, map);
    fn->setAttr(kActivationNamesAttr,
                ArrayAttr::get(model->getContext(), names));
    SmallVector<Value> results;
    for (Value v : outputs)
      results.push_back(map.lookup(v));
    OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
    b.create<func::ReturnOp>(model.getLoc(), results);
    return success();
  }

  void buildEval() {
    IRMapping map;
    Value pred = regression.getPrediction();
    auto scalar = RankedTensorType::get({}, Float32Type::get(pred.getContext()));
    func::FuncOp fn = createFunction("eval", true, {scalar, pred.getType()}, map);
    OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
    LossOp loss = buildLoss(b, map, fn.getArguments().back());
    b.create<func::ReturnOp>(model.getLoc(),
                             ValueRange{loss, map.lookup(pred)});
  }

  LogicalResult buildGrad() {
    IRMapping map;
    Value pred = regression.getPrediction();
    auto scalar = RankedTensorType::get({}, Float32Type::get(pred.getContext()));
    SmallVector<Type> results{scalar, pred.getType()};
    for (ParameterOp p : params)
      results.push_back(p.getType());
    func::FuncOp fn = createFunction("grad", true, results, map,
                                     /*training=*/true);
    OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
    LossOp loss = buildLoss(b, map, fn.getArgument(fn.getNumArguments() - 2));

    DenseMap<Value, Value> grads;
    grads[loss] = b.create<arith::ConstantOp>(
        loss.getLoc(), DenseElementsAttr::get(scalar, 1.0f));
    for (Operation *op = loss; op; op = op->getPrevNode()) {
      auto diff = dyn_cast<DifferentiableOpInterface>(op);
      if (!diff)
        continue;
      SmallVector<Value> resultGrads;
      for (Value r : op->getResults())
        resultGrads.push_back(grads.lookup(r));
      if (llvm::all_of(resultGrads, [](Value v) { return !v; }))
        continue;
      FailureOr<SmallVector<Value>> operandGrads =
          diff.buildVJP(b, resultGrads);
      if (failed(operandGrads))
        return failure();
      for (auto [operand, g] : llvm::zip(op->getOperands(), *operandGrads)) {
        if (!g)
          continue;
        Value &acc = grads[operand];
        acc = acc ? b.create<AddOp>(op->getLoc(), acc, g).getResult() : g;
      }
    }

    SmallVector<Value> returned{loss, map.lookup(pred)};
    for (ParameterOp p : params) {
      // A moving average's slot holds the batch statistic it averages.
      Value g = p.getMovingAverage() ? movingStats.lookup(p.getResult())
                                     : grads.lookup(map.lookup(p.getResult()));
      if (!g) // The parameter does not reach the loss.
        g = b.create<arith::ConstantOp>(
            p.getLoc(), DenseElementsAttr::get(
                            cast<ShapedType>(p.getType()), 0.0f));
      returned.push_back(g);
    }
    b.create<func::ReturnOp>(model.getLoc(), returned);
    // Drop what the loss does not need (the input's gradient, the seed).
    for (Operation &op : llvm::make_early_inc_range(
             llvm::reverse(fn.front().getOperations())))
      if (isOpTriviallyDead(&op))
        op.erase();
    return success();
  }

  ModelOp model;
  InputDataOp input;
  RegressionOp regression;
  SmallVector<ParameterOp> params;
  /// Moving-average parameter (in the model) -> the batch statistic in the
  /// training function.
  DenseMap<Value, Value> movingStats;
};

struct NetAutodiffPass : public dlc::impl::NetAutodiffBase<NetAutodiffPass> {
  void runOnOperation() override {
    for (auto model : llvm::make_early_inc_range(getOperation().getOps<ModelOp>()))
      if (failed(ModelDiff(model).run()))
        return signalPassFailure();
  }
};
} // namespace
