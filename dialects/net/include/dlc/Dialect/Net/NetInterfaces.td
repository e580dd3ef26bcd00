//===- NetInterfaces.td - Interfaces of the net dialect ----*- tablegen -*-===//

#ifndef DLC_DIALECT_NET_NETINTERFACES_TD
#define DLC_DIALECT_NET_NETINTERFACES_TD

include "mlir/IR/OpBase.td"

def Net_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::dlc::net";
  let description = [{
    An op whose vector-Jacobian product autodiff can build. Given the
    gradients of the loss with respect to the op's results (null where a
    result does not reach the loss), `buildVJP` creates ops at the builder's
    insertion point and returns one gradient per operand: null for operands
    that are not differentiable (targets, integer data).
  }];
  let methods = [
    InterfaceMethod<"Builds the gradients of the operands.",
      "::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>>", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ArrayRef<::mlir::Value>":$resultGrads)>
  ];
}

#endif // DLC_DIALECT_NET_NETINTERFACES_TD
