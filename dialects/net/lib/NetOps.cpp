//===- NetOps.cpp - The net dialect: parsing, verification, shapes --------===//

#include "dlc/Dialect/Net/NetOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace dlc::net;

#include "dlc/Dialect/Net/NetDialect.cpp.inc"
#include "dlc/Dialect/Net/NetEnums.cpp.inc"
#include "dlc/Dialect/Net/NetInterfaces.cpp.inc"

void NetDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dlc/Dialect/Net/NetOps.cpp.inc"
      >();
}

TensorType dlc::net::getUnrankedF32(MLIRContext *ctx) {
  return UnrankedTensorType::get(Float32Type::get(ctx));
}

//===----------------------------------------------------------------------===//
// Custom directives
//===----------------------------------------------------------------------===//

/// `[?, 32, 32, 3]`: `?` is a dynamic (batch) dimension.
static ParseResult parseShape(OpAsmParser &parser, DenseI64ArrayAttr &shape) {
  SmallVector<int64_t> dims;
  auto parseDim = [&]() -> ParseResult {
    if (succeeded(parser.parseOptionalQuestion())) {
      dims.push_back(ShapedType::kDynamic);
      return success();
    }
    int64_t dim;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseInteger(dim))
      return failure();
    if (dim <= 0)
      return parser.emitError(loc, "expected a positive dimension, got ")
             << dim;
    dims.push_back(dim);
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, parseDim))
    return failure();
  shape = parser.getBuilder().getDenseI64ArrayAttr(dims);
  return success();
}

static void printShape(OpAsmPrinter &printer, Operation *,
                       DenseI64ArrayAttr shape) {
  printer << '[';
  llvm::interleaveComma(shape.asArrayRef(), printer, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      printer << '?';
    else
      printer << d;
  });
  printer << ']';
}

/// A layer's options are keywords (`units 3`, `activation relu`); its
/// attribute dictionary may hold only attributes with a dialect prefix
/// (`{dlc.note = ...}`). An option written there too would silently replace
/// the keyword's value, so the custom form refuses any other name.
static ParseResult parseLayerAttrDict(OpAsmParser &parser,
                                      NamedAttrList &attrs) {
  SMLoc loc = parser.getCurrentLocation();
  // A layer option left here is out of its place: the declarative parser
  // stopped at it, and the next op's parser would take it for an op name
  // ("Dialect `' not found for custom op 'regularizer'").
  for (StringRef option :
       {"shape", "units", "activation", "bias", "weights_init", "stddev",
        "init_range", "regularizer", "weight_decay", "filters", "size",
        "strides", "padding", "keep", "epsilon", "decay", "gamma", "beta"})
    if (succeeded(parser.parseOptionalKeyword(option)))
      return parser.emitError(loc, "option '")
             << option
             << "' is out of order, given twice or not an option of this "
                "layer: a layer's options are written in the order of its "
                "syntax (the README's table of the net dialect)";
  NamedAttrList parsed;
  if (parser.parseOptionalAttrDict(parsed))
    return failure();
  for (NamedAttribute a : parsed)
    if (!a.getName().getValue().contains('.'))
      return parser.emitError(loc, "attribute '")
             << a.getName().getValue()
             << "' cannot be written in the attribute dictionary, which "
                "holds only names with a dialect prefix; options are "
                "keywords (units 3, activation relu)";
  attrs.append(parsed.begin(), parsed.end());
  return success();
}

static void printLayerAttrDict(OpAsmPrinter &printer, Operation *op,
                               DictionaryAttr) {
  printer.printOptionalAttrDict(op->getDiscardableAttrDictionary().getValue());
}

//===----------------------------------------------------------------------===//
// net.regression's options
//===----------------------------------------------------------------------===//

namespace {
/// The options of net.regression, in their printed order.
enum RegressionOption : unsigned {
  kOptimizer,
  kLearningRate,
  kLoss,
  kMomentum,
  kBeta1,
  kBeta2,
  kEpsilon,
  kDecay,
  kInitialAccumulator,
  kClipNorm,
  kLrDecay,
  kDecayStep,
  kStaircase,
  kNumRegressionOptions
};
constexpr const char *kRegressionOptionNames[kNumRegressionOptions] = {
    "optimizer", "learning_rate",       "loss",      "momentum", "beta1",
    "beta2",     "epsilon",             "decay",     "initial_accumulator",
    "clip_norm", "lr_decay",            "decay_step", "staircase"};

/// The optimizers an option applies to (null: all of them).
const char *optionAppliesTo(unsigned option, Optimizer opt, bool &applies) {
  applies = true;
  switch (option) {
  case kMomentum:
    applies = opt == Optimizer::momentum || opt == Optimizer::nesterov;
    return "momentum and nesterov";
  case kBeta1:
  case kBeta2:
    applies = opt == Optimizer::adam;
    return "adam";
  case kEpsilon:
    applies = opt == Optimizer::adam || opt == Optimizer::rmsprop;
    return "adam and rmsprop";
  case kDecay:
    applies = opt == Optimizer::rmsprop;
    return "rmsprop";
  case kInitialAccumulator:
    applies = opt == Optimizer::adagrad;
    return "adagrad";
  default:
    return nullptr;
  }
}
} // namespace

