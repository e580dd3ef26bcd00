// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-lower-vectors))' | FileCheck %s

// Contractions become outer products (vector FMAs), reductions inner reductions,
// and math functions polynomials, so no libm call is left.

// CHECK-LABEL: func.func @contract
// CHECK-NOT: vector.contract
// CHECK: vector.fma %{{.+}}, %{{.+}}, %{{.+}} : vector<4xf32>
func.func @contract(%a: vector<8x2xf32>, %b: vector<2x4xf32>, %c: vector<8x4xf32>) -> vector<8x4xf32> {
  %r = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<8x2xf32>, vector<2x4xf32> into vector<8x4xf32>
  return %r : vector<8x4xf32>
}

// CHECK-LABEL: func.func @reduce
// CHECK-NOT: vector.multi_reduction
// CHECK: vector.reduction <add>
func.func @reduce(%a: vector<8x16xf32>, %acc: vector<8xf32>) -> vector<8xf32> {
  %r = vector.multi_reduction <add>, %a, %acc [1] : vector<8x16xf32> to vector<8xf32>
  return %r : vector<8xf32>
}

// CHECK-LABEL: func.func @math
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK: math.fma
// CHECK: return
func.func @math(%a: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %e = math.exp %a : vector<16xf32>
  %t = math.tanh %a : vector<16xf32>
  %l = math.log %a : vector<16xf32>
  return %e, %t, %l : vector<16xf32>, vector<16xf32>, vector<16xf32>
}
