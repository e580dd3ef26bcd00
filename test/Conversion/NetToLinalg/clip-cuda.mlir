// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize | FileCheck %s

// On the CUDA target the global norm's sum of squares goes in blocks of
// [k, 128 * 128], then [k, 128], then the rest, each summed into the one
// accumulator: dlc-split-reductions can split each evenly, whatever the
// length (2159114 = 2 * 53 * 20369, the CIFAR CNN's, would leave one
// thread adding 20369 partial sums).
module attributes {dlc.target = "cuda"} {

// CHECK-LABEL: func.func @clip_cifar_sized(
// CHECK-SAME: %[[G:.+]]: memref<2159114xf32>
// CHECK: %[[ACC:.+]] = memref.alloca() : memref<f32>
// CHECK: linalg.fill {{.*}} outs(%[[ACC]] : memref<f32>)
// CHECK: %[[A:.+]] = memref.subview %[[G]][0] [2146304] [1]
// CHECK: %[[AE:.+]] = memref.expand_shape %[[A]] {{\[\[}}0, 1]] output_shape [131, 16384]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[AE]] : {{.*}}) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[B:.+]] = memref.subview %[[G]][2146304] [12800] [1]
// CHECK: %[[BE:.+]] = memref.expand_shape %[[B]] {{\[\[}}0, 1]] output_shape [100, 128]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[BE]] : {{.*}}) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[C:.+]] = memref.subview %[[G]][2159104] [10] [1]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[C]] : {{.*}}) outs(%[[ACC]] : memref<f32>)
// CHECK: memref.load %[[ACC]][]
// CHECK: math.sqrt
func.func @clip_cifar_sized(%g: memref<2159114xf32>) {
  net.clip_by_global_norm %g clip 5.0 : memref<2159114xf32>
  return
}

// Below 128 elements: one sum.
// CHECK-LABEL: func.func @clip_small(
// CHECK-NOT: memref.expand_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]}
// CHECK-NOT: iterator_types = ["reduction"
// CHECK: math.sqrt
func.func @clip_small(%g: memref<100xf32>) {
  net.clip_by_global_norm %g clip 5.0 : memref<100xf32>
  return
}

}