/// TFLearn's keyword arguments come in any order: so do net.regression's
/// options, each at most once. An option of another optimizer than the one
/// chosen (`momentum` with rmsprop) is an error: it would be ignored.
static ParseResult parseRegressionOptions(
    OpAsmParser &parser, OptimizerAttr &optimizer, FloatAttr &learningRate,
    LossAttr &loss, FloatAttr &momentum, FloatAttr &beta1, FloatAttr &beta2,
    FloatAttr &epsilon, FloatAttr &decay, FloatAttr &initialAccumulator,
    FloatAttr &clipNorm, FloatAttr &lrDecay, IntegerAttr &decayStep,
    UnitAttr &staircase) {
  Builder &b = parser.getBuilder();
  MLIRContext *ctx = parser.getContext();
  FloatAttr *floats[kNumRegressionOptions] = {};
  floats[kLearningRate] = &learningRate;
  floats[kMomentum] = &momentum;
  floats[kBeta1] = &beta1;
  floats[kBeta2] = &beta2;
  floats[kEpsilon] = &epsilon;
  floats[kDecay] = &decay;
  floats[kInitialAccumulator] = &initialAccumulator;
  floats[kClipNorm] = &clipNorm;
  floats[kLrDecay] = &lrDecay;
  std::optional<SMLoc> given[kNumRegressionOptions];
  while (true) {
    SMLoc loc = parser.getCurrentLocation();
    StringRef keyword;
    if (failed(parser.parseOptionalKeyword(&keyword)))
      break;
    const auto *it = llvm::find(kRegressionOptionNames, keyword);
    // An option run into its value (`learning_rate.001`: one identifier).
    if (it == std::end(kRegressionOptionNames) &&
        llvm::is_contained(kRegressionOptionNames,
                           keyword.take_until([](char c) { return c == '.'; })))
      return parser.emitError(loc, "option '")
             << keyword.take_until([](char c) { return c == '.'; })
             << "' needs a space before its value (write a float with a "
                "digit before its '.': 0.001)";
    // An op name: the next op has no results and was taken for an option.
    if (it == std::end(kRegressionOptionNames) && keyword.contains('.'))
      return parser.emitError(loc, "expected an option of net.regression or "
                                   "the end of the net.model, got the op '")
             << keyword
             << "': net.regression ends the model (TFLearn's last layer)";
    if (it == std::end(kRegressionOptionNames))
      return parser.emitError(loc, "unknown option '")
             << keyword
             << "' of net.regression (expected optimizer, learning_rate, "
                "loss, momentum, beta1, beta2, epsilon, decay, "
                "initial_accumulator, clip_norm, lr_decay, decay_step or "
                "staircase)";
    const unsigned option = it - std::begin(kRegressionOptionNames);
    if (given[option])
      return parser.emitError(loc, "option ")
             << keyword << " is given twice";
    given[option] = loc;
    if (option == kStaircase) {
      staircase = b.getUnitAttr();
    } else if (option == kDecayStep) {
      int64_t value = 0;
      if (parser.parseInteger(value))
        return failure();
      decayStep = b.getI64IntegerAttr(value);
    } else if (option == kOptimizer || option == kLoss) {
      SMLoc at = parser.getCurrentLocation();
      StringRef name;
      if (failed(parser.parseOptionalKeyword(&name)))
        return parser.emitError(at, "expected the name of ")
               << (option == kOptimizer
                       ? "an optimizer (sgd, momentum, nesterov, adam, "
                         "rmsprop, adagrad)"
                       : "a loss (mean_square, binary_crossentropy, "
                         "categorical_crossentropy, "
                         "softmax_categorical_crossentropy)");
      if (option == kOptimizer) {
        std::optional<Optimizer> value = symbolizeOptimizer(name);
        if (!value)
          return parser.emitError(at, "unknown optimizer '")
                 << name
                 << "' (expected sgd, momentum, nesterov, adam, rmsprop or "
                    "adagrad)";
        optimizer = OptimizerAttr::get(ctx, *value);
      } else {
        // The verifier refuses the internal losses.
        std::optional<Loss> value = symbolizeLoss(name);
        if (!value)
          return parser.emitError(at, "unknown loss '")
                 << name
                 << "' (expected mean_square, binary_crossentropy, "
                    "categorical_crossentropy or "
                    "softmax_categorical_crossentropy)";
        loss = LossAttr::get(ctx, *value);
      }
    } else {
      double value = 0;
      if (parser.parseFloat(value))
        return failure();
      *floats[option] = b.getF64FloatAttr(value);
    }
  }
  const Optimizer opt = optimizer ? optimizer.getValue() : Optimizer::adam;
  for (unsigned option = 0; option < kNumRegressionOptions; ++option) {
    bool applies = true;
    const char *to = optionAppliesTo(option, opt, applies);
    if (given[option] && !applies)
      return parser.emitError(*given[option], "option ")
             << kRegressionOptionNames[option] << " applies to optimizer "
             << to << ", not " << stringifyOptimizer(opt)
             << " (it would be ignored)";
  }
  return success();
}

/// The options that differ from their defaults, in a fixed order.
static void printRegressionOptions(
    OpAsmPrinter &printer, Operation *op, OptimizerAttr optimizer,
    FloatAttr learningRate, LossAttr loss, FloatAttr momentum, FloatAttr beta1,
    FloatAttr beta2, FloatAttr epsilon, FloatAttr decay,
    FloatAttr initialAccumulator, FloatAttr clipNorm, FloatAttr lrDecay,
    IntegerAttr decayStep, UnitAttr staircase) {
  RegressionOp::Properties defaults;
  RegressionOp::populateDefaultProperties(op->getName(), defaults);
  const Attribute values[kNumRegressionOptions] = {
      optimizer, learningRate,       loss,     momentum, beta1,
      beta2,     epsilon,            decay,    initialAccumulator,
      clipNorm,  lrDecay,            decayStep, staircase};
  const Attribute fallbacks[kNumRegressionOptions] = {
      defaults.optimizer,  defaults.learning_rate, defaults.loss,
      defaults.momentum,   defaults.beta1,         defaults.beta2,
      defaults.epsilon,    defaults.decay,         defaults.initial_accumulator,
      defaults.clip_norm,  defaults.lr_decay,      defaults.decay_step,
      defaults.staircase};
  for (unsigned option = 0; option < kNumRegressionOptions; ++option) {
    Attribute value = values[option];
    if (!value || value == fallbacks[option])
      continue;
    printer << ' ' << kRegressionOptionNames[option];
    if (option == kStaircase)
      continue;
    printer << ' ';
    // The enums are integer attributes too: go by the option.
    if (option == kOptimizer)
      printer << stringifyOptimizer(cast<OptimizerAttr>(value).getValue());
    else if (option == kLoss)
      printer << stringifyLoss(cast<LossAttr>(value).getValue());
    else if (option == kDecayStep)
      printer << cast<IntegerAttr>(value).getValue().getSExtValue();
    else
      printer.printAttributeWithoutType(value);
  }
}

/// Layer values are written without types; before shape inference they are
/// unranked. After it, the types are printed as `: in -> out`.
static ParseResult parseLayerTypes(OpAsmParser &parser, Type &input,
                                   Type &output) {
  if (failed(parser.parseOptionalColon())) {
    input = output = getUnrankedF32(parser.getContext());
    return success();
  }
  return failure(parser.parseType(input) || parser.parseArrow() ||
                 parser.parseType(output));
}

static void printLayerTypes(OpAsmPrinter &printer, Operation *, Type input,
                            Type output) {
  if (isa<UnrankedTensorType>(input) && isa<UnrankedTensorType>(output))
    return;
  printer << " : " << input << " -> " << output;
}

