// RUN: dlc-opt %s --net-export-c-abi -verify-diagnostics
// RUN: not dlc-opt %s --net-emit-descriptor 2>&1 | FileCheck %s --check-prefix=DESC

// expected-error @+2 {{'net.descriptor' op has no init_params_impl function}}
// DESC: [[@LINE+1]]:1: error: 'net.descriptor' op has no lowered lonely_init_params (run net-export-c-abi and the LLVM lowering first)
net.descriptor @lonely {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 2>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 0 : i64, params = [], workspace_fixed_bytes = 0 : i64}
