//===- NetOps.td - Ops of the net dialect ------------------*- tablegen -*-===//

#ifndef DLC_DIALECT_NET_NETOPS_TD
#define DLC_DIALECT_NET_NETOPS_TD

include "dlc/Dialect/Net/NetBase.td"
include "dlc/Dialect/Net/NetInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Net_Op<string mnemonic, list<Trait> traits = []>
    : Op<Net_Dialect, mnemonic, traits>;

def Net_F32Tensor : TensorOf<[F32]>;
def Net_F32MemRef : MemRefOf<[F32]>;
def Net_F32Scalar : 0DTensorOf<[F32]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getF32Type())">;

//===----------------------------------------------------------------------===//
// The model and its layers (what users write)
//===----------------------------------------------------------------------===//

def Net_ModelOp : Net_Op<"model", [IsolatedFromAbove, SingleBlock,
                                   NoTerminator, Symbol]> {
  let summary = "a network: input, layers and the regression that trains it";
  let description = [{
    Holds one network in a single block. The block has exactly one
    `net.input_data` and ends with one `net.regression`. The symbol names the
    model and prefixes every function of the generated library.

    ```mlir
    net.model @or_gate {
      %x = net.input_data shape [?, 2]
      %y = net.fully_connected %x units 1 activation sigmoid
      net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block &getBlock() { return getBody().front(); }
    /// The single input_data op; null when the model is malformed.
    InputDataOp getInput();
    /// The regression op; null when the model is malformed.
    RegressionOp getRegression();
  }];
}

def Net_InputDataOp : Net_Op<"input_data", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "the network's input; `?` is the batch dimension";
  let description = [{
    The first dimension is the batch and must be `?` (TFLearn's `None`);
    the others are static.

    ```mlir
    %x = net.input_data shape [?, 32, 32, 3]
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$shape);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
  }];
  let assemblyFormat = [{
    `shape` custom<Shape>($shape) `` custom<LayerAttrDict>(attr-dict) `` custom<ResultType>(type($output))
  }];
  let hasVerifier = 1;
}

def Net_FullyConnectedOp : Net_Op<"fully_connected", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "dense layer: activation(x W + b)";
  let description = [{
    TFLearn's `fully_connected`. Weights default to a truncated normal with
    stddev 0.02, biases to zero. `regularizer L2` adds
    `weight_decay * sum(W^2) / 2` to the training loss (weights only).

    ```mlir
    %h = net.fully_connected %x units 8 activation tanh weights_init uniform
             init_range [-1.0, 1.0] regularizer L2 weight_decay 0.001
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input,
      Net_I64Attr:$units,
      DefaultValuedAttr<Net_ActivationAttr, "::dlc::net::Activation::linear">:$activation,
      DefaultValuedAttr<BoolAttr, "true">:$bias,
      DefaultValuedAttr<Net_InitAttr, "::dlc::net::Init::truncated_normal">:$weights_init,
      DefaultValuedAttr<F64Attr, "0.02">:$stddev,
      DefaultValuedAttr<F64Attr, "0.0">:$init_min,
      DefaultValuedAttr<F64Attr, "1.0">:$init_max,
      OptionalAttr<Net_RegularizerAttr>:$regularizer,
      DefaultValuedAttr<F64Attr, "0.001">:$weight_decay);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
  }];
  let assemblyFormat = [{
    $input `units` $units (`activation` $activation^)? (`bias` $bias^)?
    (`weights_init` $weights_init^)? (`stddev` $stddev^)?
    (`init_range` ` ` `[` $init_min^ `,` $init_max `]`)?
    (`regularizer` $regularizer^)? (`weight_decay` $weight_decay^)?
    `` custom<LayerAttrDict>(attr-dict) `` custom<LayerTypes>(type($input), type($output))
  }];
  let hasVerifier = 1;
}

def Net_Conv2DLayerOp : Net_Op<"conv_2d", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D convolution layer on NHWC images";
  let description = [{
    TFLearn's `conv_2d`: square kernels of `size`, `padding same` by default
    (TensorFlow's rule: output = ceil(input / strides)), weights
    `uniform_scaling` (U(+-sqrt(3 / fan_in))), biases zero.

    ```mlir
    %c = net.conv_2d %x filters 32 size 3 activation relu
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input,
      Net_I64Attr:$filters, Net_I64Attr:$size,
      DefaultValuedAttr<Net_I64Attr, "1">:$strides,
      DefaultValuedAttr<Net_PaddingAttr, "::dlc::net::Padding::same">:$padding,
      DefaultValuedAttr<Net_ActivationAttr, "::dlc::net::Activation::linear">:$activation,
      DefaultValuedAttr<BoolAttr, "true">:$bias,
      DefaultValuedAttr<Net_InitAttr, "::dlc::net::Init::uniform_scaling">:$weights_init,
      DefaultValuedAttr<F64Attr, "0.02">:$stddev,
      DefaultValuedAttr<F64Attr, "0.0">:$init_min,
      DefaultValuedAttr<F64Attr, "1.0">:$init_max,
      OptionalAttr<Net_RegularizerAttr>:$regularizer,
      DefaultValuedAttr<F64Attr, "0.001">:$weight_decay);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
  }];
  let assemblyFormat = [{
    $input `filters` $filters `size` $size (`strides` $strides^)?
    (`padding` $padding^)? (`activation` $activation^)? (`bias` $bias^)?
    (`weights_init` $weights_init^)? (`stddev` $stddev^)?
    (`init_range` ` ` `[` $init_min^ `,` $init_max `]`)?
    (`regularizer` $regularizer^)? (`weight_decay` $weight_decay^)?
    `` custom<LayerAttrDict>(attr-dict) `` custom<LayerTypes>(type($input), type($output))
  }];
  let hasVerifier = 1;
}

