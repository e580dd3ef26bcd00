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

/// One spatial dimension of a window (convolution or pooling) under
/// TensorFlow's rules: `same` gives ceil(in / stride) outputs and splits the
/// padding with the extra element after; `valid` uses no padding.
struct Window {
  int64_t out, padBefore, padAfter;
};
Window computeWindow(int64_t in, int64_t size, int64_t stride,
                     Padding padding);

/// The most float32 elements one parameter, or one example of a value, may
/// have (8 GiB): beyond it sizes and byte offsets would overflow.
constexpr int64_t kMaxElements = int64_t(1) << 31;

/// The longest model name: `<name>-<step>.ckpt` with a 19-digit step must
/// fit a file name of 255 bytes (and the checkpoint format takes 4096).
constexpr size_t kMaxModelNameLength = 200;
/// The product of `dims` (static, non-negative), or nullopt when a dim is
/// negative or the product exceeds kMaxElements.
std::optional<int64_t> boundedElementCount(llvm::ArrayRef<int64_t> dims);
} // namespace dlc::net

#endif // DLC_DIALECT_NET_NETOPS_H
