// RUN: dlc-opt %s --split-input-file --convert-net-to-linalg --canonicalize | FileCheck %s

// CPU: slice by slice, g += decay * w in place, and loss + decay / 2 *
// sum(w^2) (the sum of squares in vector lanes from 4096 elements on).
// CHECK-LABEL: func.func @cpu(
// CHECK-SAME: %[[P:[^:]+]]: memref<8200xf32>, %[[G:[^:]+]]: memref<8200xf32>, %[[L:[^:]+]]: f32) -> f32
// CHECK-DAG: %[[D1:.+]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG: %[[H1:.+]] = arith.constant 5.000000e-02 : f32
// CHECK-DAG: %[[D2:.+]] = arith.constant 2.000000e-01 : f32
// CHECK: %[[ACC:.+]] = memref.alloca() : memref<f32>
// CHECK: linalg.fill ins(%[[L]] : f32) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[W1:.+]] = memref.subview %[[P]][2] [3] [1]
// CHECK: %[[G1:.+]] = memref.subview %[[G]][2] [3] [1]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[W1]] : {{.+}}) outs(%[[G1]] : {{.+}})
// CHECK: ^bb0(%[[W:.+]]: f32, %[[GV:.+]]: f32):
// CHECK: %[[DW:.+]] = arith.mulf %[[W]], %[[D1]]
// CHECK: arith.addf %[[GV]], %[[DW]]
// CHECK: %[[SQ1:.+]] = memref.alloca() : memref<f32>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[W1]] : {{.+}}) outs(%[[SQ1]] : memref<f32>)
// CHECK: linalg.generic {{.*}} iterator_types = []} ins(%[[SQ1]] : memref<f32>) outs(%[[ACC]] : memref<f32>)
// CHECK: arith.mulf %{{.+}}, %[[H1]]
// CHECK: %[[W2:.+]] = memref.subview %[[P]][100] [8100] [1]
// CHECK: %[[G2:.+]] = memref.subview %[[G]][100] [8100] [1]
// CHECK: linalg.generic {{.*}} ins(%[[W2]] : {{.+}}) outs(%[[G2]] : {{.+}})
// CHECK: arith.mulf %{{.+}}, %[[D2]]
// CHECK: memref.expand_shape {{.+}} output_shape [1, 256, 16]
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.mulf %{{.+}}, %[[D1]]
// CHECK: %[[T:.+]] = memref.load %[[ACC]][]
// CHECK: return %[[T]]
func.func @cpu(%p: memref<8200xf32>, %g: memref<8200xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [2, 100] sizes [3, 8100] decays [0.1, 0.2] : memref<8200xf32>
  return %t : f32
}

// -----

