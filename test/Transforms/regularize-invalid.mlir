// RUN: dlc-opt %s --net-regularize -verify-diagnostics

// expected-error @+1 {{'net.model' op has no gradient function (run net-autodiff first)}}
net.model @no_grad {
  %x = net.input_data shape [?, 2] : tensor<?x2xf32>
  net.regression %x loss mean_square : tensor<?x2xf32>
}
