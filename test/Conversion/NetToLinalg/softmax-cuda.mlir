// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize --cse | FileCheck %s

// On the CUDA target, row reductions are one thread per row: a
// linalg.generic over the rows whose body loops over its row. The softmax,
// its loss and its gradient share one such op for the row statistics (the
// maximum m and s = sum_j exp(z_j - m)); then one op over [N, C] each.
module attributes {dlc.target = "cuda"} {

// CHECK-LABEL: func.func @softmax_loss_and_gradient(
// CHECK-SAME: %[[Z:[^:]+]]: tensor<?x10xf32>, %[[T:[^:]+]]: tensor<?x10xf32>
// The row statistics, once:
// CHECK: %[[STATS:.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel"]} outs(
// CHECK: %[[ROW:.+]] = linalg.index 0 : index
// CHECK: %[[M:.+]] = scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[A:.+]] = %{{.+}}) -> (f32) {
// CHECK-NEXT: %[[X:.+]] = tensor.extract %[[Z]][%[[ROW]], %[[J]]]
// CHECK-NEXT: arith.maximumf %[[X]], %[[A]]
// CHECK: %[[S:.+]] = scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[B:.+]] = %{{.+}}) -> (f32) {
// CHECK-NEXT: %[[Y:.+]] = tensor.extract %[[Z]][%[[ROW]], %[[K]]]
// CHECK-NEXT: %[[D:.+]] = arith.subf %[[Y]], %[[M]]
// CHECK-NEXT: %[[E:.+]] = math.exp %[[D]]
// CHECK-NEXT: arith.addf %[[E]], %[[B]]
// CHECK: linalg.yield %[[M]], %[[S]]
// CHECK-NOT: iterator_types = ["parallel"]} outs(
// The prediction: exp(z - m) / s.
// CHECK: linalg.generic {{.*}} ins(%[[Z]], %[[STATS]]#0, %[[STATS]]#1 : {{.*}}) outs(
// CHECK: math.exp
// CHECK: arith.divf
// The loss: sum of t (log s - (z - m)).
// CHECK: linalg.generic {{.*}} ins(%[[Z]], %[[T]], %[[STATS]]#0, %[[STATS]]#1 : {{.*}}) outs(
// CHECK: math.log
// The gradient's row sums of t, in a row loop too.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} outs(
// CHECK: scf.for
// CHECK: tensor.extract %[[T]]
func.func @softmax_loss_and_gradient(%z: tensor<?x10xf32>, %t: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<f32>, tensor<?x10xf32>) {
  %p = net.activation softmax %z : tensor<?x10xf32>
  %l = net.loss softmax_categorical_crossentropy %z, %t : tensor<?x10xf32>
  %g = net.loss_grad softmax_categorical_crossentropy %z, %t : tensor<?x10xf32>
  return %p, %l, %g : tensor<?x10xf32>, tensor<f32>, tensor<?x10xf32>
}

// Rows longer than 1024 keep the reduction form, which
// dlc-split-reductions splits in stages.
// CHECK-LABEL: func.func @long_rows(
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-NOT: scf.for
func.func @long_rows(%z: tensor<?x2000xf32>) -> tensor<?x2000xf32> {
  %p = net.activation softmax %z : tensor<?x2000xf32>
  return %p : tensor<?x2000xf32>
}

}
