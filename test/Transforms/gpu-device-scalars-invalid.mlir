// RUN: dlc-opt %s --dlc-gpu-device-scalars -split-input-file -verify-diagnostics | FileCheck %s

// A graph step whose host code still reads device memory (a call may
// write %acc before the kernel would read it) cannot be captured: the
// pass warns and removes the step and its entry point.
// CHECK-NOT: train_step_graph
// CHECK-LABEL: func.func @other
func.func private @dlc_cu_sgemm()
func.func private @m.train_step_graph_impl(%acc: memref<f32>, %g: memref<8xf32>) attributes {dlc.graph_step = @m_train_step_graph} {
  %c1 = arith.constant 1 : index
  // expected-warning @+1 {{the training step cannot be captured in a CUDA graph: host code runs 'memref.load' in the middle of it; m_train_step_graph is left out}}
  %n = memref.load %acc[] : memref<f32>
  func.call @dlc_cu_sgemm() : () -> ()
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %n, %g[%tx] : memref<8xf32>
    gpu.terminator
  }
  return
}
func.func @m_train_step_graph(%acc: memref<f32>, %g: memref<8xf32>) {
  call @m.train_step_graph_impl(%acc, %g) : (memref<f32>, memref<8xf32>) -> ()
  return
}
func.func @other() {
  return
}

// -----

// A call of anything but a dlc_cu_* kernel (here: the host allocation
// the workspace plan left) cannot be captured either.
// CHECK-NOT: train_step_graph
func.func private @helper()
func.func private @m.train_step_graph_impl() attributes {dlc.graph_step = @m_train_step_graph} {
  // expected-warning @+1 {{host code runs 'func.call' in the middle of it}}
  func.call @helper() : () -> ()
  return
}
func.func @m_train_step_graph() {
  call @m.train_step_graph_impl() : () -> ()
  return
}

// -----

// CHECK-NOT: train_step_graph
func.func private @m.train_step_graph_impl(%n: index) attributes {dlc.graph_step = @m_train_step_graph} {
  // expected-warning @+1 {{host code runs 'memref.alloc' in the middle of it}}
  %a = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  return
}
func.func @m_train_step_graph(%n: index) {
  call @m.train_step_graph_impl(%n) : (index) -> ()
  return
}
