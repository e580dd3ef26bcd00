// RUN: dlc-opt %s --dlc-gpu-graph-step -split-input-file -verify-diagnostics

net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 4 : i64, params = [], workspace_fixed_bytes = 16 : i64}
func.func private @m.train_step_impl(%p: memref<4xf32>, %step: i64) -> f32 {
  %z = arith.constant 0.0 : f32
  return %z : f32
}
// The step is not the sixth argument of the entry point.
// expected-error @+1 {{'func.func' op is not a training step the CUDA graph step can be built from (expected 8 arguments, the step passed to m.train_step_impl, a single-block impl returning f32)}}
func.func @m_train_step(%p: !llvm.ptr, %step: i64) -> f32 {
  %0 = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<4xf32>
  %r = call @m.train_step_impl(%0, %step) : (memref<4xf32>, i64) -> f32
  return %r : f32
}

// -----

net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 4 : i64, params = [], workspace_fixed_bytes = 16 : i64}
func.func private @m.loss_impl(%c: i1) -> f32 {
  %z = arith.constant 0.0 : f32
  cf.cond_br %c, ^a, ^b
^a:
  return %z : f32
^b:
  return %z : f32
}
func.func private @m.train_step_impl(%p: memref<4xf32>, %step: i64) -> f32 {
  %c = arith.constant true
  // expected-error @+1 {{'func.call' op calls m.loss_impl, which has more than one block and cannot be inlined}}
  %r = call @m.loss_impl(%c) : (i1) -> f32
  return %r : f32
}
func.func @m_train_step(%p: !llvm.ptr, %o: !llvm.ptr, %x: !llvm.ptr, %y: !llvm.ptr, %batch: i64, %step: i64, %yp: !llvm.ptr, %ws: !llvm.ptr) -> f32 {
  %0 = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<4xf32>
  %r = call @m.train_step_impl(%0, %step) : (memref<4xf32>, i64) -> f32
  return %r : f32
}

// -----

net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 1>, param_floats = 4 : i64, params = [], workspace_fixed_bytes = 16 : i64}
func.func private @m.loss_impl() -> f32 {
  %r = call @m.loss_impl() : () -> f32
  return %r : f32
}
// expected-error @+1 {{'func.func' op calls functions nested too deeply to inline (recursion?)}}
func.func private @m.train_step_impl(%p: memref<4xf32>, %step: i64) -> f32 {
  %r = call @m.loss_impl() : () -> f32
  return %r : f32
}
func.func @m_train_step(%p: !llvm.ptr, %o: !llvm.ptr, %x: !llvm.ptr, %y: !llvm.ptr, %batch: i64, %step: i64, %yp: !llvm.ptr, %ws: !llvm.ptr) -> f32 {
  %0 = builtin.unrealized_conversion_cast %p : !llvm.ptr to memref<4xf32>
  %r = call @m.train_step_impl(%0, %step) : (memref<4xf32>, i64) -> f32
  return %r : f32
}
