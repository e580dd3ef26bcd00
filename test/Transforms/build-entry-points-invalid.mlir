// RUN: dlc-opt %s --net-build-entry-points -verify-diagnostics

// expected-error @+1 {{'net.model' op has no predict/eval/grad functions (run net-autodiff first)}}
net.model @no_functions {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  net.regression %x loss mean_square : tensor<?x2xf32>
}
