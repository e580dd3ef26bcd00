// RUN: dlc-opt %s --convert-net-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse | FileCheck %s

// Contractions and pooling bufferize into calls of dlc's kernel library:
// aligned pointers of dense buffers, then the dimensions as i64.

// CHECK-DAG: func.func private @dlc_k_conv2d_fwd(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @dlc_k_conv2d_fwd_bias_act(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @dlc_k_conv2d_bwd_data(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @dlc_k_conv2d_bwd_filter(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @dlc_k_pool2d_fwd(i64, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @dlc_k_pool2d_bwd(i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @dlc_k_sgemm(i64, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64)
// CHECK-DAG: func.func private @dlc_k_sgemm_bias_act(i64, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64)

// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:.+]]: memref<?x8x8x3xf32>, %[[W:.+]]: memref<3x3x3x4xf32>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[I1:.+]] = arith.constant 1 : i64
// CHECK-DAG: %[[I3:.+]] = arith.constant 3 : i64
// CHECK-DAG: %[[I4:.+]] = arith.constant 4 : i64
// CHECK-DAG: %[[I8:.+]] = arith.constant 8 : i64
// CHECK: %[[N:.+]] = memref.dim %[[X]], %[[C0]]
// CHECK: %[[Y:.+]] = memref.alloc(%[[N]]) {{.*}}: memref<?x8x8x4xf32>
// CHECK: %[[XI:.+]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[XP:.+]] = llvm.inttoptr
// CHECK: %[[WP:.+]] = llvm.inttoptr
// CHECK: %[[YP:.+]] = llvm.inttoptr
// CHECK: %[[NI:.+]] = arith.index_cast %{{.+}} : index to i64
// CHECK: call @dlc_k_conv2d_fwd(%[[XP]], %[[WP]], %[[YP]], %[[NI]], %[[I8]], %[[I8]], %[[I3]], %[[I3]], %[[I3]], %[[I4]], %[[I8]], %[[I8]], %[[I1]], %[[I1]], %[[I1]], %[[I1]])
// CHECK: return %[[Y]]
func.func @conv(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<?x8x8x4xf32> {
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  return %y : tensor<?x8x8x4xf32>
}

// The fused epilogue: bias pointer after the filter's, act (1 = relu) last.
// CHECK-LABEL: func.func @conv_bias_act(
// CHECK: %[[Y:.+]] = memref.alloc(%{{.+}}) {{.*}}: memref<?x8x8x4xf32>
// CHECK: call @dlc_k_conv2d_fwd_bias_act(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c8_i64, %c8_i64, %c3_i64, %c3_i64, %c3_i64, %c4_i64, %c8_i64, %c8_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64)
// CHECK: call @dlc_k_conv2d_fwd_bias_act(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c8_i64, %c8_i64, %c3_i64, %c3_i64, %c3_i64, %c4_i64, %c8_i64, %c8_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c0_i64)
func.func @conv_bias_act(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) -> (tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) {
  %y = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] relu : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  %z = net.conv2d_bias_act %x, %w, %b strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32> -> tensor<?x8x8x4xf32>
  return %y, %z : tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>
}

// The filter gradient has a static shape; strides and the top/left padding
// follow the 13 dimensions' order N H W C KH KW F OH OW SH SW PT PL.
// CHECK-LABEL: func.func @conv_grads(
// CHECK: memref.alloc() {{.*}}: memref<3x3x3x4xf32>
// CHECK: call @dlc_k_conv2d_bwd_filter(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c8_i64, %c8_i64, %c3_i64, %c3_i64, %c3_i64, %c4_i64, %c4_i64, %c4_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64)
// CHECK: memref.alloc(%{{.+}}) {{.*}}: memref<?x8x8x3xf32>
// CHECK: call @dlc_k_conv2d_bwd_data(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c8_i64, %c8_i64, %c3_i64, %c3_i64, %c3_i64, %c4_i64, %c4_i64, %c4_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64)
func.func @conv_grads(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %dy: tensor<?x4x4x4xf32>) -> (tensor<3x3x3x4xf32>, tensor<?x8x8x3xf32>) {
  %dw = net.conv2d_grad_filter %x, %dy strides [2, 2] pad [0, 1, 0, 1] : tensor<?x8x8x3xf32>, tensor<?x4x4x4xf32> -> tensor<3x3x3x4xf32>
  %dx = net.conv2d_grad_input %dy, %w strides [2, 2] pad [0, 1, 0, 1] : tensor<?x4x4x4xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x3xf32>
  return %dw, %dx : tensor<3x3x3x4xf32>, tensor<?x8x8x3xf32>
}

