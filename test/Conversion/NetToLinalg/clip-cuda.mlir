// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize | FileCheck %s

// On the CUDA target the global norm's sum of squares splits evenly
// whatever the length (dlc-split-reductions factors loops exactly: the
// CIFAR CNN's 2159114 = 2 * 53 * 20369 values as one sum would leave one
// thread adding 20369 partial sums).
module attributes {dlc.target = "cuda"} {

// From 2 * 16384 values: 16384 threads, thread t adding the squares of
// g[t], g[t + 16384], ... and of g[2146304 + t] when t < 12810, into
// partials[t]; then the partials (16384 = 128 x 128) into the accumulator.
// CHECK-LABEL: func.func @clip_cifar_sized(
// CHECK-SAME: %[[G:.+]]: memref<2159114xf32>
// CHECK-DAG: %[[ACC:.+]] = memref.alloca() : memref<f32>
// CHECK-DAG: %[[PART:.+]] = memref.alloca() : memref<16384xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} outs(%[[PART]] : memref<16384xf32>)
// CHECK: %[[T:.+]] = linalg.index 0 : index
// CHECK: %[[S:.+]] = scf.for %[[R:.+]] = %{{.+}} to %c2146304 step %c16384 iter_args(%[[A:.+]] = %{{.+}}) -> (f32) {
// CHECK-NEXT: %[[AT:.+]] = arith.addi %[[R]], %[[T]] : index
// CHECK-NEXT: %[[V:.+]] = memref.load %[[G]][%[[AT]]]
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[V]], %[[V]]
// CHECK-NEXT: arith.addf %[[A]], %[[SQ]]
// CHECK: %[[IN:.+]] = arith.cmpi ult, %[[T]], %c12810 : index
// CHECK: scf.if %[[IN]] -> (f32) {
// CHECK: arith.addi %[[T]], %c2146304
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[PART]] : memref<16384xf32>) outs(%[[ACC]] : memref<f32>)
// CHECK: memref.load %[[ACC]][]
// CHECK: math.sqrt
func.func @clip_cifar_sized(%g: memref<2159114xf32>) {
  net.clip_by_global_norm %g clip 5.0 : memref<2159114xf32>
  return
}

// Fewer: blocks of [k, 16384], [k, 128], then the rest, each summed into
// the accumulator.
// CHECK-LABEL: func.func @clip_mid_sized(
// CHECK-SAME: %[[G:.+]]: memref<20000xf32>
// CHECK: %[[A:.+]] = memref.subview %[[G]][0] [16384] [1]
// CHECK: memref.expand_shape %[[A]] {{\[\[}}0, 1]] output_shape [1, 16384]
// CHECK: %[[B:.+]] = memref.subview %[[G]][16384] [3584] [1]
// CHECK: memref.expand_shape %[[B]] {{\[\[}}0, 1]] output_shape [28, 128]
// CHECK: memref.subview %[[G]][19968] [32] [1]
// CHECK: math.sqrt
func.func @clip_mid_sized(%g: memref<20000xf32>) {
  net.clip_by_global_norm %g clip 5.0 : memref<20000xf32>
  return
}

// Below 128 values: one sum.
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