static ParseResult parseResultType(OpAsmParser &parser, Type &type) {
  if (failed(parser.parseOptionalColon())) {
    type = getUnrankedF32(parser.getContext());
    return success();
  }
  return parser.parseType(type);
}

static void printResultType(OpAsmPrinter &printer, Operation *, Type type) {
  if (!isa<UnrankedTensorType>(type))
    printer << " : " << type;
}

static ParseResult parseOperandType(OpAsmParser &parser, Type &type) {
  return parseResultType(parser, type);
}

static void printOperandType(OpAsmPrinter &printer, Operation *op, Type type) {
  printResultType(printer, op, type);
}

/// Ranked and unranked forms of the same element type are compatible: a
/// layer's result is unranked until shape inference runs.
static bool compatibleTypes(TypeRange lhs, TypeRange rhs) {
  if (lhs.size() != rhs.size())
    return false;
  for (auto [l, r] : llvm::zip(lhs, rhs)) {
    auto lt = dyn_cast<TensorType>(l), rt = dyn_cast<TensorType>(r);
    if (!lt || !rt || lt.getElementType() != rt.getElementType() ||
        failed(verifyCompatibleShape(lt, rt)))
      return false;
  }
  return true;
}

#define GET_OP_CLASSES
#include "dlc/Dialect/Net/NetOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

InputDataOp ModelOp::getInput() {
  auto range = getBlock().getOps<InputDataOp>();
  return range.empty() ? InputDataOp() : *range.begin();
}

RegressionOp ModelOp::getRegression() {
  if (getBlock().empty())
    return {};
  return dyn_cast<RegressionOp>(getBlock().back());
}

/// A layer's attributes: a name the layer does not know (a misspelling,
/// `{activaton = ...}`) is an error rather than ignored (names with a
/// dialect prefix, `dlc.*`, are left to their passes). The f64 attributes
/// become float32 constants in the generated code: each must be finite in
/// float32, and a nonzero one must not round to zero there (a keep of
/// 1e-300 would scale by infinity).
static LogicalResult verifyLayerAttrs(Operation *op) {
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (!a.getName().getValue().contains('.'))
      return op->emitOpError("has no attribute '")
             << a.getName().getValue() << "'";
  for (NamedAttribute a : op->getAttrs()) {
    auto f = dyn_cast<FloatAttr>(a.getValue());
    if (!f)
      continue;
    const double v = f.getValueAsDouble();
    const float narrow = static_cast<float>(v);
    if (!std::isfinite(narrow) || (v != 0.0 && narrow == 0.0f))
      return op->emitOpError("expected ")
             << a.getName().getValue() << " to fit in float32, got "
             << v;
  }
  return success();
}

LogicalResult ModelOp::verify() {
  // The name prefixes the library's C functions (M_train_step, ...).
  StringRef name = getSymName();
  if (name.empty() || !(llvm::isAlpha(name.front()) || name.front() == '_') ||
      !llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return emitOpError("expected a name that is a C identifier ([A-Za-z_]"
                       "[A-Za-z0-9_]*), got '")
           << name << "'";
  // It also names the checkpoints, <name>-<step>.ckpt, which must fit a
  // file name (255 bytes) with the largest step.
  if (name.size() > kMaxModelNameLength)
    return emitOpError("expected a name of at most ")
           << kMaxModelNameLength << " characters, got " << name.size()
           << " (it names the checkpoint files <name>-<step>.ckpt)";
  Block &block = getBlock();
  if (block.getNumArguments() != 0)
    return emitOpError("expected a body without arguments");
  auto inputs = block.getOps<InputDataOp>();
  int64_t numInputs = std::distance(inputs.begin(), inputs.end());
  if (numInputs != 1)
    return emitOpError("expected exactly one net.input_data, found ")
           << numInputs;
  auto regressions = block.getOps<RegressionOp>();
  int64_t numRegressions = std::distance(regressions.begin(), regressions.end());
  if (numRegressions != 1)
    return emitOpError("expected exactly one net.regression, found ")
           << numRegressions;
  if (!getRegression())
    return emitOpError("expected net.regression to be the last op");
  return success();
}

//===----------------------------------------------------------------------===//
// InputDataOp
//===----------------------------------------------------------------------===//

LogicalResult InputDataOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  inferred.push_back(
      RankedTensorType::get(adaptor.getShape(), Float32Type::get(ctx)));
  return success();
}

bool InputDataOp::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {
  return compatibleTypes(lhs, rhs);
}

LogicalResult InputDataOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  ArrayRef<int64_t> shape = getShape();
  if (shape.size() < 2)
    return emitOpError("expected a batch dimension and at least one feature "
                       "dimension, got rank ")
           << shape.size();
  if (!ShapedType::isDynamic(shape[0]))
    return emitOpError("expected the first (batch) dimension to be '?', got ")
           << shape[0];
  for (auto [i, d] : llvm::enumerate(shape.drop_front()))
    if (ShapedType::isDynamic(d))
      return emitOpError("expected only the batch dimension to be '?', but "
                         "dimension ")
             << i + 1 << " is too";
  return success();
}

//===----------------------------------------------------------------------===//
// FullyConnectedOp
//===----------------------------------------------------------------------===//

LogicalResult FullyConnectedOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto inputType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  // Bad inputs are diagnosed by the verifier; infer what can be inferred.
  if (!inputType || inputType.getRank() < 1) {
    inferred.push_back(getUnrankedF32(ctx));
    return success();
  }
  inferred.push_back(RankedTensorType::get(
      {inputType.getDimSize(0), static_cast<int64_t>(adaptor.getUnits())}, Float32Type::get(ctx)));
  return success();
}

bool FullyConnectedOp::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {
  return compatibleTypes(lhs, rhs);
}


/// A dense or convolution layer's weights_init and its parameters.
static LogicalResult verifyWeightsInit(Operation *op, Init init,
                                       const APFloat &stddev,
                                       const APFloat &initMin,
                                       const APFloat &initMax) {
  switch (init) {
  case Init::truncated_normal:
  case Init::normal:
    if (!(stddev.convertToDouble() > 0.0))
      return op->emitOpError("expected a positive stddev, got ")
             << stddev.convertToDouble();
    break;
  case Init::constant:
    return op->emitOpError(
        "expected a random or zeros weights_init, got constant");
  case Init::uniform:
    if (!(initMin.convertToDouble() < initMax.convertToDouble()))
      return op->emitOpError(
                 "expected init_range [min, max] with min < max, got [")
             << initMin.convertToDouble() << ", " << initMax.convertToDouble()
             << "]";
    break;
  default:
    break;
  }
  return success();
}

