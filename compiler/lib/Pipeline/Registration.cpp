//===- Registration.cpp - Dialects and interfaces dlc uses ----------------===//
//
// Kept apart: the InitAll headers are slow to compile and rarely change.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Pipeline.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

void dlc::registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<dlc::net::NetDialect>();
  registerKernelCallInterfaces(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  // --target cuda: kernels in NVVM, and gpu.binary / gpu.launch_func on the
  // host, whose translation embeds the fatbin and calls the mgpu* functions.
  mlir::registerGPUDialectTranslation(registry);
  mlir::registerNVVMDialectTranslation(registry);
  mlir::gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}
