// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize | FileCheck %s

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @matmuls
func.func @matmuls(%x: tensor<?x2xf32>, %w: tensor<2x3xf32>, %d: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x2xf32>, tensor<2x3xf32>) {
  // CHECK: %[[E:.+]] = tensor.empty(%{{.+}}) : tensor<?x3xf32>
  // CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E]] : tensor<?x3xf32>)
  // CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x2xf32>, tensor<2x3xf32>) outs(%[[Z]] : tensor<?x3xf32>)
  %c = net.matmul %x, %w : tensor<?x2xf32>, tensor<2x3xf32> -> tensor<?x3xf32>
  // CHECK: linalg.matmul_transpose_b ins(%{{.+}}, %{{.+}} : tensor<?x3xf32>, tensor<2x3xf32>)
  %dx = net.matmul %d, %w transpose_b : tensor<?x3xf32>, tensor<2x3xf32> -> tensor<?x2xf32>
  // CHECK: linalg.matmul_transpose_a ins(%{{.+}}, %{{.+}} : tensor<?x2xf32>, tensor<?x3xf32>) outs(%{{.+}} : tensor<2x3xf32>)
  %dw = net.matmul %x, %d transpose_a : tensor<?x2xf32>, tensor<?x3xf32> -> tensor<2x3xf32>
  return %c, %dx, %dw : tensor<?x3xf32>, tensor<?x2xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @bias
func.func @bias(%x: tensor<?x3xf32>, %b: tensor<3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>) {
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LAST]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
  // CHECK: arith.addf
  %y = net.bias_add %x, %b : tensor<?x3xf32>, tensor<3xf32>
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LAST]]], iterator_types = ["reduction", "parallel"]}
  // CHECK-SAME: outs(%{{.+}} : tensor<3xf32>)
  // CHECK: arith.addf
  %db = net.bias_grad %y : tensor<?x3xf32> -> tensor<3xf32>
  return %y, %db : tensor<?x3xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  // sigmoid: 1 / (1 + exp(-x))
  // CHECK: linalg.generic
  // CHECK: arith.negf
  // CHECK: math.exp
  // CHECK: arith.addf
  // CHECK: arith.divf
  %s = net.activation sigmoid %x : tensor<?x3xf32>
  // CHECK: linalg.generic
  // CHECK: math.tanh
  %t = net.activation tanh %x : tensor<?x3xf32>
  // CHECK: linalg.generic
  // CHECK: arith.maximumf
  %r = net.activation relu %x : tensor<?x3xf32>
  // softmax: row max, exp(x - max), row sum, divide.
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
  // CHECK: arith.maximumf
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
  // CHECK: arith.subf
  // CHECK: math.exp
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
  // CHECK: arith.addf
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
  // CHECK: arith.divf
  %m = net.activation softmax %x : tensor<?x3xf32>
  // A linear activation is the identity.
  // CHECK-NOT: linalg.generic
  // CHECK: return %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %arg0 :
  %l = net.activation linear %x : tensor<?x3xf32>
  return %s, %t, %r, %m, %l : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @activation_grads
func.func @activation_grads(%y: tensor<?x3xf32>, %dy: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  // sigmoid: dy * y * (1 - y)
  // CHECK: linalg.generic
  // CHECK: ^bb0(%[[Y:.+]]: f32, %[[DY:.+]]: f32, %{{.+}}: f32):
  // CHECK: %[[Q:.+]] = arith.subf %{{.+}}, %[[Y]]
  // CHECK: %[[P:.+]] = arith.mulf %[[Y]], %[[Q]]
  // CHECK: arith.mulf %[[DY]], %[[P]]
  %s = net.activation_grad sigmoid %y, %dy : tensor<?x3xf32>
  // tanh: dy * (1 - y^2)
  // CHECK: linalg.generic
  // CHECK: ^bb0(%[[Y:.+]]: f32, %[[DY:.+]]: f32, %{{.+}}: f32):
  // CHECK: %[[SQ:.+]] = arith.mulf %[[Y]], %[[Y]]
  // CHECK: %[[Q:.+]] = arith.subf %{{.+}}, %[[SQ]]
  // CHECK: arith.mulf %[[DY]], %[[Q]]
  %t = net.activation_grad tanh %y, %dy : tensor<?x3xf32>
  // relu: dy where y > 0
  // CHECK: linalg.generic
  // CHECK: arith.cmpf ogt
  // CHECK: arith.select
  %r = net.activation_grad relu %y, %dy : tensor<?x3xf32>
  // softmax: y * (dy - sum(dy * y))
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ID]]]
  // CHECK: arith.subf
  // CHECK: arith.mulf
  %m = net.activation_grad softmax %y, %dy : tensor<?x3xf32>
  return %s, %t, %r, %m : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @add
func.func @add(%a: tensor<2x3xf32>, %g: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.addf
  %s = net.add %a, %g : tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @reshape
// CHECK: %[[F:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2, 3]] : tensor<?x2x3x2xf32> into tensor<?x12xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2, 3]] output_shape [%{{.+}}, 2, 3, 2] : tensor<?x12xf32> into tensor<?x2x3x2xf32>
func.func @reshape(%x: tensor<?x2x3x2xf32>, %g: tensor<?x12xf32>) -> (tensor<?x12xf32>, tensor<?x2x3x2xf32>) {
  %f = net.reshape %x : tensor<?x2x3x2xf32> -> tensor<?x12xf32>
  %b = net.reshape %g : tensor<?x12xf32> -> tensor<?x2x3x2xf32>
  return %f, %b : tensor<?x12xf32>, tensor<?x2x3x2xf32>
}

// The mask is drawn per element from its row-major index and the step: kept
// elements are scaled by 1 / keep.
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: %[[X:.+]]: tensor<?x4xf32>, %[[STEP:.+]]: i64
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 4.000000e+00 : f32
// CHECK: arith.muli %[[STEP]]
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<?x4xf32>)
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.cmpf ole
// CHECK: %[[S:.+]] = arith.mulf %{{.+}}, %[[SCALE]]
// CHECK: arith.select %{{.+}}, %[[S]]
func.func @dropout(%x: tensor<?x4xf32>, %step: i64) -> tensor<?x4xf32> {
  %d = net.apply_dropout %x, %step keep 0.25 stream 1 : tensor<?x4xf32>
  return %d : tensor<?x4xf32>
}