// Pooling: kind first (0 max, 1 average, + 2 for the ReLU mask of the
// gradient), then x [, y, dy], the result and N H W C KH KW OH OW SH SW PT PL.
// CHECK-LABEL: func.func @pools(
// CHECK: call @dlc_k_pool2d_fwd(%c0_i64, %{{.+}}, %{{.+}}, %{{.+}}, %c8_i64, %c8_i64, %c4_i64, %c2_i64, %c2_i64, %c4_i64, %c4_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64)
// CHECK: call @dlc_k_pool2d_bwd(%c1_i64, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c8_i64, %c8_i64, %c4_i64, %c3_i64, %c3_i64, %c4_i64, %c4_i64, %c2_i64, %c2_i64, %c0_i64, %c1_i64)
// CHECK: call @dlc_k_pool2d_bwd(%c2_i64,
// CHECK: call @dlc_k_pool2d_bwd(%c3_i64,
func.func @pools(%x: tensor<?x8x8x4xf32>, %y: tensor<?x4x4x4xf32>, %dy: tensor<?x4x4x4xf32>) -> (tensor<?x4x4x4xf32>, tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) {
  %p = net.pool2d max %x size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
  %g = net.pool2d_grad avg %x, %y, %dy size [3, 3] strides [2, 2] pad [0, 1, 1, 1] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %gm = net.pool2d_grad max %x, %y, %dy size [2, 2] strides [2, 2] pad [0, 0, 0, 0] relu : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %ga = net.pool2d_grad avg %x, %y, %dy size [2, 2] strides [2, 2] pad [0, 0, 0, 0] relu : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  return %p, %g, %gm, %ga : tensor<?x4x4x4xf32>, tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>
}

// Large products call sgemm: M N K, A lda transA, B ldb transB, C ldc and
// accumulate 0; products below 32^3 static elements stay linalg.matmul.
// CHECK-LABEL: func.func @matmuls(
// CHECK: call @dlc_k_sgemm(%{{.+}}, %c512_i64, %c256_i64, %{{.+}}, %c256_i64, %c0_i64, %{{.+}}, %c512_i64, %c0_i64, %{{.+}}, %c512_i64, %c0_i64)
// CHECK: call @dlc_k_sgemm(%c256_i64, %c512_i64, %{{.+}}, %{{.+}}, %c256_i64, %c1_i64, %{{.+}}, %c512_i64, %c0_i64, %{{.+}}, %c512_i64, %c0_i64)
// CHECK: call @dlc_k_sgemm(%{{.+}}, %c256_i64, %c512_i64, %{{.+}}, %c512_i64, %c0_i64, %{{.+}}, %c512_i64, %c1_i64, %{{.+}}, %c256_i64, %c0_i64)
// CHECK: linalg.matmul
// CHECK-NOT: call
func.func @matmuls(%x: tensor<?x256xf32>, %w: tensor<256x512xf32>, %d: tensor<?x512xf32>, %a: tensor<?x2xf32>, %b: tensor<2x3xf32>) -> (tensor<?x512xf32>, tensor<256x512xf32>, tensor<?x256xf32>, tensor<?x3xf32>) {
  %y = net.matmul %x, %w : tensor<?x256xf32>, tensor<256x512xf32> -> tensor<?x512xf32>
  %dw = net.matmul %x, %d transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  %dx = net.matmul %d, %w transpose_b : tensor<?x512xf32>, tensor<256x512xf32> -> tensor<?x256xf32>
  %s = net.matmul %a, %b : tensor<?x2xf32>, tensor<2x3xf32> -> tensor<?x3xf32>
  return %y, %dw, %dx, %s : tensor<?x512xf32>, tensor<256x512xf32>, tensor<?x256xf32>, tensor<?x3xf32>
}

