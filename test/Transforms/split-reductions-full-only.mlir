// RUN: dlc-opt %s --dlc-split-reductions="max-serial=4096 full-only=1" | FileCheck %s

// The CPU pipeline's mode: a full sum of squares over 4096x512 weights (an
// L2 penalty) is split once, into 512 partial sums of 4096 values, then
// their sum; the squares stay in the first stage only.
// CHECK-LABEL: func.func @l2_penalty(
// CHECK-SAME: %[[W:[^:]+]]: memref<4096x512xf32>, %[[S:[^:]+]]: memref<f32>)
// CHECK: %[[P:.+]] = memref.alloc() : memref<512xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[P]] : memref<512xf32>)
// CHECK: linalg.generic {{.+}} iterator_types = ["reduction", "parallel"]} ins(%[[W]] : memref<4096x512xf32>) outs(%[[P]] : memref<512xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[IN]], %[[IN]] : f32
// CHECK-NEXT: %[[ADD:.+]] = arith.addf %[[OUT]], %[[SQ]] : f32
// CHECK-NEXT: linalg.yield %[[ADD]] : f32
// CHECK: linalg.generic {{.+}} iterator_types = ["reduction"]} ins(%[[P]] : memref<512xf32>) outs(%[[S]] : memref<f32>)
// CHECK-NEXT: ^bb0(%[[IN2:.+]]: f32, %[[OUT2:.+]]: f32):
// CHECK-NEXT: %[[ADD2:.+]] = arith.addf %[[OUT2]], %[[IN2]] : f32
// CHECK-NEXT: linalg.yield %[[ADD2]] : f32
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @l2_penalty(%w: memref<4096x512xf32>, %s: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%w : memref<4096x512xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %sq = arith.mulf %in, %in : f32
    %a = arith.addf %acc, %sq : f32
    linalg.yield %a : f32
  }
  return
}

// Reductions with a parallel loop (a bias gradient) and full sums of at
// most 4096 values stay as they are.
// CHECK-LABEL: func.func @unchanged(
// CHECK-NOT: memref.alloc
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @unchanged(%dy: memref<?x32x32x8xf32>, %db: memref<8xf32>, %x: memref<64x64xf32>, %s: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>], iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%dy : memref<?x32x32x8xf32>) outs(%db : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %in, %acc : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : memref<64x64xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %in, %acc : f32
    linalg.yield %a : f32
  }
  return
}