/// A dense or convolution layer's options that take effect only with
/// another one: written without it (told by a value other than the default,
/// the only trace an option leaves), it would be silently ignored.
template <typename LayerOp> static LogicalResult verifyCompanionOptions(LayerOp op) {
  typename LayerOp::Properties defaults;
  LayerOp::populateDefaultProperties(op->getName(), defaults);
  const Init init = op.getWeightsInit();
  if (op.getStddevAttr() && op.getStddevAttr() != defaults.stddev &&
      init != Init::normal && init != Init::truncated_normal)
    return op.emitOpError("stddev applies to weights_init normal or "
                          "truncated_normal, not ")
           << stringifyInit(init) << " (it would be ignored)";
  if (((op.getInitMinAttr() && op.getInitMinAttr() != defaults.init_min) ||
       (op.getInitMaxAttr() && op.getInitMaxAttr() != defaults.init_max)) &&
      init != Init::uniform)
    return op.emitOpError("init_range applies to weights_init uniform, not ")
           << stringifyInit(init)
           << " (it would be ignored): write weights_init uniform before it";
  if (!op.getRegularizer() && op.getWeightDecayAttr() &&
      op.getWeightDecayAttr() != defaults.weight_decay)
    return op.emitOpError("weight_decay applies with regularizer L2 only (it "
                          "would be ignored, as TFLearn ignores it without a "
                          "regularizer): write regularizer L2 before it");
  return success();
}

LogicalResult FullyConnectedOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  if (getUnits() <= 0)
    return emitOpError("expected a positive number of units, got ")
           << getUnits();
  if (auto type = dyn_cast<RankedTensorType>(getInput().getType())) {
    if (type.getRank() < 2)
      return emitOpError("expected an input [batch, features...], got rank ")
             << type.getRank();
    for (int64_t d : type.getShape().drop_front())
      if (ShapedType::isDynamic(d))
        return emitOpError("expected a static number of input features");
  }
  if (getActivation() == Activation::softmax && getUnits() < 2)
    return emitOpError("softmax needs at least 2 units, got ") << getUnits();
  if (failed(verifyWeightsInit(*this, getWeightsInit(), getStddev(),
                               getInitMin(), getInitMax())) ||
      failed(verifyCompanionOptions(*this)))
    return failure();
  if (getRegularizer() && !(getWeightDecay().convertToDouble() >= 0.0))
    return emitOpError("expected a non-negative weight_decay, got ")
           << getWeightDecay().convertToDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling layers
//===----------------------------------------------------------------------===//

Window dlc::net::computeWindow(int64_t in, int64_t size, int64_t stride,
                               Padding padding) {
  if (padding == Padding::valid)
    return {(in - size + stride) / stride, 0, 0};
  int64_t out = (in + stride - 1) / stride;
  int64_t total = std::max<int64_t>((out - 1) * stride + size - in, 0);
  return {out, total / 2, total - total / 2};
}

/// NHWC output of a window over `input`; unranked when `input` is.
static Type windowedType(Type input, int64_t size, int64_t stride,
                         Padding padding, int64_t channels) {
  auto type = dyn_cast<RankedTensorType>(input);
  if (!type || type.getRank() != 4 || size <= 0 || stride <= 0)
    return getUnrankedF32(input.getContext());
  Window h = computeWindow(type.getDimSize(1), size, stride, padding);
  Window w = computeWindow(type.getDimSize(2), size, stride, padding);
  if (h.out <= 0 || w.out <= 0)
    return getUnrankedF32(input.getContext());
  return RankedTensorType::get(
      {type.getDimSize(0), h.out, w.out,
       channels > 0 ? channels : type.getDimSize(3)},
      type.getElementType());
}

/// Checks what conv_2d and the pooling layers share.
static LogicalResult verifyWindowLayer(Operation *op, Value input, int64_t size,
                                       int64_t stride, Padding padding) {
  if (size <= 0)
    return op->emitOpError("expected a positive size, got ") << size;
  if (stride <= 0)
    return op->emitOpError("expected positive strides, got ") << stride;
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (!type)
    return success();
  if (type.getRank() != 4)
    return op->emitOpError("expected an NHWC input [batch, height, width, "
                           "channels], got rank ")
           << type.getRank();
  if (padding == Padding::valid &&
      (type.getDimSize(1) < size || type.getDimSize(2) < size))
    return op->emitOpError("window ")
           << size << "x" << size << " does not fit the " << type.getDimSize(1)
           << "x" << type.getDimSize(2) << " input with valid padding";
  return success();
}

LogicalResult Conv2DLayerOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  inferred.push_back(windowedType(
      adaptor.getInput().getType(), adaptor.getSize(), adaptor.getStrides(),
      adaptor.getPadding(), std::max<int64_t>(adaptor.getFilters(), 1)));
  return success();
}

bool Conv2DLayerOp::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {
  return compatibleTypes(lhs, rhs);
}

LogicalResult Conv2DLayerOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  if (getFilters() <= 0)
    return emitOpError("expected a positive number of filters, got ")
           << getFilters();
  if (getActivation() == Activation::softmax)
    return emitOpError("softmax is not supported on a convolution's output "
                       "(use it on a fully_connected layer)");
  if (failed(verifyWeightsInit(*this, getWeightsInit(), getStddev(),
                               getInitMin(), getInitMax())) ||
      failed(verifyCompanionOptions(*this)))
    return failure();
  if (getRegularizer() && !(getWeightDecay().convertToDouble() >= 0.0))
    return emitOpError("expected a non-negative weight_decay, got ")
           << getWeightDecay().convertToDouble();
  return verifyWindowLayer(*this, getInput(), getSize(), getStrides(),
                           getPadding());
}

#define POOL_LAYER_METHODS(Op)                                                 \
  LogicalResult Op::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location>, ValueRange operands,             \
      DictionaryAttr attributes, OpaqueProperties properties,                  \
      RegionRange regions, SmallVectorImpl<Type> &inferred) {                  \
    Adaptor adaptor(operands, attributes, properties, regions);                \
    int64_t stride = adaptor.getStrides() ? adaptor.getStrides()               \
                                          : adaptor.getSize();                 \
    inferred.push_back(windowedType(adaptor.getInput().getType(),              \
                                    adaptor.getSize(), stride,                 \
                                    adaptor.getPadding(), 0));                 \
    return success();                                                          \
  }                                                                            \
  bool Op::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {             \
    return compatibleTypes(lhs, rhs);                                          \
  }                                                                            \
  LogicalResult Op::verify() {                                                 \
    if (failed(verifyLayerAttrs(*this)))                                       \
      return failure();                                                        \
    if (getStrides() < 0)                                                      \
      return emitOpError("expected positive strides, got ") << getStrides();  \
    return verifyWindowLayer(*this, getInput(), getSize(), getStride(),        \
                             getPadding());                                    \
  }
