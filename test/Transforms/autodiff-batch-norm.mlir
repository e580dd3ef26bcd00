// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff | FileCheck %s

// The training function normalizes with the batch's statistics
// (net.batch_norm_train), differentiates through them
// (net.batch_norm_grad), and returns them in the slots of the moving
// statistics; predict and eval use the moving statistics.
net.model @bn {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4
  %n = net.batch_normalization %h
  %y = net.fully_connected %n units 2
  net.regression %y loss mean_square
}
// Arguments: W, b, beta, gamma, moving_mean, moving_variance, W_1, b_1, x, y, step.
// CHECK-LABEL: func.func private @bn.grad(
// CHECK-SAME: %[[W:[^:]+]]: tensor<3x4xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[BETA:[^:]+]]: tensor<4xf32>, %[[GAMMA:[^:]+]]: tensor<4xf32>, %{{[^:]+}}: tensor<4xf32>, %{{[^:]+}}: tensor<4xf32>,
// CHECK: %[[H:.+]] = net.bias_add
// CHECK: %[[N:[^ ]+]], %[[MEAN:[^ ]+]], %[[VAR:[^ ]+]] = net.batch_norm_train %[[H]], %[[GAMMA]], %[[BETA]] epsilon 1.000000e-05 : tensor<?x4xf32>, tensor<4xf32>
// CHECK: net.matmul %[[N]]
// CHECK: %[[DN:.+]] = net.matmul %{{.+}}, %{{.+}} transpose_b : tensor<?x2xf32>, tensor<4x2xf32> -> tensor<?x4xf32>
// CHECK: %[[DH:[^ ]+]], %[[DGAMMA:[^ ]+]], %[[DBETA:[^ ]+]] = net.batch_norm_grad %[[H]], %[[DN]], %[[GAMMA]], %[[MEAN]], %[[VAR]] epsilon 1.000000e-05 : tensor<?x4xf32>, tensor<4xf32>
// CHECK: %[[DB:.+]] = net.bias_grad %[[DH]]
// CHECK: %[[DW:.+]] = net.matmul %{{.+}}, %[[DH]] transpose_a
// CHECK: return %{{.+}}, %{{.+}}, %[[DW]], %[[DB]], %[[DBETA]], %[[DGAMMA]], %[[MEAN]], %[[VAR]], %{{.+}}, %{{.+}} :
// CHECK-LABEL: func.func private @bn.eval(
// CHECK-SAME: %{{[^:]+}}: tensor<3x4xf32>, %{{[^:]+}}: tensor<4xf32>, %[[EBETA:[^:]+]]: tensor<4xf32>, %[[EGAMMA:[^:]+]]: tensor<4xf32>, %[[EMEAN:[^:]+]]: tensor<4xf32>, %[[EVAR:[^:]+]]: tensor<4xf32>,
// CHECK-NOT: net.batch_norm_train
// CHECK: net.batch_norm %{{.+}}, %[[EGAMMA]], %[[EBETA]], %[[EMEAN]], %[[EVAR]] epsilon 1.000000e-05
// CHECK-NOT: net.batch_norm_train
// CHECK: return
// CHECK-LABEL: func.func private @bn.predict(
// CHECK-NOT: net.batch_norm_train
// CHECK: net.batch_norm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} epsilon 1.000000e-05
// CHECK-NOT: net.batch_norm_train
// CHECK: return
