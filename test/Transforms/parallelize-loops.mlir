// RUN: dlc-opt %s --dlc-parallelize-loops | FileCheck %s
// RUN: dlc-opt %s --dlc-parallelize-loops --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-arith-to-llvm --convert-index-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// A marked loop becomes a call of dlc_k_parallel_for with the outlined body,
// a context on the stack and the trip count; the body rebuilds the memrefs
// from their descriptor fields and clones the constants.

// CHECK-LABEL: func.func private @dlc_k_parallel_for((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64, i64)

// CHECK-LABEL: func.func private @scale.parallel0(%{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: i64)
// CHECK-DAG: arith.constant dense<2.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[X:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x16xf32>
// CHECK-DAG: %[[Y:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x16xf32, strided<[32, 1], offset: ?>>
// CHECK-DAG: %[[S:.+]] = llvm.load %{{.+}} : !llvm.ptr -> f32
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK: %[[I:.+]] = arith.addi
// CHECK: vector.transfer_read %[[X]][%[[I]], %{{.+}}]
// CHECK: arith.mulf
// CHECK: vector.transfer_write %{{.+}}, %[[Y]][%[[I]], %{{.+}}]
// CHECK: return

// CHECK-LABEL: func.func @scale(
// CHECK: %[[CTX:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(ptr, i64, i64, i64, i64, i64, f32, ptr, i64, i64, i64, i64, i64)>
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: memref.extract_strided_metadata
// CHECK: llvm.store
// CHECK: %[[N:.+]] = arith.divsi
// CHECK: %[[F:.+]] = constant @scale.parallel0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[NI:.+]] = arith.index_cast %[[N]] : index to i64
// CHECK: call @dlc_k_parallel_for(%[[F]], %[[CTX]], %[[NI]], %c4096_i64)
// CHECK-NOT: scf.for
// CHECK: return

// LLVM-LABEL: llvm.func @scale(
// LLVM: %[[F:.+]] = llvm.mlir.addressof @scale.parallel0 : !llvm.ptr
// LLVM: llvm.call @dlc_k_parallel_for(%[[F]], %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, !llvm.ptr, i64, i64) -> ()
func.func @scale(%x: memref<?x16xf32>, %y: memref<?x16xf32, strided<[32, 1], offset: ?>>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %pad = arith.constant 0.0 : f32
  %two = arith.constant dense<2.0> : vector<16xf32>
  %n = memref.dim %x, %c0 : memref<?x16xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = vector.transfer_read %x[%i, %c0], %pad {in_bounds = [true]} : memref<?x16xf32>, vector<16xf32>
    %b = vector.broadcast %s : f32 to vector<16xf32>
    %m = arith.mulf %v, %b : vector<16xf32>
    %w = arith.mulf %m, %two : vector<16xf32>
    vector.transfer_write %w, %y[%i, %c0] {in_bounds = [true]} : vector<16xf32>, memref<?x16xf32, strided<[32, 1], offset: ?>>
  } {dlc.parallel = 4096 : i64}
  return
}

// Only the outermost marked loop is outlined; unmarked loops stay.
// CHECK-LABEL: func.func private @nested.parallel1(
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: dlc.parallel
// CHECK-LABEL: func.func @nested(
// CHECK: call @dlc_k_parallel_for
// CHECK-NOT: scf.for
// Unmarked loops, and loops too small to be worth it (8 x 8 in all; or
// a dynamic trip count with less than 256 per iteration), stay serial.
// CHECK-LABEL: func.func @serial(
// CHECK: scf.for
// CHECK-NOT: dlc_k_parallel_for
// CHECK: return
// CHECK-LABEL: func.func @small(
// CHECK-NOT: dlc_k_parallel_for
// CHECK: scf.for
// CHECK-NOT: dlc_k_parallel_for
// CHECK: scf.for
// CHECK-NOT: dlc_k_parallel_for
// CHECK: return
func.func @nested(%x: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %z, %x[%i, %j] : memref<8x8xf32>
    } {dlc.parallel = 16384 : i64}
  } {dlc.parallel = 16384 : i64}
  return
}

func.func @serial(%x: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %z, %x[%i] : memref<8xf32>
  }
  return
}

func.func @small(%x: memref<8xf32>, %y: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %z, %x[%i] : memref<8xf32>
  } {dlc.parallel = 8 : i64}
  %n = memref.dim %y, %c0 : memref<?x16xf32>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %z, %y[%i, %c0] : memref<?x16xf32>
  } {dlc.parallel = 16 : i64}
  return
}
