//===- BuildEntryPoints.cpp - net-build-entry-points ----------------------===//
//
// Builds each model's buffer-level functions. Parameters live in one flat
// float buffer at consecutive offsets (the order of their net.parameter ops);
// each function views its slices with memref.reinterpret_cast and enters
// tensor land with bufferization.to_tensor. Results leave it through
// bufferization.materialize_in_destination, so the arrays passed in by the
// caller are written directly once bufferized.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/raw_ostream.h"

namespace dlc {
#define GEN_PASS_DEF_NETBUILDENTRYPOINTS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
using namespace dlc::net;

namespace {
SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// A view of `size(type)` floats at `offset` of a flat buffer.
Value sliceOf(OpBuilder &b, Location loc, Value buffer, int64_t offset,
              RankedTensorType type) {
  SmallVector<int64_t> strides = rowMajorStrides(type.getShape());
  auto layout = StridedLayoutAttr::get(b.getContext(), offset, strides);
  auto viewType = MemRefType::get(type.getShape(), type.getElementType(), layout);
  return b.create<memref::ReinterpretCastOp>(loc, viewType, buffer, offset,
                                             type.getShape(), strides);
}

Value toTensor(OpBuilder &b, Location loc, Value memref) {
  auto memrefType = cast<MemRefType>(memref.getType());
  auto tensorType = RankedTensorType::get(memrefType.getShape(),
                                          memrefType.getElementType());
  auto op = b.create<bufferization::ToTensorOp>(loc, tensorType, memref);
  op.setRestrict(true);
  return op;
}

void storeTo(OpBuilder &b, Location loc, Value tensor, Value memref) {
  auto op = b.create<bufferization::MaterializeInDestinationOp>(
      loc, TypeRange{}, tensor, memref);
  op.setRestrict(true);
  op.setWritable(true);
}

MemRefType memrefOf(Type tensorType) {
  auto t = cast<RankedTensorType>(tensorType);
  return MemRefType::get(t.getShape(), t.getElementType());
}

/// FNV-1a, stable across compiler versions (checkpoints store it).
uint64_t fnv1a(StringRef text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text)
    h = (h ^ c) * 0x100000001b3ull;
  return h & 0x7fffffffffffffffull; // Fits an I64Attr without sign issues.
}

SmallVector<int64_t> abiShape(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> out;
  for (int64_t d : shape)
    out.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return out;
}

class EntryPointBuilder {
public:
  EntryPointBuilder(ModuleOp module, ModelOp model)
      : module(module), model(model), regression(model.getRegression()),
        b(model->getContext()), loc(model.getLoc()) {
    for (auto p : model.getBlock().getOps<ParameterOp>()) {
      params.push_back(p);
      offsets.push_back(paramFloats);
      paramFloats += cast<ShapedType>(p.getType()).getNumElements();
    }
    stateFloats =
        ApplyGradientsOp::getSlotsPerParam(regression.getOptimizer()) *
        paramFloats;
    inputType = memrefOf(model.getInput().getType());
    outputType = memrefOf(regression.getPrediction().getType());
    paramsType = MemRefType::get({paramFloats}, b.getF32Type());
    stateType = MemRefType::get({stateFloats}, b.getF32Type());
    b.setInsertionPoint(model);
  }

  LogicalResult run() {
    StringRef name = model.getSymName();
    predict = module.lookupSymbol<func::FuncOp>((name + ".predict").str());
    eval = module.lookupSymbol<func::FuncOp>((name + ".eval").str());
    grad = module.lookupSymbol<func::FuncOp>((name + ".grad").str());
    if (!predict || !eval || !grad)
      return model.emitOpError("has no predict/eval/grad functions (run "
                               "net-autodiff first)");
    // Absent when the model has no layer TFLearn summarizes.
    activations =
        module.lookupSymbol<func::FuncOp>((name + ".activations").str());
    if (activations && failed(buildActivations()))
      return failure();
    buildForward();
    buildEval();
    func::FuncOp lossAndGrad = buildLossAndGrad();
    buildGradient(lossAndGrad);
    buildTrainStep(lossAndGrad);
    buildInitParams();
    buildDescriptor();
    // The tensor-level functions now live inside the entry points.
    model.erase();
    predict.erase();
    eval.erase();
    grad.erase();
    if (activations)
      activations.erase();
    return success();
  }

private:
  func::FuncOp createFunction(StringRef suffix, TypeRange args,
                              TypeRange results) {
    auto fn = b.create<func::FuncOp>(
        loc, (model.getSymName() + "." + suffix).str(),
        b.getFunctionType(args, results));
    fn.setPrivate();
    fn.addEntryBlock();
    return fn;
  }

