// RUN: dlc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'net.model' op expected exactly one net.input_data, found 0}}
net.model @no_input {
  %x = net.parameter "w" init zeros(0.0, 0.0) : tensor<2x1xf32>
  net.regression %x : tensor<2x1xf32>
}

// -----

// expected-error @+1 {{'net.model' op expected exactly one net.input_data, found 2}}
net.model @two_inputs {
  %x = net.input_data shape [?, 2]
  %z = net.input_data shape [?, 2]
  net.regression %x loss mean_square
}

// -----

// expected-error @+1 {{'net.model' op expected exactly one net.regression, found 0}}
net.model @no_regression {
  %x = net.input_data shape [?, 2]
}

// -----

// expected-error @+1 {{'net.model' op expected net.regression to be the last op}}
net.model @regression_not_last {
  %x = net.input_data shape [?, 2]
  net.regression %x loss mean_square
  %y = net.fully_connected %x units 1
}

// -----

// expected-error @+1 {{'net.model' op expected a body without arguments}}
net.model @block_args {
^bb0(%a: f32):
  %x = net.input_data shape [?, 2]
  net.regression %x loss mean_square
}

// -----

net.model @rank1 {
  // expected-error @+1 {{'net.input_data' op expected a batch dimension and at least one feature dimension, got rank 1}}
  %x = net.input_data shape [?]
  net.regression %x loss mean_square
}

// -----

net.model @static_batch {
  // expected-error @+1 {{'net.input_data' op expected the first (batch) dimension to be '?', got 4}}
  %x = net.input_data shape [4, 2]
  net.regression %x loss mean_square
}

// -----

net.model @dynamic_feature {
  // expected-error @+1 {{'net.input_data' op expected only the batch dimension to be '?', but dimension 1 is too}}
  %x = net.input_data shape [?, ?]
  net.regression %x loss mean_square
}

// -----

net.model @zero_dim {
  // expected-error @+1 {{expected a positive dimension, got 0}}
  %x = net.input_data shape [?, 0]
  net.regression %x loss mean_square
}

// -----

net.model @bad_activation {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'activation' [linear, sigmoid, tanh, relu, softmax]}}
  %y = net.fully_connected %x units 1 activation 3
  net.regression %y loss mean_square
}

// -----

net.model @unknown_activation {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'activation'}}
  %y = net.fully_connected %x units 1 activation sigmoidal
  net.regression %y loss mean_square
}

// -----

net.model @zero_units {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op expected a positive number of units, got 0}}
  %y = net.fully_connected %x units 0
  net.regression %y loss mean_square
}

// -----

func.func @rank1(%x: tensor<?xf32>) {
  // expected-error @+1 {{'net.fully_connected' op expected an input [batch, features...], got rank 1}}
  %y = net.fully_connected %x units 1 : tensor<?xf32> -> tensor<?x1xf32>
  return
}

// -----

func.func @dynamic_features(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{'net.fully_connected' op expected a static number of input features}}
  %y = net.fully_connected %x units 1 : tensor<?x?xf32> -> tensor<?x1xf32>
  return
}

// -----

net.model @softmax_one_unit {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op softmax needs at least 2 units, got 1}}
  %y = net.fully_connected %x units 1 activation softmax
  net.regression %y loss mean_square
}

// -----

net.model @bad_stddev {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op expected a positive stddev, got 0}}
  %y = net.fully_connected %x units 1 stddev 0.0
  net.regression %y loss mean_square
}

// -----

net.model @bad_range {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op expected init_range [min, max] with min < max, got [1.000000e+00, -1.000000e+00]}}
  %y = net.fully_connected %x units 1 weights_init uniform init_range [1.0, -1.0]
  net.regression %y loss mean_square
}

// -----

net.model @bad_decay {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op expected a non-negative weight_decay, got -1}}
  %y = net.fully_connected %x units 1 regularizer L2 weight_decay -1.0
  net.regression %y loss mean_square
}

// -----

func.func @outside(%x: tensor<?x1xf32>) {
  // expected-error @+1 {{'net.regression' op expected to be inside a net.model}}
  net.regression %x loss mean_square : tensor<?x1xf32>
  return
}

// -----

net.model @bad_lr {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected a positive learning_rate, got 0}}
  net.regression %x learning_rate 0.0 loss mean_square
}

// -----

net.model @bad_clip {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected a non-negative clip_norm, got -1}}
  net.regression %x loss mean_square clip_norm -1.0
}

// -----

net.model @bad_momentum {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected momentum in [0, 1), got 1}}
  net.regression %x optimizer momentum loss mean_square momentum 1.0
}

// -----

net.model @bad_beta2 {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected beta2 in [0, 1), got 1.5}}
  net.regression %x loss mean_square beta2 1.5
}

// -----

net.model @bad_epsilon {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected a positive epsilon, got 0}}
  net.regression %x loss mean_square epsilon 0.0
}

// -----

net.model @fused_loss {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected loss mean_square, binary_crossentropy, categorical_crossentropy or softmax_categorical_crossentropy, got sigmoid_binary_crossentropy}}
  net.regression %x loss sigmoid_binary_crossentropy
}

// -----

net.model @bad_lr_decay {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected lr_decay in [0, 1], got 1.5}}
  net.regression %x loss mean_square lr_decay 1.5
}

// -----

