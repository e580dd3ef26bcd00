// RUN: dlc-opt %s --dlc-gpu-run-on-host --split-input-file | FileCheck %s
// RUN: dlc-opt %s --dlc-gpu-run-on-host=reverse=1 --split-input-file | FileCheck %s --check-prefix=REV

// A kernel of n blocks of 4 threads: loops over the blocks, then the
// threads; dimensions of size 1 need no loop. gpu.thread_id names the same
// value as the launch's thread argument.

// CHECK-LABEL: func.func @blocks_and_threads
// CHECK-SAME:    (%[[M:.*]]: memref<?xf32>, %[[N:.*]]: index)
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK:         scf.for %[[B:.*]] = %[[C0]] to %[[N]] step %{{.*}} {
// CHECK-NEXT:      scf.for %[[T:.*]] = %[[C0]] to %[[C4]] step %{{.*}} {
// CHECK-NEXT:        %[[I:.*]] = arith.muli %[[B]], %[[C4]] : index
// CHECK-NEXT:        %[[J:.*]] = arith.addi %[[I]], %[[T]] : index
// CHECK-NEXT:        %[[F:.*]] = arith.index_cast %[[T]] : index to i32
// CHECK-NEXT:        %[[V:.*]] = arith.sitofp %[[F]]
// CHECK-NEXT:        memref.store %[[V]], %[[M]][%[[J]]]
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NOT:     gpu.
// CHECK:         return

// Reversed: each id counts down from size - 1.
// REV-LABEL: func.func @blocks_and_threads
// REV-SAME:    (%[[M:.*]]: memref<?xf32>, %[[N:.*]]: index)
// REV-DAG:     %[[LASTB:.*]] = arith.subi %[[N]], %[[ONE:.*]] : index
// REV-DAG:     %[[LASTT:.*]] = arith.subi %[[C4:.*]], %[[ONE]] : index
// REV:         scf.for %[[IB:.*]] = %{{.*}} to %[[N]]
// REV-NEXT:      %[[B:.*]] = arith.subi %[[LASTB]], %[[IB]] : index
// REV-NEXT:      scf.for %[[IT:.*]] = %{{.*}} to %[[C4]]
// REV-NEXT:        %[[T:.*]] = arith.subi %[[LASTT]], %[[IT]] : index
// REV-NEXT:        %[[I:.*]] = arith.muli %[[B]], %[[C4]] : index
// REV-NEXT:        arith.addi %[[I]], %[[T]] : index
// REV-NEXT:        arith.index_cast %[[T]] : index to i32
func.func @blocks_and_threads(%m: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %i = arith.muli %bx, %sx : index
    %j = arith.addi %i, %tx : index
    %t = gpu.thread_id x
    %f = arith.index_cast %t : index to i32
    %v = arith.sitofp %f : i32 to f32
    memref.store %v, %m[%j] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

// A launch of one thread: its body in place, no loop.

// CHECK-LABEL: func.func @one_thread
// CHECK-NOT:     scf.for
// CHECK:         %[[X:.*]] = arith.constant 2.0
// CHECK-NEXT:    memref.store %[[X]], %{{.*}}[] : memref<f32>
// CHECK-NEXT:    return
func.func @one_thread(%m: memref<f32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %x = arith.constant 2.0 : f32
    memref.store %x, %m[] : memref<f32>
    gpu.terminator
  }
  return
}

// -----

// A body of several blocks runs in an scf.execute_region; each
// gpu.terminator becomes scf.yield. The 2-D grid: y outside x.

// CHECK-LABEL: func.func @branches
// CHECK:         scf.for %[[Y:.*]] =
// CHECK-NEXT:      scf.for %[[X:.*]] =
// CHECK-NEXT:        scf.execute_region {
// CHECK-NEXT:          %[[C:.*]] = arith.cmpi ult, %[[X]], %[[Y]] : index
// CHECK-NEXT:          cf.cond_br %[[C]], ^bb1, ^bb2
// CHECK-NEXT:        ^bb1:
// CHECK-NEXT:          arith.constant 1.0
// CHECK-NEXT:          memref.store %{{.*}}, %{{.*}}[%[[X]], %[[Y]]]
// CHECK-NEXT:          scf.yield
// CHECK-NEXT:        ^bb2:
// CHECK-NEXT:          scf.yield
// CHECK-NEXT:        }
func.func @branches(%m: memref<8x8xf32>) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c8, %gy = %c8, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %lt = arith.cmpi ult, %bx, %by : index
    cf.cond_br %lt, ^store, ^done
  ^store:
    %x = arith.constant 1.0 : f32
    memref.store %x, %m[%bx, %by] : memref<8x8xf32>
    gpu.terminator
  ^done:
    gpu.terminator
  }
  return
}

// -----

// cuDNN/cuBLAS calls become the CPU kernel library's (the same arguments);
// dlc_cuda_synchronize() calls are dropped, their status 0.

// CHECK-NOT:   @dlc_cu_
// CHECK-NOT:   @dlc_cuda_synchronize
// CHECK-DAG:   func.func private @dlc_k_pool2d_fwd(i64, !llvm.ptr)
// CHECK-DAG:   func.func private @dlc_k_sgemm(!llvm.ptr)
// CHECK-LABEL: func.func @calls
// CHECK-SAME:    (%[[P:.*]]: !llvm.ptr)
// CHECK:         call @dlc_k_sgemm(%[[P]])
// CHECK:         call @dlc_k_pool2d_fwd(%{{.*}}, %[[P]])
// CHECK:         call @dlc_k_sgemm(%[[P]])
// CHECK-NEXT:    %[[OK:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    return %[[OK]] : i32
func.func private @dlc_cu_sgemm(!llvm.ptr)
func.func private @dlc_k_sgemm(!llvm.ptr)
func.func private @dlc_cu_pool2d_fwd(i64, !llvm.ptr)
func.func private @dlc_cuda_synchronize() -> i32
func.func @calls(%p: !llvm.ptr) -> i32 {
  %k = arith.constant 1 : i64
  call @dlc_cu_sgemm(%p) : (!llvm.ptr) -> ()
  call @dlc_cu_pool2d_fwd(%k, %p) : (i64, !llvm.ptr) -> ()
  call @dlc_k_sgemm(%p) : (!llvm.ptr) -> ()
  %s = call @dlc_cuda_synchronize() : () -> i32
  return %s : i32
}
