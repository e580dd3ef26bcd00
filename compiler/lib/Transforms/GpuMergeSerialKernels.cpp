//===- GpuMergeSerialKernels.cpp - dlc-gpu-merge-serial-kernels -----------===//
//
// Scalar work on the GPU (the last stage of a full sum, the loss scaled by
// 1 / N, the loss copied out, the clipping norm's square root) runs in
// kernels of one thread, often several in a row:
//
//   gpu.launch blocks(1, 1, 1) threads(1, 1, 1) { acc[] = sum of p[0..9] }
//   %c = arith.constant ...
//   gpu.launch blocks(1, 1, 1) threads(1, 1, 1) { loss[] = acc[] * %c }
//
// One thread running both bodies one after the other does what the two
// kernels did in stream order: it sees its own stores. So when only ops
// without memory effects stand between two such launches, the first's
// body moves to the start of the second's (the values it uses are defined
// before the first launch, so before the second) and the first is erased:
// one launch, one node of the training step's CUDA graph, less.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPUMERGESERIALKERNELS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Whether `launch` is one thread in one block, with one block of code, no
/// memory of its own and no clusters (whose ids its body may use).
bool isSerial(gpu::LaunchOp launch) {
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  for (Value v : {grid.x, grid.y, grid.z, block.x, block.y, block.z})
    if (!matchPattern(v, m_One()))
      return false;
  return !launch.hasClusterSize() && launch.getAsyncDependencies().empty() &&
         !launch.getAsyncToken() && !launch.getDynamicSharedMemorySize() &&
         launch.getNumWorkgroupAttributions() == 0 &&
         launch.getNumPrivateAttributions() == 0 &&
         launch.getBody().hasOneBlock();
}

/// Moves the body of `first` to the start of `second`'s and erases `first`.
void mergeInto(RewriterBase &rewriter, gpu::LaunchOp first,
               gpu::LaunchOp second) {
  Block &from = first.getBody().front();
  Block &to = second.getBody().front();
  // The ids and sizes mean the same in both (all 0 and 1).
  rewriter.eraseOp(from.getTerminator());
  rewriter.inlineBlockBefore(&from, &to, to.begin(), to.getArguments());
  rewriter.eraseOp(first);
}

struct GpuMergeSerialKernelsPass
    : public dlc::impl::DlcGpuMergeSerialKernelsBase<
          GpuMergeSerialKernelsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](Block *block) {
      gpu::LaunchOp previous;
      for (Operation &op : llvm::make_early_inc_range(*block)) {
        auto launch = dyn_cast<gpu::LaunchOp>(op);
        if (launch && isSerial(launch)) {
          if (previous)
            mergeInto(rewriter, previous, launch);
          previous = launch;
          continue;
        }
        if (!isMemoryEffectFree(&op))
          previous = nullptr;
      }
    });
  }
};
} // namespace
