//===- Pipeline.h - dlc's compilation pipeline ------------------*- C++ -*-===//

#ifndef DLC_PIPELINE_H
#define DLC_PIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <optional>

namespace dlc {

/// The points where `dlc compile --emit=` stops.
enum class Phase { Net, Train, Linalg, LLVM };

/// Registers every dialect and interface the pipeline uses.
void registerDialects(mlir::DialectRegistry &registry);

/// Attaches the bufferization of net.conv2d, net.conv2d_grad_input,
/// net.conv2d_grad_filter, net.pool2d, net.pool2d_grad and net.matmul into
/// calls of dlc's kernel library (KernelCalls.cpp).
void registerKernelCallInterfaces(mlir::DialectRegistry &registry);

/// Registers dlc's passes and the `dlc-*` pipelines with the pass registry.
void registerPassesAndPipelines();

/// Adds the passes that take a module of net.model ops to `phase`; with
/// `after`, only those that follow phase `after`.
void buildPipeline(mlir::OpPassManager &pm, Phase phase,
                   std::optional<Phase> after = std::nullopt);

} // namespace dlc

#endif // DLC_PIPELINE_H
