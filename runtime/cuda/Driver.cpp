//===- Driver.cpp - The CUDA driver, the sticky error, the stream ---------===//
//
// libcuda.so.1 is opened with dlopen on first use and every function is
// resolved through cuGetProcAddress at the ABI of the toolkit the runtime
// was compiled with (dlsym of the versioned names when the driver predates
// cuGetProcAddress_v2). The first device's primary context is made current
// on every thread that enters the runtime, so cuDNN and cuBLAS, which use
// the CUDA runtime API inside, share it.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "KernelShapes.h"

#include "dlc/cuda_abi.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

using namespace dlc::cuda;

// The runtime's own kernels (Kernels.cu), embedded as a fatbin by the build.
extern "C" const unsigned char dlc_cuda_kernels_fatbin[]
    __attribute__((visibility("hidden")));

namespace dlc::cuda {
Driver drv;
} // namespace dlc::cuda

// `dlc compile` links model libraries without the C runtime's crtbeginS.o,
// whose destructor runs a library's C++ static destructors when it is
// unloaded. This does the same, or the destructors registered with
// __cxa_atexit would run at exit, after dlclose has unmapped their code.
// In binaries linked with crtbeginS.o the second __cxa_finalize finds
// nothing left to run.
extern "C" void __cxa_finalize(void *);
extern "C" void *__dso_handle;
__attribute__((destructor)) static void runStaticDestructors() {
  __cxa_finalize(&__dso_handle);
}

