// REQUIRES: cuda-toolkit
// RUN: dlc-opt %s --gpu-module-to-binary="format=isa toolkit=%cuda_root" --dlc-gpu-fatbin | FileCheck %s

// The PTX of both targets becomes one fatbin object (the default format,
// not printed), which starts with the fatbin magic 0xBA55ED50.
// CHECK: gpu.binary @kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, "P\EDU\BA{{[^"]+}}">]
// CHECK-NOT: assembly =
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">,
                       #nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">] {
    llvm.func @scale(%p: !llvm.ptr, %s: f32) attributes {gpu.kernel, nvvm.kernel} {
      %t = nvvm.read.ptx.sreg.tid.x : i32
      %q = llvm.getelementptr %p[%t] : (!llvm.ptr, i32) -> !llvm.ptr, f32
      %v = llvm.load %q : !llvm.ptr -> f32
      %w = llvm.fmul %v, %s : f32
      llvm.store %w, %q : f32, !llvm.ptr
      llvm.return
    }
  }
}
