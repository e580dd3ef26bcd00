// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff | FileCheck %s

// A softmax output trained with categorical cross-entropy is fused into the
// loss on logits; the backward pass runs in reverse, the input gets no
// gradient, and parameters come in the order of their net.parameter ops.
net.model @clf {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 2 activation softmax bias false
  net.regression %y loss categorical_crossentropy
}

// CHECK-LABEL: func.func private @clf.grad(
// CHECK-SAME: %[[W0:[^:]+]]: tensor<3x4xf32>, %[[B0:[^:]+]]: tensor<4xf32>, %[[W1:[^:]+]]: tensor<4x2xf32>, %[[X:[^:]+]]: tensor<?x3xf32>, %[[T:[^:]+]]: tensor<?x2xf32>, %{{[^:]+}}: i64)
// CHECK-SAME: -> (tensor<f32>, tensor<?x2xf32>, tensor<3x4xf32>, tensor<4xf32>, tensor<4x2xf32>)
// CHECK: %[[M0:.+]] = net.matmul %[[X]], %[[W0]]
// CHECK: %[[A0:.+]] = net.bias_add %[[M0]], %[[B0]]
// CHECK: %[[H:.+]] = net.activation tanh %[[A0]]
// CHECK: %[[Z:.+]] = net.matmul %[[H]], %[[W1]]
// CHECK: %[[P:.+]] = net.activation softmax %[[Z]]
// CHECK: %[[L:.+]] = net.loss softmax_categorical_crossentropy %[[Z]], %[[T]]
// CHECK: %[[DZ:.+]] = net.loss_grad softmax_categorical_crossentropy %[[Z]], %[[T]]
// CHECK: %[[DH:.+]] = net.matmul %[[DZ]], %[[W1]] transpose_b
// CHECK: %[[DW1:.+]] = net.matmul %[[H]], %[[DZ]] transpose_a
// CHECK: %[[DA:.+]] = net.activation_grad tanh %[[H]], %[[DH]]
// CHECK: %[[DB0:.+]] = net.bias_grad %[[DA]]
// CHECK: %[[DW0:.+]] = net.matmul %[[X]], %[[DA]] transpose_a
// CHECK-NOT: net.matmul
// CHECK: return %[[L]], %[[P]], %[[DW0]], %[[DB0]], %[[DW1]]

// CHECK-LABEL: func.func private @clf.eval(
// CHECK: %[[Z:.+]] = net.matmul %{{.+}}, %{{.+}} : tensor<?x4xf32>, tensor<4x2xf32>
// CHECK: %[[P:.+]] = net.activation softmax %[[Z]]
// CHECK: %[[L:.+]] = net.loss softmax_categorical_crossentropy %[[Z]]
// CHECK: return %[[L]], %[[P]]

// CHECK-LABEL: func.func private @clf.predict(
// CHECK-NOT: net.loss
// CHECK: %[[P:.+]] = net.activation softmax
// CHECK: return %[[P]]

// A sigmoid output with binary cross-entropy is fused the same way; mean
// square is not fused.
net.model @bin {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y loss binary_crossentropy
}
// CHECK-LABEL: func.func private @bin.grad(
// CHECK: %[[Z:.+]] = net.bias_add
// CHECK: net.loss sigmoid_binary_crossentropy %[[Z]]
// CHECK-NOT: net.activation_grad

net.model @mse {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y loss mean_square
}
// CHECK-LABEL: func.func private @mse.grad(
// CHECK: %[[P:.+]] = net.activation sigmoid
// CHECK: net.loss mean_square %[[P]]
// CHECK: %[[DP:.+]] = net.loss_grad mean_square %[[P]]
// CHECK: net.activation_grad sigmoid %[[P]], %[[DP]]

// Dropout is the identity in predict and eval; in grad its mask comes from
// the step, and its gradient applies the same mask. A >2-D input is
// flattened.
net.model @drop {
  %x = net.input_data shape [?, 2, 3]
  %h = net.fully_connected %x units 4 activation relu
  %d = net.dropout %h keep 0.8
  %y = net.fully_connected %d units 2 activation softmax
  net.regression %y
}
// CHECK-LABEL: func.func private @drop.grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x2x3xf32>, %{{[^:]+}}: tensor<?x2xf32>, %[[STEP:[^:]+]]: i64)
// CHECK: %[[F:.+]] = net.reshape %[[X]] : tensor<?x2x3xf32> -> tensor<?x6xf32>
// CHECK: %[[H:.+]] = net.activation relu
// CHECK: %[[D:.+]] = net.apply_dropout %[[H]], %[[STEP]] keep 8.000000e-01 stream 0 : tensor<?x4xf32>
// CHECK: net.matmul %[[D]]
// CHECK: %[[DD:.+]] = net.matmul %{{.+}}, %{{.+}} transpose_b : tensor<?x2xf32>, tensor<4x2xf32> -> tensor<?x4xf32>
// CHECK: net.apply_dropout %[[DD]], %[[STEP]] keep 8.000000e-01 stream 0 : tensor<?x4xf32>
// CHECK-NOT: net.reshape
// CHECK: return
// CHECK-LABEL: func.func private @drop.eval(
// CHECK-NOT: net.apply_dropout
// CHECK: return
// CHECK-LABEL: func.func private @drop.predict(
// CHECK-NOT: net.apply_dropout
// CHECK: return