  /// Inlines `callee` on the parameters viewed in `paramsBuffer` and the
  /// given tensors; returns the values it returns.
  SmallVector<Value> inlineWithParams(OpBuilder &fb, func::FuncOp callee,
                                      Value paramsBuffer, ValueRange rest) {
    IRMapping map;
    for (auto [i, p] : llvm::enumerate(params))
      map.map(callee.getArgument(i),
              toTensor(fb, loc,
                       sliceOf(fb, loc, paramsBuffer, offsets[i],
                               cast<RankedTensorType>(p.getType()))));
    for (auto [i, v] : llvm::enumerate(rest))
      map.map(callee.getArgument(params.size() + i), v);
    for (Operation &op : callee.front().without_terminator())
      fb.clone(op, map);
    SmallVector<Value> results;
    for (Value v : callee.front().getTerminator()->getOperands())
      results.push_back(map.lookupOrDefault(v));
    return results;
  }

  Value extractScalar(OpBuilder &fb, Value tensor) {
    return fb.create<tensor::ExtractOp>(loc, tensor, ValueRange{});
  }

  void buildForward() {
    func::FuncOp fn = createFunction(
        "forward_impl", {paramsType, inputType, outputType}, {});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    Value x = toTensor(fb, loc, fn.getArgument(1));
    SmallVector<Value> r = inlineWithParams(fb, predict, fn.getArgument(0), x);
    storeTo(fb, loc, r[0], fn.getArgument(2));
    fb.create<func::ReturnOp>(loc);
  }

  /// activations_impl(params, x, acts...): the results of M.activations,
  /// each into its own [batch, ...] buffer; the C wrapper places them in one
  /// buffer at their per-example offset times the batch, as the descriptor
  /// lists them (activationAttrs).
  LogicalResult buildActivations() {
    auto names = activations->getAttrOfType<ArrayAttr>(kActivationNamesAttr);
    TypeRange types = activations.getFunctionType().getResults();
    if (!names || names.size() != types.size() ||
        !llvm::all_of(names, [](Attribute a) { return isa<StringAttr>(a); }))
      return activations.emitOpError("expected '")
             << kActivationNamesAttr << "' to name each of its "
             << types.size() << " results";
    SmallVector<Type> argTypes{paramsType, inputType};
    for (auto [i, t] : llvm::enumerate(types)) {
      auto type = dyn_cast<RankedTensorType>(t);
      if (!type || type.getRank() < 1 || !type.isDynamicDim(0) ||
          type.getNumDynamicDims() != 1)
        return activations.emitOpError("result #")
               << i << " is not a [?, ...] tensor static but for the batch";
      int64_t perExample = 1;
      for (int64_t d : type.getShape().drop_front())
        perExample *= d;
      activationAttrs.push_back(b.getDictionaryAttr({
          b.getNamedAttr("name", names[i]),
          b.getNamedAttr("shape",
                         b.getDenseI64ArrayAttr(abiShape(type.getShape()))),
          b.getNamedAttr("offset", b.getI64IntegerAttr(activationFloats)),
          b.getNamedAttr("size", b.getI64IntegerAttr(perExample)),
      }));
      activationFloats += perExample;
      argTypes.push_back(memrefOf(type));
    }
    func::FuncOp fn = createFunction("activations_impl", argTypes, {});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    Value x = toTensor(fb, loc, fn.getArgument(1));
    SmallVector<Value> r = inlineWithParams(fb, activations, fn.getArgument(0), x);
    for (auto [k, v] : llvm::enumerate(r))
      storeTo(fb, loc, v, fn.getArgument(2 + k));
    fb.create<func::ReturnOp>(loc);
    return success();
  }

  void buildEval() {
    func::FuncOp fn = createFunction(
        "eval_step_impl", {paramsType, inputType, outputType, outputType},
        {b.getF32Type()});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    Value x = toTensor(fb, loc, fn.getArgument(1));
    Value y = toTensor(fb, loc, fn.getArgument(2));
    SmallVector<Value> r = inlineWithParams(fb, eval, fn.getArgument(0), {x, y});
    storeTo(fb, loc, r[1], fn.getArgument(3));
    fb.create<func::ReturnOp>(loc, extractScalar(fb, r[0]));
  }