POOL_LAYER_METHODS(MaxPool2DLayerOp)
POOL_LAYER_METHODS(AvgPool2DLayerOp)
#undef POOL_LAYER_METHODS

//===----------------------------------------------------------------------===//
// FlattenOp and DropoutOp
//===----------------------------------------------------------------------===//

/// [batch, d1, d2, ...] -> [batch, d1 * d2 * ...]; unranked stays unranked.
static Type flattenedType(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || ranked.getRank() < 1)
    return getUnrankedF32(type.getContext());
  int64_t features = 1;
  for (int64_t d : ranked.getShape().drop_front()) {
    if (ShapedType::isDynamic(d))
      return getUnrankedF32(type.getContext());
    features *= d;
  }
  return RankedTensorType::get({ranked.getDimSize(0), features},
                               ranked.getElementType());
}

LogicalResult FlattenOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  inferred.push_back(flattenedType(adaptor.getInput().getType()));
  return success();
}

bool FlattenOp::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {
  return compatibleTypes(lhs, rhs);
}

LogicalResult FlattenOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  if (auto type = dyn_cast<RankedTensorType>(getInput().getType()))
    if (type.getRank() < 2)
      return emitOpError("expected an input [batch, features...], got rank ")
             << type.getRank();
  return success();
}

LogicalResult DropoutOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

bool DropoutOp::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {
  return compatibleTypes(lhs, rhs);
}

LogicalResult DropoutOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  double keep = getKeep().convertToDouble();
  if (!(keep > 0.0 && keep <= 1.0))
    return emitOpError("expected a keep probability in (0, 1], got ") << keep;
  return success();
}

//===----------------------------------------------------------------------===//
// Batch normalization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormalizationOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

bool BatchNormalizationOp::isCompatibleReturnTypes(TypeRange lhs,
                                                   TypeRange rhs) {
  return compatibleTypes(lhs, rhs);
}

/// Checks what the batch normalization ops share: a positive epsilon and an
/// input [batch, ..., channels]. With `channels`, also that it is 1-D and
/// holds one element per channel.
static LogicalResult verifyBatchNorm(Operation *op, double epsilon,
                                     Type input, Type channels = {}) {
  if (!(epsilon > 0.0))
    return op->emitOpError("expected a positive epsilon, got ") << epsilon;
  auto type = dyn_cast<RankedTensorType>(input);
  if (!type)
    return success();
  if (type.getRank() < 2)
    return op->emitOpError("expected an input [batch, ..., channels] of rank "
                           "at least 2, got rank ")
           << type.getRank();
  int64_t c = type.getDimSize(type.getRank() - 1);
  if (ShapedType::isDynamic(c))
    return op->emitOpError("expected a static number of channels");
  if (!channels)
    return success();
  auto channelType = dyn_cast<RankedTensorType>(channels);
  if (!channelType || channelType.getRank() != 1 ||
      channelType.getDimSize(0) != c)
    return op->emitOpError("expected 1-D per-channel operands of ")
           << c << " elements, got " << channels;
  return success();
}

LogicalResult BatchNormalizationOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  double decay = getDecay().convertToDouble();
  if (!(decay >= 0.0 && decay < 1.0))
    return emitOpError("expected decay in [0, 1), got ") << decay;
  if (!(getStddev().convertToDouble() >= 0.0))
    return emitOpError("expected a non-negative stddev, got ")
           << getStddev().convertToDouble();
  return verifyBatchNorm(*this, getEpsilon().convertToDouble(),
                         getInput().getType());
}

LogicalResult BatchNormOp::verify() {
  return verifyBatchNorm(*this, getEpsilon().convertToDouble(),
                         getInput().getType(), getGamma().getType());
}

LogicalResult BatchNormTrainOp::verify() {
  return verifyBatchNorm(*this, getEpsilon().convertToDouble(),
                         getInput().getType(), getGamma().getType());
}

LogicalResult BatchNormGradOp::verify() {
  return verifyBatchNorm(*this, getEpsilon().convertToDouble(),
                         getInput().getType(), getGamma().getType());
}

//===----------------------------------------------------------------------===//
// RegressionOp
//===----------------------------------------------------------------------===//

