// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-tile-and-vectorize{report=1}))' -verify-diagnostics | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#id1 = affine_map<(d0) -> (d0)>

// A contraction's batch is tiled by 8 and peeled: full tiles are static and
// vectorized, the remainder is tiled by 1 and vectorized too. No op is left
// scalar (the pass would emit a remark, which -verify-diagnostics rejects).

// CHECK-LABEL: func.func @matmul
// CHECK: %[[MAIN:.+]] = affine.apply
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[MAIN]] step %{{.+}} {
// CHECK: vector.contract {{.*}} : vector<8x2xf32>, vector<2x3xf32> into vector<8x3xf32>
// CHECK: vector.transfer_write %{{.+}} : vector<8x3xf32>
// CHECK: scf.for %{{.+}} = %[[MAIN]] to
// CHECK: scf.for
// CHECK: vector.contract {{.*}} into vector<1x3xf32>
// CHECK-NOT: linalg.
func.func @matmul(%x: memref<?x2xf32>, %w: memref<2x3xf32>, %y: memref<?x3xf32>) {
  linalg.matmul ins(%x, %w : memref<?x2xf32>, memref<2x3xf32>) outs(%y : memref<?x3xf32>)
  return
}

// Memory-bound ops go one row at a time: no remainder copy.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1
// CHECK: math.exp %{{.+}} : vector<1x3xf32>
// The row loop runs over a parallel dimension: marked for
// dlc-parallelize-loops with the work of one row.
// CHECK: } {dlc.parallel = 3 : i64}
// CHECK-NOT: scf.for
// CHECK-NOT: linalg.
func.func @elementwise(%x: memref<?x3xf32>, %y: memref<?x3xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<?x3xf32>) outs(%y : memref<?x3xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// Long static dimensions are tiled by 16 (one AVX-512 register); the static
// tail is one shorter vector.
// CHECK-LABEL: func.func @flat
// CHECK: scf.for %{{.+}} = %{{.+}} to %c96 step %c16
// CHECK: arith.subf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: } {dlc.parallel = 16 : i64}
// CHECK: arith.subf %{{.+}}, %{{.+}} : vector<4xf32>
// CHECK-NOT: linalg.
func.func @flat(%g: memref<100xf32>, %p: memref<100xf32>) {
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%g : memref<100xf32>) outs(%p : memref<100xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.subf %b, %a : f32
    linalg.yield %s : f32
  }
  return
}

// A reduction over rows: its parallel dimension is tiled outermost (16
// columns at a time, then the rows in order, as before), and only that
// loop is marked; the row loop inside is not.
// CHECK-LABEL: func.func @row_sums
// CHECK: scf.for %{{.+}} = %c0 to %c32 step %c16 {
// CHECK: scf.for %{{.+}} = %c0 to %{{.+}} step %c1 {
// CHECK: arith.addf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK-NEXT: vector.transfer_write
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: {{^ *}}} {dlc.parallel = 512 : i64}
// CHECK: return
func.func @row_sums(%x: memref<?x32xf32>, %s: memref<32xf32>) {
  linalg.generic {indexing_maps = [#id, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%x : memref<?x32xf32>) outs(%s : memref<32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}
