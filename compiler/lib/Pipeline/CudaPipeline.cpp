//===- CudaPipeline.cpp - The lowering for `dlc compile --target cuda` ----===//
//
// What follows one-shot bufferization when `dlc.target = "cuda"`
// (docs/cuda.md): the remaining linalg ops become GPU kernels, compiled for
// sm_90 and sm_80 into one fatbin; the host code calls MLIR's `mgpu*`
// launch functions (and its generic allocation functions for any buffer
// left outside the workspace), which dlc's CUDA runtime (runtime/cuda)
// implements.
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipeline.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"

#include <cstdlib>

using namespace mlir;

bool dlc::targetsCuda(Operation *op) {
  auto module = isa<ModuleOp>(op) ? cast<ModuleOp>(op)
                                  : op->getParentOfType<ModuleOp>();
  if (!module)
    return false;
  auto target = module->getAttrOfType<StringAttr>("dlc.target");
  return target &&
         (target.getValue() == "cuda" || target.getValue() == "cuda-host");
}

std::optional<dlc::Target> dlc::parseTarget(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Target>>(name)
      .Case("cpu", Target::CPU)
      .Case("cuda", Target::CUDA)
      .Case("cuda-host", Target::CudaHost)
      .Case("cuda-host-reverse", Target::CudaHostReverse)
      .Default(std::nullopt);
}

std::string dlc::cudaToolkitPath() {
  if (const char *home = std::getenv("CUDA_HOME"); home && *home)
    return home;
#ifdef DLC_CUDA_TOOLKIT_DIR
  return DLC_CUDA_TOOLKIT_DIR;
#else
  return "/usr/local/cuda";
#endif
}

/// The host code of the cuda-host targets to the LLVM dialect, in the
/// order the CUDA target lowers its host code; allocations use malloc, the
/// kernel library's dlc_k_* stand for cuDNN and cuBLAS, and libm for what
/// the device took from libdevice.
static void buildHostTail(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(arith::createArithExpandOpsPass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  // Nothing of the gpu dialect is left; this converts arith, func and cf
  // in one go, as for CUDA (converting arith alone here can leave a null
  // operand behind in MLIR 19).
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  dlc::addLLVMLoweringTail(pm);
}

void dlc::buildCudaLowering(OpPassManager &pm, Target target) {
  // Long reductions (bias gradients, full sums) in stages that keep the
  // GPU's threads busy.
  pm.addPass(createDlcSplitReductions());
  // Host stack and constants out of the way of device code; parallel loops
  // first in every linalg.generic; exported functions end synchronized.
  pm.addPass(createDlcGpuPrepare());
  pm.addPass(createCSEPass());
  // Temporaries are freed (on the host, after the kernels that use them).
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createBufferizationToMemRefPass());
  // M_train_step_graph: the step the runtime captures in a CUDA graph.
  pm.addPass(createDlcGpuGraphStep());
  // Every buffer in the caller's workspace (device memory): reuse between
  // kernels is ordered by the one stream.
  pm.addPass(createDlcPlanWorkspace());

  // linalg -> scf.parallel -> one-dimensional, coalesced blocks of threads
  // -> gpu.launch. No canonicalization in between: it would merge the
  // block and thread loops.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createDlcGpuMapLoops());
  pm.addPass(createParallelLoopToGpuPass());
  pm.addPass(createLowerAffinePass());
  // Scalars the kernels use are computed on the device: no host access
  // (and no wait) in the middle of a step.
  pm.addPass(createDlcGpuDeviceScalars());
  // A partial buffer's fill runs in the kernel that accumulates into it.
  pm.addPass(createDlcGpuFuseFills());
  // Kernels of one thread in a row: one launch.
  pm.addPass(createDlcGpuMergeSerialKernels());
  if (target == Target::CudaHost || target == Target::CudaHostReverse) {
    // A test target: each kernel's threads one after another on the host.
    DlcGpuRunOnHostOptions host;
    host.reverse = target == Target::CudaHostReverse;
    pm.addPass(createDlcGpuRunOnHost(host));
    return buildHostTail(pm);
  }
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createDlcGpuKernelNames()); // one gpu.module, PTX names
  // The host touches device memory only when the device is idle.
  pm.addPass(createDlcGpuSyncHostAccess());
  // Launches in a row share one stream and one synchronization; the host
  // waits before it touches memory, calls a function or returns.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  // Device code: NVVM for both chips, PTX, then one fatbin.
  for (const char *chip : {"sm_90", "sm_80"}) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip;
    target.features = "+ptx80";
    target.optLevel = 3;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(createConvertSCFToCFPass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  // sqrt.rn.f32, not libdevice's approximate default.
  device.addPass(createDlcGpuPreciseSqrt());
  device.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = cudaToolkitPath();
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createDlcGpuFatbin());

  // Host code to the LLVM dialect. Allocations become MLIR's generic
  // allocation functions (the runtime serves them from managed memory)
  // before gpu-to-llvm, which would otherwise lower them to malloc.
  pm.addNestedPass<func::FuncOp>(arith::createArithExpandOpsPass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  addLLVMLoweringTail(pm);
}
