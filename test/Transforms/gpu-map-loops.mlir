// RUN: dlc-opt %s --dlc-gpu-map-loops --cse --split-input-file | FileCheck %s
// RUN: dlc-opt %s --dlc-gpu-map-loops --convert-parallel-loops-to-gpu --split-input-file | FileCheck %s --check-prefix=LAUNCH

// A 2-D loop becomes one dimension of N * 7 elements in blocks of 256
// threads; the thread index is the innermost (fastest) source dimension.
// CHECK-LABEL: func.func @elementwise
// CHECK: %[[N:.+]] = memref.dim
// CHECK: %[[TOTAL:.+]] = arith.muli %[[N]], %{{.+}} : index
// CHECK: %[[C256:.+]] = arith.constant 256 : index
// CHECK: %[[C255:.+]] = arith.constant 255 : index
// CHECK: %[[UP:.+]] = arith.addi %[[TOTAL]], %[[C255]] : index
// CHECK: %[[BLOCKS:.+]] = arith.divui %[[UP]], %[[C256]] : index
// CHECK: scf.parallel (%[[B:.+]]) = (%{{.+}}) to (%[[BLOCKS]])
// CHECK: scf.parallel (%[[T:.+]]) = (%{{.+}}) to (%[[C256]])
// CHECK: %[[BASE:.+]] = arith.muli %[[B]], %[[C256]] : index
// CHECK: %[[I:.+]] = arith.addi %[[BASE]], %[[T]] : index
// CHECK: %[[IN:.+]] = arith.cmpi ult, %[[I]], %[[TOTAL]] : index
// CHECK: scf.if %[[IN]] {
// CHECK: %[[COL:.+]] = arith.remui %[[I]], %[[C7:.+]] : index
// CHECK: %[[ROW:.+]] = arith.divui %[[I]], %[[C7]] : index
// CHECK: memref.load %{{.+}}[%[[ROW]], %[[COL]]]
// CHECK: memref.store %{{.+}}, %{{.+}}[%[[ROW]], %[[COL]]]
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// LAUNCH-LABEL: func.func @elementwise
// LAUNCH: %[[NT:.+]] = affine.apply #{{.+}}(%c256)
// LAUNCH: gpu.launch blocks(%[[BX:[^,]+]], %{{[^,]+}}, %{{[^)]+}}) in ({{.+}}) threads(%[[TX:[^,]+]], %{{[^,]+}}, %{{[^)]+}}) in (%{{[^ ]+}} = %[[NT]],
// LAUNCH: %[[B:.+]] = affine.apply #{{.+}}(%[[BX]])
// LAUNCH: %[[T:.+]] = affine.apply #{{.+}}(%[[TX]])
// LAUNCH: %[[BASE:.+]] = arith.muli %[[B]], %c256
// LAUNCH: arith.addi %[[BASE]], %[[T]]
func.func @elementwise(%a: memref<?x7xf32>, %b: memref<?x7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %n = memref.dim %a, %c0 : memref<?x7xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c7) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<?x7xf32>
    %e = math.exp %v : f32
    memref.store %e, %b[%i, %j] : memref<?x7xf32>
    scf.reduce
  }
  return
}

// -----

