// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize | FileCheck %s

// Batch normalization: per-channel ([C]) vectors, reductions over every
// dimension but the channels, and one elementwise pass over the input.
// CHECK-DAG: #[[V:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[C4:.+]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[C2:.+]] = affine_map<(d0, d1) -> (d1)>

// Inference: rstd = 1 / sqrt(var + eps), scale = gamma rstd,
// y = (x - mean) scale + beta.
// CHECK-LABEL: func.func @bn(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x2x2x3xf32>, %[[G:[^:]+]]: tensor<3xf32>, %[[B:[^:]+]]: tensor<3xf32>, %[[M:[^:]+]]: tensor<3xf32>, %[[VAR:[^:]+]]: tensor<3xf32>)
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[EPS:.+]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[RSTD:.+]] = linalg.generic {indexing_maps = [#[[V]], #[[V]]], iterator_types = ["parallel"]} ins(%[[VAR]] : tensor<3xf32>)
// CHECK: arith.addf %{{.+}}, %[[EPS]]
// CHECK: math.sqrt
// CHECK: arith.divf %[[ONE]]
// CHECK: %[[SCALE:.+]] = linalg.generic {{.*}} ins(%[[G]], %[[RSTD]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[C4]], #[[C4]], #[[C4]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %[[M]], %[[SCALE]], %[[B]] :
// CHECK: ^bb0(%[[XI:.+]]: f32, %[[MI:.+]]: f32, %[[SI:.+]]: f32, %[[BI:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[D:.+]] = arith.subf %[[XI]], %[[MI]]
// CHECK: %[[P:.+]] = arith.mulf %[[D]], %[[SI]]
// CHECK: %[[R:.+]] = arith.addf %[[P]], %[[BI]]
// CHECK: linalg.yield %[[R]]
// CHECK: return %[[Y]]
func.func @bn(%x: tensor<?x2x2x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x2x2x3xf32> {
  %y = net.batch_norm %x, %g, %b, %m, %v epsilon 1.0e-3 : tensor<?x2x2x3xf32>, tensor<3xf32>
  return %y : tensor<?x2x2x3xf32>
}

// Training: M = batch * 2 * 2 elements per channel; mean = sum x / M,
// var = sum (x - mean)^2 / M (biased, two passes).
// CHECK-LABEL: func.func @bn_train(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x2x2x3xf32>, %[[G:[^:]+]]: tensor<3xf32>, %[[B:[^:]+]]: tensor<3xf32>)
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[FOUR:.+]] = arith.constant 4.000000e+00 : f32
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x2x2x3xf32>
// CHECK: %[[NI:.+]] = arith.index_castui %[[N]] : index to i64
// CHECK: %[[NF:.+]] = arith.uitofp %[[NI]] : i64 to f32
// CHECK: %[[COUNT:.+]] = arith.mulf %[[NF]], %[[FOUR]] : f32
// CHECK: %[[INV:.+]] = arith.divf %[[ONE]], %[[COUNT]] : f32
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[C4]]], iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%[[X]] : tensor<?x2x2x3xf32>)
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK: arith.mulf %{{.+}}, %[[INV]]
// CHECK: %[[SQ:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[C4]], #[[C4]]], iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%[[X]], %[[MEAN]] :
// CHECK: %[[D:.+]] = arith.subf
// CHECK: %[[D2:.+]] = arith.mulf %[[D]], %[[D]]
// CHECK: arith.addf %{{.+}}, %[[D2]]
// CHECK: %[[VAR:.+]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<3xf32>)
// CHECK: arith.mulf %{{.+}}, %[[INV]]
// CHECK: %[[RSTD:.+]] = linalg.generic {{.*}} ins(%[[VAR]] : tensor<3xf32>)
// CHECK: %[[SCALE:.+]] = linalg.generic {{.*}} ins(%[[G]], %[[RSTD]] :
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[MEAN]], %[[SCALE]], %[[B]] :
// CHECK: return %[[Y]], %[[MEAN]], %[[VAR]]
func.func @bn_train(%x: tensor<?x2x2x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>) -> (tensor<?x2x2x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y:3 = net.batch_norm_train %x, %g, %b epsilon 1.0e-3 : tensor<?x2x2x3xf32>, tensor<3xf32>
  return %y#0, %y#1, %y#2 : tensor<?x2x2x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// Gradient: dbeta = sum dy, dgamma = sum dy (x - mean) rstd,
// dx = gamma rstd (dy - dbeta / M - xhat dgamma / M), M = batch here.
// CHECK-LABEL: func.func @bn_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x3xf32>, %[[DY:[^:]+]]: tensor<?x3xf32>, %[[G:[^:]+]]: tensor<3xf32>, %[[M:[^:]+]]: tensor<3xf32>, %[[VAR:[^:]+]]: tensor<3xf32>)
// CHECK: %[[N:.+]] = tensor.dim %[[X]]
// CHECK: %[[NI:.+]] = arith.index_castui %[[N]]
// CHECK: %[[NF:.+]] = arith.uitofp %[[NI]]
// CHECK: %[[INV:.+]] = arith.divf %{{.+}}, %[[NF]] : f32
// CHECK: %[[RSTD:.+]] = linalg.generic {{.*}} ins(%[[VAR]] : tensor<3xf32>)
// CHECK: %[[DBETA:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[C2]]], iterator_types = ["reduction", "parallel"]} ins(%[[DY]] : tensor<?x3xf32>)
// CHECK: %[[DGAMMA:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]], #[[C2]], #[[C2]], #[[C2]]], iterator_types = ["reduction", "parallel"]} ins(%[[X]], %[[DY]], %[[M]], %[[RSTD]] :
// CHECK: %[[K:.+]] = linalg.generic {{.*}} ins(%[[G]], %[[RSTD]] :
// CHECK: %[[DBM:.+]] = linalg.generic {{.*}} ins(%[[DBETA]] : tensor<3xf32>)
// CHECK: arith.mulf %{{.+}}, %[[INV]]
// CHECK: %[[DGM:.+]] = linalg.generic {{.*}} ins(%[[DGAMMA]] : tensor<3xf32>)
// CHECK: arith.mulf %{{.+}}, %[[INV]]
// CHECK: %[[DX:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]], #[[C2]], #[[C2]], #[[C2]], #[[C2]], #[[C2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[DY]], %[[M]], %[[RSTD]], %[[K]], %[[DBM]], %[[DGM]] :
// CHECK: ^bb0(%[[XI:[^:]+]]: f32, %[[DYI:[^:]+]]: f32, %[[MI:[^:]+]]: f32, %[[RI:[^:]+]]: f32, %[[KI:[^:]+]]: f32, %[[DBI:[^:]+]]: f32, %[[DGI:[^:]+]]: f32, %{{.+}}: f32):
// CHECK: %[[C:.+]] = arith.subf %[[XI]], %[[MI]]
// CHECK: %[[XHAT:.+]] = arith.mulf %[[C]], %[[RI]]
// CHECK: %[[T:.+]] = arith.mulf %[[XHAT]], %[[DGI]]
// CHECK: %[[CORR:.+]] = arith.addf %[[DBI]], %[[T]]
// CHECK: %[[DIFF:.+]] = arith.subf %[[DYI]], %[[CORR]]
// CHECK: %[[R:.+]] = arith.mulf %[[KI]], %[[DIFF]]
// CHECK: linalg.yield %[[R]]
// CHECK: return %[[DX]], %[[DGAMMA]], %[[DBETA]]
func.func @bn_grad(%x: tensor<?x3xf32>, %dy: tensor<?x3xf32>, %g: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %d:3 = net.batch_norm_grad %x, %dy, %g, %m, %v epsilon 1.0e-3 : tensor<?x3xf32>, tensor<3xf32>
  return %d#0, %d#1, %d#2 : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// The moving average: p = 0.75 p + 0.25 s, then s = 0, on one slice.
// CHECK-LABEL: func.func @moving(
// CHECK-SAME: %[[P:[^:]+]]: memref<8xf32>, %[[S:[^:]+]]: memref<8xf32>)
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[NEW:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[OLD:.+]] = arith.constant 7.500000e-01 : f32
// CHECK: %[[PV:.+]] = memref.subview %[[P]][4] [3] [1] : memref<8xf32> to memref<3xf32, strided<[1], offset: 4>>
// CHECK: %[[SV:.+]] = memref.subview %[[S]][4] [3] [1] : memref<8xf32> to memref<3xf32, strided<[1], offset: 4>>
// CHECK: linalg.generic {indexing_maps = [#[[V]], #[[V]]], iterator_types = ["parallel"]} outs(%[[PV]], %[[SV]] :
// CHECK: ^bb0(%[[PI:[^:]+]]: f32, %[[SI:[^:]+]]: f32):
// CHECK: %[[A:.+]] = arith.mulf %[[PI]], %[[OLD]]
// CHECK: %[[B:.+]] = arith.mulf %[[SI]], %[[NEW]]
// CHECK: %[[SUM:.+]] = arith.addf %[[A]], %[[B]]
// CHECK: linalg.yield %[[SUM]], %[[ZERO]]
func.func @moving(%p: memref<8xf32>, %s: memref<8xf32>) {
  net.moving_average %p, %s offset 4 size 3 decay 0.75 : memref<8xf32>
  return
}

// The constant initialiser stores init_a.
// CHECK-LABEL: func.func @init_constant(
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: scf.for
// CHECK: memref.store %[[ONE]]
func.func @init_constant(%p: memref<8xf32>, %seed: i64) {
  net.random_init constant(1.0, 0.0) %p[4, 4] seed %seed stream 0 fan_in 4 fan_out 4 : memref<8xf32>
  return
}
