// RUN: dlc-opt %s --dlc-to-train | FileCheck %s

// TFLearn's epsilon defaults differ by optimizer: 1e-10 for rmsprop, 1e-8
// for adam; one state slot per parameter for rmsprop.
net.model @rms {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 2 activation softmax
  net.regression %y optimizer rmsprop learning_rate 0.01
}
// CHECK-LABEL: func.func private @rms.train_step_impl(
// CHECK-SAME: %{{[^:]+}}: memref<6xf32>, %{{[^:]+}}: memref<6xf32>,
// CHECK: net.apply_gradients rmsprop {{.*}} epsilon 1.000000e-10
// CHECK: net.descriptor @rms
// CHECK-SAME: epsilon = 1.000000e-10

net.model @adam {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 2 activation softmax
  net.regression %y
}
// CHECK-LABEL: func.func private @adam.train_step_impl(
// CHECK-SAME: %{{[^:]+}}: memref<6xf32>, %{{[^:]+}}: memref<12xf32>,
// CHECK: net.apply_gradients adam
// CHECK-NOT: epsilon
// CHECK: net.descriptor @adam
// CHECK-SAME: epsilon = 1.000000e-08
