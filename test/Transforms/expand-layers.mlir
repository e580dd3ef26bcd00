// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers | FileCheck %s

// Layers become parameters (named as TFLearn names them) and primitives; the
// L2 decay goes to the weights only, and no bias means no bias parameter.
// CHECK-LABEL: net.model @two_layers
// CHECK: %[[X:.+]] = net.input_data shape [?, 3] : tensor<?x3xf32>
// CHECK: %[[W:.+]] = net.parameter "FullyConnected/W" init uniform(-1.000000e+00, 1.000000e+00) decay 1.000000e-02 : tensor<3x4xf32>
// CHECK: %[[M:.+]] = net.matmul %[[X]], %[[W]] : tensor<?x3xf32>, tensor<3x4xf32> -> tensor<?x4xf32>
// CHECK: %[[B:.+]] = net.parameter "FullyConnected/b" init zeros(0.000000e+00, 0.000000e+00) : tensor<4xf32>
// CHECK: %[[A:.+]] = net.bias_add %[[M]], %[[B]] : tensor<?x4xf32>, tensor<4xf32>
// CHECK: %[[H:.+]] = net.activation tanh %[[A]] {net.layer_output = "FullyConnected/Tanh"} : tensor<?x4xf32>
// CHECK: %[[W1:.+]] = net.parameter "FullyConnected_1/W" init truncated_normal(0.000000e+00, 2.000000e-02) : tensor<4x2xf32>
// CHECK: %[[Y:.+]] = net.matmul %[[H]], %[[W1]] {net.layer_output = "FullyConnected_1/MatMul"} : tensor<?x4xf32>, tensor<4x2xf32> -> tensor<?x2xf32>
// CHECK-NOT: net.parameter
// CHECK-NOT: net.activation
// CHECK: net.regression %[[Y]] loss mean_square : tensor<?x2xf32>
net.model @two_layers {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh weights_init uniform init_range [-1.0, 1.0] regularizer L2 weight_decay 0.01
  %y = net.fully_connected %h units 2 bias false
  net.regression %y loss mean_square
}
