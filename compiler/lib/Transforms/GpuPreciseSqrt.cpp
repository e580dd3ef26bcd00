//===- GpuPreciseSqrt.cpp - dlc-gpu-precise-sqrt --------------------------===//
//
// convert-gpu-to-nvvm lowers math.sqrt to libdevice's __nv_sqrtf, which
// takes its correctly rounded path only when __nvvm_reflect("__CUDA_PREC_SQRT")
// says so. nvcc sets that; LLVM 19's NVVMReflect knows only __CUDA_FTZ and
// __CUDA_ARCH, so the reflection is 0 and every square root would be
// sqrt.approx.f32 (Adam's and RMSprop's denominators, the clipping norm,
// batch normalization), about an ulp from the CPU's. convert-gpu-to-nvvm
// refuses llvm.intr.sqrt in its input, so this pass runs after it and makes
// each call of __nv_sqrtf (__nv_sqrt) the llvm.intr.sqrt the CPU uses,
// which NVPTX emits as sqrt.rn.f32 (sqrt.rn.f64).
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPUPRECISESQRT
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// `llvm.call @__nv_sqrtf(x)` (`@__nv_sqrt`) -> `llvm.intr.sqrt(x)`.
struct LibdeviceSqrtToIntrinsic : OpRewritePattern<LLVM::CallOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LLVM::CallOp call,
                                PatternRewriter &rewriter) const override {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee || (*callee != "__nv_sqrtf" && *callee != "__nv_sqrt") ||
        call.getNumOperands() != 1 || call.getNumResults() != 1 ||
        call.getOperand(0).getType() != call.getResult().getType())
      return rewriter.notifyMatchFailure(call, "not libdevice's sqrt");
    rewriter.replaceOpWithNewOp<LLVM::SqrtOp>(call, call.getResult().getType(),
                                              call.getOperand(0));
    return success();
  }
};

struct DlcGpuPreciseSqrtPass
    : public dlc::impl::DlcGpuPreciseSqrtBase<DlcGpuPreciseSqrtPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    RewritePatternSet patterns(&getContext());
    patterns.add<LibdeviceSqrtToIntrinsic>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(module, std::move(patterns))))
      return signalPassFailure();
    // The declarations nothing calls any more.
    for (StringRef name : {"__nv_sqrtf", "__nv_sqrt"})
      if (auto decl = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
        if (decl.isExternal() &&
            SymbolTable::symbolKnownUseEmpty(decl, module))
          decl.erase();
  }
};

} // namespace