LogicalResult RegressionOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  if (!isa<ModelOp>((*this)->getParentOp()))
    return emitOpError("expected to be inside a net.model");
  double lr = getLearningRate().convertToDouble();
  if (!(lr > 0.0))
    return emitOpError("expected a positive learning_rate, got ") << lr;
  if (!(getClipNorm().convertToDouble() >= 0.0))
    return emitOpError("expected a non-negative clip_norm, got ")
           << getClipNorm().convertToDouble();
  double momentum = getMomentum().convertToDouble();
  if (!(momentum >= 0.0 && momentum < 1.0))
    return emitOpError("expected momentum in [0, 1), got ") << momentum;
  for (auto [name, beta] : {std::pair{"beta1", getBeta1()}, {"beta2", getBeta2()}})
    if (!(beta.convertToDouble() >= 0.0 && beta.convertToDouble() < 1.0))
      return emitOpError("expected ") << name << " in [0, 1), got "
                                      << beta.convertToDouble();
  if (!(getEffectiveEpsilon() > 0.0))
    return emitOpError("expected a positive epsilon, got ")
           << getEffectiveEpsilon();
  double decay = getDecay().convertToDouble();
  if (!(decay >= 0.0 && decay < 1.0))
    return emitOpError("expected decay in [0, 1), got ") << decay;
  if (!(getInitialAccumulator().convertToDouble() > 0.0))
    return emitOpError("expected a positive initial_accumulator, got ")
           << getInitialAccumulator().convertToDouble();
  double lrDecay = getLrDecay().convertToDouble();
  if (!(lrDecay >= 0.0 && lrDecay <= 1.0))
    return emitOpError("expected lr_decay in [0, 1], got ") << lrDecay;
  if (getDecayStep() < 1)
    return emitOpError("expected a positive decay_step, got ")
           << getDecayStep();
  // An option of another optimizer would be silently ignored. The custom
  // form refuses any written one; here (the generic form, ops built in
  // C++), where unwritten options hold their defaults, a value other than
  // the default is what tells an option given.
  Properties defaults;
  populateDefaultProperties(getOperation()->getName(), defaults);
  const Optimizer opt = getOptimizer();
  const std::pair<Attribute, Attribute> optionValues[] = {
      {getMomentumAttr(), defaults.momentum},
      {getBeta1Attr(), defaults.beta1},
      {getBeta2Attr(), defaults.beta2},
      {getEpsilonAttr(), defaults.epsilon},
      {getDecayAttr(), defaults.decay},
      {getInitialAccumulatorAttr(), defaults.initial_accumulator}};
  for (auto [i, option] :
       llvm::enumerate(ArrayRef<unsigned>{kMomentum, kBeta1, kBeta2, kEpsilon,
                                          kDecay, kInitialAccumulator})) {
    auto [value, fallback] = optionValues[i];
    bool applies = true;
    const char *to = optionAppliesTo(option, opt, applies);
    if (value && value != fallback && !applies)
      return emitOpError("option ")
             << kRegressionOptionNames[option] << " applies to optimizer "
             << to << ", not " << stringifyOptimizer(opt)
             << " (it would be ignored)";
  }
  Loss loss = getLoss();
  if (loss != Loss::mean_square && loss != Loss::binary_crossentropy &&
      loss != Loss::categorical_crossentropy &&
      loss != Loss::softmax_categorical_crossentropy)
    return emitOpError("expected loss mean_square, binary_crossentropy, "
                       "categorical_crossentropy or "
                       "softmax_categorical_crossentropy, got ")
           << stringifyLoss(loss);
  if (auto type = dyn_cast<RankedTensorType>(getPrediction().getType())) {
    if (type.getRank() != 2)
      return emitOpError("expected a prediction [batch, outputs], got ")
             << type << " (net.flatten makes one of an image)";
    if ((loss == Loss::categorical_crossentropy ||
         loss == Loss::softmax_categorical_crossentropy) &&
        type.getDimSize(1) < 2)
      return emitOpError()
             << stringifyLoss(loss) << " needs at least 2 classes, got "
             << type.getDimSize(1);
  }
  // What makes the prediction: through the layers that keep values in
  // [0, 1] (flatten, pooling) to the layer that computes them, and its
  // activation (for fully_connected and conv_2d).
  Operation *producer = getPrediction().getDefiningOp();
  while (producer &&
         isa<FlattenOp, MaxPool2DLayerOp, AvgPool2DLayerOp>(producer))
    producer = producer->getOperand(0).getDefiningOp();
  std::optional<Activation> activation;
  if (auto fc = dyn_cast_or_null<FullyConnectedOp>(producer))
    activation = fc.getActivation();
  else if (auto conv = dyn_cast_or_null<Conv2DLayerOp>(producer))
    activation = conv.getActivation();
  const bool unbounded = isa_and_nonnull<DropoutOp, BatchNormalizationOp>(producer);
  // dlc's binary cross-entropy takes probabilities (a sigmoid output's is
  // computed from its logits). TFLearn's takes logits instead, so a layer
  // written for TFLearn without a sigmoid would silently train on the
  // logarithms of clamped logits here.
  if (loss == Loss::binary_crossentropy) {
    if (activation && *activation != Activation::sigmoid &&
        *activation != Activation::softmax)
      return emitOpError("binary_crossentropy needs probabilities, but the "
                         "prediction comes from a ")
             << producer->getName().stripDialect() << " layer with activation "
             << stringifyActivation(*activation)
             << ": give it activation sigmoid (dlc then computes the loss "
                "from its logits, as TFLearn's binary_crossentropy does from "
                "a linear layer)";
    if (unbounded)
      return emitOpError("binary_crossentropy needs probabilities, but the "
                         "prediction comes from a ")
             << producer->getName().stripDialect()
             << " layer, whose outputs can leave [0, 1]: end the network "
                "with a layer with activation sigmoid";
  }
  // categorical_crossentropy takes probabilities too: on a linear, relu or
  // tanh output (negative or all-zero rows) it trains on logarithms of
  // clamped values, silently badly.
  if (loss == Loss::categorical_crossentropy) {
    if (activation && *activation != Activation::softmax &&
        *activation != Activation::sigmoid)
      return emitOpError("loss categorical_crossentropy (TFLearn's default) "
                         "needs probabilities, but the prediction comes from "
                         "a ")
             << producer->getName().stripDialect() << " layer with activation "
             << stringifyActivation(*activation)
             << ": give it activation softmax, or use loss "
                "softmax_categorical_crossentropy on its logits";
    if (unbounded)
      return emitOpError("loss categorical_crossentropy (TFLearn's default) "
                         "needs probabilities, but the prediction comes from "
                         "a ")
             << producer->getName().stripDialect()
             << " layer, whose outputs can leave [0, 1]: end the network "
                "with a layer with activation softmax";
  }
  // softmax_categorical_crossentropy applies the softmax itself (TFLearn's
  // takes logits): after a softmax layer, directly or through dropout
  // (which only scales it), it would apply it twice.
  if (loss == Loss::softmax_categorical_crossentropy) {
    Operation *source = producer;
    while (isa_and_nonnull<DropoutOp>(source))
      source = source->getOperand(0).getDefiningOp();
    auto fc = dyn_cast_or_null<FullyConnectedOp>(source);
    if (fc && fc.getActivation() == Activation::softmax)
      return emitOpError("softmax_categorical_crossentropy takes logits and "
                         "applies the softmax itself, but the prediction "
                         "comes from a ")
             << (source == producer ? "" : "dropout after a ")
             << "fully_connected layer with activation softmax, which would "
                "apply it twice: use loss categorical_crossentropy, or "
                "activation linear";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Primitive ops
//===----------------------------------------------------------------------===//

std::optional<int64_t> dlc::net::boundedElementCount(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > kMaxElements / d))
      return std::nullopt;
    n *= d;
  }
  if (n > kMaxElements)
    return std::nullopt;
  return n;
}