net.model @bad_decay_step {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected a positive decay_step, got 0}}
  net.regression %x loss mean_square lr_decay 0.96 decay_step 0
}

// -----

net.model @one_class {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %y = net.fully_connected %x units 1 : tensor<?x2xf32> -> tensor<?x1xf32>
  // expected-error @+1 {{'net.regression' op categorical_crossentropy needs at least 2 classes, got 1}}
  net.regression %y : tensor<?x1xf32>
}

// -----

func.func @dynamic_parameter() {
  // expected-error @+1 {{'net.parameter' op expected a statically shaped tensor, got 'tensor<?x1xf32>'}}
  %w = net.parameter "w" init zeros(0.0, 0.0) : tensor<?x1xf32>
  return
}

// -----

func.func @unnamed_parameter() {
  // expected-error @+1 {{'net.parameter' op expected a non-empty name}}
  %w = net.parameter "" init zeros(0.0, 0.0) : tensor<2x1xf32>
  return
}

// -----

func.func @negative_decay() {
  // expected-error @+1 {{'net.parameter' op expected a non-negative decay, got -1}}
  %w = net.parameter "w" init zeros(0.0, 0.0) decay -1.0 : tensor<2x1xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2xf32>, %b: tensor<2x1xf32>) {
  // expected-error @+1 {{'net.matmul' op expected 2-D ranked operands and result}}
  %c = net.matmul %a, %b : tensor<2xf32>, tensor<2x1xf32> -> tensor<?x1xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<?x3xf32>, %b: tensor<2x1xf32>) {
  // expected-error @+1 {{'net.matmul' op contraction sizes differ (3 vs 2)}}
  %c = net.matmul %a, %b : tensor<?x3xf32>, tensor<2x1xf32> -> tensor<?x1xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<?x2xf32>, %b: tensor<2x1xf32>) {
  // expected-error @+1 {{'net.matmul' op expected result -9223372036854775808x1, got 'tensor<?x4xf32>'}}
  %c = net.matmul %a, %b : tensor<?x2xf32>, tensor<2x1xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @bias_add(%a: tensor<?x2xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'net.bias_add' op expected a 1-D bias matching the last dimension of 'tensor<?x2xf32>', got 'tensor<3xf32>'}}
  %c = net.bias_add %a, %b : tensor<?x2xf32>, tensor<3xf32>
  return
}

// -----

func.func @bias_grad(%a: tensor<?x2xf32>) {
  // expected-error @+1 {{'net.bias_grad' op expected a 1-D result matching the last dimension of 'tensor<?x2xf32>'}}
  %c = net.bias_grad %a : tensor<?x2xf32> -> tensor<3xf32>
  return
}

// -----

func.func @bias_add_scalar(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'net.bias_add' op expected a 1-D bias matching the last dimension of 'tensor<f32>', got 'tensor<3xf32>'}}
  %c = net.bias_add %a, %b : tensor<f32>, tensor<3xf32>
  return
}

// -----

func.func @bias_grad_scalar(%a: tensor<f32>) {
  // expected-error @+1 {{'net.bias_grad' op expected a 1-D result matching the last dimension of 'tensor<f32>'}}
  %c = net.bias_grad %a : tensor<f32> -> tensor<3xf32>
  return
}

// -----

func.func @reshape_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'net.reshape' op expected ranked types with only the batch dynamic}}
  %y = net.reshape %x : tensor<f32> -> tensor<?x4xf32>
  return
}

// -----

func.func @loss_rank(%a: tensor<4xf32>) {
  // expected-error @+1 {{'net.loss' op expected a 2-D prediction, got 'tensor<4xf32>'}}
  %l = net.loss mean_square %a, %a : tensor<4xf32>
  return
}

// -----

func.func @apply_params(%p: memref<?xf32>, %s: memref<0xf32>, %t: i64) {
  // expected-error @+1 {{'net.apply_gradients' op expected static 1-D params and grads of one type}}
  net.apply_gradients sgd %p, %p, %s, %t learning_rate 1.0 : memref<?xf32>, memref<0xf32>
  return
}

// -----

func.func @apply_state(%p: memref<3xf32>, %s: memref<3xf32>, %t: i64) {
  // expected-error @+1 {{'net.apply_gradients' op expected 6 state elements for adam, got 'memref<3xf32>'}}
  net.apply_gradients adam %p, %p, %s, %t learning_rate 1.0 : memref<3xf32>, memref<3xf32>
  return
}

// -----

func.func @init_buffer(%p: memref<?xf32>, %seed: i64) {
  // expected-error @+1 {{'net.random_init' op expected a static 1-D buffer}}
  net.random_init zeros(0.0, 0.0) %p[0, 2] seed %seed stream 0 fan_in 1 fan_out 1 : memref<?xf32>
  return
}

// -----

func.func @init_bounds(%p: memref<3xf32>, %seed: i64) {
  // expected-error @+1 {{'net.random_init' op slice [2, 4) is out of the buffer's bounds (3)}}
  net.random_init zeros(0.0, 0.0) %p[2, 2] seed %seed stream 0 fan_in 1 fan_out 1 : memref<3xf32>
  return
}

// -----

func.func @init_fan(%p: memref<3xf32>, %seed: i64) {
  // expected-error @+1 {{'net.random_init' op expected positive fan_in and fan_out}}
  net.random_init zeros(0.0, 0.0) %p[0, 2] seed %seed stream 0 fan_in 0 fan_out 1 : memref<3xf32>
  return
}