// CUDA. The gradients: one elementwise update over the range the slices
// span ([2, 8200): 8198 elements), each element's decay / 2 from its index:
// 0.05 (from 2), 0 from 5, 0.1 from 100 (to 8200, the end); between the
// slices the gradient is kept. The squares: 2048 threads (8103 decayed
// elements), thread t summing those of each slice at t, t + 2048, ...
// (the first slice: 2 + t for t < 3; the second: 100 + t, 2148 + t, 4196 + t
// and 6244 + t for t < 1956), times decay / 2, into partials[t], which are
// then summed into the loss.
// CHECK-LABEL: func.func @cuda(
// CHECK-SAME: %[[P:[^:]+]]: memref<8200xf32>, %[[G:[^:]+]]: memref<8200xf32>, %[[L:[^:]+]]: f32) -> f32
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[H1:.+]] = arith.constant 5.000000e-02 : f32
// CHECK-DAG: %[[H2:.+]] = arith.constant 1.000000e-01 : f32
// CHECK: %[[ACC:.+]] = memref.alloca() : memref<f32>
// CHECK: linalg.fill ins(%[[L]] : f32) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[WS:.+]] = memref.subview %[[P]][2] [8198] [1]
// CHECK: %[[GS:.+]] = memref.subview %[[G]][2] [8198] [1]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[WS]] : {{.+}}) outs(%[[GS]] : {{.+}})
// CHECK: ^bb0(%[[W:.+]]: f32, %[[GV:.+]]: f32):
// CHECK: %[[K:.+]] = linalg.index 0 : index
// CHECK: %[[AT:.+]] = arith.addi %[[K]], %c2 : index
// CHECK: %[[I:.+]] = arith.index_cast %[[AT]] : index to i64
// CHECK: %[[C1:.+]] = arith.cmpi sge, %[[I]], %c5_i64
// CHECK: %[[S1:.+]] = arith.select %[[C1]], %[[ZERO]], %[[H1]]
// CHECK: %[[C2:.+]] = arith.cmpi sge, %[[I]], %c100_i64
// CHECK: %[[HALF:.+]] = arith.select %[[C2]], %[[H2]], %[[S1]]
// CHECK: %[[ON:.+]] = arith.cmpf ogt, %[[HALF]], %[[ZERO]]
// CHECK: %[[D:.+]] = arith.addf %[[HALF]], %[[HALF]]
// CHECK: %[[DW:.+]] = arith.mulf %[[D]], %[[W]]
// CHECK: %[[NEW:.+]] = arith.addf %[[GV]], %[[DW]]
// CHECK: %[[KEEP:.+]] = arith.select %[[ON]], %[[NEW]], %[[GV]]
// CHECK: linalg.yield %[[KEEP]]
// CHECK: %[[PART:.+]] = memref.alloca() : memref<2048xf32>
// CHECK: scf.parallel (%[[T:.+]]) = (%c0) to (%c2048) step (%c1) {
// CHECK: %[[IN1:.+]] = arith.cmpi ult, %[[T]], %c3 : index
// CHECK: %[[S1:.+]] = scf.if %[[IN1]] -> (f32) {
// CHECK: arith.addi %[[T]], %c2 : index
// CHECK: %[[T1:.+]] = arith.mulf %[[S1]], %[[H1]]
// CHECK: %[[S2:.+]] = scf.for %[[R:.+]] = %c0 to %c6144 step %c2048 iter_args(%[[A:.+]] = %[[ZERO]]) -> (f32) {
// CHECK: %[[J:.+]] = arith.addi %[[R]], %[[T]] : index
// CHECK: %[[AT:.+]] = arith.addi %[[J]], %c100 : index
// CHECK: %[[W:.+]] = memref.load %[[P]][%[[AT]]]
// CHECK: %[[SQ:.+]] = arith.mulf %[[W]], %[[W]]
// CHECK: arith.addf %[[A]], %[[SQ]]
// CHECK: %[[IN2:.+]] = arith.cmpi ult, %[[T]], %c1956 : index
// CHECK: %[[S2R:.+]] = scf.if %[[IN2]] -> (f32) {
// CHECK: arith.addi %[[T]], %c6244 : index
// CHECK: %[[T2:.+]] = arith.mulf %[[S2R]], %[[H2]]
// CHECK: %[[SUM:.+]] = arith.addf %[[T1]], %[[T2]]
// CHECK: memref.store %[[SUM]], %[[PART]][%[[T]]]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[PART]] : memref<2048xf32>) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[TOTAL:.+]] = memref.load %[[ACC]][]
// CHECK: return %[[TOTAL]]
module attributes {dlc.target = "cuda"} {
func.func @cuda(%p: memref<8200xf32>, %g: memref<8200xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [2, 100] sizes [3, 8100] decays [0.1, 0.2] : memref<8200xf32>
  return %t : f32
}
}

// -----