// A dense layer with its epilogue: M N K, A lda 0, B ldb 0, bias, C ldc, act.
// CHECK-LABEL: func.func @matmul_bias_act(
// CHECK: call @dlc_k_sgemm_bias_act(%{{.+}}, %c512_i64, %c256_i64, %{{.+}}, %c256_i64, %c0_i64, %{{.+}}, %c512_i64, %c0_i64, %{{.+}}, %{{.+}}, %c512_i64, %c1_i64)
// CHECK: call @dlc_k_sgemm_bias_act(%{{.+}}, %c512_i64, %c256_i64, %{{.+}}, %c256_i64, %c0_i64, %{{.+}}, %c512_i64, %c0_i64, %{{.+}}, %{{.+}}, %c512_i64, %c0_i64)
func.func @matmul_bias_act(%x: tensor<?x256xf32>, %w: tensor<256x512xf32>, %b: tensor<512xf32>) -> (tensor<?x512xf32>, tensor<?x512xf32>) {
  %r = net.matmul_bias_act %x, %w, %b relu : tensor<?x256xf32>, tensor<256x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  %l = net.matmul_bias_act %x, %w, %b : tensor<?x256xf32>, tensor<256x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  return %r, %l : tensor<?x512xf32>, tensor<?x512xf32>
}

// A parameter is a dense row-major slice of the flat buffer: the kernel gets
// the address of its first element (aligned pointer + 4 * offset), no copy.
// A result materialized into a slice of an output argument that nothing
// reads is computed there directly: no buffer, no copy.
// CHECK-LABEL: func.func @slices(
// CHECK-SAME: %[[P:.+]]: memref<131088xf32>, %[[X:.+]]: memref<?x256xf32>, %[[D:.+]]: memref<?x512xf32>, %[[G:.+]]: memref<131088xf32>
// CHECK-NOT: linalg.copy
// CHECK: %[[WV:.+]] = memref.reinterpret_cast %[[P]] to offset: [16], sizes: [256, 512]
// CHECK: %[[WI:.+]] = memref.extract_aligned_pointer_as_index %[[WV]]
// CHECK: arith.addi %[[WI]], %c64
// CHECK: call @dlc_k_sgemm
// CHECK: %[[GV:.+]] = memref.reinterpret_cast %[[G]] to offset: [16], sizes: [256, 512]
// CHECK: %[[GI:.+]] = memref.extract_aligned_pointer_as_index %[[GV]]
// CHECK: arith.addi %[[GI]], %c64
// CHECK: call @dlc_k_sgemm
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return
func.func @slices(%p: memref<131088xf32>, %x: memref<?x256xf32>, %d: memref<?x512xf32>, %g: memref<131088xf32>) -> tensor<?x512xf32> {
  %wv = memref.reinterpret_cast %p to offset: [16], sizes: [256, 512], strides: [512, 1] : memref<131088xf32> to memref<256x512xf32, strided<[512, 1], offset: 16>>
  %w = bufferization.to_tensor %wv restrict : memref<256x512xf32, strided<[512, 1], offset: 16>>
  %xt = bufferization.to_tensor %x restrict : memref<?x256xf32>
  %dt = bufferization.to_tensor %d restrict : memref<?x512xf32>
  %y = net.matmul %xt, %w : tensor<?x256xf32>, tensor<256x512xf32> -> tensor<?x512xf32>
  %dw = net.matmul %xt, %dt transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  %gv = memref.reinterpret_cast %g to offset: [16], sizes: [256, 512], strides: [512, 1] : memref<131088xf32> to memref<256x512xf32, strided<[512, 1], offset: 16>>
  bufferization.materialize_in_destination %dw in restrict writable %gv : (tensor<256x512xf32>, memref<256x512xf32, strided<[512, 1], offset: 16>>) -> ()
  return %y : tensor<?x512xf32>
}