// -----

func.func @flatten_rank1(%x: tensor<?xf32>) {
  // expected-error @+1 {{'net.flatten' op expected an input [batch, features...], got rank 1}}
  %y = net.flatten %x : tensor<?xf32> -> tensor<?x1xf32>
  return
}

// -----

net.model @bad_keep {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.dropout' op expected a keep probability in (0, 1], got 0}}
  %d = net.dropout %x keep 0.0
  net.regression %d loss mean_square
}

// -----

func.func @reshape_dynamic(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{'net.reshape' op expected ranked types with only the batch dynamic}}
  %y = net.reshape %x : tensor<?x?xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<?x2x3xf32>) {
  // expected-error @+1 {{'net.reshape' op expected the same batch and the same number of elements per example, got 'tensor<?x2x3xf32>' -> 'tensor<?x5xf32>'}}
  %y = net.reshape %x : tensor<?x2x3xf32> -> tensor<?x5xf32>
  return
}

// -----

func.func @reshape_ranks(%x: tensor<?x2x3xf32>) {
  // expected-error @+1 {{'net.reshape' op expected a 2-D input or result}}
  %y = net.reshape %x : tensor<?x2x3xf32> -> tensor<?x3x2xf32>
  return
}

// -----

net.model @no_filters {
  %x = net.input_data shape [?, 8, 8, 3]
  // expected-error @+1 {{'net.conv_2d' op expected a positive number of filters, got 0}}
  %c = net.conv_2d %x filters 0 size 3
  net.regression %c
}

// -----

net.model @conv_size {
  %x = net.input_data shape [?, 8, 8, 3]
  // expected-error @+1 {{'net.conv_2d' op expected a positive size, got 0}}
  %c = net.conv_2d %x filters 2 size 0
  net.regression %c
}

// -----

net.model @conv_strides {
  %x = net.input_data shape [?, 8, 8, 3]
  // expected-error @+1 {{'net.conv_2d' op expected positive strides, got 0}}
  %c = net.conv_2d %x filters 2 size 3 strides 0
  net.regression %c
}

// -----

net.model @conv_decay {
  %x = net.input_data shape [?, 8, 8, 3]
  // expected-error @+1 {{'net.conv_2d' op expected a non-negative weight_decay, got -1}}
  %c = net.conv_2d %x filters 2 size 3 regularizer L2 weight_decay -1.0
  net.regression %c
}

// -----

net.model @conv_rank {
  %x = net.input_data shape [?, 8] : tensor<?x8xf32>
  // expected-error @+1 {{'net.conv_2d' op expected an NHWC input [batch, height, width, channels], got rank 2}}
  %c = net.conv_2d %x filters 2 size 3 : tensor<?x8xf32> -> tensor<*xf32>
  net.regression %c : tensor<*xf32>
}

// -----

net.model @pool_too_big {
  %x = net.input_data shape [?, 2, 2, 3] : tensor<?x2x2x3xf32>
  // expected-error @+1 {{'net.max_pool_2d' op window 3x3 does not fit the 2x2 input with valid padding}}
  %p = net.max_pool_2d %x size 3 padding valid : tensor<?x2x2x3xf32> -> tensor<*xf32>
  net.regression %p : tensor<*xf32>
}

// -----

net.model @pool_strides {
  %x = net.input_data shape [?, 4, 4, 3]
  // expected-error @+1 {{'net.avg_pool_2d' op expected positive strides, got -1}}
  %p = net.avg_pool_2d %x size 2 strides -1
  net.regression %p
}

// -----

func.func @conv_bias_act_rank(%x: tensor<?x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'net.conv2d_bias_act' op expected NHWC input and result and an HWCF filter}}
  %y = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] relu : tensor<?x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_bias_act_filter(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x2x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'net.conv2d_bias_act' op filter 'tensor<3x3x2x4xf32>' does not map 'tensor<?x8x8x3xf32>' to 'tensor<?x8x8x4xf32>'}}
  %y = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x2x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_bias_act_bias(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'net.conv2d_bias_act' op expected a bias of 4 elements, got 'tensor<3xf32>'}}
  %y = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] relu : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<3xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_bias_act_height(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'net.conv2d_bias_act' op expected height 6, got 8}}
  %y = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [0, 0, 0, 0] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_filter(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'net.conv2d' op filter 'tensor<3x3x2x4xf32>' does not map 'tensor<?x8x8x3xf32>' to 'tensor<?x8x8x4xf32>'}}
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x2x4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_rank4(%x: tensor<?x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'net.conv2d' op expected NHWC input and result and an HWCF filter}}
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_height(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'net.conv2d' op expected height 6, got 8}}
  %y = net.conv2d %x, %w strides [1, 1] pad [0, 0, 0, 0] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_geometry(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'net.conv2d' op expected 2 sizes, 2 strides and 4 paddings}}
  %y = net.conv2d %x, %w strides [1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @conv_negative_pad(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'net.conv2d' op expected positive strides and non-negative padding}}
  %y = net.conv2d %x, %w strides [1, 1] pad [-1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  return
}

// -----

func.func @pool_channels(%x: tensor<?x8x8x3xf32>) {
  // expected-error @+1 {{'net.pool2d' op expected NHWC input and result with the same channels}}
  %y = net.pool2d max %x size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x3xf32> -> tensor<?x4x4x4xf32>
  return
}

// -----