class Net_PoolLayerOp<string mnemonic, string what> : Net_Op<mnemonic, [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = what # " pooling layer on NHWC images";
  let description = [{
    TFLearn's pooling: square windows of `size`, strides equal to the size
    unless given, `padding same` by default. Average pooling divides by the
    number of elements inside the image, as TensorFlow does.

    ```mlir
    %p = net.max_pool_2d %c size 2
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_I64Attr:$size,
      DefaultValuedAttr<Net_I64Attr, "0">:$strides,
      DefaultValuedAttr<Net_PaddingAttr, "::dlc::net::Padding::same">:$padding);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
    /// The strides, defaulting to the window size.
    int64_t getStride() { return getStrides() ? getStrides() : getSize(); }
  }];
  let assemblyFormat = [{
    $input `size` $size (`strides` $strides^)? (`padding` $padding^)?
    `` custom<LayerAttrDict>(attr-dict) `` custom<LayerTypes>(type($input), type($output))
  }];
  let hasVerifier = 1;
}

def Net_MaxPool2DLayerOp : Net_PoolLayerOp<"max_pool_2d", "max">;
def Net_AvgPool2DLayerOp : Net_PoolLayerOp<"avg_pool_2d", "average">;

def Net_FlattenOp : Net_Op<"flatten", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "flattens every dimension but the batch";
  let description = [{
    TFLearn's `flatten`; `fully_connected` also flattens a >2-D input.

    ```mlir
    %f = net.flatten %p
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
  }];
  let assemblyFormat = [{
    $input `` custom<LayerAttrDict>(attr-dict) `` custom<LayerTypes>(type($input), type($output))
  }];
  let hasVerifier = 1;
}

def Net_DropoutOp : Net_Op<"dropout", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "dropout with TFLearn's keep probability";
  let description = [{
    Keeps each element with probability `keep` and scales kept elements by
    `1 / keep` while training (inverted dropout); the identity at inference.
    Masks come from a counter-based generator keyed by the training step, so
    runs repeat.

    ```mlir
    %d = net.dropout %h keep 0.5
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, F64Attr:$keep);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
  }];
  let assemblyFormat = [{
    $input `keep` $keep `` custom<LayerAttrDict>(attr-dict) `` custom<LayerTypes>(type($input), type($output))
  }];
  let hasVerifier = 1;
}

def Net_BatchNormalizationOp : Net_Op<"batch_normalization", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "batch normalization over every dimension but the last";
  let description = [{
    TFLearn's `batch_normalization`: `gamma (x - mean) / sqrt(var + epsilon)
    + beta` per channel (the last dimension). Training uses the batch's mean
    and biased variance and updates the moving statistics
    `moving = decay moving + (1 - decay) batch` once per training step;
    inference (predict, eval) uses the moving statistics. `gamma` starts as
    normal(gamma, stddev), `beta` at the constant `beta`, the moving mean at
    0 and the moving variance at 1.

    ```mlir
    %n = net.batch_normalization %h epsilon 1.0e-3 decay 0.99
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input,
      DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
      DefaultValuedAttr<F64Attr, "0.9">:$decay,
      DefaultValuedAttr<F64Attr, "1.0">:$gamma,
      DefaultValuedAttr<F64Attr, "0.0">:$beta,
      DefaultValuedAttr<F64Attr, "0.002">:$stddev);
  let results = (outs Net_F32Tensor:$output);
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r);
  }];
  let assemblyFormat = [{
    $input (`epsilon` $epsilon^)? (`decay` $decay^)? (`gamma` $gamma^)?
    (`beta` $beta^)? (`stddev` $stddev^)?
    `` custom<LayerAttrDict>(attr-dict) `` custom<LayerTypes>(type($input), type($output))
  }];
  let hasVerifier = 1;
}