// Another slice of the same argument computed in place beside it (a bias
// gradient's reduction, as empty-tensor elimination leaves it) covers other
// elements: the product is still computed in its slice directly.
// CHECK-LABEL: func.func @slices_beside_a_reduction(
// CHECK-SAME: %[[X:.+]]: memref<?x256xf32>, %[[D:.+]]: memref<?x512xf32>, %[[G:.+]]: memref<131088xf32>
// CHECK-NOT: memref.alloc
// CHECK: %[[BV:.+]] = memref.reinterpret_cast %[[G]] to offset: [0], sizes: [16]
// CHECK: %[[GV:.+]] = memref.reinterpret_cast %[[G]] to offset: [16], sizes: [256, 512]
// CHECK: linalg.fill {{.*}} outs(%[[BV]]
// CHECK: linalg.generic {{.*}} outs(%[[BV]]
// CHECK: %[[GI:.+]] = memref.extract_aligned_pointer_as_index %[[GV]]
// CHECK: call @dlc_k_sgemm
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return
func.func @slices_beside_a_reduction(%x: memref<?x256xf32>, %d: memref<?x512xf32>, %g: memref<131088xf32>) {
  %cst = arith.constant 0.0 : f32
  %bv = memref.reinterpret_cast %g to offset: [0], sizes: [16], strides: [1] : memref<131088xf32> to memref<16xf32, strided<[1]>>
  %gv = memref.reinterpret_cast %g to offset: [16], sizes: [256, 512], strides: [512, 1] : memref<131088xf32> to memref<256x512xf32, strided<[512, 1], offset: 16>>
  %xt = bufferization.to_tensor %x restrict : memref<?x256xf32>
  %dt = bufferization.to_tensor %d restrict : memref<?x512xf32>
  %b0 = bufferization.to_tensor %bv restrict writable : memref<16xf32, strided<[1]>>
  %bf = linalg.fill ins(%cst : f32) outs(%b0 : tensor<16xf32>) -> tensor<16xf32>
  %db = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]} ins(%xt : tensor<?x256xf32>) outs(%bf : tensor<16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %dw = net.matmul %xt, %dt transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  bufferization.materialize_in_destination %db in restrict writable %bv : (tensor<16xf32>, memref<16xf32, strided<[1]>>) -> ()
  bufferization.materialize_in_destination %dw in restrict writable %gv : (tensor<256x512xf32>, memref<256x512xf32, strided<[512, 1], offset: 16>>) -> ()
  return
}

// A view that overlaps the slice and is read keeps the product in a buffer
// of its own until the materialization.
// CHECK-LABEL: func.func @slice_under_a_read_view(
// CHECK: %[[T:.+]] = memref.alloc() {{.*}}: memref<256x512xf32>
// CHECK: call @dlc_k_sgemm
// CHECK: memref.copy %[[T]]
// CHECK: return
func.func @slice_under_a_read_view(%x: memref<?x256xf32>, %d: memref<?x512xf32>, %g: memref<131088xf32>) -> tensor<32xf32> {
  %rv = memref.reinterpret_cast %g to offset: [0], sizes: [32], strides: [1] : memref<131088xf32> to memref<32xf32, strided<[1]>>
  %gv = memref.reinterpret_cast %g to offset: [16], sizes: [256, 512], strides: [512, 1] : memref<131088xf32> to memref<256x512xf32, strided<[512, 1], offset: 16>>
  %xt = bufferization.to_tensor %x restrict : memref<?x256xf32>
  %dt = bufferization.to_tensor %d restrict : memref<?x512xf32>
  %r = bufferization.to_tensor %rv restrict : memref<32xf32, strided<[1]>>
  %dw = net.matmul %xt, %dt transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  bufferization.materialize_in_destination %dw in restrict writable %gv : (tensor<256x512xf32>, memref<256x512xf32, strided<[512, 1], offset: 16>>) -> ()
  return %r : tensor<32xf32>
}