net.model @bad_decay {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected decay in [0, 1), got 1.5}}
  net.regression %x optimizer rmsprop loss mean_square decay 1.5
}

// -----

net.model @bad_accumulator {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected a positive initial_accumulator, got 0}}
  net.regression %x optimizer adagrad loss mean_square initial_accumulator 0.0
}

// -----

net.model @fc_constant_init {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op expected a random or zeros weights_init, got constant}}
  %y = net.fully_connected %x units 1 weights_init constant
  net.regression %y loss mean_square
}

// -----

net.model @conv_constant_init {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.conv_2d' op expected a random or zeros weights_init, got constant}}
  %y = net.conv_2d %x filters 1 size 2 weights_init constant
  net.regression %y loss mean_square
}

// -----

net.model @bn_epsilon {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.batch_normalization' op expected a positive epsilon, got 0}}
  %y = net.batch_normalization %x epsilon 0.0
  net.regression %y loss mean_square
}

// -----

net.model @bn_decay {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.batch_normalization' op expected decay in [0, 1), got 1}}
  %y = net.batch_normalization %x decay 1.0
  net.regression %y loss mean_square
}

// -----

net.model @bn_stddev {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.batch_normalization' op expected a non-negative stddev, got -5.000000e-01}}
  %y = net.batch_normalization %x stddev -0.5
  net.regression %y loss mean_square
}

// -----

func.func @bn_layer_rank(%x: tensor<?xf32>) {
  // expected-error @+1 {{'net.batch_normalization' op expected an input [batch, ..., channels] of rank at least 2, got rank 1}}
  %y = net.batch_normalization %x : tensor<?xf32> -> tensor<?xf32>
  return
}

// -----