def Net_RegressionOp : Net_Op<"regression"> {
  let summary = "the loss and the optimizer that train the model";
  let description = [{
    TFLearn's `regression` layer; it ends a `net.model`. Defaults follow
    TFLearn: adam, learning rate 0.001, categorical_crossentropy, momentum
    0.9 (momentum, nesterov), beta1 0.9, beta2 0.999, epsilon 1e-8 (adam)
    or 1e-10 (rmsprop), decay 0.9 (rmsprop), initial_accumulator 0.1
    (adagrad), and gradients clipped to a global norm of 5.0 (0 disables
    clipping).

    `lr_decay` > 0 decays the learning rate exponentially as TFLearn's SGD,
    Momentum and Nesterov do (dlc allows it with every optimizer):
    lr * lr_decay^(s / decay_step) with s the number of
    updates before this one (floored to a multiple of decay_step with
    `staircase`). `loss softmax_categorical_crossentropy` takes the logits of
    a linear last layer; predictions are then those logits.

    ```mlir
    net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
    ```
  }];
  let arguments = (ins Net_F32Tensor:$prediction,
      DefaultValuedAttr<Net_OptimizerAttr, "::dlc::net::Optimizer::adam">:$optimizer,
      DefaultValuedAttr<F64Attr, "0.001">:$learning_rate,
      DefaultValuedAttr<Net_LossAttr, "::dlc::net::Loss::categorical_crossentropy">:$loss,
      DefaultValuedAttr<F64Attr, "0.9">:$momentum,
      DefaultValuedAttr<F64Attr, "0.9">:$beta1,
      DefaultValuedAttr<F64Attr, "0.999">:$beta2,
      OptionalAttr<F64Attr>:$epsilon,
      DefaultValuedAttr<F64Attr, "0.9">:$decay,
      DefaultValuedAttr<F64Attr, "0.1">:$initial_accumulator,
      DefaultValuedAttr<F64Attr, "5.0">:$clip_norm,
      DefaultValuedAttr<F64Attr, "0.0">:$lr_decay,
      DefaultValuedAttr<Net_I64Attr, "100">:$decay_step,
      UnitAttr:$staircase);
  let extraClassDeclaration = [{
    /// The epsilon in effect: TFLearn's default is 1e-10 for rmsprop and
    /// 1e-8 for adam.
    double getEffectiveEpsilon() {
      if (std::optional<::llvm::APFloat> eps = getEpsilon())
        return eps->convertToDouble();
      return getOptimizer() == Optimizer::rmsprop ? 1e-10 : 1e-8;
    }
  }];
  let assemblyFormat = [{
    $prediction `` custom<RegressionOptions>($optimizer, $learning_rate,
    $loss, $momentum, $beta1, $beta2, $epsilon, $decay, $initial_accumulator,
    $clip_norm, $lr_decay, $decay_step, $staircase)
    `` custom<LayerAttrDict>(attr-dict) `` custom<OperandType>(type($prediction))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Primitive ops (the expanded layers and the training graph)
//===----------------------------------------------------------------------===//

def Net_ParameterOp : Net_Op<"parameter", [Pure]> {
  let summary = "a trainable tensor with its initialiser and L2 factor";
  let description = [{
    Produced by layer expansion. `init(a, b)` holds the initialiser's two
    numbers (mean and stddev, min and max, or the constant); `decay` is the
    L2 factor.

    With `moving_average D` the parameter is not trained: it is a moving
    statistic of a `net.batch_norm` (its mean or variance operand), and each
    training step sets it to `D p + (1 - D) s` where `s` is the batch's
    statistic, which the gradient function returns in its slot.

    ```mlir
    %w = net.parameter "fc1/W" init truncated_normal(0.0, 0.02) decay 0.001
           : tensor<2x1xf32>
    %m = net.parameter "BatchNormalization/moving_mean" init zeros(0.0, 0.0)
           moving_average 0.9 : tensor<4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Net_InitAttr:$init, F64Attr:$init_a,
      F64Attr:$init_b, DefaultValuedAttr<F64Attr, "0.0">:$decay,
      OptionalAttr<F64Attr>:$moving_average);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $name `init` $init `(` $init_a `,` $init_b `)` (`decay` $decay^)?
    (`moving_average` $moving_average^)? attr-dict `:` type($output)
  }];
  let hasVerifier = 1;
}

def Net_MatmulOp : Net_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "2-D matrix product, optionally with transposed operands";
  let description = [{
    ```mlir
    %c = net.matmul %a, %b : tensor<?x2xf32>, tensor<2x1xf32> -> tensor<?x1xf32>
    %d = net.matmul %a, %b transpose_a : tensor<?x2xf32>, tensor<?x1xf32> -> tensor<2x1xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$lhs, Net_F32Tensor:$rhs, UnitAttr:$transpose_a,
                       UnitAttr:$transpose_b);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)?
    attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Net_MatmulBiasActOp : Net_Op<"matmul_bias_act", [Pure]> {
  let summary = "net.matmul with its layer's bias add and activation fused";
  let description = [{
    `act(lhs rhs + bias)` for a dense layer, the bias indexed by the
    output column; `relu` selects max(x, 0), else the identity. Created
    from a net.matmul and the elementwise op that consumes it by
    dlc-fuse-elementwise (after differentiation) on the CUDA target, where
    the runtime runs the bias and activation after the GEMM, or in
    cuBLASLt's epilogue.

    ```mlir
    %y = net.matmul_bias_act %x, %w, %b relu
        : tensor<?x512xf32>, tensor<512x10xf32>, tensor<10xf32>
          -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$lhs, Net_F32Tensor:$rhs,
                       Net_F32Tensor:$bias, UnitAttr:$relu);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $bias (`relu` $relu^)? attr-dict `:` type($lhs) `,`
    type($rhs) `,` type($bias) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Net_BiasAddOp : Net_Op<"bias_add", [Pure,
    AllTypesMatch<["input", "output"]>,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "adds a bias along the last dimension";
  let description = [{
    ```mlir
    %y = net.bias_add %x, %b : tensor<?x4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$bias);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $bias attr-dict `:` type($input) `,` type($bias)
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$bias), [{
    build($_builder, $_state, input.getType(), input, bias);
  }]>];
  let hasVerifier = 1;
}

def Net_ReshapeOp : Net_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "reshapes the dimensions after the batch";
  let description = [{
    ```mlir
    %f = net.reshape %x : tensor<?x4x4x8xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Net_Conv2DOp : Net_Op<"conv2d", [Pure,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "NHWC x HWCF convolution with explicit padding";
  let description = [{
    `pad` is [top, bottom, left, right], zeros.

    ```mlir
    %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1]
        : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$filter,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pad);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter `strides` $strides `pad` $pad attr-dict `:`
    type($input) `,` type($filter) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Net_Conv2DBiasActOp : Net_Op<"conv2d_bias_act", [Pure]> {
  let summary = "net.conv2d with its layer's bias add and activation fused";
  let description = [{
    `act(conv2d(input, filter) + bias)`, the bias indexed by the output
    channel; `relu` selects max(x, 0), else the identity. Created from a
    net.conv2d and the elementwise op that consumes it by
    dlc-fuse-elementwise (after differentiation), for the CPU kernel
    library's fused epilogue.

    ```mlir
    %y = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] relu
        : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32>
          -> tensor<?x8x8x4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$filter,
                       Net_F32Tensor:$bias, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pad, UnitAttr:$relu);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter `,` $bias `strides` $strides `pad` $pad (`relu` $relu^)?
    attr-dict `:` type($input) `,` type($filter) `,` type($bias) `->`
    type($output)
  }];
  let hasVerifier = 1;
}

def Net_Conv2DGradInputOp : Net_Op<"conv2d_grad_input", [Pure]> {
  let summary = "gradient of net.conv2d with respect to its input";
  let description = [{
    ```mlir
    %dx = net.conv2d_grad_input %dy, %w strides [1, 1] pad [1, 1, 1, 1]
        : tensor<?x8x8x4xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x3xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$output_grad, Net_F32Tensor:$filter,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pad);
  let results = (outs Net_F32Tensor:$input_grad);
  let assemblyFormat = [{
    $output_grad `,` $filter `strides` $strides `pad` $pad attr-dict `:`
    type($output_grad) `,` type($filter) `->` type($input_grad)
  }];
}

def Net_Conv2DGradFilterOp : Net_Op<"conv2d_grad_filter", [Pure]> {
  let summary = "gradient of net.conv2d with respect to its filter";
  let description = [{
    ```mlir
    %dw = net.conv2d_grad_filter %x, %dy strides [1, 1] pad [1, 1, 1, 1]
        : tensor<?x8x8x3xf32>, tensor<?x8x8x4xf32> -> tensor<3x3x3x4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$output_grad,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pad);
  let results = (outs Net_F32Tensor:$filter_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `strides` $strides `pad` $pad attr-dict `:`
    type($input) `,` type($output_grad) `->` type($filter_grad)
  }];
}

def Net_Pool2DOp : Net_Op<"pool2d", [Pure,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "max or average pooling with explicit padding";
  let description = [{
    Padded elements never win a max and are not counted in an average.

    ```mlir
    %y = net.pool2d max %x size [2, 2] strides [2, 2] pad [0, 0, 0, 0]
        : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
    ```
  }];
  let arguments = (ins Net_PoolKindAttr:$kind, Net_F32Tensor:$input,
                       DenseI64ArrayAttr:$size, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pad);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $kind $input `size` $size `strides` $strides `pad` $pad attr-dict `:`
    type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Net_Pool2DGradOp : Net_Op<"pool2d_grad", [Pure,
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["output", "output_grad"]>]> {
  let summary = "gradient of net.pool2d with respect to its input";
  let description = [{
    Max pooling routes each output's gradient to the input elements equal to
    the window's maximum; average pooling spreads it evenly. With `relu`
    the result is also masked by `input > 0` (the gradient through the
    ReLU whose output is the pooled input), as dlc-fuse-elementwise
    creates it for the CPU kernel library.

    ```mlir
    %dx = net.pool2d_grad max %x, %y, %dy size [2, 2] strides [2, 2]
        pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
    ```
  }];
  let arguments = (ins Net_PoolKindAttr:$kind, Net_F32Tensor:$input,
                       Net_F32Tensor:$output, Net_F32Tensor:$output_grad,
                       DenseI64ArrayAttr:$size, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pad, UnitAttr:$relu);
  let results = (outs Net_F32Tensor:$input_grad);
  let assemblyFormat = [{
    $kind $input `,` $output `,` $output_grad `size` $size `strides` $strides
    `pad` $pad (`relu` $relu^)? attr-dict `:` type($input) `,` type($output)
  }];
  let builders = [OpBuilder<(ins "PoolKind":$kind, "::mlir::Value":$input,
      "::mlir::Value":$output, "::mlir::Value":$output_grad,
      "::mlir::DenseI64ArrayAttr":$size, "::mlir::DenseI64ArrayAttr":$strides,
      "::mlir::DenseI64ArrayAttr":$pad), [{
    build($_builder, $_state, input.getType(), kind, input, output,
          output_grad, size, strides, pad, /*relu=*/false);
  }]>];
}

def Net_ApplyDropoutOp : Net_Op<"apply_dropout", [Pure,
    AllTypesMatch<["input", "output"]>,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "multiplies by a dropout mask drawn for a training step";
  let description = [{
    Element `i` is kept when the generator keyed by (`step`, `stream`, i)
    draws below `keep`, and then scaled by `1 / keep`. The op is linear in
    its input with a fixed mask, so its gradient is the same op applied to
    the output gradient.

    ```mlir
    %d = net.apply_dropout %h, %step keep 5.000000e-01 stream 0 : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, I64:$step, F64Attr:$keep,
                       Net_I64Attr:$stream);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $step `keep` $keep `stream` $stream attr-dict `:` type($input)
  }];
}

def Net_BatchNormOp : Net_Op<"batch_norm", [Pure,
    AllTypesMatch<["input", "output"]>,
    AllTypesMatch<["gamma", "beta", "mean", "variance"]>]> {
  let summary = "batch normalization with given statistics (inference)";
  let description = [{
    `gamma (x - mean) / sqrt(variance + epsilon) + beta`, the statistics and
    the scale and shift indexed by the last dimension. Autodiff replaces it
    by `net.batch_norm_train` in the training function.

    ```mlir
    %y = net.batch_norm %x, %gamma, %beta, %mean, %var epsilon 1.0e-5
        : tensor<?x4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$gamma,
                       Net_F32Tensor:$beta, Net_F32Tensor:$mean,
                       Net_F32Tensor:$variance, F64Attr:$epsilon);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $mean `,` $variance `epsilon` $epsilon
    attr-dict `:` type($input) `,` type($gamma)
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$gamma,
      "::mlir::Value":$beta, "::mlir::Value":$mean, "::mlir::Value":$variance,
      "::mlir::FloatAttr":$epsilon), [{
    build($_builder, $_state, input.getType(), input, gamma, beta, mean,
          variance, epsilon);
  }]>];
  let hasVerifier = 1;
}

def Net_BatchNormTrainOp : Net_Op<"batch_norm_train", [Pure,
    AllTypesMatch<["input", "output"]>,
    AllTypesMatch<["gamma", "beta", "mean", "variance"]>,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "batch normalization with the batch's statistics (training)";
  let description = [{
    Normalizes with the mean and biased variance of the batch over every
    dimension but the last, and returns them too (the moving averages are
    updated from them). Its gradient is `net.batch_norm_grad`; the
    statistics are not differentiated.

    ```mlir
    %y, %mean, %var = net.batch_norm_train %x, %gamma, %beta epsilon 1.0e-5
        : tensor<?x4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$gamma,
                       Net_F32Tensor:$beta, F64Attr:$epsilon);
  let results = (outs Net_F32Tensor:$output, Net_F32Tensor:$mean,
                      Net_F32Tensor:$variance);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `epsilon` $epsilon attr-dict `:`
    type($input) `,` type($gamma)
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$gamma,
      "::mlir::Value":$beta, "::mlir::FloatAttr":$epsilon), [{
    build($_builder, $_state, input.getType(), gamma.getType(),
          gamma.getType(), input, gamma, beta, epsilon);
  }]>];
  let hasVerifier = 1;
}

def Net_BatchNormGradOp : Net_Op<"batch_norm_grad", [Pure,
    AllTypesMatch<["input", "output_grad", "input_grad"]>,
    AllTypesMatch<["gamma", "mean", "variance", "gamma_grad", "beta_grad"]>]> {
  let summary = "gradients of net.batch_norm_train";
  let description = [{
    With `xhat = (x - mean) rstd`, `rstd = 1 / sqrt(variance + epsilon)` and
    M elements per channel: `dbeta = sum dy`, `dgamma = sum dy xhat`,
    `dx = gamma rstd / M (M dy - dbeta - xhat dgamma)`.

    ```mlir
    %dx, %dgamma, %dbeta = net.batch_norm_grad %x, %dy, %gamma, %mean, %var
        epsilon 1.0e-5 : tensor<?x4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input, Net_F32Tensor:$output_grad,
                       Net_F32Tensor:$gamma, Net_F32Tensor:$mean,
                       Net_F32Tensor:$variance, F64Attr:$epsilon);
  let results = (outs Net_F32Tensor:$input_grad, Net_F32Tensor:$gamma_grad,
                      Net_F32Tensor:$beta_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `,` $gamma `,` $mean `,` $variance
    `epsilon` $epsilon attr-dict `:` type($input) `,` type($gamma)
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$input,
      "::mlir::Value":$output_grad, "::mlir::Value":$gamma,
      "::mlir::Value":$mean, "::mlir::Value":$variance,
      "::mlir::FloatAttr":$epsilon), [{
    build($_builder, $_state, input.getType(), gamma.getType(),
          gamma.getType(), input, output_grad, gamma, mean, variance, epsilon);
  }]>];
  let hasVerifier = 1;
}

def Net_BiasGradOp : Net_Op<"bias_grad", [Pure]> {
  let summary = "sums a gradient over every dimension but the last";
  let description = [{
    ```mlir
    %db = net.bias_grad %dy : tensor<?x4xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$input);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Net_ActivationOp : Net_Op<"activation", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "elementwise activation (softmax over the last dimension)";
  let description = [{
    ```mlir
    %y = net.activation sigmoid %x : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Net_ActivationAttr:$kind, Net_F32Tensor:$input);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

def Net_ActivationGradOp : Net_Op<"activation_grad", [Pure,
    SameOperandsAndResultType]> {
  let summary = "gradient of an activation, from its output and output gradient";
  let description = [{
    `%dx = net.activation_grad sigmoid %y, %dy` computes dL/dx where
    `%y = activation(x)`.

    ```mlir
    %dx = net.activation_grad sigmoid %y, %dy : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Net_ActivationAttr:$kind, Net_F32Tensor:$output,
                       Net_F32Tensor:$output_grad);
  let results = (outs Net_F32Tensor:$input_grad);
  let assemblyFormat = "$kind $output `,` $output_grad attr-dict `:` type($output)";
}

def Net_AddOp : Net_Op<"add", [Pure, SameOperandsAndResultType, Commutative]> {
  let summary = "elementwise sum (accumulates gradients)";
  let description = [{
    ```mlir
    %c = net.add %a, %b : tensor<4xf32>
    ```
  }];
  let arguments = (ins Net_F32Tensor:$lhs, Net_F32Tensor:$rhs);
  let results = (outs Net_F32Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Net_LossOp : Net_Op<"loss", [Pure, AllTypesMatch<["prediction", "target"]>,
    DeclareOpInterfaceMethods<Net_DifferentiableOpInterface>]> {
  let summary = "mean loss over the batch";
  let description = [{
    `mean_square` averages over every element (TFLearn's `mean_square`);
    the cross-entropies average over the batch the per-example sum over
    classes. The `sigmoid_` and `softmax_` forms take logits and are the
    numerically stable fusions of the activation with the loss.

    ```mlir
    %l = net.loss mean_square %y, %t : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Net_LossAttr:$kind, Net_F32Tensor:$prediction,
                       Net_F32Tensor:$target);
  let results = (outs Net_F32Scalar:$output);
  let assemblyFormat = "$kind $prediction `,` $target attr-dict `:` type($prediction)";
  let builders = [OpBuilder<(ins "::dlc::net::Loss":$kind,
                                 "::mlir::Value":$prediction,
                                 "::mlir::Value":$target)>];
  let hasVerifier = 1;
}

def Net_LossGradOp : Net_Op<"loss_grad", [Pure, AllTypesMatch<["prediction",
    "target", "prediction_grad"]>]> {
  let summary = "gradient of the mean loss with respect to the prediction";
  let description = [{
    ```mlir
    %dy = net.loss_grad mean_square %y, %t : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Net_LossAttr:$kind, Net_F32Tensor:$prediction,
                       Net_F32Tensor:$target);
  let results = (outs Net_F32Tensor:$prediction_grad);
  let assemblyFormat = "$kind $prediction `,` $target attr-dict `:` type($prediction)";
}

//===----------------------------------------------------------------------===//
// Buffer-level ops of the generated entry points
//===----------------------------------------------------------------------===//

def Net_ClipByGlobalNormOp : Net_Op<"clip_by_global_norm"> {
  let summary = "scales all gradients in place so their global norm <= clip";
  let description = [{
    TensorFlow's `clip_by_global_norm` over one flat gradient buffer:
    `g *= clip / max(norm(g), clip)`.

    ```mlir
    net.clip_by_global_norm %grads clip 5.0 : memref<3xf32>
    ```
  }];
  let arguments = (ins Arg<Net_F32MemRef, "", [MemRead, MemWrite]>:$grads,
                       F64Attr:$clip);
  let assemblyFormat = "$grads `clip` $clip attr-dict `:` type($grads)";
}

def Net_WeightDecayOp : Net_Op<"weight_decay", [AllTypesMatch<["params", "grads"]>]> {
  let summary = "adds the L2 terms of the decayed parameters to the gradients and the loss";
  let description = [{
    TFLearn's L2 regularizer (`weight_decay * tf.nn.l2_loss(W)`) on slices
    of the flat buffers: for each slice [`offsets[k]`, `offsets[k] +
    sizes[k]`) with decay `decays[k]`, `grads += decay * params` in place,
    and the result is `loss + sum over the slices of decay * sum(params^2)
    / 2`. Slices are listed in ascending order and do not overlap. With
    `loss_only` the gradients are left alone (the loss a gradient is of);
    when the result has no use, its sum is not computed (the training
    step reports the loss without L2, as TFLearn's console does).

    ```mlir
    %total = net.weight_decay %params, %grads, %loss offsets [0, 8]
        sizes [6, 4] decays [1.0e-3, 1.0e-2] : memref<16xf32>
    ```
  }];
  let arguments = (ins Arg<Net_F32MemRef, "", [MemRead]>:$params,
                       Arg<Net_F32MemRef, "", [MemRead, MemWrite]>:$grads,
                       F32:$loss, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, DenseF64ArrayAttr:$decays,
                       UnitAttr:$loss_only);
  let results = (outs F32:$total);
  let assemblyFormat = [{
    $params `,` $grads `,` $loss `offsets` $offsets `sizes` $sizes
    `decays` $decays (`loss_only` $loss_only^)? attr-dict `:` type($params)
  }];
  let hasVerifier = 1;
}

def Net_MovingAverageOp : Net_Op<"moving_average",
    [AllTypesMatch<["params", "stats"]>]> {
  let summary = "updates a moving-average parameter from its slot of the gradients";
  let description = [{
    On the slice [`offset`, `offset + size`) of the flat buffers:
    `params = decay params + (1 - decay) stats`, then `stats = 0`, so that
    clipping and the optimizer leave the parameter alone.

    ```mlir
    net.moving_average %params, %grads offset 8 size 4 decay 0.9
        : memref<16xf32>
    ```
  }];
  let arguments = (ins Arg<Net_F32MemRef, "", [MemRead, MemWrite]>:$params,
                       Arg<Net_F32MemRef, "", [MemRead, MemWrite]>:$stats,
                       Net_I64Attr:$offset, Net_I64Attr:$size, F64Attr:$decay);
  let assemblyFormat = [{
    $params `,` $stats `offset` $offset `size` $size `decay` $decay attr-dict
    `:` type($params)
  }];
  let hasVerifier = 1;
}

def Net_ApplyGradientsOp : Net_Op<"apply_gradients",
    [AllTypesMatch<["params", "grads"]>]> {
  let summary = "one optimizer update of every parameter in place";
  let description = [{
    Updates the flat parameter buffer from the flat gradient buffer; the
    state buffer holds the optimizer's slots (momentum, nesterov, rmsprop,
    adagrad: 1 per parameter; adam: 2). `step` counts from 1 (adam's bias
    correction; rmsprop's mean square starts at 1 and adagrad's accumulator
    at `initial_accumulator`, as in TensorFlow, so the zeroed state is
    replaced at step 1). With `clip_norm`, the update uses the gradients
    clipped to that global norm (net.clip_by_global_norm's scale), computed
    on the fly: the gradient buffer is read once and left unscaled.

    ```mlir
    net.apply_gradients sgd %params, %grads, %state, %step
        learning_rate 2.0 : memref<3xf32>, memref<0xf32>
    ```
  }];
  let arguments = (ins Net_OptimizerAttr:$optimizer,
      Arg<Net_F32MemRef, "", [MemRead, MemWrite]>:$params,
      Arg<Net_F32MemRef, "", [MemRead]>:$grads,
      Arg<Net_F32MemRef, "", [MemRead, MemWrite]>:$state,
      I64:$step, F64Attr:$learning_rate,
      DefaultValuedAttr<F64Attr, "0.9">:$momentum,
      DefaultValuedAttr<F64Attr, "0.9">:$beta1,
      DefaultValuedAttr<F64Attr, "0.999">:$beta2,
      DefaultValuedAttr<F64Attr, "1.0e-8">:$epsilon,
      DefaultValuedAttr<F64Attr, "0.9">:$decay,
      DefaultValuedAttr<F64Attr, "0.1">:$initial_accumulator,
      DefaultValuedAttr<F64Attr, "0.0">:$lr_decay,
      DefaultValuedAttr<Net_I64Attr, "100">:$decay_step,
      UnitAttr:$staircase, OptionalAttr<F64Attr>:$clip_norm);
  let assemblyFormat = [{
    $optimizer $params `,` $grads `,` $state `,` $step
    `learning_rate` $learning_rate (`momentum` $momentum^)?
    (`beta1` $beta1^)? (`beta2` $beta2^)? (`epsilon` $epsilon^)?
    (`decay` $decay^)? (`initial_accumulator` $initial_accumulator^)?
    (`lr_decay` $lr_decay^)? (`decay_step` $decay_step^)?
    (`staircase` $staircase^)? (`clip_norm` $clip_norm^)?
    attr-dict `:` type($params) `,` type($state)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Optimizer slots per parameter element.
    static int64_t getSlotsPerParam(Optimizer optimizer);
  }];
}

def Net_RandomInitOp : Net_Op<"random_init"> {
  let summary = "fills a slice of a buffer from a seeded counter-based generator";
  let description = [{
    Writes `size` elements at `offset` of `buffer`, drawing element `i` from
    a generator keyed by (`seed`, `stream`, i), so the values do not depend
    on the order of parameters or on threads. `fan_in`/`fan_out` feed the
    scaling initialisers.

    ```mlir
    net.random_init truncated_normal(0.0, 0.02) %params[0, 2] seed %s
        stream 0 fan_in 2 fan_out 1 : memref<3xf32>
    ```
  }];
  let arguments = (ins Net_InitAttr:$init, F64Attr:$init_a, F64Attr:$init_b,
      Arg<Net_F32MemRef, "", [MemWrite]>:$buffer, Net_I64Attr:$offset, Net_I64Attr:$size,
      I64:$seed, Net_I64Attr:$stream, Net_I64Attr:$fan_in, Net_I64Attr:$fan_out);
  let assemblyFormat = [{
    $init `(` $init_a `,` $init_b `)` $buffer `[` $offset `,` $size `]`
    `seed` $seed `stream` $stream `fan_in` $fan_in `fan_out` $fan_out
    attr-dict `:` type($buffer)
  }];
  let hasVerifier = 1;
}

def Net_DescriptorOp : Net_Op<"descriptor", [Symbol]> {
  let summary = "what the generated library says about a model";
  let description = [{
    Built when the model's entry points are generated; turned into the
    `M_describe` data of the C ABI after lowering to LLVM. `params` is an
    array of dictionaries (name, shape, offset, size, init, init_a, init_b,
    decay); `hparams` a dictionary of the regression's settings.
    `activations`, when the model has an `M_activations` entry point, is an
    array of dictionaries (name, shape with -1 for the batch, offset and
    size per example) describing the layer outputs it writes.
    `workspace_fixed_bytes` and `workspace_per_example_bytes` size the
    workspace the entry points take (fixed + per example * batch):
    net-build-entry-points sets the first to the training step's gradient
    buffer; dlc-plan-workspace adds the buffers of every entry point.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
      DenseI64ArrayAttr:$input_shape, DenseI64ArrayAttr:$output_shape,
      ArrayAttr:$params, Net_I64Attr:$param_floats, Net_I64Attr:$opt_state_floats,
      Net_I64Attr:$workspace_fixed_bytes, DictionaryAttr:$hparams,
      Net_I64Attr:$fingerprint, OptionalAttr<ArrayAttr>:$activations,
      DefaultValuedAttr<Net_I64Attr, "0">:$workspace_per_example_bytes);
  let assemblyFormat = "$sym_name attr-dict";
}

#endif // DLC_DIALECT_NET_NETOPS_TD