  /// loss_and_grad_impl(params, x, y, step, pred, grads) -> loss: the one
  /// copy of the forward and backward passes, shared by the gradient and the
  /// training step; `step` keys the dropout masks.
  func::FuncOp buildLossAndGrad() {
    func::FuncOp fn = createFunction(
        "loss_and_grad_impl",
        {paramsType, inputType, outputType, b.getI64Type(), outputType,
         paramsType},
        {b.getF32Type()});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    // The gradients' slices first: defined before the computation, they let
    // empty-tensor elimination compute each gradient in its slice (a bias
    // gradient's reduction, too) instead of a temporary copied there.
    SmallVector<Value> gradSlices;
    for (auto [i, p] : llvm::enumerate(params))
      gradSlices.push_back(sliceOf(fb, loc, fn.getArgument(5), offsets[i],
                                   cast<RankedTensorType>(p.getType())));
    Value x = toTensor(fb, loc, fn.getArgument(1));
    Value y = toTensor(fb, loc, fn.getArgument(2));
    SmallVector<Value> r = inlineWithParams(fb, grad, fn.getArgument(0),
                                            {x, y, fn.getArgument(3)});
    for (auto [i, slice] : llvm::enumerate(gradSlices))
      storeTo(fb, loc, r[2 + i], slice);
    storeTo(fb, loc, r[1], fn.getArgument(4));
    Value loss = extractScalar(fb, r[0]);
    // L2: the decayed weights' terms added to the gradients, on the flat
    // buffers in one op (on the GPU, one pass over them). The loss returned
    // is the data loss, which the training step reports as TFLearn's
    // console and its `Loss` summary do; the result of the op, the loss
    // with the L2 terms, is unused, so its sum is not computed.
    weightDecay(fb, fn.getArgument(0), fn.getArgument(5), loss,
                /*lossOnly=*/false);
    fb.create<func::ReturnOp>(loc, loss);
    return fn;
  }

  /// The L2 terms of the decayed weights, in one net.weight_decay: added to
  /// the gradients `grads` (unless lossOnly) and to `loss` (the result).
  /// `loss` itself without decayed weights.
  Value weightDecay(OpBuilder &fb, Value paramsBuf, Value grads, Value loss,
                    bool lossOnly) {
    SmallVector<int64_t> decayOffsets, decaySizes;
    SmallVector<double> decays;
    for (auto [i, p] : llvm::enumerate(params)) {
      double decay = p.getDecay().convertToDouble();
      if (decay == 0.0)
        continue;
      decayOffsets.push_back(offsets[i]);
      decaySizes.push_back(cast<ShapedType>(p.getType()).getNumElements());
      decays.push_back(decay);
    }
    if (decays.empty())
      return loss;
    return fb.create<WeightDecayOp>(
        loc, paramsBuf, grads, loss, fb.getDenseI64ArrayAttr(decayOffsets),
        fb.getDenseI64ArrayAttr(decaySizes), fb.getDenseF64ArrayAttr(decays),
        lossOnly);
  }

  /// gradient_impl(params, x, y, grads) -> loss: the prediction goes to a
  /// temporary (freed by the buffer deallocation pipeline); dropout uses the
  /// masks of step 0; the slots of moving averages are zero. The loss is
  /// the objective the gradients are of: with the L2 terms.
  void buildGradient(func::FuncOp lossAndGrad) {
    func::FuncOp fn = createFunction(
        "gradient_impl", {paramsType, inputType, outputType, paramsType},
        {b.getF32Type()});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    Value batch = fb.create<memref::DimOp>(loc, fn.getArgument(1), 0);
    Value pred = fb.create<memref::AllocOp>(loc, outputType, ValueRange{batch});
    Value step0 = fb.create<arith::ConstantOp>(loc, fb.getI64IntegerAttr(0));
    Value loss = fb.create<func::CallOp>(
                       loc, lossAndGrad,
                       ValueRange{fn.getArgument(0), fn.getArgument(1),
                                  fn.getArgument(2), step0, pred,
                                  fn.getArgument(3)})
                     .getResult(0);
    loss = weightDecay(fb, fn.getArgument(0), fn.getArgument(3), loss,
                       /*lossOnly=*/true);
    // The loss does not depend on the moving statistics.
    Value zero = fb.create<arith::ConstantOp>(loc, fb.getF32FloatAttr(0.0f));
    for (auto [i, p] : llvm::enumerate(params))
      if (p.getMovingAverage())
        fb.create<linalg::FillOp>(
            loc, zero,
            sliceOf(fb, loc, fn.getArgument(3), offsets[i],
                    cast<RankedTensorType>(p.getType())));
    fb.create<func::ReturnOp>(loc, loss);
  }