func.func @bn_layer_channels(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{'net.batch_normalization' op expected a static number of channels}}
  %y = net.batch_normalization %x : tensor<?x?xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @bn_layer_result(%x: tensor<?x3xf32>) {
  // expected-error @+2 {{'net.batch_normalization' op inferred type(s) 'tensor<?x3xf32>' are incompatible with return type(s) of operation 'tensor<?x4xf32>'}}
  // expected-error @+1 {{'net.batch_normalization' op failed to infer returned types}}
  %y = net.batch_normalization %x : tensor<?x3xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @moving_average_range() {
  // expected-error @+1 {{'net.parameter' op expected moving_average in [0, 1), got 1}}
  %m = net.parameter "m" init zeros(0.0, 0.0) moving_average 1.0 : tensor<3xf32>
  return
}

// -----

func.func @moving_average_l2() {
  // expected-error @+1 {{'net.parameter' op expected no L2 decay on a moving-average parameter}}
  %m = net.parameter "m" init zeros(0.0, 0.0) decay 0.1 moving_average 0.9 : tensor<3xf32>
  return
}

// -----

func.func @bn_eps(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm' op expected a positive epsilon, got -1}}
  %y = net.batch_norm %x, %c, %c, %c, %c epsilon -1.0 : tensor<?x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_rank(%x: tensor<?xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm' op expected an input [batch, ..., channels] of rank at least 2, got rank 1}}
  %y = net.batch_norm %x, %c, %c, %c, %c epsilon 1.0e-5 : tensor<?xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_dynamic_channels(%x: tensor<?x?xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm' op expected a static number of channels}}
  %y = net.batch_norm %x, %c, %c, %c, %c epsilon 1.0e-5 : tensor<?x?xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_channels(%x: tensor<?x3xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'net.batch_norm' op expected 1-D per-channel operands of 3 elements, got 'tensor<4xf32>'}}
  %y = net.batch_norm %x, %c, %c, %c, %c epsilon 1.0e-5 : tensor<?x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_stat_types(%x: tensor<?x3xf32>, %c: tensor<3xf32>, %d: tensor<1x3xf32>) {
  // expected-error @+1 {{'net.batch_norm' op failed to verify that all of {gamma, beta, mean, variance} have same type}}
  %y = "net.batch_norm"(%x, %c, %c, %d, %c) <{epsilon = 1.0e-5 : f64}> : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<1x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @bn_result_type(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm' op failed to verify that all of {input, output} have same type}}
  %y = "net.batch_norm"(%x, %c, %c, %c, %c) <{epsilon = 1.0e-5 : f64}> : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @bn_train_channels(%x: tensor<?x2x2x3xf32>, %c: tensor<2xf32>) {
  // expected-error @+1 {{'net.batch_norm_train' op expected 1-D per-channel operands of 3 elements, got 'tensor<2xf32>'}}
  %y:3 = net.batch_norm_train %x, %c, %c epsilon 1.0e-5 : tensor<?x2x2x3xf32>, tensor<2xf32>
  return
}

// -----

func.func @bn_train_eps(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_train' op expected a positive epsilon, got 0}}
  %y:3 = net.batch_norm_train %x, %c, %c epsilon 0.0 : tensor<?x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_train_stats(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_train' op failed to verify that all of {gamma, beta, mean, variance} have same type}}
  %y:3 = "net.batch_norm_train"(%x, %c, %c) <{epsilon = 1.0e-5 : f64}> : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>, tensor<4xf32>)
  return
}

// -----

func.func @bn_train_result(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_train' op failed to verify that all of {input, output} have same type}}
  %y:3 = "net.batch_norm_train"(%x, %c, %c) <{epsilon = 1.0e-5 : f64}> : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @bn_grad_rank(%x: tensor<?xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_grad' op expected an input [batch, ..., channels] of rank at least 2, got rank 1}}
  %d:3 = net.batch_norm_grad %x, %x, %c, %c, %c epsilon 1.0e-5 : tensor<?xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_grad_channels(%x: tensor<?x3xf32>, %c: tensor<3x1xf32>) {
  // expected-error @+1 {{'net.batch_norm_grad' op expected 1-D per-channel operands of 3 elements, got 'tensor<3x1xf32>'}}
  %d:3 = net.batch_norm_grad %x, %x, %c, %c, %c epsilon 1.0e-5 : tensor<?x3xf32>, tensor<3x1xf32>
  return
}

// -----

func.func @bn_grad_eps(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_grad' op expected a positive epsilon, got 0}}
  %d:3 = net.batch_norm_grad %x, %x, %c, %c, %c epsilon 0.0 : tensor<?x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_grad_types(%x: tensor<?x3xf32>, %dy: tensor<2x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_grad' op failed to verify that all of {input, output_grad, input_grad} have same type}}
  %d:3 = "net.batch_norm_grad"(%x, %dy, %c, %c, %c) <{epsilon = 1.0e-5 : f64}> : (tensor<?x3xf32>, tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @bn_grad_result(%x: tensor<?x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'net.batch_norm_grad' op failed to verify that all of {gamma, mean, variance, gamma_grad, beta_grad} have same type}}
  %d:3 = "net.batch_norm_grad"(%x, %x, %c, %c, %c) <{epsilon = 1.0e-5 : f64}> : (tensor<?x3xf32>, tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>, tensor<2xf32>)
  return
}

// -----

func.func @moving_average_types(%p: memref<8xf32>, %g: memref<4xf32>) {
  // expected-error @+1 {{'net.moving_average' op failed to verify that all of {params, stats} have same type}}
  "net.moving_average"(%p, %g) <{offset = 0 : i64, size = 4 : i64, decay = 0.9 : f64}> : (memref<8xf32>, memref<4xf32>) -> ()
  return
}

// -----

func.func @moving_average_rank(%p: memref<2x4xf32>) {
  // expected-error @+1 {{'net.moving_average' op expected static 1-D params and stats, got 'memref<2x4xf32>'}}
  net.moving_average %p, %p offset 0 size 4 decay 0.9 : memref<2x4xf32>
  return
}

// -----

func.func @moving_average_slice(%p: memref<8xf32>) {
  // expected-error @+1 {{'net.moving_average' op slice [6, 10) is not a non-empty part of the buffer (8)}}
  net.moving_average %p, %p offset 6 size 4 decay 0.9 : memref<8xf32>
  return
}

// -----

func.func @moving_average_decay(%p: memref<8xf32>) {
  // expected-error @+1 {{'net.moving_average' op expected decay in [0, 1), got -5.000000e-01}}
  net.moving_average %p, %p offset 0 size 4 decay -0.5 : memref<8xf32>
  return
}

// -----

func.func @weight_decay_types(%p: memref<8xf32>, %g: memref<4xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op failed to verify that all of {params, grads} have same type}}
  %t = "net.weight_decay"(%p, %g, %l) <{offsets = array<i64: 0>, sizes = array<i64: 4>, decays = array<f64: 0.1>}> : (memref<8xf32>, memref<4xf32>, f32) -> f32
  return
}

// -----

func.func @weight_decay_rank(%p: memref<2x4xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op expected static 1-D params and grads, got 'memref<2x4xf32>'}}
  %t = net.weight_decay %p, %p, %l offsets [0] sizes [4] decays [0.1] : memref<2x4xf32>
  return
}

// -----

func.func @weight_decay_counts(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op expected as many offsets, sizes and decays, at least one, got 2, 1 and 1}}
  %t = net.weight_decay %p, %p, %l offsets [0, 4] sizes [4] decays [0.1] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_none(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op expected as many offsets, sizes and decays, at least one, got 0, 0 and 0}}
  %t = net.weight_decay %p, %p, %l offsets [] sizes [] decays [] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_outside(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op slice [6, +4) is empty, out of the buffer (8) or not after the slice before}}
  %t = net.weight_decay %p, %p, %l offsets [6] sizes [4] decays [0.1] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_empty(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op slice [2, +0) is empty, out of the buffer (8) or not after the slice before}}
  %t = net.weight_decay %p, %p, %l offsets [2] sizes [0] decays [0.1] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_overlap(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op slice [2, +2) is empty, out of the buffer (8) or not after the slice before}}
  %t = net.weight_decay %p, %p, %l offsets [0, 2] sizes [3, 2] decays [0.1, 0.1] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_negative_offset(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op slice [-1, +2) is empty, out of the buffer (8) or not after the slice before}}
  %t = net.weight_decay %p, %p, %l offsets [-1] sizes [2] decays [0.1] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_huge(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op slice [4, +9223372036854775807) is empty, out of the buffer (8) or not after the slice before}}
  %t = net.weight_decay %p, %p, %l offsets [4] sizes [9223372036854775807] decays [0.1] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_zero(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op expected a positive decay that is finite in f32, got 0.000000e+00}}
  %t = net.weight_decay %p, %p, %l offsets [0] sizes [2] decays [0.0] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_beyond_f32(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op expected a positive decay that is finite in f32, got 1.000000e+39}}
  %t = net.weight_decay %p, %p, %l offsets [0] sizes [2] decays [1.0e39] : memref<8xf32>
  return
}

