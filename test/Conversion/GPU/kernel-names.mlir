// RUN: dlc-opt %s --dlc-gpu-kernel-names --split-input-file -verify-diagnostics | FileCheck %s

// Every kernel moves into one module, named after its outlined module in
// characters PTX accepts.
// CHECK-LABEL: func.func @m.step_impl
// CHECK: gpu.launch_func @dlc_kernels::@m_step_impl_kernel
// CHECK: gpu.launch_func @dlc_kernels::@m_step_impl_kernel_0
// CHECK: gpu.launch_func @dlc_kernels::@two_a
// CHECK: gpu.launch_func @dlc_kernels::@two_b
// CHECK-NOT: gpu.module
// CHECK: gpu.module @dlc_kernels {
// CHECK: gpu.func @m_step_impl_kernel() kernel
// CHECK: gpu.func @m_step_impl_kernel_0() kernel
// CHECK: gpu.func @two_a() kernel
// CHECK: gpu.func @two_b() kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @m.step_impl() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @m.step_impl_kernel::@m.step_impl_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @m.step_impl_kernel_0::@m.step_impl_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @two::@a blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @two::@b blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.module @m.step_impl_kernel {
    gpu.func @m.step_impl_kernel() kernel {
      gpu.return
    }
  }
  gpu.module @m.step_impl_kernel_0 {
    gpu.func @m.step_impl_kernel() kernel {
      gpu.return
    }
  }
  gpu.module @two {
    gpu.func @a() kernel {
      gpu.return
    }
    gpu.func @b() kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{holds 'func.func' besides kernels; it cannot be merged}}
  gpu.module @helper {
    func.func @f() {
      return
    }
  }
}
