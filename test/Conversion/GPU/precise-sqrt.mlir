// RUN: dlc-opt %s --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm,dlc-gpu-precise-sqrt))' | FileCheck %s
// RUN: dlc-opt %s --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm,dlc-gpu-precise-sqrt,reconcile-unrealized-casts))' | FileCheck %s --check-prefix=NVVM
// RUN: %if cuda-toolkit %{ dlc-opt %s --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm,dlc-gpu-precise-sqrt,reconcile-unrealized-casts),gpu-module-to-binary{format=isa toolkit=%cuda_root})' | FileCheck %s --check-prefix=PTX %}
// RUN: %if cuda-toolkit %{ dlc-opt %s --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm,reconcile-unrealized-casts),gpu-module-to-binary{format=isa toolkit=%cuda_root})' | FileCheck %s --check-prefix=LIBDEVICE %}

// Square roots in device code are the LLVM intrinsic, not libdevice's
// __nv_sqrtf, whose default (no __CUDA_PREC_SQRT reflection) is approximate.
// CHECK-NOT: __nv_sqrt
// CHECK-LABEL: llvm.func @adam_denominator
// CHECK: llvm.intr.sqrt(%{{.+}}) : (f32) -> f32
// CHECK: llvm.intr.sqrt(%{{.+}}) : (f64) -> f64
// CHECK-NOT: __nv_sqrt
// A call of another libdevice function stays.
// CHECK: llvm.call @__nv_expf
// NVVM: llvm.intr.sqrt(%{{.+}}) : (f32) -> f32
// PTX: sqrt.rn.f32
// PTX: sqrt.rn.f64
// PTX-NOT: sqrt.approx
// Without the pass: libdevice's approximate path.
// LIBDEVICE: sqrt.approx.f32
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">] {
    gpu.func @adam_denominator(%v: memref<4xf32>, %w: memref<4xf64>) kernel {
      %i = gpu.thread_id x
      %x = memref.load %v[%i] : memref<4xf32>
      %r = math.sqrt %x : f32
      memref.store %r, %v[%i] : memref<4xf32>
      %y = memref.load %w[%i] : memref<4xf64>
      %s = math.sqrt %y : f64
      memref.store %s, %w[%i] : memref<4xf64>
      %e = math.exp %x : f32
      memref.store %e, %v[%i] : memref<4xf32>
      gpu.return
    }
  }
}
