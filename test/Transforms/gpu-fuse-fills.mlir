// RUN: dlc-opt %s --dlc-gpu-fuse-fills --split-input-file | FileCheck %s

// A partial buffer's fill and the reduction stage that accumulates into it,
// with the same grid, blocks, index computation and guard: one kernel,
// starting from the fill value.

// CHECK-LABEL: func.func @fused
// CHECK:         gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:           %[[I:.*]] = arith.addi
// CHECK:           scf.if
// CHECK-NEXT:        %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:        %[[ACC:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[ZERO]])
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[I]]] : memref<100xf32>
func.func @fused(%x: memref<8x100xf32>, %p: memref<100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c100 = arith.constant 100 : index
  %c128 = arith.constant 128 : index
  %c1_0 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    %b = arith.muli %bx, %c128 : index
    %i = arith.addi %b, %tx : index
    %in = arith.cmpi ult, %i, %c100 : index
    scf.if %in {
      memref.store %zero, %p[%i] : memref<100xf32>
    }
    gpu.terminator
  }
  %c128_1 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1_0, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128_1, %sy = %c1, %sz = %c1) {
    %b = arith.muli %bx, %c128 : index
    %i = arith.addi %b, %tx : index
    %in = arith.cmpi ult, %i, %c100 : index
    scf.if %in {
      %init = memref.load %p[%i] : memref<100xf32>
      %s = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %init) -> (f32) {
        %v = memref.load %x[%k, %i] : memref<8x100xf32>
        %n = arith.addf %v, %a : f32
        scf.yield %n : f32
      }
      memref.store %s, %p[%i] : memref<100xf32>
    }
    gpu.terminator
  }
  return
}

// -----

// Not fused: the second kernel maps threads to other elements.

// CHECK-LABEL: func.func @other_index
// CHECK-COUNT-2: gpu.launch
func.func @other_index(%p: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %j = arith.subi %c128, %tx : index
    %k = arith.subi %j, %c1 : index
    %v = memref.load %p[%k] : memref<128xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %p[%k] : memref<128xf32>
    gpu.terminator
  }
  return
}

// -----

// Not fused: other launch sizes; a guard only the first has; a load in a
// loop (it sees its own stores); the element not stored back; a kernel
// that touches memory in between; a fill value computed from the ids.

// CHECK-LABEL: func.func @not_fused
// CHECK-COUNT-12: gpu.launch
func.func @not_fused(%p: memref<128xf32>, %q: memref<128xf32>, %s: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  // Other sizes.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32>
    memref.store %v, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  // A guard in the fill only.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %in = arith.cmpi ult, %tx, %n : index
    scf.if %in {
      memref.store %one, %p[%tx] : memref<128xf32>
    }
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32>
    memref.store %v, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  // The load in a loop.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    scf.for %k = %c0 to %c4 step %c1 {
      %v = memref.load %p[%tx] : memref<128xf32>
      %w = arith.addf %v, %one : f32
      memref.store %w, %p[%tx] : memref<128xf32>
    }
    gpu.terminator
  }
  // Loaded but not stored back.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32>
    memref.store %v, %q[%tx] : memref<128xf32>
    gpu.terminator
  }
  // Memory touched in between.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  memref.store %one, %s[] : memref<f32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32>
    memref.store %v, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  // A fill value computed from the thread id.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %i = arith.index_cast %tx : index to i32
    %f = arith.sitofp %i : i32 to f32
    memref.store %f, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32>
    memref.store %v, %p[%tx] : memref<128xf32>
    gpu.terminator
  }
  return
}

// -----

// The kernels between the fill and the stage that accumulates into it
// touch other memory: a buffer of their own, or a slice of the same
// argument that covers other elements. The fill still goes into the stage.

