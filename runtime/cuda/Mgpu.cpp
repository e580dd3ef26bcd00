//===- Mgpu.cpp - MLIR's mgpu* runtime functions on dlc's runtime ---------===//
//
// `gpu-to-llvm` and the translation of gpu.binary emit calls to these
// functions; their signatures are those of MLIR 19's
// mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp (as LLVM 19 declares
// them: mgpuModuleLoad(ptr, i64), mgpuLaunchKernel(ptr, 6 x i64, i32, ptr,
// ptr, ptr, i64), mgpuLaunchClusterKernel without the parameter count).
// Debian ships no library with them, and MLIR's own loads and unloads the
// module around every launch; this one differs where dlc needs it to:
//
//  - modules are loaded once, cached by their image's address, and
//    mgpuModuleUnload does nothing (the process's exit releases them);
//  - there is one stream: mgpuStreamCreate returns it, mgpuStreamDestroy
//    does nothing, and whatever stream a call names, its work goes to that
//    stream. mgpuStreamSynchronize therefore waits for nothing (the host
//    waits through dlc_cuda_synchronize where it touches memory), and
//    events are only markers: recording and waiting order nothing that the
//    stream does not already order, and mgpuEventSynchronize waits for the
//    stream (except while a graph is captured);
//  - mgpuMemAlloc serves managed memory from the pool (Pool.cpp), so
//    host_shared allocations are host-accessible too;
//  - errors do not print: the first one is kept (dlc_cuda_last_error) and
//    every later call does nothing.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <string>

using namespace dlc::cuda;

namespace {
/// The address mgpuEventCreate hands out: events carry no state here.
char gEventMarker;
} // namespace

DLC_CU_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  Entry entry; // loading a module may synchronize
  return loadModule(data, -1);
}

DLC_CU_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  Entry entry;
  return loadModule(data, optLevel < 0 ? 0 : optLevel > 4 ? 4 : optLevel);
}

DLC_CU_EXPORT void mgpuModuleUnload(CUmodule /*module*/) {}

DLC_CU_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                               const char *name) {
  if (!enter() || !module)
    return nullptr;
  CUfunction f = nullptr;
  if (!check(drv.cuModuleGetFunction(&f, module, name),
             ("cuModuleGetFunction(" + std::string(name ? name : "?") + ")")
                 .c_str()))
    return nullptr;
  nameFunction(f, name); // for DLC_CUDA_PROFILE
  return f;
}

DLC_CU_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                    intptr_t gridY, intptr_t gridZ,
                                    intptr_t blockX, intptr_t blockY,
                                    intptr_t blockZ, int32_t smem,
                                    CUstream /*stream*/, void **params,
                                    void **extra, size_t /*paramsCount*/) {
  Entry entry;
  // An empty grid or block launches nothing (the driver would refuse it,
  // and its error would stop the library).
  if (!entry || !function || gridX <= 0 || gridY <= 0 || gridZ <= 0 ||
      blockX <= 0 || blockY <= 0 || blockZ <= 0)
    return;
  if (smem > 48 * 1024 &&
      !check(drv.cuFuncSetAttribute(
                 function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                 smem),
             "cuFuncSetAttribute"))
    return;
  ProfileScope scope(profiling() ? functionName(function) : "");
  check(drv.cuLaunchKernel(function, (unsigned)gridX, (unsigned)gridY,
                           (unsigned)gridZ, (unsigned)blockX, (unsigned)blockY,
                           (unsigned)blockZ, (unsigned)smem, stream(), params,
                           extra),
        "cuLaunchKernel");
}

