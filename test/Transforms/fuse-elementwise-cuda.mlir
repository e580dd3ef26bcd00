// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-fuse-elementwise))' | FileCheck %s

// The CUDA target fuses a convolution's bias add + relu as the CPU does:
// dlc_cu_conv2d_fwd_bias_act runs them after cuDNN's convolution (or in
// cuDNN's fused call).
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d3)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col2 = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(n) -> (n)>
#bcast = affine_map<(n, c) -> (n)>

module attributes {dlc.target = "cuda"} {
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK: %[[Y:.+]] = net.conv2d_bias_act %{{.+}}, %{{.+}}, %{{.+}} strides [1, 1] pad [1, 1, 1, 1] relu
// CHECK-NEXT: return %[[Y]]
func.func @conv_bias_relu(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) -> tensor<2x8x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x4xf32>
  %e = tensor.empty() : tensor<2x8x8x4xf32>
  %r = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %b : tensor<2x8x8x4xf32>, tensor<4xf32>) outs(%e : tensor<2x8x8x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x8x8x4xf32>
  return %r : tensor<2x8x8x4xf32>
}

// A dense layer's product with its bias add (+ relu) becomes
// net.matmul_bias_act (dlc_cu_sgemm_bias_act); the batch-size query of the
// raw product reads the input's. A transposed product (a gradient) stays.
// CHECK-LABEL: func.func @matmul_epilogues
// CHECK-DAG: %[[R:.+]] = net.matmul_bias_act %[[X:.+]], %{{.+}}, %{{.+}} relu : tensor<?x64xf32>, tensor<64x32xf32>, tensor<32xf32> -> tensor<?x32xf32>
// CHECK-DAG: %[[L:.+]] = net.matmul_bias_act %[[X]], %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<64x32xf32>, tensor<32xf32> -> tensor<?x32xf32>
// CHECK-DAG: net.matmul %{{.+}}, %{{.+}} transpose_a
// CHECK-DAG: tensor.dim %[[X]], %{{.+}} : tensor<?x64xf32>
// CHECK-NOT: net.matmul_bias_act
// CHECK: return %[[R]], %[[L]]
func.func @matmul_epilogues(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>, %g: tensor<?x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<64x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %y = net.matmul %x, %w : tensor<?x64xf32>, tensor<64x32xf32> -> tensor<?x32xf32>
  %n = tensor.dim %y, %c0 : tensor<?x32xf32>
  %e = tensor.empty(%n) : tensor<?x32xf32>
  %r = linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<?x32xf32>, tensor<32xf32>) outs(%e : tensor<?x32xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x32xf32>
  %y2 = net.matmul %x, %w : tensor<?x64xf32>, tensor<64x32xf32> -> tensor<?x32xf32>
  %l = linalg.generic {indexing_maps = [#col2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%b, %y2 : tensor<32xf32>, tensor<?x32xf32>) outs(%e : tensor<?x32xf32>) {
  ^bb0(%bias: f32, %in: f32, %out: f32):
    %s = arith.addf %bias, %in : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  %dw = net.matmul %x, %g transpose_a : tensor<?x64xf32>, tensor<?x32xf32> -> tensor<64x32xf32>
  %eb = tensor.empty() : tensor<64x32xf32>
  %db = linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]} ins(%dw, %b : tensor<64x32xf32>, tensor<32xf32>) outs(%eb : tensor<64x32xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  return %r, %l, %db : tensor<?x32xf32>, tensor<?x32xf32>, tensor<64x32xf32>
}

// The pooling gradient kernels of the CUDA runtime apply the ReLU mask, as
// the CPU's do: the ReLU gradient of a pooling gradient is fused into it.
// CHECK-LABEL: func.func @pool_relu_grad
// CHECK: %[[G:.+]] = net.pool2d_grad max %{{.+}}, %{{.+}}, %{{.+}} size [2, 2] strides [2, 2] pad [0, 0, 0, 0] relu
// CHECK-NEXT: return %[[G]]
func.func @pool_relu_grad(%x: tensor<?x8x8x4xf32>, %y: tensor<?x4x4x4xf32>, %dy: tensor<?x4x4x4xf32>) -> tensor<?x8x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %g = net.pool2d_grad max %x, %y, %dy size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %m = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %g : tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) outs(%x : tensor<?x8x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %c = arith.cmpf ogt, %a, %zero : f32
    %s = arith.select %c, %b, %zero : f32
    linalg.yield %s : f32
  } -> tensor<?x8x8x4xf32>
  return %m : tensor<?x8x8x4xf32>
}

// A row reduction in a loop (one thread per row) that the consumer reads
// broadcast is fused only while its loop is short: it is computed again for
// each element of the row.
// CHECK-LABEL: func.func @row_loop_producers(
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.+}} : tensor<?x10xf32>)
// CHECK: scf.for %{{.+}} = %c0 to %c10
// CHECK: arith.divf
// CHECK: %[[S:.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]}
// CHECK: scf.for %{{.+}} = %c0 to %c100
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[S]] : tensor<?x100xf32>, tensor<?xf32>)
// CHECK-NOT: scf.for
// CHECK: return
func.func @row_loop_producers(%x: tensor<?x10xf32>, %y: tensor<?x100xf32>) -> (tensor<?x10xf32>, tensor<?x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %c100 = arith.constant 100 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x10xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %e2 = tensor.empty(%n) : tensor<?xf32>
  // 10 elements a row: fused into the consumer.
  %s10 = linalg.generic {indexing_maps = [#row], iterator_types = ["parallel"]} outs(%e : tensor<?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %r = scf.for %j = %c0 to %c10 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = tensor.extract %x[%i, %j] : tensor<?x10xf32>
      %t = arith.addf %v, %a : f32
      scf.yield %t : f32
    }
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %o10 = tensor.empty(%n) : tensor<?x10xf32>
  %u10 = linalg.generic {indexing_maps = [#id2, #bcast, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %s10 : tensor<?x10xf32>, tensor<?xf32>) outs(%o10 : tensor<?x10xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<?x10xf32>
  // 100 elements a row: a kernel of its own.
  %s100 = linalg.generic {indexing_maps = [#row], iterator_types = ["parallel"]} outs(%e2 : tensor<?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %r = scf.for %j = %c0 to %c100 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = tensor.extract %y[%i, %j] : tensor<?x100xf32>
      %t = arith.addf %v, %a : f32
      scf.yield %t : f32
    }
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %o100 = tensor.empty(%n) : tensor<?x100xf32>
  %u100 = linalg.generic {indexing_maps = [#id2, #bcast, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %s100 : tensor<?x100xf32>, tensor<?xf32>) outs(%o100 : tensor<?x100xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<?x100xf32>
  return %u10, %u100 : tensor<?x10xf32>, tensor<?x100xf32>
}
}