LogicalResult ParameterOp::verify() {
  if (failed(verifyLayerAttrs(*this)))
    return failure();
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!type || !type.hasStaticShape())
    return emitOpError("expected a statically shaped tensor, got ") << getType();
  if (!boundedElementCount(type.getShape()))
    return emitOpError("expected at most ")
           << kMaxElements << " elements, got " << getType();
  if (getName().empty())
    return emitOpError("expected a non-empty name");
  if (getDecay().convertToDouble() < 0.0)
    return emitOpError("expected a non-negative decay, got ")
           << getDecay().convertToDouble();
  if (std::optional<APFloat> moving = getMovingAverage()) {
    double d = moving->convertToDouble();
    if (!(d >= 0.0 && d < 1.0))
      return emitOpError("expected moving_average in [0, 1), got ") << d;
    if (getDecay().convertToDouble() != 0.0)
      return emitOpError("expected no L2 decay on a moving-average parameter");
  }
  return success();
}

static int64_t dimOf(Value v, int64_t i) {
  return cast<RankedTensorType>(v.getType()).getDimSize(i);
}

static bool dimsMatch(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult MatmulOp::verify() {
  auto lhs = dyn_cast<RankedTensorType>(getLhs().getType());
  auto rhs = dyn_cast<RankedTensorType>(getRhs().getType());
  auto out = dyn_cast<RankedTensorType>(getType());
  if (!lhs || !rhs || !out || lhs.getRank() != 2 || rhs.getRank() != 2 ||
      out.getRank() != 2)
    return emitOpError("expected 2-D ranked operands and result");
  int64_t m = lhs.getDimSize(getTransposeA() ? 1 : 0);
  int64_t k = lhs.getDimSize(getTransposeA() ? 0 : 1);
  int64_t k2 = rhs.getDimSize(getTransposeB() ? 1 : 0);
  int64_t n = rhs.getDimSize(getTransposeB() ? 0 : 1);
  if (!dimsMatch(k, k2))
    return emitOpError("contraction sizes differ (") << k << " vs " << k2 << ")";
  if (!dimsMatch(m, out.getDimSize(0)) || !dimsMatch(n, out.getDimSize(1)))
    return emitOpError("expected result ") << m << "x" << n << ", got " << out;
  return success();
}

LogicalResult MatmulBiasActOp::verify() {
  auto lhs = dyn_cast<RankedTensorType>(getLhs().getType());
  auto rhs = dyn_cast<RankedTensorType>(getRhs().getType());
  auto bias = dyn_cast<RankedTensorType>(getBias().getType());
  auto out = dyn_cast<RankedTensorType>(getType());
  if (!lhs || !rhs || !bias || !out || lhs.getRank() != 2 ||
      rhs.getRank() != 2 || out.getRank() != 2)
    return emitOpError("expected 2-D ranked operands and result");
  if (!dimsMatch(lhs.getDimSize(1), rhs.getDimSize(0)))
    return emitOpError("contraction sizes differ (")
           << lhs.getDimSize(1) << " vs " << rhs.getDimSize(0) << ")";
  if (!dimsMatch(lhs.getDimSize(0), out.getDimSize(0)) ||
      !dimsMatch(rhs.getDimSize(1), out.getDimSize(1)))
    return emitOpError("expected result ")
           << lhs.getDimSize(0) << "x" << rhs.getDimSize(1) << ", got " << out;
  if (bias.getRank() != 1 || !dimsMatch(bias.getDimSize(0), out.getDimSize(1)))
    return emitOpError("expected a bias of ")
           << out.getDimSize(1) << " elements, got " << bias;
  return success();
}

LogicalResult BiasAddOp::verify() {
  auto in = dyn_cast<RankedTensorType>(getInput().getType());
  auto bias = dyn_cast<RankedTensorType>(getBias().getType());
  if (!in || !bias || in.getRank() < 1 || bias.getRank() != 1 ||
      !dimsMatch(in.getDimSize(in.getRank() - 1), bias.getDimSize(0)))
    return emitOpError("expected a 1-D bias matching the last dimension of ")
           << getInput().getType() << ", got " << getBias().getType();
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = dyn_cast<RankedTensorType>(getInput().getType());
  auto out = dyn_cast<RankedTensorType>(getType());
  if (!in || !out || in.getRank() < 1 || out.getRank() < 1 ||
      !in.hasStaticShape() && in.getNumDynamicDims() != 1)
    return emitOpError("expected ranked types with only the batch dynamic");
  auto perExample = [](RankedTensorType t) {
    int64_t n = 1;
    for (int64_t d : t.getShape().drop_front())
      n *= d;
    return n;
  };
  if (in.getDimSize(0) != out.getDimSize(0) ||
      llvm::any_of(out.getShape().drop_front(), ShapedType::isDynamic) ||
      perExample(in) != perExample(out))
    return emitOpError("expected the same batch and the same number of "
                       "elements per example, got ")
           << in << " -> " << out;
  if (in.getRank() != 2 && out.getRank() != 2)
    return emitOpError("expected a 2-D input or result");
  return success();
}

/// Checks an NHWC window op's explicit geometry against its types.
static LogicalResult verifyWindowGeometry(Operation *op, RankedTensorType in,
                                          RankedTensorType out,
                                          ArrayRef<int64_t> size,
                                          ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> pad) {
  if (size.size() != 2 || strides.size() != 2 || pad.size() != 4)
    return op->emitOpError("expected 2 sizes, 2 strides and 4 paddings");
  if (llvm::any_of(strides, [](int64_t s) { return s <= 0; }) ||
      llvm::any_of(pad, [](int64_t p) { return p < 0; }))
    return op->emitOpError("expected positive strides and non-negative "
                           "padding");
  for (int d = 0; d < 2; ++d) {
    int64_t padded = in.getDimSize(1 + d) + pad[2 * d] + pad[2 * d + 1];
    int64_t want = (padded - size[d]) / strides[d] + 1;
    if (padded < size[d] || out.getDimSize(1 + d) != want)
      return op->emitOpError("expected ")
             << (d ? "width " : "height ") << want << ", got "
             << out.getDimSize(1 + d);
  }
  return success();
}

/// NHWC input and output, an HWCF filter mapping one to the other, and the
/// window geometry of a convolution.
static LogicalResult verifyConvShapes(Operation *op, Value input, Value filter,
                                      Value output, ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> pad) {
  auto in = cast<RankedTensorType>(input.getType());
  auto w = cast<RankedTensorType>(filter.getType());
  auto out = cast<RankedTensorType>(output.getType());
  if (in.getRank() != 4 || w.getRank() != 4 || out.getRank() != 4)
    return op->emitOpError("expected NHWC input and result and an HWCF filter");
  if (w.getDimSize(2) != in.getDimSize(3) || w.getDimSize(3) != out.getDimSize(3))
    return op->emitOpError("filter ") << w << " does not map " << in << " to " << out;
  return verifyWindowGeometry(op, in, out, {w.getDimSize(0), w.getDimSize(1)},
                              strides, pad);
}

LogicalResult Conv2DOp::verify() {
  return verifyConvShapes(*this, getInput(), getFilter(), getResult(),
                          getStrides(), getPad());
}

LogicalResult Conv2DBiasActOp::verify() {
  if (failed(verifyConvShapes(*this, getInput(), getFilter(), getResult(),
                              getStrides(), getPad())))
    return failure();
  auto filter = cast<RankedTensorType>(getFilter().getType());
  auto bias = cast<RankedTensorType>(getBias().getType());
  if (bias.getRank() != 1 || bias.getDimSize(0) != filter.getDimSize(3))
    return emitOpError("expected a bias of ")
           << filter.getDimSize(3) << " elements, got " << bias;
  return success();
}

LogicalResult Pool2DOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getType());
  if (in.getRank() != 4 || out.getRank() != 4 ||
      in.getDimSize(3) != out.getDimSize(3))
    return emitOpError("expected NHWC input and result with the same channels");
  return verifyWindowGeometry(*this, in, out, getSize(), getStrides(), getPad());
}

