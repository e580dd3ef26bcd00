// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff --net-build-entry-points | FileCheck %s

net.model @m {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation relu
  %y = net.fully_connected %h units 2 activation softmax
  net.regression %y optimizer momentum learning_rate 0.1 clip_norm 2.5
}

// Parameters live in one buffer: W0 [0, 12), b0 [12, 16), W1 [16, 24), b1 [24, 26).
// The tensor-level functions are inlined into the entry points.
// CHECK-LABEL: func.func private @m.forward_impl(
// CHECK-SAME: %[[P:.+]]: memref<26xf32>, %[[X:.+]]: memref<?x3xf32>, %[[Y:.+]]: memref<?x2xf32>)
// CHECK: %[[XT:.+]] = bufferization.to_tensor %[[X]] restrict : memref<?x3xf32>
// CHECK: %[[V0:.+]] = memref.reinterpret_cast %[[P]] to offset: [0], sizes: [3, 4], strides: [4, 1]
// CHECK: %[[W0:.+]] = bufferization.to_tensor %[[V0]] restrict
// CHECK: memref.reinterpret_cast %[[P]] to offset: [12], sizes: [4], strides: [1]
// CHECK: memref.reinterpret_cast %[[P]] to offset: [16], sizes: [4, 2], strides: [2, 1]
// CHECK: memref.reinterpret_cast %[[P]] to offset: [24], sizes: [2], strides: [1]
// CHECK: net.matmul %[[XT]], %[[W0]]
// CHECK: %[[R:.+]] = net.activation softmax
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[Y]]
// CHECK-NOT: call

// CHECK-LABEL: func.func private @m.eval_step_impl(
// CHECK: %[[L:.+]] = net.loss softmax_categorical_crossentropy
// CHECK: %[[S:.+]] = tensor.extract %[[L]][]
// CHECK: return %[[S]] : f32

// The forward and backward passes exist once, here. The gradients' slices
// come first, so that each gradient can be computed in its slice.
// CHECK-LABEL: func.func private @m.loss_and_grad_impl(
// CHECK-SAME: %{{[^:]+}}: i64, %[[PRED:[^:]+]]: memref<?x2xf32>, %[[G:[^:]+]]: memref<26xf32>) -> f32
// CHECK-NEXT: %[[V:.+]] = memref.reinterpret_cast %[[G]] to offset: [0], sizes: [3, 4]
// CHECK-NEXT: %[[VB:.+]] = memref.reinterpret_cast %[[G]] to offset: [12], sizes: [4]
// CHECK: net.loss_grad softmax_categorical_crossentropy
// CHECK: bufferization.materialize_in_destination %{{.+}} in restrict writable %[[V]]
// CHECK-NEXT: bufferization.materialize_in_destination %{{.+}} in restrict writable %[[VB]]
// CHECK: bufferization.materialize_in_destination %{{.+}} in restrict writable %[[PRED]]
// CHECK-NOT: net.apply_gradients

// The gradient alone uses the dropout masks of step 0.
// CHECK-LABEL: func.func private @m.gradient_impl(
// CHECK: %[[TMP:.+]] = memref.alloc(%{{.+}}) : memref<?x2xf32>
// CHECK: %[[ZERO:.+]] = arith.constant 0 : i64
// CHECK: call @m.loss_and_grad_impl(%{{.+}}, %{{.+}}, %{{.+}}, %[[ZERO]], %[[TMP]], %{{.+}})

// The training step: gradients to the workspace, then the update, which
// clips them as it reads them.
// CHECK-LABEL: func.func private @m.train_step_impl(
// CHECK-SAME: %[[P:[^:]+]]: memref<26xf32>, %[[S:[^:]+]]: memref<26xf32>, %[[X:[^:]+]]: memref<?x3xf32>, %[[Y:[^:]+]]: memref<?x2xf32>, %[[STEP:[^:]+]]: i64, %[[PRED:[^:]+]]: memref<?x2xf32>, %[[G:[^:]+]]: memref<26xf32>) -> f32
// CHECK: %[[L:.+]] = call @m.loss_and_grad_impl(%[[P]], %[[X]], %[[Y]], %[[STEP]], %[[PRED]], %[[G]])
// CHECK-NOT: net.clip_by_global_norm
// CHECK: net.apply_gradients momentum %[[P]], %[[G]], %[[S]], %[[STEP]] learning_rate 1.000000e-01 clip_norm 2.500000e+00 : memref<26xf32>, memref<26xf32>
// CHECK: return %[[L]]

// CHECK-LABEL: func.func private @m.init_params_impl(
// CHECK: net.random_init truncated_normal(0.000000e+00, 2.000000e-02) %{{.+}}[0, 12] seed %{{.+}} stream 0 fan_in 3 fan_out 4
// CHECK: net.random_init zeros(0.000000e+00, 0.000000e+00) %{{.+}}[12, 4] seed %{{.+}} stream 1
// CHECK: net.random_init truncated_normal(0.000000e+00, 2.000000e-02) %{{.+}}[16, 8] seed %{{.+}} stream 2 fan_in 4 fan_out 2
// CHECK: net.random_init zeros(0.000000e+00, 0.000000e+00) %{{.+}}[24, 2] seed %{{.+}} stream 3

// CHECK: net.descriptor @m
// CHECK-SAME: input_shape = array<i64: -1, 3>
// CHECK-SAME: opt_state_floats = 26
// CHECK-SAME: output_shape = array<i64: -1, 2>
// CHECK-SAME: param_floats = 26
// CHECK-SAME: name = "FullyConnected/W", offset = 0 : i64, shape = array<i64: 3, 4>, size = 12
// CHECK-SAME: workspace_fixed_bytes = 104
// CHECK-NOT: net.model
// CHECK-NOT: func.func private @m.grad
