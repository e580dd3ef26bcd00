// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-fuse-elementwise))' | FileCheck %s

#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// A bias add whose only use is the ReLU: one generic computing both.
// CHECK-LABEL: func.func @bias_relu
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<?x8xf32>, tensor<8xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @bias_relu(%x: tensor<?x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %0 = linalg.generic {indexing_maps = [#map, #row, #map], iterator_types = ["parallel", "parallel"]} ins(%x, %b : tensor<?x8xf32>, tensor<8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// A producer with a second use is kept (the backward pass reads it again).
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-2: linalg.generic
// CHECK: return
func.func @shared(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// A convolution whose output only feeds its layer's bias add + relu (and
// tensor.dim of the batch size) becomes net.conv2d_bias_act; the batch
// size is then read from the input.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK-SAME: (%[[X:.+]]: tensor<?x8x8x3xf32>, %[[W:.+]]: tensor<3x3x3x4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: tensor.dim %[[X]], %{{.+}} : tensor<?x8x8x3xf32>
// CHECK: %[[Y:.+]] = net.conv2d_bias_act %[[X]], %[[W]], %[[B]] strides [1, 1] pad [1, 1, 1, 1] relu
// CHECK-NOT: linalg.generic
// CHECK-NOT: net.conv2d
// CHECK: return %[[Y]]
func.func @conv_bias_relu(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) -> tensor<?x8x8x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  %n = tensor.dim %y, %c0 : tensor<?x8x8x4xf32>
  %e = tensor.empty(%n) : tensor<?x8x8x4xf32>
  %r = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %b : tensor<?x8x8x4xf32>, tensor<4xf32>) outs(%e : tensor<?x8x8x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x8x8x4xf32>
  return %r : tensor<?x8x8x4xf32>
}

// The bias add alone (a linear layer), operands in either order.
// CHECK-LABEL: func.func @conv_bias
// CHECK: net.conv2d_bias_act %{{.+}}, %{{.+}}, %{{.+}} strides [1, 1] pad [1, 1, 1, 1] :
// CHECK-NOT: linalg.generic
func.func @conv_bias(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) -> tensor<2x8x8x4xf32> {
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x4xf32>
  %e = tensor.empty() : tensor<2x8x8x4xf32>
  %r = linalg.generic {indexing_maps = [#ch4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b, %y : tensor<4xf32>, tensor<2x8x8x4xf32>) outs(%e : tensor<2x8x8x4xf32>) {
  ^bb0(%bias: f32, %in: f32, %out: f32):
    %s = arith.addf %bias, %in : f32
    linalg.yield %s : f32
  } -> tensor<2x8x8x4xf32>
  return %r : tensor<2x8x8x4xf32>
}

// Not fused: the raw output has another use; the activation is not relu
// (max with 1.0); the epilogue does something else (tanh).
// CHECK-LABEL: func.func @conv_not_fused
// CHECK-NOT: net.conv2d_bias_act
// CHECK-COUNT-3: net.conv2d %
// CHECK-NOT: net.conv2d_bias_act
// CHECK: return
func.func @conv_not_fused(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) -> (tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>) {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<2x8x8x4xf32>
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x4xf32>
  %r = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %b : tensor<2x8x8x4xf32>, tensor<4xf32>) outs(%e : tensor<2x8x8x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<2x8x8x4xf32>
  %y2 = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x4xf32>
  %r2 = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y2, %b : tensor<2x8x8x4xf32>, tensor<4xf32>) outs(%e : tensor<2x8x8x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %m = arith.maximumf %s, %one : f32
    linalg.yield %m : f32
  } -> tensor<2x8x8x4xf32>
  %y3 = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x4xf32>
  %r3 = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y3, %b : tensor<2x8x8x4xf32>, tensor<4xf32>) outs(%e : tensor<2x8x8x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<2x8x8x4xf32>
  return %y, %r, %r2, %r3 : tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>
}

// On the CPU a dense layer's product and its bias add + relu stay apart:
// the GEMM kernel has no epilogue (the CUDA target fuses them).
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK: net.matmul %
// CHECK: linalg.generic
// CHECK-NOT: net.matmul_bias_act
func.func @matmul_bias_relu(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %y = net.matmul %x, %w : tensor<?x64xf32>, tensor<64x32xf32> -> tensor<?x32xf32>
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<?x32xf32>, tensor<32xf32>) outs(%e : tensor<?x32xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// The ReLU gradient x > 0 ? g : 0 of a pooling gradient g of x becomes the
// pooling gradient's relu mask; not when the select reads another tensor
// than the pooled input.
// CHECK-LABEL: func.func @pool_relu_grad
// CHECK-SAME: (%[[X:.+]]: tensor<?x8x8x4xf32>, %[[Y:.+]]: tensor<?x4x4x4xf32>, %[[DY:.+]]: tensor<?x4x4x4xf32>, %[[Z:.+]]: tensor<?x8x8x4xf32>)
// CHECK: %[[G:.+]] = net.pool2d_grad max %[[X]], %[[Y]], %[[DY]] size [2, 2] strides [2, 2] pad [0, 0, 0, 0] relu
// CHECK: %[[G2:.+]] = net.pool2d_grad max %[[X]], %[[Y]], %[[DY]] size [2, 2] strides [2, 2] pad [0, 0, 0, 0] :
// CHECK: %[[M:.+]] = linalg.generic {{.+}} ins(%[[Z]], %[[G2]]
// CHECK: return %[[G]], %[[M]]
func.func @pool_relu_grad(%x: tensor<?x8x8x4xf32>, %y: tensor<?x4x4x4xf32>, %dy: tensor<?x4x4x4xf32>, %z: tensor<?x8x8x4xf32>) -> (tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %g = net.pool2d_grad max %x, %y, %dy size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %m = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %g : tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) outs(%x : tensor<?x8x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %c = arith.cmpf ogt, %a, %zero : f32
    %s = arith.select %c, %b, %zero : f32
    linalg.yield %s : f32
  } -> tensor<?x8x8x4xf32>
  %g2 = net.pool2d_grad max %x, %y, %dy size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  %m2 = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%z, %g2 : tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) outs(%x : tensor<?x8x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %c = arith.cmpf ogt, %a, %zero : f32
    %s = arith.select %c, %b, %zero : f32
    linalg.yield %s : f32
  } -> tensor<?x8x8x4xf32>
  return %m, %m2 : tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>
}
