//===- Passes.h - dlc's passes ----------------------------------*- C++ -*-===//

#ifndef DLC_TRANSFORMS_PASSES_H
#define DLC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace dlc {

/// Set by net-expand-layers on the op computing the output of each layer
/// TFLearn summarizes at tensorboard_verbose 3 (its tf.GraphKeys.ACTIVATIONS:
/// fully_connected, conv_2d, max_pool_2d, avg_pool_2d), holding TensorFlow's
/// name of that op: `FullyConnected/Relu`, `MaxPool2D_1/MaxPool`. It is not
/// part of the model's fingerprint.
inline constexpr llvm::StringLiteral kLayerOutputAttr = "net.layer_output";
/// On `M.activations` (net-autodiff): the names of its results, in order.
inline constexpr llvm::StringLiteral kActivationNamesAttr =
    "net.activation_names";

/// On an scf.for over buffers (dlc-tile-and-vectorize): its iterations are
/// independent; the value (i64) estimates the work of one iteration.
/// dlc-parallelize-loops runs such loops on the kernel library's threads.
inline constexpr llvm::StringLiteral kParallelLoopAttr = "dlc.parallel";

/// On the C entry points (net-export-c-abi): `{model, arg, offset}`, the
/// index of the workspace argument and the byte from which the functions'
/// buffers may use it. dlc-plan-workspace places the buffers there.
inline constexpr llvm::StringLiteral kWorkspaceAttr = "dlc.workspace";
/// Every buffer dlc-plan-workspace places starts on this byte boundary.
inline constexpr int64_t kWorkspaceAlign = 64;

/// On `M.train_step_graph_impl` (dlc-gpu-graph-step): the entry point that
/// calls it, `M_train_step_graph`. dlc-gpu-device-scalars checks that the
/// function can be captured in a CUDA graph.
inline constexpr llvm::StringLiteral kGraphStepAttr = "dlc.graph_step";
/// On a memref argument: nothing writes its memory while the function
/// runs, so a kernel may load it at any point (dlc-gpu-device-scalars).
inline constexpr llvm::StringLiteral kReadOnlyAttr = "dlc.read_only";

#define GEN_PASS_DECL
#include "dlc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dlc/Transforms/Passes.h.inc"

} // namespace dlc

#endif // DLC_TRANSFORMS_PASSES_H
