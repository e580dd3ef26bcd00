// RUN: dlc-opt %s --dlc-gpu-graph-step | FileCheck %s

// M_train_step_graph is M_train_step with the step and the loss in device
// memory: the impl loads the step where the plain one took it as an
// argument, the callee computing the loss is inlined, and the loss is
// stored where the callee computed it: right after the last op that uses
// the buffer it is loaded from (here before the call, which does not get
// it), so the rest of the step may reuse the buffer and the store may share
// the kernel that computes the loss. The plain entry point is left as it
// was.
net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 4 : i64, output_shape = array<i64: -1, 1>, param_floats = 4 : i64, params = [], workspace_fixed_bytes = 16 : i64}

func.func private @dlc_cu_sgemm(memref<?x4xf32>)

func.func private @m.loss_impl(%x: memref<?x4xf32>, %step: i64, %g: memref<4xf32>) -> f32 {
  %l = memref.alloc() : memref<f32>
  %s = arith.sitofp %step : i64 to f32
  memref.store %s, %l[] : memref<f32>
  call @dlc_cu_sgemm(%x) : (memref<?x4xf32>) -> ()
  %v = memref.load %l[] : memref<f32>
  memref.dealloc %l : memref<f32>
  return %v : f32
}

func.func private @m.train_step_impl(%p: memref<4xf32>, %o: memref<4xf32>, %x: memref<?x4xf32>, %y: memref<?x1xf32>, %step: i64, %yp: memref<?x1xf32>, %g: memref<4xf32>) -> f32 {
  %loss = call @m.loss_impl(%x, %step, %g) : (memref<?x4xf32>, i64, memref<4xf32>) -> f32
  %c0 = arith.constant 0 : index
  %s = arith.sitofp %step : i64 to f32
  memref.store %s, %o[%c0] : memref<4xf32>
  return %loss : f32
}

func.func @m_train_step(%p: !llvm.ptr, %o: !llvm.ptr, %x: !llvm.ptr, %y: !llvm.ptr, %batch: i64, %step: i64, %yp: !llvm.ptr, %ws: !llvm.ptr) -> f32 attributes {dlc.workspace = {arg = 7 : i64, model = "m", offset = 64 : i64}} {
  %0 = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<4xf32>
  %1 = builtin.unrealized_conversion_cast %o : !llvm.ptr to memref<4xf32>
  %2 = builtin.unrealized_conversion_cast %x : !llvm.ptr to memref<?x4xf32>
  %3 = builtin.unrealized_conversion_cast %y : !llvm.ptr to memref<?x1xf32>
  %4 = builtin.unrealized_conversion_cast %yp : !llvm.ptr to memref<?x1xf32>
  %5 = builtin.unrealized_conversion_cast %ws : !llvm.ptr to memref<4xf32>
  %r = call @m.train_step_impl(%0, %1, %2, %3, %step, %4, %5) : (memref<4xf32>, memref<4xf32>, memref<?x4xf32>, memref<?x1xf32>, i64, memref<?x1xf32>, memref<4xf32>) -> f32
  return %r : f32
}

// CHECK-LABEL: func.func private @m.train_step_impl(
// CHECK-SAME: %{{[^:]+}}: i64,
// CHECK: call @m.loss_impl
// CHECK: return %{{.+}} : f32

// CHECK-LABEL: func.func private @m.train_step_graph_impl(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x4xf32>, %{{[^:]+}}: memref<?x1xf32>, %[[STEP:[^:]+]]: memref<i64> {dlc.read_only}, %{{[^:]+}}: memref<?x1xf32>, %{{[^:]+}}: memref<4xf32>, %[[LOSS:[^:]+]]: memref<f32>)
// CHECK-SAME: attributes {dlc.graph_step = @m_train_step_graph}
// CHECK-NOT: call @m.loss_impl
// CHECK: %[[S:.+]] = memref.load %[[STEP]][] : memref<i64>
// CHECK: %[[L:.+]] = memref.alloc() : memref<f32>
// CHECK: %[[F:.+]] = arith.sitofp %[[S]] : i64 to f32
// CHECK-NEXT: memref.store %[[F]], %[[L]][] : memref<f32>
// CHECK-NEXT: %[[V:.+]] = memref.load %[[L]][] : memref<f32>
// CHECK-NEXT: memref.store %[[V]], %[[LOSS]][] : memref<f32>
// CHECK-NEXT: call @dlc_cu_sgemm(%[[X]])
// CHECK-NEXT: memref.dealloc %[[L]]
// CHECK: arith.sitofp %[[S]] : i64 to f32
// CHECK: memref.store
// CHECK-NEXT: return{{$}}

// CHECK-LABEL: func.func @m_train_step(
// CHECK: call @m.train_step_impl

// The wrapper takes int64_t *step in place of the step and float *loss
// after the workspace, whose mark is unchanged.
// CHECK-LABEL: func.func @m_train_step_graph(
// CHECK-SAME: %{{[^:]+}}: i64, %[[SP:[^:]+]]: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %[[LP:[^:]+]]: !llvm.ptr)
// CHECK-SAME: attributes {dlc.workspace = {arg = 7 : i64, model = "m", offset = 64 : i64}}
// CHECK: llvm.insertvalue %[[SP]]
// CHECK: %[[SM:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<i64>
// CHECK: llvm.insertvalue %[[LP]]
// CHECK: %[[LM:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<f32>
// CHECK: call @m.train_step_graph_impl(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[SM]], %{{.+}}, %{{.+}}, %[[LM]])
// CHECK-NEXT: return{{$}}

