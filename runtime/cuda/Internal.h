//===- Internal.h - Shared internals of dlc's CUDA launch runtime -*- C++ -*-===//
//
// The driver API table (loaded with dlopen, nothing links libcuda), the
// sticky error, the library's one stream, the managed-memory pool and the
// module of the runtime's own kernels. Everything here has hidden
// visibility; only the functions of dlc/cuda_abi.h, the mgpu* wrappers,
// MLIR's _mlir_memref_to_llvm_* allocation functions and dlc_cu_* are
// exported (DLC_CU_EXPORT).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_CUDA_INTERNAL_H
#define DLC_RUNTIME_CUDA_INTERNAL_H

#include <cuda.h>

#include <cstddef>
#include <cstdint>

#define DLC_CU_EXPORT extern "C" __attribute__((visibility("default")))

namespace dlc::cuda {

/// The driver functions the runtime uses, resolved from libcuda.so.1 at the
/// ABI of the CUDA version the runtime was compiled against.
struct Driver {
#define DLC_CU_FN(name) decltype(&::name) name = nullptr;
#include "DriverFunctions.def"
};

/// The loaded driver; valid once enter() has returned true.
extern Driver drv;

/// Makes the runtime ready on the calling thread: loads the driver and
/// starts the device on first use, makes the primary context current.
/// False after any error (the sticky error then says why); every exported
/// function calls it first and does nothing when it fails.
bool enter();

/// What an exported function that queues device work or waits for it
/// does first, in place of enter(): unless this thread is capturing a
/// graph, it holds the capture lock shared until the function returns. A
/// capture (dlc_cuda_graph_capture) holds it exclusively: it waits for the
/// calls other threads have in flight, and their later calls wait for the
/// capture, so no other thread's work lands in a graph or breaks a capture.
class Entry {
public:
  Entry() : ok(enter()) {}
  Entry(const Entry &) = delete;
  Entry &operator=(const Entry &) = delete;
  /// enter()'s result.
  explicit operator bool() const { return ok; }

private:
  /// The shared hold, taken before enter() and released even if it throws.
  struct Hold {
    Hold();
    ~Hold();
    bool counted = false;
  } hold;
  bool ok = false;
};

/// True once an error has been recorded.
bool failed();

/// Records the first error: "CALL: DETAIL". Later errors are dropped.
void fail(const char *call, const char *detail);
/// Records a failing driver call ("cuLaunchKernel: CUDA_ERROR_...: text")
/// and returns false; returns true for CUDA_SUCCESS.
bool check(CUresult result, const char *call);

/// The library's stream: every kernel, copy, cuDNN and cuBLAS call runs
/// on it.
CUstream stream();
/// The stream of dlc_cuda_upload (overlapped uploads).
CUstream copyStream();
/// The device's compute capability (major * 10 + minor).
int computeCapability();

/// Loads a module image once (cached by the image's address); null after an
/// error.
CUmodule loadModule(const void *image, int jitOptLevel);
/// A function of the runtime's own kernels (Kernels.cu); null after an
/// error.
CUfunction ownKernel(const char *name);
/// Launches a one-dimensional grid of `threads` threads on the stream.
bool launch1d(CUfunction f, int64_t threads, void **params, const char *what);

/// True on the thread that is capturing the stream into a CUDA graph
/// (dlc_cuda_graph_capture): nothing runs, so waits do nothing, and errors
/// fail the capture instead of the library.
bool capturing();
/// Makes every captured graph stale (it would use memory that was
/// released): the runtime's scratch buffers grew.
void invalidateGraphs();

/// mgpuSetDefaultDevice: the device ordinal used when the runtime starts.
void setDeviceOrdinal(int32_t device);

/// DLC_CUDA_PROFILE=1 (Profile.cpp): device time per kernel and per
/// dlc_cu_* call, summed per name and printed to stderr at exit.
bool profiling();
/// Records the name of a kernel function (mgpuModuleGetFunction).
void nameFunction(CUfunction function, const char *name);
/// The name recorded for `function`, or "(kernel)".
const char *functionName(CUfunction function);
/// Brackets the device work queued while it lives with two events on the
/// stream (when profiling and not capturing). `name` must outlive the
/// process's last dlc_cuda_synchronize: a literal or functionName's result.
class ProfileScope {
public:
  explicit ProfileScope(const char *name);
  ~ProfileScope();
  ProfileScope(const ProfileScope &) = delete;
  ProfileScope &operator=(const ProfileScope &) = delete;

private:
  const char *name;
  CUevent start = nullptr;
};
/// Adds the time of every finished bracket to its name's total; call once
/// the stream is idle.
void profileCollect();

/// The caching pool of managed memory (Pool.cpp).
void *poolAlloc(size_t bytes, size_t alignment);
void poolFree(void *pointer);

} // namespace dlc::cuda

#endif // DLC_RUNTIME_CUDA_INTERNAL_H
