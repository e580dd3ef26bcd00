//===- Pool.cpp - A caching pool of CUDA managed memory -------------------===//
//
// Serves dlc_cuda_alloc, mgpuMemAlloc and MLIR's generic allocation
// functions (`memref.alloc` in generated host code becomes
// _mlir_memref_to_llvm_alloc / _aligned_alloc / _free when the compiler
// lowers memrefs with use-generic-functions).
//
// Sizes are rounded up to a size class (multiples of 256 bytes up to 4 KiB,
// then four classes per power of two: at most 25% waste). Classes up to
// 64 KiB are carved from 2 MiB slabs, larger ones get their own
// cuMemAllocManaged block. A freed block goes back to its class's free list
// at once and may serve the next request: every use of pool memory on the
// device is ordered on the library's one stream, so work enqueued later
// cannot overtake work that still reads the block. Memory is never returned
// to the driver; the process's exit releases it. After the first training
// step, a step therefore allocates nothing from the driver.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "dlc/cuda_abi.h"

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dlc::cuda;

namespace {

constexpr size_t kMinClass = 256;          // also the blocks' alignment
constexpr size_t kSlabClassLimit = 64 << 10;
constexpr size_t kSlabBytes = 2 << 20;

struct Block {
  size_t cls;  // size class of the underlying block
  void *base;  // its start (differs from the user pointer when over-aligned)
};

std::mutex gMutex;
std::unordered_map<size_t, std::vector<void *>> gFree; // class -> blocks
std::unordered_map<void *, Block> gInUse;              // user pointer -> block

size_t sizeClass(size_t n) {
  if (n <= kMinClass)
    return kMinClass;
  if (n <= 4096)
    return (n + kMinClass - 1) / kMinClass * kMinClass;
  int e = 63 - __builtin_clzll((unsigned long long)(n - 1)); // 2^e <= n-1
  size_t step = size_t(1) << (e - 2);
  return (n + step - 1) / step * step;
}

bool managedAlloc(size_t bytes, void *&out) {
  CUdeviceptr p = 0;
  if (!check(drv.cuMemAllocManaged(&p, bytes, CU_MEM_ATTACH_GLOBAL),
             ("cuMemAllocManaged(" + std::to_string(bytes) + " bytes)")
                 .c_str()))
    return false;
  out = reinterpret_cast<void *>(p);
  return true;
}

/// A free block of class `cls`; the caller holds gMutex.
void *takeBlock(size_t cls) {
  std::vector<void *> &list = gFree[cls];
  if (list.empty()) {
    if (cls <= kSlabClassLimit) {
      void *slab = nullptr;
      if (!managedAlloc(kSlabBytes, slab))
        return nullptr;
      char *p = static_cast<char *>(slab);
      // Hand out the slab's blocks in address order (the last one first).
      for (size_t off = kSlabBytes / cls * cls; off >= cls; off -= cls)
        list.push_back(p + off - cls);
    } else {
      void *block = nullptr;
      if (!managedAlloc(cls, block))
        return nullptr;
      return block;
    }
  }
  void *block = list.back();
  list.pop_back();
  return block;
}

} // namespace

void *dlc::cuda::poolAlloc(size_t bytes, size_t alignment) {
  if (!enter())
    return nullptr;
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    fail("memory allocation",
         ("alignment " + std::to_string(alignment) + " is not a power of two")
             .c_str());
    return nullptr;
  }
  if (bytes == 0)
    bytes = 1;
  const size_t extra = alignment > kMinClass ? alignment : 0;
  if (bytes > (size_t(1) << 62) - extra) {
    fail("memory allocation",
         ("request of " + std::to_string(bytes) + " bytes is too large")
             .c_str());
    return nullptr;
  }
  if (capturing()) { // a graph would keep the block after a release
    fail("dlc_cuda_graph_capture",
         "the step allocates device memory while it is captured");
    return nullptr;
  }
  const size_t cls = sizeClass(bytes + extra);
  std::lock_guard<std::mutex> lock(gMutex);
  void *base = takeBlock(cls);
  if (!base)
    return nullptr;
  void *user = base;
  if (extra) {
    uintptr_t a = reinterpret_cast<uintptr_t>(base);
    user = reinterpret_cast<void *>((a + alignment - 1) & ~(uintptr_t)(alignment - 1));
  }
  gInUse[user] = Block{cls, base};
  return user;
}

void dlc::cuda::poolFree(void *pointer) {
  if (!pointer)
    return;
  if (capturing()) {
    fail("dlc_cuda_graph_capture",
         "the step releases device memory while it is captured");
    return;
  }
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = gInUse.find(pointer);
  if (it == gInUse.end()) {
    fail("memory release",
         "the pointer was not allocated by this library's CUDA allocator");
    return;
  }
  gFree[it->second.cls].push_back(it->second.base);
  gInUse.erase(it);
}

DLC_CU_EXPORT void *dlc_cuda_alloc(size_t bytes) {
  Entry entry; // its waits must not fall into another thread's capture
  void *p = poolAlloc(bytes, kMinClass);
  // The block may have been used by work still on the streams (a kernel,
  // an upload): let the caller write it from the host at once.
  if (p && (!check(drv.cuStreamSynchronize(stream()), "cuStreamSynchronize") ||
            !check(drv.cuStreamSynchronize(copyStream()),
                   "cuStreamSynchronize")))
    return nullptr;
  return p;
}

DLC_CU_EXPORT void dlc_cuda_free(void *pointer) {
  if (!pointer)
    return;
  Entry entry;
  poolFree(pointer);
}

// MLIR's generic allocation functions (LLVM 19: i64 size; i64 alignment,
// i64 size; ptr), which generated host code calls for memref.alloc.
DLC_CU_EXPORT void *_mlir_memref_to_llvm_alloc(size_t size) {
  Entry entry; // a new slab is cuMemAllocManaged, which synchronizes
  return poolAlloc(size, kMinClass);
}

DLC_CU_EXPORT void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                       size_t size) {
  Entry entry;
  return poolAlloc(size, alignment < kMinClass ? kMinClass : alignment);
}

DLC_CU_EXPORT void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer)
    return;
  Entry entry;
  poolFree(pointer);
}