// -----

func.func @weight_decay_inf(%p: memref<8xf32>, %l: f32) {
  // expected-error @+1 {{'net.weight_decay' op expected a positive decay that is finite in f32, got INF}}
  %t = "net.weight_decay"(%p, %p, %l) <{offsets = array<i64: 0>, sizes = array<i64: 2>, decays = array<f64: 0x7FF0000000000000>}> : (memref<8xf32>, memref<8xf32>, f32) -> f32
  return
}

// -----

func.func @matmul_bias_act_rank(%x: tensor<?x8x1xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'net.matmul_bias_act' op expected 2-D ranked operands and result}}
  %y = net.matmul_bias_act %x, %w, %b relu : tensor<?x8x1xf32>, tensor<8x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @matmul_bias_act_contraction(%x: tensor<?x8xf32>, %w: tensor<6x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'net.matmul_bias_act' op contraction sizes differ (8 vs 6)}}
  %y = net.matmul_bias_act %x, %w, %b : tensor<?x8xf32>, tensor<6x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @matmul_bias_act_result(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'net.matmul_bias_act' op expected result 2x4, got 'tensor<2x5xf32>'}}
  %y = net.matmul_bias_act %x, %w, %b : tensor<2x8xf32>, tensor<8x4xf32>, tensor<4xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_bias_act_bias(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'net.matmul_bias_act' op expected a bias of 4 elements, got 'tensor<3xf32>'}}
  %y = net.matmul_bias_act %x, %w, %b relu : tensor<?x8xf32>, tensor<8x4xf32>, tensor<3xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @apply_gradients_clip(%p: memref<4xf32>, %s: memref<4xf32>, %t: i64) {
  // expected-error @+1 {{'net.apply_gradients' op expected clip_norm > 0, got -1.000000e+00}}
  net.apply_gradients momentum %p, %p, %s, %t learning_rate 0.1 clip_norm -1.0 : memref<4xf32>, memref<4xf32>
  return
}

// -----

// Negative sizes read as negative (not as 2^64 - n).
net.model @negative_units {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op expected a positive number of units, got -1}}
  %y = net.fully_connected %x units -1
  net.regression %y loss mean_square
}

// -----

net.model @negative_filters {
  %x = net.input_data shape [?, 8, 8, 3]
  // expected-error @+1 {{'net.conv_2d' op expected a positive number of filters, got -2}}
  %c = net.conv_2d %x filters -2 size 3
  net.regression %c
}

// -----

net.model @negative_decay_step {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected a positive decay_step, got -1}}
  net.regression %x loss mean_square lr_decay 0.96 decay_step -1
}

// -----

// expected-error @+1 {{'net.model' op expected a name that is a C identifier ([A-Za-z_][A-Za-z0-9_]*), got '1abc-def'}}
net.model @"1abc-def" {
  %x = net.input_data shape [?, 2]
  net.regression %x loss mean_square
}

// -----

// Float attributes become float32 constants.
net.model @keep_underflows_in_f32 {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.dropout' op expected keep to fit in float32, got 1.000000e-300}}
  %d = net.dropout %x keep 1.0e-300
  net.regression %d loss mean_square
}

// -----

net.model @learning_rate_beyond_f32 {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op expected learning_rate to fit in float32, got 1.000000e+39}}
  net.regression %x learning_rate 1.0e39 loss mean_square
}

// -----

net.model @nan_gamma {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.batch_normalization' op expected gamma to fit in float32, got nan}}
  %n = net.batch_normalization %x gamma 0x7FF8000000000000
  net.regression %n
}

// -----

net.model @conv_init_range {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.conv_2d' op expected init_range [min, max] with min < max, got [1.000000e+00, -1.000000e+00]}}
  %c = net.conv_2d %x filters 2 size 2 weights_init uniform init_range [1.0, -1.0]
  net.regression %c
}

// -----

net.model @conv_stddev {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.conv_2d' op expected a positive stddev, got -1.000000e+00}}
  %c = net.conv_2d %x filters 2 size 2 weights_init normal stddev -1.0
  net.regression %c
}

// -----

func.func @huge_parameter() {
  // expected-error @+1 {{'net.parameter' op expected at most 2147483648 elements, got 'tensor<65536x65536xf32>'}}
  %w = net.parameter "w" init zeros(0.0, 0.0) : tensor<65536x65536xf32>
  return
}

// -----

net.model @misspelled_attribute {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op has no attribute 'activaton'}}
  %y = "net.fully_connected"(%x) <{units = 3 : i64}> {activaton = 4 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  net.regression %y loss mean_square
}

// -----

net.model @misspelled_attribute_custom_form {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{attribute 'activaton' cannot be written in the attribute dictionary, which holds only names with a dialect prefix; options are keywords (units 3, activation relu)}}
  %y = net.fully_connected %x units 3 {activaton = 4 : i64}
  net.regression %y loss mean_square
}

// -----

// An option in the dictionary would replace the keyword's value.
net.model @option_in_attribute_dictionary {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{attribute 'units' cannot be written in the attribute dictionary}}
  %y = net.fully_connected %x units 3 {units = 5 : i64}
  net.regression %y loss mean_square
}

// -----

net.model @option_in_attribute_dictionary_regression {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{attribute 'learning_rate' cannot be written in the attribute dictionary}}
  net.regression %y optimizer sgd learning_rate 2.0 {learning_rate = 0.5}
}

