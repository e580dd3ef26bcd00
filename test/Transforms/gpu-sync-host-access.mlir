// RUN: dlc-opt %s --dlc-gpu-sync-host-access | FileCheck %s

// The host reads and writes device memory only after waiting for the work
// before it (kernels and dlc_cu_* calls run asynchronously); a run of
// accesses needs one wait.
// CHECK: func.func private @dlc_cuda_synchronize() -> i32
// CHECK-LABEL: func.func @step
// CHECK: call @dlc_cu_sgemm
// CHECK-NEXT: call @dlc_cuda_synchronize()
// CHECK-NEXT: memref.store
// CHECK-NEXT: memref.load
// CHECK-NEXT: gpu.launch_func
// CHECK-NEXT: call @dlc_cuda_synchronize()
// CHECK-NEXT: memref.load
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  func.func private @dlc_cu_sgemm()
  func.func @step(%acc: memref<f32>, %v: f32) -> f32 {
    %c1 = arith.constant 1 : index
    func.call @dlc_cu_sgemm() : () -> ()
    memref.store %v, %acc[] : memref<f32>
    %a = memref.load %acc[] : memref<f32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    %b = memref.load %acc[] : memref<f32>
    return %b : f32
  }
  gpu.module @k {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}