// A small static loop: one block of just enough threads, no guard. Its
// reduction loop runs in each thread, the sum carried in a register: the
// output element is loaded before the loop and stored after it.
// CHECK-LABEL: func.func @small
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x3xf32>, %[[Y:[^:]+]]: memref<3xf32>)
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK: scf.parallel (%[[B:.+]]) = (%{{.+}}) to (%[[C1]]) step
// CHECK: scf.parallel (%[[T:.+]]) = (%{{.+}}) to (%[[C3]]) step
// CHECK-NOT: scf.if
// CHECK: %[[J:.+]] = arith.addi %{{.+}}, %[[T]] : index
// CHECK: %[[INIT:.+]] = memref.load %[[Y]][%[[J]]] : memref<3xf32>
// CHECK: %[[SUM:.+]] = scf.for %[[K:[^ ]+]] = %{{.+}} iter_args(%[[ACC:.+]] = %[[INIT]]) -> (f32) {
// CHECK-NEXT: %[[V:.+]] = memref.load %[[X]][%[[K]], %[[J]]]
// CHECK-NEXT: %[[T2:.+]] = arith.addf %[[V]], %[[ACC]] : f32
// CHECK-NEXT: scf.yield %[[T2]] : f32
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[SUM]], %[[Y]][%[[J]]] : memref<3xf32>
func.func @small(%x: memref<?x3xf32>, %y: memref<3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %n = memref.dim %x, %c0 : memref<?x3xf32>
  scf.parallel (%j) = (%c0) to (%c3) step (%c1) {
    scf.for %k = %c0 to %n step %c1 {
      %v = memref.load %x[%k, %j] : memref<?x3xf32>
      %s = memref.load %y[%j] : memref<3xf32>
      %t = arith.addf %v, %s : f32
      memref.store %t, %y[%j] : memref<3xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A full reduction left on the host runs in a launch of one thread; a
// parallel loop inside it becomes sequential. Both loops carry the sum.
// CHECK-LABEL: func.func @sum
// CHECK: %[[ONE:.+]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]]) threads(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]])
// CHECK-NEXT: %[[A0:.+]] = memref.load %{{.+}}[] : memref<f32>
// CHECK-NEXT: %[[A:.+]] = scf.for {{.+}} iter_args(%{{.+}} = %[[A0]]) -> (f32) {
// CHECK-NOT: scf.parallel
// CHECK: scf.for {{.+}} iter_args
// CHECK: memref.store %[[A]], %{{.+}}[] : memref<f32>
// CHECK-NEXT: gpu.terminator
// The host reads the result after the launch.
// CHECK: memref.load %{{.+}}[] : memref<f32>
func.func @sum(%x: memref<?xf32>, %acc: memref<f32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.parallel (%r) = (%c0) to (%c2) step (%c1) {
      %v = memref.load %x[%i] : memref<?xf32>
      %a = memref.load %acc[] : memref<f32>
      %s = arith.addf %v, %a : f32
      memref.store %s, %acc[] : memref<f32>
      scf.reduce
    }
  }
  %r = memref.load %acc[] : memref<f32>
  return %r : f32
}

// -----

// A loop whose iterations each store their own element (the initialisation
// of parameters) runs one thread per element.
// CHECK-LABEL: func.func @init
// CHECK-NOT: scf.for
// CHECK-DAG: %[[C2000:.+]] = arith.constant 2000 : index
// CHECK-DAG: %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK: scf.parallel (%{{.+}}) = (%{{.+}}) to (%[[C8]])
// CHECK: scf.parallel (%{{.+}}) = (%{{.+}}) to (%[[C256]])
// CHECK: %[[I:.+]] = arith.addi
// CHECK: arith.cmpi ult, %[[I]], %[[C2000]]
// CHECK: scf.if
// CHECK: %[[AT:.+]] = arith.addi %[[I]], %{{.+}} : index
// CHECK: memref.store %{{.+}}, %{{.+}}[%[[AT]]] : memref<3000xf32>
// CHECK: thread_x
// CHECK: block_x
func.func @init(%p: memref<3000xf32>, %seed: i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1000 = arith.constant 1000 : index
  %c2000 = arith.constant 2000 : index
  scf.for %i = %c0 to %c2000 step %c1 {
    %i64 = arith.index_cast %i : index to i64
    %x = arith.xori %i64, %seed : i64
    %f = arith.uitofp %x : i64 to f32
    %at = arith.addi %i, %c1000 : index
    memref.store %f, %p[%at] : memref<3000xf32>
  }
  return
}

// -----

// Loops on scalars stay on the host; so do loops already in a launch.
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: gpu.launch
// CHECK: scf.for
func.func @scalar(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %c0) -> index {
    %t = arith.addi %s, %i : index
    scf.yield %t : index
  }
  return %r : index
}

// -----

// Not carried in a register: a loop that writes another buffer too, and
// one whose element depends on the iteration.
// CHECK-LABEL: func.func @not_carried
// CHECK-NOT: iter_args
// CHECK: return
func.func @not_carried(%x: memref<?x4xf32>, %y: memref<4xf32>, %z: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %n step %c1 {
      %v = memref.load %x[%k, %j] : memref<?x4xf32>
      %s = memref.load %y[%j] : memref<4xf32>
      %t = arith.addf %v, %s : f32
      memref.store %t, %y[%j] : memref<4xf32>
      memref.store %t, %z[%k, %j] : memref<?x4xf32>
    }
    scf.for %k = %c0 to %n step %c1 {
      %v = memref.load %x[%k, %j] : memref<?x4xf32>
      %s = memref.load %z[%k, %j] : memref<?x4xf32>
      %t = arith.addf %v, %s : f32
      memref.store %t, %z[%k, %j] : memref<?x4xf32>
    }
    scf.reduce
  }
  return
}
