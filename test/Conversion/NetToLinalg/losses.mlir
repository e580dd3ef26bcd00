// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize | FileCheck %s

// Losses are means: mean_square and the binary cross-entropies over every
// element (batch * 3 here), the categorical ones over the batch.

// CHECK-LABEL: func.func @mean_square
// CHECK-DAG: %[[THREE:.+]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[N:.+]] = tensor.dim
// CHECK: %[[NF:.+]] = arith.uitofp
// CHECK: %[[CNT:.+]] = arith.mulf %[[NF]], %[[THREE]]
// CHECK: %[[INV:.+]] = arith.divf %{{.+}}, %[[CNT]]
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.+}}, %[[INV]]
func.func @mean_square(%p: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> tensor<f32> {
  %l = net.loss mean_square %p, %t : tensor<?x3xf32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func @mean_square_grad
// 2 (p - t) / count
// CHECK: %[[INV:.+]] = arith.divf
// CHECK: %[[TWO_INV:.+]] = arith.mulf %[[INV]], %{{.+}}
// CHECK: linalg.generic
// CHECK: %[[D:.+]] = arith.subf
// CHECK: arith.mulf %[[D]], %[[TWO_INV]]
func.func @mean_square_grad(%p: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %g = net.loss_grad mean_square %p, %t : tensor<?x3xf32>
  return %g : tensor<?x3xf32>
}

// Probabilities are clamped to [1e-7, 1 - 1e-7] before the log.
// CHECK-LABEL: func.func @binary_crossentropy
// CHECK-DAG: arith.constant 1.000000e-07 : f32
// CHECK-DAG: arith.constant 0.99999988 : f32
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.log
// CHECK: math.log
func.func @binary_crossentropy(%p: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> (tensor<f32>, tensor<?x3xf32>) {
  %l = net.loss binary_crossentropy %p, %t : tensor<?x3xf32>
  %g = net.loss_grad binary_crossentropy %p, %t : tensor<?x3xf32>
  return %l, %g : tensor<f32>, tensor<?x3xf32>
}

// The fused sigmoid form on logits: max(z, 0) - z t + log1p(exp(-|z|)).
// CHECK-LABEL: func.func @sigmoid_binary_crossentropy
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.maximumf
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.log1p
// Its gradient is (sigmoid(z) - t) / count.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.subf
func.func @sigmoid_binary_crossentropy(%z: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> (tensor<f32>, tensor<?x3xf32>) {
  %l = net.loss sigmoid_binary_crossentropy %z, %t : tensor<?x3xf32>
  %g = net.loss_grad sigmoid_binary_crossentropy %z, %t : tensor<?x3xf32>
  return %l, %g : tensor<f32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @categorical_crossentropy
// CHECK-NOT: arith.constant 3.000000e+00
// CHECK: math.log
// CHECK: arith.negf
func.func @categorical_crossentropy(%p: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> (tensor<f32>, tensor<?x3xf32>) {
  %l = net.loss categorical_crossentropy %p, %t : tensor<?x3xf32>
  %g = net.loss_grad categorical_crossentropy %p, %t : tensor<?x3xf32>
  return %l, %g : tensor<f32>, tensor<?x3xf32>
}

// The fused softmax form: sum_j t_j (logsumexp(z) - z_j), computed after
// subtracting the row maximum; its gradient softmax(z) sum(t) - t.
// CHECK-LABEL: func.func @softmax_categorical_crossentropy
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: math.log
// CHECK: arith.subf
// CHECK: arith.mulf
func.func @softmax_categorical_crossentropy(%z: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> (tensor<f32>, tensor<?x3xf32>) {
  %l = net.loss softmax_categorical_crossentropy %z, %t : tensor<?x3xf32>
  %g = net.loss_grad softmax_categorical_crossentropy %z, %t : tensor<?x3xf32>
  return %l, %g : tensor<f32>, tensor<?x3xf32>
}