// A disjoint view is not passed over when a reinterpret_cast is made of it:
// that starts again from the buffer's base and here reads the slice.
// CHECK-LABEL: func.func @slice_under_a_view_of_a_view(
// CHECK: %[[T:.+]] = memref.alloc() {{.*}}: memref<256x512xf32>
// CHECK: call @dlc_k_sgemm
// CHECK: memref.copy %[[T]]
// CHECK: return
func.func @slice_under_a_view_of_a_view(%x: memref<?x256xf32>, %d: memref<?x512xf32>, %g: memref<131088xf32>) -> tensor<32xf32> {
  %hi = memref.reinterpret_cast %g to offset: [0], sizes: [16], strides: [1] : memref<131088xf32> to memref<16xf32, strided<[1]>>
  %lo = memref.reinterpret_cast %hi to offset: [16], sizes: [32], strides: [1] : memref<16xf32, strided<[1]>> to memref<32xf32, strided<[1], offset: 16>>
  %gv = memref.reinterpret_cast %g to offset: [16], sizes: [256, 512], strides: [512, 1] : memref<131088xf32> to memref<256x512xf32, strided<[512, 1], offset: 16>>
  %xt = bufferization.to_tensor %x restrict : memref<?x256xf32>
  %dt = bufferization.to_tensor %d restrict : memref<?x512xf32>
  %r = bufferization.to_tensor %lo restrict : memref<32xf32, strided<[1], offset: 16>>
  %dw = net.matmul %xt, %dt transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  bufferization.materialize_in_destination %dw in restrict writable %gv : (tensor<256x512xf32>, memref<256x512xf32, strided<[512, 1], offset: 16>>) -> ()
  return %r : tensor<32xf32>
}

// A use after the materialization is passed over only when the kernel is
// in the materialization's block: here the product is made before a loop
// whose every iteration copies it into the slice and then adds to the
// buffer, so it is computed into a buffer of its own and copied each time.
// CHECK-LABEL: func.func @materialized_in_a_loop(
// CHECK: %[[T:.+]] = memref.alloc() {{.*}}: memref<256x512xf32>
// CHECK: call @dlc_k_sgemm
// CHECK: scf.for
// CHECK: memref.copy %[[T]]
// CHECK: linalg.generic
func.func @materialized_in_a_loop(%x: memref<?x256xf32>, %d: memref<?x512xf32>, %g: memref<131072xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %one = arith.constant 1.0 : f32
  %xt = bufferization.to_tensor %x restrict : memref<?x256xf32>
  %dt = bufferization.to_tensor %d restrict : memref<?x512xf32>
  %dw = net.matmul %xt, %dt transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  %gv = memref.reinterpret_cast %g to offset: [0], sizes: [256, 512], strides: [512, 1] : memref<131072xf32> to memref<256x512xf32, strided<[512, 1]>>
  scf.for %i = %c0 to %c2 step %c1 {
    bufferization.materialize_in_destination %dw in restrict writable %gv : (tensor<256x512xf32>, memref<256x512xf32, strided<[512, 1]>>) -> ()
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]} outs(%g : memref<131072xf32>) {
    ^bb0(%o: f32):
      %s = arith.addf %o, %one : f32
      linalg.yield %s : f32
    }
  }
  return
}

// In the kernel's block, a use after the materialization (the L2 terms
// added to the gradients) still lets the kernel write the slice.
// CHECK-LABEL: func.func @used_after_the_materialization(
// CHECK-NOT: memref.alloc
// CHECK: %[[GV:.+]] = memref.reinterpret_cast
// CHECK: call @dlc_k_sgemm
// CHECK-NOT: memref.copy
// CHECK: linalg.generic
func.func @used_after_the_materialization(%x: memref<?x256xf32>, %d: memref<?x512xf32>, %g: memref<131072xf32>) {
  %one = arith.constant 1.0 : f32
  %xt = bufferization.to_tensor %x restrict : memref<?x256xf32>
  %dt = bufferization.to_tensor %d restrict : memref<?x512xf32>
  %dw = net.matmul %xt, %dt transpose_a : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  %gv = memref.reinterpret_cast %g to offset: [0], sizes: [256, 512], strides: [512, 1] : memref<131072xf32> to memref<256x512xf32, strided<[512, 1]>>
  bufferization.materialize_in_destination %dw in restrict writable %gv : (tensor<256x512xf32>, memref<256x512xf32, strided<[512, 1]>>) -> ()
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]} outs(%g : memref<131072xf32>) {
  ^bb0(%o: f32):
    %s = arith.addf %o, %one : f32
    linalg.yield %s : f32
  }
  return
}
