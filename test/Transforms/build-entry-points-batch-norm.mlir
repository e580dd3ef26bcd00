// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff --net-build-entry-points | FileCheck %s

// Parameters: W [0, 12), b [12, 16), beta [16, 20), gamma [20, 24),
// moving_mean [24, 28), moving_variance [28, 32).
net.model @m {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4
  %n = net.batch_normalization %h decay 0.75
  net.regression %n optimizer adam loss mean_square
}

// The batch statistics land in the moving statistics' gradient slots.
// CHECK-LABEL: func.func private @m.loss_and_grad_impl(
// CHECK: net.batch_norm_train
// CHECK: net.batch_norm_grad

// M_gradient reports zeros for them: the loss does not depend on them.
// CHECK-LABEL: func.func private @m.gradient_impl(
// CHECK-SAME: %{{[^:]+}}: memref<32xf32>, %{{[^:]+}}: memref<?x3xf32>, %{{[^:]+}}: memref<?x4xf32>, %[[G:[^:]+]]: memref<32xf32>)
// CHECK: %[[L:.+]] = call @m.loss_and_grad_impl(
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[MEAN:.+]] = memref.reinterpret_cast %[[G]] to offset: [24], sizes: [4], strides: [1]
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%[[MEAN]] :
// CHECK: %[[VAR:.+]] = memref.reinterpret_cast %[[G]] to offset: [28], sizes: [4], strides: [1]
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%[[VAR]] :
// CHECK: return %[[L]]

// The training step averages them into the parameters before the clipped
// update, which then sees zero gradients there.
// CHECK-LABEL: func.func private @m.train_step_impl(
// CHECK-SAME: %[[P:[^:]+]]: memref<32xf32>, %{{[^:]+}}: memref<64xf32>, {{.*}}, %[[GR:[^:]+]]: memref<32xf32>)
// CHECK: call @m.loss_and_grad_impl(
// CHECK-NEXT: net.moving_average %[[P]], %[[GR]] offset 24 size 4 decay 7.500000e-01 : memref<32xf32>
// CHECK-NEXT: net.moving_average %[[P]], %[[GR]] offset 28 size 4 decay 7.500000e-01 : memref<32xf32>
// CHECK-NEXT: net.apply_gradients adam %[[P]], %[[GR]], {{.*}} clip_norm 5.000000e+00

// gamma ~ normal(1, 0.002), beta 0, moving mean 0, moving variance 1.
// CHECK-LABEL: func.func private @m.init_params_impl(
// CHECK: net.random_init zeros(0.000000e+00, 0.000000e+00) %{{.+}}[16, 4]
// CHECK: net.random_init normal(1.000000e+00, 2.000000e-03) %{{.+}}[20, 4]
// CHECK: net.random_init zeros(0.000000e+00, 0.000000e+00) %{{.+}}[24, 4]
// CHECK: net.random_init constant(1.000000e+00, 0.000000e+00) %{{.+}}[28, 4]

// CHECK: net.descriptor @m
// CHECK-SAME: init = 6 : i64, init_a = 1.000000e+00 : f64, init_b = 0.000000e+00 : f64, name = "BatchNormalization/moving_variance"
