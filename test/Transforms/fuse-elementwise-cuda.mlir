// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-fuse-elementwise))' | FileCheck %s

// On the CUDA target convolutions are cuDNN calls without the fused
// epilogue: net.conv2d and its bias add + relu stay apart.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d3)>
module attributes {dlc.target = "cuda"} {
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK: net.conv2d %
// CHECK: linalg.generic
// CHECK-NOT: net.conv2d_bias_act
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
}
