// RUN: dlc-opt %s --dlc-gpu-device-scalars | FileCheck %s

func.func private @dlc_cu_sgemm()

// A host store runs in a kernel of one thread; the scalars kernels use are
// computed in them, from the load of the norm that nothing writes before
// the launch and from the step. The host loads and scalars are gone.
// CHECK-LABEL: func.func @clip(
// CHECK-SAME: %[[ACC:[^:]+]]: memref<f32>, %[[G:[^:]+]]: memref<8xf32>, %[[STEP:[^:]+]]: i64)
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE:[^,]+]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]]) threads({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]])
// CHECK-NEXT: %[[Z:.+]] = arith.constant 0.0
// CHECK-NEXT: memref.store %[[Z]], %[[ACC]][] : memref<f32>
// CHECK-NEXT: gpu.terminator
// CHECK: call @dlc_cu_sgemm()
// CHECK-NOT: memref.load
// CHECK: gpu.launch
// CHECK: %[[N:.+]] = memref.load %[[ACC]][] : memref<f32>
// CHECK-NEXT: %[[R:.+]] = math.sqrt %[[N]] : f32
// CHECK-NEXT: %[[F:.+]] = arith.sitofp %[[STEP]] : i64 to f32
// CHECK-NEXT: %[[SCALE:.+]] = arith.divf %[[R]], %[[F]] : f32
// CHECK: arith.mulf %{{.+}}, %[[SCALE]] : f32
// CHECK: gpu.terminator
// CHECK-NOT: memref.load
// CHECK: return
func.func @clip(%acc: memref<f32>, %g: memref<8xf32>, %step: i64) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  memref.store %zero, %acc[] : memref<f32>
  func.call @dlc_cu_sgemm() : () -> ()
  %n = memref.load %acc[] : memref<f32>
  %r = math.sqrt %n : f32
  %f = arith.sitofp %step : i64 to f32
  %scale = arith.divf %r, %f : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    %v = memref.load %g[%tx] : memref<8xf32>
    %w = arith.mulf %v, %scale : f32
    memref.store %w, %g[%tx] : memref<8xf32>
    gpu.terminator
  }
  return
}

// A call (it may write %acc) between the load and the launch: the host
// reads the value and passes it. A load from an argument marked
// dlc.read_only that is only ever loaded from moves across the call.
// CHECK-LABEL: func.func @unsafe(
// CHECK-SAME: %[[ACC:[^:]+]]: memref<f32>, %[[RO:[^:]+]]: memref<f32> {dlc.read_only}, %[[G:[^:]+]]: memref<8xf32>)
// CHECK: %[[N:.+]] = memref.load %[[ACC]][] : memref<f32>
// CHECK-NEXT: call @dlc_cu_sgemm()
// CHECK-NEXT: gpu.launch
// CHECK-NEXT: %[[K:.+]] = memref.load %[[RO]][] : memref<f32>
// CHECK-NEXT: arith.addf %[[N]], %[[K]] : f32
// CHECK: return
func.func @unsafe(%acc: memref<f32>, %ro: memref<f32> {dlc.read_only}, %g: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %n = memref.load %acc[] : memref<f32>
  %k = memref.load %ro[] : memref<f32>
  func.call @dlc_cu_sgemm() : () -> ()
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %s = arith.addf %n, %k : f32
    memref.store %s, %g[%tx] : memref<8xf32>
    gpu.terminator
  }
  return
}

// A loaded value the host also returns: the kernel loads its own copy,
// the host keeps its load.
// CHECK-LABEL: func.func @shared(
// CHECK: %[[N:.+]] = memref.load %{{.+}}[] : memref<f32>
// CHECK-NEXT: %{{.+}} = arith.constant 1 : index
// CHECK-NEXT: gpu.launch
// CHECK-NEXT: %[[M:.+]] = memref.load %{{.+}}[] : memref<f32>
// CHECK-NEXT: memref.store %[[M]]
// CHECK: return %[[N]] : f32
func.func @shared(%acc: memref<f32>, %out: memref<f32>) -> f32 {
  %n = memref.load %acc[] : memref<f32>
  memref.store %n, %out[] : memref<f32>
  return %n : f32
}

// A graph step with nothing left on the host keeps its entry point and
// loses the mark.
// CHECK-LABEL: func.func private @m.train_step_graph_impl(
// CHECK-NOT: dlc.graph_step
// CHECK-SAME: {
// CHECK: func.func @m_train_step_graph(
func.func private @m.train_step_graph_impl(%acc: memref<f32>, %loss: memref<f32>) attributes {dlc.graph_step = @m_train_step_graph} {
  func.call @dlc_cu_sgemm() : () -> ()
  %v = memref.load %acc[] : memref<f32>
  memref.store %v, %loss[] : memref<f32>
  return
}
func.func @m_train_step_graph(%acc: memref<f32>, %loss: memref<f32>) {
  call @m.train_step_graph_impl(%acc, %loss) : (memref<f32>, memref<f32>) -> ()
  return
}

// A kernel of many threads that writes what it would read keeps the host's
// value: another thread could read the element after one wrote it. Here
// the norm's buffer and the kernel's output are not arguments (buffers in
// the workspace may share bytes); the kernel writing an argument buffer
// other than the one read is fine.
// CHECK-LABEL: func.func @races(
// CHECK-SAME: %[[G:[^:]+]]: memref<8xf32>, %[[R:[^:]+]]: memref<f32> {dlc.read_only})
// CHECK: %[[N:.+]] = memref.load %[[WS:.+]][] : memref<f32>
// CHECK: gpu.launch
// CHECK-NEXT: memref.store %[[N]], %{{.+}}[%{{.+}}] : memref<8xf32>
// CHECK: gpu.launch
// CHECK-NEXT: memref.load %[[R]][] : memref<f32>
// CHECK-NEXT: memref.store %{{.+}}, %[[R]][] : memref<f32>
// CHECK: gpu.launch
// CHECK-NEXT: %[[K:.+]] = memref.load %[[WS]][] : memref<f32>
// CHECK-NEXT: memref.store %[[K]], %[[G]][%{{.+}}] : memref<8xf32>
func.func @races(%g: memref<8xf32>, %r: memref<f32> {dlc.read_only}) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %p = llvm.mlir.zero : !llvm.ptr
  %ws = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<f32>
  %out = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<8xf32>
  %n = memref.load %ws[] : memref<f32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    memref.store %n, %out[%tx] : memref<8xf32>
    gpu.terminator
  }
  // A single thread reads first, then writes: the load moves in.
  %v = memref.load %r[] : memref<f32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %v, %r[] : memref<f32>
    gpu.terminator
  }
  %k = memref.load %ws[] : memref<f32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    memref.store %k, %g[%tx] : memref<8xf32>
    gpu.terminator
  }
  return
}