// -----

net.model @conv_softmax {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.conv_2d' op softmax is not supported on a convolution's output (use it on a fully_connected layer)}}
  %c = net.conv_2d %x filters 2 size 2 activation softmax
  %f = net.flatten %c
  net.regression %f loss mean_square
}

// -----

net.model @image_prediction {
  %x = net.input_data shape [?, 4, 4, 1] : tensor<?x4x4x1xf32>
  %c = net.conv_2d %x filters 2 size 2 : tensor<?x4x4x1xf32> -> tensor<?x4x4x2xf32>
  // expected-error @+1 {{'net.regression' op expected a prediction [batch, outputs], got 'tensor<?x4x4x2xf32>' (net.flatten makes one of an image)}}
  net.regression %c loss mean_square : tensor<?x4x4x2xf32>
}

// -----

net.model @softmax_one_class {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %y = net.fully_connected %x units 1 : tensor<?x2xf32> -> tensor<?x1xf32>
  // expected-error @+1 {{'net.regression' op softmax_categorical_crossentropy needs at least 2 classes, got 1}}
  net.regression %y loss softmax_categorical_crossentropy : tensor<?x1xf32>
}

// -----

// TFLearn's binary_crossentropy takes logits; dlc's takes probabilities.
net.model @bce_on_a_linear_layer {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{'net.regression' op binary_crossentropy needs probabilities, but the prediction comes from a fully_connected layer with activation linear: give it activation sigmoid (dlc then computes the loss from its logits, as TFLearn's binary_crossentropy does from a linear layer)}}
  net.regression %y optimizer sgd loss binary_crossentropy
}

// -----

net.model @bce_on_a_relu_layer {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 3 activation relu
  // expected-error @+1 {{binary_crossentropy needs probabilities, but the prediction comes from a fully_connected layer with activation relu}}
  net.regression %y optimizer sgd loss binary_crossentropy
}

// -----

// Through flatten and pooling to the layer that makes the values.
net.model @bce_on_a_flattened_tanh_conv {
  %x = net.input_data shape [?, 4, 4, 1]
  %c = net.conv_2d %x filters 2 size 3 activation tanh
  %p = net.max_pool_2d %c size 2
  %f = net.flatten %p
  // expected-error @+1 {{binary_crossentropy needs probabilities, but the prediction comes from a conv_2d layer with activation tanh}}
  net.regression %f optimizer sgd loss binary_crossentropy
}

// -----

net.model @bce_after_dropout {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  %d = net.dropout %y keep 0.5
  // expected-error @+1 {{binary_crossentropy needs probabilities, but the prediction comes from a dropout layer, whose outputs can leave [0, 1]: end the network with a layer with activation sigmoid}}
  net.regression %d optimizer sgd loss binary_crossentropy
}

// -----

net.model @bce_after_batch_normalization {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  %n = net.batch_normalization %y
  // expected-error @+1 {{binary_crossentropy needs probabilities, but the prediction comes from a batch_normalization layer}}
  net.regression %n optimizer sgd loss binary_crossentropy
}

// -----

// categorical_crossentropy (TFLearn's default loss) takes probabilities.
net.model @cce_on_a_linear_layer {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 3
  // expected-error @+1 {{'net.regression' op loss categorical_crossentropy (TFLearn's default) needs probabilities, but the prediction comes from a fully_connected layer with activation linear: give it activation softmax, or use loss softmax_categorical_crossentropy on its logits}}
  net.regression %y optimizer adam
}

// -----

net.model @cce_on_a_flattened_relu_conv {
  %x = net.input_data shape [?, 4, 4, 1]
  %c = net.conv_2d %x filters 2 size 3 activation relu
  %p = net.avg_pool_2d %c size 2
  %f = net.flatten %p
  // expected-error @+1 {{loss categorical_crossentropy (TFLearn's default) needs probabilities, but the prediction comes from a conv_2d layer with activation relu}}
  net.regression %f loss categorical_crossentropy
}

// -----

net.model @cce_after_dropout {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 3 activation softmax
  %d = net.dropout %y keep 0.5
  // expected-error @+1 {{loss categorical_crossentropy (TFLearn's default) needs probabilities, but the prediction comes from a dropout layer, whose outputs can leave [0, 1]: end the network with a layer with activation softmax}}
  net.regression %d
}

// -----

// softmax_categorical_crossentropy applies the softmax itself.
net.model @softmax_twice {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 3 activation softmax
  // expected-error @+1 {{'net.regression' op softmax_categorical_crossentropy takes logits and applies the softmax itself, but the prediction comes from a fully_connected layer with activation softmax, which would apply it twice: use loss categorical_crossentropy, or activation linear}}
  net.regression %y loss softmax_categorical_crossentropy
}

// -----

net.model @softmax_twice_through_dropout {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 3 activation softmax
  %d = net.dropout %y keep 0.5
  // expected-error @+1 {{'net.regression' op softmax_categorical_crossentropy takes logits and applies the softmax itself, but the prediction comes from a dropout after a fully_connected layer with activation softmax, which would apply it twice: use loss categorical_crossentropy, or activation linear}}
  net.regression %d loss softmax_categorical_crossentropy
}

// -----

// Options that act only with another one are refused without it.
net.model @weight_decay_without_regularizer {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op weight_decay applies with regularizer L2 only (it would be ignored, as TFLearn ignores it without a regularizer): write regularizer L2 before it}}
  %y = net.fully_connected %x units 1 activation sigmoid weight_decay 0.01
  net.regression %y loss mean_square
}