  /// train_step_impl(params, state, x, y, step, pred, grads) -> loss: the
  /// gradients go to the workspace, the moving averages are updated, and the
  /// gradients are clipped by global norm and applied.
  void buildTrainStep(func::FuncOp lossAndGrad) {
    func::FuncOp fn = createFunction(
        "train_step_impl",
        {paramsType, stateType, inputType, outputType, b.getI64Type(),
         outputType, paramsType},
        {b.getF32Type()});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    Value paramsBuf = fn.getArgument(0), gradsBuf = fn.getArgument(6);
    Value loss = fb.create<func::CallOp>(
                       loc, lossAndGrad,
                       ValueRange{paramsBuf, fn.getArgument(2),
                                  fn.getArgument(3), fn.getArgument(4),
                                  fn.getArgument(5), gradsBuf})
                     .getResult(0);
    // Moving statistics take their batch statistic from the gradient slot,
    // which is then zeroed: clipping and the optimizer leave them alone.
    for (auto [i, p] : llvm::enumerate(params))
      if (p.getMovingAverage())
        fb.create<MovingAverageOp>(
            loc, paramsBuf, gradsBuf, fb.getI64IntegerAttr(offsets[i]),
            fb.getI64IntegerAttr(
                cast<ShapedType>(p.getType()).getNumElements()),
            p.getMovingAverageAttr());
    // Clipping scales the gradients inside the update: one pass over them.
    double clip = regression.getClipNorm().convertToDouble();
    fb.create<ApplyGradientsOp>(
        loc, regression.getOptimizerAttr(), paramsBuf, gradsBuf,
        fn.getArgument(1), fn.getArgument(4), regression.getLearningRateAttr(),
        regression.getMomentumAttr(), regression.getBeta1Attr(),
        regression.getBeta2Attr(),
        fb.getF64FloatAttr(regression.getEffectiveEpsilon()),
        regression.getDecayAttr(), regression.getInitialAccumulatorAttr(),
        regression.getLrDecayAttr(), regression.getDecayStepAttr(),
        regression.getStaircaseAttr(),
        clip > 0.0 ? fb.getF64FloatAttr(clip) : FloatAttr());
    fb.create<func::ReturnOp>(loc, loss);
  }

  void buildInitParams() {
    func::FuncOp fn =
        createFunction("init_params_impl", {paramsType, b.getI64Type()}, {});
    OpBuilder fb = OpBuilder::atBlockEnd(&fn.front());
    for (auto [i, p] : llvm::enumerate(params)) {
      ArrayRef<int64_t> shape = cast<ShapedType>(p.getType()).getShape();
      int64_t size = cast<ShapedType>(p.getType()).getNumElements();
      // TensorFlow's fans (variance_scaling_initializer, which TFLearn's
      // xavier and uniform_scaling follow): fan-in is the product of all
      // but the last dimension; fan-out is the last one times the
      // receptive field (a filter's kh * kw), all but the last two.
      int64_t fanOut = shape.back();
      int64_t fanIn = shape.size() > 1 ? size / fanOut : fanOut;
      if (shape.size() > 2)
        fanOut = size / shape[shape.size() - 2];
      fb.create<RandomInitOp>(loc, p.getInitAttr(), p.getInitAAttr(),
                              p.getInitBAttr(), fn.getArgument(0),
                              fb.getI64IntegerAttr(offsets[i]),
                              fb.getI64IntegerAttr(size), fn.getArgument(1),
                              fb.getI64IntegerAttr(i),
                              fb.getI64IntegerAttr(fanIn),
                              fb.getI64IntegerAttr(fanOut));
    }
    fb.create<func::ReturnOp>(loc);
  }

