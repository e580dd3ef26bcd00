// RUN: dlc-opt %s --convert-net-to-linalg --canonicalize | FileCheck %s

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ALL:.+]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[C3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[CL:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ALL2:.+]] = affine_map<(d0, d1) -> ()>

// g *= clip / max(sqrt(sum g^2), clip), in place.
// CHECK-LABEL: func.func @clip
// CHECK-SAME: (%[[G:.+]]: memref<5xf32>)
// CHECK-DAG: %[[CLIP:.+]] = arith.constant 5.000000e+00 : f32
// CHECK: %[[ACC:.+]] = memref.alloca() : memref<f32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[ACC]] : memref<f32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ALL]]], iterator_types = ["reduction"]} ins(%[[G]] : memref<5xf32>) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[SUM:.+]] = memref.load %[[ACC]][]
// CHECK: %[[NORM:.+]] = math.sqrt %[[SUM]]
// CHECK: %[[MAX:.+]] = arith.maximumf %[[NORM]], %[[CLIP]]
// CHECK: %[[SCALE:.+]] = arith.divf %[[CLIP]], %[[MAX]]
// CHECK: linalg.generic {indexing_maps = [#[[ID]]], iterator_types = ["parallel"]} outs(%[[G]] : memref<5xf32>)
// CHECK: arith.mulf %{{.+}}, %[[SCALE]]
func.func @clip(%g: memref<5xf32>) {
  net.clip_by_global_norm %g clip 5.0 : memref<5xf32>
  return
}

// From 4096 elements on, the sum of squares runs in two stages: 16 lanes
// of each 4096-element chunk in parallel, then the partials and the tail in
// order (8200 = 2 chunks + 8).
// CHECK-LABEL: func.func @clip_two_stage
// CHECK-SAME: (%[[G:.+]]: memref<8200xf32>)
// CHECK: %[[ACC:.+]] = memref.alloca() : memref<f32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[HEAD:.+]] = memref.subview %[[G]][0] [8192] [1]
// CHECK: %[[CHUNKS:.+]] = memref.expand_shape %[[HEAD]] {{\[}}[0, 1, 2]] output_shape [2, 256, 16]
// CHECK: %[[PART:.+]] = memref.alloca() : memref<2x16xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[PART]] : memref<2x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[C3]], #[[CL]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[CHUNKS]] : {{.+}}) outs(%[[PART]] : memref<2x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[ALL2]]], iterator_types = ["reduction", "reduction"]} ins(%[[PART]] : memref<2x16xf32>) outs(%[[ACC]] : memref<f32>)
// CHECK: %[[TAIL:.+]] = memref.subview %[[G]][8192] [8] [1]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ALL]]], iterator_types = ["reduction"]} ins(%[[TAIL]] : {{.+}}) outs(%[[ACC]] : memref<f32>)
// CHECK: math.sqrt
func.func @clip_two_stage(%g: memref<8200xf32>) {
  net.clip_by_global_norm %g clip 5.0 : memref<8200xf32>
  return
}

// CHECK-LABEL: func.func @sgd
// CHECK-SAME: (%[[P:.+]]: memref<5xf32>, %[[G:.+]]: memref<5xf32>
// CHECK: linalg.generic {{.*}} ins(%[[G]] : memref<5xf32>) outs(%[[P]] : memref<5xf32>)
// CHECK: ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32):
// CHECK: %[[STEP:.+]] = arith.mulf %[[GI]], %{{.+}}
// CHECK: arith.subf %[[PI]], %[[STEP]]
func.func @sgd(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<0xf32>, %t: i64) {
  net.apply_gradients sgd %p, %g, %s, %t learning_rate 0.5 : memref<5xf32>, memref<0xf32>
  return
}

