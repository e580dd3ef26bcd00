// RUN: dlc-opt %s --split-input-file --dlc-untie-empty-tensors | FileCheck %s
// RUN: dlc-opt %s --split-input-file --dlc-untie-empty-tensors --eliminate-empty-tensors | FileCheck %s --check-prefix=ELIM

// Two reductions start from one fill of one tensor.empty (as CSE leaves
// them): each gets its own, made just before it.
// CHECK-LABEL: func.func @two_bias_gradients(
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<64xf32>
// CHECK-NEXT: %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<64xf32>)
// CHECK-NEXT: %[[R1:.+]] = linalg.generic {{.*}} outs(%[[F1]] : tensor<64xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<64xf32>
// CHECK-NEXT: %[[F2:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<64xf32>)
// CHECK-NEXT: %[[R2:.+]] = linalg.generic {{.*}} outs(%[[F2]] : tensor<64xf32>)
// CHECK-NOT: tensor.empty
// Then each is computed in its own slice.
// ELIM-LABEL: func.func @two_bias_gradients(
// ELIM-SAME: %{{[^:]+}}: tensor<?x64xf32>, %{{[^:]+}}: tensor<?x64xf32>, %[[G:[^:]+]]: memref<256xf32>
// ELIM-DAG: %[[A:.+]] = memref.reinterpret_cast %[[G]] to offset: [0]
// ELIM-DAG: %[[B:.+]] = memref.reinterpret_cast %[[G]] to offset: [64]
// ELIM-NOT: tensor.empty
// ELIM: %[[TA:.+]] = bufferization.to_tensor %[[A]] restrict writable
// ELIM-NEXT: linalg.fill {{.*}} outs(%[[TA]]
// ELIM: %[[TB:.+]] = bufferization.to_tensor %[[B]] restrict writable
// ELIM-NEXT: linalg.fill {{.*}} outs(%[[TB]]
#red = affine_map<(n, c) -> (n, c)>
#out = affine_map<(n, c) -> (c)>
func.func @two_bias_gradients(%dy2: tensor<?x64xf32>, %dy3: tensor<?x64xf32>, %g: memref<256xf32>) {
  %a = memref.reinterpret_cast %g to offset: [0], sizes: [64], strides: [1] : memref<256xf32> to memref<64xf32, strided<[1]>>
  %b = memref.reinterpret_cast %g to offset: [64], sizes: [64], strides: [1] : memref<256xf32> to memref<64xf32, strided<[1], offset: 64>>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %r2 = linalg.generic {indexing_maps = [#red, #out], iterator_types = ["reduction", "parallel"]} ins(%dy2 : tensor<?x64xf32>) outs(%f : tensor<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %r3 = linalg.generic {indexing_maps = [#red, #out], iterator_types = ["reduction", "parallel"]} ins(%dy3 : tensor<?x64xf32>) outs(%f : tensor<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  bufferization.materialize_in_destination %r2 in restrict writable %a : (tensor<64xf32>, memref<64xf32, strided<[1]>>) -> ()
  bufferization.materialize_in_destination %r3 in restrict writable %b : (tensor<64xf32>, memref<64xf32, strided<[1], offset: 64>>) -> ()
  return
}

// -----

// A tensor.empty with several uses, dynamic sizes included: one per use;
// one use alone stays as it is.
// CHECK-LABEL: func.func @empties(
// CHECK-SAME: %[[N:.+]]: index
// CHECK: %[[E1:.+]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: %[[E3:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[E1]] : tensor<?x4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[E2]] : tensor<?x4xf32>)
// CHECK-NOT: tensor.empty
// CHECK: linalg.fill {{.*}} outs(%[[E3]] : tensor<4xf32>)
#id = affine_map<(i, j) -> (i, j)>
func.func @empties(%n: index, %x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<4xf32>) {
  %cst = arith.constant 1.0 : f32
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %one = tensor.empty() : tensor<4xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %s = arith.addf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  %c = linalg.fill ins(%cst : f32) outs(%one : tensor<4xf32>) -> tensor<4xf32>
  return %a, %b, %c : tensor<?x4xf32>, tensor<?x4xf32>, tensor<4xf32>
}
