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
    `net.matmul`, `net.bias_add` and `net.activation`. The op computing the
    output of each layer TFLearn summarizes at tensorboard_verbose 3
    (fully_connected, conv_2d, max_pool_2d, avg_pool_2d) gets a
    `net.layer_output` attribute with TensorFlow's name of that op:
    `FullyConnected/Relu`, `Conv2D_1/BiasAdd`, `MaxPool2D/MaxPool`.
  }];
}

def NetAutodiff : Pass<"net-autodiff", "mlir::ModuleOp"> {
  let summary = "Build the forward, evaluation and gradient functions";
  let description = [{
    For each expanded model `M`, builds `M.predict(params..., x)`,
    `M.eval(params..., x, y) -> (loss, prediction)` and
    `M.grad(params..., x, y, step) -> (loss, prediction, grads...)` by
    reverse-mode autodiff over DifferentiableOpInterface, and, when some op
    has a `net.layer_output` name, `M.activations(params..., x)` returning
    those outputs in model order as predict computes them (their names in
    its `net.activation_names`). Dropout is the
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

def NetBuildEntryPoints : Pass<"net-build-entry-points", "mlir::ModuleOp"> {
  let summary = "Build the buffer-level entry points of each model";
  let description = [{
    Lays the parameters out in one flat buffer and builds, on memrefs,
    `M.forward_impl`, `M.eval_step_impl`, `M.loss_and_grad_impl`,
    `M.gradient_impl`, `M.init_params_impl` and `M.train_step_impl`, with
    M.predict, M.eval and M.grad inlined (and then erased), and from
    `M.activations`, if any, `M.activations_impl(params, x, acts)` writing
    each layer output as a [batch, ...] block of `acts` (listed in the
    descriptor's `activations`): the forward and
    backward passes exist once, in `M.loss_and_grad_impl`, which the
    gradient and the training step call. The training step writes the
    gradients to the workspace, clips them by global norm
    (`net.clip_by_global_norm`) and applies the optimizer
    (`net.apply_gradients`). Parameters with an L2 decay add their terms
    to the gradients and the loss in `M.loss_and_grad_impl`
    (`net.weight_decay`). Before clipping, each moving-average parameter
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

def DlcUntieEmptyTensors : Pass<"dlc-untie-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "Give each use of a tensor.empty, or of a fill of one, its own";
  let description = [{
    On tensors, before empty-tensor elimination: CSE makes one tensor.empty
    (and one linalg.fill of it) of every shape, shared by all the ops that
    start from one, such as the bias gradients of two layers with as many
    channels. Empty-tensor elimination (MLIR 19) replaces a tensor.empty
    with the destination of one of them, for all its uses, and bufferization
    then copies the others. Each use but one gets its own clone of the fill
    and the tensor.empty, made just before it, so that each result can be
    computed in its own destination.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def DlcFuseElementwise : Pass<"dlc-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse single-use elementwise producers into their consumers";
  let description = [{
    On tensors, before bufferization: a linalg.generic whose result has one
    use is fused into the linalg.generic using it (linalg's elementwise
    fusion), so a layer's bias add and activation are one pass over its
    output. Producers with more uses stay, so nothing is computed twice;
    so does a producer that the consumer reads broadcast (one value per
    row) when it loops more than 64 times (a CUDA row reduction), since it
    would run again for each element of the row.
    Then a net.conv2d whose result feeds only such an op computing
    act(y + bias[c]), act identity or relu, becomes net.conv2d_bias_act,
    which the kernel library computes with a fused epilogue (on
    `dlc.target = "cuda"`, the runtime's bias/ReLU kernel after cuDNN, or
    cuDNN's fused call); on the CUDA target a dense layer's net.matmul
    becomes net.matmul_bias_act the same way. On both targets, the ReLU gradient `x > 0 ? g : 0` of
    a pooling gradient g of x becomes the pooling gradient's `relu` mask.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "dlc::net::NetDialect"];
}

def DlcParallelizeLoops : Pass<"dlc-parallelize-loops", "mlir::ModuleOp"> {
  let summary = "Run parallel loops on the kernel library's thread pool";
  let description = [{
    Each outermost `scf.for` marked `dlc.parallel` (by dlc-tile-and-vectorize:
    the tile loop over a parallel dimension of an op on buffers) is outlined
    into a function `(ctx, begin, end)` that runs iterations [begin, end);
    the loop becomes a call of `dlc_k_parallel_for(fn, ctx, trip count,
    cost)`, `ctx` a stack struct holding the values the body uses (memref
    descriptors, scalars). Constants are cloned into the body. Loops whose
    captured values have other types stay serial. Only parallel dimensions
    are split, so results do not depend on the thread count.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::func::FuncDialect",
                           "mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def DlcPlanWorkspace : Pass<"dlc-plan-workspace", "mlir::ModuleOp"> {
  let summary = "Place the buffers of every entry point in the workspace";
  let description = [{
    Runs on buffers, after the deallocations are placed. Each top-level
    `memref.alloc` of a private single-block function whose size is a
    constant or a constant times the batch becomes a memref built over a
    pointer into the function's workspace, and its deallocations go. The
    function gets two `!llvm.ptr` arguments: a fixed space and a space that
    grows with the batch (every dynamic dimension of a memref argument is
    the batch). Buffers share bytes only when their live ranges, counted in
    top-level ops and following views and pointers derived from them, are
    disjoint; a call gives its callee a block of both spaces, live at the
    call. Entry points marked `dlc.workspace` by net-export-c-abi pass
    their workspace pointer from the marked offset on, and the model's
    `net.descriptor` gets the workspace size (fixed + per example * batch).
    Buffers that escape or have other sizes stay on the heap.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def NetExportCABI : Pass<"net-export-c-abi", "mlir::ModuleOp"> {
  let summary = "Export each model's entry points under the C ABI";
  let description = [{
    For each `net.descriptor @M`, adds public functions `M_forward`,
    `M_gradient`, `M_train_step`, `M_eval_step`, `M_init_params` (and
    `M_activations` when the descriptor lists activations) taking
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

//===----------------------------------------------------------------------===//
// The CUDA target
//===----------------------------------------------------------------------===//

def DlcSetTarget : Pass<"dlc-set-target", "mlir::ModuleOp"> {
  let summary = "Record the device the library is compiled for";
  let description = [{
    Sets the module attribute `dlc.target` to `target` ("cpu", "cuda" or
    "cuda-host": the CUDA lowering with its kernels run on the host, a test
    target, see dlc-gpu-run-on-host).
    The kernel calls (`dlc_k_*` or `dlc_cu_*`), the lowering of net.matmul
    and the descriptor's `device` field follow it.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cpu\"", "cpu, cuda or cuda-host">
  ];
}

def DlcSplitReductions : Pass<"dlc-split-reductions", "mlir::ModuleOp"> {
  let summary = "Split long reductions into stages";
  let description = [{
    Runs on buffers, before dlc-gpu-prepare. A GPU thread runs the
    reduction loops of a linalg.generic one iteration after another, so a
    bias gradient (one thread per channel summing N*H*W values) or a full
    sum is latency-bound. Each linalg.generic with one output and one
    combiner that has a neutral element (`arith.addf`, `arith.maximumf`,
    ...) whose reduction loops run more than `max-serial` iterations
    (dynamic loops, the batch, counted as 128) is split: a first stage in
    which the innermost static reduction loops are parallel writes partial
    results to a new buffer filled with the neutral element, and a second
    stage combines them into the output. Both stages are split again while
    they are too long. One reduction loop at least stays in each stage; a
    stage over one long static loop of E iterations has it factored into
    (E / f, f) first (memref.expand_shape of the operands it indexes), for
    the smallest f that leaves E / f short enough.

    With `full-only` (the CPU pipeline, max-serial 4096), only reductions
    without parallel loops are split, the first time: a long sum in stages
    rounds far less than one accumulator per vector lane (the L2 penalty of
    2M weights).
  }];
  let options = [
    Option<"maxSerial", "max-serial", "int64_t", "128",
           "the most iterations one thread runs in a row">,
    Option<"fullOnly", "full-only", "bool", "false",
           "split only reductions that have no parallel loop">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def DlcGpuPrepare : Pass<"dlc-gpu-prepare", "mlir::ModuleOp"> {
  let summary = "Make bufferized host code ready to move to the GPU";
  let description = [{
    Runs on buffers, before deallocation. Device code cannot reach the host
    stack or host constants: `memref.alloca` becomes `memref.alloc`, and the
    value of each `memref.get_global` is copied into a new allocation
    (CUDA managed memory at run time) that replaces it. Named linalg ops are
    generalized, and the loops of each linalg.generic are interchanged so
    parallel loops come first (in their order) and reductions last: the
    parallel loops then map to threads, each thread running its reductions.
    Public functions (the exported C ABI) call `dlc_cuda_synchronize()`
    before they return, so their device work is complete when they do.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect"];
}

def DlcGpuMapLoops : Pass<"dlc-gpu-map-loops", "mlir::func::FuncOp"> {
  let summary = "Map host loop nests to GPU blocks and threads";
  let description = [{
    Each outermost `scf.parallel` is collapsed into one dimension whose
    innermost source dimension varies fastest, and split into blocks of
    `block-size` threads: the outer loop maps to `block_x`, the inner one to
    `thread_x`, and a guard skips the threads past the end. Consecutive
    threads take consecutive elements of the innermost dimension, so their
    accesses coalesce. Parallel loops nested inside become sequential loops.

    A `scf.for` whose iterations only store, each to its own element
    (`buffer[iv + c]`, nothing read from memory), becomes an `scf.parallel`
    first. Other loops that touch memory (full reductions, the
    initialisation of parameters) run in a `gpu.launch` of one thread, so
    no host code reads or writes device memory in a loop.

    Last, a sequential loop on the device that reads and writes one element
    `m[i]` (m and i defined outside the loop) and writes nothing else, such
    as a reduction's `out[c] = out[c] + x[n, c]`, carries the element in an
    iteration argument: loaded before the loop, stored after it, instead of
    a store and a load in every iteration.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256", "threads per block">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def DlcGpuGraphStep : Pass<"dlc-gpu-graph-step", "mlir::ModuleOp"> {
  let summary = "Add a training step the runtime can capture in a CUDA graph";
  let description = [{
    Runs on buffers, after the deallocation pipeline and before
    dlc-plan-workspace. For each `net.descriptor @M` whose `M_train_step`
    calls `M.train_step_impl`, adds `M_train_step_graph(params, opt_state,
    x, y, batch, step, y_pred, workspace, loss)`: the same step, but `step`
    (an `int64_t`) and `loss` (a `float`) are device memory, so nothing the
    step computes passes through the host and a replay of the captured
    kernels reads the step the runtime wrote. Its impl,
    `M.train_step_graph_impl`, is a copy of `M.train_step_impl` with the
    functions it calls inlined (the loss a callee returns stays on the
    device), the step loaded from its buffer (marked `dlc.read_only`) and
    the loss stored to its buffer where it is computed. The impl carries
    `dlc.graph_step`, naming the entry point; dlc-gpu-device-scalars
    checks it.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::LLVM::LLVMDialect"];
}

def DlcGpuDeviceScalars : Pass<"dlc-gpu-device-scalars", "mlir::ModuleOp"> {
  let summary = "Compute the scalars kernels use on the device";
  let description = [{
    Runs on `gpu.launch` ops, before gpu-kernel-outlining. Host code that
    stores to memory (the start value of a reduction, the scaled loss) runs
    in a `gpu.launch` of one thread instead. Each scalar a kernel uses that
    the host computed from memory (the clipping norm) or from the step
    (Adam's bias correction, the dropout seed) is computed in the kernel:
    the chain of pure scalar ops is copied into the kernel, together with
    the `memref.load` it starts from when no thread of the kernel writes
    memory the load may read (a kernel of one thread, or one writing only
    argument buffers other than the loaded one; workspace buffers may share
    bytes) and when nothing between the load and the launch may write
    memory, or when the loaded buffer is a function
    argument marked `dlc.read_only` that is only ever loaded from (the
    graph step's step number). The host then neither waits for the device
    nor touches device memory in the middle of a step.

    A function marked `dlc.graph_step` must end with no host op that
    touches memory and no call other than the `dlc_cu_*` kernels; if one is
    left, the pass warns and removes that function and the entry point it
    names (the runtime then runs the step without a graph).
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def DlcGpuFuseFills : Pass<"dlc-gpu-fuse-fills", "mlir::ModuleOp"> {
  let summary = "Fuse a kernel that fills a buffer into the next kernel";
  let description = [{
    Runs on `gpu.launch` ops, after dlc-gpu-device-scalars. A kernel whose
    only effect is to store one value (a constant, or a value defined above
    it) into a buffer, `m[f(ids)] = c` under scf.if guards, followed by a
    kernel -- the next one that uses `m`, a view of it or, for a static
    slice of a function argument, a view of the argument covering any of
    the same elements, with only other kernels and ops without memory
    effects in between -- with the same grid
    and blocks in which each thread loads `m[f(ids)]` once, under the same
    guards and outside any loop, and stores that element after the load
    in the same block, and does nothing else with `m`: the load becomes
    `c` and the first kernel is erased. The index computations and guard
    conditions must be the same pure ops of the launch ids and of values
    defined above both launches. This removes the fill of each partial
    buffer dlc-split-reductions creates: its stage kernel starts from the
    neutral element in a register instead.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def DlcGpuMergeSerialKernels
    : Pass<"dlc-gpu-merge-serial-kernels", "mlir::ModuleOp"> {
  let summary = "Merge consecutive kernels of one thread into one";
  let description = [{
    Runs on `gpu.launch` ops, after dlc-gpu-fuse-fills. Two launches of one
    block of one thread (constant sizes, no async dependencies, no
    attributions, one block of code) with only ops without memory effects
    between them become one: the first's body runs at the start of the
    second's. Scalar work (the last stage of a full sum, the loss scaled
    and copied out, the clipping norm's factor) then takes fewer launches.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def DlcGpuRunOnHost : Pass<"dlc-gpu-run-on-host", "mlir::ModuleOp"> {
  let summary = "Run the CUDA lowering's kernels as host loops (a test target)";
  let description = [{
    For `dlc.target = "cuda-host"` (`dlc compile --target=cuda-host`): runs
    where gpu-kernel-outlining runs for CUDA, so the library computes what
    the CUDA library would, with every kernel's blocks and threads run one
    after another on the host. Each `gpu.launch` becomes loops over its
    grid and block (z, y, x; blocks outside threads) around its body, the
    `dlc_cu_*` calls become the CPU kernel library's `dlc_k_*` (the same
    arguments), and `dlc_cuda_synchronize()` calls are dropped. With
    `reverse`, blocks and threads run from the last to the first: a kernel
    whose threads depend on each other's order (a race on the GPU) gives a
    different result.

    A launch with async dependencies or results, dynamic shared memory, or
    a `gpu.barrier` (threads that wait for each other) is an error.
  }];
  let options = [
    Option<"reverse", "reverse", "bool", "false",
           "run blocks and threads from the last to the first">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect"];
}

def DlcGpuSyncHostAccess : Pass<"dlc-gpu-sync-host-access", "mlir::ModuleOp"> {
  let summary = "Wait for the device before host code touches memory";
  let description = [{
    Runs after gpu-kernel-outlining, when what is left in host functions is
    host code. Device memory (CUDA managed memory from the runtime's pool,
    where a freed block is reused at once for later device work) may be read
    or written by the host only when no device work is pending: kernels and
    the `dlc_cu_*` calls run asynchronously on the library's stream. Before
    each run of host `memref.load`, `memref.store` and `memref.copy` ops
    that follows device work (a launch or a call), this pass inserts a call
    of `dlc_cuda_synchronize()`.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def DlcGpuKernelNames : Pass<"dlc-gpu-kernel-names", "mlir::ModuleOp"> {
  let summary = "Gather the outlined kernels in one gpu.module";
  let description = [{
    gpu-kernel-outlining makes one gpu.module per kernel, named after its
    function (`M.train_step_impl_kernel`). This pass moves every kernel into
    one module, `dlc_kernels`, each named after the module it came from with
    the characters PTX does not accept in identifiers (such as `.`) turned
    into `_`; the gpu.launch_func ops follow. The kernels are then compiled
    by one LLVM, ptxas and fatbinary run per chip instead of one per kernel.
  }];
}

def DlcGpuPreciseSqrt
    : Pass<"dlc-gpu-precise-sqrt", "mlir::gpu::GPUModuleOp"> {
  let summary = "Correctly rounded square roots in device code";
  let description = [{
    convert-gpu-to-nvvm lowers `math.sqrt` to libdevice's `__nv_sqrtf`,
    whose correctly rounded path depends on `__nvvm_reflect("__CUDA_PREC_SQRT")`,
    which LLVM 19's NVVMReflect does not set: the result would be
    `sqrt.approx.f32`. Run after convert-gpu-to-nvvm (which refuses the
    intrinsic in its input), this pass replaces each call of `__nv_sqrtf`
    (`__nv_sqrt`) in a gpu.module with `llvm.intr.sqrt`, as on the CPU,
    which NVPTX emits as `sqrt.rn.f32` (`sqrt.rn.f64`), and erases the
    declarations left unused.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def DlcGpuFatbin : Pass<"dlc-gpu-fatbin", "mlir::ModuleOp"> {
  let summary = "Combine the PTX of each gpu.binary into one fatbin";
  let description = [{
    Runs after `gpu-module-to-binary{format=isa}`. For each `gpu.binary`,
    assembles the PTX of every `#nvvm.target` object with the toolkit's
    `ptxas` for its chip and combines the cubins and the PTX (for later
    GPUs, compiled on load) with `fatbinary` into one fatbin: the binary
    then holds a single object that the CUDA driver loads on any of the
    chips.
  }];
  let options = [
    Option<"toolkit", "toolkit", "std::string", "\"\"",
           "CUDA toolkit path (default: $CUDA_HOME, else the configured one)">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

#endif // DLC_TRANSFORMS_PASSES_TD
