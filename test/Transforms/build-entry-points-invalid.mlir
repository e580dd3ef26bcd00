// RUN: dlc-opt %s --net-build-entry-points -split-input-file -verify-diagnostics

// expected-error @+1 {{'net.model' op has no inferred shapes (run net-infer-shapes first)}}
net.model @no_shapes {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1
  net.regression %y loss mean_square
}

// -----

// expected-error @+1 {{'net.model' op has no predict/eval/grad functions (run net-autodiff first)}}
net.model @no_functions {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  net.regression %x loss mean_square : tensor<?x2xf32>
}

// -----

// M.activations must name its results and return batch-major tensors.
module {
  func.func private @unnamed.predict(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
  func.func private @unnamed.eval(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> (tensor<f32>, tensor<?x2xf32>) {
    %l = net.loss mean_square %x, %y : tensor<?x2xf32>
    return %l, %x : tensor<f32>, tensor<?x2xf32>
  }
  func.func private @unnamed.grad(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>, %s: i64) -> (tensor<f32>, tensor<?x2xf32>) {
    %l = net.loss mean_square %x, %y : tensor<?x2xf32>
    return %l, %x : tensor<f32>, tensor<?x2xf32>
  }
  // expected-error @+1 {{'func.func' op expected 'net.activation_names' to name each of its 1 results}}
  func.func private @unnamed.activations(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
  net.model @unnamed {
    %x = net.input_data shape [?, 2] : tensor<?x2xf32>
    net.regression %x loss mean_square : tensor<?x2xf32>
  }
}
