// RUN: dlc-opt %s --net-infer-shapes -split-input-file -verify-diagnostics

// Examples too large for the workspace's byte offsets, or sizes that
// overflow int64 (2^32 x 2^32 would wrap to 0 when flattened).
net.model @wide_input {
  // expected-error @+1 {{'net.input_data' op infers 'tensor<?x4294967296x4294967296xf32>': examples of more than 2147483648 elements (or sizes that overflow) are not supported}}
  %x = net.input_data shape [?, 4294967296, 4294967296]
  %f = net.flatten %x
  net.regression %f loss mean_square
}

// -----

net.model @wide_layer {
  %x = net.input_data shape [?, 2]
  // expected-error @+1 {{'net.fully_connected' op infers 'tensor<?x4611686018427387904xf32>': examples of more than 2147483648 elements (or sizes that overflow) are not supported}}
  %y = net.fully_connected %x units 4611686018427387904
  net.regression %y loss mean_square
}
