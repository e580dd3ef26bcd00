//===- Passes.td - dlc's passes ----------------------------*- tablegen -*-===//

#ifndef DLC_TRANSFORMS_PASSES_TD
#define DLC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def NetInferShapes : Pass<"net-infer-shapes", "mlir::ModuleOp"> {
  let summary = "Infer the result types of layers from net.input_data";
  let description = [{
    Layers are written without types and parse as unranked tensors. This
    pass walks each model in order and gives every result the type its op
    infers (InferTypeOpInterface), so later passes see static shapes.
  }];
}

def NetExpandLayers : Pass<"net-expand-layers", "mlir::ModuleOp"> {
  let summary = "Expand layers into parameters and primitive ops";
  let description = [{
    `net.fully_connected` becomes `net.parameter`s (weights and bias, named
    as TFLearn names them: `FullyConnected/W`, `FullyConnected_1/b`, ...),
    `net.matmul`, `net.bias_add` and `net.activation`.
  }];
}

def NetAutodiff : Pass<"net-autodiff", "mlir::ModuleOp"> {
  let summary = "Build the forward, evaluation and gradient functions";
  let description = [{
    For each expanded model `M`, builds `M.predict(params..., x)`,
    `M.eval(params..., x, y) -> (loss, prediction)` and
    `M.grad(params..., x, y, step) -> (loss, prediction, grads...)` by
    reverse-mode autodiff over DifferentiableOpInterface. Dropout is the
    identity in predict and eval; in grad it becomes `net.apply_dropout`
    with masks drawn for `step`. `net.batch_norm` uses the moving
    statistics in predict and eval; in grad it becomes
    `net.batch_norm_train` (the batch's statistics), whose mean and variance
    grad returns in the slots of the moving-average parameters instead of
    gradients. A softmax (sigmoid) prediction
    trained with categorical (binary) cross-entropy is fused into the stable
    loss on logits. Parameters are passed in the order of their
    `net.parameter` ops.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect"];
}

def NetRegularize : Pass<"net-regularize", "mlir::ModuleOp"> {
  let summary = "Add the L2 terms of regularized parameters to M.grad";
  let description = [{
    For each parameter with a non-zero decay `wd`, adds `wd * sum(w^2) / 2`
    to the loss returned by `M.grad` and `wd * w` to its gradient (TFLearn's
    `regularizer='L2'`; biases are never regularized).
  }];
}

def NetBuildEntryPoints : Pass<"net-build-entry-points", "mlir::ModuleOp"> {
  let summary = "Build the buffer-level entry points of each model";
  let description = [{
    Lays the parameters out in one flat buffer and builds, on memrefs,
    `M.forward_impl`, `M.eval_step_impl`, `M.loss_and_grad_impl`,
    `M.gradient_impl`, `M.init_params_impl` and `M.train_step_impl`, with
    M.predict, M.eval and M.grad inlined (and then erased): the forward and
    backward passes exist once, in `M.loss_and_grad_impl`, which the
    gradient and the training step call. The training step writes the
    gradients to the workspace, clips them by global norm
    (`net.clip_by_global_norm`) and applies the optimizer
    (`net.apply_gradients`). Before clipping, each moving-average parameter
    (batch normalization's moving statistics) is updated from the batch
    statistic in its gradient slot, which is then zeroed
    (`net.moving_average`); `M.gradient_impl` zeroes those slots too. The
    model is replaced by a `net.descriptor` holding what the library reports
    about it.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::tensor::TensorDialect"];
}

def ConvertNetToLinalg : Pass<"convert-net-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower net compute ops to linalg, arith, math and scf";
  let description = [{
    Tensor ops become linalg ops on tensors; the buffer-level optimizer,
    clipping and initialisation ops become linalg ops on memrefs and scf
    loops.

    With `kernels` (the default), net.conv2d, net.conv2d_grad_input,
    net.conv2d_grad_filter, net.pool2d, net.pool2d_grad and net.matmul stay:
    they bufferize into calls of dlc's kernel library. Without it they
    become linalg convolutions, matmuls and gathers, which need no library
    but are slow.
  }];
  let options = [
    Option<"kernels", "kernels", "bool", "true",
           "leave contractions and pooling to the kernel library">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect"];
}

def DlcTileAndVectorize : Pass<"dlc-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Tile linalg ops on tensors to static tiles and vectorize them";
  let description = [{
    Tiles every dynamic (batch) dimension by `batch-tile`, peels the loop so
    full tiles are static and tiles the remainder by 1, tiles contraction
    dimensions by 1 (outer-product form) and vectorizes every resulting
    static linalg op. Ops that cannot be vectorized are left for the loop
    lowering and counted in a remark when `report` is set.
  }];
  let options = [
    Option<"batchTile", "batch-tile", "int64_t", "8", "tile of dynamic dimensions">,
    Option<"report", "report", "bool", "false", "remark on ops left scalar">
  ];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::affine::AffineDialect"];
}

def DlcLowerVectors : Pass<"dlc-lower-vectors", "mlir::func::FuncOp"> {
  let summary = "Lower vector contractions, reductions and masks; approximate math";
  let description = [{
    Contractions become outer products (FMAs), multi-reductions inner
    reductions, transfers of permuted maps plain transfers; `math` functions
    get polynomial approximations so generated code needs no libm and stays
    vectorized.
  }];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::math::MathDialect",
                           "mlir::arith::ArithDialect"];
}

def NetExportCABI : Pass<"net-export-c-abi", "mlir::ModuleOp"> {
  let summary = "Export each model's entry points under the C ABI";
  let description = [{
    For each `net.descriptor @M`, adds public functions `M_forward`,
    `M_gradient`, `M_train_step`, `M_eval_step` and `M_init_params` taking
    plain pointers and the batch size (runtime/include/dlc/model_abi.h);
    they build the memref descriptors and call the `M.*_impl` functions.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def NetEmitDescriptor : Pass<"net-emit-descriptor", "mlir::ModuleOp"> {
  let summary = "Turn net.descriptor into the C ABI's data and dlc_models";
  let description = [{
    Runs after the lowering to the LLVM dialect: each `net.descriptor @M`
    becomes constant globals laid out as `dlc_model_desc` and
    `dlc_param_desc`, the function `M_describe`, and the module gets the
    well-known `dlc_models` entry point.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // DLC_TRANSFORMS_PASSES_TD
