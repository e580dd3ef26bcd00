// RUN: dlc-opt %s --dlc-split-reductions | FileCheck %s

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d3)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#scalar = affine_map<(d0, d1) -> ()>

// A bias gradient over a batch of 32x32 images: the first stage sums over
// the batch into partial[h, w, c] (zeroed first), the second over h into
// partial2[w, c], the last over w into the output, which it accumulates.
// CHECK-DAG: #[[HWC:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[WC:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bias_grad(
// CHECK-SAME: %[[DY:[^:]+]]: memref<?x32x32x8xf32>, %[[DB:[^:]+]]: memref<8xf32>)
// CHECK: %[[P1:.+]] = memref.alloc() : memref<32x32x8xf32>
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%[[P1]] : memref<32x32x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[HWC]]], iterator_types = ["reduction", "parallel", "parallel", "parallel"]} ins(%[[DY]] : memref<?x32x32x8xf32>) outs(%[[P1]] : memref<32x32x8xf32>)
// CHECK: arith.addf
// CHECK: %[[P2:.+]] = memref.alloc() : memref<32x8xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[P2]] : memref<32x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[WC]]], iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[P1]] : memref<32x32x8xf32>) outs(%[[P2]] : memref<32x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[C]]], iterator_types = ["reduction", "parallel"]} ins(%[[P2]] : memref<32x8xf32>) outs(%[[DB]] : memref<8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[IN]], %[[OUT]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @bias_grad(%dy: memref<?x32x32x8xf32>, %db: memref<8xf32>) {
  linalg.generic {indexing_maps = [#id4, #ch], iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%dy : memref<?x32x32x8xf32>) outs(%db : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// A maximum per image with a dynamic number of images: the partial buffer
// has as many columns as the output; its neutral element is -inf.
// CHECK-LABEL: func.func @image_max(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x64x64xf32>, %[[M:[^:]+]]: memref<?xf32>)
// CHECK: %[[ZERO:.+]] = arith.constant 0 : index
// CHECK: %[[N:.+]] = memref.dim %[[M]], %[[ZERO]] : memref<?xf32>
// CHECK: %[[P:.+]] = memref.alloc(%[[N]]) : memref<64x?xf32>
// CHECK: %[[NEG:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEG]] : f32) outs(%[[P]] : memref<64x?xf32>)
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : memref<?x64x64xf32>) outs(%[[P]] : memref<64x?xf32>)
// CHECK: arith.maximumf
// CHECK: iterator_types = ["reduction", "parallel"]} ins(%[[P]] : memref<64x?xf32>) outs(%[[M]] : memref<?xf32>)
// CHECK: arith.maximumf
func.func @image_max(%x: memref<?x64x64xf32>, %m: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]} ins(%x : memref<?x64x64xf32>) outs(%m : memref<?xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %in, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// Left alone: a short reduction, one over the batch only, one over a
// single loop of 64, one whose output is used besides its combiner, and
// one on tensors.
// CHECK-LABEL: func.func @unchanged(
// CHECK-NOT: memref.alloc
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @unchanged(%short: memref<4x32xf32>, %batch: memref<?x8xf32>, %big: memref<64x64xf32>, %t: tensor<64x64xf32>, %out: memref<4xf32>, %out64: memref<64xf32>, %col: memref<8xf32>, %s: memref<f32>, %ts: tensor<f32>) -> tensor<f32> {
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%short : memref<4x32xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id2, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%batch : memref<?x8xf32>) outs(%col : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, #row], iterator_types = ["parallel", "reduction"]} ins(%big : memref<64x64xf32>) outs(%out64 : memref<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id2, #scalar], iterator_types = ["reduction", "reduction"]} ins(%big : memref<64x64xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    %q = arith.mulf %r, %acc : f32
    linalg.yield %q : f32
  }
  %r = linalg.generic {indexing_maps = [#id2, #scalar], iterator_types = ["reduction", "reduction"]} ins(%t : tensor<64x64xf32>) outs(%ts : tensor<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %in, %acc : f32
    linalg.yield %a : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// A sum over one long static loop (522 elements at an offset in the
// gradient buffer) is factored into 87 x 6 first: 6 threads sum 87
// elements each, then one thread sums the 6. A prime length is left as it
// is.
// CHECK-LABEL: func.func @tail_sum(
// CHECK-SAME: %[[G:[^:]+]]: memref<600xf32>, %[[S:[^:]+]]: memref<f32>, %[[P:[^:]+]]: memref<131xf32>
// CHECK: %[[TAIL:.+]] = memref.subview %[[G]][78] [522] [1]
// CHECK: %[[E:.+]] = memref.expand_shape %[[TAIL]] {{\[}}[0, 1]] output_shape [87, 6] : memref<522xf32, strided<[1], offset: 78>> into memref<87x6xf32, strided<[6, 1], offset: 78>>
// CHECK: %[[PART:.+]] = memref.alloc() : memref<6xf32>
// CHECK: iterator_types = ["reduction", "parallel"]} ins(%[[E]] : memref<87x6xf32, strided<[6, 1], offset: 78>>) outs(%[[PART]] : memref<6xf32>)
// CHECK: iterator_types = ["reduction"]} ins(%[[PART]] : memref<6xf32>) outs(%[[S]] : memref<f32>)
// CHECK-NOT: memref.alloc
// CHECK: iterator_types = ["reduction"]} ins(%[[P]] : memref<131xf32>) outs(%[[S]] : memref<f32>)
func.func @tail_sum(%g: memref<600xf32>, %s: memref<f32>, %p: memref<131xf32>) {
  %tail = memref.subview %g[78] [522] [1] : memref<600xf32> to memref<522xf32, strided<[1], offset: 78>>
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%tail : memref<522xf32, strided<[1], offset: 78>>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%p : memref<131xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  }
  return
}
