// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers | FileCheck %s --check-prefix=EXPAND
// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff | FileCheck %s --check-prefix=DIFF
// RUN: dlc-opt %s --net-infer-shapes --net-expand-layers --net-autodiff --net-build-entry-points | FileCheck %s --check-prefix=ENTRY
// RUN: dlc-opt %s --dlc-to-train | FileCheck %s --check-prefix=CABI
// RUN: dlc-opt %s --dlc-to-llvm | FileCheck %s --check-prefix=LLVM

// The outputs of the layers TFLearn summarizes at tensorboard_verbose 3
// (fully_connected, conv_2d, max/avg_pool_2d; not dropout, flatten or
// batch_normalization) are named as TensorFlow names the op computing them.
net.model @cnn {
  %x = net.input_data shape [?, 8, 8, 1]
  %c1 = net.conv_2d %x filters 2 size 3 activation relu
  %p1 = net.max_pool_2d %c1 size 2
  %c2 = net.conv_2d %p1 filters 2 size 3 bias false
  %p2 = net.max_pool_2d %c2 size 2
  %p3 = net.avg_pool_2d %p2 size 2
  %n = net.batch_normalization %p3
  %f1 = net.fully_connected %n units 3
  %d = net.dropout %f1 keep 0.5
  %f2 = net.fully_connected %d units 4 bias false
  %f3 = net.fully_connected %f2 units 2 activation softmax
  net.regression %f3 loss categorical_crossentropy
}

// EXPAND-LABEL: net.model @cnn
// EXPAND: net.activation relu %{{.+}} {net.layer_output = "Conv2D/Relu"}
// EXPAND: net.pool2d max {{.+}} {net.layer_output = "MaxPool2D/MaxPool"}
// EXPAND: net.conv2d {{.+}} {net.layer_output = "Conv2D_1/Conv2D"}
// EXPAND: net.pool2d max {{.+}} {net.layer_output = "MaxPool2D_1/MaxPool"}
// EXPAND: net.pool2d avg {{.+}} {net.layer_output = "AvgPool2D/AvgPool"}
// EXPAND-NOT: net.layer_output
// EXPAND: net.batch_norm
// EXPAND: net.bias_add {{.+}} {net.layer_output = "FullyConnected/BiasAdd"}
// EXPAND: net.dropout
// EXPAND-NOT: net.layer_output
// EXPAND: net.matmul {{.+}} {net.layer_output = "FullyConnected_1/MatMul"}
// EXPAND: net.activation softmax {{.+}} {net.layer_output = "FullyConnected_2/Softmax"}

// M.activations returns them in model order, computed as predict does:
// dropout is the identity, batch normalization uses the moving statistics.
// The other functions do not carry the names.
// DIFF: net.regression
// DIFF-NOT: net.layer_output
// DIFF-LABEL: func.func private @cnn.activations
// DIFF-SAME: -> (tensor<?x8x8x2xf32>, tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>, tensor<?x2x2x2xf32>, tensor<?x1x1x2xf32>, tensor<?x3xf32>, tensor<?x4xf32>, tensor<?x2xf32>)
// DIFF-SAME: attributes {net.activation_names = ["Conv2D/Relu", "MaxPool2D/MaxPool", "Conv2D_1/Conv2D", "MaxPool2D_1/MaxPool", "AvgPool2D/AvgPool", "FullyConnected/BiasAdd", "FullyConnected_1/MatMul", "FullyConnected_2/Softmax"]}
// DIFF-NOT: net.apply_dropout
// DIFF-NOT: net.batch_norm_train
// DIFF-NOT: net.layer_output
// DIFF: return

// Each output goes to a buffer of its own; the descriptor lists where the C
// wrapper places them in the one buffer of M_activations.
// ENTRY-LABEL: func.func private @cnn.activations_impl(
// ENTRY-SAME: %{{[^:]+}}: memref<95xf32>, %{{[^:]+}}: memref<?x8x8x1xf32>, %[[A0:[^:]+]]: memref<?x8x8x2xf32>, %{{[^:]+}}: memref<?x4x4x2xf32>, %{{[^:]+}}: memref<?x4x4x2xf32>, %{{[^:]+}}: memref<?x2x2x2xf32>, %{{[^:]+}}: memref<?x1x1x2xf32>, %{{[^:]+}}: memref<?x3xf32>, %{{[^:]+}}: memref<?x4xf32>, %[[A7:[^:]+]]: memref<?x2xf32>)
// ENTRY: %[[R0:.+]] = net.activation relu
// ENTRY: %[[R7:.+]] = net.activation softmax
// ENTRY: bufferization.materialize_in_destination %[[R0]] in restrict writable %[[A0]]
// ENTRY: bufferization.materialize_in_destination %[[R7]] in restrict writable %[[A7]]
// ENTRY: return
// ENTRY-LABEL: func.func private @cnn.forward_impl(
// ENTRY: net.descriptor @cnn {activations = [{name = "Conv2D/Relu", offset = 0 : i64, shape = array<i64: -1, 8, 8, 2>, size = 128 : i64}, {name = "MaxPool2D/MaxPool", offset = 128 : i64, shape = array<i64: -1, 4, 4, 2>, size = 32 : i64}, {name = "Conv2D_1/Conv2D", offset = 160 : i64
// ENTRY-SAME: {name = "FullyConnected_2/Softmax", offset = 209 : i64, shape = array<i64: -1, 2>, size = 2 : i64}]
// ENTRY-NOT: func.func private @cnn.activations(

// M_activations(params, x, batch, acts, ws): block k at acts + offset_k * batch.
// CABI-LABEL: func.func @cnn_activations(
// CABI-SAME: %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %[[B:[^:]+]]: i64, %[[ACTS:[^:]+]]: !llvm.ptr, %{{[^:]+}}: !llvm.ptr)
// CABI: %[[O1:.+]] = llvm.mlir.constant(128 : i64) : i64
// CABI: %[[S1:.+]] = llvm.mul %[[B]], %[[O1]] : i64
// CABI: llvm.getelementptr %[[ACTS]][%[[S1]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CABI: %[[O7:.+]] = llvm.mlir.constant(209 : i64) : i64
// CABI: llvm.mul %[[B]], %[[O7]] : i64
// CABI: call @cnn.activations_impl(

// The table follows dlc_activation_desc; dlc_model_desc ends with
// num_activations, activation_descs, activation_floats and activations.
// LLVM: llvm.mlir.global internal constant @cnn.activation0("Conv2D/Relu\00")
// LLVM: llvm.mlir.global internal constant @cnn.activation7("FullyConnected_2/Softmax\00")
// LLVM: llvm.mlir.global internal constant @cnn.activations() {{.*}} : !llvm.array<8 x struct<(ptr, i64, array<6 x i64>, i64, i64)>>
// LLVM: llvm.mlir.global internal constant @cnn.desc() {{.*}} : !llvm.struct<(i64, ptr, i64, array<6 x i64>, i64, array<6 x i64>, i64, ptr, i64, i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64, i64, ptr, ptr, ptr, ptr, ptr, i64, i64, ptr, i64, ptr)>
// LLVM-DAG: llvm.mlir.addressof @cnn_activations
// LLVM-DAG: llvm.mlir.addressof @cnn.activations :
// LLVM-DAG: llvm.mlir.constant(211 : i64)
// LLVM: llvm.func @cnn_describe()