LogicalResult BiasGradOp::verify() {
  auto in = dyn_cast<RankedTensorType>(getInput().getType());
  auto out = dyn_cast<RankedTensorType>(getType());
  if (!in || !out || in.getRank() < 1 || out.getRank() != 1 ||
      !dimsMatch(in.getDimSize(in.getRank() - 1), out.getDimSize(0)))
    return emitOpError("expected a 1-D result matching the last dimension of ")
           << getInput().getType();
  return success();
}

void LossOp::build(OpBuilder &b, OperationState &state, Loss kind,
                   Value prediction, Value target) {
  build(b, state, RankedTensorType::get({}, b.getF32Type()), kind, prediction,
        target);
}

LogicalResult LossOp::verify() {
  auto type = dyn_cast<RankedTensorType>(getPrediction().getType());
  if (!type || type.getRank() != 2)
    return emitOpError("expected a 2-D prediction, got ")
           << getPrediction().getType();
  return success();
}

int64_t ApplyGradientsOp::getSlotsPerParam(Optimizer optimizer) {
  switch (optimizer) {
  case Optimizer::sgd:
    return 0;
  case Optimizer::momentum:
    return 1;
  case Optimizer::adam:
    return 2;
  case Optimizer::nesterov:
  case Optimizer::rmsprop:
  case Optimizer::adagrad:
    return 1;
  }
  llvm_unreachable("unknown optimizer");
}

LogicalResult ApplyGradientsOp::verify() {
  auto params = cast<MemRefType>(getParams().getType());
  auto grads = cast<MemRefType>(getGrads().getType());
  auto state = cast<MemRefType>(getState().getType());
  if (params.getRank() != 1 || !params.hasStaticShape() || params != grads)
    return emitOpError("expected static 1-D params and grads of one type");
  int64_t want = getSlotsPerParam(getOptimizer()) * params.getDimSize(0);
  if (state.getRank() != 1 || state.getDimSize(0) != want)
    return emitOpError("expected ") << want << " state elements for "
                                    << stringifyOptimizer(getOptimizer())
                                    << ", got " << state;
  if (std::optional<llvm::APFloat> clip = getClipNorm();
      clip && !(clip->convertToDouble() > 0.0))
    return emitOpError("expected clip_norm > 0, got ")
           << clip->convertToDouble();
  return success();
}

LogicalResult WeightDecayOp::verify() {
  auto params = cast<MemRefType>(getParams().getType());
  if (params.getRank() != 1 || !params.hasStaticShape())
    return emitOpError("expected static 1-D params and grads, got ") << params;
  ArrayRef<int64_t> offsets = getOffsets(), sizes = getSizes();
  ArrayRef<double> decays = getDecays();
  if (offsets.empty() || offsets.size() != sizes.size() ||
      offsets.size() != decays.size())
    return emitOpError("expected as many offsets, sizes and decays, at least "
                       "one, got ")
           << offsets.size() << ", " << sizes.size() << " and "
           << decays.size();
  int64_t end = 0;
  for (auto [offset, size, decay] : llvm::zip(offsets, sizes, decays)) {
    // offset >= end >= 0 before size is compared: no overflow.
    if (offset < end || size <= 0 || size > params.getDimSize(0) - offset)
      return emitOpError("slice [")
             << offset << ", +" << size << ") is empty, out of the buffer ("
             << params.getDimSize(0) << ") or not after the slice before";
    // The kernels compute in f32.
    if (!(decay > 0.0) || decay > std::numeric_limits<float>::max())
      return emitOpError("expected a positive decay that is finite in f32, got ")
             << decay;
    end = offset + size;
  }
  return success();
}

/// "[offset, end)", or "[offset, +size)" when the end overflows.
static std::string sliceText(int64_t offset, int64_t size) {
  int64_t end;
  if (__builtin_add_overflow(offset, size, &end))
    return "[" + std::to_string(offset) + ", +" + std::to_string(size) + ")";
  return "[" + std::to_string(offset) + ", " + std::to_string(end) + ")";
}

LogicalResult MovingAverageOp::verify() {
  auto params = cast<MemRefType>(getParams().getType());
  if (params.getRank() != 1 || !params.hasStaticShape())
    return emitOpError("expected static 1-D params and stats, got ") << params;
  if (getOffset() < 0 || getSize() <= 0 ||
      getSize() > params.getDimSize(0) - getOffset())
    return emitOpError("slice ")
           << sliceText(getOffset(), getSize())
           << " is not a non-empty part of the buffer ("
                                  << params.getDimSize(0) << ")";
  double decay = getDecay().convertToDouble();
  if (!(decay >= 0.0 && decay < 1.0))
    return emitOpError("expected decay in [0, 1), got ") << decay;
  return success();
}

LogicalResult RandomInitOp::verify() {
  auto type = cast<MemRefType>(getBuffer().getType());
  if (type.getRank() != 1 || !type.hasStaticShape())
    return emitOpError("expected a static 1-D buffer");
  if (getOffset() < 0 || getSize() < 0 ||
      getSize() > type.getDimSize(0) - getOffset())
    return emitOpError("slice ")
           << sliceText(getOffset(), getSize())
           << " is out of the buffer's bounds ("
                                  << type.getDimSize(0) << ")";
  if (getFanIn() <= 0 || getFanOut() <= 0)
    return emitOpError("expected positive fan_in and fan_out");
  return success();
}
