// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-tile-and-vectorize{report=1}))' -verify-diagnostics | FileCheck %s

// An op whose body the vectorizer cannot handle stays a (tiled) scalar op
// for the loop lowering, and `report` says so.
#id1 = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic
func.func @gather(%idx: memref<16xindex>, %table: memref<?xf32>, %out: memref<16xf32>) {
  // expected-remark @+1 {{left scalar}}
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%idx : memref<16xindex>) outs(%out : memref<16xf32>) {
  ^bb0(%i: index, %o: f32):
    %v = memref.load %table[%i] : memref<?xf32>
    linalg.yield %v : f32
  }
  return
}
