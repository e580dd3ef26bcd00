// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers | FileCheck %s

// batch_normalization -> beta, gamma and the two moving statistics (one per
// channel, the last dimension; not trained, marked with their decay) and the
// inference op net.batch_norm. Scopes count like TFLearn's.
// CHECK-LABEL: net.model @bn
// CHECK: %[[X:.+]] = net.input_data shape [?, 4, 4, 3]
// CHECK: %[[B:.+]] = net.parameter "BatchNormalization/beta" init zeros(0.000000e+00, 0.000000e+00) : tensor<3xf32>
// CHECK: %[[G:.+]] = net.parameter "BatchNormalization/gamma" init normal(1.000000e+00, 2.000000e-03) : tensor<3xf32>
// CHECK: %[[M:.+]] = net.parameter "BatchNormalization/moving_mean" init zeros(0.000000e+00, 0.000000e+00) moving_average 9.000000e-01 : tensor<3xf32>
// CHECK: %[[V:.+]] = net.parameter "BatchNormalization/moving_variance" init constant(1.000000e+00, 0.000000e+00) moving_average 9.000000e-01 : tensor<3xf32>
// CHECK: %[[Y:.+]] = net.batch_norm %[[X]], %[[G]], %[[B]], %[[M]], %[[V]] epsilon 1.000000e-05 : tensor<?x4x4x3xf32>, tensor<3xf32>
// CHECK: %[[F:.+]] = net.matmul
// CHECK: %[[H:.+]] = net.bias_add
// CHECK: net.parameter "BatchNormalization_1/beta" init constant(5.000000e-01, 0.000000e+00) : tensor<5xf32>
// CHECK: net.parameter "BatchNormalization_1/gamma" init normal(2.000000e+00, 1.000000e-01) : tensor<5xf32>
// CHECK: net.parameter "BatchNormalization_1/moving_mean" init zeros(0.000000e+00, 0.000000e+00) moving_average 5.000000e-01 : tensor<5xf32>
// CHECK: net.parameter "BatchNormalization_1/moving_variance" init constant(1.000000e+00, 0.000000e+00) moving_average 5.000000e-01 : tensor<5xf32>
// CHECK: net.batch_norm %[[H]], {{.+}} epsilon 1.000000e-03 : tensor<?x5xf32>, tensor<5xf32>
// CHECK-NOT: net.batch_normalization
net.model @bn {
  %x = net.input_data shape [?, 4, 4, 3]
  %n = net.batch_normalization %x
  %h = net.fully_connected %n units 5
  %m = net.batch_normalization %h epsilon 1.0e-3 decay 0.5 gamma 2.0 beta 0.5 stddev 0.1
  net.regression %m loss mean_square
}
