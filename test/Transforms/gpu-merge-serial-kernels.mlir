// RUN: dlc-opt %s --dlc-gpu-merge-serial-kernels --split-input-file | FileCheck %s

// Three kernels of one thread with only ops without memory effects between
// them (a constant, a view): one launch running the three bodies in order,
// using the values defined between them.
// CHECK-LABEL: func.func @three_in_a_row
// CHECK-SAME: (%[[P:[^:]+]]: memref<10xf32>, %[[ACC:[^:]+]]: memref<f32>, %[[OUT:[^:]+]]: memref<f32>)
// CHECK:      %[[HALF:.+]] = arith.constant 5.000000e-01 : f32
// CHECK:      %[[V:.+]] = memref.subview %[[OUT]]
// CHECK:      gpu.launch
// CHECK:        scf.for
// CHECK:          memref.load %[[P]]
// CHECK:        memref.store %{{.+}}, %[[ACC]][]
// CHECK-NEXT:   %[[A:.+]] = memref.load %[[ACC]][]
// CHECK-NEXT:   %[[S:.+]] = arith.mulf %[[A]], %[[HALF]]
// CHECK-NEXT:   memref.store %[[S]], %[[ACC]][]
// CHECK-NEXT:   %[[B:.+]] = memref.load %[[ACC]][]
// CHECK-NEXT:   memref.store %[[B]], %[[V]][]
// CHECK-NEXT:   gpu.terminator
// CHECK-NOT:  gpu.launch
// CHECK:      return
func.func @three_in_a_row(%p: memref<10xf32>, %acc: memref<f32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    %s = scf.for %i = %c0 to %c10 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %p[%i] : memref<10xf32>
      %n = arith.addf %a, %v : f32
      scf.yield %n : f32
    }
    memref.store %s, %acc[] : memref<f32>
    gpu.terminator
  }
  %half = arith.constant 0.5 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %a = memref.load %acc[] : memref<f32>
    %s = arith.mulf %a, %half : f32
    memref.store %s, %acc[] : memref<f32>
    gpu.terminator
  }
  %view = memref.subview %out[] [] [] : memref<f32> to memref<f32, strided<[]>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %b = memref.load %acc[] : memref<f32>
    memref.store %b, %view[] : memref<f32, strided<[]>>
    gpu.terminator
  }
  return
}

// -----

// The ids and sizes of the first body become those of the launch it moves
// into (all 0 and 1 alike).
// CHECK-LABEL: func.func @ids
// CHECK:      gpu.launch blocks(%[[BX:[^,]+]], {{.+}} threads(%[[TX:[^,]+]],
// CHECK:        memref.store %{{.+}}, %{{.+}}[%[[TX]]]
// CHECK:        memref.store %{{.+}}, %{{.+}}[%[[BX]]]
// CHECK-NOT:  gpu.launch
func.func @ids(%m: memref<1xf32>) {
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %m[%tx] : memref<1xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %m[%bx] : memref<1xf32>
    gpu.terminator
  }
  return
}

// -----

// Kept apart: a host store, a call and a kernel of several threads between
// them; a launch of more than one thread or with an async dependency.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-9: gpu.launch
// CHECK-NOT:  gpu.launch
func.func private @ext()
func.func @kept(%m: memref<4xf32>, %s: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  memref.store %one, %m[%c0] : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  func.call @ext() : () -> ()
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %one, %m[%tx] : memref<4xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %m[%bx] : memref<4xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  %t = gpu.wait async
  %t2 = gpu.launch async [%t] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  gpu.wait [%t2]
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %s[] : memref<f32>
    gpu.terminator
  }
  return
}

// -----

// A launch with clusters is kept apart: its body may use the cluster ids,
// which a launch without clusters does not have.
// CHECK-LABEL: func.func @clusters
// CHECK: gpu.launch clusters
// CHECK: arith.index_cast
// CHECK: gpu.launch blocks
// CHECK: memref.store
func.func @clusters(%a: memref<f32>, %b: memref<f32>) {
  %c1 = arith.constant 1 : index
  %x = arith.constant 2.0 : f32
  gpu.launch clusters(%cx, %cy, %cz) in (%sx = %c1, %sy = %c1, %sz = %c1) blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%tsx = %c1, %tsy = %c1, %tsz = %c1) {
    %i = arith.index_cast %cx : index to i64
    %fi = arith.sitofp %i : i64 to f32
    memref.store %fi, %a[] : memref<f32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%tsx = %c1, %tsy = %c1, %tsz = %c1) {
    memref.store %x, %b[] : memref<f32>
    gpu.terminator
  }
  return
}
