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

/// Registers dlc's passes and the `dlc-*` pipelines with the pass registry.
void registerPassesAndPipelines();

/// Adds the passes that take a module of net.model ops to `phase`; with
/// `after`, only those that follow phase `after`.
void buildPipeline(mlir::OpPassManager &pm, Phase phase,
                   std::optional<Phase> after = std::nullopt);

} // namespace dlc

#endif // DLC_PIPELINE_H
