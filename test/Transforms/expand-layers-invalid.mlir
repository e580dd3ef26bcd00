// RUN: dlc-opt %s --net-expand-layers -split-input-file -verify-diagnostics

net.model @not_inferred {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op has no inferred input shape (run net-infer-shapes first)}}
  %y = net.fully_connected %x units 1
  net.regression %y loss mean_square
}

// -----

net.model @bn_not_inferred {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.batch_normalization' op has no inferred input shape (run net-infer-shapes first)}}
  %y = net.batch_normalization %x
  net.regression %y loss mean_square
}
