// RUN: dlc-opt %s --dlc-to-llvm | FileCheck %s
// RUN: dlc-opt %s --dlc-to-llvm | FileCheck %s --check-prefix=HEAP

// The descriptor becomes constant data laid out as dlc_model_desc, pointing
// at the exported functions; helpers get internal linkage.
net.model @or_gate {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}

// Every buffer is in the caller's workspace (dlc-plan-workspace).
// HEAP-NOT: @malloc
// HEAP-NOT: @free
// HEAP: llvm.func @dlc_models()

// No libm: math is approximated by polynomials.
// CHECK-NOT: @expf
// CHECK-NOT: @logf
// CHECK: llvm.func @or_gate_init_params(%{{.+}}: !llvm.ptr, %{{.+}}: i64)
// CHECK: llvm.func @or_gate_forward(
// CHECK: llvm.func @or_gate_gradient(
// CHECK: llvm.func @or_gate_train_step(
// CHECK: llvm.func @or_gate_eval_step(
// CHECK: llvm.mlir.global internal constant @or_gate.name("or_gate\00")
// CHECK: llvm.mlir.global internal constant @or_gate.param0("FullyConnected/W\00")
// CHECK: llvm.mlir.global internal constant @or_gate.param1("FullyConnected/b\00")
// CHECK: llvm.mlir.global internal constant @or_gate.params() {{.*}} : !llvm.array<2 x struct<(ptr, i64, array<6 x i64>, i64, i64, i64, f64, f64, f64)>>
// CHECK: llvm.mlir.global internal constant @or_gate.desc()
// CHECK-DAG: llvm.mlir.addressof @or_gate.name
// CHECK-DAG: llvm.mlir.addressof @or_gate.params
// CHECK-DAG: llvm.mlir.addressof @or_gate_init_params
// CHECK-DAG: llvm.mlir.addressof @or_gate_forward
// CHECK-DAG: llvm.mlir.addressof @or_gate_gradient
// CHECK-DAG: llvm.mlir.addressof @or_gate_train_step
// CHECK-DAG: llvm.mlir.addressof @or_gate_eval_step
// CHECK: llvm.func @or_gate_describe() -> !llvm.ptr
// CHECK: llvm.mlir.global internal constant @dlc_models.table()
// CHECK-DAG: llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: llvm.mlir.addressof @or_gate.desc
// CHECK: llvm.func @dlc_models() -> !llvm.ptr
// CHECK-NOT: net.descriptor
