//===- StaticExtent.h - The elements a strided view covers ----*- C++ -*-===//
//
// Used where a pass must tell apart views of one buffer (a parameter's or a
// gradient's slice of the flat buffers): KernelCalls' direct destinations
// and dlc-gpu-fuse-fills.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_STATICEXTENT_H
#define DLC_STATICEXTENT_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>
#include <utility>

namespace dlc {

/// The elements [first, last] of its underlying buffer that `view`, a
/// memref with a static shape, offset and non-negative strides, covers;
/// nullopt otherwise (or when it is empty).
inline std::optional<std::pair<int64_t, int64_t>>
staticExtent(mlir::Value view) {
  auto type = llvm::dyn_cast<mlir::MemRefType>(view.getType());
  llvm::SmallVector<int64_t> strides;
  int64_t offset;
  if (!type || !type.hasStaticShape() ||
      mlir::failed(mlir::getStridesAndOffset(type, strides, offset)) ||
      mlir::ShapedType::isDynamic(offset) || type.getNumElements() == 0)
    return std::nullopt;
  int64_t last = offset;
  for (auto [size, stride] : llvm::zip(type.getShape(), strides)) {
    if (mlir::ShapedType::isDynamic(stride) || stride < 0)
      return std::nullopt;
    last += (size - 1) * stride;
  }
  return std::make_pair(offset, last);
}

/// Whether two extents share no element.
inline bool disjoint(std::pair<int64_t, int64_t> a,
                     std::pair<int64_t, int64_t> b) {
  return a.second < b.first || b.second < a.first;
}

} // namespace dlc

#endif // DLC_STATICEXTENT_H
