// RUN: dlc-opt %s --net-autodiff -split-input-file -verify-diagnostics

net.model @not_inferred {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.regression' op has no inferred prediction shape (run net-infer-shapes first)}}
  net.regression %x loss mean_square
}

// -----

net.model @not_expanded {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  // expected-error @+1 {{'net.fully_connected' op is not expanded (run net-expand-layers first)}}
  %y = net.fully_connected %x units 1 : tensor<?x2xf32> -> tensor<?x1xf32>
  net.regression %y loss mean_square : tensor<?x1xf32>
}

// -----

net.model @transposed {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %w = net.parameter "w" init zeros(0.0, 0.0) : tensor<1x2xf32>
  // expected-error @+1 {{'net.matmul' op has no gradient rule for transposed operands}}
  %y = net.matmul %x, %w transpose_b : tensor<?x2xf32>, tensor<1x2xf32> -> tensor<?x1xf32>
  net.regression %y loss mean_square : tensor<?x1xf32>
}

// -----

net.model @bn_trained_stats {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %c = net.parameter "c" init zeros(0.0, 0.0) : tensor<2xf32>
  %m = net.parameter "m" init zeros(0.0, 0.0) moving_average 0.9 : tensor<2xf32>
  // expected-error @+1 {{'net.batch_norm' op expected its mean and variance to be moving-average net.parameter ops}}
  %y = net.batch_norm %x, %c, %c, %m, %c epsilon 1.0e-5 : tensor<?x2xf32>, tensor<2xf32>
  net.regression %y loss mean_square : tensor<?x2xf32>
}

// -----

net.model @moving_unused {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  // expected-error @+1 {{'net.parameter' op is a moving average, so it must be the mean or the variance of exactly one net.batch_norm}}
  %m = net.parameter "m" init zeros(0.0, 0.0) moving_average 0.9 : tensor<1xf32>
  %w = net.parameter "w" init zeros(0.0, 0.0) : tensor<2x1xf32>
  %y = net.matmul %x, %w : tensor<?x2xf32>, tensor<2x1xf32> -> tensor<?x1xf32>
  net.regression %y loss mean_square : tensor<?x1xf32>
}

// -----

net.model @moving_shared {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %c = net.parameter "c" init zeros(0.0, 0.0) : tensor<2xf32>
  // expected-error @+1 {{'net.parameter' op is a moving average, so it must be the mean or the variance of exactly one net.batch_norm}}
  %m = net.parameter "m" init zeros(0.0, 0.0) moving_average 0.9 : tensor<2xf32>
  %y = net.batch_norm %x, %c, %c, %m, %m epsilon 1.0e-5 : tensor<?x2xf32>, tensor<2xf32>
  net.regression %y loss mean_square : tensor<?x2xf32>
}

// -----

net.model @layer_output_not_a_string {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  // expected-error @+1 {{'net.activation' op expected 'net.layer_output' to be a non-empty string}}
  %y = net.activation relu %x {net.layer_output = 3 : i64} : tensor<?x2xf32>
  net.regression %y loss mean_square : tensor<?x2xf32>
}

// -----

net.model @layer_output_not_batched {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  // expected-error @+1 {{'net.parameter' op is marked as a layer output but its result is not a [?, ...] tensor static but for the batch}}
  %w = net.parameter "w" init zeros(0.0, 0.0) {net.layer_output = "W"} : tensor<2x2xf32>
  %y = net.matmul %x, %w : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  net.regression %y loss mean_square : tensor<?x2xf32>
}

// -----

net.model @layer_output_twice {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  %h = net.activation relu %x {net.layer_output = "A/Relu"} : tensor<?x2xf32>
  // expected-error @+1 {{'net.activation' op names a second layer output 'A/Relu'}}
  %y = net.activation tanh %h {net.layer_output = "A/Relu"} : tensor<?x2xf32>
  net.regression %y loss mean_square : tensor<?x2xf32>
}
