// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers | FileCheck %s

// conv_2d and the pools expand with TensorFlow's padding: `same` pads the
// total (out - 1) * stride + size - in, the extra element after.
// CHECK-LABEL: net.model @cnn
// CHECK: %[[X:.+]] = net.input_data shape [?, 32, 32, 3] : tensor<?x32x32x3xf32>
// CHECK: %[[W:.+]] = net.parameter "Conv2D/W" init uniform_scaling(0.000000e+00, 0.000000e+00) : tensor<3x3x3x32xf32>
// CHECK: %[[C:.+]] = net.conv2d %[[X]], %[[W]] strides [1, 1] pad [1, 1, 1, 1] : tensor<?x32x32x3xf32>, tensor<3x3x3x32xf32> -> tensor<?x32x32x32xf32>
// CHECK: net.parameter "Conv2D/b" init zeros
// CHECK: %[[A:.+]] = net.bias_add %[[C]]
// CHECK: %[[R:.+]] = net.activation relu %[[A]] {net.layer_output = "Conv2D/Relu"} : tensor<?x32x32x32xf32>
// CHECK: %[[P:.+]] = net.pool2d max %[[R]] size [2, 2] strides [2, 2] pad [0, 0, 0, 0] {net.layer_output = "MaxPool2D/MaxPool"} : tensor<?x32x32x32xf32> -> tensor<?x16x16x32xf32>
// CHECK: net.parameter "Conv2D_1/W" init uniform_scaling(0.000000e+00, 0.000000e+00) decay 1.000000e-03 : tensor<3x3x32x8xf32>
// CHECK: net.conv2d %[[P]], %{{.+}} strides [2, 2] pad [0, 1, 0, 1] : tensor<?x16x16x32xf32>, tensor<3x3x32x8xf32> -> tensor<?x8x8x8xf32>
// CHECK: net.bias_add {{.+}} {net.layer_output = "Conv2D_1/BiasAdd"}
// CHECK: net.pool2d avg %{{.+}} size [3, 3] strides [3, 3] pad [0, 0, 0, 0] {net.layer_output = "AvgPool2D/AvgPool"} : tensor<?x8x8x8xf32> -> tensor<?x2x2x8xf32>
// CHECK: net.reshape %{{.+}} : tensor<?x2x2x8xf32> -> tensor<?x32xf32>
// CHECK: net.parameter "FullyConnected/W" {{.*}} : tensor<32x10xf32>
net.model @cnn {
  %x = net.input_data shape [?, 32, 32, 3]
  %c1 = net.conv_2d %x filters 32 size 3 activation relu
  %p1 = net.max_pool_2d %c1 size 2
  %c2 = net.conv_2d %p1 filters 8 size 3 strides 2 regularizer L2
  %p2 = net.avg_pool_2d %c2 size 3 padding valid
  %f = net.fully_connected %p2 units 10 activation softmax
  net.regression %f
}
