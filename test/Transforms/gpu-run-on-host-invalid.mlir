// RUN: dlc-opt %s --dlc-gpu-run-on-host --split-input-file -verify-diagnostics

func.func @barrier(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %x = memref.load %m[%tx] : memref<4xf32>
    // expected-error @below {{synchronizes the threads of a kernel; it cannot run on the host one thread after another}}
    gpu.barrier
    memref.store %x, %m[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @async(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %t0 = gpu.wait async
  // expected-error @below {{is asynchronous; dlc-gpu-run-on-host runs before gpu-async-region}}
  %t1 = gpu.launch async [%t0] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.terminator
  }
  return
}

// -----

func.func @shared(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %bytes = arith.constant 64 : i32
  // expected-error @below {{uses dynamic shared memory; it cannot run on the host one thread after another}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             dynamic_shared_memory_size %bytes {
    gpu.terminator
  }
  return
}

// -----

func.func @workgroup(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  // expected-error @below {{has memory attributions; it cannot run on the host}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%w : memref<4xf32, #gpu.address_space<workgroup>>) {
    gpu.terminator
  }
  return
}

// -----

func.func @clusters(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  // expected-error @below {{has thread block clusters; it cannot run on the host}}
  gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c1, %ncy = %c1, %ncz = %c1)
             blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.terminator
  }
  return
}

// -----

func.func private @dlc_cu_sgemm(!llvm.ptr)
func.func private @dlc_k_sgemm(i64)
func.func @mismatch(%p: !llvm.ptr) {
  // expected-error @below {{calls 'dlc_cu_sgemm', whose host kernel 'dlc_k_sgemm' takes other arguments}}
  call @dlc_cu_sgemm(%p) : (!llvm.ptr) -> ()
  return
}

// -----

func.func @left(%n: index) {
  // expected-error @below {{has no host form for dlc-gpu-run-on-host}}
  %m = gpu.alloc (%n) : memref<?xf32>
  return
}
