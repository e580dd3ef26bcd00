//===- Pipeline.h - dlc's compilation pipeline ------------------*- C++ -*-===//

#ifndef DLC_PIPELINE_H
#define DLC_PIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace dlc {

/// The points where `dlc compile --emit=` stops.
enum class Phase { Net, Train, Linalg, LLVM };

/// The device a model library runs on (`dlc compile --target`). CudaHost
/// is the CUDA lowering with its kernels run on the host (a CPU library
/// computing what the CUDA one computes; dlc-gpu-run-on-host), for testing
/// dlc's GPU passes without a GPU; CudaHostReverse runs each kernel's
/// blocks and threads from the last to the first.
enum class Target { CPU, CUDA, CudaHost, CudaHostReverse };

/// Parses a `--target` value: cpu, cuda, cuda-host or cuda-host-reverse.
std::optional<Target> parseTarget(llvm::StringRef name);

/// Whether `op`'s module goes through the CUDA lowering (`dlc.target` is
/// "cuda" or "cuda-host").
bool targetsCuda(mlir::Operation *op);

/// The CUDA toolkit: $CUDA_HOME when set, else the toolkit found when dlc
/// was configured, else /usr/local/cuda.
std::string cudaToolkitPath();

/// Registers every dialect and interface the pipeline uses.
void registerDialects(mlir::DialectRegistry &registry);

/// Attaches the bufferization of net.conv2d, net.conv2d_grad_input,
/// net.conv2d_grad_filter, net.pool2d, net.pool2d_grad and net.matmul into
/// calls of dlc's kernel library (KernelCalls.cpp).
void registerKernelCallInterfaces(mlir::DialectRegistry &registry);

/// Registers dlc's passes and the `dlc-*` pipelines with the pass registry.
void registerPassesAndPipelines();

/// Adds the passes that take a module of net.model ops to `phase`; with
/// `after`, only those that follow phase `after`. For Target::CUDA the
/// module is marked `dlc.target = "cuda"` first and lowered for the GPU
/// after bufferization (docs/cuda.md).
void buildPipeline(mlir::OpPassManager &pm, Phase phase,
                   std::optional<Phase> after = std::nullopt,
                   Target target = Target::CPU);

/// Adds the CUDA lowering that follows one-shot bufferization: GPU kernels
/// in one fatbin, host code in the LLVM dialect (CudaPipeline.cpp). For
/// the cuda-host targets the kernels become host loops instead.
void buildCudaLowering(mlir::OpPassManager &pm, Target target = Target::CUDA);

/// The end of both targets' lowering: arith, index, func and cf to LLVM,
/// then the C ABI's descriptors (net-emit-descriptor).
void addLLVMLoweringTail(mlir::OpPassManager &pm);

} // namespace dlc

#endif // DLC_PIPELINE_H