// CHECK-LABEL: func.func @past_other_kernels
// CHECK-SAME: %[[G:[^:]+]]: memref<300xf32>, %[[Q:[^:]+]]: memref<128xf32>
// CHECK-DAG: %[[P:.+]] = memref.reinterpret_cast %[[G]] to offset: [0], sizes: [128]
// CHECK-DAG: %[[O:.+]] = memref.reinterpret_cast %[[G]] to offset: [128], sizes: [128]
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[Q]]
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[O]]
// CHECK: gpu.launch
// CHECK-NOT: memref.load %[[P]]
// CHECK: memref.store %{{.*}}, %[[P]]
// CHECK-NOT: gpu.launch
func.func @past_other_kernels(%g: memref<300xf32>, %q: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  %p = memref.reinterpret_cast %g to offset: [0], sizes: [128], strides: [1] : memref<300xf32> to memref<128xf32, strided<[1]>>
  %o = memref.reinterpret_cast %g to offset: [128], sizes: [128], strides: [1] : memref<300xf32> to memref<128xf32, strided<[1], offset: 128>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %p[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %q[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %o[%tx] : memref<128xf32, strided<[1], offset: 128>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32, strided<[1]>>
    %w = arith.addf %v, %one : f32
    memref.store %w, %p[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  return
}

// -----

// Not fused: in between, a kernel reads a slice of the same argument that
// overlaps the filled one; a kernel reads a view of the filled buffer; a
// call (which may touch any memory) runs.

// CHECK-LABEL: func.func @not_past
// CHECK-COUNT-8: gpu.launch
// CHECK-NOT: gpu.launch
func.func private @touch(memref<300xf32>)
func.func @not_past(%g: memref<300xf32>, %q: memref<128xf32>, %r: memref<128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  %p = memref.reinterpret_cast %g to offset: [0], sizes: [128], strides: [1] : memref<300xf32> to memref<128xf32, strided<[1]>>
  %o = memref.reinterpret_cast %g to offset: [100], sizes: [128], strides: [1] : memref<300xf32> to memref<128xf32, strided<[1], offset: 100>>
  // An overlapping slice read in between.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %p[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %o[%tx] : memref<128xf32, strided<[1], offset: 100>>
    memref.store %v, %q[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %p[%tx] : memref<128xf32, strided<[1]>>
    %w = arith.addf %v, %one : f32
    memref.store %w, %p[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  // A view of the filled buffer read in between.
  %h = memref.subview %r[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %r[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %h[%c0] : memref<64xf32, strided<[1]>>
    memref.store %v, %q[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %r[%tx] : memref<128xf32>
    %w = arith.addf %v, %one : f32
    memref.store %w, %r[%tx] : memref<128xf32>
    gpu.terminator
  }
  // A call in between.
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %q[%tx] : memref<128xf32>
    gpu.terminator
  }
  func.call @touch(%g) : (memref<300xf32>) -> ()
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %q[%tx] : memref<128xf32>
    %w = arith.addf %v, %one : f32
    memref.store %w, %q[%tx] : memref<128xf32>
    gpu.terminator
  }
  return
}

// -----

// Not fused: other views of the same memory.

// The buffer the filled view was taken from is written in between.
// CHECK-LABEL: func.func @parent_write
// CHECK-COUNT-3: gpu.launch
func.func @parent_write(%buf: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  %s = memref.subview %buf[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %s[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %buf[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %s[%tx] : memref<128xf32, strided<[1]>>
    %w = arith.addf %v, %one : f32
    memref.store %w, %s[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  return
}
// The next kernel also reads the filled elements through the argument.
// CHECK-LABEL: func.func @alias_in_b
// CHECK-COUNT-2: gpu.launch
func.func @alias_in_b(%g: memref<256xf32>, %out: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %m = memref.reinterpret_cast %g to offset: [0], sizes: [128], strides: [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %m[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %old = memref.load %g[%tx] : memref<256xf32>
    memref.store %old, %out[%tx] : memref<128xf32>
    %v = memref.load %m[%tx] : memref<128xf32, strided<[1]>>
    %w = arith.addf %v, %v : f32
    memref.store %w, %m[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  return
}
// A reinterpret_cast made of a disjoint view starts again from the base:
// it writes the filled elements.
// CHECK-LABEL: func.func @view_of_view
// CHECK-COUNT-3: gpu.launch
func.func @view_of_view(%g: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  %m = memref.reinterpret_cast %g to offset: [0], sizes: [128], strides: [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  %hi = memref.reinterpret_cast %g to offset: [128], sizes: [128], strides: [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: 128>>
  %lo = memref.reinterpret_cast %hi to offset: [0], sizes: [128], strides: [1] : memref<128xf32, strided<[1], offset: 128>> to memref<128xf32, strided<[1]>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %m[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %lo[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %m[%tx] : memref<128xf32, strided<[1]>>
    %w = arith.addf %v, %one : f32
    memref.store %w, %m[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  return
}
// The filled buffer is a view of a slice that is written in between.
// CHECK-LABEL: func.func @expand_of_slice
// CHECK-COUNT-3: gpu.launch
func.func @expand_of_slice(%g: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  %sl = memref.reinterpret_cast %g to offset: [0], sizes: [128], strides: [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  %m = memref.expand_shape %sl [[0, 1]] output_shape [2, 64] : memref<128xf32, strided<[1]>> into memref<2x64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %m[%bx, %tx] : memref<2x64xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    memref.store %one, %sl[%tx] : memref<128xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %m[%bx, %tx] : memref<2x64xf32>
    %w = arith.addf %v, %one : f32
    memref.store %w, %m[%bx, %tx] : memref<2x64xf32>
    gpu.terminator
  }
  return
}