  void buildDescriptor() {
    std::string signature;
    llvm::raw_string_ostream os(signature);
    os << model.getSymName() << ';' << model.getInput().getType() << ';'
       << regression.getPrediction().getType() << ';';
    SmallVector<Attribute> paramAttrs;
    for (auto [i, p] : llvm::enumerate(params)) {
      auto type = cast<ShapedType>(p.getType());
      os << p.getName() << ':' << type << ';';
      paramAttrs.push_back(b.getDictionaryAttr({
          b.getNamedAttr("name", p.getNameAttr()),
          b.getNamedAttr("shape", b.getDenseI64ArrayAttr(type.getShape())),
          b.getNamedAttr("offset", b.getI64IntegerAttr(offsets[i])),
          b.getNamedAttr("size", b.getI64IntegerAttr(type.getNumElements())),
          b.getNamedAttr("init", b.getI64IntegerAttr(
                                     static_cast<int64_t>(p.getInit()))),
          b.getNamedAttr("init_a", p.getInitAAttr()),
          b.getNamedAttr("init_b", p.getInitBAttr()),
          b.getNamedAttr("decay", p.getDecayAttr()),
      }));
    }
    // The loss as the user wrote it, not its fused form.
    DictionaryAttr hparams = b.getDictionaryAttr({
        b.getNamedAttr("optimizer",
                       b.getI64IntegerAttr(static_cast<int64_t>(
                           regression.getOptimizer()))),
        b.getNamedAttr("loss", b.getI64IntegerAttr(static_cast<int64_t>(
                                   regression.getLoss()))),
        b.getNamedAttr("learning_rate", regression.getLearningRateAttr()),
        b.getNamedAttr("momentum", regression.getMomentumAttr()),
        b.getNamedAttr("beta1", regression.getBeta1Attr()),
        b.getNamedAttr("beta2", regression.getBeta2Attr()),
        b.getNamedAttr("epsilon",
                       b.getF64FloatAttr(regression.getEffectiveEpsilon())),
        b.getNamedAttr("clip_norm", regression.getClipNormAttr()),
    });
    // The network's structure: every expanded op with its attributes
    // (activations, initialisers, dropout, padding), the loss and the
    // optimizer, but not its step sizes, so a run may resume with another
    // learning rate.
    // The names of the layer outputs follow from the layers and are not
    // hashed: a model keeps the fingerprint it had before they existed.
    for (Operation &op : model.getBlock()) {
      if (isa<RegressionOp>(op))
        continue;
      os << op.getName() << '{';
      for (NamedAttribute attr : op.getAttrs())
        if (attr.getName() != kLayerOutputAttr)
          os << attr.getName().getValue() << '=' << attr.getValue() << ',';
      os << "};";
    }
    os << stringifyLoss(regression.getLoss()) << ';'
       << stringifyOptimizer(regression.getOptimizer()) << ';' << stateFloats;
    b.create<DescriptorOp>(
        loc, model.getSymNameAttr(),
        b.getDenseI64ArrayAttr(abiShape(inputType.getShape())),
        b.getDenseI64ArrayAttr(abiShape(outputType.getShape())),
        b.getArrayAttr(paramAttrs), b.getI64IntegerAttr(paramFloats),
        b.getI64IntegerAttr(stateFloats),
        b.getI64IntegerAttr(paramFloats * int64_t(sizeof(float))), hparams,
        b.getI64IntegerAttr(static_cast<int64_t>(fnv1a(os.str()))),
        activations ? b.getArrayAttr(activationAttrs) : ArrayAttr(),
        /*workspace_per_example_bytes=*/b.getI64IntegerAttr(0));
  }

  ModuleOp module;
  ModelOp model;
  RegressionOp regression;
  OpBuilder b;
  Location loc;
  SmallVector<ParameterOp> params;
  SmallVector<int64_t> offsets;
  int64_t paramFloats = 0, stateFloats = 0, activationFloats = 0;
  MemRefType inputType, outputType, paramsType, stateType;
  func::FuncOp predict, eval, grad, activations;
  SmallVector<Attribute> activationAttrs;
};

struct NetBuildEntryPointsPass
    : public dlc::impl::NetBuildEntryPointsBase<NetBuildEntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto model : llvm::make_early_inc_range(module.getOps<ModelOp>())) {
      // The builder reads the shapes net-infer-shapes gives the values.
      if (!isa<RankedTensorType>(model.getInput().getType()) ||
          !isa<RankedTensorType>(
              model.getRegression().getPrediction().getType())) {
        model.emitOpError(
            "has no inferred shapes (run net-infer-shapes first)");
        return signalPassFailure();
      }
      if (failed(EntryPointBuilder(module, model).run()))
        return signalPassFailure();
    }
  }
};
} // namespace
