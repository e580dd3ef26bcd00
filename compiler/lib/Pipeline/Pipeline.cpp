//===- Pipeline.cpp - dlc's compilation pipeline --------------------------===//
//
// Every pass of the pipeline is added here, in order, with the reason it is
// there. `dlc compile --emit=PHASE` and `dlc-opt --dlc-pipeline=PHASE` stop
// after a phase.
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipeline.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dlc::buildPipeline(OpPassManager &pm, Phase phase,
                        std::optional<Phase> after, Target target) {
  auto done = [&](Phase p) { return after && *after >= p; };
  // The target is recorded first: kernel calls, the matmul lowering and the
  // descriptor follow `dlc.target`.
  if (target == Target::CUDA)
    pm.addPass(createDlcSetTarget(DlcSetTargetOptions{"cuda"}));
  else if (target != Target::CPU)
    pm.addPass(createDlcSetTarget(DlcSetTargetOptions{"cuda-host"}));
  // net: layers with their inferred types.
  if (!done(Phase::Net))
    pm.addPass(createNetInferShapes());
  if (phase == Phase::Net)
    return;

  // train: the training graph, still in the net dialect.
  if (!done(Phase::Train)) {
  pm.addPass(createNetExpandLayers());      // layers -> parameters + primitives
  pm.addPass(createNetAutodiff());          // predict / eval / grad functions
  pm.addPass(createNetBuildEntryPoints());  // flat buffers, L2, optimizer
  pm.addPass(createNetExportCABI());        // pointer-level C entry points
  }
  if (phase == Phase::Train)
    return;

  // linalg: everything on linalg / tensor / arith / math.
  if (!done(Phase::Linalg)) {
  pm.addPass(createConvertNetToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  }
  if (phase == Phase::Linalg)
    return;

  // Results are computed directly into the caller's arrays. Bufferizing
  // before tiling keeps the alias analysis small (one op per layer).
  // A layer's bias add and activation in one pass over its output.
  pm.addNestedPass<func::FuncOp>(createDlcFuseElementwise());
  // Each result computed in its destination (a gradient in its slice).
  pm.addNestedPass<func::FuncOp>(createDlcUntieEmptyTensors());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  // Copies (padding, strided views) become linalg.copy, which is tiled and
  // vectorized like any kernel; memref.copy of a strided view would need
  // MLIR's C runtime (memrefCopy) in the generated library.
  bufferization.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                              Value to) -> LogicalResult {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createCanonicalizerPass());
  if (target != Target::CPU)
    return buildCudaLowering(pm, target); // CudaPipeline.cpp
  // Full sums (the L2 penalty, the loss) in stages: far less rounding.
  DlcSplitReductionsOptions split;
  split.maxSerial = 4096;
  split.fullOnly = true;
  pm.addPass(createDlcSplitReductions(split));
  // Static tiles, vectors from the start.
  pm.addNestedPass<func::FuncOp>(createDlcTileAndVectorize());
  pm.addPass(createCSEPass());
  // Temporaries are freed; the deallocation pipeline needs canonical IR.
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createBufferizationToMemRefPass());
  // The buffers left become views of the caller's workspace: a step
  // allocates nothing.
  pm.addPass(createDlcPlanWorkspace());

  // Vector lowering on buffers: hoist accumulators, FMAs, no libm.
  pm.addNestedPass<func::FuncOp>(createDlcLowerVectors());
  // Large parallel loops (elementwise ops, the optimizer) on the kernel
  // library's thread pool.
  pm.addPass(createDlcParallelizeLoops());
  VectorTransferToSCFOptions transfers;
  transfers.enableFullUnroll(true);
  pm.addPass(createConvertVectorToSCFPass(transfers));
  pm.addPass(createConvertLinalgToLoopsPass()); // ops the vectorizer left
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(createCanonicalizerPass());

  // To the LLVM dialect (PERF-NOTES.md's working order for MLIR 19).
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  addLLVMLoweringTail(pm);
}

void dlc::addLLVMLoweringTail(OpPassManager &pm) {
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createNetEmitDescriptor());    // M_describe, dlc_models
  pm.addPass(createCanonicalizerPass());
}

namespace {
/// `--dlc-to-llvm="target=cuda"`.
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  // An enum option: an unknown name is an error of the option parser, not
  // a silent CPU build.
  Option<dlc::Target> target{
      *this, "target", llvm::cl::desc("the target"),
      llvm::cl::init(dlc::Target::CPU),
      llvm::cl::values(
          clEnumValN(dlc::Target::CPU, "cpu", "the host CPU (default)"),
          clEnumValN(dlc::Target::CUDA, "cuda", "NVIDIA GPUs"),
          clEnumValN(dlc::Target::CudaHost, "cuda-host",
                     "the CUDA lowering run on the host (tests)"),
          clEnumValN(dlc::Target::CudaHostReverse, "cuda-host-reverse",
                     "cuda-host with threads last to first (tests)"))};
};
} // namespace

void dlc::registerPassesAndPipelines() {
  registerDlcPasses();
  static const std::pair<const char *, Phase> phases[] = {
      {"dlc-to-net", Phase::Net},
      {"dlc-to-train", Phase::Train},
      {"dlc-to-linalg", Phase::Linalg},
      {"dlc-to-llvm", Phase::LLVM}};
  for (const auto &[name, phase] : phases) {
    Phase p = phase;
    PassPipelineRegistration<PipelineOptions>(
        name, "dlc's pipeline up to this phase",
        [p](OpPassManager &pm, const PipelineOptions &options) {
          buildPipeline(pm, p, std::nullopt, options.target);
        });
  }
}
