// RUN: dlc-opt %s --dlc-plan-workspace -split-input-file -verify-diagnostics

net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 4>, param_floats = 3 : i64, params = [], workspace_fixed_bytes = 12 : i64}

func.func private @m.forward_impl(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) : memref<?x4xf32>
  memref.dealloc %a : memref<?x4xf32>
  return
}

// The offset must keep the buffers on cache lines.
// expected-error @+1 {{'func.func' op has a malformed dlc.workspace (expected {model, arg, offset}: a descriptor, a pointer argument and a byte offset that is a multiple of 64)}}
func.func @m_forward(%ws: !llvm.ptr, %x: memref<?x4xf32>) attributes {dlc.workspace = {arg = 0 : i64, model = "m", offset = 12 : i64}} {
  call @m.forward_impl(%x) : (memref<?x4xf32>) -> ()
  return
}

// -----

func.func private @m.forward_impl(%x: memref<?x4xf32>) {
  return
}

// The model must exist.
// expected-error @+1 {{'func.func' op has a malformed dlc.workspace}}
func.func @m_forward(%ws: !llvm.ptr, %x: memref<?x4xf32>) attributes {dlc.workspace = {arg = 0 : i64, model = "m", offset = 0 : i64}} {
  call @m.forward_impl(%x) : (memref<?x4xf32>) -> ()
  return
}

// -----

net.descriptor @m {fingerprint = 1 : i64, hparams = {}, input_shape = array<i64: -1, 4>, opt_state_floats = 0 : i64, output_shape = array<i64: -1, 4>, param_floats = 3 : i64, params = [], workspace_fixed_bytes = 12 : i64}

// The workspace argument must be a pointer.
// expected-error @+1 {{'func.func' op has a malformed dlc.workspace}}
func.func @m_forward(%ws: i64, %x: memref<?x4xf32>) attributes {dlc.workspace = {arg = 0 : i64, model = "m", offset = 0 : i64}} {
  return
}

// -----

func.func private @inner(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) : memref<?x4xf32>
  memref.dealloc %a : memref<?x4xf32>
  return
}

// A caller that needs per-example bytes for its callee must know the batch.
// expected-error @+1 {{'func.func' op needs a workspace that grows with the batch but has no argument with a batch dimension}}
func.func private @outer(%x: memref<2x4xf32>) {
  %d = memref.cast %x : memref<2x4xf32> to memref<?x4xf32>
  call @inner(%d) : (memref<?x4xf32>) -> ()
  return
}
