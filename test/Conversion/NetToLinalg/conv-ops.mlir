// RUN: dlc-opt %s --convert-net-to-linalg="kernels=false" --canonicalize | FileCheck %s

// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5 * 2 + d0, d6 * 2 + d1, d2)>
// CHECK-DAG: #[[FLIP:.+]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>

// CHECK-LABEL: func.func @conv
// CHECK: %[[XP:.+]] = tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%[[XP]], %{{.+}} : tensor<?x10x10x3xf32>, tensor<3x3x3x4xf32>)
func.func @conv(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<?x8x8x4xf32> {
  %y = net.conv2d %x, %w strides [1, 1] pad [1, 1, 1, 1] : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x4xf32>
  return %y : tensor<?x8x8x4xf32>
}

// The filter gradient correlates the padded input with dy over (n, oh, ow).
// CHECK-LABEL: func.func @conv_grad_filter
// CHECK: linalg.generic {indexing_maps = [#[[XMAP]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
func.func @conv_grad_filter(%x: tensor<?x8x8x3xf32>, %dy: tensor<?x4x4x4xf32>) -> tensor<3x3x3x4xf32> {
  %dw = net.conv2d_grad_filter %x, %dy strides [2, 2] pad [0, 1, 0, 1] : tensor<?x8x8x3xf32>, tensor<?x4x4x4xf32> -> tensor<3x3x3x4xf32>
  return %dw : tensor<3x3x3x4xf32>
}

// The input gradient: dy dilated by the stride into a zero tensor padded by
// K - 1, convolved with the flipped, transposed filter, cropped.
// CHECK-LABEL: func.func @conv_grad_input
// CHECK: %[[D:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 2, 2, 0] [%{{.+}}, 4, 4, 4] [1, 2, 2, 1] : tensor<?x4x4x4xf32> into tensor<?x11x11x4xf32>
// CHECK: %[[F:.+]] = linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}]} ins(%{{.+}} : tensor<3x3x3x4xf32>) outs(%{{.+}} : tensor<3x3x4x3xf32>)
// CHECK: %[[FULL:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[D]], %[[F]] : tensor<?x11x11x4xf32>, tensor<3x3x4x3xf32>)
// CHECK: tensor.extract_slice %[[FULL]][0, 0, 0, 0] [%{{.+}}, 8, 8, 3] [1, 1, 1, 1] : tensor<?x9x9x3xf32> to tensor<?x8x8x3xf32>
func.func @conv_grad_input(%dy: tensor<?x4x4x4xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<?x8x8x3xf32> {
  %dx = net.conv2d_grad_input %dy, %w strides [2, 2] pad [0, 1, 0, 1] : tensor<?x4x4x4xf32>, tensor<3x3x3x4xf32> -> tensor<?x8x8x3xf32>
  return %dx : tensor<?x8x8x3xf32>
}

// CHECK-LABEL: func.func @pools
// CHECK: linalg.pooling_nhwc_max {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x8x8x4xf32>, tensor<2x2xf32>)
// Average pooling pads with zeros and divides by the window's in-image count.
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: %[[SUM:.+]] = linalg.pooling_nhwc_sum {{.*}} ins(%[[PAD]], %{{.+}} : tensor<?x9x9x4xf32>, tensor<3x3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x4x4x4xf32>)
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: arith.divf
func.func @pools(%x: tensor<?x8x8x4xf32>) -> (tensor<?x4x4x4xf32>, tensor<?x4x4x4xf32>) {
  %m = net.pool2d max %x size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
  %a = net.pool2d avg %x size [3, 3] strides [2, 2] pad [0, 1, 0, 1] : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
  return %m, %a : tensor<?x4x4x4xf32>, tensor<?x4x4x4xf32>
}

// The gradient gathers, for each input element, dy of the windows holding it
// (where it is the maximum).
// CHECK-LABEL: func.func @max_pool_grad
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.remsi
// CHECK: tensor.extract
// CHECK: arith.cmpf oeq
// CHECK: arith.select
func.func @max_pool_grad(%x: tensor<?x8x8x4xf32>, %y: tensor<?x4x4x4xf32>, %dy: tensor<?x4x4x4xf32>) -> tensor<?x8x8x4xf32> {
  %dx = net.pool2d_grad max %x, %y, %dy size [2, 2] strides [2, 2] pad [0, 0, 0, 0] : tensor<?x8x8x4xf32>, tensor<?x4x4x4xf32>
  return %dx : tensor<?x8x8x4xf32>
}
