// REQUIRES: mlir-cpu-runner
// DEFINE: %{lower} = --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-arith-to-llvm --convert-index-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts
// The loops dlc-gpu-map-loops gives the GPU (blocks and threads as
// parallel loops, reduction loops carrying their sums in registers) after
// dlc-split-reductions and dlc-gpu-prepare, run on the host: the same
// values as the linalg ops lowered directly. (dlc-gpu-prepare makes public
// functions wait for the device before they return: here that is a no-op.)
// RUN: dlc-opt %s --dlc-split-reductions="max-serial=4" --dlc-gpu-prepare --convert-linalg-to-parallel-loops --dlc-gpu-map-loops | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: mlir-opt %s --convert-linalg-to-loops %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: dlc-opt %s --dlc-split-reductions="max-serial=4" --dlc-gpu-prepare --convert-linalg-to-parallel-loops --dlc-gpu-map-loops | FileCheck %s --check-prefix=LOOPS

// Every loop nest runs on blocks of threads; each reduction loop carries
// its sum.
// LOOPS-NOT: gpu.launch
// LOOPS-LABEL: func.func @biasGrad
// LOOPS-COUNT-3: scf.for {{.+}} iter_args
// LOOPS-LABEL: func.func @rowSums
// LOOPS-COUNT-2: scf.for {{.+}} iter_args
// LOOPS-LABEL: func.func @main

// CHECK: data =
// CHECK-NEXT: [957,  962,  956,  961]
// CHECK: data =
// CHECK-NEXT: [71,  69,  74]

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d3)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#img = affine_map<(d0, d1, d2) -> (d0)>
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func private @dlc_cuda_synchronize() -> i32 {
  %ok = arith.constant 0 : i32
  return %ok : i32
}

// db[c] = 1 + sum over n, h, w of x[n, h, w, c], x = (7n + 3h + 5w + c) mod 11.
func.func @biasGrad() {
  %x = memref.alloc() : memref<3x8x8x4xf32>
  linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%x : memref<3x8x8x4xf32>) {
  ^bb0(%o: f32):
    %n = linalg.index 0 : index
    %h = linalg.index 1 : index
    %w = linalg.index 2 : index
    %c = linalg.index 3 : index
    %c7 = arith.constant 7 : index
    %c3 = arith.constant 3 : index
    %c5 = arith.constant 5 : index
    %c11 = arith.constant 11 : index
    %a = arith.muli %n, %c7 : index
    %b = arith.muli %h, %c3 : index
    %d = arith.muli %w, %c5 : index
    %s1 = arith.addi %a, %b : index
    %s2 = arith.addi %s1, %d : index
    %s3 = arith.addi %s2, %c : index
    %m = arith.remui %s3, %c11 : index
    %i = arith.index_cast %m : index to i64
    %f = arith.sitofp %i : i64 to f32
    linalg.yield %f : f32
  }
  %db = memref.alloc() : memref<4xf32>
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%db : memref<4xf32>)
  linalg.generic {indexing_maps = [#id4, #ch], iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%x : memref<3x8x8x4xf32>) outs(%db : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  %u = memref.cast %db : memref<4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// s[i] = sum over j, k < 6 of (5i + 2j + 3k) mod 7 - 1, for a dynamic
// number of rows (3): the dynamic loop stays parallel.
func.func @rowSums() {
  %c3 = arith.constant 3 : index
  %x = memref.alloc(%c3) : memref<?x6x6xf32>
  linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%x : memref<?x6x6xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %c2 = arith.constant 2 : index
    %c3i = arith.constant 3 : index
    %c5 = arith.constant 5 : index
    %i5 = arith.muli %i, %c5 : index
    %a = arith.muli %j, %c2 : index
    %b = arith.muli %k, %c3i : index
    %s1 = arith.addi %i5, %a : index
    %s2 = arith.addi %s1, %b : index
    %c7 = arith.constant 7 : index
    %r = arith.remui %s2, %c7 : index
    %n = arith.index_cast %r : index to i64
    %f = arith.sitofp %n : i64 to f32
    %one = arith.constant 1.0 : f32
    %v = arith.subf %f, %one : f32
    linalg.yield %v : f32
  }
  %s = memref.alloc(%c3) : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<?xf32>)
  linalg.generic {indexing_maps = [#id3, #img], iterator_types = ["parallel", "reduction", "reduction"]} ins(%x : memref<?x6x6xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %t = arith.addf %in, %acc : f32
    linalg.yield %t : f32
  }
  %u = memref.cast %s : memref<?xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  call @biasGrad() : () -> ()
  call @rowSums() : () -> ()
  return
}