// lr_decay: lr * lr_decay^((step - 1) / decay_step), computed once per
// update; staircase floors the exponent with an integer division.
// CHECK-LABEL: func.func @sgd_decay
// CHECK-SAME: %[[T:[^:]+]]: i64)
// CHECK: %[[DONE:.+]] = arith.subi %[[T]], %{{.+}} : i64
// CHECK: %[[F:.+]] = arith.sitofp %[[DONE]] : i64 to f32
// CHECK: %[[E:.+]] = arith.divf %[[F]], %{{.+}} : f32
// CHECK: %[[L:.+]] = arith.mulf %[[E]], %{{.+}} : f32
// CHECK: %[[X:.+]] = math.exp %[[L]] : f32
// CHECK: %[[LR:.+]] = arith.mulf %[[X]], %{{.+}} : f32
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.+}}, %[[LR]] : f32
// CHECK-LABEL: func.func @sgd_staircase
// CHECK: arith.divsi
// CHECK: math.exp
func.func @sgd_decay(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<0xf32>, %t: i64) {
  net.apply_gradients sgd %p, %g, %s, %t learning_rate 0.5 lr_decay 0.5 decay_step 10 : memref<5xf32>, memref<0xf32>
  return
}
func.func @sgd_staircase(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<0xf32>, %t: i64) {
  net.apply_gradients sgd %p, %g, %s, %t learning_rate 0.5 lr_decay 0.5 decay_step 10 staircase : memref<5xf32>, memref<0xf32>
  return
}

// With clip_norm the update reads g * scale where it read g: the norm's
// reduction, then one pass over g that leaves it unscaled.
// CHECK-LABEL: func.func @momentum_clipped
// CHECK-SAME: (%[[P:.+]]: memref<5xf32>, %[[G:.+]]: memref<5xf32>, %[[S:.+]]: memref<5xf32>
// CHECK-DAG: %[[CLIP:.+]] = arith.constant 5.000000e+00 : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ALL]]], iterator_types = ["reduction"]} ins(%[[G]] : memref<5xf32>)
// CHECK: %[[NORM:.+]] = math.sqrt
// CHECK: %[[MAX:.+]] = arith.maximumf %[[NORM]], %[[CLIP]]
// CHECK: %[[SCALE:.+]] = arith.divf %[[CLIP]], %[[MAX]]
// CHECK-NOT: outs(%[[G]]
// CHECK: linalg.generic {{.*}} ins(%[[G]] : memref<5xf32>) outs(%[[P]], %[[S]] : memref<5xf32>, memref<5xf32>)
// CHECK: ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32, %[[AI:.+]]: f32):
// CHECK: %[[GS:.+]] = arith.mulf %[[GI]], %[[SCALE]]
// CHECK: %[[MA:.+]] = arith.mulf %[[AI]], %{{.+}}
// CHECK: %[[A:.+]] = arith.addf %[[MA]], %[[GS]]
// CHECK: linalg.yield %{{.+}}, %[[A]]
func.func @momentum_clipped(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<5xf32>, %t: i64) {
  net.apply_gradients momentum %p, %g, %s, %t learning_rate 0.5 momentum 0.9 clip_norm 5.0 : memref<5xf32>, memref<5xf32>
  return
}

// The accumulator is the state buffer: a = m a + g; w -= lr a.
// CHECK-LABEL: func.func @momentum
// CHECK-SAME: (%[[P:.+]]: memref<5xf32>, %[[G:.+]]: memref<5xf32>, %[[S:.+]]: memref<5xf32>
// CHECK: linalg.generic {{.*}} ins(%[[G]] : memref<5xf32>) outs(%[[P]], %[[S]] : memref<5xf32>, memref<5xf32>)
// CHECK: ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32, %[[AI:.+]]: f32):
// CHECK: %[[MA:.+]] = arith.mulf %[[AI]], %{{.+}}
// CHECK: %[[A:.+]] = arith.addf %[[MA]], %[[GI]]
// CHECK: linalg.yield %{{.+}}, %[[A]]
func.func @momentum(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<5xf32>, %t: i64) {
  net.apply_gradients momentum %p, %g, %s, %t learning_rate 0.5 momentum 0.9 : memref<5xf32>, memref<5xf32>
  return
}

