// RUN: dlc-opt %s --dlc-gpu-prepare --split-input-file | FileCheck %s

// Host stack buffers become allocations (kernels cannot reach the stack).
// CHECK-LABEL: func.func private @stack
// CHECK-NOT: memref.alloca
// CHECK: %[[A:.+]] = memref.alloc() {alignment = 64 : i64} : memref<f32>
// CHECK: linalg.generic {{.*}} outs(%[[A]] : memref<f32>)
#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>
func.func private @stack(%x: memref<3xf32>) -> f32 {
  %a = memref.alloca() {alignment = 64 : i64} : memref<f32>
  linalg.generic {indexing_maps = [#id, #scalar], iterator_types = ["reduction"]}
      ins(%x : memref<3xf32>) outs(%a : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  %v = memref.load %a[] : memref<f32>
  return %v : f32
}

// -----

// Constants are copied into allocations before device code reads them.
// CHECK: memref.global "private" constant @table
// CHECK-LABEL: func.func private @constant
// CHECK: %[[G:.+]] = memref.get_global @table : memref<4xf32>
// CHECK: %[[A:.+]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[G]], %[[A]]
// CHECK: linalg.generic {{.*}} ins(%[[A]] : memref<4xf32>)
#id = affine_map<(d0) -> (d0)>
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func private @constant(%y: memref<4xf32>) {
  %g = memref.get_global @table : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<4xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

// Parallel loops come first: a column sum (reduction over the batch, then
// the features) runs one thread per feature.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func private @columns
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// Named ops are generalized.
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
#rows = affine_map<(d0, d1) -> (d0, d1)>
#cols = affine_map<(d0, d1) -> (d1)>
func.func private @columns(%x: memref<?x8xf32>, %y: memref<8xf32>) {
  linalg.generic {indexing_maps = [#rows, #cols], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x8xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<8xf32>)
  return
}

// -----

// Exported functions wait for their device work before they return.
// CHECK: func.func private @dlc_cuda_synchronize() -> i32
// CHECK-LABEL: func.func @m_forward
// CHECK: scf.if
// CHECK: call @dlc_cuda_synchronize() : () -> i32
// CHECK-NEXT: return
// CHECK: call @dlc_cuda_synchronize() : () -> i32
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @m.forward_impl
// CHECK-NOT: dlc_cuda_synchronize
// CHECK: return
func.func @m_forward(%c: i1) {
  scf.if %c {
    func.call @m.forward_impl() : () -> ()
  }
  cf.cond_br %c, ^a, ^b
^a:
  return
^b:
  return
}
func.func private @m.forward_impl() {
  return
}
