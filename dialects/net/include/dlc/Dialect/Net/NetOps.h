//===- NetOps.h - The net dialect -------------------------------*- C++ -*-===//

#ifndef DLC_DIALECT_NET_NETOPS_H
#define DLC_DIALECT_NET_NETOPS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dlc/Dialect/Net/NetEnums.h.inc"

#include "dlc/Dialect/Net/NetDialect.h.inc"

#include "dlc/Dialect/Net/NetInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dlc/Dialect/Net/NetOps.h.inc"

namespace dlc::net {
/// The type of a layer-level value before shape inference.
mlir::TensorType getUnrankedF32(mlir::MLIRContext *ctx);
} // namespace dlc::net

#endif // DLC_DIALECT_NET_NETOPS_H