// The loss buffer's address goes to a call after it is written: the load
// stays after the call, which may write it.
net.descriptor @n {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 4 : i64, output_shape = array<i64: -1, 1>, param_floats = 4 : i64, params = [], workspace_fixed_bytes = 16 : i64}

func.func private @dlc_cu_scale(!llvm.ptr)

func.func private @n.train_step_impl(%p: memref<4xf32>, %o: memref<4xf32>, %x: memref<?x4xf32>, %y: memref<?x1xf32>, %step: i64, %yp: memref<?x1xf32>, %g: memref<4xf32>) -> f32 {
  %l = memref.alloc() : memref<f32>
  %s = arith.sitofp %step : i64 to f32
  memref.store %s, %l[] : memref<f32>
  %a = memref.extract_aligned_pointer_as_index %l : memref<f32> -> index
  %i = arith.index_cast %a : index to i64
  %ptr = llvm.inttoptr %i : i64 to !llvm.ptr
  call @dlc_cu_scale(%ptr) : (!llvm.ptr) -> ()
  call @dlc_cu_sgemm(%x) : (memref<?x4xf32>) -> ()
  %v = memref.load %l[] : memref<f32>
  memref.dealloc %l : memref<f32>
  return %v : f32
}

func.func @n_train_step(%p: !llvm.ptr, %o: !llvm.ptr, %x: !llvm.ptr, %y: !llvm.ptr, %batch: i64, %step: i64, %yp: !llvm.ptr, %ws: !llvm.ptr) -> f32 attributes {dlc.workspace = {arg = 7 : i64, model = "n", offset = 64 : i64}} {
  %0 = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<4xf32>
  %1 = builtin.unrealized_conversion_cast %o : !llvm.ptr to memref<4xf32>
  %2 = builtin.unrealized_conversion_cast %x : !llvm.ptr to memref<?x4xf32>
  %3 = builtin.unrealized_conversion_cast %y : !llvm.ptr to memref<?x1xf32>
  %4 = builtin.unrealized_conversion_cast %yp : !llvm.ptr to memref<?x1xf32>
  %5 = builtin.unrealized_conversion_cast %ws : !llvm.ptr to memref<4xf32>
  %r = call @n.train_step_impl(%0, %1, %2, %3, %step, %4, %5) : (memref<4xf32>, memref<4xf32>, memref<?x4xf32>, memref<?x1xf32>, i64, memref<?x1xf32>, memref<4xf32>) -> f32
  return %r : f32
}

// CHECK-LABEL: func.func private @n.train_step_graph_impl(
// CHECK-SAME: %[[LOSS:[^:]+]]: memref<f32>)
// CHECK: %[[L:.+]] = memref.alloc() : memref<f32>
// CHECK: call @dlc_cu_scale(
// CHECK-NEXT: %[[V:.+]] = memref.load %[[L]][] : memref<f32>
// CHECK-NEXT: memref.store %[[V]], %[[LOSS]][] : memref<f32>
// CHECK-NEXT: call @dlc_cu_sgemm(

// A loss loaded with indices stays where it is loaded (its index may be
// defined after the buffer's last use).
net.descriptor @k {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 4 : i64, output_shape = array<i64: -1, 1>, param_floats = 4 : i64, params = [], workspace_fixed_bytes = 16 : i64}

func.func private @k.train_step_impl(%p: memref<4xf32>, %o: memref<4xf32>, %x: memref<?x4xf32>, %y: memref<?x1xf32>, %step: i64, %yp: memref<?x1xf32>, %g: memref<4xf32>) -> f32 {
  %l = memref.alloc() : memref<1xf32>
  %s = arith.sitofp %step : i64 to f32
  %z0 = arith.constant 0 : index
  memref.store %s, %l[%z0] : memref<1xf32>
  call @dlc_cu_sgemm(%x) : (memref<?x4xf32>) -> ()
  %z = arith.constant 0 : index
  %v = memref.load %l[%z] : memref<1xf32>
  memref.dealloc %l : memref<1xf32>
  return %v : f32
}

func.func @k_train_step(%p: !llvm.ptr, %o: !llvm.ptr, %x: !llvm.ptr, %y: !llvm.ptr, %batch: i64, %step: i64, %yp: !llvm.ptr, %ws: !llvm.ptr) -> f32 attributes {dlc.workspace = {arg = 7 : i64, model = "k", offset = 64 : i64}} {
  %0 = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<4xf32>
  %1 = builtin.unrealized_conversion_cast %o : !llvm.ptr to memref<4xf32>
  %2 = builtin.unrealized_conversion_cast %x : !llvm.ptr to memref<?x4xf32>
  %3 = builtin.unrealized_conversion_cast %y : !llvm.ptr to memref<?x1xf32>
  %4 = builtin.unrealized_conversion_cast %yp : !llvm.ptr to memref<?x1xf32>
  %5 = builtin.unrealized_conversion_cast %ws : !llvm.ptr to memref<4xf32>
  %r = call @k.train_step_impl(%0, %1, %2, %3, %step, %4, %5) : (memref<4xf32>, memref<4xf32>, memref<?x4xf32>, memref<?x1xf32>, i64, memref<?x1xf32>, memref<4xf32>) -> f32
  return %r : f32
}

// CHECK-LABEL: func.func private @k.train_step_graph_impl(
// CHECK-SAME: %[[LOSS:[^:]+]]: memref<f32>)
// CHECK: call @dlc_cu_sgemm(
// CHECK: %[[V:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<1xf32>
// CHECK-NEXT: memref.store %[[V]], %[[LOSS]][] : memref<f32>
