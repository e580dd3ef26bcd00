// The GPU lowering of `dlc compile --target cuda` from bufferized linalg to
// NVVM kernels (CudaPipeline.cpp), without the toolkit's assembler.
// RUN: dlc-opt %s --pass-pipeline='builtin.module(dlc-gpu-prepare,convert-linalg-to-parallel-loops,func.func(dlc-gpu-map-loops),convert-parallel-loops-to-gpu,lower-affine,gpu-kernel-outlining,func.func(gpu-async-region),nvvm-attach-target{chip=sm_90 features=+ptx80 O=3},nvvm-attach-target{chip=sm_80 features=+ptx80 O=3},gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,reconcile-unrealized-casts))' | FileCheck %s

// Host: no stack buffer; the three launches in a row share one stream and
// one wait; the host waits again before it reads the loss, and synchronizes
// before the return. The full reduction runs in one thread.
// CHECK-LABEL: func.func @m_step
// CHECK-NOT: memref.alloca
// CHECK: %[[T0:.+]] = gpu.wait async
// CHECK: %[[T1:.+]] = gpu.launch_func async [%[[T0]]] @[[EXP:[a-z_0-9]+]]::@{{.*}} blocks in (%{{.+}}, %{{.+}}, %{{.+}}) threads in (%[[C256:.+]], %{{.+}}, %{{.+}})
// CHECK: %[[T2:.+]] = gpu.launch_func async [%[[T1]]] @[[FILL:[a-z_0-9]+]]::
// CHECK: %[[T3:.+]] = gpu.launch_func async [%[[T2]]] @[[COLS:[a-z_0-9]+]]::
// CHECK: gpu.wait [%[[T3]]]
// CHECK: %[[ACC:.+]] = memref.alloc() : memref<f32>
// CHECK: memref.store %{{.+}}, %[[ACC]][]
// CHECK: %[[T4:.+]] = gpu.wait async
// CHECK: %[[T5:.+]] = gpu.launch_func async [%[[T4]]] @[[SUM:[a-z_0-9]+]]::{{.*}} blocks in (%[[ONE:.+]], %[[ONE]], %[[ONE]]) threads in (%[[ONE]], %[[ONE]], %[[ONE]])
// CHECK: gpu.wait [%[[T5]]]
// CHECK: memref.load %[[ACC]][]
// CHECK: call @dlc_cuda_synchronize()
// CHECK: return

// Device: one module per kernel, for both chips. In the elementwise kernel
// thread x indexes the innermost dimension (element ctaid.x * 256 + tid.x).
// CHECK: gpu.module @[[EXP]] [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, #nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">]
// CHECK: llvm.func @{{.+}}({{.*}}) attributes {gpu.kernel, gpu.known_block_size = array<i32: 256, 1, 1>, nvvm.kernel
// CHECK: nvvm.read.ptx.sreg.ctaid.x : i32
// CHECK: nvvm.read.ptx.sreg.tid.x : i32
// CHECK: llvm.call @__nv_expf
// The column sum: one thread per column, 10 threads.
// CHECK: gpu.module @[[FILL]]
// CHECK: gpu.module @[[COLS]]
// CHECK: gpu.known_block_size = array<i32: 10, 1, 1>
// CHECK: gpu.module @[[SUM]]
// CHECK-NOT: gpu.launch
// CHECK-NOT: scf.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#all = affine_map<(d0, d1) -> ()>
func.func @m_step(%x: memref<?x10xf32>, %y: memref<?x10xf32>, %db: memref<10xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x10xf32>) outs(%y : memref<?x10xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  }
  linalg.fill ins(%zero : f32) outs(%db : memref<10xf32>)
  linalg.generic {indexing_maps = [#id2, #col], iterator_types = ["reduction", "parallel"]}
      ins(%y : memref<?x10xf32>) outs(%db : memref<10xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  %acc = memref.alloca() : memref<f32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<f32>)
  linalg.generic {indexing_maps = [#id2, #all], iterator_types = ["reduction", "reduction"]}
      ins(%y : memref<?x10xf32>) outs(%acc : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  %loss = memref.load %acc[] : memref<f32>
  return %loss : f32
}
