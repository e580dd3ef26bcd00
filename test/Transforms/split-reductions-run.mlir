// REQUIRES: mlir-cpu-runner
// DEFINE: %{lower} = --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-arith-to-llvm --convert-index-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts
// The split reductions compute what the unsplit ones compute: both are
// lowered to loops and run on the host (sums of small integers are exact
// in any order).
// RUN: dlc-opt %s --dlc-split-reductions="max-serial=4" | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: mlir-opt %s %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: dlc-opt %s --dlc-split-reductions="max-serial=4" | FileCheck %s --check-prefix=STAGES

// Each function's first linalg.generic writes the input; no stage runs
// more than 4 iterations a thread, except over a dynamic loop or a prime
// number of elements. Bias gradient: over n (3), h as 4 x 2 (4, 2), w as
// 4 x 2 (4, 2); the maximum: 6 as 3 x 2 (3, 2), then 5 (prime); the
// dynamic sum: the dynamic 3, then 8 as 4 x 2 (4, 2).
// STAGES-LABEL: func.func @biasGrad
// STAGES-COUNT-2: linalg.generic
// STAGES: memref.expand_shape {{.+}} {{\[}}[0, 1], [2], [3]] output_shape [4, 2, 8, 4] : memref<8x8x4xf32> into memref<4x2x8x4xf32>
// STAGES-COUNT-2: linalg.generic
// STAGES: memref.expand_shape {{.+}} {{\[}}[0, 1], [2]] output_shape [4, 2, 4] : memref<8x4xf32> into memref<4x2x4xf32>
// STAGES-COUNT-2: linalg.generic
// STAGES-NOT: linalg.generic
// STAGES-LABEL: func.func @maxAll
// STAGES-COUNT-4: linalg.generic
// STAGES-NOT: linalg.generic
// STAGES-LABEL: func.func @dynamicSum
// STAGES-COUNT-4: linalg.generic
// STAGES-NOT: linalg.generic
// STAGES-LABEL: func.func @main

// CHECK: data =
// CHECK-NEXT: [957,  962,  956,  961]
// CHECK: data =
// CHECK-NEXT: [8]
// CHECK: data =
// CHECK-NEXT: [46]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d3)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> ()>
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

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

// m = max(-100, max over i, j of ((13i + 7j) mod 17) - 8): two stages.
func.func @maxAll() {
  %x = memref.alloc() : memref<6x5xf32>
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%x : memref<6x5xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c13 = arith.constant 13 : index
    %c7 = arith.constant 7 : index
    %c17 = arith.constant 17 : index
    %a = arith.muli %i, %c13 : index
    %b = arith.muli %j, %c7 : index
    %s = arith.addi %a, %b : index
    %r = arith.remui %s, %c17 : index
    %k = arith.index_cast %r : index to i64
    %f = arith.sitofp %k : i64 to f32
    %c8 = arith.constant 8.0 : f32
    %v = arith.subf %f, %c8 : f32
    linalg.yield %v : f32
  }
  %m = memref.alloc() : memref<f32>
  %low = arith.constant -100.0 : f32
  linalg.fill ins(%low : f32) outs(%m : memref<f32>)
  linalg.generic {indexing_maps = [#id2, #scalar], iterator_types = ["reduction", "reduction"]} ins(%x : memref<6x5xf32>) outs(%m : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %in, %acc : f32
    linalg.yield %r : f32
  }
  %u = memref.cast %m : memref<f32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// s = sum over i < 3 (a dynamic size), j of (8i + j) mod 5: the dynamic
// loop stays in the first stage.
func.func @dynamicSum() {
  %c3 = arith.constant 3 : index
  %x = memref.alloc(%c3) : memref<?x8xf32>
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%x : memref<?x8xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c8 = arith.constant 8 : index
    %c5 = arith.constant 5 : index
    %a = arith.muli %i, %c8 : index
    %s = arith.addi %a, %j : index
    %r = arith.remui %s, %c5 : index
    %k = arith.index_cast %r : index to i64
    %f = arith.sitofp %k : i64 to f32
    linalg.yield %f : f32
  }
  %s = memref.alloc() : memref<f32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<f32>)
  linalg.generic {indexing_maps = [#id2, #scalar], iterator_types = ["reduction", "reduction"]} ins(%x : memref<?x8xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  }
  %u = memref.cast %s : memref<f32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  call @biasGrad() : () -> ()
  call @maxAll() : () -> ()
  call @dynamicSum() : () -> ()
  return
}
