// RUN: dlc-opt %s | dlc-opt | FileCheck %s
// RUN: dlc-opt %s --mlir-print-op-generic | dlc-opt | FileCheck %s

// Layers parse without types (unranked until net-infer-shapes) and round-trip.
// CHECK-LABEL: net.model @layers
// CHECK: %[[X:.+]] = net.input_data shape [?, 2]
// CHECK: %[[H:.+]] = net.fully_connected %[[X]] units 8 activation tanh weights_init uniform init_range [-1.000000e+00, 1.000000e+00] regularizer L2 weight_decay 1.000000e-02
// CHECK: %[[Y:.+]] = net.fully_connected %[[H]] units 1 activation sigmoid bias false
// CHECK: net.regression %[[Y]] optimizer momentum learning_rate 1.000000e-01 loss binary_crossentropy momentum 5.000000e-01 clip_norm 0.000000e+00
net.model @layers {
  %x = net.input_data shape [?, 2]
  %h = net.fully_connected %x units 8 activation tanh weights_init uniform init_range [-1.0, 1.0] regularizer L2 weight_decay 0.01
  %y = net.fully_connected %h units 1 activation sigmoid bias false
  net.regression %y optimizer momentum learning_rate 0.1 loss binary_crossentropy momentum 0.5 clip_norm 0.0
}

// Learning-rate decay and the logits form of the categorical cross-entropy.
// CHECK-LABEL: net.model @decayed
// CHECK: net.regression %{{.+}} optimizer sgd learning_rate 1.000000e-01 loss softmax_categorical_crossentropy lr_decay 0.9599{{[0-9]*}} decay_step 50 staircase
net.model @decayed {
  %x = net.input_data shape [?, 3]
  %y = net.fully_connected %x units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss softmax_categorical_crossentropy lr_decay 0.96 decay_step 50 staircase
}

// Typed layers (what net-infer-shapes prints) round-trip too.
// CHECK-LABEL: net.model @typed
// CHECK: net.input_data shape [?, 3] : tensor<?x3xf32>
// CHECK: net.fully_connected %{{.+}} units 2 activation softmax : tensor<?x3xf32> -> tensor<?x2xf32>
// CHECK: net.regression %{{.+}} : tensor<?x2xf32>
net.model @typed {
  %x = net.input_data shape [?, 3] : tensor<?x3xf32>
  %y = net.fully_connected %x units 2 activation softmax : tensor<?x3xf32> -> tensor<?x2xf32>
  net.regression %y : tensor<?x2xf32>
}

