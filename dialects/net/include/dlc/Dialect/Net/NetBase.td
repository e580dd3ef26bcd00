//===- NetBase.td - The net dialect and its enums ----------*- tablegen -*-===//
//
// The `net` dialect describes a network layer by layer, the way TFLearn users
// write it, and also holds the primitive ops that layers expand into and
// that autodiff produces (the training graph).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_NET_NETBASE_TD
#define DLC_DIALECT_NET_NETBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Net_Dialect : Dialect {
  let name = "net";
  let cppNamespace = "::dlc::net";
  let summary = "Declarative neural networks, TFLearn style";
  let description = [{
    A `net.model` holds one network: `net.input_data`, layers such as
    `net.fully_connected`, and a final `net.regression` that names the loss
    and the optimizer. Passes expand the layers into primitive ops
    (`net.parameter`, `net.matmul`, `net.bias_add`, `net.activation`), build
    the training graph by reverse-mode autodiff, and lower it to linalg.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tensor::TensorDialect"];
}

// A 64-bit integer attribute read as int64_t. I64Attr's getter zero-extends
// to uint64_t, so a verifier's `units <= 0` would let -1 through as 2^64 - 1.
def Net_I64Attr : TypedSignlessIntegerAttrBase<
    I64, "int64_t", "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

class Net_I64Enum<string name, string summary, list<I64EnumAttrCase> cases>
    : I64EnumAttr<name, summary, cases> {
  let cppNamespace = "::dlc::net";
}

def Net_ActivationAttr : Net_I64Enum<"Activation", "activation function", [
  I64EnumAttrCase<"linear", 0>, I64EnumAttrCase<"sigmoid", 1>,
  I64EnumAttrCase<"tanh", 2>, I64EnumAttrCase<"relu", 3>,
  I64EnumAttrCase<"softmax", 4>]>;

def Net_InitAttr : Net_I64Enum<"Init", "weight initialiser", [
  // Values match enum dlc_init_kind in runtime/include/dlc/model_abi.h.
  I64EnumAttrCase<"zeros", 0>, I64EnumAttrCase<"truncated_normal", 1>,
  I64EnumAttrCase<"normal", 2>, I64EnumAttrCase<"uniform", 3>,
  I64EnumAttrCase<"uniform_scaling", 4>, I64EnumAttrCase<"xavier", 5>,
  I64EnumAttrCase<"constant", 6>]>;

def Net_OptimizerAttr : Net_I64Enum<"Optimizer", "optimizer", [
  // Values match enum dlc_optimizer_kind.
  I64EnumAttrCase<"sgd", 0>, I64EnumAttrCase<"momentum", 1>,
  I64EnumAttrCase<"adam", 2>, I64EnumAttrCase<"nesterov", 3>,
  I64EnumAttrCase<"rmsprop", 4>, I64EnumAttrCase<"adagrad", 5>]>;

def Net_LossAttr : Net_I64Enum<"Loss", "loss function", [
  // The first three match enum dlc_loss_kind; the fused forms on logits are
  // chosen by autodiff when the prediction comes from sigmoid or softmax.
  I64EnumAttrCase<"mean_square", 0>, I64EnumAttrCase<"binary_crossentropy", 1>,
  I64EnumAttrCase<"categorical_crossentropy", 2>,
  I64EnumAttrCase<"sigmoid_binary_crossentropy", 3>,
  I64EnumAttrCase<"softmax_categorical_crossentropy", 4>]>;

def Net_PaddingAttr : Net_I64Enum<"Padding", "padding", [
  I64EnumAttrCase<"same", 0>, I64EnumAttrCase<"valid", 1>]>;

def Net_PoolKindAttr : Net_I64Enum<"PoolKind", "pooling", [
  I64EnumAttrCase<"max", 0>, I64EnumAttrCase<"avg", 1>]>;

def Net_RegularizerAttr : Net_I64Enum<"Regularizer", "weight regularizer", [
  I64EnumAttrCase<"L2", 0>]>;

#endif // DLC_DIALECT_NET_NETBASE_TD