// Adam's two slots are the halves of the state; the bias-corrected rate is
// computed once from the step.
// CHECK-LABEL: func.func @adam
// CHECK-SAME: (%[[P:.+]]: memref<5xf32>, %[[G:.+]]: memref<5xf32>, %[[S:.+]]: memref<10xf32>, %[[T:.+]]: i64)
// CHECK: %[[TF:.+]] = arith.sitofp %[[T]] : i64 to f32
// CHECK: math.exp
// CHECK: math.sqrt
// CHECK: math.exp
// CHECK: %[[LRT:.+]] = arith.divf
// CHECK-DAG: %[[M:.+]] = memref.subview %[[S]][0] [5] [1]
// CHECK-DAG: %[[V:.+]] = memref.subview %[[S]][5] [5] [1]
// CHECK: linalg.generic {{.*}} ins(%[[G]] : memref<5xf32>) outs(%[[P]], %[[M]], %[[V]] :
// CHECK: math.sqrt
// CHECK: arith.mulf %[[LRT]]
func.func @adam(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<10xf32>, %t: i64) {
  net.apply_gradients adam %p, %g, %s, %t learning_rate 0.001 : memref<5xf32>, memref<10xf32>
  return
}

// Each element is drawn from splitmix64(key + 4 i + try): truncated normal
// redraws while |z| > 2.
// CHECK-LABEL: func.func @init
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step
// CHECK: scf.while
// CHECK: math.absf
// CHECK: scf.condition
// CHECK: math.log
// CHECK: math.cos
// CHECK: scf.yield
// CHECK: memref.store %{{.+}}, %{{.+}}[%{{.+}}] : memref<8xf32>
// CHECK: scf.for
// CHECK-NOT: scf.while
// CHECK: memref.store
func.func @init(%p: memref<8xf32>, %seed: i64) {
  net.random_init truncated_normal(0.0, 0.02) %p[0, 6] seed %seed stream 0 fan_in 3 fan_out 2 : memref<8xf32>
  net.random_init uniform_scaling(0.0, 0.0) %p[6, 2] seed %seed stream 1 fan_in 2 fan_out 1 : memref<8xf32>
  return
}

// Nesterov: a = m a + g; w -= lr (g + m a).
// CHECK-LABEL: func.func @nesterov
// CHECK: ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32, %[[AI:.+]]: f32):
// CHECK: %[[A:.+]] = arith.addf %{{.+}}, %[[GI]]
// CHECK: %[[MA:.+]] = arith.mulf %[[A]], %{{.+}}
// CHECK: arith.addf %[[GI]], %[[MA]]
// CHECK: linalg.yield %{{.+}}, %[[A]]
func.func @nesterov(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<5xf32>, %t: i64) {
  net.apply_gradients nesterov %p, %g, %s, %t learning_rate 0.5 momentum 0.9 : memref<5xf32>, memref<5xf32>
  return
}

// RMSProp's mean square (and Adagrad's accumulator) start at TensorFlow's
// values: the zeroed state is replaced at step 1.
// CHECK-LABEL: func.func @rmsprop
// CHECK-SAME: %{{[^:]+}}: memref<5xf32>, %[[T:[^:]+]]: i64)
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[FIRST:.+]] = arith.cmpi sle, %[[T]], %{{.+}} : i64
// CHECK: ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32, %[[MS:.+]]: f32):
// CHECK: arith.select %[[FIRST]], %[[ONE]], %[[MS]]
// CHECK: math.sqrt
// CHECK: arith.divf
func.func @rmsprop(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<5xf32>, %t: i64) {
  net.apply_gradients rmsprop %p, %g, %s, %t learning_rate 0.01 epsilon 1.0e-10 : memref<5xf32>, memref<5xf32>
  return
}

// CHECK-LABEL: func.func @adagrad
// CHECK-DAG: %[[INIT:.+]] = arith.constant 1.000000e-01 : f32
// CHECK: arith.select %{{.+}}, %[[INIT]], %{{.+}}
// CHECK: math.sqrt
func.func @adagrad(%p: memref<5xf32>, %g: memref<5xf32>, %s: memref<5xf32>, %t: i64) {
  net.apply_gradients adagrad %p, %g, %s, %t learning_rate 0.01 : memref<5xf32>, memref<5xf32>
  return
}
