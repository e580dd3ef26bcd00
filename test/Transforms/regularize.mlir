// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff --net-regularize | FileCheck %s

// L2 adds wd * sum(W^2) / 2 to the training loss and wd * W to W's gradient;
// the unregularized layer and the biases are untouched, and so is eval.
net.model @l2 {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation relu regularizer L2 weight_decay 0.01
  %y = net.fully_connected %h units 1
  net.regression %y loss mean_square
}
// CHECK-LABEL: func.func private @l2.grad(
// CHECK-SAME: %[[W0:[^:]+]]: tensor<3x4xf32>
// CHECK: %[[L:.+]] = net.loss mean_square
// CHECK: %[[DB0:.+]] = net.bias_grad %{{.+}} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK: %[[DW0:.+]] = net.matmul %{{.+}}, %{{.+}} transpose_a : tensor<?x3xf32>, tensor<?x4xf32> -> tensor<3x4xf32>
// CHECK: %[[R:.+]] = net.l2_loss %[[W0]] scale 1.000000e-02 : tensor<3x4xf32>
// CHECK: %[[LT:.+]] = net.add %[[L]], %[[R]] : tensor<f32>
// CHECK: %[[G:.+]] = net.add_scaled %[[DW0]], %[[W0]] scale 1.000000e-02 : tensor<3x4xf32>
// CHECK-NOT: net.l2_loss
// CHECK: return %[[LT]], %{{.+}}, %[[G]], %[[DB0]], %{{.+}}, %{{.+}} :
// CHECK-LABEL: func.func private @l2.eval(
// CHECK-NOT: net.l2_loss
// CHECK: return
