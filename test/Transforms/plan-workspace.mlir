// RUN: dlc-opt %s --dlc-plan-workspace | FileCheck %s

// Buffers become memrefs over the workspace; the descriptor gets its size:
// the wrapper's offset (64) + the fixed bytes (64), and the per-example
// bytes of the training step (256).
// CHECK: net.descriptor @m
// CHECK-SAME: workspace_fixed_bytes = 128 : i64, workspace_per_example_bytes = 256 : i64
net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 4>, param_floats = 3 : i64, params = [], workspace_fixed_bytes = 12 : i64}

func.func private @use2(memref<?x16xf32>, memref<?x32xf32>)
func.func private @use1(memref<?x16xf32>)
func.func private @usef(memref<16xf32>)
func.func private @usep(!llvm.ptr)

// %b (128 bytes an example) is live to the end through the pointer taken
// from it; %a (64) overlaps it; %c starts after %a's last use and takes
// its bytes. The fixed-size %f is in the fixed space.
// CHECK-LABEL: func.func private @m.inner_impl(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x4xf32>, %[[FIXED:[^:]+]]: !llvm.ptr, %[[BATCH:[^:]+]]: !llvm.ptr)
// CHECK: %[[N:.+]] = memref.dim %[[X]], %{{.+}} : memref<?x4xf32>
// CHECK: %[[C128:.+]] = arith.constant 128 : index
// CHECK: %[[OFF_A:.+]] = arith.muli %[[N]], %[[C128]] : index
// CHECK: %[[OFF_A64:.+]] = arith.index_cast %[[OFF_A]] : index to i64
// CHECK: llvm.getelementptr %[[BATCH]][%[[OFF_A64]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[A:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x16xf32>
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[OFF_B:.+]] = arith.muli %[[N]], %[[C0]] : index
// CHECK: %[[B:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<?x32xf32>
// CHECK: call @use2(%[[A]], %[[B]])
// CHECK: arith.constant 128 : index
// CHECK: %[[C:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<?x16xf32>
// CHECK: llvm.getelementptr %[[FIXED]]
// CHECK: %[[F:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
// CHECK: call @usef(%[[F]])
// CHECK: memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: call @use1(%[[C]])
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func private @m.inner_impl(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  %b = memref.alloc(%n) {alignment = 64 : i64} : memref<?x32xf32>
  call @use2(%a, %b) : (memref<?x16xf32>, memref<?x32xf32>) -> ()
  %c = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  %f = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  call @usef(%f) : (memref<16xf32>) -> ()
  %p = memref.extract_aligned_pointer_as_index %b : memref<?x32xf32> -> index
  %i = arith.index_cast %p : index to i64
  %ptr = llvm.inttoptr %i : i64 to !llvm.ptr
  call @use1(%c) : (memref<?x16xf32>) -> ()
  call @usep(%ptr) : (!llvm.ptr) -> ()
  memref.dealloc %a : memref<?x16xf32>
  memref.dealloc %b : memref<?x32xf32>
  memref.dealloc %c : memref<?x16xf32>
  memref.dealloc %f : memref<16xf32>
  return
}

// The callee's block (64 fixed, 192 an example) is live at the call only;
// %d, live across the call, goes after it. A use inside a loop counts at
// the loop.
// CHECK-LABEL: func.func private @m.train_step_impl(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x4xf32>, %[[FIXED:[^:]+]]: !llvm.ptr, %[[BATCH:[^:]+]]: !llvm.ptr)
// CHECK: arith.constant 192 : index
// CHECK: %[[D:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<?x16xf32>
// CHECK: %[[F0:.+]] = llvm.getelementptr %[[FIXED]]
// CHECK: %[[B0:.+]] = llvm.getelementptr %[[BATCH]]
// CHECK: call @m.inner_impl(%[[X]], %[[F0]], %[[B0]]) : (memref<?x4xf32>, !llvm.ptr, !llvm.ptr) -> ()
// CHECK: scf.for
// CHECK: func.call @use1(%[[D]])
// CHECK-NOT: memref.dealloc
func.func private @m.train_step_impl(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %d = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  call @m.inner_impl(%x) : (memref<?x4xf32>) -> ()
  scf.for %i = %c0 to %c1 step %c1 {
    func.call @use1(%d) : (memref<?x16xf32>) -> ()
  }
  memref.dealloc %d : memref<?x16xf32>
  return
}

