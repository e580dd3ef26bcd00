// RUN: dlc-opt %s --dlc-gpu-prepare -verify-diagnostics

memref.global "private" constant @strided : memref<2xf32, strided<[2]>> = dense<[1.0, 2.0]>
func.func private @f() -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{reads a global that is not a dense static buffer; it cannot be copied to the device}}
  %g = memref.get_global @strided : memref<2xf32, strided<[2]>>
  %v = memref.load %g[%c0] : memref<2xf32, strided<[2]>>
  return %v : f32
}