DLC_CU_EXPORT void mgpuLaunchClusterKernel(
    CUfunction function, intptr_t clusterX, intptr_t clusterY,
    intptr_t clusterZ, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
    intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t smem,
    CUstream /*stream*/, void **params, void **extra) {
  Entry entry;
  // An empty grid or block launches nothing (the driver would refuse it,
  // and its error would stop the library).
  if (!entry || !function || gridX <= 0 || gridY <= 0 || gridZ <= 0 ||
      blockX <= 0 || blockY <= 0 || blockZ <= 0)
    return;
  if (smem > 48 * 1024 &&
      !check(drv.cuFuncSetAttribute(
                 function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                 smem),
             "cuFuncSetAttribute"))
    return;
  CUlaunchAttribute attr[1];
  attr[0].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attr[0].value.clusterDim.x = (unsigned)clusterX;
  attr[0].value.clusterDim.y = (unsigned)clusterY;
  attr[0].value.clusterDim.z = (unsigned)clusterZ;
  CUlaunchConfig config = {};
  config.gridDimX = (unsigned)gridX;
  config.gridDimY = (unsigned)gridY;
  config.gridDimZ = (unsigned)gridZ;
  config.blockDimX = (unsigned)blockX;
  config.blockDimY = (unsigned)blockY;
  config.blockDimZ = (unsigned)blockZ;
  config.sharedMemBytes = (unsigned)smem;
  config.hStream = stream();
  config.attrs = attr;
  config.numAttrs = 1;
  check(drv.cuLaunchKernelEx(&config, function, params, extra),
        "cuLaunchKernelEx");
}

DLC_CU_EXPORT CUstream mgpuStreamCreate() {
  return enter() ? stream() : nullptr;
}

DLC_CU_EXPORT void mgpuStreamDestroy(CUstream /*stream*/) {}

// Waits for nothing: the generated code's waits (gpu-async-region puts one
// before every host call and return) order nothing the one stream does not
// already order. The host waits where it touches memory: before host
// loads and stores (dlc-gpu-sync-host-access) and before an exported
// function returns (dlc-gpu-prepare), both through dlc_cuda_synchronize.
// A wait before every cuDNN or cuBLAS call would stall the stream for the
// host's launch latency each time, and it cannot be captured in a graph.
DLC_CU_EXPORT void mgpuStreamSynchronize(CUstream /*stream*/) { enter(); }

DLC_CU_EXPORT void mgpuStreamWaitEvent(CUstream /*stream*/,
                                       CUevent /*event*/) {}

DLC_CU_EXPORT CUevent mgpuEventCreate() {
  return enter() ? reinterpret_cast<CUevent>(&gEventMarker) : nullptr;
}

DLC_CU_EXPORT void mgpuEventDestroy(CUevent /*event*/) {}

DLC_CU_EXPORT void mgpuEventSynchronize(CUevent /*event*/) {
  Entry entry;
  if (entry && !capturing())
    check(drv.cuStreamSynchronize(stream()), "cuStreamSynchronize");
}

DLC_CU_EXPORT void mgpuEventRecord(CUevent /*event*/, CUstream /*stream*/) {}

DLC_CU_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/,
                                 bool /*isHostShared*/) {
  Entry entry;
  return poolAlloc((size_t)sizeBytes, 256);
}

DLC_CU_EXPORT void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (!ptr)
    return;
  Entry entry;
  poolFree(ptr);
}

DLC_CU_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                              CUstream /*stream*/) {
  Entry entry;
  if (!entry || sizeBytes == 0)
    return;
  check(drv.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                          reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                          stream()),
        "cuMemcpyAsync");
}

/// cuMemsetD32Async / cuMemsetD16Async of `count` elements on the stream.
/// `fn` is a member of the driver table, read once the runtime is started
/// (the table is empty before the first Entry).
template <typename Value, typename Fn>
static void memsetAsync(Fn Driver::*fn, const char *what, void *dst,
                        Value value, size_t count) {
  Entry entry;
  if (!entry || count == 0)
    return;
  check((drv.*fn)(reinterpret_cast<CUdeviceptr>(dst), value, count, stream()),
        what);
}

DLC_CU_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                CUstream /*stream*/) {
  memsetAsync(&Driver::cuMemsetD32Async, "cuMemsetD32Async", dst, value,
              count);
}

DLC_CU_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                CUstream /*stream*/) {
  memsetAsync(&Driver::cuMemsetD16Async, "cuMemsetD16Async", dst, value,
              count);
}

DLC_CU_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  setDeviceOrdinal(device);
}