namespace {

std::atomic<bool> gFailed{false};
std::mutex gErrorMutex;
char gError[1024];

/// The device ordinal mgpuSetDefaultDevice chose (before the first use).
std::atomic<int> gDeviceOrdinal{0};

struct State {
  void *library = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  CUstream copyStream = nullptr; // dlc_cuda_upload
  CUevent uploaded = nullptr;    // recorded on copyStream
  int capability = 0;
  /// CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS: the host may touch
  /// managed memory while the device works (not on some virtual GPUs).
  bool concurrentManaged = false;
};
State gState;

thread_local bool tlsCurrent = false;

/// Graph capture (dlc_cuda_graph_capture): the capturing thread, the first
/// error of the capture, and the generation of the scratch memory graphs
/// may use.
thread_local bool tlsCapturing = false;
std::string gCaptureError;
/// The capture gate: Entry holds it shared, a capture exclusively. Writer
/// first: once a capture waits, new outermost Entries wait too, so calls
/// that overlap on other threads cannot starve it. tlsEntries counts this
/// thread's nested Entry objects (only the outermost takes the gate).
std::mutex gGateMutex;
std::condition_variable gGateChanged;
int gGateCalls = 0;          // outermost Entries inside
int gGateCapturesWaiting = 0;
bool gGateCapturing = false; // a capture holds the gate
thread_local int tlsEntries = 0;

/// Holds the gate exclusively for one capture.
class CaptureGate {
public:
  CaptureGate() {
    std::unique_lock<std::mutex> lock(gGateMutex);
    ++gGateCapturesWaiting;
    gGateChanged.wait(lock, [] { return !gGateCapturing && gGateCalls == 0; });
    --gGateCapturesWaiting;
    gGateCapturing = true;
  }
  ~CaptureGate() {
    {
      std::lock_guard<std::mutex> lock(gGateMutex);
      gGateCapturing = false;
    }
    gGateChanged.notify_all();
  }
  CaptureGate(const CaptureGate &) = delete;
  CaptureGate &operator=(const CaptureGate &) = delete;
};
std::atomic<uint64_t> gGraphGeneration{0};

void failMessage(const std::string &message) {
  std::lock_guard<std::mutex> lock(gErrorMutex);
  if (tlsCapturing) { // the capture fails, the library goes on
    if (gCaptureError.empty())
      gCaptureError = message;
    return;
  }
  if (gFailed.load(std::memory_order_relaxed))
    return;
  std::snprintf(gError, sizeof gError, "%s", message.c_str());
  gFailed.store(true, std::memory_order_release);
}

std::string describe(CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (drv.cuGetErrorName)
    drv.cuGetErrorName(r, &name);
  if (drv.cuGetErrorString)
    drv.cuGetErrorString(r, &text);
  std::string s = name ? name : "CUDA error " + std::to_string((int)r);
  if (text)
    s += std::string(": ") + text;
  return s;
}

#define DLC_STR2(x) #x
#define DLC_STR(x) DLC_STR2(x)

/// Resolves the driver table; false with the error recorded.
bool resolve(void *lib) {
  using GetProc = CUresult (*)(const char *, void **, int, cuuint64_t,
                               CUdriverProcAddressQueryResult *);
  GetProc getProc = nullptr;
  void *sym = dlsym(lib, "cuGetProcAddress_v2");
  std::memcpy(&getProc, &sym, sizeof sym);
  std::string missing;
  auto load = [&](void *&slot, const char *base, const char *versioned) {
    void *p = nullptr;
    if (getProc) {
      CUdriverProcAddressQueryResult status;
      if (getProc(base, &p, CUDA_VERSION, CU_GET_PROC_ADDRESS_DEFAULT,
                  &status) != CUDA_SUCCESS ||
          status != CU_GET_PROC_ADDRESS_SUCCESS)
        p = nullptr;
    }
    if (!p)
      p = dlsym(lib, versioned);
    if (!p && missing.empty())
      missing = versioned;
    slot = p;
  };
  // `#name` is the base name as written, DLC_STR(name) the versioned symbol
  // cuda.h maps it to.
#define DLC_CU_FN(name)                                                        \
  {                                                                            \
    void *p = nullptr;                                                         \
    load(p, #name, DLC_STR(name));                                             \
    std::memcpy(&drv.name, &p, sizeof p);                                      \
  }
#include "DriverFunctions.def"
  if (!missing.empty()) {
    int version = 0;
    if (drv.cuDriverGetVersion)
      drv.cuDriverGetVersion(&version);
    failMessage("the CUDA driver (version " + std::to_string(version / 1000) +
                "." + std::to_string(version % 1000 / 10) +
                ") is too old for this library, built with CUDA " +
                std::to_string(CUDA_VERSION / 1000) + "." +
                std::to_string(CUDA_VERSION % 1000 / 10) + ": it lacks " +
                missing);
    return false;
  }
  return true;
}

/// Loads the driver and starts the device; false with the error recorded.
bool start() {
  dlerror();
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    failMessage(std::string("no CUDA driver: ") +
                (e ? e : "libcuda.so.1 cannot be loaded"));
    return false;
  }
  gState.library = lib;
  // A driver older than the toolkit's major version would resolve every
  // function by its versioned name and fail later, at the first module or
  // cuDNN call, with a less helpful message.
  int version = 0;
  using GetVersion = CUresult (*)(int *);
  GetVersion getVersion = nullptr;
  void *sym = dlsym(lib, "cuDriverGetVersion");
  std::memcpy(&getVersion, &sym, sizeof sym);
  if (getVersion && getVersion(&version) == CUDA_SUCCESS &&
      version < CUDA_VERSION / 1000 * 1000) {
    failMessage("the CUDA driver supports CUDA " +
                std::to_string(version / 1000) + "." +
                std::to_string(version % 1000 / 10) +
                "; this library was built with CUDA " +
                std::to_string(CUDA_VERSION / 1000) + "." +
                std::to_string(CUDA_VERSION % 1000 / 10) +
                " and needs a driver for CUDA " +
                std::to_string(CUDA_VERSION / 1000) + " or later");
    return false;
  }
  if (!resolve(lib))
    return false;
  if (CUresult r = drv.cuInit(0)) {
    failMessage((r == CUDA_ERROR_NO_DEVICE ? "no CUDA device (cuInit: "
                                           : "the CUDA driver cannot start "
                                             "(cuInit: ") +
                describe(r) + ")");
    return false;
  }
  int count = 0;
  if (!check(drv.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return false;
  const int ordinal = gDeviceOrdinal.load();
  if (count == 0 || ordinal < 0 || ordinal >= count) {
    failMessage(count == 0 ? std::string("no CUDA device (the driver reports "
                                         "none)")
                           : "no CUDA device " + std::to_string(ordinal) +
                                 " (the driver reports " +
                                 std::to_string(count) + ")");
    return false;
  }
  if (!check(drv.cuDeviceGet(&gState.device, ordinal), "cuDeviceGet"))
    return false;
  int major = 0, minor = 0;
  if (!check(drv.cuDeviceGetAttribute(
                 &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                 gState.device),
             "cuDeviceGetAttribute") ||
      !check(drv.cuDeviceGetAttribute(
                 &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                 gState.device),
             "cuDeviceGetAttribute"))
    return false;
  gState.capability = major * 10 + minor;
  int managed = 0;
  if (!check(drv.cuDeviceGetAttribute(&managed,
                                      CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY,
                                      gState.device),
             "cuDeviceGetAttribute"))
    return false;
  if (!managed) {
    failMessage("CUDA device " + std::to_string(ordinal) +
                " does not support managed memory, which dlc's CUDA "
                "libraries use");
    return false;
  }
  int concurrent = 0;
  if (!check(drv.cuDeviceGetAttribute(
                 &concurrent, CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS,
                 gState.device),
             "cuDeviceGetAttribute"))
    return false;
  gState.concurrentManaged = concurrent != 0;
  if (!check(drv.cuDevicePrimaryCtxRetain(&gState.context, gState.device),
             "cuDevicePrimaryCtxRetain") ||
      !check(drv.cuCtxSetCurrent(gState.context), "cuCtxSetCurrent"))
    return false;
  tlsCurrent = true;
  // Non-blocking: no implicit ordering with the legacy default stream that
  // other code in the process may use. The copy stream carries uploads
  // from pinned memory that overlap the work on the main one.
  return check(drv.cuStreamCreate(&gState.stream, CU_STREAM_NON_BLOCKING),
               "cuStreamCreate") &&
         check(drv.cuStreamCreate(&gState.copyStream, CU_STREAM_NON_BLOCKING),
               "cuStreamCreate") &&
         check(drv.cuEventCreate(&gState.uploaded, CU_EVENT_DISABLE_TIMING),
               "cuEventCreate");
}

std::mutex gModuleMutex;
std::unordered_map<const void *, CUmodule> gModules;
std::unordered_map<std::string, CUfunction> gOwnKernels;

} // namespace

bool dlc::cuda::failed() { return gFailed.load(std::memory_order_acquire); }

void dlc::cuda::fail(const char *call, const char *detail) {
  failMessage(std::string(call) + ": " + detail);
}

bool dlc::cuda::check(CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return true;
  failMessage(std::string(call) + ": " + describe(result));
  return false;
}

bool dlc::cuda::enter() {
  if (gFailed.load(std::memory_order_acquire))
    return false;
  if (tlsCurrent) {
    // The application may have made another context current on this
    // thread since (cudaSetDevice, another library): dlc's is made current
    // again.
    CUcontext current = nullptr;
    if (drv.cuCtxGetCurrent(&current) == CUDA_SUCCESS &&
        current == gState.context)
      return true;
    return check(drv.cuCtxSetCurrent(gState.context), "cuCtxSetCurrent");
  }
  static const bool started = start(); // once, thread-safe
  if (!started || gFailed.load(std::memory_order_acquire))
    return false;
  if (!check(drv.cuCtxSetCurrent(gState.context), "cuCtxSetCurrent"))
    return false;
  tlsCurrent = true;
  return true;
}

dlc::cuda::Entry::Hold::Hold() {
  if (tlsCapturing)
    return;
  counted = true;
  if (tlsEntries++ > 0)
    return;
  std::unique_lock<std::mutex> lock(gGateMutex);
  gGateChanged.wait(
      lock, [] { return !gGateCapturing && gGateCapturesWaiting == 0; });
  ++gGateCalls;
}

dlc::cuda::Entry::Hold::~Hold() {
  if (!counted || --tlsEntries > 0)
    return;
  bool last;
  {
    std::lock_guard<std::mutex> lock(gGateMutex);
    last = --gGateCalls == 0;
  }
  if (last)
    gGateChanged.notify_all();
}

CUstream dlc::cuda::stream() { return gState.stream; }
CUstream dlc::cuda::copyStream() { return gState.copyStream; }
int dlc::cuda::computeCapability() { return gState.capability; }

CUmodule dlc::cuda::loadModule(const void *image, int jitOptLevel) {
  if (!enter())
    return nullptr;
  if (!image) {
    fail("mgpuModuleLoad", "null module image");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(gModuleMutex);
  auto it = gModules.find(image);
  if (it != gModules.end())
    return it->second;
  CUmodule module = nullptr;
  CUresult r;
  if (jitOptLevel >= 0) {
    CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL};
    void *values[] = {reinterpret_cast<void *>((uintptr_t)jitOptLevel)};
    r = drv.cuModuleLoadDataEx(&module, image, 1, options, values);
  } else {
    r = drv.cuModuleLoadData(&module, image);
  }
  if (r != CUDA_SUCCESS) {
    std::string detail = describe(r);
    if (r == CUDA_ERROR_NO_BINARY_FOR_GPU ||
        r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
      detail += " (the device is sm_" + std::to_string(gState.capability) +
                "; recompile the model for it)";
    fail(jitOptLevel >= 0 ? "cuModuleLoadDataEx" : "cuModuleLoadData",
         detail.c_str());
    return nullptr;
  }
  gModules.emplace(image, module);
  return module;
}

CUfunction dlc::cuda::ownKernel(const char *name) {
  CUmodule module = loadModule(dlc_cuda_kernels_fatbin, -1);
  if (!module)
    return nullptr;
  std::lock_guard<std::mutex> lock(gModuleMutex);
  auto it = gOwnKernels.find(name);
  if (it != gOwnKernels.end())
    return it->second;
  CUfunction f = nullptr;
  if (!check(drv.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction"))
    return nullptr;
  gOwnKernels.emplace(name, f);
  return f;
}

bool dlc::cuda::launch1d(CUfunction f, int64_t threads, void **params,
                         const char *what) {
  if (!f)
    return false;
  if (threads <= 0)
    return true;
  CUresult r = drv.cuLaunchKernel(f, (unsigned)blocksFor(threads), 1, 1,
                                  (unsigned)kBlockThreads, 1, 1, 0,
                                  gState.stream, params, nullptr);
  if (r != CUDA_SUCCESS) {
    fail(what, ("cuLaunchKernel: " + describe(r)).c_str());
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// dlc/cuda_abi.h
//===----------------------------------------------------------------------===//

DLC_CU_EXPORT int dlc_cuda_init(char *message, size_t size) {
  const bool ok = enter();
  if (message && size > 0) {
    const char *e = ok ? "" : dlc_cuda_last_error();
    std::snprintf(message, size, "%s", e ? e : "");
  }
  return ok ? 0 : -1;
}

bool dlc::cuda::capturing() { return tlsCapturing; }

void dlc::cuda::invalidateGraphs() { ++gGraphGeneration; }

DLC_CU_EXPORT int dlc_cuda_synchronize(void) {
  Entry entry;
  if (!entry) {
    // After an error, work queued before it may still run: the caller is
    // about to read or free memory it uses.
    if (gState.stream && drv.cuStreamSynchronize && !tlsCapturing &&
        drv.cuCtxSetCurrent(gState.context) == CUDA_SUCCESS) {
      drv.cuStreamSynchronize(gState.stream);
      drv.cuStreamSynchronize(gState.copyStream);
    }
    return -1;
  }
  if (tlsCapturing) // nothing runs while the stream is captured
    return 0;
  if (!check(drv.cuStreamSynchronize(gState.stream), "cuStreamSynchronize"))
    return -1;
  profileCollect(); // DLC_CUDA_PROFILE: the stream is idle
  return 0;
}

DLC_CU_EXPORT int dlc_cuda_memcpy(void *dst, const void *src, size_t bytes) {
  Entry entry;
  if (!entry)
    return -1;
  if (bytes == 0)
    return 0;
  if (!dst || !src) {
    fail("dlc_cuda_memcpy", "null pointer");
    return -1;
  }
  if (!check(drv.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                               reinterpret_cast<CUdeviceptr>(src), bytes,
                               gState.stream),
             "cuMemcpyAsync"))
    return -1;
  return check(drv.cuStreamSynchronize(gState.stream), "cuStreamSynchronize")
             ? 0
             : -1;
}

DLC_CU_EXPORT const char *dlc_cuda_last_error(void) {
  return gFailed.load(std::memory_order_acquire) ? gError : nullptr;
}

/// mgpuSetDefaultDevice: the ordinal used when the runtime starts; once it
/// has started, asking for another device is an error (one device per
/// library).
void dlc::cuda::setDeviceOrdinal(int32_t device) {
  if (gState.context) {
    if (device != gDeviceOrdinal.load())
      fail("mgpuSetDefaultDevice",
           "the library already runs on another device");
    return;
  }
  gDeviceOrdinal.store(device);
}

//===----------------------------------------------------------------------===//
// CUDA graphs and uploads (cuda_abi.h)
//===----------------------------------------------------------------------===//

struct dlc_cuda_graph {
  CUgraphExec exec = nullptr;
  uint64_t generation = 0; // of the scratch memory its nodes use
};

DLC_CU_EXPORT int dlc_cuda_graph_capture(void (*fn)(void *), void *arg,
                                         dlc_cuda_graph **graph,
                                         char *message, size_t size) {
  auto refuse = [&](const std::string &why) {
    if (message && size > 0)
      std::snprintf(message, size, "%s", why.c_str());
    return -1;
  };
  if (graph)
    *graph = nullptr;
  if (!enter()) {
    const char *e = dlc_cuda_last_error();
    return refuse(e ? e : "the CUDA device is not ready");
  }
  if (!fn || !graph)
    return refuse("dlc_cuda_graph_capture: null function or result pointer");
  if (tlsCapturing)
    return refuse("dlc_cuda_graph_capture: a capture is already running on "
                  "this thread");
  if (tlsEntries > 0)
    return refuse("dlc_cuda_graph_capture: called from inside another call "
                  "into the library");
  // Other threads' calls in flight end first; later ones wait for the end
  // of the capture (Entry).
  CaptureGate gate;
  // Relaxed: cuDNN and cuBLAS may call functions the global mode forbids
  // while a stream is captured (none of them runs anything).
  if (CUresult r = drv.cuStreamBeginCapture(gState.stream,
                                            CU_STREAM_CAPTURE_MODE_RELAXED))
    return refuse("cuStreamBeginCapture: " + describe(r));
  {
    std::lock_guard<std::mutex> lock(gErrorMutex);
    gCaptureError.clear();
  }
  const uint64_t generation = gGraphGeneration.load();
  tlsCapturing = true;
  fn(arg);
  tlsCapturing = false;
  CUgraph captured = nullptr;
  CUresult r = drv.cuStreamEndCapture(gState.stream, &captured);
  std::string why;
  {
    std::lock_guard<std::mutex> lock(gErrorMutex);
    why.swap(gCaptureError);
  }
  if (why.empty() && r != CUDA_SUCCESS)
    why = "cuStreamEndCapture: " + describe(r);
  if (why.empty() && !captured)
    why = "cuStreamEndCapture returned no graph";
  if (why.empty() && generation != gGraphGeneration.load())
    why = "the runtime's scratch memory grew while the step was captured";
  // A call in the capture may have returned the error of earlier device
  // work (a fault is reported by whichever call comes next): that error
  // belongs to the library, not to the capture.
  if (!why.empty() &&
      !check(drv.cuStreamSynchronize(gState.stream), "cuStreamSynchronize")) {
    const char *e = dlc_cuda_last_error();
    why += std::string("; the device failed: ") + (e ? e : "?");
  }
  CUgraphExec exec = nullptr;
  if (why.empty())
    if (CUresult ri = drv.cuGraphInstantiateWithFlags(&exec, captured, 0))
      why = "cuGraphInstantiate: " + describe(ri);
  if (captured)
    drv.cuGraphDestroy(captured);
  dlc_cuda_graph *g = nullptr;
  if (why.empty()) {
    g = new (std::nothrow) dlc_cuda_graph{exec, generation};
    if (!g) {
      drv.cuGraphExecDestroy(exec);
      why = "out of memory";
    }
  }
  if (!why.empty())
    return refuse(why);
  *graph = g;
  return 0;
}

DLC_CU_EXPORT int dlc_cuda_graph_launch(dlc_cuda_graph *graph) {
  Entry entry;
  if (!entry)
    return -1;
  if (!graph) {
    fail("dlc_cuda_graph_launch", "null graph");
    return -1;
  }
  if (graph->generation != gGraphGeneration.load())
    return 1; // stale: capture the step again
  return check(drv.cuGraphLaunch(graph->exec, gState.stream), "cuGraphLaunch")
             ? 0
             : -1;
}

DLC_CU_EXPORT void dlc_cuda_graph_destroy(dlc_cuda_graph *graph) {
  if (!graph)
    return;
  if (graph->exec && drv.cuGraphExecDestroy)
    drv.cuGraphExecDestroy(graph->exec);
  delete graph;
}

DLC_CU_EXPORT void *dlc_cuda_host_alloc(size_t bytes) {
  Entry entry; // page-locking synchronizes the device
  if (!entry)
    return nullptr;
  void *p = nullptr;
  if (!check(drv.cuMemAllocHost(&p, bytes ? bytes : 1),
             ("cuMemAllocHost(" + std::to_string(bytes) + " bytes)").c_str()))
    return nullptr;
  return p;
}

DLC_CU_EXPORT void dlc_cuda_host_free(void *pointer) {
  if (!pointer || !drv.cuMemFreeHost || !gState.context)
    return;
  Entry entry; // held even after an error: the free synchronizes too
  // The thread may never have called into the library (or the library has
  // failed since): make the context current for the free.
  if (drv.cuCtxSetCurrent(gState.context) == CUDA_SUCCESS)
    drv.cuMemFreeHost(pointer);
}

namespace {
/// cuMemcpyAsync on the main stream or the copy stream, without waiting;
/// 0 or -1. The stream is read once the runtime has started.
int enqueueCopy(void *dst, const void *src, size_t bytes, bool copyStream,
                const char *what) {
  Entry entry;
  if (!entry)
    return -1;
  CUstream stream = copyStream ? gState.copyStream : gState.stream;
  if (bytes == 0)
    return 0;
  if (!dst || !src) {
    fail(what, "null pointer");
    return -1;
  }
  return check(drv.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                 reinterpret_cast<CUdeviceptr>(src), bytes,
                                 stream),
               "cuMemcpyAsync")
             ? 0
             : -1;
}
} // namespace

DLC_CU_EXPORT int dlc_cuda_copy_async(void *dst, const void *src,
                                      size_t bytes) {
  return enqueueCopy(dst, src, bytes, false, "dlc_cuda_copy_async");
}

DLC_CU_EXPORT int dlc_cuda_upload(void *dst, const void *src, size_t bytes) {
  if (tlsCapturing) { // the copy stream is not captured
    fail("dlc_cuda_upload", "called while the step is captured");
    return -1;
  }
  Entry entry;
  if (!entry)
    return -1;
  // Without concurrent managed access, the host must not touch managed
  // memory while a copy into it runs: the upload is made at once.
  if (!gState.concurrentManaged)
    return enqueueCopy(dst, src, bytes, false, "dlc_cuda_upload") != 0 ||
                   !check(drv.cuStreamSynchronize(gState.stream),
                          "cuStreamSynchronize")
               ? -1
               : 0;
  return enqueueCopy(dst, src, bytes, true, "dlc_cuda_upload");
}

DLC_CU_EXPORT int dlc_cuda_upload_wait(void) {
  Entry entry;
  if (!entry)
    return -1;
  if (tlsCapturing) {
    fail("dlc_cuda_upload_wait", "called while the step is captured");
    return -1;
  }
  return check(drv.cuEventRecord(gState.uploaded, gState.copyStream),
               "cuEventRecord") &&
                 check(drv.cuStreamWaitEvent(gState.stream, gState.uploaded,
                                             0),
                       "cuStreamWaitEvent")
             ? 0
             : -1;
}
