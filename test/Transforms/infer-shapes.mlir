// RUN: dlc-opt %s --net-infer-shapes | FileCheck %s

// Every layer gets the type its op infers; the batch stays dynamic.
// CHECK-LABEL: net.model @mlp
// CHECK: %[[X:.+]] = net.input_data shape [?, 784] : tensor<?x784xf32>
// CHECK: %[[H:.+]] = net.fully_connected %[[X]] units 512 activation relu : tensor<?x784xf32> -> tensor<?x512xf32>
// CHECK: %[[Y:.+]] = net.fully_connected %[[H]] units 10 activation softmax : tensor<?x512xf32> -> tensor<?x10xf32>
// CHECK: net.regression %[[Y]] : tensor<?x10xf32>
net.model @mlp {
  %x = net.input_data shape [?, 784]
  %h = net.fully_connected %x units 512 activation relu
  %y = net.fully_connected %h units 10 activation softmax
  net.regression %y
}

// Already typed models are left as they are.
// CHECK-LABEL: net.model @typed
// CHECK: net.fully_connected %{{.+}} units 1 : tensor<?x2xf32> -> tensor<?x1xf32>
net.model @typed {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %y = net.fully_connected %x units 1 : tensor<?x2xf32> -> tensor<?x1xf32>
  net.regression %y loss mean_square : tensor<?x1xf32>
}