// CUDA, few elements: two threads sum 3 (thread 0 two of them; one thread
// would leave its loop on the host), and one slice needs no compare.
// CHECK-LABEL: func.func @cuda_small(
// CHECK-DAG: %[[HALF:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[ONE:.+]] = arith.constant 5.000000e-01 : f32
// CHECK: linalg.generic
// CHECK-NOT: arith.cmpi
// CHECK-NOT: arith.select
// CHECK: arith.mulf %{{.+}}, %[[ONE]]
// CHECK: %[[PART:.+]] = memref.alloca() : memref<2xf32>
// CHECK: scf.parallel (%[[T:.+]]) = (%c0) to (%c2) step (%c1)
// CHECK-NOT: scf.for
// CHECK: %[[W:.+]] = memref.load %{{.+}}[%[[T]]]
// CHECK: arith.mulf %[[W]], %[[W]]
// CHECK: %[[REST:.+]] = arith.cmpi ult, %[[T]], %c1
// CHECK: scf.if %[[REST]]
// CHECK: %[[AT:.+]] = arith.addi %[[T]], %c2
// CHECK: memref.load %{{.+}}[%[[AT]]]
// CHECK: memref.store %{{.+}}, %[[PART]][%[[T]]]
module attributes {dlc.target = "cuda"} {
func.func @cuda_small(%p: memref<3xf32>, %g: memref<3xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [0] sizes [3] decays [0.5] : memref<3xf32>
  return %t : f32
}
}

// -----

// The training step's form: the result unused, so only the gradients are
// updated (no sum of squares), on the CPU and on CUDA.
// CHECK-LABEL: func.func @grads_only(
// CHECK-SAME: %[[P:[^:]+]]: memref<8xf32>, %[[G:[^:]+]]: memref<8xf32>, %[[L:[^:]+]]: f32) -> f32
// CHECK-NOT: memref.alloca
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.+}} : {{.+}}) outs(%{{.+}} : {{.+}})
// CHECK: arith.addf
// CHECK-NOT: reduction
// CHECK-NOT: memref.alloca
// CHECK: return %[[L]]
func.func @grads_only(%p: memref<8xf32>, %g: memref<8xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [0] sizes [8] decays [0.1] : memref<8xf32>
  return %l : f32
}

// -----

// CHECK-LABEL: func.func @cuda_grads_only(
// CHECK-SAME: %[[P:[^:]+]]: memref<8xf32>, %[[G:[^:]+]]: memref<8xf32>, %[[L:[^:]+]]: f32) -> f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]}
// CHECK-NOT: scf.parallel
// CHECK-NOT: reduction
// CHECK: return %[[L]]
module attributes {dlc.target = "cuda"} {
func.func @cuda_grads_only(%p: memref<8xf32>, %g: memref<8xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [0] sizes [8] decays [0.1] : memref<8xf32>
  return %l : f32
}
}

// -----

// M_gradient's form: `loss_only` adds the terms to the loss and leaves the
// gradients alone (no elementwise update, no write of %g).
// CHECK-LABEL: func.func @loss_only(
// CHECK-SAME: %[[P:[^:]+]]: memref<8xf32>, %[[G:[^:]+]]: memref<8xf32>, %[[L:[^:]+]]: f32) -> f32
// CHECK-NOT: %[[G]]
// CHECK: iterator_types = ["reduction"]
// CHECK-NOT: %[[G]]
// CHECK: return
func.func @loss_only(%p: memref<8xf32>, %g: memref<8xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [0] sizes [8] decays [0.1] loss_only : memref<8xf32>
  return %t : f32
}

// -----

// CHECK-LABEL: func.func @cuda_loss_only(
// CHECK-SAME: %[[P:[^:]+]]: memref<8xf32>, %[[G:[^:]+]]: memref<8xf32>, %[[L:[^:]+]]: f32) -> f32
// CHECK-NOT: %[[G]]
// CHECK: scf.parallel
// CHECK-NOT: %[[G]]
// CHECK: return
module attributes {dlc.target = "cuda"} {
func.func @cuda_loss_only(%p: memref<8xf32>, %g: memref<8xf32>, %l: f32) -> f32 {
  %t = net.weight_decay %p, %g, %l offsets [0] sizes [8] decays [0.1] loss_only : memref<8xf32>
  return %t : f32
}
}