// The entry point passes its workspace from the marked offset on: the
// fixed space at 64, the per-example space after its 64 bytes.
// CHECK-LABEL: func.func @m_train_step(
// CHECK-SAME: %[[WS:[^:]+]]: !llvm.ptr, %[[X:[^:]+]]: memref<?x4xf32>)
// CHECK-NOT: dlc.workspace
// CHECK: %[[C64:.+]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[P0:.+]] = llvm.getelementptr %[[WS]][%[[C64]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[C128:.+]] = llvm.mlir.constant(128 : i64) : i64
// CHECK: %[[P1:.+]] = llvm.getelementptr %[[WS]][%[[C128]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: call @m.train_step_impl(%[[X]], %[[P0]], %[[P1]])
func.func @m_train_step(%ws: !llvm.ptr, %x: memref<?x4xf32>) attributes {dlc.workspace = {arg = 0 : i64, model = "m", offset = 64 : i64}} {
  call @m.train_step_impl(%x) : (memref<?x4xf32>) -> ()
  return
}

// A returned buffer, one whose size is not a multiple of the batch and one
// freed through its base buffer stay on the heap; the function needs no
// workspace.
// CHECK-LABEL: func.func private @m.other_impl(
// CHECK-SAME: %{{[^:]+}}: memref<?x4xf32>, %[[K:[^:]+]]: index) -> memref<?x16xf32>
// CHECK: %[[E:.+]] = memref.alloc(%{{.+}}) : memref<?x16xf32>
// CHECK: %[[U:.+]] = memref.alloc(%[[K]]) : memref<?x16xf32>
// CHECK: memref.dealloc %[[U]]
// CHECK: %[[G:.+]] = memref.alloc(%{{.+}}) : memref<?x16xf32>
// CHECK: %[[BASE:[^,]+]], {{.+}} = memref.extract_strided_metadata %[[G]]
// CHECK: memref.dealloc %[[BASE]]
// CHECK: return %[[E]]
func.func private @m.other_impl(%x: memref<?x4xf32>, %k: index) -> memref<?x16xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %e = memref.alloc(%n) : memref<?x16xf32>
  %u = memref.alloc(%k) : memref<?x16xf32>
  call @use1(%u) : (memref<?x16xf32>) -> ()
  memref.dealloc %u : memref<?x16xf32>
  %g = memref.alloc(%n) : memref<?x16xf32>
  %base, %off, %sz:2, %st:2 = memref.extract_strided_metadata %g : memref<?x16xf32> -> memref<f32>, index, index, index, index, index
  memref.dealloc %base : memref<f32>
  return %e : memref<?x16xf32>
}

// A buffer an scf.if yields lives as long as the if's result: %d, made
// after the if, does not take %a's bytes (nor %b's) while %r is used.
// CHECK-LABEL: func.func private @m.yielded_impl(
// CHECK-SAME: %{{[^:]+}}: i1, %[[FIXED:[^:]+]]: !llvm.ptr
// CHECK: %[[OA:.+]] = arith.constant 0 : index
// CHECK: arith.index_cast %[[OA]]
// CHECK: %[[OB:.+]] = arith.constant 64 : index
// CHECK: arith.index_cast %[[OB]]
// CHECK: scf.if
// CHECK: %[[OD:.+]] = arith.constant 128 : index
// CHECK: arith.index_cast %[[OD]]
// CHECK: linalg.fill
func.func private @m.yielded_impl(%c: i1) -> f32 {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  %r = scf.if %c -> memref<16xf32> {
    scf.yield %a : memref<16xf32>
  } else {
    scf.yield %b : memref<16xf32>
  }
  %d = memref.alloc() : memref<16xf32>
  linalg.fill ins(%one : f32) outs(%d : memref<16xf32>)
  linalg.fill ins(%two : f32) outs(%r : memref<16xf32>)
  %v = memref.load %d[%c0] : memref<16xf32>
  return %v : f32
}

// A buffer stored into (in a loop, too) is used there, not escaped: it is
// in the workspace.
// CHECK-LABEL: func.func private @m.stored_impl(
// CHECK-SAME: %[[FIXED:[^:]+]]: !llvm.ptr
// CHECK-NOT: memref.alloc
// CHECK: llvm.getelementptr %[[FIXED]]
// CHECK: %[[A:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<16xf32>
// CHECK: scf.parallel
// CHECK: memref.store %{{.+}}, %[[A]][%{{.+}}] : memref<16xf32>
// CHECK: memref.load %[[A]]
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func private @m.stored_impl() -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<16xf32>
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %one, %a[%i] : memref<16xf32>
  }
  %v = memref.load %a[%c0] : memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  return %v : f32
}
