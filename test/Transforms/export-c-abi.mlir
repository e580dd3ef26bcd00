// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff --net-build-entry-points --net-export-c-abi | FileCheck %s

net.model @or_gate {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}

// CHECK-LABEL: func.func @or_gate_init_params(%{{.+}}: !llvm.ptr, %{{.+}}: i64)
// CHECK: call @or_gate.init_params_impl(

// The batch argument sizes the dynamic dimension; strides are row-major.
// The last argument is the workspace: dlc-plan-workspace places the
// functions' buffers there once they are known.
// CHECK-LABEL: func.func @or_gate_forward(
// CHECK-SAME: %[[P:.+]]: !llvm.ptr, %[[X:.+]]: !llvm.ptr, %[[Y:.+]]: !llvm.ptr, %[[N:.+]]: i64, %{{.+}}: !llvm.ptr)
// CHECK-SAME: attributes {dlc.workspace = {arg = 4 : i64, model = "or_gate", offset = 0 : i64}}
// CHECK: %[[PD:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<3xf32>
// CHECK: llvm.insertvalue %[[X]], %{{.+}}[0]
// CHECK: llvm.insertvalue %[[N]], %{{.+}}[3, 0]
// CHECK: %[[XD:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x2xf32>
// CHECK: call @or_gate.forward_impl(%[[PD]], %[[XD]], %{{.+}}) : (memref<3xf32>, memref<?x2xf32>, memref<?x1xf32>) -> ()

// CHECK-LABEL: func.func @or_gate_gradient(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: i64, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr) -> f32

// The workspace's first bytes hold the gradients (3 floats); the buffers
// of the step start at the next cache line.
// CHECK-LABEL: func.func @or_gate_train_step(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: i64, %[[STEP:[^:]+]]: i64, %{{[^:]+}}: !llvm.ptr, %[[WS:[^:]+]]: !llvm.ptr) -> f32
// CHECK-SAME: attributes {dlc.workspace = {arg = 7 : i64, model = "or_gate", offset = 64 : i64}}
// CHECK: llvm.insertvalue %[[WS]]
// CHECK: call @or_gate.train_step_impl(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[STEP]], %{{.+}}, %{{.+}})

// CHECK-LABEL: func.func @or_gate_eval_step(
// CHECK-SAME: -> f32