// -----

net.model @init_range_without_uniform {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op init_range applies to weights_init uniform, not truncated_normal (it would be ignored): write weights_init uniform before it}}
  %y = net.fully_connected %x units 1 activation sigmoid init_range [-1.0, 1.0]
  net.regression %y loss mean_square
}

// -----

net.model @stddev_with_xavier {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.conv_2d' op stddev applies to weights_init normal or truncated_normal, not xavier (it would be ignored)}}
  %c = net.conv_2d %x filters 2 size 3 weights_init xavier stddev 0.1
  %f = net.flatten %c
  net.regression %f loss mean_square
}

// -----

net.model @conv_weight_decay_without_regularizer {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{'net.conv_2d' op weight_decay applies with regularizer L2 only}}
  %c = net.conv_2d %x filters 2 size 3 weight_decay 0.5
  %f = net.flatten %c
  net.regression %f loss mean_square
}

// -----

// Options of another optimizer would be ignored: written, they are refused,
// even at their default value (TFLearn's RMSProp takes a momentum).
net.model @momentum_with_rmsprop {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option momentum applies to optimizer momentum and nesterov, not rmsprop (it would be ignored)}}
  net.regression %y optimizer rmsprop loss mean_square momentum 0.9
}

// -----

// In the generic form, a value other than the default tells the option
// given.
net.model @momentum_with_rmsprop_generic {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{'net.regression' op option momentum applies to optimizer momentum and nesterov, not rmsprop (it would be ignored)}}
  "net.regression"(%y) <{optimizer = 4 : i64, momentum = 5.000000e-01 : f64}> : (tensor<*xf32>) -> ()
}

// -----

net.model @option_twice {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option learning_rate is given twice}}
  net.regression %y learning_rate 0.1 loss mean_square learning_rate 0.2
}

// -----

net.model @unknown_option {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{unknown option 'learningrate' of net.regression (expected optimizer, learning_rate, loss, momentum, beta1, beta2, epsilon, decay, initial_accumulator, clip_norm, lr_decay, decay_step or staircase)}}
  net.regression %y learningrate 0.1
}

// -----

// An option run into its value is one identifier.
net.model @option_into_value {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  // expected-error @+1 {{option 'learning_rate' needs a space before its value (write a float with a digit before its '.': 0.001)}}
  net.regression %y loss mean_square learning_rate.001
}

// -----

// An op after net.regression would be read as its next option.
net.model @op_after_regression {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y loss mean_square
  // expected-error @+1 {{expected an option of net.regression or the end of the net.model, got the op 'net.regression': net.regression ends the model (TFLearn's last layer)}}
  net.regression %y loss mean_square
}

// -----

net.model @unknown_optimizer {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{unknown optimizer 'adamw' (expected sgd, momentum, nesterov, adam, rmsprop or adagrad)}}
  net.regression %y optimizer adamw
}

// -----

net.model @missing_optimizer_name {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{expected the name of an optimizer (sgd, momentum, nesterov, adam, rmsprop, adagrad)}}
  net.regression %y optimizer 3
}

// -----

net.model @beta1_with_default_optimizer_sgd {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option beta1 applies to optimizer adam, not sgd}}
  net.regression %y optimizer sgd loss mean_square beta1 0.8
}

// -----

net.model @epsilon_with_momentum {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option epsilon applies to optimizer adam and rmsprop, not momentum}}
  net.regression %y optimizer momentum loss mean_square epsilon 1.0e-3
}

// -----

net.model @decay_with_adam {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option decay applies to optimizer rmsprop, not adam}}
  net.regression %y loss mean_square decay 0.5
}

// -----

net.model @accumulator_with_sgd {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option initial_accumulator applies to optimizer adagrad, not sgd}}
  net.regression %y optimizer sgd loss mean_square initial_accumulator 0.5
}

// -----

net.model @beta2_with_nesterov {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  // expected-error @+1 {{option beta2 applies to optimizer adam, not nesterov}}
  net.regression %y optimizer nesterov loss mean_square beta2 0.99
}

// -----

// A layer's options are written in the order of its syntax; one out of
// place is named (not taken for the name of the next op).
net.model @option_out_of_order {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{option 'regularizer' is out of order, given twice or not an option of this layer: a layer's options are written in the order of its syntax (the README's table of the net dialect)}}
  %h = net.fully_connected %x units 3 weight_decay 0.01 regularizer L2
  net.regression %h loss mean_square
}

// -----

net.model @option_twice_in_a_layer {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{option 'activation' is out of order, given twice or not an option of this layer}}
  %h = net.fully_connected %x units 3 activation relu activation tanh
  net.regression %h loss mean_square
}

// -----

net.model @option_of_another_layer {
  %x = net.input_data shape [?, 4, 4, 1]
  // expected-error @+1 {{option 'keep' is out of order, given twice or not an option of this layer}}
  %c = net.conv_2d %x filters 2 size 3 keep 0.5
  net.regression %c loss mean_square
}

// -----

// The name also names the checkpoint files.
// expected-error @+1 {{'net.model' op expected a name of at most 200 characters, got 201 (it names the checkpoint files <name>-<step>.ckpt)}}
net.model @mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y loss mean_square
}
