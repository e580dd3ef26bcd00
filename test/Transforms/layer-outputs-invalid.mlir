// RUN: dlc-opt %s --net-emit-descriptor -split-input-file -verify-diagnostics

// The activation table of a descriptor (net-build-entry-points writes it;
// these are hand-written).

llvm.func @a_init_params()
llvm.func @a_forward()
llvm.func @a_gradient()
llvm.func @a_train_step()
llvm.func @a_eval_step()
// expected-error @+1 {{'net.descriptor' op has an empty activations array (omit it when the model has no M_activations)}}
net.descriptor @a {activations = [], fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 2>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 0 : i64, params = [], workspace_fixed_bytes = 0 : i64}

// -----

llvm.func @a_init_params()
llvm.func @a_forward()
llvm.func @a_gradient()
llvm.func @a_train_step()
llvm.func @a_eval_step()
// expected-error @+1 {{'net.descriptor' op has no lowered a_activations (run net-export-c-abi and the LLVM lowering first)}}
net.descriptor @a {activations = [{name = "FullyConnected/Relu", offset = 0 : i64, shape = array<i64: -1, 1>, size = 1 : i64}], fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 2>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 0 : i64, params = [], workspace_fixed_bytes = 0 : i64}

// -----

llvm.func @a_init_params()
llvm.func @a_forward()
llvm.func @a_gradient()
llvm.func @a_train_step()
llvm.func @a_eval_step()
llvm.func @a_activations()
// expected-error @+1 {{'net.descriptor' op activation #0 is not a dictionary of name, shape, offset and size}}
net.descriptor @a {activations = [{name = "FullyConnected/Relu", offset = 0 : i64, shape = array<i64: -1, 1>}], fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 2>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 0 : i64, params = [], workspace_fixed_bytes = 0 : i64}

// -----

llvm.func @a_init_params()
llvm.func @a_forward()
llvm.func @a_gradient()
llvm.func @a_train_step()
llvm.func @a_eval_step()
llvm.func @a_activations()
// expected-error @+1 {{'net.descriptor' op activation #0 has rank 7, expected 1 to 6}}
net.descriptor @a {activations = [{name = "X", offset = 0 : i64, shape = array<i64: -1, 1, 1, 1, 1, 1, 1>, size = 1 : i64}], fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 2>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 0 : i64, params = [], workspace_fixed_bytes = 0 : i64}

// -----

llvm.func @a_init_params()
llvm.func @a_forward()
llvm.func @a_gradient()
llvm.func @a_train_step()
llvm.func @a_eval_step()
llvm.func @a_activations()
// expected-error @+1 {{'net.descriptor' op activation #1 is not laid out after the previous one (offset 0, size 2, expected offset 3)}}
net.descriptor @a {activations = [{name = "X", offset = 0 : i64, shape = array<i64: -1, 3>, size = 3 : i64}, {name = "Y", offset = 0 : i64, shape = array<i64: -1, 2>, size = 2 : i64}], fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 2>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 0 : i64, params = [], workspace_fixed_bytes = 0 : i64}