// CHECK-LABEL: func.func @primitives
func.func @primitives(%x: tensor<?x2xf32>, %t: tensor<?x1xf32>) -> tensor<f32> {
  // CHECK: net.parameter "W" init truncated_normal(0.000000e+00, 2.000000e-02) decay 1.000000e-03 : tensor<2x1xf32>
  %w = net.parameter "W" init truncated_normal(0.0, 0.02) decay 0.001 : tensor<2x1xf32>
  // CHECK: net.parameter "b" init zeros(0.000000e+00, 0.000000e+00) : tensor<1xf32>
  %b = net.parameter "b" init zeros(0.0, 0.0) : tensor<1xf32>
  // CHECK: net.matmul %{{.+}}, %{{.+}} : tensor<?x2xf32>, tensor<2x1xf32> -> tensor<?x1xf32>
  %m = net.matmul %x, %w : tensor<?x2xf32>, tensor<2x1xf32> -> tensor<?x1xf32>
  // CHECK: net.matmul %{{.+}}, %{{.+}} transpose_b : tensor<?x1xf32>, tensor<2x1xf32> -> tensor<?x2xf32>
  %dx = net.matmul %m, %w transpose_b : tensor<?x1xf32>, tensor<2x1xf32> -> tensor<?x2xf32>
  // CHECK: net.matmul %{{.+}}, %{{.+}} transpose_a : tensor<?x2xf32>, tensor<?x1xf32> -> tensor<2x1xf32>
  %dw = net.matmul %x, %m transpose_a : tensor<?x2xf32>, tensor<?x1xf32> -> tensor<2x1xf32>
  // CHECK: net.bias_add %{{.+}}, %{{.+}} : tensor<?x1xf32>, tensor<1xf32>
  %a = net.bias_add %m, %b : tensor<?x1xf32>, tensor<1xf32>
  // CHECK: net.bias_grad %{{.+}} : tensor<?x1xf32> -> tensor<1xf32>
  %db = net.bias_grad %a : tensor<?x1xf32> -> tensor<1xf32>
  // CHECK: net.activation relu %{{.+}} : tensor<?x1xf32>
  %y = net.activation relu %a : tensor<?x1xf32>
  // CHECK: net.activation_grad relu %{{.+}}, %{{.+}} : tensor<?x1xf32>
  %g = net.activation_grad relu %y, %a : tensor<?x1xf32>
  // CHECK: net.add %{{.+}}, %{{.+}} : tensor<?x1xf32>
  %s = net.add %g, %y : tensor<?x1xf32>
  // CHECK: net.loss mean_square %{{.+}}, %{{.+}} : tensor<?x1xf32>
  %l = net.loss mean_square %s, %t : tensor<?x1xf32>
  // CHECK: net.loss_grad sigmoid_binary_crossentropy %{{.+}}, %{{.+}} : tensor<?x1xf32>
  %dl = net.loss_grad sigmoid_binary_crossentropy %s, %t : tensor<?x1xf32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func @buffers
func.func @buffers(%p: memref<3xf32>, %g: memref<3xf32>, %s: memref<6xf32>, %step: i64, %loss: f32) -> f32 {
  // CHECK: net.weight_decay %{{.+}}, %{{.+}}, %{{.+}} offsets [0] sizes [2] decays [1.000000e-03] : memref<3xf32>
  %total = net.weight_decay %p, %g, %loss offsets [0] sizes [2] decays [0.001] : memref<3xf32>
  // CHECK: net.weight_decay %{{.+}}, %{{.+}}, %{{.+}} offsets [0, 2] sizes [1, 1] decays [1.000000e-03, 5.000000e-01] : memref<3xf32>
  %total2 = net.weight_decay %p, %g, %total offsets [0, 2] sizes [1, 1] decays [0.001, 0.5] : memref<3xf32>
  // CHECK: net.clip_by_global_norm %{{.+}} clip 5.000000e+00 : memref<3xf32>
  net.clip_by_global_norm %g clip 5.0 : memref<3xf32>
  // CHECK: net.apply_gradients adam %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} learning_rate 1.000000e-03 beta2 0.98999999999999999 : memref<3xf32>, memref<6xf32>
  net.apply_gradients adam %p, %g, %s, %step learning_rate 0.001 beta2 0.99 : memref<3xf32>, memref<6xf32>
  // CHECK: net.apply_gradients adam %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} learning_rate 1.000000e-03 clip_norm 5.000000e+00 : memref<3xf32>, memref<6xf32>
  net.apply_gradients adam %p, %g, %s, %step learning_rate 0.001 clip_norm 5.0 : memref<3xf32>, memref<6xf32>
  // CHECK: net.random_init uniform(-1.000000e+00, 1.000000e+00) %{{.+}}[0, 2] seed %{{.+}} stream 0 fan_in 2 fan_out 1 : memref<3xf32>
  net.random_init uniform(-1.0, 1.0) %p[0, 2] seed %step stream 0 fan_in 2 fan_out 1 : memref<3xf32>
  return %total2 : f32
}

// CHECK-LABEL: net.model @cnn_layers
// CHECK: %[[F:.+]] = net.flatten %{{.+}}
// CHECK: %[[D:.+]] = net.dropout %[[F]] keep 5.000000e-01
net.model @cnn_layers {
  %x = net.input_data shape [?, 4, 4, 2]
  %f = net.flatten %x
  %d = net.dropout %f keep 0.5
  %y = net.fully_connected %d units 2 activation softmax
  net.regression %y
}

// CHECK-LABEL: func.func @cnn_primitives
func.func @cnn_primitives(%x: tensor<?x4x4x2xf32>, %s: i64) -> tensor<?x32xf32> {
  // CHECK: net.reshape %{{.+}} : tensor<?x4x4x2xf32> -> tensor<?x32xf32>
  %f = net.reshape %x : tensor<?x4x4x2xf32> -> tensor<?x32xf32>
  // CHECK: net.apply_dropout %{{.+}}, %{{.+}} keep 5.000000e-01 stream 2 : tensor<?x32xf32>
  %d = net.apply_dropout %f, %s keep 0.5 stream 2 : tensor<?x32xf32>
  return %d : tensor<?x32xf32>
}

// CHECK-LABEL: net.model @conv_layers
// CHECK: net.conv_2d %{{.+}} filters 4 size 3 activation relu
// CHECK: net.conv_2d %{{.+}} filters 2 size 2 strides 2 padding valid regularizer L2
// CHECK: net.max_pool_2d %{{.+}} size 2
// CHECK: net.avg_pool_2d %{{.+}} size 3 strides 2 padding valid
net.model @conv_layers {
  %x = net.input_data shape [?, 8, 8, 3]
  %c = net.conv_2d %x filters 4 size 3 activation relu
  %d = net.conv_2d %c filters 2 size 2 strides 2 padding valid regularizer L2
  %p = net.max_pool_2d %c size 2
  %a = net.avg_pool_2d %c size 3 strides 2 padding valid
  net.regression %a loss mean_square
}

// CHECK-LABEL: func.func @conv_primitives
func.func @conv_primitives(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %dy: tensor<?x8x8x4xf32>, %b: tensor<4xf32>) -> tensor<?x4x4x4xf32> {
  // CHECK: net.conv2d %{{.+}}, %{{.+}} strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  // CHECK: net.conv2d_bias_act %{{.+}}, %{{.+}}, %{{.+}} strides [1, 1] pad [1, 1, 1, 1] relu : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  %yr = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] relu : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  // CHECK: net.conv2d_bias_act %{{.+}}, %{{.+}}, %{{.+}} strides [2, 2] pad [0, 1, 0, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x4x4x4xf32>
  %yb = net.conv2d_bias_act %x, %w, %b strides [2, 2] pad [0, 1, 0, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x4x4x4xf32>
  // CHECK: net.conv2d_grad_input %{{.+}}, %{{.+}} strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x4xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x3xf32>
  %dx = net.conv2d_grad_input %dy, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x4xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x3xf32>
  // CHECK: net.conv2d_grad_filter %{{.+}}, %{{.+}} strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<?x8x8x4xf32> -> tensor<3x3x3x4xf32>
  %dw = net.conv2d_grad_filter %x, %dy strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<?x8x8x4xf32> -> tensor<3x3x3x4xf32>
  // CHECK: net.pool2d max %{{.+}} size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
  %p = net.pool2d max %y size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
  // CHECK: net.pool2d_grad avg %{{.+}}, %{{.+}}, %{{.+}} size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %dp = net.pool2d_grad avg %y, %p, %p size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  // CHECK: net.pool2d_grad max %{{.+}}, %{{.+}}, %{{.+}} size [2, 2] strides [2, 2] pad [0, 0, 0, 0] relu : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %dr = net.pool2d_grad max %y, %p, %p size [2, 2] strides [2, 2] pad [0, 0, 0, 0] relu : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  return %p : tensor<?x4x4x4xf32>
}

// Batch normalization: the layer with its defaults and with every option,
// untyped and typed.
// CHECK-LABEL: net.model @bn_layers
// CHECK: %[[A:.+]] = net.batch_normalization %{{[0-9]+}}{{ *$}}
// CHECK: net.batch_normalization %[[A]] epsilon 1.000000e-03 decay 0.98999999999999999 gamma 5.000000e-01 beta 1.000000e-01 stddev 0.000000e+00{{ *$}}
net.model @bn_layers {
  %x = net.input_data shape [?, 4, 4, 3]
  %a = net.batch_normalization %x
  %b = net.batch_normalization %a epsilon 1.0e-3 decay 0.99 gamma 0.5 beta 0.1 stddev 0.0
  net.regression %b loss mean_square
}

// CHECK-LABEL: net.model @bn_typed
// CHECK: net.batch_normalization %{{.+}} : tensor<?x3xf32> -> tensor<?x3xf32>
net.model @bn_typed {
  %x = net.input_data shape [?, 3] : tensor<?x3xf32>
  %c = net.batch_normalization %x : tensor<?x3xf32> -> tensor<?x3xf32>
  net.regression %c loss mean_square : tensor<?x3xf32>
}

// CHECK-LABEL: func.func @bn_primitives
func.func @bn_primitives(%x: tensor<?x2x2x3xf32>, %dy: tensor<?x2x2x3xf32>) -> tensor<?x2x2x3xf32> {
  // CHECK: net.parameter "BatchNormalization/beta" init constant(1.000000e-01, 0.000000e+00) : tensor<3xf32>
  %b = net.parameter "BatchNormalization/beta" init constant(0.1, 0.0) : tensor<3xf32>
  %g = net.parameter "BatchNormalization/gamma" init normal(1.0, 0.002) : tensor<3xf32>
  // CHECK: net.parameter "BatchNormalization/moving_mean" init zeros(0.000000e+00, 0.000000e+00) moving_average 9.000000e-01 : tensor<3xf32>
  %m = net.parameter "BatchNormalization/moving_mean" init zeros(0.0, 0.0) moving_average 0.9 : tensor<3xf32>
  %v = net.parameter "BatchNormalization/moving_variance" init constant(1.0, 0.0) moving_average 0.9 : tensor<3xf32>
  // CHECK: net.batch_norm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} epsilon 1.000000e-05 : tensor<?x2x2x3xf32>, tensor<3xf32>
  %y = net.batch_norm %x, %g, %b, %m, %v epsilon 1.0e-5 : tensor<?x2x2x3xf32>, tensor<3xf32>
  // CHECK: %{{[^ ]+}}, %[[M:[^ ]+]], %[[V:[^ ]+]] = net.batch_norm_train %{{.+}}, %{{.+}}, %{{.+}} epsilon 1.000000e-05 : tensor<?x2x2x3xf32>, tensor<3xf32>
  %t:3 = net.batch_norm_train %x, %g, %b epsilon 1.0e-5 : tensor<?x2x2x3xf32>, tensor<3xf32>
  // CHECK: net.batch_norm_grad %{{.+}}, %{{.+}}, %{{.+}}, %[[M]], %[[V]] epsilon 1.000000e-05 : tensor<?x2x2x3xf32>, tensor<3xf32>
  %d:3 = net.batch_norm_grad %x, %dy, %g, %t#1, %t#2 epsilon 1.0e-5 : tensor<?x2x2x3xf32>, tensor<3xf32>
  return %d#0 : tensor<?x2x2x3xf32>
}

// CHECK-LABEL: func.func @bn_buffers
func.func @bn_buffers(%p: memref<8xf32>, %g: memref<8xf32>) {
  // CHECK: net.moving_average %{{.+}}, %{{.+}} offset 4 size 4 decay 9.000000e-01 : memref<8xf32>
  net.moving_average %p, %g offset 4 size 4 decay 0.9 : memref<8xf32>
  return
}

// CHECK-LABEL: func.func @dense_primitives
func.func @dense_primitives(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  // CHECK: net.matmul_bias_act %{{.+}}, %{{.+}}, %{{.+}} relu : tensor<?x8xf32>, tensor<8x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %r = net.matmul_bias_act %x, %w, %b relu : tensor<?x8xf32>, tensor<8x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: net.matmul_bias_act %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x8xf32>, tensor<8x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %l = net.matmul_bias_act %x, %w, %b : tensor<?x8xf32>, tensor<8x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %r, %l : tensor<?x4xf32>, tensor<?x4xf32>
}

// Attributes with a dialect prefix go in the dictionary after the options,
// typed or not.
// CHECK-LABEL: net.model @annotated
// CHECK: net.input_data shape [?, 2] {dlc.note = "in"}{{$}}
// CHECK: net.fully_connected %{{.+}} units 1 activation sigmoid {dlc.note = "fc"}{{$}}
// CHECK: net.dropout %{{.+}} keep 5.000000e-01 {dlc.note = "drop"}{{$}}
// CHECK: net.regression %{{.+}} optimizer sgd loss mean_square {dlc.note = "r"}{{$}}
net.model @annotated {
  %x = net.input_data shape [?, 2] {dlc.note = "in"}
  %h = net.fully_connected %x units 1 activation sigmoid {dlc.note = "fc"}
  %d = net.dropout %h keep 0.5 {dlc.note = "drop"}
  net.regression %d optimizer sgd loss mean_square {dlc.note = "r"}
}

// CHECK-LABEL: net.model @annotated_typed
// CHECK: net.input_data shape [?, 2] {dlc.note = "in"} : tensor<?x2xf32>{{$}}
// CHECK: net.fully_connected %{{.+}} units 1 {dlc.note = "fc"} : tensor<?x2xf32> -> tensor<?x1xf32>{{$}}
// CHECK: net.regression %{{.+}} optimizer sgd loss mean_square {dlc.note = "r"} : tensor<?x1xf32>{{$}}
net.model @annotated_typed {
  %x = net.input_data shape [?, 2] {dlc.note = "in"} : tensor<?x2xf32>
  %h = net.fully_connected %x units 1 {dlc.note = "fc"} : tensor<?x2xf32> -> tensor<?x1xf32>
  net.regression %h optimizer sgd loss mean_square {dlc.note = "r"} : tensor<?x1xf32>
}

// Options of net.regression come in any order (TFLearn's keyword
// arguments) and print in a fixed one, defaults left out.
// CHECK-LABEL: net.model @any_order
// CHECK: net.regression %{{.+}} optimizer momentum learning_rate 2.000000e+00 loss mean_square momentum 5.000000e-01 lr_decay 5.000000e-01 decay_step 5 staircase{{$}}
net.model @any_order {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y staircase loss mean_square decay_step 5 learning_rate 2.0 momentum 0.5 optimizer momentum lr_decay 0.5 clip_norm 5.0
}
