// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff --net-build-entry-points | FileCheck %s

// L2 (TFLearn's regularizer='L2'): the decayed weights' terms go into the
// gradients of M.loss_and_grad_impl, after the gradients are stored, in one
// net.weight_decay over the flat buffers: W0 [0, 12) with 0.01 and W2
// [26, 28) with 0.5; W1 and the biases are not decayed. Its loss, which the
// training step reports, is the data loss (TFLearn's console and `Loss`
// summary); M.gradient_impl adds the terms to it (loss_only), the
// objective its gradients are of. Evaluation (the validation loss) has no
// L2 term.
net.model @l2 {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation relu regularizer L2 weight_decay 0.01
  %k = net.fully_connected %h units 2 activation relu
  %y = net.fully_connected %k units 1 regularizer L2 weight_decay 0.5
  net.regression %y loss mean_square
}

// CHECK-LABEL: func.func private @l2.eval_step_impl(
// CHECK-NOT: net.weight_decay
// CHECK: return
// CHECK-LABEL: func.func private @l2.loss_and_grad_impl(
// CHECK-SAME: %[[P:[^:]+]]: memref<29xf32>, {{.+}}, %[[G:[^:]+]]: memref<29xf32>) -> f32
// CHECK: bufferization.materialize_in_destination
// CHECK: %[[L:.+]] = tensor.extract %{{.+}}[] : tensor<f32>
// CHECK-NEXT: net.weight_decay %[[P]], %[[G]], %[[L]] offsets [0, 26] sizes [12, 2] decays [1.000000e-02, 5.000000e-01] : memref<29xf32>
// CHECK-NEXT: return %[[L]] : f32
// CHECK-LABEL: func.func private @l2.gradient_impl(
// CHECK-SAME: %[[GP:[^:]+]]: memref<29xf32>, {{.+}}, %[[GG:[^:]+]]: memref<29xf32>) -> f32
// CHECK: %[[D:.+]] = call @l2.loss_and_grad_impl(
// CHECK-NEXT: %[[T:.+]] = net.weight_decay %[[GP]], %[[GG]], %[[D]] offsets [0, 26] sizes [12, 2] decays [1.000000e-02, 5.000000e-01] loss_only : memref<29xf32>
// CHECK: return %[[T]] : f32
// CHECK-LABEL: func.func private @l2.train_step_impl(
// CHECK-NOT: net.weight_decay
// CHECK: return
